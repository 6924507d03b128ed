package store

import "context"

// A Deferred is what a follower gathers over a whole transaction and
// writes once, just before the transaction commits (see Tx.Defer): the
// sums of many changes of one derived row, say, which written change by
// change would rewrite the row each time.
type Deferred interface {
	Write(ctx context.Context, tx *Tx) error
}

type deferredWrite struct {
	key string
	d   Deferred
}

// Defer returns the Deferred that tx keeps under key, made by mk the
// first time key is asked for in the transaction. Every Deferred of a
// transaction is written, in the order its key was first asked for, once
// the writer's function has returned nil and before the transaction's
// audit entries are chained and it commits; an error from one fails the
// transaction as the function's own would, so nothing of it is written.
// (On SQLite, whose writers share a transaction, each writer's are
// written at the end of its own savepoint.)
//
// Until then what a Deferred holds is not in the database: a read of its
// rows in the transaction finds them as they were before it.
func (tx *Tx) Defer(key string, mk func() Deferred) Deferred {
	for _, w := range tx.deferred {
		if w.key == key {
			return w.d
		}
	}
	d := mk()
	tx.deferred = append(tx.deferred, deferredWrite{key, d})
	return d
}

// finish writes tx's Deferreds and then chains its audit entries: what
// every writing transaction does once its function has succeeded, before
// it commits. A Deferred asked for while another is written is written
// too, after it.
func (tx *Tx) finish(ctx context.Context) error {
	for i := 0; i < len(tx.deferred); i++ {
		if err := tx.deferred[i].d.Write(ctx, tx); err != nil {
			return err
		}
	}
	tx.deferred = nil
	return tx.chainAudit(ctx)
}
