package store

import (
	"context"
	"database/sql"
	"strings"
)

// Batcher writes rows with multi-row INSERT statements of up to max rows,
// preparing the full-size statement once.
type Batcher struct {
	tx    *Tx
	table string
	cols  string
	ncol  int
	max   int
	args  []any
	full  *sql.Stmt
	// set, when not nil, receives the content hash of every row queued,
	// as entity (see TrackBulk).
	set    *BulkSet
	entity string
	hasher *rowHasher
	err    error // from TrackBulk, returned by Add
}

func NewBatcher(tx *Tx, table, cols string, ncol, max int) *Batcher {
	// args grows as rows are added and keeps its room after a flush: a
	// batcher of a few rows (most) does not pay for max of them.
	return &Batcher{tx: tx, table: table, cols: cols, ncol: ncol, max: max}
}

// add queues a row; flush writes the queued rows.
func (b *Batcher) Add(_ context.Context, vals ...any) error {
	if b.err != nil {
		return b.err
	}
	if b.set != nil {
		b.set.Add(b.entity, b.hasher.sum(vals))
	}
	b.args = append(b.args, vals...)
	return nil
}

func (b *Batcher) sql(rows int) string { return b.tx.InsertSQL(b.table, b.cols, b.ncol, rows) }

// InsertSQL is an INSERT into table's columns cols (ncol of them) of rows
// rows of placeholders, numbered from 1 in order (see Placeholder): the
// statement a Batcher writes, for a writer that adds to it (RETURNING).
func (tx *Tx) InsertSQL(table, cols string, ncol, rows int) string {
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
	n := 1
	for r := 0; r < rows; r++ {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := 0; c < ncol; c++ {
			if c > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(tx.s.dialect.bulkPlaceholder(n))
			n++
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

func (b *Batcher) Flush(ctx context.Context) error {
	defer func() { b.args = b.args[:0] }()
	for start := 0; start < len(b.args); start += b.ncol * b.max {
		part := b.args[start:min(len(b.args), start+b.ncol*b.max)]
		rows := len(part) / b.ncol
		var err error
		if rows == b.max {
			if b.full == nil {
				if b.full, err = b.tx.PrepareContext(ctx, b.sql(rows)); err != nil {
					return err
				}
			}
			_, err = b.full.ExecContext(ctx, part...)
		} else {
			_, err = b.tx.ExecContext(ctx, b.sql(rows), part...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (b *Batcher) Close() {
	if b.full != nil {
		b.full.Close()
	}
}

// ILike is the case-insensitive LIKE operator of the engine.
func (s *DB) ILike() string { return s.dialect.ilike() }

// Table is the table the batcher writes.
func (b *Batcher) Table() string { return b.table }

// Qualify puts prefix (a table alias and its dot, "e.") before each column
// of cols, a comma-separated list as the wings' *Cols constants are; a
// column given as COALESCE(col, ...) is qualified inside it, and commas
// within parentheses do not split.
func Qualify(prefix, cols string) string {
	var out []string
	depth, start := 0, 0
	for i, r := range cols + "," {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				c := strings.TrimSpace(cols[start:i])
				if rest, ok := strings.CutPrefix(c, "COALESCE("); ok {
					c = "COALESCE(" + prefix + rest
				} else {
					c = prefix + c
				}
				out = append(out, c)
				start = i + 1
			}
		}
	}
	return strings.Join(out, ", ")
}
