package risk

import (
	"fmt"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
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
	SectionTransferred      = "transferred_controls"
	SectionThirdParty       = "third_party"
	SectionHazardLog        = "hazard_log"
	SectionTestIssues       = "test_issues"
	SectionReview           = "review"
	SectionSafetyStatement  = "safety_statement"
	SectionQualityAssurance = "quality_assurance"
	SectionConfiguration    = "configuration"
)

// sectionNeed says what a section needs before the report can be issued.
type sectionNeed int

const (
	// needNothing: the section is facts from the data; the CSO may add text.
	needNothing sectionNeed = iota
	// needReview: clinsafe drafts the text from the data; the CSO's own
	// (reviewed) text is needed to issue.
	needReview
	// needWriting: clinsafe cannot know what the section says; the CSO
	// writes it, and the report cannot be issued until they have.
	needWriting
)

var sectionTitles = []struct {
	key, title string
	need       sectionNeed
}{
	{SectionIntroduction, "Introduction", needReview},
	{SectionSystem, "System definition and overview", needReview},
	{SectionCRMSystem, "Clinical risk management system", needReview},
	{SectionRiskAnalysis, "Clinical risk analysis", needWriting},
	{SectionRiskEvaluation, "Clinical risk evaluation", needNothing},
	{SectionRiskControl, "Clinical risk control", needNothing},
	{SectionTransferred, "Controls transferred to the deploying organisation", needNothing},
	{SectionThirdParty, "Assessment of third-party products", needWriting},
	{SectionHazardLog, "Hazard log", needNothing},
	{SectionTestIssues, "Test issues", needWriting},
	{SectionReview, "Formal review before delivery", needWriting},
	{SectionSafetyStatement, "Summary safety statement", needReview},
	{SectionQualityAssurance, "Quality assurance and document approval", needNothing},
	{SectionConfiguration, "Configuration control", needNothing},
}

// ToWritePrefix starts the prompt clinsafe shows in a section that only the
// Clinical Safety Officer can write. A prompt is never report content.
const ToWritePrefix = "To be written by the Clinical Safety Officer: "

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
	// CSORegistrations are the professional registrations of each of the
	// system's CSOs, from the competency register when the report was issued.
	CSORegistrations []CSORegistration `json:"cso_registrations,omitempty"`
}

// CSORegistration is one CSO of a system and their professional
// registration as the competency register records it.
type CSORegistration struct {
	Name         string `json:"name"`
	Registration string `json:"registration"`
}

// Section is one section of a CSCR: fixed key and title, editable narrative
// text in light Markdown (paragraphs, "- " bullets).
type Section struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	Text  string `json:"text"`
	// Generated is true when Text is clinsafe's default narrative (or the
	// author saved it unedited) rather than the author's own.
	Generated bool `json:"generated"`
	// Required is true when the report cannot be issued until the author
	// has written the section's text in their own words.
	Required bool `json:"required,omitempty"`
	// ToWrite is true for a section whose content clinsafe cannot know
	// (test issues, the formal review, third-party products, how hazards
	// were identified): its generated Text is only a prompt, starting with
	// ToWritePrefix.
	ToWrite bool `json:"to_write,omitempty"`
	// Facts are statements drawn from the issued hazard log and the issue
	// details, one a line. They are not editable and are shown after Text.
	Facts []string `json:"facts,omitempty"`
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
// otherwise from a default written from the data (a draft the author must
// review, or for what clinsafe cannot know a prompt for the author to write
// it); text saved unchanged from the default counts as the default. Each
// section's Facts come from the data alone. The hazards are rated with the
// matrix the log was issued with (Log.Basis), and with issue.Matrix only for
// a log that carries none. Use ReadyToIssue to see whether it can be issued.
func BuildCSCR(sys SystemInfo, log Log, narratives map[string]string, issue IssueInfo) CSCR {
	m := log.RatingMatrix(issue.Matrix)
	issue.Matrix = m
	c := CSCR{System: sys, Issue: issue, LogVersion: log.Version, LogHash: issue.LogHash,
		StatusCounts: map[Status]int{}}
	if c.LogHash == "" {
		c.LogHash, _ = log.ContentHash() // an unencodable log simply has no hash
	}
	c.Issue.LogHash = c.LogHash
	copy(c.Acceptability[:], m.Wording[:])
	hazards := log.Sorted()
	for _, h := range hazards {
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
		s := Section{Key: st.key, Title: st.title, Required: st.need != needNothing, ToWrite: st.need == needWriting}
		def := defaultNarrative(st.key, c, m, hazards)
		if t := strings.TrimSpace(narratives[st.key]); t != "" && !sameText(t, def) {
			s.Text = t
		} else {
			s.Text = def
			s.Generated = true
		}
		s.Facts = sectionFacts(st.key, c, m, hazards)
		c.Sections = append(c.Sections, s)
	}
	return c
}

