package risk

import (
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/google/go-cmp/cmp"
)

var now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func validHazard() Hazard {
	return Hazard{
		Ref: "HAZ-001", Number: 1,
		Name:              "Wrong patient",
		Description:       "Record of another patient shown",
		Causes:            []string{"Similar names"},
		InitialSeverity:   Major,
		InitialLikelihood: Medium,
		Status:            Open,
		Controls: []Control{
			{Description: "Patient banner", Type: Design, Side: Manufacturer, Owner: "Dev team"},
		},
		Actions: []Action{{Summary: "Build banner", Owner: "Dev team", Due: day(2026, 6, 1)}},
	}
}

func fieldsOf(t *testing.T, h Hazard) map[string]string {
	t.Helper()
	err := h.Validate(DefaultMatrix(), now)
	if err == nil {
		return nil
	}
	if !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("Validate: got kind %s, want invalid (%v)", apperr.KindOf(err), err)
	}
	return apperr.FieldsOf(err)
}

func TestValidateOK(t *testing.T) {
	h := validHazard()
	if f := fieldsOf(t, h); f != nil {
		t.Fatalf("Validate(valid) = %v, want nil", f)
	}
}

func TestValidateRules(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Hazard)
		field  string
		want   string // substring of the message
	}{
		{"name required", func(h *Hazard) { h.Name = " " }, "name", "Enter a hazard name"},
		{"name too long", func(h *Hazard) { h.Name = strings.Repeat("x", MaxName+1) }, "name", "200 characters or fewer"},
		{"name one line", func(h *Hazard) { h.Name = "a\nb" }, "name", "single line"},
		{"severity unset", func(h *Hazard) { h.InitialSeverity = 0 }, "initial_severity", "Select an initial severity"},
		{"severity out of range", func(h *Hazard) { h.InitialSeverity = 9 }, "initial_severity", "Catastrophic"},
		{"likelihood out of range", func(h *Hazard) { h.InitialLikelihood = -2 }, "initial_likelihood", "Very high"},
		{"residual severity alone", func(h *Hazard) { h.ResidualSeverity = Minor }, "residual_likelihood", "needs both"},
		{"residual likelihood alone", func(h *Hazard) { h.ResidualLikelihood = Low }, "residual_severity", "needs both"},
		{"status unknown", func(h *Hazard) { h.Status = "done" }, "status", "Select a status"},
		{"control description", func(h *Hazard) { h.Controls[0].Description = "" }, "controls.0.description", "needs a description"},
		{"control type", func(h *Hazard) { h.Controls[0].Type = "magic" }, "controls.0.type", "needs a type"},
		{"control side", func(h *Hazard) { h.Controls[0].Side = "" }, "controls.0.side", "needs a side"},
		{"action summary", func(h *Hazard) { h.Actions[0].Summary = "" }, "actions.0.summary", "needs a summary"},
		{"action owner", func(h *Hazard) { h.Actions[0].Owner = "" }, "actions.0.owner", "needs an owner"},
		{"action due", func(h *Hazard) { h.Actions[0].Due = time.Time{} }, "actions.0.due", "needs a due date"},
		{"done_at without done", func(h *Hazard) { h.Actions[0].DoneAt = day(2026, 1, 1) }, "actions.0.done_at", "not marked done"},
		{"done_at in future", func(h *Hazard) { h.Actions[0].Done = true; h.Actions[0].DoneAt = day(2027, 1, 1) }, "actions.0.done_at", "future"},
		{"closed with open action", func(h *Hazard) { h.Status = Closed }, "status", "cannot be closed while 1 of its actions is open"},
		{"transferred without deployer control", func(h *Hazard) { h.Status = Transferred }, "status", "owned by the deployer"},
		{"residual 4 needs justification", func(h *Hazard) { h.ResidualSeverity, h.ResidualLikelihood = Major, High }, "risk_benefit", "rated 4 needs a risk-benefit"},
		{"residual 5 needs justification", func(h *Hazard) { h.ResidualSeverity, h.ResidualLikelihood = Catastrophic, VeryHigh }, "risk_benefit", "rated 5"},
		{"justification without CSO", func(h *Hazard) {
			h.ResidualSeverity, h.ResidualLikelihood = Major, High
			h.RiskBenefit = RiskBenefit{Justification: "benefit outweighs", At: now}
		}, "risk_benefit", "Clinical Safety Officer"},
		{"ref mismatch", func(h *Hazard) { h.Ref = "HAZ-002" }, "ref", "does not match"},
		{"empty cause", func(h *Hazard) { h.Causes = []string{""} }, "causes", "remove empty"},
		{"control char", func(h *Hazard) { h.Description = "a\x00b" }, "description", "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := validHazard()
			tt.mutate(&h)
			f := fieldsOf(t, h)
			if got := f[tt.field]; !strings.Contains(got, tt.want) {
				t.Errorf("Validate: got message %q on %q (all: %v), want it to contain %q", got, tt.field, f, tt.want)
			}
		})
	}
}

