package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
)

// loadLearning opens the trust's learning responses on its demo events:
// a completed after action review with its actions done, an MDT review of
// an IT incident with an open action, a PSII with an overdue action and a
// planned thematic review of falls.
func loadLearning(ctx context.Context, st *store.DB, trust, _ store.Org, people map[string]store.User, _ string) error {
	lead := people["handler@demo.clinsafe.test"]
	if lead.ID == "" {
		lead = people["cso@demo.clinsafe.test"]
	}
	cso := people["cso@demo.clinsafe.test"]
	if lead.ID == "" || cso.ID == "" {
		return nil
	}
	ctx = audit.WithActor(ctx, audit.Actor{UserID: lead.ID, Name: lead.Name, RequestID: "demo"})
	ev := eventsdb.New(st)
	pick := func(where string, n int) ([]string, error) {
		rows, err := st.SQL().QueryContext(ctx, `SELECT id FROM events WHERE org_id = $1 AND status <> 'draft' AND `+where+` ORDER BY submitted_at DESC LIMIT $2`, trust.ID, n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
	today := clock.Today(st.Now())
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
	type plan struct {
		where   string
		n       int
		resp    events.Response
		actions []events.Action
		done    []bool
	}
	plans := []plan{
		{`record LIKE '%Parkinson%'`, 1, events.Response{Title: "Late time-critical Parkinson's medicine", Type: events.AAR, Status: events.ResponseCompleted,
			StartedOn: day(-40), Participants: "Ward 7 nurse in charge\nWard pharmacist\nMatron",
			Content: map[string]string{"aar.expected": "The dose is given within 30 minutes of its time.", "aar.actual": "It was given two hours late during a busy drug round.",
				"aar.difference": "The medicine was not marked as time-critical on the chart, so it waited its turn.", "aar.learning": "Mark time-critical medicines on the chart and check them first on each round."},
			Findings: "The chart did not show which doses were time-critical.", Summary: "Time-critical medicines are now marked on the chart and given first."},
			[]events.Action{{Description: "Configure the time-critical marker for Parkinson's medicines", OwnerID: cso.ID, DueOn: day(-20), Measure: "Audit of 20 doses shows none late"}}, []bool{true}},
		{`agents LIKE '%|9|%' AND system_id IS NOT NULL`, 1, events.Response{Title: "Results of the previous patient shown after a refresh", Type: events.MDT, Status: events.ResponseInProgress,
			StartedOn: day(-10), DueOn: day(20), Participants: "Consultant physician\nClinical safety officer\nSupplier's product lead",
			Content: map[string]string{"mdt.disciplines": "Medicine, nursing, clinical safety, the supplier"}},
			[]events.Action{{Description: "Ask the supplier to clear the results panel when the patient list refreshes", OwnerID: cso.ID, DueOn: day(14), Measure: "Fix in the next release, tested on the ward"}}, []bool{false}},
		{`harm IN ('1', '2')`, 1, events.Response{Title: "Severe harm: review of the care", Type: events.PSII, Status: events.ResponseInProgress,
			StartedOn: day(-50), DueOn: day(-5), Participants: "Investigator\nFamily liaison",
			Content: map[string]string{"psii.terms": "How the work system shaped the care in the 24 hours before the harm.", "psii.organisation": "Night staffing was below plan."}},
			[]events.Action{{Description: "Review night staffing against acuity on the ward", OwnerID: lead.ID, DueOn: day(-3), Measure: "Staffing meets plan on 9 nights in 10 for a month"}}, []bool{false}},
		{`record LIKE '%slipped%'`, 12, events.Response{Title: "Falls on wet floors", Type: events.Thematic, Status: events.ResponsePlanned, DueOn: day(60),
			Content: map[string]string{"thematic.theme": "Falls in bathrooms"}}, nil, nil},
	}
	for _, p := range plans {
		ids, err := pick(p.where, p.n)
		if err != nil {
			return fmt.Errorf("demo: learning: %w", err)
		}
		if len(ids) == 0 {
			continue
		}
		p.resp.LeadID = lead.ID
		status := p.resp.Status
		p.resp.Status = events.ResponsePlanned
		lr, err := ev.OpenResponse(ctx, trust.ID, p.resp, ids)
		if err != nil {
			return fmt.Errorf("demo: learning %q: %w", p.resp.Title, err)
		}
		for i, a := range p.actions {
			la, err := ev.AddAction(ctx, trust.ID, lr.ID, a)
			if err != nil {
				return fmt.Errorf("demo: learning action: %w", err)
			}
			if p.done[i] {
				a.Status, a.Evidence = events.ActionDone, "Configuration change record"
				if _, err := ev.UpdateAction(ctx, trust.ID, lr.ID, la.ID, la.Version, a); err != nil {
					return fmt.Errorf("demo: learning action done: %w", err)
				}
			}
		}
		if status != events.ResponsePlanned {
			lr, err = ev.Response(ctx, trust.ID, lr.ID)
			if err != nil {
				return err
			}
			p.resp.Status = status
			if _, err := ev.UpdateResponse(ctx, trust.ID, lr.ID, lr.Version, p.resp); err != nil {
				return fmt.Errorf("demo: learning %q: %w", p.resp.Title, err)
			}
		}
	}
	return nil
}