// sameText compares two texts ignoring white space, so that a default
// pasted back unchanged is still the default.
func sameText(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}

// ReadyToIssue returns nil when the report can be issued, and otherwise an
// Invalid error with a message for each field to put right: the document
// version ("document_version"), the author ("author"), the CSO's
// professional registration ("cso_registration") and each required section
// still holding clinsafe's generated text or empty ("section-KEY").
func (c CSCR) ReadyToIssue() error {
	var f apperr.Fields
	f.Check(strings.TrimSpace(c.Issue.DocumentVersion) == "", "document_version", "Enter the document version, like 1.0")
	f.Check(strings.TrimSpace(c.Issue.Author) == "", "author", "Enter the name of the report's author")
	f.Check(strings.TrimSpace(c.Issue.CSORegistration) == "", "cso_registration",
		"Enter the Clinical Safety Officer's professional registration, like GMC 1234567 or NMC 12A3456B")
	for _, s := range c.Sections {
		if !s.Required || (!s.Generated && strings.TrimSpace(s.Text) != "") {
			continue
		}
		if s.ToWrite {
			f.Add("section-"+s.Key, "Write the "+strings.ToLower(s.Title[:1])+s.Title[1:]+" section: clinsafe cannot know what it should say")
		} else {
			f.Add("section-"+s.Key, "Review the drafted "+strings.ToLower(s.Title[:1])+s.Title[1:]+" and save it in your own words before issuing")
		}
	}
	return f.Err()
}

func orUnstated(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(not yet stated)"
	}
	return s
}

func defaultNarrative(key string, c CSCR, m Matrix, hazards []Hazard) string {
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
			s += "\n\nThe system is supplied by " + sys.Supplier + "."
		}
		return s
	case SectionCRMSystem:
		return fmt.Sprintf("Clinical risk is managed under the clinical risk management system of %s, "+
			"following %s. Say here where the clinical risk management plan and file are kept.", org, std)
	case SectionRiskAnalysis:
		return ToWritePrefix + "how the hazards were identified (for example workshops or walk-throughs of the " +
			"workflows and interfaces), who took part and in which roles, and when."
	case SectionThirdParty:
		return ToWritePrefix + "the third-party products and components the system relies on (software, hosting, " +
			"interfaces, reference data, and for a deployment the manufacturer's own clinical safety case) and how the " +
			"clinical safety of each was assessed."
	case SectionTestIssues:
		return ToWritePrefix + "the test issues with a bearing on clinical safety that are outstanding at the time " +
			"of issue, with the clinical assessment of each, or a statement that there are none and the test report that shows it."
	case SectionReview:
		return ToWritePrefix + "the record of the formal review of the system before its delivery: when it was held, " +
			"who took part, the configuration and release reviewed, and its outcome."
	case SectionSafetyStatement:
		concerns := statementConcerns(c, m, hazards)
		if len(concerns) == 0 {
			return fmt.Sprintf("Every hazard in the hazard log has an initial and a residual risk estimate, none has a "+
				"residual rating of 4 or 5 and no action is open. State here whether you judge the clinical risks of %s "+
				"acceptable for the stated intended use, and on what evidence.", name)
		}
		hi, unest, open := concernCounts(c, hazards)
		var parts []string
		if hi > 0 {
			parts = append(parts, fmt.Sprintf("%s a residual rating of 4 or 5", text.Count(hi, "hazard has", "hazards have")))
		}
		if unest > 0 {
			parts = append(parts, fmt.Sprintf("%s not been fully estimated", text.Count(unest, "hazard has", "hazards have")))
		}
		if open > 0 {
			parts = append(parts, fmt.Sprintf("%s still open", text.Count(open, "action is", "actions are")))
		}
		return fmt.Sprintf("The clinical risks of %s are not shown to be acceptable: %s, as listed below. "+
			"State here whether, and on what conditions, the system can be used with these risks outstanding.",
			name, joinAnd(parts))
	}
	return ""
}

