package lfpse_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/fhir/lfpse"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// The follower's batch hook queues what it queues for each change in
// turn: an event waiting stays as it is, one being sent is marked to be
// sent again, one sent or refused waits to be sent again (an update once
// the service has its record), one never queued stays so.
func TestBatchHookQueuesAsEachChangeDoes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		states := []struct {
			status     lfpse.Status
			nationalID string
		}{{lfpse.Pending, ""}, {lfpse.Sending, ""}, {lfpse.Sent, "N-1"}, {lfpse.Failed, ""}, {"", ""}}
		// Two events in each state: one changed in a batch, one alone.
		ids := map[bool][]string{}
		for _, batch := range []bool{true, false} {
			for i, s := range states {
				e := w.report(t, fmt.Sprintf("Event %d (batch %v)", i, batch))
				ids[batch] = append(ids[batch], e.ID)
				if s.status == "" {
					continue
				}
				if _, err := w.q.MarkReady(w.hctx(), w.a.ID, e.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := st.SQL().Exec(`UPDATE lfpse_submissions SET status = $1, national_id = $2 WHERE event_id = $3`, string(s.status), s.nationalID, e.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		w.clock.advance(time.Hour)
		changes := func(ids []string) []store.Change {
			var cs []store.Change
			for _, id := range ids {
				cs = append(cs, store.Change{OrgID: w.a.ID, Action: "event.addendum", Entity: "event", EntityID: id, Summary: "noted"})
			}
			return cs
		}
		if err := st.Tx(w.hctx(), func(tx *store.Tx) error { return tx.AuditBatch(w.hctx(), changes(ids[true])) }); err != nil {
			t.Fatal(err)
		}
		if err := st.Tx(w.hctx(), func(tx *store.Tx) error {
			for _, c := range changes(ids[false]) {
				if err := tx.Audit(w.hctx(), c); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		want := []struct {
			status lfpse.Status
			op     string
			again  bool
		}{{lfpse.Pending, "create", false}, {lfpse.Sending, "create", true}, {lfpse.Pending, "update", false}, {lfpse.Pending, "create", false}}
		for i := range states {
			b, errB := w.q.Get(w.hctx(), w.a.ID, ids[true][i])
			o, errO := w.q.Get(w.hctx(), w.a.ID, ids[false][i])
			if i == len(states)-1 {
				if errB == nil || errO == nil {
					t.Errorf("an event never queued: queued by the batch (%v) or alone (%v)", errB == nil, errO == nil)
				}
				continue
			}
			if errB != nil || errO != nil {
				t.Fatalf("state %d: %v, %v", i, errB, errO)
			}
			b.EventID, o.EventID = "", ""
			if b != o {
				t.Errorf("state %s: batch left %+v, one change alone %+v", states[i].status, b, o)
			}
			if w := want[i]; b.Status != w.status || b.Op != w.op || b.Again != w.again {
				t.Errorf("state %s after a change: %s, op %s, again %v; want %s, %s, %v", states[i].status, b.Status, b.Op, b.Again, w.status, w.op, w.again)
			}
		}
	})
}
