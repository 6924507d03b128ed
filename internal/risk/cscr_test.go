package risk

import (
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

// The generated safety statement follows the data: it never calls the
// risks acceptable while a residual rating is 4 or 5, a hazard is not
// estimated or an action is open, and it lists each of them.
func TestSafetyStatementFollowsData(t *testing.T) {
	high := validHazard()
	high.Name = "Wrong patient"
	high.ResidualSeverity, high.ResidualLikelihood = Catastrophic, High
	unest := validHazard()
	unest.Number, unest.Ref, unest.Name = 2, "HAZ-002", "Downtime"
	unest.ResidualSeverity, unest.ResidualLikelihood = 0, 0
	act := validHazard()
	act.Number, act.Ref, act.Name = 3, "HAZ-003", "Missed result"
	act.ResidualSeverity, act.ResidualLikelihood = Minor, VeryLow
	act.Actions = []Action{{Summary: "Train the night team", Owner: "Matron", Due: time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)}}
	fine := validHazard()
	fine.Number, fine.Ref, fine.Name = 4, "HAZ-004", "Fine"
	fine.ResidualSeverity, fine.ResidualLikelihood = Minor, VeryLow
	fine.Actions = nil

	for _, tc := range []struct {
		name     string
		hazards  []Hazard
		want     []string
		acceptOK bool
	}{
		{"residual 5", []Hazard{high}, []string{"HAZ-001 Wrong patient: residual rating 5 (Unacceptable)"}, false},
		{"unestimated", []Hazard{unest}, []string{"HAZ-002 Downtime: no residual risk estimate"}, false},
		{"open action", []Hazard{act}, []string{`HAZ-003 Missed result: open action "Train the night team" (owner Matron, due 15 January 2027)`}, false},
		{"all clear", []Hazard{fine}, []string{"none has a residual rating of 4 or 5"}, true},
	} {
		c := BuildCSCR(SystemInfo{Name: "EPR"}, Log{Version: "1", Hazards: tc.hazards}, nil, IssueInfo{DocumentVersion: "1.0"})
		s, _ := c.Section(SectionSafetyStatement)
		facts := strings.Join(s.Facts, "\n")
		for _, w := range tc.want {
			if !strings.Contains(facts, w) {
				t.Errorf("%s: statement facts %q do not contain %q", tc.name, facts, w)
			}
		}
		if !tc.acceptOK && !strings.Contains(s.Text, "not shown to be acceptable") {
			t.Errorf("%s: statement %q does not say the risks are not shown to be acceptable", tc.name, s.Text)
		}
		if strings.Contains(s.Text, "are acceptable") || strings.Contains(s.Text, "judges that") {
			t.Errorf("%s: generated statement asserts the CSO's judgement: %q", tc.name, s.Text)
		}
	}
}

// What clinsafe cannot know is left for the CSO, marked, and a report with
// generated or missing text cannot be issued.
func TestReadyToIssue(t *testing.T) {
	h := validHazard()
	l := Log{Version: "1", Hazards: []Hazard{h}}
	c := BuildCSCR(SystemInfo{Name: "EPR"}, l, nil, IssueInfo{DocumentVersion: "1.0"})
	for _, k := range []string{SectionTestIssues, SectionRiskAnalysis, SectionThirdParty, SectionReview} {
		s, _ := c.Section(k)
		if !s.ToWrite || !s.Required || !s.Generated || !strings.HasPrefix(s.Text, ToWritePrefix) {
			t.Errorf("section %s = %+v, want a marked prompt for the CSO", k, s)
		}
	}
	fs := apperr.FieldsOf(c.ReadyToIssue())
	for _, k := range []string{"author", "cso_registration", "section-" + SectionTestIssues, "section-" + SectionSafetyStatement, "section-" + SectionIntroduction} {
		if fs[k] == "" {
			t.Errorf("ReadyToIssue: no message for %s in %v", k, fs)
		}
	}
	if fs["section-"+SectionHazardLog] != "" {
		t.Errorf("ReadyToIssue: the hazard log section needs no text, got %q", fs["section-"+SectionHazardLog])
	}
	// A prompt or draft saved unchanged is still unedited.
	n := map[string]string{}
	for _, s := range c.Sections {
		n[s.Key] = "  " + s.Text + "\n"
	}
	again := BuildCSCR(SystemInfo{Name: "EPR"}, l, n, IssueInfo{DocumentVersion: "1.0", Author: "A", CSORegistration: "GMC 1"})
	if fs := apperr.FieldsOf(again.ReadyToIssue()); fs["section-"+SectionTestIssues] == "" || fs["section-"+SectionIntroduction] == "" {
		t.Errorf("defaults saved unchanged: %v, want them still refused", fs)
	}
	for k := range n {
		n[k] = "The CSO's own words on " + k + "."
	}
	done := BuildCSCR(SystemInfo{Name: "EPR"}, l, n, IssueInfo{DocumentVersion: "1.0", Author: "A", CSORegistration: "GMC 1"})
	if err := done.ReadyToIssue(); err != nil {
		t.Errorf("a fully written report: %v, want ready", err)
	}
}

