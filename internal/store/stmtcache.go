package store

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// SQLite parses every statement each time it runs (the driver keeps no
// cache), and on a busy instance parsing took about half of the single
// writer's time. So on SQLite a writing transaction's statements that
// recur are prepared once per connection and kept: a statement text seen
// stmtCacheAfter times is prepared on the pool (database/sql then keeps
// it prepared on each connection it has run on, see Tx.StmtContext). The
// cache is bounded, and statements made of several statements or many
// parameters (bulk inserts, IN lists) are never kept. PostgreSQL's driver
// already caches prepared statements per connection.
const (
	stmtCacheAfter = 3
	stmtCacheMax   = 512
	stmtCacheArgs  = 64
)

type stmtCache struct {
	mu    sync.Mutex
	seen  map[string]int
	stmts map[string]*sql.Stmt
}

func newStmtCache() *stmtCache {
	return &stmtCache{seen: map[string]int{}, stmts: map[string]*sql.Stmt{}}
}

// get returns the kept statement for query, or nil when query is not (or
// not yet) kept.
func (c *stmtCache) get(ctx context.Context, db *sql.DB, query string, nargs int) *sql.Stmt {
	if c == nil || nargs > stmtCacheArgs || strings.Contains(strings.TrimRight(query, " \t\n;"), ";") {
		return nil
	}
	c.mu.Lock()
	if st, ok := c.stmts[query]; ok {
		c.mu.Unlock()
		return st
	}
	if len(c.stmts) >= stmtCacheMax {
		c.mu.Unlock()
		return nil
	}
	c.seen[query]++
	if c.seen[query] < stmtCacheAfter {
		if len(c.seen) > 4*stmtCacheMax {
			clear(c.seen) // one-off statements: start counting again
		}
		c.mu.Unlock()
		return nil
	}
	delete(c.seen, query)
	c.mu.Unlock()
	// Prepared outside the lock (it takes a pooled connection); a
	// statement that does not prepare runs uncached and reports its error
	// there.
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if kept, ok := c.stmts[query]; ok {
		st.Close()
		return kept
	}
	c.stmts[query] = st
	return st
}

// close closes every kept statement.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}

// ExecContext runs query in the transaction, through the statement cache
// on SQLite.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := tx.s.stmts.get(ctx, tx.s.db, query, len(args)); st != nil {
		ts := tx.Tx.StmtContext(ctx, st)
		defer ts.Close()
		return ts.ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs query in the transaction, through the statement
// cache on SQLite.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := tx.s.stmts.get(ctx, tx.s.db, query, len(args)); st != nil {
		return tx.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query in the transaction, through the statement
// cache on SQLite.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := tx.s.stmts.get(ctx, tx.s.db, query, len(args)); st != nil {
		return tx.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}
