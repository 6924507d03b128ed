package eventsdb_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// Handlers who change the same learning response (or action) at the same
// version at once: exactly one change is made and every other is told
// Conflict, so nobody is told their change was saved when it was not.
// Before, on PostgreSQL the version was read, then the UPDATE ... WHERE
// version = N matched no row once a concurrent change committed, and the
// loser was still answered with success (and an audit entry) while its
// change was silently dropped.
func TestLearningConcurrentChangesConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		ev := eventsdb.New(st)
		a := storetest.Org(t, st, "LCC")
		handler := storetest.User(t, st, a, "h@lc.test", auth.Handler)
		ctx := storetest.As(handler)
		rec := incident("")
		rec.Answers[events.AnsAgents] = []string{"10"}
		e, err := ev.Report(ctx, a.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: handler.ID})
		if err != nil {
			t.Fatal(err)
		}
		r, err := ev.OpenResponse(ctx, a.ID, events.Response{Title: "Results of the previous patient", Type: events.AAR, LeadID: handler.ID}, []string{e.ID})
		if err != nil {
			t.Fatal(err)
		}
		act, err := ev.AddAction(ctx, a.ID, r.ID, events.Action{Description: "Refresh the results panel", OwnerID: handler.ID, DueOn: "2026-12-23", Measure: "No repeat"})
		if err != nil {
			t.Fatal(err)
		}
		const n = 12
		for _, what := range []string{"response", "action"} {
			var wg sync.WaitGroup
			var mu sync.Mutex
			var won []string
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					title := fmt.Sprintf("change %d", i)
					var err error
					if what == "response" {
						_, err = ev.UpdateResponse(ctx, a.ID, r.ID, r.Version, events.Response{Title: title, Type: events.AAR, Status: events.ResponsePlanned, LeadID: handler.ID})
					} else {
						_, err = ev.UpdateAction(ctx, a.ID, r.ID, act.ID, act.Version, events.Action{Description: title, OwnerID: handler.ID, DueOn: "2026-12-23", Measure: "No repeat", Status: events.ActionOpen})
					}
					switch {
					case err == nil:
						mu.Lock()
						won = append(won, title)
						mu.Unlock()
					case !apperr.Is(err, apperr.Conflict):
						t.Errorf("%s %s: %v, want success or Conflict", what, title, err)
					}
				}()
			}
			wg.Wait()
			got := ""
			if what == "response" {
				cur, err := ev.Response(ctx, a.ID, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				got = cur.Title
			} else {
				cur, err := ev.Response(ctx, a.ID, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range cur.Actions {
					if x.ID == act.ID {
						got = x.Description
					}
				}
			}
			if len(won) != 1 || won[0] != got {
				t.Errorf("%s: %d changes reported saved %v, stored %q; want exactly one, the one stored", what, len(won), won, got)
			}
		}
	})
}
