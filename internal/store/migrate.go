package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one numbered, forward-only schema change. A file named
// NNNN_name.sql serves both engines; NNNN_name.sqlite.sql and
// NNNN_name.postgres.sql are used where the SQL must differ.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations for the store's engine, in order.
func (s *DB) Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	byVersion := map[int]Migration{}
	for _, e := range entries {
		name := e.Name()
		base := strings.TrimSuffix(name, ".sql")
		engine := ""
		if i := strings.LastIndex(base, "."); i >= 0 {
			engine, base = base[i+1:], base[:i]
		}
		if engine != "" && engine != s.dialect.name() {
			continue
		}
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration %s: name must start with a number", name)
		}
		b, err := migrationFS.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, fmt.Errorf("store: read migration %s: %w", name, err)
		}
		if _, dup := byVersion[v]; dup {
			return nil, fmt.Errorf("store: two migrations numbered %d for %s", v, s.dialect.name())
		}
		byVersion[v] = Migration{Version: v, Name: base, SQL: s.dialect.prepareMigration(string(b))}
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// SchemaStatus reports the database's schema version against the binary's.
type SchemaStatus struct {
	Current int // highest applied version (0 for an empty database)
	Latest  int // highest version this binary knows
	Pending []Migration
}

// ErrSchemaTooNew is returned when the database was migrated by a newer binary.
var ErrSchemaTooNew = apperr.New(apperr.Conflict, "the database schema is newer than this clinsafe binary; upgrade clinsafe")

func (s *DB) ensureMigrationTable(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, s.dialect.prepareMigration(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`))
	return err
}

// Status returns the schema status. It returns ErrSchemaTooNew (wrapped)
// when the database is ahead of the binary.
func (s *DB) Status(ctx context.Context) (SchemaStatus, error) {
	ms, err := s.Migrations()
	if err != nil {
		return SchemaStatus{}, err
	}
	if err := s.ensureMigrationTable(ctx); err != nil {
		return SchemaStatus{}, s.Wrap(err, "create schema_migrations")
	}
	applied := map[int]bool{}
	rows, err := s.db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return SchemaStatus{}, s.Wrap(err, "read schema_migrations")
	}
	defer rows.Close()
	st := SchemaStatus{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return SchemaStatus{}, s.Wrap(err, "scan schema_migrations")
		}
		applied[v] = true
		st.Current = max(st.Current, v)
	}
	if err := rows.Err(); err != nil {
		return SchemaStatus{}, s.Wrap(err, "read schema_migrations")
	}
	for _, m := range ms {
		st.Latest = max(st.Latest, m.Version)
		if !applied[m.Version] {
			st.Pending = append(st.Pending, m)
		}
	}
	if st.Current > st.Latest {
		return st, fmt.Errorf("store: schema version %d, binary knows up to %d: %w", st.Current, st.Latest, ErrSchemaTooNew)
	}
	return st, nil
}

// Migrate applies every pending migration, each in its own transaction, and
// returns the ones applied.
func (s *DB) Migrate(ctx context.Context) ([]Migration, error) {
	st, err := s.Status(ctx)
	if err != nil {
		return nil, err
	}
	var done []Migration
	for _, m := range st.Pending {
		err := s.Tx(ctx, func(tx *Tx) error {
			changed, err := s.migrationChanges(ctx, tx, m)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("store: migration %d %s: %w", m.Version, m.Name, err)
			}
			for _, c := range changed {
				if err := tx.Audit(ctx, c); err != nil {
					return fmt.Errorf("store: migration %d %s: audit: %w", m.Version, m.Name, err)
				}
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, s.now())
			return err
		})
		if err != nil {
			return done, err
		}
		done = append(done, m)
	}
	return done, nil
}

// migrationChanges reads a migration's "-- audit-entity ENTITY: QUERY" lines. A
// migration that changes the content of audited entities (a data
// migration) names them so: QUERY, run before the migration, returns the
// organisation id and entity id of each entity it will change. Migrate
// writes an audit entry for each after the migration's SQL, in the same
// transaction, so the content hashes of the audit trail stay true. A line
// naming an entity of a wing this DB was opened without is skipped: such a
// DB refuses that wing's changes and cannot check its content either
// (clinsafe itself always opens with every wing, see internal/app).
func (s *DB) migrationChanges(ctx context.Context, tx *Tx, m Migration) ([]Change, error) {
	var out []Change
	for _, line := range strings.Split(m.SQL, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- audit-entity ")
		if !ok {
			continue
		}
		entity, query, ok := strings.Cut(rest, ":")
		if !ok || strings.TrimSpace(entity) == "" || strings.TrimSpace(query) == "" {
			return nil, fmt.Errorf("store: migration %d %s: audit line %q must name an audited entity and a query", m.Version, m.Name, line)
		}
		if s.entity(strings.TrimSpace(entity)) == nil {
			continue
		}
		rows, err := tx.QueryContext(ctx, query)
		if err != nil {
			return nil, fmt.Errorf("store: migration %d %s: audit query: %w", m.Version, m.Name, err)
		}
		for rows.Next() {
			var org, id string
			if err := rows.Scan(&org, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: migration %d %s: audit query: %w", m.Version, m.Name, err)
			}
			out = append(out, Change{OrgID: OrgID(org), Action: "schema.migrate", Entity: strings.TrimSpace(entity), EntityID: id,
				Summary: audit.Summarise("migration", fmt.Sprintf("%04d %s", m.Version, m.Name))})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: migration %d %s: audit query: %w", m.Version, m.Name, err)
		}
	}
	return out, nil
}
