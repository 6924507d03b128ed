package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// insertOrg writes an organisation row with the given ODS code in tx.
func insertOrg(c context.Context, tx *store.Tx, ods string) (store.OrgID, error) {
	id := store.OrgID(store.NewID())
	_, err := tx.ExecContext(c, `INSERT INTO organisations (id, ods_code, name, kind, created_at) VALUES ($1, $2, $3, $4, $5)`,
		id, ods, "Org "+ods, "trust", storetest.FixedTime)
	return id, err
}

// countOrgs counts the organisations whose ODS code is like ods (an ODS
// code, or a pattern such as "M%").
func countOrgs(t *testing.T, st *store.DB, ods string) int {
	t.Helper()
	var n int
	if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM organisations WHERE ods_code LIKE $1`, ods).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A panic in a transaction's function rolls the transaction back before it
// goes on: the row is not there, no connection is left in a transaction,
// and the next write of the same row neither waits nor conflicts.
func TestTxRollsBackOnPanic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		var recovered any
		returned := false
		var insertErr error
		func() {
			defer func() { recovered = recover() }()
			_ = st.Tx(ctx, func(tx *store.Tx) error {
				_, insertErr = insertOrg(ctx, tx, "RP1")
				panic("boom")
			})
			returned = true
		}()
		if insertErr != nil {
			t.Fatalf("insert before the panic: %v", insertErr)
		}
		if returned || recovered != "boom" {
			t.Fatalf("Tx with a panicking fn: returned %v, recovered %v; want the panic to go on", returned, recovered)
		}
		// SQLite's checkpointer may have a connection for a moment after
		// a commit; a transaction left open keeps its connection for good.
		n := st.SQL().Stats().InUse
		for end := time.Now().Add(2 * time.Second); n != 0 && time.Now().Before(end); n = st.SQL().Stats().InUse {
			time.Sleep(5 * time.Millisecond)
		}
		if n != 0 {
			t.Errorf("connections in use after the panic = %d, want 0 (transaction left open)", n)
		}
		if n := countOrgs(t, st, "RP1"); n != 0 {
			t.Fatalf("rows after the panic = %d, want 0", n)
		}
		// The same row again: SQLite would wait for the open transaction's
		// write lock, PostgreSQL for its uncommitted key.
		c, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if err := st.Tx(c, func(tx *store.Tx) error {
			_, err := insertOrg(c, tx, "RP1")
			return err
		}); err != nil {
			t.Fatalf("write after the panic: %v", err)
		}
		if n := countOrgs(t, st, "RP1"); n != 1 {
			t.Fatalf("rows after the second write = %d, want 1", n)
		}
	})
}

// Tx commits the row and its audit entry together, or neither when fn
// returns an error.
func TestTxAuditCommitsOrRollsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		before := auditCount(t, st)
		errStop := errors.New("stop")
		err := st.Tx(ctx, func(tx *store.Tx) error {
			id, err := insertOrg(ctx, tx, "RR1")
			if err != nil {
				return err
			}
			if err := tx.Audit(ctx, store.Change{OrgID: id, Action: "org.create", Entity: "organisation", EntityID: string(id), Summary: "test"}); err != nil {
				return err
			}
			return errStop
		})
		if !errors.Is(err, errStop) {
			t.Fatalf("Tx returned %v, want fn's error", err)
		}
		if n, a := countOrgs(t, st, "RR1"), auditCount(t, st); n != 0 || a != before {
			t.Fatalf("after a failed Tx: %d rows and %d audit entries, want 0 and %d", n, a, before)
		}
		var id store.OrgID
		if err := st.Tx(ctx, func(tx *store.Tx) error {
			var err error
			if id, err = insertOrg(ctx, tx, "RR1"); err != nil {
				return err
			}
			return tx.Audit(ctx, store.Change{OrgID: id, Action: "org.create", Entity: "organisation", EntityID: string(id), Summary: "test"})
		}); err != nil {
			t.Fatal(err)
		}
		if n, a := countOrgs(t, st, "RR1"), auditCount(t, st); n != 1 || a != before+1 {
			t.Fatalf("after a committed Tx: %d rows and %d audit entries, want 1 and %d", n, a, before+1)
		}
		e, err := st.ListAudit(ctx, store.AuditFilter{OrgID: id, Limit: 1})
		if err != nil || len(e) != 1 || e[0].Action != "org.create" || e[0].EntityID != string(id) || e[0].ContentHash == "" {
			t.Fatalf("audit entry = %+v, %v; want the org.create entry with a content hash", e, err)
		}
		if r, err := st.VerifyAudit(ctx); err != nil || r.Break != nil {
			t.Fatalf("audit chain after Tx.Audit: %+v, %v; want intact", r, err)
		}
		if f, _, err := st.VerifyContent(ctx); err != nil || len(f) != 0 {
			t.Fatalf("content check after Tx.Audit: %+v, %v; want no findings", f, err)
		}
	})
}

// Two PostgreSQL transactions that lock the same rows in opposite orders
// deadlock, and PostgreSQL aborts one: that one is a Conflict asking to
// try again (a 409, not a 500), with nothing of it written, and the other
// commits.
func TestDeadlockIsAConflict(t *testing.T) {
	st, _ := storetest.Open(t, "postgres")
	var a, b store.OrgID
	if err := st.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if a, err = insertOrg(ctx, tx, "DLA"); err != nil {
			return err
		}
		b, err = insertOrg(ctx, tx, "DLB")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	locked := make(chan struct{}, 2)
	both := make(chan struct{})
	errs := make(chan error, 2)
	rename := func(first, second store.OrgID) {
		errs <- st.Tx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE organisations SET name = 'First' WHERE id = $1`, first); err != nil {
				return st.Wrap(err, "rename")
			}
			locked <- struct{}{}
			<-both
			_, err := tx.ExecContext(ctx, `UPDATE organisations SET name = 'Second' WHERE id = $1`, second)
			return st.Wrap(err, "rename")
		})
	}
	go rename(a, b)
	go rename(b, a)
	<-locked
	<-locked
	close(both)
	e1, e2 := <-errs, <-errs
	if (e1 == nil) == (e2 == nil) {
		t.Fatalf("outcomes %v and %v: want one committed and one aborted", e1, e2)
	}
	err := errors.Join(e1, e2)
	if !apperr.Is(err, apperr.Conflict) || !strings.Contains(apperr.MessageOf(err), "try again") {
		t.Errorf("the aborted transaction: %v (kind conflict %v, message %q), want a Conflict asking to try again",
			err, apperr.Is(err, apperr.Conflict), apperr.MessageOf(err))
	}
	var names []string
	rows, qerr := st.SQL().Query(`SELECT name FROM organisations WHERE id IN ($1, $2) ORDER BY name`, a, b)
	if qerr != nil {
		t.Fatal(qerr)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	if !slices.Equal(names, []string{"First", "Second"}) {
		t.Errorf("names after the deadlock %v: want one transaction's First and Second, nothing of the other", names)
	}
}

