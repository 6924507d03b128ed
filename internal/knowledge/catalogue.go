package knowledge

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// The DCB0129 and DCB0160 requirement catalogue: each standard's clause
// numbers and the titles of their subsections as published, with a short
// explanation of each requirement in clinsafe's own words (never the
// standards' text). The clinical risk wing's compliance checklists are
// built from it, and it is published in the knowledge hub as a document of
// kind standard, so that a clause has one definition.

// Requirement is one requirement of a standard: its published number (e.g.
// "6.1.4") and our explanation of what it asks for, in which {org}, {Org}
// and {sys} stand for the organisation and the system (see Catalogue.Words).
type Requirement struct {
	Clause      string `json:"clause"`
	Explanation string `json:"explanation"`
}

// Subsection is a numbered subsection of a standard ("6.1") with its
// published title and its requirements.
type Subsection struct {
	Number       string        `json:"number"`
	Title        string        `json:"title"`
	Requirements []Requirement `json:"requirements"`
}

// Catalogue is one standard's requirement table: the documents it follows,
// the title of its section 7 (sections 2 to 6 are titled alike) and the
// subsections it words its own way, which Subsections merges in number
// order with the subsections both standards word alike.
type Catalogue struct {
	Code     string `json:"code"`
	Title    string `json:"title"`
	Source   string `json:"source"`
	Section7 string `json:"section_7"`
	Own      []Subsection
}

// CatalogueVersion is the version of the catalogue's data: its knowledge
// document is published again when it changes.
const CatalogueVersion = "1.0"

// Catalogues returns the catalogue of DCB0129 and of DCB0160.
func Catalogues() []Catalogue { return []Catalogue{dcb0129, dcb0160} }

