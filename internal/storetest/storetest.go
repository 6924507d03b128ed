// Package storetest gives each test a freshly migrated store on SQLite and
// on PostgreSQL, so one suite runs on both engines.
//
// PostgreSQL runs in a throwaway cluster started from the installed
// binaries (see internal/pgtest). When CLINSAFE_TEST_POSTGRES=1 (make test,
// CI) it must run and a failure to start fails the tests; otherwise the
// PostgreSQL half is skipped with a loud message.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/pgtest"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Engines are the database engines every store and HTTP test runs on.
var Engines = []string{"sqlite", "postgres"}

// Main runs the tests of a package and stops the shared PostgreSQL cluster
// afterwards. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if err := pgtest.StopShared(); err != nil {
		fmt.Fprintln(os.Stderr, "storetest: stop PostgreSQL:", err)
	}
	os.Exit(code)
}

// Each runs fn once per engine as subtests named "sqlite" and "postgres",
// each with its own freshly migrated store.
func Each(t *testing.T, fn func(t *testing.T, st *store.DB)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(e, func(t *testing.T) {
			st, _ := Open(t, e)
			fn(t, st)
		})
	}
}

// FixedTime is the clock tests start from.
var FixedTime = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// Open returns a fresh, migrated store on engine, with every wing's
// content registered (Content), and its DSN; it is closed when the test
// ends.
func Open(t testing.TB, engine string) (*store.DB, string) {
	t.Helper()
	ctx := context.Background()
	var dsn string
	switch engine {
	case "sqlite":
		tmpl, err := sqliteTemplate()
		if err != nil {
			t.Fatalf("storetest: sqlite template: %v", err)
		}
		path := filepath.Join(t.TempDir(), "test.db")
		if err := copyFile(tmpl, path); err != nil {
			t.Fatalf("storetest: copy template: %v", err)
		}
		dsn = "sqlite:" + path
	case "postgres":
		c, tmpl, err := pgTemplate()
		if err != nil {
			if errors.Is(err, pgtest.ErrNotInstalled) && !pgtest.Required() {
				t.Skipf("\n*** PostgreSQL tests SKIPPED: %v. Set %s=1 to make this a failure (make test does). ***", err, pgtest.EnvRequired)
			}
			t.Fatalf("storetest: PostgreSQL: %v", err)
		}
		name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
		if err := c.CreateDatabase(ctx, name, tmpl); err != nil {
			t.Fatalf("storetest: create database: %v", err)
		}
		dsn = c.DSN(name)
	default:
		t.Fatalf("storetest: unknown engine %q", engine)
	}
	st, err := store.Open(ctx, dsn, Content()...)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", engine, err)
	}
	t.Cleanup(func() { st.Close() })
	st.SetClock(func() time.Time { return FixedTime })
	return st, dsn
}

var dbSeq atomic.Int64

var (
	sqliteOnce sync.Once
	sqlitePath string
	sqliteErr  error
)

// sqliteTemplate migrates one SQLite file per test process; tests copy it.
func sqliteTemplate() (string, error) {
	sqliteOnce.Do(func() {
		dir, err := os.MkdirTemp("", "clinsafe-sqlite-template-")
		if err != nil {
			sqliteErr = err
			return
		}
		sqlitePath = filepath.Join(dir, "template.db")
		sqliteErr = migrate("sqlite:" + sqlitePath)
	})
	return sqlitePath, sqliteErr
}

var (
	pgOnce    sync.Once
	pgCluster *pgtest.Cluster
	pgErr     error
)

const pgTemplateName = "clinsafe_template"

// pgTemplate starts the shared cluster and migrates a template database
// once per test process; tests clone it.
func pgTemplate() (*pgtest.Cluster, string, error) {
	pgOnce.Do(func() {
		ctx := context.Background()
		c, err := pgtest.Shared(ctx)
		if err != nil {
			pgErr = err
			return
		}
		if err := c.CreateDatabase(ctx, pgTemplateName, ""); err != nil {
			pgErr = err
			return
		}
		pgErr = migrate(c.DSN(pgTemplateName))
		pgCluster = c
	})
	return pgCluster, pgTemplateName, pgErr
}

func migrate(dsn string) error {
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, Content()...)
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = st.Migrate(ctx)
	return err
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// DropAuditGuard removes the triggers that make audit_log append-only, as
// an attacker with the database owner's rights could, so a test can tamper
// with the trail and show that verification finds it.
func DropAuditGuard(t testing.TB, st *store.DB) {
	t.Helper()
	stmts := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	if st.Engine() == "postgres" {
		stmts = []string{`DROP TRIGGER audit_log_no_change ON audit_log`, `DROP TRIGGER audit_log_no_truncate ON audit_log`}
	}
	for _, q := range stmts {
		if _, err := st.SQL().Exec(q); err != nil {
			t.Fatalf("storetest: %s: %v", q, err)
		}
	}
}
