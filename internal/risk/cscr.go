package risk

import (
	"fmt"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/text"
)

// Section keys of a Clinical Safety Case Report, in document order.
const (
	SectionIntroduction     = "introduction"
	SectionSystem           = "system"
	SectionCRMSystem        = "crm_system"
	SectionRiskAnalysis     = "risk_analysis"
	SectionRiskEvaluation   = "risk_evaluation"
	SectionRiskControl      = "risk_control"
	SectionHazardLog        = "hazard_log"
	SectionTestIssues       = "test_issues"
	SectionSafetyStatement  = "safety_statement"
	SectionQualityAssurance = "quality_assurance"
	SectionConfiguration    = "configuration"
)

var sectionTitles = []struct{ key, title string }{
	{SectionIntroduction, "Introduction"},
	{SectionSystem, "System definition and overview"},
	{SectionCRMSystem, "Clinical risk management system"},
	{SectionRiskAnalysis, "Clinical risk analysis"},
	{SectionRiskEvaluation, "Clinical risk evaluation"},
	{SectionRiskControl, "Clinical risk control"},
	{SectionHazardLog, "Hazard log"},
	{SectionTestIssues, "Test issues"},
	{SectionSafetyStatement, "Summary safety statement"},
	{SectionQualityAssurance, "Quality assurance and document approval"},
	{SectionConfiguration, "Configuration control"},
}

// SectionKeys returns the CSCR section keys in document order.
func SectionKeys() []string {
	out := make([]string, len(sectionTitles))
	for i, s := range sectionTitles {
		out[i] = s.key
	}
	return out
}

// IssueInfo describes one issue of a Clinical Safety Case Report.
type IssueInfo struct {
	// DocumentVersion is the report's own version, e.g. "1.0".
	DocumentVersion string `json:"document_version"`
	// Phase is the lifecycle phase or change the report covers, e.g.
	// "Go-live" or "Release 4.2".
	Phase   string    `json:"phase,omitempty"`
	Date    time.Time `json:"date,omitzero"`
	Author  string    `json:"author,omitempty"`
	CSOName string    `json:"cso_name,omitempty"`
	// CSORegistration is the CSO's professional registration, e.g. "GMC 1234567".
	CSORegistration string    `json:"cso_registration,omitempty"`
	ApprovedAt      time.Time `json:"approved_at,omitzero"`
	// Matrix rates the hazards; the zero value means DefaultMatrix.
	Matrix Matrix `json:"matrix,omitzero"`
	// LogHash is the issued hazard log's ContentHash; BuildCSCR fills it in
	// when empty.
	LogHash string `json:"log_hash,omitempty"`
}

// Section is one section of a CSCR: fixed key and title, editable narrative
// text in light Markdown (paragraphs, "- " bullets).
type Section struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	Text  string `json:"text"`
	// Generated is true when Text is clinsafe's default narrative rather
	// than the author's own.
	Generated bool `json:"generated"`
}

// HazardRow is one line of the CSCR hazard table. A rating of 0 means not
// estimated.
type HazardRow struct {
	Ref            string `json:"ref"`
	Name           string `json:"name"`
	InitialRating  int    `json:"initial_rating"`
	ResidualRating int    `json:"residual_rating"`
	Status         Status `json:"status"`
}

// CSCR is a Clinical Safety Case Report: its sections in the order of the
// representative contents, plus the data they draw on.
type CSCR struct {
	System     SystemInfo  `json:"system"`
	Issue      IssueInfo   `json:"issue"`
	LogVersion string      `json:"log_version"`
	LogHash    string      `json:"log_hash"`
	Sections   []Section   `json:"sections"`
	Hazards    []HazardRow `json:"hazards"`
	// InitialCounts and ResidualCounts count hazards by rating (index
	// rating-1); hazards without a residual estimate are in NoResidual.
	InitialCounts  [5]int         `json:"initial_counts"`
	ResidualCounts [5]int         `json:"residual_counts"`
	NoResidual     int            `json:"no_residual"`
	StatusCounts   map[Status]int `json:"status_counts"`
	// Acceptability is the matrix wording by rating-1, for the report's key.
	Acceptability [5]string `json:"acceptability"`
}

// Section returns the section with the given key and whether it exists.
func (c CSCR) Section(key string) (Section, bool) {
	for _, s := range c.Sections {
		if s.Key == key {
			return s, true
		}
	}
	return Section{}, false
}

// Title returns the report title.
func (c CSCR) Title() string {
	name := c.System.Name
	if name == "" {
		name = "Unnamed system"
	}
	return "Clinical Safety Case Report: " + name
}

// BuildCSCR assembles a report for sys from an issued hazard log. Each
// section's text comes from narratives[key] when that is not blank, and
// otherwise from a default narrative written from the data, which the author
// is expected to review and edit.
func BuildCSCR(sys SystemInfo, log Log, narratives map[string]string, issue IssueInfo) CSCR {
	m := issue.Matrix.orDefault()
	c := CSCR{System: sys, Issue: issue, LogVersion: log.Version, LogHash: issue.LogHash,
		StatusCounts: map[Status]int{}}
	if c.LogHash == "" {
		c.LogHash, _ = log.ContentHash() // an unencodable log simply has no hash
	}
	c.Issue.LogHash = c.LogHash
	copy(c.Acceptability[:], m.Wording[:])
	for _, h := range log.Sorted() {
		row := HazardRow{Ref: refOf(h), Name: h.Name, Status: h.Status}
		if r, err := h.InitialRating(m); err == nil {
			row.InitialRating = r
			c.InitialCounts[r-1]++
		}
		if r, err := h.ResidualRating(m); err == nil && r > 0 {
			row.ResidualRating = r
			c.ResidualCounts[r-1]++
		} else {
			c.NoResidual++
		}
		c.StatusCounts[h.Status]++
		c.Hazards = append(c.Hazards, row)
	}
	for _, st := range sectionTitles {
		s := Section{Key: st.key, Title: st.title}
		if t := strings.TrimSpace(narratives[st.key]); t != "" {
			s.Text = t
		} else {
			s.Text = defaultNarrative(st.key, c, m)
			s.Generated = true
		}
		c.Sections = append(c.Sections, s)
	}
	return c
}