// concernCounts counts the hazards with a residual rating of 4 or 5, the
// hazards without an initial or residual estimate, and the open actions.
func concernCounts(c CSCR, hazards []Hazard) (hi, unest, open int) {
	hi = c.ResidualCounts[3] + c.ResidualCounts[4]
	for i, h := range hazards {
		if c.Hazards[i].InitialRating == 0 || c.Hazards[i].ResidualRating == 0 {
			unest++
		}
		open += len(h.OpenActions())
	}
	return hi, unest, open
}

// statementConcerns lists what stands against calling the risks acceptable:
// each hazard with a residual rating of 4 or 5, each hazard not fully
// estimated and each open action.
func statementConcerns(c CSCR, m Matrix, hazards []Hazard) []string {
	var out []string
	for i, h := range hazards {
		row := c.Hazards[i]
		who := hazardLabel(row)
		switch {
		case row.ResidualRating >= 4:
			s := fmt.Sprintf("%s: residual rating %d (%s)", who, row.ResidualRating, strings.TrimSuffix(m.Acceptability(row.ResidualRating), "."))
			if h.RiskBenefit.Justification != "" {
				by := h.RiskBenefit.ByName
				if by == "" {
					by = "the Clinical Safety Officer"
				}
				s += "; risk-benefit justification recorded by " + by
			} else {
				s += "; no risk-benefit justification recorded"
			}
			out = append(out, s)
		case row.InitialRating == 0:
			out = append(out, who+": no initial risk estimate")
		case row.ResidualRating == 0:
			out = append(out, who+": no residual risk estimate")
		}
		for _, a := range h.OpenActions() {
			out = append(out, fmt.Sprintf("%s: open action %q (owner %s, due %s)", who, a.Summary, orUnstated(a.Owner), dateText(a.Due)))
		}
	}
	return out
}

func hazardLabel(r HazardRow) string {
	return strings.TrimSpace(r.Ref + " " + r.Name)
}

func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// transferredControl reports whether control k of h is one the deploying
// organisation owns as a transferred control: under DCB0129 every
// deployer-side control; under DCB0160 the deployer-side controls of hazards
// that came from the supplier's log.
func transferredControl(std Standard, h Hazard, k Control) bool {
	if k.Side != Deployer {
		return false
	}
	return std != DCB0160 || !h.Provenance.IsZero()
}