// The report lists the controls the deploying organisation owns, and an
// issued log's own matrix rates it.
func TestTransferredControlsAndBasis(t *testing.T) {
	h := validHazard()
	h.Controls = []Control{{Description: "Barcode scan", Type: Design, Side: Manufacturer},
		{Description: "Ward training", Type: Training, Side: Deployer, Owner: "Education"},
		{Description: "Check wristband", Type: BusinessProcessChange, Side: Deployer}}
	l := Log{Version: "1", Hazards: []Hazard{h}}
	c := BuildCSCR(SystemInfo{Name: "EPR", Standard: DCB0129}, l, nil, IssueInfo{})
	s, _ := c.Section(SectionTransferred)
	facts := strings.Join(s.Facts, "\n")
	for _, w := range []string{`Training control "Ward training", owner Education`, `Business Process Change control "Check wristband", no owner recorded`} {
		if !strings.Contains(facts, w) {
			t.Errorf("transferred controls %q: missing %q", facts, w)
		}
	}
	if strings.Contains(facts, "Barcode scan") {
		t.Errorf("transferred controls list a manufacturer control: %q", facts)
	}

	// A log without a basis (issued before it was kept) encodes as it
	// always did, so its recorded hash still holds.
	if b, _ := l.Canonical(); strings.Contains(string(b), "rating_basis") {
		t.Errorf("Canonical of a log without a basis mentions rating_basis: %s", b)
	}
	// The log's basis wins over the matrix passed in.
	m := DefaultMatrix()
	for s := range m.Ratings {
		for k := range m.Ratings[s] {
			m.Ratings[s][k] = 1
		}
	}
	b := CurrentBasis(DefaultMatrix())
	l.Basis = &b
	if c := BuildCSCR(SystemInfo{}, l, nil, IssueInfo{Matrix: m}); c.Hazards[0].InitialRating != 3 {
		t.Errorf("rating with the log's own matrix = %d, want 3", c.Hazards[0].InitialRating)
	}
	if got := l.RatingMatrix(m); got != DefaultMatrix() {
		t.Errorf("RatingMatrix = %+v, want the log's", got)
	}
	if got := (Log{}).RatingMatrix(m); got != m {
		t.Errorf("RatingMatrix without a basis = %+v, want the fallback", got)
	}
	// The basis is part of the content: a changed matrix is a change.
	other := l
	ob := CurrentBasis(m)
	other.Basis = &ob
	h1, _ := l.ContentHash()
	h2, _ := other.ContentHash()
	if h1 == h2 || l.SameContent(other) {
		t.Errorf("logs with different matrices: same hash %v, SameContent %v", h1 == h2, l.SameContent(other))
	}
	if d := DiffLogs(l, other); len(d.System) != 1 || d.System[0].Field != "rating_basis" {
		t.Errorf("DiffLogs with a changed matrix = %+v", d)
	}
	// Issue details and store bookkeeping are not content.
	later := l
	later.Version, later.ApprovedBy, later.IssuedAt = "2", "Someone else", time.Now()
	later.Hazards = []Hazard{h}
	later.Hazards[0].UpdatedAt, later.Hazards[0].Version = time.Now(), 7
	if !l.SameContent(later) {
		t.Errorf("SameContent: false for the same hazards issued again")
	}
	later.Hazards[0].Name += "!"
	if l.SameContent(later) {
		t.Errorf("SameContent: true with a renamed hazard")
	}
}
