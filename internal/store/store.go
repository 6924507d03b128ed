// Package store is the database kernel of clinsafe, for SQLite
// (modernc.org/sqlite) and PostgreSQL (pgx): DB, transactions with their
// audit entries, error mapping, the dialect, the one ordered stream of
// migrations, organisations, people, sessions and tokens, signatures and
// the bulk writer. Each pillar's SQL is in the pillar's own db package
// (riskdb, devicesdb), on this DB. Every method that changes state owns
// one transaction and writes its audit entry inside it, so a failed
// request leaves nothing half-written. Every query on organisation data is
// scoped by organisation.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
)

// Clock returns the current time. Tests inject a fixed clock.
type Clock func() time.Time

// DB is a clinsafe database: the kernel that every wing's SQL runs on. It
// owns the connection pool, the dialect, the clock, transactions (Tx) and
// the audit trail (Tx.Audit), and maps driver errors to error kinds (Wrap,
// One, NotFound).
type DB struct {
	db      *sql.DB
	dialect dialect
	now     Clock
	// writers admits one writing transaction at a time on SQLite, so that
	// writers queue here and are woken at once, rather than each holding a
	// pooled connection while SQLite's busy handler sleeps and retries
	// (which under load starves readers of connections and adds tens of
	// milliseconds per wait). Nil on PostgreSQL, which has row locks.
	writers chan struct{}
	// group queues SQLite's writing transactions for the committer (see
	// Tx); nil on PostgreSQL.
	group     chan *groupReq
	groupOnce sync.Once
	// groups and grouped count the group commits and the writers they
	// committed (GroupCommits).
	groups, grouped atomic.Int64
	// closed is closed by Close, which ends the committer.
	closed    chan struct{}
	closeOnce sync.Once
	// content is the content registry: the kernel's audited entities and
	// the wings' (see Open).
	content *registry
	// stmts keeps the recurring statements of writing transactions
	// prepared (SQLite; nil on PostgreSQL, see stmtCache).
	stmts *stmtCache
	// wrote wakes the SQLite checkpointer after a commit (nil on
	// PostgreSQL).
	wrote chan struct{}
	// checkpointerDone is closed when the checkpointer has stopped.
	checkpointerDone chan struct{}
	// seal chains PostgreSQL's queued audit entries (see audit_seal.go).
	seal sealer
	// commitTimes and holdTimes are the recent durations of SQLite's
	// commits and of the checkpointer's holds of the writer slot (see
	// CommitTimings).
	commitTimes, holdTimes timings
}

// checkpoints copies the SQLite write-ahead log into the database in the
// background after commits, at most every checkpointEvery, without
// waiting for readers or writers (PASSIVE), so that no commit pays for a
// checkpoint; Close empties the log (see emptyLog) once the checkpointer
// has stopped.
func (s *DB) checkpoints() {
	defer close(s.checkpointerDone)
	for {
		select {
		case <-s.wrote:
		case <-s.closed:
			return
		}
		var busy, frames, copied int
		err := s.db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
		if err == nil && frames > walLimit {
			// Writing without pause, the log is never free to start again
			// from its beginning: so once it is long, writers wait while
			// the rest is copied and readers move on, and the next commit
			// writes the log from its beginning again.
			s.restartLog()
		}
		select {
		case <-time.After(checkpointEvery):
		case <-s.closed:
			return
		}
	}
}

const checkpointEvery = 200 * time.Millisecond

// emptyLog copies the whole SQLite write-ahead log into the database file
// and empties it (Close).
func (s *DB) emptyLog() { s.checkpointHolding("TRUNCATE") }

// restartLog copies the whole write-ahead log into the database file and
// has the next commit write the log from its beginning, over the file's
// blocks already on disk. It keeps the file: a commit that only
// overwrites the log waits for its own data to reach the disk, where
// one that makes the file longer waits, on ext4 and the like, for the
// file system's journal and with it for whatever other files are being
// written (the database's own checkpoint, other programs).
func (s *DB) restartLog() { s.checkpointHolding("RESTART") }

// checkpointHolding runs a blocking checkpoint while holding the writer
// slot, so that no writer waits on SQLite's busy handler meanwhile (the
// checkpoint also waits for readers, up to the busy timeout). A failure
// leaves the log as it was, for the next checkpoint.
func (s *DB) checkpointHolding(mode string) {
	if unlock, err := s.lockWrites(context.Background()); err == nil {
		t := time.Now()
		_, _ = s.db.Exec(`PRAGMA wal_checkpoint(` + mode + `)`)
		unlock()
		s.holdTimes.add(time.Since(t))
	}
}

