package lfpse_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// A change of a queued event whose transaction is still open when a
// worker claims the submission must reach the national service: either
// the worker waits for (or skips) the row until the change commits, or
// the change marks the row to be sent again. Before, on PostgreSQL the
// change's hook read the row as pending without locking it and left it
// alone; the worker claimed it at once, sent the event as it was before
// the change and marked it sent, so the change was never sent.
func TestChangeCommittingWhileClaimedIsSent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		e := w.ready(t, "Warfarin given twice")
		b := w.outbox(lfpse.Options{})
		rec := e.Record
		rec.Answers[events.AnsDescription] = []string{"Warfarin given twice, corrected by the handler"}
		body, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		err = st.Tx(w.hctx(), func(tx *store.Tx) error {
			if _, err := tx.ExecContext(w.hctx(), `UPDATE events SET record = $1 WHERE id = $2`, string(body), e.ID); err != nil {
				return err
			}
			if err := tx.Audit(w.hctx(), store.Change{OrgID: w.a.ID, Action: "event.addendum", Entity: "event", EntityID: e.ID, Summary: "corrected"}); err != nil {
				return err
			}
			// A worker's pass while the change is uncommitted (on SQLite
			// it waits for the one writer).
			go func() { _, err := b.Once(context.Background()); done <- err }()
			select {
			case err := <-done:
				done <- err
			case <-time.After(time.Second):
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("worker during the change: %v", err)
		}
		once(t, b)
		got := w.svc.Received()
		if len(got) == 0 {
			t.Fatal("nothing was sent")
		}
		if last := string(got[len(got)-1].Body); !strings.Contains(last, "corrected by the handler") {
			t.Errorf("the last of %d submissions carries the event as it was before the change; want the change sent", len(got))
		}
		if s := w.sub(t, e.ID); s.Status != lfpse.Sent || s.Again {
			t.Errorf("after the passes: %+v, want sent", s)
		}
	})
}
