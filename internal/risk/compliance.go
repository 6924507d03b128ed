package risk

import (
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
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

// ClauseGroup is a numbered group of clauses of a standard with checklist
// items to assess.
type ClauseGroup struct {
	Number string       `json:"number"`
	Title  string       `json:"title"`
	Items  []ClauseItem `json:"items"`
}

// ClauseItem is one checklist item: a clause number and a short paraphrase
// of what it asks for. The paraphrases are clinsafe's own; the numbering
// follows the structure of the standard and should be checked against the
// published text in force.
type ClauseItem struct {
	Clause string `json:"clause"`
	Text   string `json:"text"`
}

// ClauseGroups returns the checklist for a standard: DCB0129 for a
// manufacturer, DCB0160 for a deploying health organisation. Both standards
// have the same shape; the DCB0160 wording speaks of the health organisation.
// An unknown standard gets the DCB0129 checklist.
func ClauseGroups(std Standard) []ClauseGroup {
	org := "the manufacturer"
	sys := "the health IT system"
	if std == DCB0160 {
		org = "the health organisation"
		sys = "the health IT system being deployed"
	}
	r := strings.NewReplacer("{org}", org, "{Org}", strings.ToUpper(org[:1])+org[1:], "{sys}", sys)
	groups := []ClauseGroup{
		{Number: "2", Title: "General", Items: []ClauseItem{
			{"2.1", "{Org} has a clinical risk management process that is documented and covers the whole life of {sys}."},
			{"2.2", "Top management provides resources, sets authorisation levels and nominates a Clinical Safety Officer."},
			{"2.3", "A Clinical Safety Officer, a registered and suitably experienced clinician, approves the safety documentation."},
			{"2.4", "Everyone doing clinical risk management work is competent, and records of their competence are kept."},
			{"2.5", "Clinical risks from third-party products used within {sys} are managed."},
			{"2.6", "The clinical risk management process is reviewed at planned intervals and improved."},
		}},
		{Number: "3", Title: "Project safety documentation", Items: []ClauseItem{
			{"3.1", "A clinical risk management file holds the evidence and is kept for the life of {sys}."},
			{"3.2", "A clinical risk management plan sets out activities, responsibilities and acceptability criteria."},
			{"3.3", "A hazard log is kept up to date and each issued version is approved by the Clinical Safety Officer."},
			{"3.4", "A clinical safety case argues, with evidence, that {sys} is safe to use."},
			{"3.5", "A clinical safety case report is issued for each lifecycle phase and each change that alters risk."},
			{"3.6", "A safety incident management log records incidents after deployment and how they were resolved."},
		}},
		{Number: "4", Title: "Clinical risk analysis", Items: []ClauseItem{
			{"4.1", "The scope of the analysis, including the system boundary and interfaces, is defined."},
			{"4.2", "The intended use and clinical context of {sys} are described."},
			{"4.3", "Hazards are identified systematically and recorded in the hazard log."},
			{"4.4", "For each hazard the severity and likelihood are estimated and a risk rating assigned."},
		}},
		{Number: "5", Title: "Clinical risk evaluation", Items: []ClauseItem{
			{"5.1", "Each risk is judged against the acceptability criteria in the clinical risk management plan."},
			{"5.2", "Risks that are not acceptable are identified for control."},
		}},
		{Number: "6", Title: "Clinical risk control", Items: []ClauseItem{
			{"6.1", "Controls are chosen in order of preference, design first, and recorded against each hazard."},
			{"6.2", "The residual risk is estimated and evaluated once controls are in place."},
			{"6.3", "Where residual risk stays unacceptable, a documented risk-benefit decision is made."},
			{"6.4", "Each control is shown to be implemented, and verified to be effective."},
			{"6.5", "{Org} checks that every identified hazard has been considered and the controls are complete."},
		}},
		{Number: "7", Title: "Delivery, monitoring and modification", Items: []ClauseItem{
			{"7.1", "Safety-related information reaches those who need it before {sys} goes live."},
			{"7.2", "{Org} monitors {sys} in use and acts on incidents and new hazards."},
			{"7.3", "Changes are assessed for their clinical risk, and the safety documentation is updated."},
		}},
	}
	for gi := range groups {
		for ii := range groups[gi].Items {
			groups[gi].Items[ii].Text = r.Replace(groups[gi].Items[ii].Text)
		}
	}
	return groups
}