// walLimit is the length of the write-ahead log, in pages, past which the
// checkpointer restarts it (about 16 MB of 4 kB pages).
const walLimit = 4096

// committed wakes the checkpointer.
func (s *DB) committed() {
	if s.wrote != nil {
		select {
		case s.wrote <- struct{}{}:
		default:
		}
	}
}

// Open connects to dsn (sqlite:PATH or postgres://...) and checks the
// connection. It does not migrate. content lists the wings' audited
// entities (app.Content gives every wing's): the DB audits and
// deep-checks those and the kernel's own, and refuses to audit a change
// to any other entity. Open fails if two entities share a name or a
// table, or an entity is malformed.
func Open(ctx context.Context, dsn string, content ...Entity) (*DB, error) {
	reg, err := newRegistry(content)
	if err != nil {
		return nil, err
	}
	var (
		db *sql.DB
		d  dialect
	)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		d = sqliteDialect{}
		db, err = sql.Open("sqlite", sqliteDSN(strings.TrimPrefix(dsn, "sqlite:")))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d = postgresDialect{}
		db, err = sql.Open("pgx", dsn)
	default:
		return nil, errors.New("store: database must be sqlite:PATH or a postgres:// URL")
	}
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	d.configurePool(db)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: cannot reach the %s database: %w", d.name(), err)
	}
	st := &DB{db: db, dialect: d, now: func() time.Time { return time.Now().UTC() }, content: reg, closed: make(chan struct{})}
	if d.oneWriter() {
		st.writers = make(chan struct{}, 1)
		st.group = make(chan *groupReq)
		st.stmts = newStmtCache()
		st.wrote = make(chan struct{}, 1)
		st.checkpointerDone = make(chan struct{})
		go st.checkpoints()
	} else {
		// Also chains what a stopped process left queued (see sealEvery).
		st.startSealer()
	}
	return st, nil
}

// sqliteDSN puts every connection setting in the DSN so each pooled
// connection gets it: busy timeout first, then WAL, synchronous FULL (an
// acknowledged report is never lost), foreign keys, and immediate
// transactions so writers queue instead of failing to upgrade a lock.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	// Checkpoints run in the background (see checkpoints), not in the
	// commit that happens to fill the WAL, whose writers would all wait.
	q.Add("_pragma", "wal_autocheckpoint(0)")
	// A log that a burst made longer is cut back to this when it restarts
	// (see restartLog), and otherwise kept, to be written over.
	q.Add("_pragma", "journal_size_limit(67108864)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	return "file:" + path + "?" + q.Encode()
}

// SetClock replaces the store's clock (tests).
func (s *DB) SetClock(c Clock) { s.now = func() time.Time { return c().UTC() } }

// Now returns the store's current time in UTC.
func (s *DB) Now() time.Time { return s.now() }

// Engine names the database engine: "sqlite" or "postgres".
func (s *DB) Engine() string { return s.dialect.name() }

// SQL exposes the database/sql handle for tests and benchmarks.
func (s *DB) SQL() *sql.DB { return s.db }

// Close closes the database.
//
// On SQLite it first stops the checkpointer and copies the whole
// write-ahead log into the database file: database/sql closes a
// connection still in use only when it is given back, after Close has
// returned, so the file alone (copied, say, as a template) would lack
// what is still in the log.
func (s *DB) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	s.seal.once.Do(func() {}) // no sealer starts after this
	if s.seal.done != nil {
		<-s.seal.done
	}
	if s.checkpointerDone != nil {
		<-s.checkpointerDone
		s.emptyLog()
	}
	s.stmts.close()
	return s.db.Close()
}

// Ping checks the database answers (readiness).
func (s *DB) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// NewID returns a new UUIDv7 as a string.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// ErrCommit is in the error of a Tx whose commit itself failed: unlike a
// failure before the commit, which stores nothing, the changes may then
// have been stored.
var ErrCommit = errors.New("store: commit")

