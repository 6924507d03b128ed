package risk

import (
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/knowledge"
)

// Answer is a compliance assessment answer for one clause.
type Answer string

// The answers used in a DCB0129/DCB0160 compliance assessment.
const (
	Yes           Answer = "yes"
	No            Answer = "no"
	NotApplicable Answer = "not_applicable"
	Partial       Answer = "partial"
	Awaiting      Answer = "awaiting"
)

// AllAnswers returns the answers in display order.
func AllAnswers() []Answer { return []Answer{Yes, No, NotApplicable, Partial, Awaiting} }

// Valid reports whether a is a known answer.
func (a Answer) Valid() bool {
	for _, v := range AllAnswers() {
		if v == a {
			return true
		}
	}
	return false
}

// Label returns the display name, e.g. "Not applicable".
func (a Answer) Label() string {
	switch a {
	case Yes:
		return "Yes"
	case No:
		return "No"
	case NotApplicable:
		return "Not applicable"
	case Partial:
		return "Partial"
	case Awaiting:
		return "Awaiting"
	}
	return string(a)
}

// ParseAnswer reads an answer from its code or label, ignoring case; "N/A"
// is accepted for Not applicable.
func ParseAnswer(s string) (Answer, error) {
	k := normKey(s)
	if k == "n/a" || k == "na" {
		return NotApplicable, nil
	}
	for _, v := range AllAnswers() {
		if k == string(v) {
			return v, nil
		}
	}
	return "", apperr.New(apperr.Invalid, "answer %q is not one of Yes, No, Not applicable, Partial or Awaiting", strings.TrimSpace(s))
}

// ClauseGroup is a numbered section of a standard (2 to 7) with its
// requirements, one checklist item per requirement.
type ClauseGroup struct {
	Number string       `json:"number"`
	Title  string       `json:"title"`
	Items  []ClauseItem `json:"items"`
}

// ClauseItem is one requirement of the standard: its published number
// (e.g. "6.1.4"), the title of the subsection it sits in (e.g. "Clinical
// risk control option analysis") and a short paraphrase of what it asks
// for. The paraphrases are clinsafe's own words, not the standard's text.
type ClauseItem struct {
	Clause  string `json:"clause"`
	Text    string `json:"text"`
	Heading string `json:"heading,omitempty"`
}

// ChecklistSource names the published documents a standard's checklist
// follows, for display with it.
func ChecklistSource(std Standard) string { return catalogueOf(std).Source }

// catalogueOf is a standard's requirement catalogue, which the knowledge
// hub holds so that a clause has one definition (and publishes as a
// document of kind standard).
func catalogueOf(std Standard) knowledge.Catalogue {
	c, ok := knowledge.CatalogueOf(string(std))
	if !ok {
		c, _ = knowledge.CatalogueOf(string(DCB0129))
	}
	return c
}

func wording(std Standard) *strings.Replacer { return catalogueOf(std).Words() }

// ClauseGroups returns the checklist for a standard: DCB0129 for a
// manufacturer, DCB0160 for a deploying health organisation, one item per
// published requirement in the standard's numbering (see ChecklistSource).
// An unknown standard gets the DCB0129 checklist.
func ClauseGroups(std Standard) []ClauseGroup {
	c := catalogueOf(std)
	r := c.Words()
	var groups []ClauseGroup
	for _, sub := range c.Subsections() {
		sec, _, _ := strings.Cut(sub.Number, ".")
		if n := len(groups); n == 0 || groups[n-1].Number != sec {
			groups = append(groups, ClauseGroup{Number: sec, Title: c.SectionTitle(sec)})
		}
		g := &groups[len(groups)-1]
		for _, q := range sub.Requirements {
			g.Items = append(g.Items, ClauseItem{Clause: q.Clause, Text: r.Replace(q.Explanation), Heading: sub.Title})
		}
	}
	return groups
}