func TestValidateStatusRulesSatisfied(t *testing.T) {
	h := validHazard()
	h.Actions[0].Done, h.Actions[0].DoneAt = true, day(2026, 3, 1)
	h.Status = Closed
	h.ResidualSeverity, h.ResidualLikelihood = Major, High // 4
	h.RiskBenefit = RiskBenefit{Justification: "No safer alternative", ByUserID: "u1", ByName: "Dr A", At: now}
	if f := fieldsOf(t, h); f != nil {
		t.Fatalf("Validate(closed, justified) = %v, want nil", f)
	}
	h.Status = Transferred
	h.Controls = append(h.Controls, Control{Description: "Local SOP", Type: BusinessProcessChange, Side: Deployer})
	if f := fieldsOf(t, h); f != nil {
		t.Fatalf("Validate(transferred) = %v, want nil", f)
	}
	// A plan may ask for a justification from a lower rating than 3
	// (never from a higher one: see TestRationaleFloorIsThree).
	m := DefaultMatrix()
	m.JustifyFrom = 2
	h.RiskBenefit = RiskBenefit{}
	h.ResidualSeverity, h.ResidualLikelihood = Minor, Medium // 2
	if err := h.Validate(m, now); apperr.FieldsOf(err)["risk_benefit"] == "" {
		t.Fatalf("Validate with JustifyFrom 2, residual 2: got %v, want a risk_benefit message", err)
	}
	if err := h.Validate(DefaultMatrix(), now); err != nil {
		t.Fatalf("Validate with the default matrix, residual 2: got %v, want nil", err)
	}
}

func TestActionsHelpers(t *testing.T) {
	h := validHazard()
	h.Actions = []Action{
		{Summary: "a", Owner: "x", Due: day(2026, 3, 9)},
		{Summary: "b", Owner: "x", Due: day(2026, 3, 10)},
		{Summary: "c", Owner: "x", Due: day(2026, 1, 1), Done: true},
	}
	if got := len(h.OpenActions()); got != 2 {
		t.Errorf("OpenActions: got %d, want 2", got)
	}
	od := h.OverdueActions(now)
	if len(od) != 1 || od[0].Summary != "a" {
		t.Errorf("OverdueActions(%v): got %v, want only a", now, od)
	}
	if r, err := h.InitialRating(DefaultMatrix()); err != nil || r != 3 {
		t.Errorf("InitialRating: got %d, %v; want 3", r, err)
	}
	if r, err := h.ResidualRating(DefaultMatrix()); err != nil || r != 0 {
		t.Errorf("ResidualRating (none): got %d, %v; want 0, nil", r, err)
	}
}

