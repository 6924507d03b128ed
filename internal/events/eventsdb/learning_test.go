package eventsdb_test

import (
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

func TestLearningResponses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		ev := eventsdb.New(st)
		a, b := storetest.Org(t, st, "LAA"), storetest.Org(t, st, "LBB")
		handler := storetest.User(t, st, a, "h@l.test", auth.Handler)
		owner := storetest.User(t, st, a, "o@l.test", auth.Reporter)
		outsider := storetest.User(t, st, b, "x@l.test", auth.Reporter)
		ctx := storetest.As(handler)
		rec := incident("")
		rec.Answers[events.AnsAgents] = []string{"10"}
		e1, err := ev.Report(ctx, a.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: handler.ID})
		if err != nil {
			t.Fatal(err)
		}
		eb, err := ev.Report(storetest.As(outsider), b.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: outsider.ID})
		if err != nil {
			t.Fatal(err)
		}

		if _, err := ev.OpenResponse(ctx, a.ID, events.Response{Title: "x", Type: events.AAR}, []string{eb.ID}); apperr.FieldsOf(err)["events"] == "" {
			t.Errorf("a response on another organisation's event: %v, want a message on events", err)
		}
		if _, err := ev.OpenResponse(ctx, a.ID, events.Response{Type: "audit"}, nil); apperr.FieldsOf(err)["type"] == "" || apperr.FieldsOf(err)["events"] == "" {
			t.Errorf("bad response: %v", apperr.FieldsOf(err))
		}
		r, err := ev.OpenResponse(ctx, a.ID, events.Response{Title: "Results of the previous patient", Type: events.AAR, LeadID: handler.ID, DueOn: "2026-11-20"}, []string{e1.ID, e1.ID})
		if err != nil {
			t.Fatalf("OpenResponse: %v (%v)", err, apperr.FieldsOf(err))
		}
		if r.Ref != "LR-001" || len(r.Events) != 1 || r.LeadName != "h@l.test" && r.LeadName == "" || r.Status != events.ResponsePlanned || !r.PastDue(st.Now()) {
			t.Errorf("opened = %+v, want LR-001 with one event, planned and past due", r)
		}
		if _, err := ev.Response(ctx, b.ID, r.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("response from another organisation: %v, want NotFound", err)
		}

		// Actions: owner from this organisation only.
		act := events.Action{Description: "Refresh the results panel with the list", OwnerID: outsider.ID, DueOn: "2026-11-23", Measure: "No repeat in 3 months"}
		if _, err := ev.AddAction(ctx, a.ID, r.ID, act); apperr.FieldsOf(err)["owner_id"] == "" {
			t.Errorf("owner from another organisation: %v", err)
		}
		act.OwnerID = owner.ID
		la, err := ev.AddAction(ctx, a.ID, r.ID, act)
		if err != nil {
			t.Fatal(err)
		}
		if !la.Overdue {
			t.Errorf("action due 23 November on the 24th: overdue %v, want true", la.Overdue)
		}
		if od, _ := ev.OverdueActions(ctx, a.ID, owner.ID); len(od) != 1 || od[0].ResponseRef != "LR-001" {
			t.Errorf("OverdueActions(owner) = %+v, want the one action", od)
		}
		if od, _ := ev.OverdueActions(ctx, a.ID, handler.ID); len(od) != 0 {
			t.Errorf("OverdueActions(someone else) = %+v, want none", od)
		}

		// Completing needs the four questions, findings and a summary.
		up := r.Response
		up.Status = events.ResponseCompleted
		if _, err := ev.UpdateResponse(ctx, a.ID, r.ID, r.Version, up); apperr.FieldsOf(err)["aar.expected"] == "" {
			t.Errorf("completing an empty AAR: %v, want a message on the first question", apperr.FieldsOf(err))
		}
		up.Content = map[string]string{"aar.expected": "Today's results", "aar.actual": "Yesterday's", "aar.difference": "Cache", "aar.learning": "Refresh"}
		up.Findings, up.Summary = "The panel kept old results.", "Results now refresh with the list."
		done, err := ev.UpdateResponse(ctx, a.ID, r.ID, r.Version, up)
		if err != nil {
			t.Fatalf("complete: %v (%v)", err, apperr.FieldsOf(err))
		}
		if done.Status != events.ResponseCompleted || done.CompletedOn != "2026-11-24" || done.Type != events.AAR {
			t.Errorf("completed = %+v", done)
		}
		if _, err := ev.UpdateResponse(ctx, a.ID, r.ID, r.Version, up); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale update: %v, want Conflict", err)
		}
		la2 := la.Action
		la2.Status, la2.Evidence = events.ActionDone, "Release 4.3"
		if got, err := ev.UpdateAction(ctx, a.ID, r.ID, la.ID, la.Version, la2); err != nil || got.Overdue || got.DoneOn != "2026-11-24" {
			t.Errorf("action done: %+v, %v", got, err)
		}
		if _, err := ev.UpdateAction(ctx, a.ID, r.ID, la.ID, la.Version, la2); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale action update: %v, want Conflict", err)
		}
		if rs, _ := ev.EventResponses(ctx, a.ID, e1.ID); len(rs) != 1 || rs[0].ID != r.ID {
			t.Errorf("EventResponses = %v", rs)
		}
		if ls, _ := ev.ListResponses(ctx, a.ID, events.ResponseCompleted); len(ls) != 1 || ls[0].OpenActions != 0 {
			t.Errorf("ListResponses(completed) = %+v", ls)
		}

		// The plan: default, then the organisation's own.
		rule, ok, err := ev.ExpectedResponse(ctx, a.ID, e1)
		if err != nil || !ok || rule.Response != events.LocalReview {
			t.Errorf("expected response of a low-harm incident = %+v %v %v, want local review", rule, ok, err)
		}
		if err := ev.SavePSIRFPlan(ctx, a.ID, []events.PlanRule{{Name: "All incidents", Type: events.Incident, Response: events.SWARM}}); err != nil {
			t.Fatal(err)
		}
		if rule, _, _ := ev.ExpectedResponse(ctx, a.ID, e1); rule.Response != events.SWARM {
			t.Errorf("after saving a plan: %+v, want SWARM", rule)
		}
		if rules, own, _ := ev.PSIRFPlan(ctx, b.ID); own || len(rules) != len(events.DefaultPlan) {
			t.Error("another organisation's plan changed")
		}
		if err := ev.SavePSIRFPlan(ctx, a.ID, []events.PlanRule{{Response: "x"}}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("bad plan: %v, want Invalid", err)
		}
		if f := storetest.Findings(t, st); len(f) != 0 {
			t.Errorf("audit findings %v", f)
		}
	})
}
