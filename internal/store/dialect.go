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

// SQLite parses time columns declared TIMESTAMP (not TIMESTAMPTZ) back into
// time.Time, so shared migrations say TIMESTAMPTZ and SQLite gets TIMESTAMP.
func (sqliteDialect) prepareMigration(s string) string {
	return strings.ReplaceAll(s, "TIMESTAMPTZ", "TIMESTAMP")
}

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
