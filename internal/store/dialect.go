package store

import (
	"context"
	"database/sql"
	"strings"
)

// dialect holds the few places where SQLite and PostgreSQL differ.
type dialect interface {
	name() string
	// prepareMigration adapts shared migration SQL to the engine.
	prepareMigration(sql string) string
	// lockAudit serialises audit-chain appends within a transaction.
	lockAudit(ctx context.Context, tx *sql.Tx) error
	// ilike returns a case-insensitive LIKE operator.
	ilike() string
}

type sqliteDialect struct{}

func (sqliteDialect) name() string { return "sqlite" }

// sqliteMigration adapts the shared migration SQL, which is written for
// PostgreSQL, in two places only:
//   - SQLite parses time columns declared TIMESTAMP (not TIMESTAMPTZ) back
//     into time.Time;
//   - byte-order collation is COLLATE "C" on PostgreSQL and BINARY on SQLite.
var sqliteMigration = strings.NewReplacer("TIMESTAMPTZ", "TIMESTAMP", `COLLATE "C"`, "COLLATE BINARY")

func (sqliteDialect) prepareMigration(s string) string { return sqliteMigration.Replace(s) }

// SQLite transactions begin IMMEDIATE (see sqliteDSN), which already
// serialises writers.
func (sqliteDialect) lockAudit(context.Context, *sql.Tx) error { return nil }

func (sqliteDialect) ilike() string { return "LIKE" } // ASCII case-insensitive in SQLite

type postgresDialect struct{}

func (postgresDialect) name() string { return "postgres" }

func (postgresDialect) prepareMigration(s string) string { return s }

func (postgresDialect) lockAudit(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "LOCK TABLE audit_log IN EXCLUSIVE MODE")
	return err
}

func (postgresDialect) ilike() string { return "ILIKE" }