// OldClause is a clause of the checklist clinsafe used before it followed
// the standards' requirement numbering (one coarse item per subsection,
// "2.1" to "7.3"), with the requirements of the current checklist that say
// the same thing. An answer stored against an old clause is carried over to
// each of MapsTo; one whose MapsTo is empty has no counterpart of the same
// meaning and is kept as an answer from the old checklist for the Clinical
// Safety Officer to review. Migration 0009 applies this mapping to stored
// answers; a test checks the two agree.
type OldClause struct {
	Clause string   `json:"clause"`
	Text   string   `json:"text"`
	MapsTo []string `json:"maps_to,omitempty"`
}

// OldChecklist returns the old checklist of a standard and its mapping.
func OldChecklist(std Standard) []OldClause {
	r := wording(std)
	third, review := "2.5.1", "2.6.1"
	if std == DCB0160 {
		third, review = "2.6.1", "2.7.1"
	}
	old := []OldClause{
		{"2.1", "{Org} has a clinical risk management process that is documented and covers the whole life of {sys}.", []string{"2.1.1"}},
		{"2.2", "Top management provides resources, sets authorisation levels and nominates a Clinical Safety Officer.", nil},
		{"2.3", "A Clinical Safety Officer, a registered and suitably experienced clinician, approves the safety documentation.", nil},
		{"2.4", "Everyone doing clinical risk management work is competent, and records of their competence are kept.", []string{"2.4.1", "2.4.2"}},
		{"2.5", "Clinical risks from third-party products used within {sys} are managed.", []string{third}},
		{"2.6", "The clinical risk management process is reviewed at planned intervals and improved.", []string{review}},
		{"3.1", "A clinical risk management file holds the evidence and is kept for the life of {sys}.", []string{"3.1.2", "3.1.3"}},
		{"3.2", "A clinical risk management plan sets out activities, responsibilities and acceptability criteria.", []string{"3.2.1"}},
		{"3.3", "A hazard log is kept up to date and each issued version is approved by the Clinical Safety Officer.", []string{"3.3.1", "3.3.2"}},
		{"3.4", "A clinical safety case argues, with evidence, that {sys} is safe to use.", []string{"3.4.1"}},
		{"3.5", "A clinical safety case report is issued for each lifecycle phase and each change that alters risk.", []string{"3.5.1", "7.3.3"}},
		{"3.6", "A safety incident management log records incidents after deployment and how they were resolved.", []string{"3.6.1", "7.2.5"}},
		{"4.1", "The scope of the analysis, including the system boundary and interfaces, is defined.", []string{"4.2.1"}},
		{"4.2", "The intended use and clinical context of {sys} are described.", []string{"4.2.2"}},
		{"4.3", "Hazards are identified systematically and recorded in the hazard log.", []string{"4.3.1"}},
		{"4.4", "For each hazard the severity and likelihood are estimated and a risk rating assigned.", []string{"4.4.1"}},
		{"5.1", "Each risk is judged against the acceptability criteria in the clinical risk management plan.", []string{"5.1.1"}},
		{"5.2", "Risks that are not acceptable are identified for control.", nil},
		{"6.1", "Controls are chosen in order of preference, design first, and recorded against each hazard.", []string{"6.1.1"}},
		{"6.2", "The residual risk is estimated and evaluated once controls are in place.", []string{"6.1.4"}},
		{"6.3", "Where residual risk stays unacceptable, a documented risk-benefit decision is made.", []string{"6.2.1"}},
		{"6.4", "Each control is shown to be implemented, and verified to be effective.", []string{"6.3.2", "6.3.3"}},
		{"6.5", "{Org} checks that every identified hazard has been considered and the controls are complete.", []string{"6.4.1"}},
		{"7.1", "Safety-related information reaches those who need it before {sys} goes live.", nil},
		{"7.2", "{Org} monitors {sys} in use and acts on incidents and new hazards.", []string{"7.2.1"}},
		{"7.3", "Changes are assessed for their clinical risk, and the safety documentation is updated.", []string{"7.3.1"}},
	}
	for i := range old {
		old[i].Text = r.Replace(old[i].Text)
	}
	return old
}