// A Batcher writes every row it is given, few (one INSERT shorter than
// its batch) or many (full batches by its prepared statement, then the
// rest), with the values read back as written; a duplicate among many is
// the same Conflict as among few, and the transaction it fails leaves
// nothing.
func TestBatcherWritesFewAndMany(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		at := storetest.FixedTime.Add(90 * time.Minute)
		write := func(prefix string, n int, dup bool) error {
			return st.Tx(ctx, func(tx *store.Tx) error {
				b := store.NewBatcher(tx, "organisations", "id, ods_code,\n\tname, kind, created_at", 5, 50)
				defer b.Close()
				for i := range n {
					ods := fmt.Sprintf("%s%03d", prefix, i)
					if dup && i == n-1 {
						ods = prefix + "000"
					}
					if err := b.Add(ctx, store.OrgID(store.NewID()), ods, "Trust "+ods, "trust", at.Add(time.Duration(i)*time.Second)); err != nil {
						return err
					}
				}
				if err := b.Flush(ctx); err != nil {
					return st.Wrap(err, "write organisations")
				}
				return nil
			})
		}
		if err := write("F", 3, false); err != nil {
			t.Fatal(err)
		}
		if err := write("M", 120, false); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			prefix string
			n      int
		}{{"F", 3}, {"M", 120}} {
			prefix := c.prefix
			rows, err := st.SQL().Query(`SELECT ods_code, name, kind, created_at FROM organisations WHERE ods_code LIKE $1 ORDER BY ods_code`, prefix+"%")
			if err != nil {
				t.Fatal(err)
			}
			i := 0
			for rows.Next() {
				var ods, name, kind string
				var created time.Time
				if err := rows.Scan(&ods, &name, &kind, &created); err != nil {
					t.Fatal(err)
				}
				wantODS := fmt.Sprintf("%s%03d", prefix, i)
				if ods != wantODS || name != "Trust "+wantODS || kind != "trust" || !created.Equal(at.Add(time.Duration(i)*time.Second)) {
					t.Errorf("row %d of %s: %q %q %q %v", i, prefix, ods, name, kind, created)
				}
				i++
			}
			rows.Close()
			if i != c.n {
				t.Errorf("%s: %d rows read back, want %d", prefix, i, c.n)
			}
		}
		for _, n := range []int{3, 120} {
			prefix := fmt.Sprintf("D%d-", n)
			if err := write(prefix, n, true); !apperr.Is(err, apperr.Conflict) {
				t.Errorf("%d rows with a duplicate ODS code: %v, want Conflict", n, err)
			}
			if got := countOrgs(t, st, prefix+"%"); got != 0 {
				t.Errorf("%d rows with a duplicate: %d stored, want none", n, got)
			}
		}
	})
}