// sectionFacts are the lines of a section that come from the data alone.
func sectionFacts(key string, c CSCR, m Matrix, hazards []Hazard) []string {
	n := len(hazards)
	hash := c.LogHash
	switch key {
	case SectionRiskAnalysis:
		out := []string{fmt.Sprintf("%s recorded in the hazard log.", text.Count(n, "hazard is", "hazards are"))}
		for i := range hazards {
			if c.Hazards[i].InitialRating == 0 {
				out = append(out, hazardLabel(c.Hazards[i])+": no initial risk estimate")
			}
		}
		return out
	case SectionRiskEvaluation:
		out := []string{"Initial risk ratings, read from the risk matrix of the clinical risk management plan:"}
		for r := 5; r >= 1; r-- {
			out = append(out, fmt.Sprintf("Rating %d (%s): %s", r, strings.TrimSuffix(m.Wording[r-1], "."), text.Count(c.InitialCounts[r-1], "hazard", "hazards")))
		}
		return out
	case SectionRiskControl:
		out := []string{"Residual risk ratings:"}
		for r := 5; r >= 1; r-- {
			out = append(out, fmt.Sprintf("Rating %d: %s", r, text.Count(c.ResidualCounts[r-1], "hazard", "hazards")))
		}
		if c.NoResidual > 0 {
			out = append(out, fmt.Sprintf("No residual estimate: %s", text.Count(c.NoResidual, "hazard", "hazards")))
		}
		for i, h := range hazards {
			row := c.Hazards[i]
			if row.ResidualRating > 0 && m.NeedsJustification(row.ResidualRating) && h.RiskBenefit.Justification == "" {
				out = append(out, fmt.Sprintf("%s: residual rating %d with no risk-benefit justification recorded", hazardLabel(row), row.ResidualRating))
			}
			for _, k := range h.Controls {
				var missing []string
				if strings.TrimSpace(k.ImplementationEvidence) == "" {
					missing = append(missing, "implementation")
				}
				if strings.TrimSpace(k.VerificationEvidence) == "" {
					missing = append(missing, "verification")
				}
				if len(missing) > 0 {
					out = append(out, fmt.Sprintf("%s: control %q has no evidence of %s recorded", hazardLabel(row), k.Description, strings.Join(missing, " or ")))
				}
			}
		}
		return out
	case SectionTransferred:
		var out []string
		for i, h := range hazards {
			for _, k := range h.Controls {
				if !transferredControl(c.System.Standard, h, k) {
					continue
				}
				owner := "no owner recorded"
				if strings.TrimSpace(k.Owner) != "" {
					owner = "owner " + k.Owner
				}
				s := fmt.Sprintf("%s: %s control %q, %s", hazardLabel(c.Hazards[i]), k.Type.Label(), k.Description, owner)
				if !h.Provenance.IsZero() {
					s += "; from " + h.Provenance.String()
				}
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			out = append(out, "No controls in the hazard log are owned by the deploying organisation.")
		}
		return out
	case SectionHazardLog:
		return []string{
			fmt.Sprintf("Hazard log version %s, content fingerprint (SHA-256) %s.", orUnstated(c.LogVersion), orUnstated(hash)),
			fmt.Sprintf("%s: %d open, %d transferred and %d closed.", text.Count(n, "hazard", "hazards"),
				c.StatusCounts[Open], c.StatusCounts[Transferred], c.StatusCounts[Closed]),
		}
	case SectionReview:
		return []string{
			"System version recorded: " + orUnstated(c.System.Version),
			"Configuration recorded: " + orUnstated(c.System.Configuration),
			fmt.Sprintf("Hazard log reviewed: version %s (fingerprint %s)", orUnstated(c.LogVersion), orUnstated(short(hash))),
		}
	case SectionSafetyStatement:
		if cs := statementConcerns(c, m, hazards); len(cs) > 0 {
			return cs
		}
		return []string{"Every hazard has an initial and a residual risk estimate, none has a residual rating of 4 or 5 and no action is open."}
	case SectionQualityAssurance:
		reg := ""
		if r := strings.TrimSpace(c.Issue.CSORegistration); r != "" {
			reg = ", professional registration " + r
		}
		return []string{
			"Author: " + orUnstated(c.Issue.Author),
			"Approved by the Clinical Safety Officer: " + orUnstated(c.Issue.CSOName) + reg,
			"Date of approval: " + dateText(c.Issue.ApprovedAt),
		}
	case SectionConfiguration:
		return []string{
			fmt.Sprintf("Document version %s, issued %s.", orUnstated(c.Issue.DocumentVersion), dateText(c.Issue.Date)),
			fmt.Sprintf("Built from hazard log version %s (fingerprint %s).", orUnstated(c.LogVersion), orUnstated(short(hash))),
		}
	}
	return nil
}

func short(hash string) string {
	if len(hash) > 16 {
		return hash[:16]
	}
	return hash
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return "(not yet stated)"
	}
	return t.UTC().Format("2 January 2006")
}