func TestDiff(t *testing.T) {
	a := validHazard()
	b := validHazard()
	b.Name = "Wrong patient selected"
	b.InitialLikelihood = High
	b.Controls = append(b.Controls, Control{Description: "SOP", Type: Training, Side: Deployer})
	got := Diff(a, b)
	want := []Change{
		{Field: "name", Label: "Name", Old: "Wrong patient", New: "Wrong patient selected"},
		{Field: "initial_likelihood", Label: "Initial likelihood", Old: "Medium", New: "High"},
		{Field: "controls.1", Label: "Control 2", Old: "", New: "Training (Deployer): SOP"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Diff mismatch (-want +got):\n%s", d)
	}
	if got := Diff(a, a); len(got) != 0 {
		t.Errorf("Diff(a, a) = %v, want none", got)
	}
}

func TestCanonicalAndDiffLogs(t *testing.T) {
	h1, h2 := validHazard(), validHazard()
	h2.Number, h2.Ref, h2.Name = 2, "HAZ-002", "Downtime"
	london, _ := time.LoadLocation("Europe/London")
	l1 := Log{System: SystemInfo{Name: "EPR", Standard: DCB0160}, Version: "1.0", IssuedAt: now, Hazards: []Hazard{h1, h2}}
	l2 := Log{System: SystemInfo{Name: "EPR", Standard: DCB0160}, Version: "1.0", IssuedAt: now.In(london), Hazards: []Hazard{h2, h1}}
	a, err := l1.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := l2.Canonical()
	if string(a) != string(b) {
		t.Errorf("Canonical differs for the same content:\n%s\n%s", a, b)
	}
	ha, _ := l1.ContentHash()
	if len(ha) != 64 {
		t.Errorf("ContentHash: got %q, want 64 hex digits", ha)
	}
	l3 := l1
	l3.Hazards = []Hazard{h1}
	h1b := h1
	h1b.Status = Transferred
	l3.Hazards = []Hazard{h1b, {Number: 3, Ref: "HAZ-003", Name: "New"}}
	if hb, _ := l3.ContentHash(); hb == ha {
		t.Errorf("ContentHash: got the same hash for different logs")
	}
	d := DiffLogs(l1, l3)
	if len(d.Added) != 1 || d.Added[0].Ref != "HAZ-003" {
		t.Errorf("DiffLogs added: got %v, want HAZ-003", d.Added)
	}
	if len(d.Removed) != 1 || d.Removed[0].Ref != "HAZ-002" {
		t.Errorf("DiffLogs removed: got %v, want HAZ-002", d.Removed)
	}
	if len(d.Changed) != 1 || d.Changed[0].Ref != "HAZ-001" || d.Changed[0].Changes[0].Field != "status" {
		t.Errorf("DiffLogs changed: got %+v, want HAZ-001 status", d.Changed)
	}
	if !DiffLogs(l1, l2).Empty() {
		t.Errorf("DiffLogs(l1, l2) = %+v, want empty", DiffLogs(l1, l2))
	}
}

func TestTemplatesValidate(t *testing.T) {
	ts := Templates()
	if len(ts) < 12 {
		t.Fatalf("Templates: got %d, want at least 12", len(ts))
	}
	seen := map[string]bool{}
	for i, tp := range ts {
		if seen[tp.Key] || tp.Key == "" {
			t.Errorf("template %d: duplicate or empty key %q", i, tp.Key)
		}
		seen[tp.Key] = true
		h := tp.Hazard(i + 1)
		if err := h.Validate(DefaultMatrix(), now); err != nil {
			t.Errorf("template %q: Validate = %v, want nil", tp.Key, err)
		}
		if len(tp.Causes) == 0 || len(tp.Controls) == 0 || tp.ClinicalImpact == "" || tp.ExistingControls == "" {
			t.Errorf("template %q: missing causes, controls, impact or existing controls", tp.Key)
		}
	}
	for _, k := range []string{"wrong-patient", "results-not-delivered", "duplicate-missing-orders", "alert-fatigue",
		"downtime", "migration-data-loss", "units-dose-calculation", "reference-data", "interface-failure",
		"missed-referrals-tasks", "misleading-display", "access-permissions", "uncoded-allergies"} {
		if _, err := TemplateByKey(k); err != nil {
			t.Errorf("TemplateByKey(%q): %v", k, err)
		}
	}
	if _, err := TemplateByKey("nope"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("TemplateByKey(nope): got %v, want NotFound", err)
	}
	// The copy is independent of the template.
	tp, _ := TemplateByKey("wrong-patient")
	h := tp.Hazard(1)
	h.Controls[0].Description = "changed"
	if tp2, _ := TemplateByKey("wrong-patient"); tp2.Controls[0].Description == "changed" {
		t.Errorf("editing a hazard changed the template")
	}
}

func TestClauseGroups(t *testing.T) {
	for _, std := range []Standard{DCB0129, DCB0160} {
		gs := ClauseGroups(std)
		var nums []string
		for _, g := range gs {
			nums = append(nums, g.Number)
			if len(g.Items) == 0 {
				t.Errorf("%s group %s: no items", std, g.Number)
			}
		}
		if got, want := strings.Join(nums, ","), "2,3,4,5,6,7"; got != want {
			t.Errorf("%s groups: got %s, want %s", std, got, want)
		}
	}
	if txt := ClauseGroups(DCB0160)[0].Items[0].Text; !strings.Contains(txt, "health organisation") {
		t.Errorf("DCB0160 wording: got %q, want mention of the health organisation", txt)
	}
}

func TestBuildCSCR(t *testing.T) {
	h1, h2 := validHazard(), validHazard()
	h2.Number, h2.Ref, h2.Name = 2, "HAZ-002", "Downtime"
	h2.ResidualSeverity, h2.ResidualLikelihood = Minor, Low
	l := Log{Version: "2.0", Hazards: []Hazard{h2, h1}}
	sys := SystemInfo{Name: "EPR", Version: "4.2", Standard: DCB0160}
	c := BuildCSCR(sys, l, map[string]string{SectionTestIssues: "Two open test issues."}, IssueInfo{DocumentVersion: "1.0"})
	if got, want := strings.Join(SectionKeys(), ","), "introduction,system,crm_system,risk_analysis,risk_evaluation,risk_control,transferred_controls,third_party,hazard_log,test_issues,review,safety_statement,quality_assurance,configuration"; got != want {
		t.Errorf("section keys: got %s, want %s", got, want)
	}
	if len(c.Sections) != 14 {
		t.Fatalf("sections: got %d, want 14", len(c.Sections))
	}
	for _, s := range c.Sections {
		if s.Text == "" && len(s.Facts) == 0 {
			t.Errorf("section %s: empty text and no facts", s.Key)
		}
	}
	if s, _ := c.Section(SectionTestIssues); s.Text != "Two open test issues." || s.Generated {
		t.Errorf("test issues section: got %+v, want the given narrative", s)
	}
	if c.Hazards[0].Ref != "HAZ-001" || c.Hazards[1].ResidualRating != 1 || c.Hazards[0].InitialRating != 3 {
		t.Errorf("hazard rows: got %+v", c.Hazards)
	}
	if c.InitialCounts[2] != 2 || c.ResidualCounts[0] != 1 || c.NoResidual != 1 {
		t.Errorf("counts: got initial %v residual %v none %d", c.InitialCounts, c.ResidualCounts, c.NoResidual)
	}
	if len(c.LogHash) != 64 {
		t.Errorf("log hash: got %q", c.LogHash)
	}
}

// An action's due day is a London day: at 00:30 BST on 15 June (23:30 UTC
// on the 14th) an action due on the 14th is overdue, one due on the 15th is
// not, and a completion dated the 15th is not in the future.
func TestOverdueIsLondonDay(t *testing.T) {
	at := time.Date(2026, 6, 14, 23, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		due  time.Time
		want bool
	}{{day(2026, 6, 13), true}, {day(2026, 6, 14), true}, {day(2026, 6, 15), false}, {day(2026, 6, 16), false}} {
		if got := (Action{Summary: "a", Owner: "x", Due: c.due}).Overdue(at); got != c.want {
			t.Errorf("Action due %s .Overdue(%v) = %v, want %v", c.due.Format(time.DateOnly), at, got, c.want)
		}
	}
	h := validHazard()
	h.Actions = []Action{{Summary: "a", Owner: "x", Due: day(2026, 6, 1), Done: true, DoneAt: day(2026, 6, 15)}}
	if err := h.Validate(DefaultMatrix(), at); err != nil {
		t.Errorf("completion dated 2026-06-15, validated at %v: %v, want no error", at, err)
	}
	h.Actions[0].DoneAt = day(2026, 6, 16)
	if apperr.FieldsOf(h.Validate(DefaultMatrix(), at))["actions.0.done_at"] == "" {
		t.Errorf("completion dated 2026-06-16, validated at %v: want a done_at message", at)
	}
}
