package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// On SQLite, writers queued together commit together: each is told only
// after the shared commit, one writer's error or panic undoes its own
// writes alone, and the audit chain stays whole.
func TestGroupCommit(t *testing.T) {
	st, _ := storetest.Open(t, "sqlite")
	ctx := storetest.Operator
	count := func(ods string) int {
		var n int
		if err := st.SQL().QueryRow(`SELECT count(*) FROM organisations WHERE ods_code = $1`, ods).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	g0, w0 := st.GroupCommits()

	// A first writer holds the committer while the others queue.
	release := make(chan struct{})
	started := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		err := st.Tx(ctx, func(tx *store.Tx) error {
			close(started)
			<-release
			id := store.NewID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO organisations (id, ods_code, name, kind, created_at) VALUES ($1, 'GRP0', 'First', 'trust', $2)`, id, time.Now().UTC()); err != nil {
				return err
			}
			return tx.Audit(ctx, store.Change{OrgID: store.OrgID(id), Action: "org.create", Entity: "organisation", EntityID: id, Summary: "first"})
		})
		if err != nil {
			t.Errorf("first writer: %v", err)
		}
	})
	<-started
	const n = 12
	errs := make([]error, n)
	panics := make([]any, n)
	for i := range n {
		wg.Go(func() {
			defer func() { panics[i] = recover() }()
			switch i {
			case 3: // writes, then fails: its row must not stay
				errs[i] = st.Tx(ctx, func(tx *store.Tx) error {
					if _, err := tx.ExecContext(ctx, `INSERT INTO organisations (id, ods_code, name, kind, created_at) VALUES ($1, 'GRPX', 'Refused', 'trust', $2)`, store.NewID(), time.Now().UTC()); err != nil {
						return err
					}
					return errors.New("refused after writing")
				})
			case 7: // writes, then panics: the panic reaches this goroutine
				errs[i] = st.Tx(ctx, func(tx *store.Tx) error {
					if _, err := tx.ExecContext(ctx, `INSERT INTO organisations (id, ods_code, name, kind, created_at) VALUES ($1, 'GRPP', 'Panicked', 'trust', $2)`, store.NewID(), time.Now().UTC()); err != nil {
						return err
					}
					panic("writer panics")
				})
			default: // audited writes, chained in the shared transaction
				_, errs[i] = st.CreateOrg(ctx, store.Org{ODSCode: fmt.Sprintf("GRP%d", i+1), Name: fmt.Sprintf("Grouped %d", i+1), Kind: "trust"})
			}
		})
	}
	time.Sleep(200 * time.Millisecond) // let them queue behind the first
	close(release)
	wg.Wait()

	for i := range n {
		switch i {
		case 3:
			if errs[i] == nil || errs[i].Error() != "refused after writing" {
				t.Errorf("failing writer: %v, want its own error", errs[i])
			}
		case 7:
			if panics[i] != "writer panics" {
				t.Errorf("panicking writer: recovered %v, want its panic", panics[i])
			}
		default:
			if errs[i] != nil {
				t.Errorf("writer %d: %v", i, errs[i])
			}
			if c := count(fmt.Sprintf("GRP%d", i+1)); c != 1 {
				t.Errorf("writer %d's organisation stored %d times, want 1", i, c)
			}
		}
	}
	if count("GRPX") != 0 || count("GRPP") != 0 {
		t.Errorf("a refused or panicked writer's row stayed: %d, %d", count("GRPX"), count("GRPP"))
	}
	if count("GRP0") != 1 {
		t.Errorf("the first writer's row: %d", count("GRP0"))
	}
	g, w := st.GroupCommits()
	if w-w0 != n-1 {
		t.Errorf("writers committed %d, want %d (all but the refused and the panicked, and the first)", w-w0, n-1)
	}
	if g-g0 >= w-w0 {
		t.Errorf("%d group commits for %d writers: the queued writers were not grouped", g-g0, w-w0)
	}
	v, err := st.VerifyAudit(ctx)
	if err != nil || v.Break != nil || v.Checked == 0 {
		t.Errorf("audit chain after grouped commits: %+v, %v", v, err)
	}
	if f := storetest.Findings(t, st); len(f) != 0 {
		t.Errorf("audit findings: %v", f)
	}
}

// A writer whose context ended while it queued is not run.
func TestGroupCommitCancelledWriter(t *testing.T) {
	st, _ := storetest.Open(t, "sqlite")
	ctx, cancel := context.WithCancel(storetest.Operator)
	cancel()
	ran := false
	err := st.Tx(ctx, func(tx *store.Tx) error { ran = true; return nil })
	if err == nil || ran {
		t.Errorf("Tx with an ended context: %v, ran %v; want an error and not run", err, ran)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Tx(storetest.Operator, func(tx *store.Tx) error { return nil }); err == nil {
		t.Errorf("Tx after Close: no error")
	}
}