// CatalogueOf returns the catalogue of a standard by code ("DCB0129" or
// "DCB0160"); false for another code.
func CatalogueOf(code string) (Catalogue, bool) {
	switch code {
	case "DCB0129":
		return dcb0129, true
	case "DCB0160":
		return dcb0160, true
	}
	return Catalogue{}, false
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
var dcb0129 = Catalogue{
	Code:     "DCB0129",
	Title:    "DCB0129: clinical risk management in the manufacture of health IT systems",
	Source:   "DCB0129 Clinical Risk Management: its Application in the Manufacture of Health IT Systems, Specification version 4.2 (2 May 2018), numbered as in NHS England's DCB 0129 compliance assessment template version 5.0 (15 June 2023)",
	Section7: "Delivery, monitoring and modification",
	Own: []Subsection{
		{"2.2", "Top management responsibilities", []Requirement{
			{"2.2.1", topResources},
			{"2.2.2", "Top management makes sure the clinical risk management plan sets the levels of authorisation for {sys} and its safety documents."}}},
		{"2.5", "Third-party products", []Requirement{
			{"2.5.1", "{Org} assesses any third-party product included in a release as part of its clinical risk management process."},
			{"2.5.2", "Each clinical safety case report says how third-party products were assessed."}}},
		{"2.6", "Regular clinical risk management process review", []Requirement{{"2.6.1", processReview}}},
		{"3.5", "Clinical safety case reports", []Requirement{
			{"3.5.1", "A clinical safety case report is produced at each lifecycle phase the plan defines."},
			{"3.5.2", reportApproval},
			{"3.5.3", "Each clinical safety case report is made available to the receiving organisation, a health organisation or another manufacturer."}}},
		{"4.2", "Health IT system scope definition", []Requirement{
			{"4.2.1", "The clinical scope of {sys} to be delivered is defined."},
			{"4.2.2", "The intended use of {sys} to be delivered is defined."}}},
		{"4.3", "Identification of hazards to patients", []Requirement{
			{"4.3.1", "Known and foreseeable hazards to patients from the intended use of {sys}, in normal and in fault conditions, are identified and documented."}}},
		{"7.1", "Delivery", []Requirement{
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
var dcb0160 = Catalogue{
	Code:     "DCB0160",
	Title:    "DCB0160: clinical risk management in the deployment and use of health IT systems",
	Source:   "DCB0160 Clinical Risk Management: its Application in the Deployment and Use of Health IT Systems, Specification version 3.2 (2 May 2018)",
	Section7: "Deployment, monitoring, modification and decommissioning",
	Own: []Subsection{
		{"2.2", "Top management responsibilities", []Requirement{
			{"2.2.1", topResources},
			{"2.2.2", "Top management authorises the deployment of {sys}, accepting any residual clinical risk on behalf of {org}."},
			{"2.2.3", "Top management makes sure the clinical risk management plan sets the levels of authorisation for {sys} and its safety documents."}}},
		{"2.5", "Manufacturer compliance", []Requirement{
			{"2.5.1", "When procuring {sys}, {org} makes sure the manufacturer and the system comply with DCB0129."}}},
		{"2.6", "Third-party products", []Requirement{
			{"2.6.1", "{Org} assesses any third-party product used with {sys} as part of its clinical risk management process."}}},
		{"2.7", "Regular clinical risk management process review", []Requirement{{"2.7.1", processReview}}},
		{"3.5", "Clinical safety case reports", []Requirement{
			{"3.5.1", "A clinical safety case report is produced at each lifecycle phase the plan defines (deployment, use, maintenance and decommissioning)."},
			{"3.5.2", reportApproval}}},
		{"4.2", "Health IT system scope definition", []Requirement{
			{"4.2.1", "The clinical scope of {sys} is defined."},
			{"4.2.2", "The intended use of {sys} is defined."},
			{"4.2.3", "The operational environment and users of {sys} are defined."}}},
		{"4.3", "Identification of hazards to patients", []Requirement{
			{"4.3.1", "Known and foreseeable hazards to patients from introducing and using {sys}, in normal and in fault conditions, are identified and documented."}}},
		{"7.1", "Deployment", []Requirement{
			{"7.1.1", "Any local customisation of {sys} is assessed for clinical risk before deployment."},
			{"7.1.2", "Before deployment, {sys} is formally reviewed to check that every requirement of this standard has been addressed."},
			{"7.1.3", reviewRecorded}}},
		{"7.4", "Decommissioning", []Requirement{
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
var sharedSubsections = []Subsection{
	{"2.1", "Clinical risk management process", []Requirement{
		{"2.1.1", "{Org} defines and documents a clinical risk management process that covers the activities the standard sets out."}}},
	{"2.3", "Clinical Safety Officer", []Requirement{
		{"2.3.1", "The Clinical Safety Officer is a suitably qualified and experienced clinician."},
		{"2.3.2", "The Clinical Safety Officer holds current registration with a professional body relevant to their training and experience."},
		{"2.3.3", "The Clinical Safety Officer knows risk management and how it applies to clinical work."},
		{"2.3.4", "The Clinical Safety Officer makes sure the clinical risk management process is followed."}}},
	{"2.4", "Competencies of personnel", []Requirement{
		{"2.4.1", "People given clinical risk management tasks have the knowledge, experience and competence the tasks need."},
		{"2.4.2", "Records of the competence and experience of those people are kept."}}},
	{"3.1", "Clinical risk management file", []Requirement{
		{"3.1.1", "A clinical risk management file for {sys} is set up when the project starts."},
		{"3.1.2", "The clinical risk management file is kept for the whole life of {sys}."},
		{"3.1.3", "Every formal document, and all evidence of meeting this standard, is held in the clinical risk management file."},
		{"3.1.4", "Decisions that shape the clinical risk management work are recorded in the clinical risk management file."}}},
	{"3.2", "Clinical risk management plan", []Requirement{
		{"3.2.1", "A clinical risk management plan for {sys}, including the criteria for accepting clinical risk, is written when the project starts."},
		{"3.2.2", "The Clinical Safety Officer approves the clinical risk management plan."},
		{"3.2.3", "The plan is updated when the nature of the project or its key people change."},
		{"3.2.4", "The plan is kept up to date for the whole life of {sys}."}}},
	{"3.3", "Hazard log", []Requirement{
		{"3.3.1", "A hazard log is set up and kept up to date."},
		{"3.3.2", "The Clinical Safety Officer approves each version of the hazard log."},
		{"3.3.3", "An issued hazard log goes with each clinical safety case report."}}},
	{"3.4", "Clinical safety case", []Requirement{
		{"3.4.1", "A clinical safety case for {sys} is developed and kept up to date."}}},
	{"3.6", "Safety incident management log", []Requirement{
		{"3.6.1", "A safety incident management log is kept."}}},
	{"4.1", "Clinical risk analysis process", []Requirement{
		{"4.1.1", "The clinical risk analysis activities set out in the plan are carried out."},
		{"4.1.2", "A multidisciplinary group that includes a Clinical Safety Officer should carry out the clinical risk analysis."},
		{"4.1.3", "The depth of the clinical risk analysis matches the scale, complexity and clinical risk of the release."}}},
	{"4.4", "Estimation of the clinical risks", []Requirement{
		{"4.4.1", "For each hazard, its severity, its likelihood and the resulting clinical risk are estimated with the criteria in the plan."}}},
	{"5.1", "Initial clinical risk evaluation", []Requirement{
		{"5.1.1", "Each hazard's initial clinical risk is judged acceptable or not, with the acceptability criteria in the plan."},
		{"5.1.2", "Risk control (6.1 to 6.3) is applied to every hazard whose initial clinical risk is not acceptable."}}},
	{"6.1", "Clinical risk control option analysis", []Requirement{
		{"6.1.1", "Suitable control measures are identified to remove any unacceptable clinical risk."},
		{"6.1.2", "Each proposed control measure is checked for new hazards it brings and for its effect on the risks of hazards already identified."},
		{"6.1.3", "New hazards, or risks raised by control measures, are managed through 4.4 to 6.4."},
		{"6.1.4", "The residual clinical risk is evaluated with the acceptability criteria in the plan."},
		{"6.1.5", "Where a residual clinical risk is unacceptable, further control measures are identified to reduce it."},
		{"6.1.6", "Where no suitable control measure is possible, a clinical risk-benefit analysis is carried out (6.2)."}}},
	{"6.2", "Clinical risk benefit analysis", []Requirement{
		{"6.2.1", "Where a residual clinical risk is unacceptable and further control is not practicable, {org} decides whether the clinical benefits of the intended use outweigh it."},
		{"6.2.2", "Where the benefits do not outweigh the residual risk, the risk stays unacceptable and the project should be reappraised."}}},
	{"6.3", "Implementation of clinical risk control measures", []Requirement{
		{"6.3.1", "The control measures identified are implemented, except those another organisation is to implement."},
		{"6.3.2", "The implementation of each control measure is verified."},
		{"6.3.3", "The effectiveness of each control measure is verified."}}},
	{"6.4", "Completeness of clinical risk control", []Requirement{
		{"6.4.1", "The clinical risks of all identified hazards have been considered and accepted."}}},
	{"7.2", "Post-deployment monitoring", []Requirement{
		{"7.2.1", "A documented process collects and reviews the safety concerns and incidents reported once {sys} is in use."},
		{"7.2.2", "The effect of those reports on the continued validity of the clinical safety case is assessed."},
		{"7.2.3", "Where a report undermines the safety case, corrective action is taken as the plan says and documented in the clinical safety case report."},
		{"7.2.4", "Safety incidents are reported and resolved promptly."},
		{"7.2.5", "Safety incidents and their resolution are recorded in the safety incident management log."}}},
	{"7.3", "Modification", []Requirement{
		{"7.3.1", "The clinical risk management process is applied to every modification or update of {sys} once deployed."},
		{"7.3.2", "The effort matches the scale of the change and any new clinical risk it brings."},
		{"7.3.3", "A clinical safety case report is issued for any modification that changes the clinical risk of {sys}."},
		{"7.3.4", "An audit trail of every version and patch released for deployment is kept."}}},
}

var sectionTitles = map[string]string{
	"2": "General requirements", "3": "Project safety documentation", "4": "Clinical risk analysis",
	"5": "Clinical risk evaluation", "6": "Clinical risk control",
}

// Subsections are every subsection of the standard in number order ("2.7"
// before "2.10").
func (c Catalogue) Subsections() []Subsection {
	subs := slices.Concat(sharedSubsections, c.Own)
	slices.SortFunc(subs, func(a, b Subsection) int {
		var a1, a2, b1, b2 int
		fmt.Sscanf(a.Number, "%d.%d", &a1, &a2)
		fmt.Sscanf(b.Number, "%d.%d", &b1, &b2)
		return cmp.Or(cmp.Compare(a1, b1), cmp.Compare(a2, b2))
	})
	return subs
}

// SectionTitle is the title of a numbered section ("2" to "7").
func (c Catalogue) SectionTitle(sec string) string {
	if sec == "7" {
		return c.Section7
	}
	return sectionTitles[sec]
}

// Words replaces {org}, {Org} and {sys} in explanations: the manufacturer
// and the health IT system for DCB0129, the health organisation and the
// system being deployed for DCB0160.
func (c Catalogue) Words() *strings.Replacer {
	org, sys := "the manufacturer", "the health IT system"
	if c.Code == "DCB0160" {
		org, sys = "the health organisation", "the health IT system being deployed"
	}
	return strings.NewReplacer("{org}", org, "{Org}", strings.ToUpper(org[:1])+org[1:], "{sys}", sys)
}

// Markdown is the catalogue as the body of a knowledge document.
func (c Catalogue) Markdown() string {
	var b strings.Builder
	r := c.Words()
	fmt.Fprintf(&b, "The requirements of %s, by their published numbers and subsection titles, each explained in a sentence of our own. "+
		"This is not the standard's text: read the standard itself, published by NHS England, for what it requires.\n\n", c.Code)
	fmt.Fprintf(&b, "Numbering follows: %s.\n", c.Source)
	sec := ""
	for _, sub := range c.Subsections() {
		if s, _, _ := strings.Cut(sub.Number, "."); s != sec {
			sec = s
			fmt.Fprintf(&b, "\n## %s %s\n", s, c.SectionTitle(s))
		}
		fmt.Fprintf(&b, "\n### %s %s\n\n", sub.Number, sub.Title)
		for _, q := range sub.Requirements {
			fmt.Fprintf(&b, "- **%s** %s\n", q.Clause, r.Replace(q.Explanation))
		}
	}
	return b.String()
}
