package lfpse

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
	// MaxAttempts is how many times a submission is tried before it is
	// failed (default 12).
	MaxAttempts int
	// BaseDelay is the longest wait before the second attempt; each later
	// wait may be twice as long, up to MaxDelay, drawn at random below
	// that (full jitter). Defaults 1 minute and 1 hour.
	BaseDelay, MaxDelay time.Duration
	// Lease is how long a claimed submission is the worker's (default 5
	// minutes; with a Client, at least twice its request timeout).
	Lease time.Duration
	// Poll is how often Run looks for due submissions (default 10s).
	Poll time.Duration
	// Batch is how many submissions one claim takes (default 10).
	Batch int
	// Worker names this worker in locked_by (default host, pid, random).
	Worker string
	// System is the identifier system of clinsafe's event ids.
	System string
	Logger *slog.Logger

	// crash, in tests, makes the worker stop as a killed process does
	// when its context ends: recording nothing and giving nothing back.
	crash bool
}

// Outbox sends queued submissions through its Sender.
type Outbox struct {
	db     *DB
	sender Sender
	enc    Encoder
	o      Options
	log    *slog.Logger
}

// NewOutbox returns the outbox of db, sending through sender what enc
// builds. A nil sender means LFPSE is not configured: nothing is sent and
// every submission stays pending.
func NewOutbox(db *store.DB, sender Sender, enc Encoder, o Options) *Outbox {
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
	// A request must end within the lease, or another worker takes the
	// submission over and sends it again while it is in flight.
	if c, ok := sender.(*Client); ok && c.HTTP != nil && c.HTTP.Timeout > 0 {
		o.Lease = max(o.Lease, 2*c.HTTP.Timeout)
	}
	if o.Poll <= 0 {
		o.Poll = 10 * time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 10
	}
	if o.Worker == "" {
		o.Worker = outbox.WorkerName()
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Outbox{db: New(db), sender: sender, enc: enc, o: o, log: log}
}

// Configured reports whether the outbox has a Sender.
func (b *Outbox) Configured() bool { return b.sender != nil }

// Run sends due submissions every Poll until ctx ends.
func (b *Outbox) Run(ctx context.Context) {
	if b.sender == nil {
		b.log.Warn("lfpse: no national service is configured (CLINSAFE_LFPSE_URL), so events queued for LFPSE wait until one is")
		<-ctx.Done()
		return
	}
	outbox.Poll(ctx, b.o.Poll, func(ctx context.Context) error { _, err := b.Once(ctx); return err },
		func(err error) { b.log.Error("lfpse: outbox pass", "err", err) })
}

type claimed struct {
	eventID, orgID, op, nationalID string
	attempts                       int
}

// Once sends every submission due now, Batch at a time, and returns how
// many were accepted. When ctx ends it gives back what it had claimed and
// not tried, and returns ctx's error.
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

// claim takes up to Batch due submissions for this worker with a lease:
// pending ones that are due, and those being sent by a worker whose lease
// has ended (it crashed). Rows another worker is claiming at the same
// moment are skipped (store.DB.SkipLocked on PostgreSQL; SQLite's one
// writer runs claims one after another).
func (b *Outbox) claim(ctx context.Context) ([]claimed, error) {
	now := b.db.Now()
	var out []claimed
	err := b.db.Tx(ctx, func(tx *store.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, `UPDATE lfpse_submissions SET status = 'sending', locked_by = $1, locked_until = $2
			WHERE event_id IN (SELECT event_id FROM lfpse_submissions
				WHERE (status = 'pending' AND next_attempt_at <= $3) OR (status = 'sending' AND locked_until <= $3)
				ORDER BY next_attempt_at, event_id LIMIT $4`+b.db.SkipLocked()+`)
			RETURNING event_id, org_id, op, national_id, attempts`,
			b.o.Worker, now.Add(b.o.Lease), now, b.o.Batch)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c claimed
			if err := rows.Scan(&c.eventID, &c.orgID, &c.op, &c.nationalID, &c.attempts); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, b.wrap(err, "claim due submissions")
	}
	return out, nil
}

func (b *Outbox) deliver(ctx context.Context, batch []claimed) (sent int, err error) {
	for i, c := range batch {
		if ctx.Err() != nil {
			b.release(ctx, batch[i:])
			return sent, ctx.Err()
		}
		held, err := b.hold(ctx, c)
		if err != nil {
			b.release(ctx, batch[i:])
			return sent, err
		}
		if !held {
			continue
		}
		req, err := b.request(ctx, c)
		if err != nil {
			if ctx.Err() != nil {
				b.release(ctx, batch[i:])
				return sent, ctx.Err()
			}
			if err := b.markFailed(ctx, c, err); err != nil {
				b.release(ctx, batch[i+1:])
				return sent, err
			}
			continue
		}
		a, serr := b.sender.Send(ctx, req)
		if ctx.Err() != nil && b.o.crash {
			return sent, ctx.Err() // killed: nothing recorded, leases held
		}
		if serr == nil {
			if err := b.markSent(ctx, c, a); err != nil {
				b.release(ctx, batch[i+1:])
				return sent, err
			}
			sent++
			continue
		}
		if ctx.Err() != nil {
			b.release(ctx, batch[i:])
			return sent, ctx.Err()
		}
		if err := b.markFailed(ctx, c, serr); err != nil {
			b.release(ctx, batch[i+1:])
			return sent, err
		}
	}
	return sent, nil
}

// request builds the submission of c from the event as it is now.
func (b *Outbox) request(ctx context.Context, c claimed) (Request, error) {
	org, err := b.db.Org(ctx, store.OrgID(c.orgID))
	if err != nil {
		return Request{}, err
	}
	e, err := b.db.ev.Get(ctx, org.ID, c.eventID)
	if err != nil {
		return Request{}, err
	}
	rv, err := b.db.ev.GetReview(ctx, org.ID, c.eventID)
	if err != nil {
		return Request{}, err
	}
	r := Request{EventID: c.eventID}
	if c.op == "update" {
		r.NationalID = c.nationalID
	}
	r.Body, err = b.enc.Encode(Event{Org: org, Event: e, Gradings: rv.Gradings, NationalID: r.NationalID}, b.o.System)
	if err != nil {
		return Request{}, &Refusal{Words: "clinsafe could not build the LFPSE record: " + err.Error()}
	}
	return r, nil
}

// hold renews this worker's lease just before sending; false when another
// worker took the submission over.
func (b *Outbox) hold(ctx context.Context, c claimed) (bool, error) {
	n, err := b.record(ctx, `UPDATE lfpse_submissions SET locked_until = $1 WHERE event_id = $2 AND locked_by = $3 AND status = 'sending'`,
		b.db.Now().Add(b.o.Lease), c.eventID, b.o.Worker)
	if err != nil {
		return false, b.wrap(err, "renew the lease on event %s", c.eventID)
	}
	return n == 1, nil
}

// record runs one update of a submission's delivery record, going on
// for a few seconds after ctx ends so that an accepted submission is
// still recorded.
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

// markSent records the national record, whoever holds the lease now. An
// event changed while it was being sent is pending again, as an update.
func (b *Outbox) markSent(ctx context.Context, c claimed, a Accepted) error {
	now := b.db.Now()
	_, err := b.record(ctx, `UPDATE lfpse_submissions SET
			status = CASE WHEN again THEN 'pending' ELSE 'sent' END, again = FALSE, op = 'update',
			national_id = $1, national_ref = CASE WHEN $2 = '' THEN national_ref ELSE $2 END,
			attempts = 0, last_error = '', sent_at = $3, next_attempt_at = $3, locked_by = NULL, locked_until = NULL
		WHERE event_id = $4 AND status = 'sending'`, a.ID, a.Ref, now, c.eventID)
	if err != nil {
		return b.wrap(err, "mark event %s sent", c.eventID)
	}
	b.log.Info("lfpse: accepted", "event", c.eventID, "op", c.op, "national_id", a.ID, "attempt", c.attempts+1)
	return nil
}

// markFailed records a failed attempt: the submission waits for its next
// attempt, or is failed after the last one or a refusal. It counts only
// while this worker holds the lease.
func (b *Outbox) markFailed(ctx context.Context, c claimed, serr error) error {
	words, permanent := "Sending failed", false
	var re *Refusal
	var te *TransientError
	switch {
	case errors.As(serr, &re):
		words, permanent = re.Words, true
	case errors.As(serr, &te):
		words = te.Words
	}
	attempts := c.attempts + 1
	status, next := Pending, b.db.Now().Add(b.backoff(c.attempts))
	if permanent || attempts >= b.o.MaxAttempts {
		status, next = Failed, b.db.Now()
	}
	// A change while a refused record was in flight may have put it right:
	// then it is tried again at once.
	n, err := b.record(ctx, `UPDATE lfpse_submissions SET
			status = CASE WHEN again THEN 'pending' ELSE $1 END, again = FALSE,
			attempts = CASE WHEN again THEN 0 ELSE $2 END, next_attempt_at = $3, last_error = $4,
			locked_by = NULL, locked_until = NULL
		WHERE event_id = $5 AND locked_by = $6 AND status = 'sending'`,
		string(status), attempts, next, words, c.eventID, b.o.Worker)
	if err != nil {
		return b.wrap(err, "record failed attempt of event %s", c.eventID)
	}
	switch {
	case n == 0:
		b.log.Warn("lfpse: attempt failed after this worker's lease ended", "event", c.eventID, "err", serr)
	case status == Failed:
		b.log.Error("lfpse: submission not accepted; the handler can put it right or an administrator retry it", "event", c.eventID, "attempts", attempts, "err", serr)
	default:
		b.log.Warn("lfpse: attempt failed; will try again", "event", c.eventID, "attempts", attempts, "next", next.Format(time.RFC3339), "err", serr)
	}
	return nil
}

// release gives back claimed submissions not tried, without counting an
// attempt.
func (b *Outbox) release(ctx context.Context, cs []claimed) {
	if b.o.crash {
		return
	}
	for _, c := range cs {
		if _, err := b.record(ctx, `UPDATE lfpse_submissions SET status = 'pending', locked_by = NULL, locked_until = NULL
			WHERE event_id = $1 AND locked_by = $2 AND status = 'sending'`, c.eventID, b.o.Worker); err != nil {
			b.log.Error("lfpse: give back claimed submission", "event", c.eventID, "err", err)
		}
	}
}

// backoff is the wait after a failed attempt (see outbox.Backoff).
func (b *Outbox) backoff(attempts int) time.Duration {
	return outbox.Backoff(b.o.BaseDelay, b.o.MaxDelay, attempts)
}

func (b *Outbox) wrap(err error, format string, args ...any) error {
	return fmt.Errorf("lfpse: "+format+": %w", append(args, b.db.MapErr(err))...)
}
