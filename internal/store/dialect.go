package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode"
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
	// configurePool sizes the connection pool for the engine.
	configurePool(db *sql.DB)
	// oneWriter reports whether the engine admits one writing
	// transaction at a time, so that writers queue for the store's
	// writer slot (see Store.writers).
	oneWriter() bool
	// bulkPlaceholder returns the placeholder for argument n (from 1) of
	// a multi-row INSERT with thousands of arguments.
	bulkPlaceholder(n int) string
	// backup writes a consistent online copy of the database to path,
	// which does not exist yet; dsn is the database's address.
	backup(ctx context.Context, s *DB, dsn, path string) error
	// skipLocked ends the SELECT of a claim (see DB.SkipLocked).
	skipLocked() string
	// textSearch matches terms, given as parameter $n, against the
	// full-text index of table (see DB.TextSearch).
	textSearch(table string, n int, terms []string, anyTerm bool) TextSearch
	// weekStart is the Monday (UTC) of the week of time column col.
	weekStart(col string) string
}

// WeekStart returns the SQL expression for the Monday (UTC) of the week
// of the time column col, for a GROUP BY week over raw rows (the evidence
// benchmark's baseline; its charts read counts per day instead).
func (s *DB) WeekStart(col string) string { return s.dialect.weekStart(col) }

func (sqliteDialect) weekStart(col string) string { return "date(" + col + ", 'weekday 0', '-6 days')" }

func (postgresDialect) weekStart(col string) string {
	return "date_trunc('week', " + col + " AT TIME ZONE 'UTC')"
}

// TextSearch is how one engine matches a full-text query against the
// search index of a table T made by a migration pair: on SQLite an FTS5
// table T_fts with external content T (rowid doc), on PostgreSQL a
// tsvector column T.tsv with a GIN index.
type TextSearch struct {
	From  string // the FROM clause: T, joined to its index where that is a table of its own
	Where string // the match condition
	Rank  string // an expression ordering the best match first (ascending)
	Doc   string // the document's number: higher is newer, and the index reads it in order
	Arg   any    // the value of the query's parameter
}

// TextSearch returns the full-text match of q's words (all of them, or
// any of them) against table's index, as parameter $n; false when q has no
// words. Words are letters and digits, matched without case and stemmed.
func (s *DB) TextSearch(table string, n int, q string, anyTerm bool) (TextSearch, bool) {
	terms := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(terms) == 0 {
		return TextSearch{}, false
	}
	return s.dialect.textSearch(table, n, terms, anyTerm), true
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

// WAL allows many readers and one writer; writes are serialised by the
// writer slot and BEGIN IMMEDIATE. The pool is twice the requests the web
// server admits at once, so that an admitted request (even one reading
// outside its transaction) never waits. Every connection may stay idle
// in the pool: database/sql keeps only two by default, so under load the
// others were closed after each use and reopened (with their PRAGMAs) for
// the next request.
func (sqliteDialect) configurePool(db *sql.DB) {
	n := max(32, 8*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(10 * time.Minute)
}

func (sqliteDialect) oneWriter() bool { return true }

// SQLite looks up the name of each numbered parameter by a linear scan,
// which makes binding a statement with thousands of $N parameters
// quadratic; ? has no name.
func (sqliteDialect) bulkPlaceholder(int) string { return "?" }

// SQLite backs up with VACUUM INTO.
func (sqliteDialect) backup(ctx context.Context, s *DB, _, path string) error {
	if strings.ContainsRune(path, 0) {
		return errors.New("store: backup: bad file name")
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
		return s.Wrap(err, "backup to %s", path)
	}
	return nil
}

// The single writer already serialises claims: a claim's UPDATE sees
// every earlier claim committed.
func (sqliteDialect) skipLocked() string { return "" }
func (sqliteDialect) textSearch(table string, n int, terms []string, anyTerm bool) TextSearch {
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = `"` + t + `"`
	}
	sep := " "
	if anyTerm {
		sep = " OR "
	}
	// The index drives the join (CROSS JOIN fixes the order): probing
	// it once per row of T would read every document.
	return TextSearch{From: fmt.Sprintf("%[1]s_fts CROSS JOIN %[1]s ON %[1]s.doc = %[1]s_fts.rowid", table),
		Where: fmt.Sprintf("%s_fts MATCH $%d", table, n), Rank: table + "_fts.rank", Doc: table + "_fts.rowid", Arg: strings.Join(quoted, sep)}
}

type postgresDialect struct{}

func (postgresDialect) name() string { return "postgres" }

func (postgresDialect) prepareMigration(s string) string { return s }

func (postgresDialect) lockAudit(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "LOCK TABLE audit_log IN EXCLUSIVE MODE")
	return err
}

func (postgresDialect) ilike() string { return "ILIKE" }

func (postgresDialect) configurePool(db *sql.DB) {
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
}

// PostgreSQL writers wait only for the rows they lock.
func (postgresDialect) oneWriter() bool { return false }

func (postgresDialect) bulkPlaceholder(n int) string { return "$" + strconv.Itoa(n) }

func (postgresDialect) textSearch(table string, n int, terms []string, anyTerm bool) TextSearch {
	sep := " & "
	if anyTerm {
		sep = " | "
	}
	q := fmt.Sprintf("to_tsquery('english', $%d)", n)
	return TextSearch{From: table, Where: fmt.Sprintf("%s.tsv @@ %s", table, q), Rank: fmt.Sprintf("-ts_rank(%s.tsv, %s)", table, q), Doc: table + ".doc", Arg: strings.Join(terms, sep)}
}

// PostgreSQL backs up with pg_dump (custom format), when it is on PATH.
func (postgresDialect) backup(ctx context.Context, _ *DB, dsn, path string) error {
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		return errors.New("store: backup: pg_dump is not on PATH; install the PostgreSQL client tools (Debian: apt-get install postgresql-client) or run pg_dump -Fc against the database yourself")
	}
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--file="+path, "--dbname="+dsn)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("store: backup: pg_dump failed: %s", strings.TrimSpace(string(out)))
	}
	return nil
}

// Rows another transaction has locked are skipped, not waited for, so
// concurrent claims take disjoint rows.
func (postgresDialect) skipLocked() string { return " FOR UPDATE SKIP LOCKED" }

// SkipLocked returns the clause to append to the SELECT of a work-queue
// claim run in a writing transaction (as mail's outbox does: UPDATE ...
// WHERE id IN (SELECT id ... LIMIT n + SkipLocked())): on PostgreSQL
// " FOR UPDATE SKIP LOCKED", so that workers claiming at once lock
// disjoint rows; on SQLite nothing, as the one writer runs claims one
// after another.
func (s *DB) SkipLocked() string { return s.dialect.skipLocked() }
