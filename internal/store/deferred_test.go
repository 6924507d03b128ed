package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// sumRow is a Deferred that adds up what a transaction's writers give it
// and writes the total as one row of deferred_sums.
type sumRow struct {
	n      int
	writes *int
	fail   bool
}

func (s *sumRow) Write(ctx context.Context, tx *store.Tx) error {
	*s.writes++
	if _, err := tx.ExecContext(ctx, `INSERT INTO deferred_sums (n) VALUES ($1)`, s.n); err != nil {
		return err
	}
	if s.fail {
		return errors.New("the sum is refused")
	}
	return nil
}

// A Deferred is made once per transaction under its key, is not written
// while the writer runs, is written once when it has returned, and its
// failure rolls back the whole transaction, the writer's own writes
// included.
func TestDeferredIsWrittenOnceBeforeCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		if _, err := st.SQL().Exec(`CREATE TABLE deferred_sums (n INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		rows := func(q string) int {
			t.Helper()
			var n int
			if err := st.SQL().QueryRow(q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		writes, made := 0, 0
		sum := func(tx *store.Tx, fail bool) *sumRow {
			return tx.Defer("sum", func() store.Deferred { made++; return &sumRow{writes: &writes, fail: fail} }).(*sumRow)
		}
		err := st.Tx(ctx, func(tx *store.Tx) error {
			for i := 1; i <= 3; i++ {
				sum(tx, false).n += i
			}
			var seen int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM deferred_sums`).Scan(&seen); err != nil {
				return err
			}
			if seen != 0 {
				t.Errorf("rows of the Deferred while the writer runs = %d, want 0", seen)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Tx: %v", err)
		}
		if made != 1 || writes != 1 {
			t.Errorf("Deferred made %d times and written %d times, want once each", made, writes)
		}
		if got := rows(`SELECT COALESCE(SUM(n), 0) FROM deferred_sums`); got != 6 {
			t.Errorf("the sum written = %d, want 6 (1+2+3, in one row)", got)
		}

		// A new transaction gets a Deferred of its own.
		if err := st.Tx(ctx, func(tx *store.Tx) error { sum(tx, false).n = 10; return nil }); err != nil {
			t.Fatal(err)
		}
		if made != 2 || rows(`SELECT COUNT(*) FROM deferred_sums WHERE n = 10`) != 1 {
			t.Errorf("a second transaction's Deferred: made %d in all, rows of 10 = %d; want 2 and 1", made, rows(`SELECT COUNT(*) FROM deferred_sums WHERE n = 10`))
		}

		// A failing Deferred fails the transaction: nothing of it stays.
		o := storetest.Org(t, st, "RD1")
		err = st.Tx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE organisations SET name = 'Renamed' WHERE id = $1`, o.ID); err != nil {
				return err
			}
			sum(tx, true).n = 99
			return nil
		})
		if err == nil || err.Error() != "the sum is refused" {
			t.Fatalf("Tx with a failing Deferred = %v, want its error", err)
		}
		if got := rows(`SELECT COUNT(*) FROM deferred_sums WHERE n = 99`); got != 0 {
			t.Errorf("the failed Deferred's row was kept")
		}
		if got, err := st.Org(ctx, o.ID); err != nil || got.Name == "Renamed" {
			t.Errorf("the writer's own change after its Deferred failed: %+v, %v; want rolled back", got, err)
		}
	})
}

// A Tx whose commit itself fails says so (ErrCommit), so that a caller
// can tell it from a failure before the commit, which stores nothing. A
// foreign key checked only at the commit makes one fail.
func TestCommitFailureIsErrCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		for _, q := range []string{
			`CREATE TABLE commit_parent (id TEXT PRIMARY KEY)`,
			`CREATE TABLE commit_child (parent_id TEXT NOT NULL REFERENCES commit_parent(id) DEFERRABLE INITIALLY DEFERRED)`,
		} {
			if _, err := st.SQL().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		err := st.Tx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO commit_child (parent_id) VALUES ('none')`)
			return err
		})
		if err == nil || !errors.Is(err, store.ErrCommit) {
			t.Errorf("Tx whose commit fails = %v, want ErrCommit", err)
		}
		err = st.Tx(ctx, func(tx *store.Tx) error { return errors.New("refused before the commit") })
		if errors.Is(err, store.ErrCommit) {
			t.Errorf("Tx refused before its commit = %v, want no ErrCommit", err)
		}
	})
}
