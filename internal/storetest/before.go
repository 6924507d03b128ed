package storetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/pgtest"
	"github.com/clinsafe/clinsafe/internal/store"
)

// OpenBefore returns a store on engine migrated up to, but not including,
// migration version, and its DSN, for testing what a migration does to
// data written under the schema before it: write the data, then open the
// DSN again (as an upgraded binary would) and Migrate. Stores are closed
// when the test ends.
func OpenBefore(t testing.TB, engine string, version int) (*store.DB, string) {
	t.Helper()
	ctx := context.Background()
	var dsn string
	switch engine {
	case "sqlite":
		dsn = "sqlite:" + filepath.Join(t.TempDir(), "before.db")
	case "postgres":
		c, err := pgtest.Shared(ctx)
		if err != nil {
			if errors.Is(err, pgtest.ErrNotInstalled) && !pgtest.Required() {
				t.Skipf("\n*** PostgreSQL tests SKIPPED: %v. Set %s=1 to make this a failure (make test does). ***", err, pgtest.EnvRequired)
			}
			t.Fatalf("storetest: PostgreSQL: %v", err)
		}
		name := fmt.Sprintf("b%d_%d", os.Getpid(), dbSeq.Add(1))
		if err := c.CreateDatabase(ctx, name, ""); err != nil {
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
	if _, err := st.Status(ctx); err != nil { // creates schema_migrations
		t.Fatalf("storetest: schema status: %v", err)
	}
	ms, err := st.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version >= version {
			break
		}
		err := st.Tx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, m.Version, m.Name, FixedTime)
			return err
		})
		if err != nil {
			t.Fatalf("storetest: migration %d %s: %v", m.Version, m.Name, err)
		}
	}
	return st, dsn
}
