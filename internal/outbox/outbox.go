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
	"time"
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