// Tx is a writing transaction opened by Store.Tx. It embeds the
// *sql.Tx, so queries run on it as usual; Audit writes the change's audit
// entry in it.
type Tx struct {
	*sql.Tx
	s *DB
	// depth counts nested follower calls (see Audit).
	depth int
	// pending are the audit entries made in the transaction, chained and
	// written just before it commits (see chainAudit).
	pending []audit.Entry
	// queued is set once the transaction has queued audit entries for the
	// sealer (PostgreSQL).
	queued bool
	// direct is set once a long transaction chains its own entries (see
	// chainIfLong).
	direct bool
	// states are what the writers of the changes whose followers are
	// running said of their entities (see AuditWith), innermost last.
	states []txState
	// deferred are the writes followers gathered to make once, before
	// the transaction commits (see Defer), in the order first asked for.
	deferred []deferredWrite
}

// txState is the state of one entity that the writer of a change gave
// with it (AuditWith), v, nil once a later change of the entity made it
// stale; or, when many is set, the states of many entities of one kind
// that the writer of a batch gave (AuditBatchWith), by id, an id
// dropped once stale.
type txState struct {
	entity, id string
	v          any
	many       map[string]any
}

// Audit makes the audit entry for c in the transaction (see appendAudit);
// the entries of a transaction are chained to the log, in the order they
// were made, when it commits. Call it after the change's last write to
// the entity.
//
// Then the followers of c.Entity (see Entity.Follows) run in the same
// transaction, in the order they were listed; an error from one fails the
// change. A follower's own audited changes reach its followers in turn,
// to a depth of 4, which only a loop of followers exceeds.
func (tx *Tx) Audit(ctx context.Context, c Change) error { return tx.AuditWith(ctx, c, nil) }

// AuditWith is Audit for a writer that holds the changed entity as it
// stands after the change (the row its last write returned): while the
// followers of c run, State(c.Entity, c.EntityID) returns state, so that
// they need not read the entity again. state must be exactly what a read
// in tx would find then. It is dropped when the followers are done, and
// as soon as a follower's own change to the same entity is audited, as
// that change made it stale. A nil state is Audit.
func (tx *Tx) AuditWith(ctx context.Context, c Change, state any) error {
	tx.forgetStates(c)
	if err := tx.s.appendAudit(ctx, tx, c); err != nil {
		return err
	}
	fs := tx.s.content.followers[c.Entity]
	if len(fs) == 0 {
		return nil
	}
	if tx.depth >= 4 {
		return fmt.Errorf("store: audit %s: followers nested too deep (a loop of followers?)", c.Action)
	}
	tx.depth++
	n := len(tx.states)
	if state != nil && c.EntityID != "" {
		tx.states = append(tx.states, txState{entity: c.Entity, id: c.EntityID, v: state})
	}
	defer func() { tx.depth--; tx.states = tx.states[:n] }()
	for _, f := range fs {
		if err := f.OnChange(ctx, tx, c); err != nil {
			return fmt.Errorf("store: %s after %s: %w", f.Name, c.Action, err)
		}
	}
	return nil
}

// State returns the state of entity id that the writer of the change
// being followed gave with it (see AuditWith), or nil: a follower that
// gets nil reads the entity as usual.
func (tx *Tx) State(entity, id string) any {
	for i := len(tx.states) - 1; i >= 0; i-- {
		st := tx.states[i]
		if st.entity != entity {
			continue
		}
		if st.many != nil {
			if v, ok := st.many[id]; ok {
				return v
			}
			continue
		}
		if st.id == id {
			return st.v
		}
	}
	return nil
}

// forgetStates drops the states given for the entities that cs change
// (see AuditWith): they are stale from that change on.
func (tx *Tx) forgetStates(cs ...Change) {
	if len(tx.states) == 0 {
		return
	}
	for i := range tx.states {
		st := &tx.states[i]
		for _, c := range cs {
			switch {
			case st.entity != c.Entity:
			case st.many != nil:
				delete(st.many, c.EntityID)
			case st.id == c.EntityID:
				st.v = nil
			}
		}
	}
}

// Now returns the store's current time in UTC, as DB.Now: for a write in
// the transaction that has only the Tx (mail.Enqueue).
func (tx *Tx) Now() time.Time { return tx.s.now() }

