package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/clinsafe/clinsafe/internal/outbox"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Options tune an Outbox; zero values take the defaults.
type Options struct {
	// MaxAttempts is how many times a message is tried before it is
	// failed (default 12: with the default delays, about three hours on
	// average and six at most).
	MaxAttempts int
	// BaseDelay is the longest wait before the second attempt; each later
	// wait may be twice as long as the one before, up to MaxDelay, and is
	// drawn at random below that (full jitter). Defaults 1 minute and 1
	// hour.
	BaseDelay, MaxDelay time.Duration
	// Lease is how long a claimed message is the claiming worker's: after
	// it, another worker may take it (the first one is taken to have
	// crashed). It must be longer than a delivery takes (default 5
	// minutes; SMTPSender gives up after 1).
	Lease time.Duration
	// Poll is how often Run looks for due messages (default 10 seconds).
	Poll time.Duration
	// Batch is how many messages one claim takes (default 20).
	Batch int
	// Worker names this worker in locked_by (default host, process id and
	// a random suffix).
	Worker string
	Logger *slog.Logger
}

// Outbox sends the messages Enqueue wrote, through its Sender.
type Outbox struct {
	db     *store.DB
	sender Sender
	o      Options
	log    *slog.Logger
}

// New returns the outbox of db, sending through sender. A nil sender
// means mail is not configured: Run and Once send nothing and every
// message stays pending; Stats, List and Retry work all the same.
func New(db *store.DB, sender Sender, o Options) *Outbox {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 12
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = time.Minute
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = time.Hour
	}
	o.MaxDelay = max(o.MaxDelay, o.BaseDelay)
	if o.Lease <= 0 {
		o.Lease = 5 * time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = 10 * time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 20
	}
	if o.Worker == "" {
		o.Worker = outbox.WorkerName()
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Outbox{db: db, sender: sender, o: o, log: log}
}

// Configured reports whether the outbox has a Sender.
func (b *Outbox) Configured() bool { return b.sender != nil }

// Run sends due messages every Poll until ctx ends, then returns once the
// delivery in progress has stopped. Errors are logged, with message ids
// only.
func (b *Outbox) Run(ctx context.Context) {
	if b.sender == nil {
		b.log.Warn("mail: no SMTP server is configured (CLINSAFE_SMTP_HOST), so email stays in the outbox until one is")
		<-ctx.Done()
		return
	}
	outbox.Poll(ctx, b.o.Poll, func(ctx context.Context) error { _, err := b.Once(ctx); return err },
		func(err error) { b.log.Error("mail: outbox pass", "err", err) })
}

// claimed is a message claimed for sending.
type claimed struct {
	Outgoing
	kind     string
	attempts int
}

// Once sends every message that is due now, claiming Batch at a time, and
// returns how many were sent. A message that fails waits for its next
// attempt, which is never due in the same pass unless the clock moves.
// When ctx ends it stops, gives back the messages it had claimed and not
// tried, and returns ctx's error. With no Sender it sends nothing.
func (b *Outbox) Once(ctx context.Context) (sent int, err error) {
	if b.sender == nil {
		return 0, nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		batch, err := b.claim(ctx)
		if err != nil {
			return sent, err
		}
		if len(batch) == 0 {
			return sent, nil
		}
		n, err := b.deliver(ctx, batch)
		sent += n
		if err != nil {
			return sent, err
		}
	}
}

// deliver sends the claimed batch one message at a time, recording each
// outcome, and returns how many were sent. When ctx ends or the database
// fails it gives back the messages not yet tried.
func (b *Outbox) deliver(ctx context.Context, batch []claimed) (sent int, err error) {
	for i, m := range batch {
		if ctx.Err() != nil {
			b.release(ctx, batch[i:])
			return sent, ctx.Err()
		}
		held, err := b.hold(ctx, m)
		if err != nil {
			b.release(ctx, batch[i:])
			return sent, err
		}
		if !held {
			continue // another worker took it over
		}
		serr := b.sender.Send(ctx, m.Outgoing)
		if serr == nil {
			if err := b.markSent(ctx, m); err != nil {
				b.release(ctx, batch[i+1:])
				return sent, err
			}
			sent++
			continue
		}
		if ctx.Err() != nil {
			// Stopped, not failed: the attempt does not count.
			b.release(ctx, batch[i:])
			return sent, ctx.Err()
		}
		if err := b.markFailed(ctx, m, serr); err != nil {
			b.release(ctx, batch[i+1:])
			return sent, err
		}
	}
	return sent, nil
}

