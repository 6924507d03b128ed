package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
)

// On PostgreSQL a writing transaction does not chain its own audit
// entries. Chaining needs the head of the log, so one writer at a time
// may do it, and PostgreSQL keeps a lock until the commit has been
// flushed to disk: every audited change in the instance waited for every
// other's flush, in turn (about 100 a second, whatever the cores).
// Instead the transaction writes its entries to audit_queue, with no
// lock, and commits; the sealer then moves every queued entry onto the
// chain (audit_log) in one transaction, many at a time, and the writer's
// Tx returns once a pass of the sealer that began after its commit is
// over. So, as before, when Tx returns its entries are on the chain, and
// a change and its entries are committed together or not at all. The
// chain's order is the order of sealing: entries of transactions that
// commit close together may be chained in an order other than their
// times. SQLite, with one writer, chains in the writing transaction.

// sealBatch bounds the entries one sealing transaction moves.
const sealBatch = 1000

// sealWait bounds how long a writer waits for its entries to be chained.
// Its change is committed whatever happens: if the sealer cannot chain
// (the database is failing), the entries stay queued, safe, for the next
// pass, and the writer is not told its committed change failed.
var sealWait = 2 * time.Second

// sealEvery is how often the sealer looks for entries it was not told
// of: those of another clinsafe process on the same database that stopped
// before chaining them.
const sealEvery = 2 * time.Second

// sealer runs the passes for one DB (PostgreSQL).
type sealer struct {
	once sync.Once
	kick chan struct{}
	mu   sync.Mutex
	// next is closed when the next pass to begin is over.
	next chan struct{}
	done chan struct{} // closed when the sealer has stopped
	// hold is held by each pass (and by tests that stop the sealer).
	hold sync.Mutex
	// ready is set once the database is known to have the queue.
	ready atomic.Bool
}

// start starts s's goroutine once.
func (s *DB) startSealer() {
	s.seal.once.Do(func() {
		s.seal.kick = make(chan struct{}, 1)
		s.seal.next = make(chan struct{})
		s.seal.done = make(chan struct{})
		go s.sealLoop()
	})
}

func (s *DB) sealLoop() {
	defer close(s.seal.done)
	t := time.NewTicker(sealEvery)
	defer t.Stop()
	for {
		select {
		case <-s.closed:
			s.sealPass()
			return
		case <-s.seal.kick:
		case <-t.C:
		}
		s.sealPass()
	}
}

// sealPass chains every queued entry, then wakes the writers that waited
// for a pass to begin.
func (s *DB) sealPass() {
	s.seal.mu.Lock()
	over := s.seal.next
	s.seal.next = make(chan struct{})
	s.seal.mu.Unlock()
	defer close(over)
	s.seal.hold.Lock()
	defer s.seal.hold.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A failure leaves the entries queued, safe, for the next pass.
	s.SealAudit(ctx)
}

// awaitSeal waits, after a commit that queued audit entries, for a pass
// of the sealer that begins after it (see sealWait).
func (s *DB) awaitSeal(ctx context.Context) {
	s.startSealer()
	s.seal.mu.Lock()
	over := s.seal.next
	s.seal.mu.Unlock()
	select {
	case s.seal.kick <- struct{}{}:
	default:
	}
	t := time.NewTimer(sealWait)
	defer t.Stop()
	select {
	case <-over:
	case <-ctx.Done():
	case <-t.C:
	}
}

// SealAudit chains every audit entry waiting in the queue (PostgreSQL; on
// SQLite nothing waits) and returns how many it chained. Writers wait for
// their own, so callers need this only to chain what a stopped process
// left queued.
func (s *DB) SealAudit(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.sealSome(ctx)
		total += n
		if err != nil || n < sealBatch {
			return total, err
		}
	}
}

