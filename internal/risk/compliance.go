package risk

import (
	"cmp"
	"fmt"
	"slices"
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
func ChecklistSource(std Standard) string { return checklistOf(std).source }

type req struct{ clause, text string }

type subsection struct {
	number, title string
	reqs          []req
}

// checklist is one standard's requirement table: the documents it
// follows, the title of its section 7 (sections 2 to 6 are titled alike,
// checklistSections) and the subsections it words its own way, which
// ClauseGroups merges in number order with the subsections both standards
// word alike (sharedSubsections).
type checklist struct {
	source   string
	section7 string
	own      []subsection
}

func checklistOf(std Standard) checklist {
	if std == DCB0160 {
		return dcb0160
	}
	return dcb0129
}

// dcb0129 holds, with sharedSubsections, every requirement of DCB0129
// Specification v4.2 (2 May 2018), one per line: 61 requirements in all.
//
// Source: the numbers and the subsection titles follow NHS England's
// official compliance assessment template (DCB 0129 Compliance assessment
// v5.0, document NPFIT-FNT-TO-TOCLNSA-1430.05, 15 June 2023), which lists
// each MUST and SHOULD of sections 2 to 7 one per line. Every number here
// was checked against it, 2.5.2 and 3.5.3 included; 2.6 holds one
// requirement (2.6.1) and there is no 2.6.2. Two clauses could not be
// confirmed from that template: subsection 3.2 (the Clinical Risk
// Management Plan, 3.2.1 to 3.2.4), which is in the specification but
// which the template omits, and 5.1.1, which the template gives without a
// number before 5.1.2.
var dcb0129 = checklist{
	source:   "DCB0129 Clinical Risk Management: its Application in the Manufacture of Health IT Systems, Specification version 4.2 (2 May 2018), numbered as in NHS England's DCB 0129 compliance assessment template version 5.0 (15 June 2023)",
	section7: "Delivery, monitoring and modification",
	own: []subsection{
		{"2.2", "Top management responsibilities", []req{
			{"2.2.1", topResources},
			{"2.2.2", "Top management makes sure the clinical risk management plan sets the levels of authorisation for {sys} and its safety documents."}}},
		{"2.5", "Third-party products", []req{
			{"2.5.1", "{Org} assesses any third-party product included in a release as part of its clinical risk management process."},
			{"2.5.2", "Each clinical safety case report says how third-party products were assessed."}}},
		{"2.6", "Regular clinical risk management process review", []req{{"2.6.1", processReview}}},
		{"3.5", "Clinical safety case reports", []req{
			{"3.5.1", "A clinical safety case report is produced at each lifecycle phase the plan defines."},
			{"3.5.2", reportApproval},
			{"3.5.3", "Each clinical safety case report is made available to the receiving organisation, a health organisation or another manufacturer."}}},
		{"4.2", "Health IT system scope definition", []req{
			{"4.2.1", "The clinical scope of {sys} to be delivered is defined."},
			{"4.2.2", "The intended use of {sys} to be delivered is defined."}}},
		{"4.3", "Identification of hazards to patients", []req{
			{"4.3.1", "Known and foreseeable hazards to patients from the intended use of {sys}, in normal and in fault conditions, are identified and documented."}}},
		{"7.1", "Delivery", []req{
			{"7.1.1", "Before delivery, {sys} is formally reviewed to check that every requirement of this standard has been addressed."},
			{"7.1.2", reviewRecorded},
			{"7.1.3", "The configuration of {sys} for the release is recorded in the clinical safety case report."}}},
	},
}

// dcb0160 holds, with sharedSubsections, the requirements of DCB0160
// Specification v3.2 (2 May 2018), one per line. Where it differs from
// DCB0129 it speaks of deployment: top management authorises deployment
// and accepts the residual risk (2.2.2), procurement checks the
// manufacturer's DCB0129 compliance (2.5.1), third-party products (2.6)
// and process review (2.7) move down one subsection, the operational
// environment and users are defined (4.2.3), local customisations are
// assessed and a formal review precedes deployment (7.1), and
// decommissioning has its own subsection (7.4).
//
// Source: the specification as clinsafe reads it. Neither its text nor
// NHS England's DCB 0160 compliance assessment template could be found to
// check this list against, nor whether a v3.3 renumbers anything, so the
// numbers DCB0160 does not share with DCB0129 are not confirmed: 2.2.2,
// 2.2.3, 2.5.1, 2.6.1, 2.7.1, 3.5 having no 3.5.3, 4.2.3, 7.1.1 to 7.1.3
// and 7.4.1 to 7.4.4. The shared numbers are confirmed only as DCB0129's.
// Check the list against the DCB0160 template before relying on it.
var dcb0160 = checklist{
	source:   "DCB0160 Clinical Risk Management: its Application in the Deployment and Use of Health IT Systems, Specification version 3.2 (2 May 2018)",
	section7: "Deployment, monitoring, modification and decommissioning",
	own: []subsection{
		{"2.2", "Top management responsibilities", []req{
			{"2.2.1", topResources},
			{"2.2.2", "Top management authorises the deployment of {sys}, accepting any residual clinical risk on behalf of {org}."},
			{"2.2.3", "Top management makes sure the clinical risk management plan sets the levels of authorisation for {sys} and its safety documents."}}},
		{"2.5", "Manufacturer compliance", []req{
			{"2.5.1", "When procuring {sys}, {org} makes sure the manufacturer and the system comply with DCB0129."}}},
		{"2.6", "Third-party products", []req{
			{"2.6.1", "{Org} assesses any third-party product used with {sys} as part of its clinical risk management process."}}},
		{"2.7", "Regular clinical risk management process review", []req{{"2.7.1", processReview}}},
		{"3.5", "Clinical safety case reports", []req{
			{"3.5.1", "A clinical safety case report is produced at each lifecycle phase the plan defines (deployment, use, maintenance and decommissioning)."},
			{"3.5.2", reportApproval}}},
		{"4.2", "Health IT system scope definition", []req{
			{"4.2.1", "The clinical scope of {sys} is defined."},
			{"4.2.2", "The intended use of {sys} is defined."},
			{"4.2.3", "The operational environment and users of {sys} are defined."}}},
		{"4.3", "Identification of hazards to patients", []req{
			{"4.3.1", "Known and foreseeable hazards to patients from introducing and using {sys}, in normal and in fault conditions, are identified and documented."}}},
		{"7.1", "Deployment", []req{
			{"7.1.1", "Any local customisation of {sys} is assessed for clinical risk before deployment."},
			{"7.1.2", "Before deployment, {sys} is formally reviewed to check that every requirement of this standard has been addressed."},
			{"7.1.3", reviewRecorded}}},
		{"7.4", "Decommissioning", []req{
			{"7.4.1", "The clinical risk management process is applied to decommissioning {sys}."},
			{"7.4.2", "The decommissioning takes account of any system that replaces {sys}."},
			{"7.4.3", "The clinical risks of migrating data out of {sys} are assessed."},
			{"7.4.4", "A clinical safety case report is issued to support decommissioning {sys}."}}},
	},
}

// Requirements both standards word alike under numbers of their own.
const (
	topResources   = "Top management provides enough resources, assigns competent people from each specialist area involved and nominates a Clinical Safety Officer."
	processReview  = "{Org} formally reviews its clinical risk management process at planned, regular intervals."
	reportApproval = "The Clinical Safety Officer approves each clinical safety case report."
	reviewRecorded = "The results of that review are recorded in the clinical safety case report."
)

// sharedSubsections are worded alike, with the same numbers, in both
// standards.
var sharedSubsections = []subsection{
	{"2.1", "Clinical risk management process", []req{
		{"2.1.1", "{Org} defines and documents a clinical risk management process that covers the activities the standard sets out."}}},
	{"2.3", "Clinical Safety Officer", []req{
		{"2.3.1", "The Clinical Safety Officer is a suitably qualified and experienced clinician."},
		{"2.3.2", "The Clinical Safety Officer holds current registration with a professional body relevant to their training and experience."},
		{"2.3.3", "The Clinical Safety Officer knows risk management and how it applies to clinical work."},
		{"2.3.4", "The Clinical Safety Officer makes sure the clinical risk management process is followed."}}},
	{"2.4", "Competencies of personnel", []req{
		{"2.4.1", "People given clinical risk management tasks have the knowledge, experience and competence the tasks need."},
		{"2.4.2", "Records of the competence and experience of those people are kept."}}},
	{"3.1", "Clinical risk management file", []req{
		{"3.1.1", "A clinical risk management file for {sys} is set up when the project starts."},
		{"3.1.2", "The clinical risk management file is kept for the whole life of {sys}."},
		{"3.1.3", "Every formal document, and all evidence of meeting this standard, is held in the clinical risk management file."},
		{"3.1.4", "Decisions that shape the clinical risk management work are recorded in the clinical risk management file."}}},
	{"3.2", "Clinical risk management plan", []req{
		{"3.2.1", "A clinical risk management plan for {sys}, including the criteria for accepting clinical risk, is written when the project starts."},
		{"3.2.2", "The Clinical Safety Officer approves the clinical risk management plan."},
		{"3.2.3", "The plan is updated when the nature of the project or its key people change."},
		{"3.2.4", "The plan is kept up to date for the whole life of {sys}."}}},
	{"3.3", "Hazard log", []req{
		{"3.3.1", "A hazard log is set up and kept up to date."},
		{"3.3.2", "The Clinical Safety Officer approves each version of the hazard log."},
		{"3.3.3", "An issued hazard log goes with each clinical safety case report."}}},
	{"3.4", "Clinical safety case", []req{
		{"3.4.1", "A clinical safety case for {sys} is developed and kept up to date."}}},
	{"3.6", "Safety incident management log", []req{
		{"3.6.1", "A safety incident management log is kept."}}},
	{"4.1", "Clinical risk analysis process", []req{
		{"4.1.1", "The clinical risk analysis activities set out in the plan are carried out."},
		{"4.1.2", "A multidisciplinary group that includes a Clinical Safety Officer should carry out the clinical risk analysis."},
		{"4.1.3", "The depth of the clinical risk analysis matches the scale, complexity and clinical risk of the release."}}},
	{"4.4", "Estimation of the clinical risks", []req{
		{"4.4.1", "For each hazard, its severity, its likelihood and the resulting clinical risk are estimated with the criteria in the plan."}}},
	{"5.1", "Initial clinical risk evaluation", []req{
		{"5.1.1", "Each hazard's initial clinical risk is judged acceptable or not, with the acceptability criteria in the plan."},
		{"5.1.2", "Risk control (6.1 to 6.3) is applied to every hazard whose initial clinical risk is not acceptable."}}},
	{"6.1", "Clinical risk control option analysis", []req{
		{"6.1.1", "Suitable control measures are identified to remove any unacceptable clinical risk."},
		{"6.1.2", "Each proposed control measure is checked for new hazards it brings and for its effect on the risks of hazards already identified."},
		{"6.1.3", "New hazards, or risks raised by control measures, are managed through 4.4 to 6.4."},
		{"6.1.4", "The residual clinical risk is evaluated with the acceptability criteria in the plan."},
		{"6.1.5", "Where a residual clinical risk is unacceptable, further control measures are identified to reduce it."},
		{"6.1.6", "Where no suitable control measure is possible, a clinical risk-benefit analysis is carried out (6.2)."}}},
	{"6.2", "Clinical risk benefit analysis", []req{
		{"6.2.1", "Where a residual clinical risk is unacceptable and further control is not practicable, {org} decides whether the clinical benefits of the intended use outweigh it."},
		{"6.2.2", "Where the benefits do not outweigh the residual risk, the risk stays unacceptable and the project should be reappraised."}}},
	{"6.3", "Implementation of clinical risk control measures", []req{
		{"6.3.1", "The control measures identified are implemented, except those another organisation is to implement."},
		{"6.3.2", "The implementation of each control measure is verified."},
		{"6.3.3", "The effectiveness of each control measure is verified."}}},
	{"6.4", "Completeness of clinical risk control", []req{
		{"6.4.1", "The clinical risks of all identified hazards have been considered and accepted."}}},
	{"7.2", "Post-deployment monitoring", []req{
		{"7.2.1", "A documented process collects and reviews the safety concerns and incidents reported once {sys} is in use."},
		{"7.2.2", "The effect of those reports on the continued validity of the clinical safety case is assessed."},
		{"7.2.3", "Where a report undermines the safety case, corrective action is taken as the plan says and documented in the clinical safety case report."},
		{"7.2.4", "Safety incidents are reported and resolved promptly."},
		{"7.2.5", "Safety incidents and their resolution are recorded in the safety incident management log."}}},
	{"7.3", "Modification", []req{
		{"7.3.1", "The clinical risk management process is applied to every modification or update of {sys} once deployed."},
		{"7.3.2", "The effort matches the scale of the change and any new clinical risk it brings."},
		{"7.3.3", "A clinical safety case report is issued for any modification that changes the clinical risk of {sys}."},
		{"7.3.4", "An audit trail of every version and patch released for deployment is kept."}}},
}

var checklistSections = map[string]string{
	"2": "General requirements", "3": "Project safety documentation", "4": "Clinical risk analysis",
	"5": "Clinical risk evaluation", "6": "Clinical risk control",
}

func wording(std Standard) *strings.Replacer {
	org, sys := "the manufacturer", "the health IT system"
	if std == DCB0160 {
		org, sys = "the health organisation", "the health IT system being deployed"
	}
	return strings.NewReplacer("{org}", org, "{Org}", strings.ToUpper(org[:1])+org[1:], "{sys}", sys)
}

// subsectionOrder compares subsection numbers ("2.7" before "2.10").
func subsectionOrder(a, b subsection) int {
	var a1, a2, b1, b2 int
	fmt.Sscanf(a.number, "%d.%d", &a1, &a2)
	fmt.Sscanf(b.number, "%d.%d", &b1, &b2)
	return cmp.Or(cmp.Compare(a1, b1), cmp.Compare(a2, b2))
}

// ClauseGroups returns the checklist for a standard: DCB0129 for a
// manufacturer, DCB0160 for a deploying health organisation, one item per
// published requirement in the standard's numbering (see ChecklistSource).
// An unknown standard gets the DCB0129 checklist.
func ClauseGroups(std Standard) []ClauseGroup {
	c := checklistOf(std)
	subs := slices.Concat(sharedSubsections, c.own)
	slices.SortFunc(subs, subsectionOrder)
	r := wording(std)
	var groups []ClauseGroup
	for _, sub := range subs {
		sec, _, _ := strings.Cut(sub.number, ".")
		if n := len(groups); n == 0 || groups[n-1].Number != sec {
			title := checklistSections[sec]
			if sec == "7" {
				title = c.section7
			}
			groups = append(groups, ClauseGroup{Number: sec, Title: title})
		}
		g := &groups[len(groups)-1]
		for _, q := range sub.reqs {
			g.Items = append(g.Items, ClauseItem{Clause: q.clause, Text: r.Replace(q.text), Heading: sub.title})
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