// Tx runs fn in one writing transaction. It commits when fn returns nil
// and rolls back when fn returns an error or panics (the panic then goes
// on), so a connection is never left in a transaction.
//
// On SQLite, where one writer runs at a time and each commit waits for
// the disk (synchronous=FULL), writing transactions are committed in
// groups (see commitGroups): fn runs inside a savepoint of a transaction
// shared with the other writers queued at that moment, and Tx returns
// only when that transaction has committed, so an acknowledged change is
// on disk and a refused one left nothing. One fn's error or panic rolls
// back its own savepoint only.
func (s *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	if s.group == nil {
		return s.soloTx(ctx, fn)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: wait to write: %w", err)
	}
	s.groupOnce.Do(func() { go s.commitGroups() })
	req := &groupReq{ctx: ctx, fn: fn, done: make(chan groupResult, 1)}
	select {
	case s.group <- req:
	case <-ctx.Done():
		return fmt.Errorf("store: wait to write: %w", ctx.Err())
	case <-s.closed:
		return errors.New("store: the database is closed")
	}
	// Once queued, wait for the outcome even if ctx ends: fn may be
	// running, and its caller must learn whether it committed.
	res := <-req.done
	if res.panicked {
		panic(res.panic)
	}
	return res.err
}

// soloTx is Tx in a transaction of its own (PostgreSQL, whose writers
// wait only for the rows they lock).
func (s *DB) soloTx(ctx context.Context, fn func(tx *Tx) error) error {
	unlock, err := s.lockWrites(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", s.MapErr(err))
	}
	// Deferred, so it runs on a panic too, before the writer slot is
	// released; after a commit it does nothing.
	defer tx.Rollback()
	t := &Tx{Tx: tx, s: s}
	if err := fn(t); err != nil {
		return err
	}
	if err := t.finish(ctx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%w: %w", ErrCommit, s.MapErr(err))
	}
	if t.queued {
		s.awaitSeal(ctx)
	}
	return nil
}

// maxGroup bounds how many writers one group commit takes, so that the
// first of them does not wait for an unbounded queue.
const maxGroup = 64

// groupReq is one writer waiting for a group commit.
type groupReq struct {
	ctx  context.Context
	fn   func(tx *Tx) error
	done chan groupResult
}

type groupResult struct {
	err      error
	panicked bool
	panic    any
}

// commitGroups is the SQLite committer, one goroutine for the DB's life:
// it takes the writers queued at the moment (up to maxGroup) and runs
// them in one transaction.
func (s *DB) commitGroups() {
	for {
		var first *groupReq
		select {
		case first = <-s.group:
		case <-s.closed:
			return
		}
		batch := []*groupReq{first}
	drain:
		for len(batch) < maxGroup {
			select {
			case r := <-s.group:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.runGroup(batch)
	}
}

// runGroup runs batch in one transaction, each writer in a savepoint. A
// writer whose fn fails is rolled back to its savepoint; the others
// commit together. Every writer is told its outcome once the transaction
// has ended (committed or rolled back), so that when Tx returns its
// connection is free. Should the transaction itself fail (a savepoint
// cannot be rolled back to, the commit fails), every writer whose fn had
// succeeded gets that error, and nothing of theirs was written.
func (s *DB) runGroup(batch []*groupReq) {
	results := make([]groupResult, len(batch))
	ok := make([]bool, len(batch))
	// finish ends the transaction (a no-op after a commit) and tells
	// every writer; err, when set, replaces the success of those whose fn
	// succeeded and the outcome of those never run.
	finish := func(tx *sql.Tx, ran int, err error) {
		if tx != nil {
			tx.Rollback()
		}
		for i, r := range batch {
			res := results[i]
			if err != nil && (i >= ran || ok[i]) {
				res = groupResult{err: err}
			}
			r.done <- res
		}
	}
	unlock, err := s.lockWrites(context.Background())
	if err != nil {
		finish(nil, 0, err)
		return
	}
	defer unlock()
	tx, err := s.db.BeginTx(context.Background(), nil)
	if err != nil {
		finish(nil, 0, fmt.Errorf("store: begin: %w", s.MapErr(err)))
		return
	}
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = groupResult{err: fmt.Errorf("store: wait to write: %w", err)}
			continue
		}
		if _, err := tx.Exec(`SAVEPOINT writer`); err != nil {
			finish(tx, i, fmt.Errorf("store: savepoint: %w", s.MapErr(err)))
			return
		}
		results[i] = runWriter(r, &Tx{Tx: tx, s: s})
		if results[i].err != nil || results[i].panicked {
			if _, err := tx.Exec(`ROLLBACK TO writer`); err != nil {
				// The transaction is gone (SQLite rolls back the whole
				// transaction on some errors): nothing of the batch
				// stands.
				finish(tx, i+1, fmt.Errorf("store: group commit: %w", s.MapErr(err)))
				return
			}
		} else {
			ok[i] = true
		}
		if _, err := tx.Exec(`RELEASE writer`); err != nil {
			finish(tx, i+1, fmt.Errorf("store: release savepoint: %w", s.MapErr(err)))
			return
		}
	}
	n := 0
	for _, o := range ok {
		if o {
			n++
		}
	}
	t := time.Now()
	if err := tx.Commit(); err != nil {
		finish(tx, len(batch), fmt.Errorf("%w: %w", ErrCommit, s.MapErr(err)))
		return
	}
	s.commitTimes.add(time.Since(t))
	s.groups.Add(1)
	s.grouped.Add(int64(n))
	s.committed()
	finish(nil, len(batch), nil)
}