// sealSome chains up to sealBatch queued entries, oldest first, in one
// transaction that locks the log against other sealers.
func (s *DB) sealSome(ctx context.Context) (int, error) {
	if ok, err := s.queueing(ctx, s.db); !ok || err != nil {
		return 0, err
	}
	// By the primary key, oldest first: the queue's table is mostly rows
	// already taken and not yet vacuumed, which a scan of the table reads
	// and the index skips.
	var first int64
	switch err := s.db.QueryRowContext(ctx, `SELECT qid FROM audit_queue ORDER BY qid LIMIT 1`).Scan(&first); {
	case NoRows(err):
		return 0, nil
	case err != nil:
		return 0, s.Wrap(err, "look for queued audit entries")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.Wrap(err, "begin sealing audit entries")
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL clinsafe.sealing = 'on'`); err != nil {
		return 0, s.Wrap(err, "begin sealing audit entries")
	}
	if err := s.dialect.lockAudit(ctx, tx); err != nil {
		return 0, s.Wrap(err, "lock audit log")
	}
	// The entries are taken from the queue and chained in one statement
	// each, and the transaction moves them or leaves them all queued.
	// The qids are found, and the rows then deleted, by the primary key:
	// as "qid IN (subquery)" the planner joined the queue by scanning the
	// whole table, every pass, dead rows and all (most of the sealer's
	// time under load).
	rows, err := tx.QueryContext(ctx, `DELETE FROM audit_queue WHERE qid = ANY (ARRAY(SELECT qid FROM audit_queue WHERE qid >= $1 ORDER BY qid LIMIT `+fmt.Sprint(sealBatch)+`))
		RETURNING qid, id, at, COALESCE(org_id, ''), COALESCE(actor_id, ''), actor_name, action, entity, entity_id, summary, request_id, content_hash`, first)
	if err != nil {
		return 0, s.Wrap(err, "take queued audit entries")
	}
	type queued struct {
		qid int64
		e   audit.Entry
	}
	var taken []queued
	for rows.Next() {
		var q queued
		e := &q.e
		if err := rows.Scan(&q.qid, &e.ID, &e.At, &e.OrgID, &e.ActorID, &e.ActorName, &e.Action, &e.Entity, &e.EntityID, &e.Summary, &e.RequestID, &e.ContentHash); err != nil {
			rows.Close()
			return 0, s.Wrap(err, "take queued audit entries")
		}
		e.At = e.At.UTC()
		taken = append(taken, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, s.Wrap(err, "take queued audit entries")
	}
	if len(taken) == 0 {
		return 0, nil
	}
	// RETURNING keeps no order: the chain takes them as queued.
	slices.SortFunc(taken, func(a, b queued) int { return cmp.Compare(a.qid, b.qid) })
	entries := make([]audit.Entry, len(taken))
	for i, q := range taken {
		entries[i] = q.e
	}
	t := &Tx{Tx: tx, s: s}
	if err := t.chainOnto(ctx, entries); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, s.Wrap(err, "commit sealed audit entries")
	}
	return len(entries), nil
}

// queueing reports whether the database has the queue (migration 0029):
// a migration before it that audits a change chains it itself.
func (s *DB) queueing(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (bool, error) {
	if s.dialect.oneWriter() {
		return false, nil
	}
	if s.seal.ready.Load() {
		return true, nil
	}
	var ok bool
	if err := q.QueryRowContext(ctx, `SELECT to_regclass('audit_queue') IS NOT NULL`).Scan(&ok); err != nil {
		return false, s.Wrap(err, "look for the audit queue")
	}
	if ok {
		s.seal.ready.Store(true)
	}
	return ok, nil
}

// queueAudit writes tx's kept entries to the queue, for the sealer.
func (tx *Tx) queueAudit(ctx context.Context) error {
	b := NewBatcher(tx, "audit_queue", "id, at, org_id, actor_id, actor_name, action, entity, entity_id, summary, request_id, content_hash", 11, auditRows)
	defer b.Close()
	for _, e := range tx.pending {
		if err := b.Add(ctx, e.ID, e.At, Nullable(e.OrgID), Nullable(e.ActorID), e.ActorName, e.Action, e.Entity, e.EntityID,
			e.Summary, e.RequestID, e.ContentHash); err != nil {
			return tx.s.Wrap(err, "queue audit entries")
		}
	}
	if err := b.Flush(ctx); err != nil {
		return tx.s.Wrap(err, "queue audit entries")
	}
	tx.queued = true
	tx.pending = nil
	return nil
}