func orUnstated(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(not yet stated)"
	}
	return s
}

func defaultNarrative(key string, c CSCR, m Matrix) string {
	sys := c.System
	name := sys.Name
	if name == "" {
		name = "the system"
	}
	std := sys.Standard
	if !std.Valid() {
		std = DCB0129
	}
	org := orUnstated(sys.Organisation)
	n := len(c.Hazards)
	switch key {
	case SectionIntroduction:
		return fmt.Sprintf("This report sets out the clinical safety case for %s, version %s, for %s. "+
			"It is produced by %s under %s and summarises the clinical risk management carried out, "+
			"the hazards identified and how they are controlled.", name, orUnstated(sys.Version),
			orUnstated(c.Issue.Phase), org, std)
	case SectionSystem:
		s := fmt.Sprintf("Intended use: %s\n\nClinical scope: %s\n\nConfiguration and release: %s",
			orUnstated(sys.IntendedUse), orUnstated(sys.ClinicalScope), orUnstated(sys.Configuration))
		if sys.Supplier != "" {
			s += "\n\nThe system is supplied by " + sys.Supplier + ". The supplier's own clinical safety case " +
				"has been reviewed, but it does not discharge the deploying organisation's duties."
		}
		return s
	case SectionCRMSystem:
		return fmt.Sprintf("Clinical risk is managed under the clinical risk management system of %s, "+
			"which follows %s. The work is planned in the clinical risk management plan, its evidence is kept "+
			"in the clinical risk management file, and the Clinical Safety Officer approves each hazard log "+
			"version and each safety case report.", org, std)
	case SectionRiskAnalysis:
		return fmt.Sprintf("Hazards were identified through structured review of the system's intended use, "+
			"workflows and interfaces with clinical and technical staff. %d %s recorded in the hazard log. "+
			"For each hazard the severity and likelihood were estimated before additional controls and a risk "+
			"rating taken from the risk matrix.", n, text.Plural(n, "hazard is", "hazards are"))
	case SectionRiskEvaluation:
		var b strings.Builder
		b.WriteString("Each risk was judged against the acceptability criteria in the clinical risk management plan. Initial risk ratings:\n")
		for r := 5; r >= 1; r-- {
			fmt.Fprintf(&b, "\n- Rating %d: %d (%s)", r, c.InitialCounts[r-1], m.Wording[r-1])
		}
		return b.String()
	case SectionRiskControl:
		var b strings.Builder
		b.WriteString("Additional controls were chosen in order of preference, design measures first, and each " +
			"is recorded with its owner and evidence of implementation and verification. Residual risk ratings:\n")
		for r := 5; r >= 1; r-- {
			fmt.Fprintf(&b, "\n- Rating %d: %d", r, c.ResidualCounts[r-1])
		}
		if c.NoResidual > 0 {
			fmt.Fprintf(&b, "\n- Not yet estimated: %d", c.NoResidual)
		}
		if hi := c.ResidualCounts[3] + c.ResidualCounts[4]; hi > 0 {
			fmt.Fprintf(&b, "\n\n%d %s a residual rating of 4 or 5; the risk-benefit justification for each is recorded in the hazard log.",
				hi, text.Plural(hi, "hazard keeps", "hazards keep"))
		}
		return b.String()
	case SectionHazardLog:
		hash := c.LogHash
		if len(hash) > 16 {
			hash = hash[:16]
		}
		return fmt.Sprintf("The hazard log issued with this report is version %s (content fingerprint %s). "+
			"It lists %d %s: %d open, %d transferred and %d closed. The table below summarises it.",
			orUnstated(c.LogVersion), orUnstated(hash), n, text.Plural(n, "hazard", "hazards"),
			c.StatusCounts[Open], c.StatusCounts[Transferred], c.StatusCounts[Closed])
	case SectionTestIssues:
		return "No test issues with a bearing on clinical safety remain open at the time of issue. " +
			"Replace this text with a list of any outstanding test issues and their clinical assessment."
	case SectionSafetyStatement:
		open := c.StatusCounts[Open]
		return fmt.Sprintf("On the evidence in this report and the hazard log, the Clinical Safety Officer judges "+
			"that the clinical risks of %s are acceptable for the stated intended use, subject to the %d open %s "+
			"being completed as planned.", name, open, text.Plural(open, "hazard", "hazards"))
	case SectionQualityAssurance:
		return fmt.Sprintf("Author: %s\n\nApproved by the Clinical Safety Officer: %s %s\n\nDate of approval: %s",
			orUnstated(c.Issue.Author), orUnstated(c.Issue.CSOName), c.Issue.CSORegistration, dateText(c.Issue.ApprovedAt))
	case SectionConfiguration:
		return fmt.Sprintf("Document version %s, issued %s. This report is held in the clinical risk management "+
			"file under configuration control; a new version is issued for each lifecycle phase and for each "+
			"change that alters clinical risk.", orUnstated(c.Issue.DocumentVersion), dateText(c.Issue.Date))
	}
	return ""
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return "(not yet stated)"
	}
	return t.UTC().Format("2 January 2006")
}
