// Package outbox holds what clinsafe's durable outboxes (email in
// internal/mail, LFPSE submissions in internal/fhir/lfpse) share: each
// keeps its rows in its own table and claims them with a lease, and paces
// its attempts, names its workers and polls in the same way.
package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/store"
)

// WorkerName names this process's worker in an outbox's locked_by: the
// host, the process id and a random suffix, so that two workers never
// share a name.
func WorkerName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b)
}

// Backoff is the wait after a failed attempt when attempts had been made
// before it: at random up to min(base * 2^attempts, most) (full jitter,
// so that rows that failed together do not all come back together), and
// at least a second (or base, when shorter).
func Backoff(base, most time.Duration, attempts int) time.Duration {
	limit := most
	if attempts < 40 {
		if d := base << attempts; d > 0 && d < limit {
			limit = d
		}
	}
	d := time.Duration(mrand.Int64N(int64(limit) + 1))
	return max(d, min(time.Second, base))
}

// Poll runs pass at once and then every interval until ctx ends, giving
// each error that is not ctx's own to failed. It returns when ctx ends,
// after the pass in progress.
func Poll(ctx context.Context, every time.Duration, pass func(context.Context) error, failed func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := pass(ctx); err != nil && ctx.Err() == nil {
			failed(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Table names an outbox's table: its name, the column that identifies a
// row within an organisation, and what a row is called in messages ("That
// message", "LFPSE submission"). Both names are constants of the outbox,
// never input.
type Table struct {
	Name, IDColumn string
	// Thing names a row for NotFound ("Message").
	Thing string
	// Refused maps a status that cannot be retried to the Conflict
	// message given for it.
	Refused map[string]string
}

// Retry makes orgID's row id of t due now: a failed row is pending again
// with a fresh set of attempts (its last error kept until the next
// attempt), a pending one is tried at once. NotFound for a row that is
// not orgID's; Conflict, with t's message, for a status in t.Refused.
// Retry changes only the delivery record, so it writes no audit entry;
// the caller logs who asked.
func Retry(ctx context.Context, db *store.DB, t Table, orgID store.OrgID, id string) error {
	err := db.Tx(ctx, func(tx *store.Tx) error {
		var st string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM `+t.Name+` WHERE org_id = $1 AND `+t.IDColumn+` = $2`, orgID, id).Scan(&st); err != nil {
			return err
		}
		if msg, ok := t.Refused[st]; ok {
			return apperr.New(apperr.Conflict, "%s", msg)
		}
		_, err := tx.ExecContext(ctx, `UPDATE `+t.Name+` SET next_attempt_at = $1,
			attempts = CASE WHEN status = 'failed' THEN 0 ELSE attempts END, status = 'pending'
			WHERE org_id = $2 AND `+t.IDColumn+` = $3`, tx.Now(), orgID, id)
		return err
	})
	switch {
	case store.NoRows(err):
		return store.NotFound(t.Thing)
	case apperr.Is(err, apperr.Conflict):
		return err
	case err != nil:
		return db.Wrap(err, "retry %s %s", strings.ToLower(t.Thing), id)
	}
	return nil
}
