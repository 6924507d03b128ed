package events

import (
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

func TestResponseCompletionNeedsItsContent(t *testing.T) {
	for _, typ := range ResponseTypes {
		r := Response{Title: "x", Type: typ, Status: ResponseCompleted}
		fs := apperr.FieldsOf(r.Check(now))
		if fs["findings"] == "" || fs["summary"] == "" {
			t.Errorf("%s: completing without findings or summary: %v, want messages", typ, fs)
		}
		for _, f := range typ.Fields() {
			if f.Required && fs[f.Key] == "" {
				t.Errorf("%s: completing without %s: no message in %v", typ, f.Key, fs)
			}
		}
	}
	aar := Response{Title: "Wrong patient's results", Type: AAR, Status: ResponseCompleted, Findings: "f", Summary: "s",
		Content: map[string]string{"aar.expected": "a", "aar.actual": "b", "aar.difference": "c", "aar.learning": "d", "bogus": "x"}}
	if err := aar.Check(now); err != nil {
		t.Fatalf("complete AAR: %v", apperr.FieldsOf(err))
	}
	if aar.CompletedOn != "2026-12-01" || aar.Content["bogus"] != "" {
		t.Errorf("completed on %q, content %v; want today and no unknown keys", aar.CompletedOn, aar.Content)
	}
	psii := Response{Title: "x", Type: PSII, Status: ResponseCompleted, Findings: "f", Summary: "s", Content: map[string]string{"psii.terms": "t"}}
	if fs := apperr.FieldsOf(psii.Check(now)); !strings.Contains(fs["psii.person"], "work-system factor") {
		t.Errorf("PSII without SEIPS findings: %v", fs)
	}
	if fs := apperr.FieldsOf((&Response{Title: "x", Type: "audit", StartedOn: "2027-01-01"}).Check(now)); fs["type"] == "" || fs["started_on"] == "" {
		t.Errorf("bad type and future start: %v", fs)
	}
}

func TestActionRules(t *testing.T) {
	a := Action{Description: "Add a refresh check", OwnerID: "u", DueOn: "2026-11-30", Measure: "No repeat in 3 months"}
	if err := a.Check(now); err != nil || !a.Overdue(now) {
		t.Errorf("open action due yesterday: %v overdue %v, want valid and overdue", err, a.Overdue(now))
	}
	a.Status = ActionDone
	if fs := apperr.FieldsOf(a.Check(now)); fs["evidence"] == "" {
		t.Errorf("done without evidence: %v", fs)
	}
	a.Evidence = "Release 4.3 notes"
	if err := a.Check(now); err != nil || a.Overdue(now) || a.DoneOn != "2026-12-01" {
		t.Errorf("done action: %v overdue %v on %s", err, a.Overdue(now), a.DoneOn)
	}
	b := Action{Status: ActionCancelled}
	fs := apperr.FieldsOf(b.Check(now))
	for _, k := range []string{"description", "owner_id", "measure", "due_on", "cancel_reason"} {
		if fs[k] == "" {
			t.Errorf("empty cancelled action: no message for %s in %v", k, fs)
		}
	}
}

func TestPlan(t *testing.T) {
	if err := CheckPlan(DefaultPlan); err != nil {
		t.Fatalf("default plan: %v", apperr.FieldsOf(err))
	}
	cases := []struct {
		t      RecordType
		harm   string
		agents []string
		want   ResponseType
	}{
		{Incident, "1", nil, PSII},
		{Incident, "3", []string{AgentIT}, MDT},
		{Incident, "3", []string{AgentMedication}, AAR},
		{Incident, "4", []string{AgentIT}, LocalReview},
		{Incident, "", nil, LocalReview},
		{Outcome, "5", nil, MDT},
		{GoodCare, "", nil, LocalReview},
	}
	for _, c := range cases {
		got, ok := Expected(DefaultPlan, c.t, c.harm, c.agents)
		if !ok || got.Response != c.want {
			t.Errorf("Expected(%s, harm %q, %v) = %s, want %s", c.t, c.harm, c.agents, got.Response, c.want)
		}
	}
	bad := []PlanRule{{Type: "7", HarmAtLeast: "9", Agent: "99", Response: "audit"}}
	fs := apperr.FieldsOf(CheckPlan(bad))
	for _, k := range []string{"rules.0.name", "rules.0.record_type", "rules.0.harm_at_least", "rules.0.agent", "rules.0.response"} {
		if fs[k] == "" {
			t.Errorf("bad rule: no message for %s in %v", k, fs)
		}
	}
}
