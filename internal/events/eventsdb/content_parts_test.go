package eventsdb_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// An audit entry's content hash takes in every part of an event that has
// rows, though it reads only the parts that have rows for the batch: of
// three events audited together, one with an addendum (the last part),
// one with a follow-up code (an early part) and one with neither, each
// hash is the one the deep check computes from the whole tables, and a
// later direct edit of a part only one of them fills is found.
func TestContentHashReadsFilledPartsOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		ev := eventsdb.New(st)
		a := storetest.Org(t, st, "ECP")
		nurse := storetest.User(t, st, a, "nurse@ecp.test", auth.Reporter)
		var ids []string
		for i := range 3 {
			r := incident("")
			r.Answers[events.AnsAgents] = []string{"10"}
			r.Answers[events.AnsDescription] = []string{fmt.Sprintf("bed rail fault %d", i)}
			e, err := ev.Report(storetest.As(nurse), a.ID, r, eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, e.ID)
		}
		at := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
		if err := st.Tx(storetest.Operator, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(storetest.Operator, `INSERT INTO event_addenda (id, event_id, org_id, body, author_id, at) VALUES ($1, $2, $3, $4, $5, $6)`,
				store.NewID(), ids[0], a.ID, "Seen by the ward manager", nurse.ID, at); err != nil {
				return err
			}
			if _, err := tx.ExecContext(storetest.Operator, `INSERT INTO event_followups (event_id, org_id, code_hash, created_at) VALUES ($1, $2, $3, $4)`,
				ids[1], a.ID, "hash-"+ids[1], at); err != nil {
				return err
			}
			var cs []store.Change
			for _, id := range ids {
				cs = append(cs, store.Change{Action: "event.update", Entity: "event", EntityID: id, OrgID: a.ID, Summary: "parts"})
			}
			return tx.AuditBatch(storetest.Operator, cs)
		}); err != nil {
			t.Fatal(err)
		}
		if f := storetest.Findings(t, st); len(f) > 0 {
			t.Fatalf("deep check after a batch over filled and empty parts: %q", f)
		}
		if _, err := st.SQL().Exec(`UPDATE event_addenda SET body = 'Forged' WHERE event_id = $1`, ids[0]); err != nil {
			t.Fatal(err)
		}
		storetest.WantFinding(t, st, "addendum edited directly", "event "+ids[0], "changed outside the audit trail")
	})
}
