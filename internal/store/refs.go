package store

import (
	"context"
	"fmt"
)

// NextRefs reserves n consecutive values of an organisation's reference
// counter inside tx, with one statement, and returns the first: the
// values are first .. first+n-1, as n calls of NextRef would give, and
// are never given again (a bulk import numbering its records).
func (s *DB) NextRefs(ctx context.Context, tx *Tx, orgID OrgID, scope string, n int) (int64, error) {
	if n < 1 {
		return 0, fmt.Errorf("store: next references %s: %d is not a number of references", scope, n)
	}
	var last int64
	err := tx.QueryRowContext(ctx, nextRefSQL, orgID, scope, n).Scan(&last)
	if err != nil {
		return 0, s.Wrap(err, "next references %s", scope)
	}
	return last - int64(n) + 1, nil
}

// Placeholder is the placeholder of argument n (from 1) in a statement of
// many arguments (an IN list, a multi-row INSERT): "$n" on PostgreSQL,
// "?" on SQLite, which looks each "$n" up in a list, so that a statement
// of thousands takes long to parse. A statement uses one kind only.
func (s *DB) Placeholder(n int) string { return s.dialect.bulkPlaceholder(n) }

// Placeholder is DB.Placeholder of tx's engine.
func (tx *Tx) Placeholder(n int) string { return tx.s.dialect.bulkPlaceholder(n) }