// GroupCommits returns how many group commits the DB has made and how
// many writers they committed (0, 0 on PostgreSQL).
func (s *DB) GroupCommits() (groups, writers int64) { return s.groups.Load(), s.grouped.Load() }

// runWriter runs one writer's fn, catching a panic so that it goes on in
// the writer's own goroutine (see Tx).
func runWriter(r *groupReq, tx *Tx) (res groupResult) {
	defer func() {
		if p := recover(); p != nil {
			res = groupResult{panicked: true, panic: p}
		}
	}()
	if err := r.fn(tx); err != nil {
		return groupResult{err: err}
	}
	return groupResult{err: tx.finish(r.ctx)}
}

// lockWrites waits for the SQLite writer slot (see Store.writers); it
// returns at once on PostgreSQL.
func (s *DB) lockWrites(ctx context.Context) (func(), error) {
	if s.writers == nil {
		return func() {}, nil
	}
	select {
	case s.writers <- struct{}{}:
		return func() { <-s.writers }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("store: wait to write: %w", ctx.Err())
	}
}

// exec runs one statement that writes outside a transaction, taking the
// writer slot like Tx.
func (s *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	unlock, err := s.lockWrites(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	defer s.committed()
	return s.db.ExecContext(ctx, query, args...)
}

// Querier is satisfied by *sql.DB, *sql.Tx and *Tx: what a read needs.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// mapErr turns driver errors into domain kinds: no rows becomes NotFound,
// unique violations Conflict, foreign-key violations Invalid.
func (s *DB) MapErr(err error) error {
	if err == nil {
		return nil
	}
	if NoRows(err) {
		return &apperr.Error{Kind: apperr.NotFound, Message: "Not found", Err: err}
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &apperr.Error{Kind: apperr.Conflict, Message: "That already exists", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &apperr.Error{Kind: apperr.Invalid, Message: "That refers to something that does not exist", Err: err}
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &apperr.Error{Kind: apperr.Conflict, Message: "That already exists", Err: err}
		case "23503":
			return &apperr.Error{Kind: apperr.Invalid, Message: "That refers to something that does not exist", Err: err}
		case "40P01", "40001":
			// A deadlock or serialisation failure: PostgreSQL rolled the
			// transaction back (a long import holding the audit log's
			// lock can meet a writer this way), so nothing of it stands.
			return &apperr.Error{Kind: apperr.Conflict, Message: "This change met another made at the same moment and was not saved. Please try again.", Err: err}
		}
	}
	return err
}

// NoRows reports whether err says a query found no row. It is the one
// place the store recognises database/sql's "no rows": a lookup of one
// row maps its error with DB.One, and a query whose missing row means
// something else (an optional row, a failed sign-in) asks NoRows.
func NoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// One maps the error of a query for one row: nil stays nil, no row is
// NotFound naming what ("Hazard" gives "Hazard was not found"), and any
// other error is wrapped with what was being done, as by DB.Wrap.
func (s *DB) One(err error, what, format string, args ...any) error {
	if NoRows(err) {
		return NotFound(what)
	}
	return s.Wrap(err, format, args...)
}

// NotFound returns a NotFound error naming what was looked for.
func NotFound(what string) error {
	return apperr.New(apperr.NotFound, "%s was not found", what)
}

// Wrap adds what was being done to a mapped error: the wings call it on
// every database error they return.
func (s *DB) Wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store: "+format+": %w", append(args, s.MapErr(err))...)
}
