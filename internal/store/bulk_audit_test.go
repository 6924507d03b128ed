package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// lastContent is the content hash of the newest audit entry of entity id.
func lastContent(t *testing.T, st *store.DB, entity, id string) string {
	t.Helper()
	var h string
	if err := st.SQL().QueryRow(`SELECT content_hash FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY seq DESC LIMIT 1`, entity, id).Scan(&h); err != nil {
		t.Fatalf("content hash of %s %s: %v", entity, id, err)
	}
	return h
}

// AuditBatch records, for each change, the content hash Audit records for
// it: entities of several parts (a user and its roles), hashed for many
// ids at once, and an entity that no longer exists.
func TestAuditBatchRecordsWhatAuditRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		o := mustOrg(t, st, "RB1")
		var ids []string
		for i := range 5 {
			ids = append(ids, mustUser(t, st, o, fmt.Sprintf("u%d@example.com", i), auth.Reporter, auth.Handler).ID)
		}
		ids = append(ids, store.NewID()) // never existed: recorded as deleted
		rename := func(tx *store.Tx, name string) {
			for _, id := range ids {
				if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1 WHERE id = $2`, name+id, id); err != nil {
					t.Fatal(err)
				}
			}
		}
		changes := func() []store.Change {
			var cs []store.Change
			for _, id := range ids {
				cs = append(cs, store.Change{Action: "user.update", Entity: "user", EntityID: id, Summary: "renamed"})
			}
			return cs
		}
		before := auditCount(t, st)
		if err := st.Tx(ctx, func(tx *store.Tx) error {
			rename(tx, "Batch ")
			return tx.AuditBatch(ctx, changes())
		}); err != nil {
			t.Fatalf("AuditBatch: %v", err)
		}
		if got := auditCount(t, st); got != before+len(ids) {
			t.Fatalf("audit entries %d -> %d, want %d more", before, got, len(ids))
		}
		batch := map[string]string{}
		for _, id := range ids {
			batch[id] = lastContent(t, st, "user", id)
		}
		if f := storetest.Findings(t, st); len(f) > 0 {
			t.Errorf("deep check after AuditBatch: %q", f)
		}
		// The same content audited one change at a time.
		if err := st.Tx(ctx, func(tx *store.Tx) error {
			rename(tx, "Batch ")
			for _, c := range changes() {
				if err := tx.Audit(ctx, c); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if one := lastContent(t, st, "user", id); one != batch[id] || one == "" {
				t.Errorf("user %s: AuditBatch recorded %q, Audit %q", id, batch[id], one)
			}
		}
		if batch[ids[len(ids)-1]] != "deleted" {
			t.Errorf("a user that does not exist: recorded %q, want deleted", batch[ids[len(ids)-1]])
		}
		if batch[ids[0]] == batch[ids[1]] {
			t.Errorf("two different users recorded the same content %q", batch[ids[0]])
		}
		// A direct edit after the batch is still found.
		if _, err := st.SQL().Exec(`UPDATE users SET name = 'Forged' WHERE id = $1`, ids[2]); err != nil {
			t.Fatal(err)
		}
		storetest.WantFinding(t, st, "user renamed directly after a batch", "user "+ids[2], "changed outside the audit trail")

		err := st.Tx(ctx, func(tx *store.Tx) error {
			return tx.AuditBatch(ctx, []store.Change{
				{Action: "user.update", Entity: "user", EntityID: ids[0]},
				{Action: "user.update", Entity: "user", EntityID: ids[0]},
			})
		})
		if err == nil || !strings.Contains(err.Error(), "twice") {
			t.Errorf("AuditBatch of one user twice: %v, want it refused", err)
		}
	})
}

// A transaction that keeps many audit entries chains them to the log as
// it goes (memory stays bounded); the chain verifies as before, in the
// order the changes were made, and a rolled-back transaction leaves none.
func TestAuditChainsLongTransactionsAsTheyGo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		store.SetAuditChainAt(t, 4)
		o := mustOrg(t, st, "RC1")
		before := auditCount(t, st)
		var mid int
		summaries := func(n int) []string {
			var out []string
			for i := range n {
				out = append(out, fmt.Sprintf("change %02d", i))
			}
			return out
		}
		want := summaries(23)
		change := func(i int) store.Change {
			return store.Change{OrgID: o.ID, Action: "org.update", Entity: "organisation", EntityID: string(o.ID), Summary: want[i]}
		}
		if err := st.Tx(ctx, func(tx *store.Tx) error {
			for i := range 10 {
				if err := tx.Audit(ctx, change(i)); err != nil {
					return err
				}
			}
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&mid); err != nil {
				return err
			}
			for i := 10; i < 23; i += 4 {
				var cs []store.Change
				for k := i; k < min(i+4, 23); k++ {
					cs = append(cs, change(k))
				}
				// AuditBatch takes no entity twice: batches of the one
				// organisation go one change each.
				for _, c := range cs {
					if err := tx.AuditBatch(ctx, []store.Change{c}); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if mid < before+8 {
			t.Errorf("audit entries in the log after 10 changes in the transaction: %d, want at least %d (chained as it goes)", mid, before+8)
		}
		if got := auditCount(t, st); got != before+23 {
			t.Fatalf("audit entries %d -> %d, want 23 more", before, got)
		}
		rows, err := st.SQL().Query(`SELECT summary FROM audit_log WHERE seq > $1 ORDER BY seq`, before)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			got = append(got, s)
		}
		rows.Close()
		if !slices.Equal(got, want) {
			t.Errorf("entries in order %q, want %q", got, want)
		}
		if res, err := st.VerifyAudit(ctx); err != nil || res.Break != nil || res.Checked != int64(before+23) {
			t.Fatalf("VerifyAudit = %+v, %v; want %d intact", res, err, before+23)
		}
		if f := storetest.Findings(t, st); len(f) > 0 {
			t.Errorf("deep check: %q", f)
		}
		err = st.Tx(ctx, func(tx *store.Tx) error {
			for i := range 9 {
				if err := tx.Audit(ctx, change(i)); err != nil {
					return err
				}
			}
			return fmt.Errorf("refused at the end")
		})
		if err == nil || auditCount(t, st) != before+23 {
			t.Errorf("a refused long transaction: %v, audit entries %d; want %d", err, auditCount(t, st), before+23)
		}
		if res, err := st.VerifyAudit(ctx); err != nil || res.Break != nil {
			t.Fatalf("VerifyAudit after a rollback = %+v, %v", res, err)
		}
	})
}

// NextRefs reserves n consecutive numbers with one statement, after those
// already taken and before the next NextRef.
func TestNextRefsReservesConsecutiveNumbers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		o := mustOrg(t, st, "RN1")
		var got []int64
		err := st.Tx(ctx, func(tx *store.Tx) error {
			n, err := st.NextRef(ctx, tx, o.ID, "x:2026")
			got = append(got, n)
			if err != nil {
				return err
			}
			first, err := st.NextRefs(ctx, tx, o.ID, "x:2026", 5)
			got = append(got, first)
			if err != nil {
				return err
			}
			n, err = st.NextRef(ctx, tx, o.ID, "x:2026")
			got = append(got, n)
			if err != nil {
				return err
			}
			first, err = st.NextRefs(ctx, tx, o.ID, "y:2026", 3)
			got = append(got, first)
			if err != nil {
				return err
			}
			_, err = st.NextRefs(ctx, tx, o.ID, "y:2026", 0)
			if err == nil {
				return fmt.Errorf("NextRefs of 0 numbers did not fail")
			}
			first, err = st.NextRefs(ctx, tx, o.ID, "y:2026", 1)
			got = append(got, first)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{1, 2, 7, 1, 4}; !slices.Equal(got, want) {
			t.Errorf("NextRef, NextRefs(5), NextRef, NextRefs(3) elsewhere, NextRefs(1): %v, want %v", got, want)
		}
	})
}

// A follower with a batch hook gets the changes of an AuditBatch at once;
// a follower without one gets each change, in order.
func TestAuditBatchRunsFollowers(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, dsn := storetest.Open(t, engine)
			var each []string
			var batches [][]string
			var single []string
			one := store.Entity{Name: "org_each", Follows: []string{"user"},
				OnChange: func(_ context.Context, _ *store.Tx, c store.Change) error {
					each = append(each, c.EntityID)
					return nil
				}}
			many := store.Entity{Name: "org_many", Follows: []string{"user"},
				OnChange: func(_ context.Context, _ *store.Tx, c store.Change) error {
					single = append(single, c.EntityID)
					return nil
				},
				OnChanges: func(_ context.Context, _ *store.Tx, cs []store.Change) error {
					var ids []string
					for _, c := range cs {
						ids = append(ids, c.EntityID)
					}
					batches = append(batches, ids)
					return nil
				}}
			st, err := store.Open(ctx, dsn, append(storetest.Content(), one, many)...)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ids := []string{store.NewID(), store.NewID(), store.NewID()}
			err = st.Tx(ctx, func(tx *store.Tx) error {
				var cs []store.Change
				for _, id := range ids {
					cs = append(cs, store.Change{Action: "user.update", Entity: "user", EntityID: id})
				}
				return tx.AuditBatch(ctx, cs)
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(each, ids) || len(batches) != 1 || !slices.Equal(batches[0], ids) || len(single) != 0 {
				t.Errorf("followers saw each %v, batches %v, single %v; want each and one batch of %v", each, batches, single, ids)
			}
		})
	}
	_, dsn := storetest.Open(t, "sqlite")
	bad := store.Entity{Name: "f", Parts: []store.Part{{Table: "fs", Key: []string{"id"}}},
		OnChanges: func(context.Context, *store.Tx, []store.Change) error { return nil }}
	if st, err := store.Open(ctx, dsn, append(storetest.Content(), bad)...); err == nil || !strings.Contains(err.Error(), "follows nothing") {
		if err == nil {
			st.Close()
		}
		t.Errorf("Open with an OnChanges but no Follows: %v, want refused", err)
	}
}
