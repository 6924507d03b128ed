package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// Many writers at once each find their entries on the chain when Tx
// returns; the chain verifies, nothing is left queued, and the deep check
// agrees with every change.
func TestAuditConcurrentWritersAllChained(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test", Operator: true})
		before := auditCount(t, st)
		const writers, each = 12, 8
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					o, err := st.CreateOrg(ctx, store.Org{ODSCode: fmt.Sprintf("W%02d%02d", w, i), Name: "Writer trust", Kind: "trust"})
					if err != nil {
						errs <- err
						return
					}
					var n int
					if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity = 'organisation' AND entity_id = $1`, string(o.ID)).Scan(&n); err != nil || n == 0 {
						errs <- fmt.Errorf("organisation %s: %d entries on the chain when CreateOrg returned (%v)", o.ODSCode, n, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if q := st.QueuedAudit(); q != 0 {
			t.Errorf("%d audit entries still queued after every writer returned", q)
		}
		got := auditCount(t, st)
		if got < before+writers*each {
			t.Errorf("audit entries %d -> %d, want at least %d more", before, got, writers*each)
		}
		if res, err := st.VerifyAudit(ctx); err != nil || res.Break != nil || res.Checked != int64(got) {
			t.Fatalf("VerifyAudit = %+v, %v; want %d intact", res, err, got)
		}
		if f := storetest.Findings(t, st); len(f) > 0 {
			t.Errorf("deep check: %q", f)
		}
	})
}

// Entries a writer queued but no sealer chained (the process stopped)
// are safe: the deep check counts them, and any store on the database
// chains them later, in order, onto a chain that verifies.
func TestAuditQueuedEntriesSurviveAndAreChainedLater(t *testing.T) {
	st, dsn := storetest.Open(t, "postgres")
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test", Operator: true})
	before := auditCount(t, st)
	var once sync.Once
	hold := st.HoldSealer()
	release := func() { once.Do(hold) }
	t.Cleanup(release) // before the store closes, whose last pass waits for it
	var ids []store.OrgID
	for i := range 3 {
		o, err := st.CreateOrg(ctx, store.Org{ODSCode: fmt.Sprintf("QA%d", i), Name: "Queued trust", Kind: "trust"})
		if err != nil {
			release()
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	if q := st.QueuedAudit(); q != 3 {
		t.Errorf("queued entries with the sealer held: %d, want 3", q)
	}
	if got := auditCount(t, st); got != before {
		t.Errorf("chained entries with the sealer held: %d -> %d, want none added", before, got)
	}
	// The committed changes are audited, though not yet chained.
	if f := storetest.Findings(t, st); len(f) > 0 {
		t.Errorf("deep check with entries queued: %q", f)
	}
	// The queue cannot be edited or emptied by hand.
	for _, q := range []string{`UPDATE audit_queue SET summary = 'edited'`, `DELETE FROM audit_queue`, `TRUNCATE audit_queue`} {
		if _, err := st.SQL().Exec(q); err == nil || !strings.Contains(err.Error(), "cannot be changed or removed") {
			t.Errorf("%s: %v, want it refused", q, err)
		}
	}
	// Another store on the same database (a second process) chains them.
	other, err := store.Open(ctx, dsn, storetest.Content()...)
	if err != nil {
		release()
		t.Fatal(err)
	}
	n, err := other.SealAudit(ctx)
	other.Close()
	release()
	if err != nil || n != 3 {
		t.Fatalf("SealAudit = %d, %v; want 3", n, err)
	}
	rows, err := st.SQL().Query(`SELECT entity_id FROM audit_log WHERE seq > $1 ORDER BY seq`, before)
	if err != nil {
		t.Fatal(err)
	}
	var got []store.OrgID
	for rows.Next() {
		var id string
		rows.Scan(&id)
		got = append(got, store.OrgID(id))
	}
	rows.Close()
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Errorf("chained in order %v, want %v", got, ids)
	}
	if q := st.QueuedAudit(); q != 0 {
		t.Errorf("%d entries still queued", q)
	}
	if res, err := st.VerifyAudit(ctx); err != nil || res.Break != nil || res.Checked != int64(before+3) {
		t.Fatalf("VerifyAudit = %+v, %v; want %d intact", res, err, before+3)
	}
	if f := storetest.Findings(t, st); len(f) > 0 {
		t.Errorf("deep check: %q", f)
	}
}

// A transaction that fails leaves nothing queued.
func TestAuditRefusedTransactionQueuesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test", Operator: true})
		o := mustOrg(t, st, "RQ1")
		before := auditCount(t, st)
		err := st.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.Audit(ctx, store.Change{OrgID: o.ID, Action: "org.update", Entity: "organisation", EntityID: string(o.ID), Summary: "refused"}); err != nil {
				return err
			}
			return fmt.Errorf("refused")
		})
		if err == nil {
			t.Fatal("the refused transaction succeeded")
		}
		if got, q := auditCount(t, st), st.QueuedAudit(); got != before || q != 0 {
			t.Errorf("after a refused transaction: %d chained (want %d), %d queued (want 0)", got, before, q)
		}
	})
}

// A long transaction (a bulk import) chains its own entries and holds the
// log until it commits; a writer meanwhile is not held up: its change
// commits and it returns, its entry queued, and the sealer chains it once
// the long transaction is over.
func TestAuditLongTransactionDoesNotHoldUpWriters(t *testing.T) {
	st, _ := storetest.Open(t, "postgres")
	store.SetAuditChainAt(t, 4)
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test", Operator: true})
	o := mustOrg(t, st, "LT1")
	before := auditCount(t, st)
	started, finish := make(chan struct{}), make(chan struct{})
	var finishOnce sync.Once
	end := func() { finishOnce.Do(func() { close(finish) }) }
	t.Cleanup(end)
	long := make(chan error, 1)
	go func() {
		long <- st.Tx(ctx, func(tx *store.Tx) error {
			for i := range 5 {
				if err := tx.Audit(ctx, store.Change{OrgID: o.ID, Action: "org.update", Entity: "organisation", EntityID: string(o.ID), Summary: fmt.Sprintf("long %d", i)}); err != nil {
					return err
				}
			}
			close(started)
			<-finish
			return nil
		})
	}()
	select {
	case <-started:
	case err := <-long:
		t.Fatalf("long transaction ended early: %v", err)
	}
	created := make(chan error, 1)
	go func() {
		_, err := st.CreateOrg(ctx, store.Org{ODSCode: "LT2", Name: "Writer trust", Kind: "trust"})
		created <- err
	}()
	select {
	case err := <-created:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		end()
		t.Fatal("a writer waited for the long transaction to commit")
	}
	if q := st.QueuedAudit(); q != 1 {
		t.Errorf("entries queued while the long transaction holds the log: %d, want the writer's 1", q)
	}
	end()
	if err := <-long; err != nil {
		t.Fatal(err)
	}
	if _, err := st.SealAudit(ctx); err != nil {
		t.Fatal(err)
	}
	if got, q := auditCount(t, st), st.QueuedAudit(); got != before+6 || q != 0 {
		t.Errorf("after the long transaction: %d -> %d chained (want 6 more), %d queued", before, got, q)
	}
	if res, err := st.VerifyAudit(ctx); err != nil || res.Break != nil {
		t.Fatalf("VerifyAudit = %+v, %v", res, err)
	}
	if f := storetest.Findings(t, st); len(f) > 0 {
		t.Errorf("deep check: %q", f)
	}
}
