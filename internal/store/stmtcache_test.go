package store_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// On SQLite a writing transaction's recurring statements are kept
// prepared, give the same results as unprepared ones (in a group commit
// too, where several writers share the transaction), and statements that
// are one-off, made of several statements, or wrong are not kept.
func TestStatementCache(t *testing.T) {
	st, _ := storetest.Open(t, "sqlite")
	ctx := storetest.Operator
	kept0 := st.KeptStatements()
	insert := `INSERT INTO organisations (id, ods_code, name, kind, created_at) VALUES ($1, $2, $3, 'trust', $4)`
	for i := range 6 {
		err := st.Tx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, insert, store.NewID(), fmt.Sprintf("SC%d", i), fmt.Sprintf("Cache %d", i), time.Now().UTC()); err != nil {
				return err
			}
			var name string
			if err := tx.QueryRowContext(ctx, `SELECT name FROM organisations WHERE ods_code = $1`, fmt.Sprintf("SC%d", i)).Scan(&name); err != nil {
				return err
			}
			if name != fmt.Sprintf("Cache %d", i) {
				t.Errorf("read back %q in writer %d", name, i)
			}
			rows, err := tx.QueryContext(ctx, `SELECT ods_code FROM organisations WHERE ods_code LIKE 'SC%' ORDER BY ods_code`)
			if err != nil {
				return err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				n++
			}
			if n != i+1 {
				t.Errorf("writer %d sees %d organisations, want %d", i, n, i+1)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	if got := st.KeptStatements() - kept0; got != 3 {
		t.Errorf("statements kept = %d, want 3 (the insert, the row read and the list, each seen 6 times)", got)
	}
	// A wrong statement gives its error every time and is never kept.
	for range 5 {
		err := st.Tx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO no_such_table (x) VALUES ($1)`, 1)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "no_such_table") {
			t.Fatalf("insert into a missing table: %v", err)
		}
	}
	// Several statements in one text run whole, uncached.
	for i := range 4 {
		err := st.Tx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE organisations SET name = 'A%[1]d' WHERE ods_code = 'SC0'; UPDATE organisations SET name = 'B%[1]d' WHERE ods_code = 'SC1'`, i))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var a, b string
	if err := st.SQL().QueryRow(`SELECT (SELECT name FROM organisations WHERE ods_code = 'SC0'), (SELECT name FROM organisations WHERE ods_code = 'SC1')`).Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	if a != "A3" || b != "B3" {
		t.Errorf("after two-statement updates: %q, %q; want A3, B3", a, b)
	}
	if got := st.KeptStatements() - kept0; got != 3 {
		t.Errorf("statements kept = %d after wrong and multi-statement texts, want still 3", got)
	}
}

// The SQLite write-ahead log is checkpointed in the background after
// commits (no commit checkpoints, see sqliteDSN): written in bursts with
// pauses longer than the checkpointer's interval, the log is reused after
// each burst instead of growing by every burst.
func TestBackgroundCheckpoint(t *testing.T) {
	st, dsn := storetest.Open(t, "sqlite")
	path := strings.TrimPrefix(dsn, "sqlite:")
	ctx := storetest.Operator
	big := strings.Repeat("x", 8000)
	const bursts, rows = 6, 60
	for b := range bursts {
		for i := range rows {
			err := st.Tx(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO organisations (id, ods_code, name, kind, created_at) VALUES ($1, $2, $3, 'trust', $4)`,
					store.NewID(), fmt.Sprintf("CP%d-%d", b, i), big, time.Now().UTC())
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(600 * time.Millisecond)
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// Each burst writes about 1.5 MB to the log (the rows' pages, the
	// audit log's and the indexes'): without checkpoints the log holds
	// every burst, about 9 MB; reused after each, about one burst's.
	if all := int64(bursts * rows * 8000); fi.Size() > all {
		t.Errorf("write-ahead log is %d bytes after %d bytes of rows in %d bursts: not checkpointed between bursts", fi.Size(), all, bursts)
	}
}

// Written without a pause, the log is still kept short: once it is longer
// than walLimit pages the checkpointer restarts it between writers, and
// the next commits write over the file from its beginning rather than
// truncating it and making it longer again (a commit that extends a file
// waits for the file system's journal).
func TestCheckpointUnderSteadyWrites(t *testing.T) {
	st, dsn := storetest.Open(t, "sqlite")
	path := strings.TrimPrefix(dsn, "sqlite:")
	ctx := storetest.Operator
	big := strings.Repeat("y", 8000)
	deadline := time.Now().Add(6 * time.Second)
	var most int64
	holds := st.HoldTimings(0).Mark
	shrunk := false
	for i := 0; time.Now().Before(deadline); i++ {
		err := st.Tx(ctx, func(tx *store.Tx) error {
			for j := range 50 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO organisations (id, ods_code, name, kind, created_at) VALUES ($1, $2, $3, 'trust', $4)`,
					store.NewID(), fmt.Sprintf("SW%d-%d", i, j), big, time.Now().UTC()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path + "-wal"); err == nil {
			if most > 20<<20 && fi.Size() < 1<<20 {
				shrunk = true
			}
			most = max(most, fi.Size())
		}
	}
	// The limit is 16 MB of log, in a file kept up to 64 MB; between
	// checks the log can grow by what is written in one checkpoint
	// interval.
	if most > 160<<20 {
		t.Errorf("write-ahead log reached %d MB under steady writes", most>>20)
	}
	if h := st.HoldTimings(holds); h.Count == 0 {
		t.Errorf("the checkpointer never restarted the log (%d MB at most)", most>>20)
	}
	if shrunk {
		t.Errorf("the write-ahead log file was truncated under steady writes: commits then make it longer again")
	}
	var n int
	if err := st.SQL().QueryRow(`SELECT count(*) FROM organisations WHERE ods_code LIKE 'SW%'`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("rows written: %d, %v", n, err)
	}
	t.Logf("%d rows written, log at most %d MB", n, most>>20)
}

// After Close the database file alone holds every commit (a template
// copied without its write-ahead log, as the tests' SQLite template is).
func TestCloseLeavesEverythingInTheFile(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/a.db"
	ctx := storetest.Operator
	st, err := store.Open(ctx, "sqlite:"+path, storetest.Content()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := st.Tx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO organisations (id, ods_code, name, kind, created_at) VALUES ($1, $2, 'Closing', 'trust', $3)`,
				store.NewID(), fmt.Sprintf("CL%d", i), time.Now().UTC())
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := dir + "/copy.db"
	if err := os.WriteFile(copyPath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	cp, err := store.Open(ctx, "sqlite:"+copyPath, storetest.Content()...)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	var n int
	if err := cp.SQL().QueryRow(`SELECT count(*) FROM organisations WHERE ods_code LIKE 'CL%'`).Scan(&n); err != nil || n != 20 {
		t.Fatalf("the file alone has %d of 20 organisations (%v)", n, err)
	}
}