// claim takes up to Batch due messages for this worker, with a lease: in
// one short transaction, skipping rows another worker is claiming at the
// same moment (store.DB.SkipLocked).
func (b *Outbox) claim(ctx context.Context) ([]claimed, error) {
	now := b.db.Now()
	var out []claimed
	err := b.db.Tx(ctx, func(tx *store.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, `UPDATE mail_outbox SET locked_by = $1, locked_until = $2
			WHERE id IN (SELECT id FROM mail_outbox
				WHERE status = 'pending' AND next_attempt_at <= $3 AND (locked_until IS NULL OR locked_until <= $3)
				ORDER BY next_attempt_at, id LIMIT $4`+b.db.SkipLocked()+`)
			RETURNING id, kind, to_addr, subject, body_text, attempts, created_at`,
			b.o.Worker, now.Add(b.o.Lease), now, b.o.Batch)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m claimed
			if err := rows.Scan(&m.ID, &m.kind, &m.To, &m.Subject, &m.Body, &m.attempts, &m.Date); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, b.wrap(err, "claim due messages")
	}
	return out, nil
}

// hold renews this worker's lease on m just before sending it, so that the
// lease covers the whole delivery however long the messages before it in
// the batch took. It is false when the lease had ended and another worker
// has taken the message over (or it is no longer pending).
func (b *Outbox) hold(ctx context.Context, m claimed) (bool, error) {
	now := b.db.Now()
	var n int64
	err := b.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE mail_outbox SET locked_until = $1 WHERE id = $2 AND locked_by = $3 AND status = 'pending'`,
			now.Add(b.o.Lease), m.ID, b.o.Worker)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, b.wrap(err, "renew the lease on message %s", m.ID)
	}
	return n == 1, nil
}

// record runs one update of a claimed message's delivery record. It goes
// on after ctx ends (for a few seconds), so that a message sent just
// before shutdown is still marked sent.
func (b *Outbox) record(ctx context.Context, query string, args ...any) (int64, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var n int64
	err := b.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// markSent records a delivery, whoever holds the lease now: the message
// was sent.
func (b *Outbox) markSent(ctx context.Context, m claimed) error {
	_, err := b.record(ctx, `UPDATE mail_outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, last_error = '',
		locked_by = NULL, locked_until = NULL WHERE id = $2`, b.db.Now(), m.ID)
	if err != nil {
		return b.wrap(err, "mark message %s sent", m.ID)
	}
	b.log.Info("mail: sent", "message", m.ID, "kind", m.kind, "attempt", m.attempts+1)
	return nil
}

// markFailed records a failed attempt: the message waits for its next
// attempt, or is failed after the last one or a permanent refusal. It
// counts only while this worker holds the lease.
func (b *Outbox) markFailed(ctx context.Context, m claimed, serr error) error {
	words := "Sending failed"
	permanent := false
	var se *SendError
	if errors.As(serr, &se) {
		words, permanent = se.Words, se.Permanent
	}
	attempts := m.attempts + 1
	status, next := Pending, b.db.Now().Add(b.backoff(m.attempts))
	if permanent || attempts >= b.o.MaxAttempts {
		status, next = Failed, b.db.Now()
	}
	n, err := b.record(ctx, `UPDATE mail_outbox SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4,
		locked_by = NULL, locked_until = NULL WHERE id = $5 AND locked_by = $6 AND status = 'pending'`,
		status, attempts, next, words, m.ID, b.o.Worker)
	if err != nil {
		return b.wrap(err, "record failed attempt of message %s", m.ID)
	}
	switch {
	case n == 0:
		b.log.Warn("mail: attempt failed after this worker's lease ended", "message", m.ID, "kind", m.kind, "err", serr)
	case status == Failed:
		b.log.Error("mail: message failed; an administrator can retry it", "message", m.ID, "kind", m.kind, "attempts", attempts, "err", serr)
	default:
		b.log.Warn("mail: attempt failed; will try again", "message", m.ID, "kind", m.kind, "attempts", attempts,
			"next", next.Format(time.RFC3339), "err", serr)
	}
	return nil
}

// release gives back claimed messages this worker has not tried, without
// counting an attempt, so another worker need not wait for the lease.
func (b *Outbox) release(ctx context.Context, ms []claimed) {
	for _, m := range ms {
		if _, err := b.record(ctx, `UPDATE mail_outbox SET locked_by = NULL, locked_until = NULL
			WHERE id = $1 AND locked_by = $2 AND status = 'pending'`, m.ID, b.o.Worker); err != nil {
			b.log.Error("mail: give back claimed message", "message", m.ID, "err", err)
		}
	}
}

// backoff is the wait after a failed attempt (see outbox.Backoff).
func (b *Outbox) backoff(attempts int) time.Duration {
	return outbox.Backoff(b.o.BaseDelay, b.o.MaxDelay, attempts)
}

// wrap adds what was being done to a mapped database error.
func (b *Outbox) wrap(err error, format string, args ...any) error {
	return fmt.Errorf("mail: "+format+": %w", append(args, b.db.MapErr(err))...)
}
