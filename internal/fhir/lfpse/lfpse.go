// Package lfpse submits an organisation's safety events to the national
// Learn from Patient Safety Events service (LFPSE) of NHS England, without
// anyone typing them twice, and without losing one.
//
// An event is queued when a handler marks it ready (MarkReady), or by the
// organisation's rule (SetRule: once reviewed, or once closed). Queueing
// writes the event's row of lfpse_submissions in the transaction of the
// change, so a queued event exists if and only if the change committed.
// The row is also the event's entry in a durable outbox: an Outbox worker
// (Run, started by serve) claims due rows with a lease, builds the
// AdverseEvent from the event as it is at that moment, and POSTs it (the
// first time) or PUTs it (after the service accepted it, to the national
// record's id) through a Sender (Client, over HTTPS with the subscription
// key). On failure it tries again later with exponential backoff and full
// jitter; a refusal (an OperationOutcome) is kept in plain words, shown on
// the event page and on /admin/lfpse, and waits for the handler to put the
// event right (any change queues it again) or for an administrator's retry.
//
// Any later audited change of an event that was queued (a grading, a
// status, an addendum) queues an update: the package follows the "event"
// entity (Content), so no writer of the events wing needs to know of it.
// There is one row per event, so at most one submission per event is in
// flight: a change while the event is being sent marks the row again, and
// the update follows once the send in flight has finished.
//
// Delivery: a create carries the event's clinsafe identifier and is a
// conditional create (If-None-Exist on that identifier), so a create
// repeated after a crash between the service accepting it and the worker
// recording that (the lease then ends and another worker sends it again)
// finds the record made the first time instead of making a second.
// Updates are PUTs of the whole record, which are idempotent.
package lfpse

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Status is where an event's submission is.
type Status string

const (
	// Pending submissions wait to be sent, or to be tried again.
	Pending Status = "pending"
	// Sending submissions are held by a worker (under a lease).
	Sending Status = "sending"
	// Sent submissions were accepted by the national service.
	Sent Status = "sent"
	// Failed submissions were refused, or ran out of attempts: they wait
	// for the event to be changed or an administrator's retry.
	Failed Status = "failed"
)

// Words says a status for people.
func (s Status) Words() string {
	switch s {
	case Pending:
		return "Waiting to be sent"
	case Sending:
		return "Being sent"
	case Sent:
		return "Sent"
	case Failed:
		return "Not accepted"
	}
	return "Not queued"
}

// Rule is an organisation's rule for queueing events without a handler
// marking each one ready.
type Rule string

const (
	// Manual queues an event only when a handler marks it ready.
	Manual Rule = "manual"
	// WhenReviewed also queues an event when a handler records its
	// review (assignment, grading, governance or summary).
	WhenReviewed Rule = "reviewed"
	// WhenClosed also queues an event when it is closed.
	WhenClosed Rule = "closed"
)

// Rules are the rules in the order the settings page offers them.
var Rules = []Rule{Manual, WhenReviewed, WhenClosed}

// Words says a rule for people.
func (r Rule) Words() string {
	switch r {
	case WhenReviewed:
		return "Automatically, once a handler has reviewed the event"
	case WhenClosed:
		return "Automatically, once the event is closed"
	}
	return "Only when a handler marks the event ready"
}

// Submission is an event's national record as clinsafe holds it.
type Submission struct {
	EventID string
	// Op is what the next send does: "create" (POST) or "update" (PUT).
	Op     string
	Status Status
	// Again is true when the event changed while it was being sent: it is
	// sent once more after.
	Again         bool
	Attempts      int
	NextAttemptAt time.Time
	// LastError is why the last attempt failed or was refused, in words.
	LastError string
	// NationalID is the service's logical id of the record, and
	// NationalRef its reference number, once accepted.
	NationalID, NationalRef string
	ReadyBy                 string
	ReadyAt, QueuedAt       time.Time
	SentAt                  *time.Time
}

// DB is the LFPSE queue on the store.
type DB struct {
	*store.DB
	ev *eventsdb.DB
}

// New returns the queue on db.
func New(db *store.DB) *DB { return &DB{DB: db, ev: eventsdb.New(db)} }

// Content lists the package's entities for store.Open: the organisation
// setting (audited), and the follower of events whose derived table is
// lfpse_submissions (the outbox and national record: delivery state, not
// content; the change that queues a row is audited in its transaction).
func Content() []store.Entity {
	return []store.Entity{
		{Name: "lfpse_setting", Parts: []store.Part{{Table: "lfpse_settings", Key: []string{"org_id"}}}},
		{Name: "lfpse", Follows: []string{"event"}, OnChange: onEventChange, OnChanges: onEventChanges, Derived: []string{"lfpse_submissions"}},
	}
}

const subCols = `event_id, op, status, again, attempts, next_attempt_at, last_error, national_id, national_ref, ready_by, ready_at, queued_at, sent_at`

func scanSub(r interface{ Scan(...any) error }) (Submission, error) {
	var s Submission
	err := r.Scan(&s.EventID, &s.Op, &s.Status, &s.Again, &s.Attempts, &s.NextAttemptAt, &s.LastError, &s.NationalID, &s.NationalRef,
		&s.ReadyBy, &s.ReadyAt, &s.QueuedAt, &s.SentAt)
	s.NextAttemptAt, s.ReadyAt, s.QueuedAt = s.NextAttemptAt.UTC(), s.ReadyAt.UTC(), s.QueuedAt.UTC()
	if s.SentAt != nil {
		u := s.SentAt.UTC()
		s.SentAt = &u
	}
	return s, err
}

// Get returns event id's submission in orgID; NotFound when the event was
// never queued (or is not orgID's).
func (d *DB) Get(ctx context.Context, orgID store.OrgID, id string) (Submission, error) {
	s, err := scanSub(d.SQL().QueryRowContext(ctx, `SELECT `+subCols+` FROM lfpse_submissions WHERE org_id = $1 AND event_id = $2`, orgID, id))
	return s, d.One(err, "LFPSE submission", "read LFPSE submission of event %s", id)
}

// MarkReady queues event id of orgID for submission, in one transaction
// with its audit entry (event.lfpse_ready). The event must have been
// reported (not a draft); NotFound otherwise. An event already queued is
// Conflict.
func (d *DB) MarkReady(ctx context.Context, orgID store.OrgID, id string) (Submission, error) {
	e, err := d.ev.Get(ctx, orgID, id)
	if err != nil {
		return Submission{}, err
	}
	err = d.Tx(ctx, func(tx *store.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM lfpse_submissions WHERE event_id = $1`, id).Scan(&one)
		if err == nil {
			return apperr.New(apperr.Conflict, "This event is already queued for LFPSE")
		}
		if !store.NoRows(err) {
			return err
		}
		by := audit.ActorFrom(ctx).UserID
		if by == "" {
			by = "api"
		}
		if err := queue(ctx, tx, orgID, id, by); err != nil {
			return err
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event.lfpse_ready", Entity: "event", EntityID: id,
			Summary: e.Ref + ": marked ready for LFPSE"})
	})
	if err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return Submission{}, err
		}
		return Submission{}, d.Wrap(err, "mark event %s ready for LFPSE", id)
	}
	return d.Get(ctx, orgID, id)
}

// queue writes a new pending create for event id.
func queue(ctx context.Context, tx *store.Tx, orgID store.OrgID, id, by string) error {
	now := tx.Now()
	_, err := tx.ExecContext(ctx, `INSERT INTO lfpse_submissions (event_id, org_id, op, status, attempts, next_attempt_at, ready_by, ready_at, queued_at)
		VALUES ($1, $2, 'create', 'pending', 0, $3, $4, $3, $3)`, id, orgID, now, by)
	return err
}

// onEventChange runs in the transaction of every audited change of an
// event: it queues an update of an event already queued, and queues an
// event the organisation's rule says is ready.
//
// The submission is read by an UPDATE that changes nothing, so that its
// row is locked until the change commits: a worker's claim (which skips
// locked rows on PostgreSQL) cannot take it in the meantime and send the
// event as it was before the change, and a claim that committed first is
// seen as sending, so the change marks the row to be sent again. A plain
// SELECT read the row as pending and left it alone, and the change was
// never sent.
func onEventChange(ctx context.Context, tx *store.Tx, c store.Change) error {
	if c.Action == "event.lfpse_ready" {
		return nil // MarkReady queued it
	}
	if w, ok := eventsdb.WrittenIn(tx, c); ok && w.New {
		return autoQueue(ctx, tx, c) // made in this transaction: never queued
	}
	var st Status
	var nationalID string
	err := tx.QueryRowContext(ctx, `UPDATE lfpse_submissions SET again = again WHERE event_id = $1 RETURNING status, national_id`, c.EntityID).Scan(&st, &nationalID)
	switch {
	case store.NoRows(err):
		return autoQueue(ctx, tx, c)
	case err != nil:
		return fmt.Errorf("read LFPSE submission: %w", err)
	}
	return requeue(ctx, tx, c, st, nationalID)
}

// onEventChanges is onEventChange for the changes of one AuditBatch: the
// submissions of the batch's events are read with one query (per 500
// events). An event changed twice in cs goes through onEventChange, one
// change at a time.
func onEventChanges(ctx context.Context, tx *store.Tx, cs []store.Change) error {
	type sub struct {
		st         Status
		nationalID string
	}
	ids, done, err := store.OneByOne(ctx, tx, cs, func(c store.Change) bool { return c.Action != "event.lfpse_ready" }, onEventChange)
	if done || err != nil {
		return err
	}
	// An event made in this transaction (see onEventChange) has no
	// submission to read.
	ids = slices.DeleteFunc(ids, func(id string) bool {
		w, ok := eventsdb.WrittenIn(tx, store.Change{Entity: "event", EntityID: id})
		return ok && w.New
	})
	subs := map[string]sub{}
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		args := make([]any, len(part))
		ps := make([]string, len(part))
		for i, id := range part {
			args[i], ps[i] = id, tx.Placeholder(i+1)
		}
		rows, err := tx.QueryContext(ctx, `UPDATE lfpse_submissions SET again = again WHERE event_id IN (`+strings.Join(ps, ", ")+`)
			RETURNING event_id, status, national_id`, args...)
		if err != nil {
			return fmt.Errorf("read LFPSE submissions: %w", err)
		}
		for rows.Next() {
			var id string
			var x sub
			if err := rows.Scan(&id, &x.st, &x.nationalID); err != nil {
				rows.Close()
				return fmt.Errorf("read LFPSE submissions: %w", err)
			}
			subs[id] = x
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read LFPSE submissions: %w", err)
		}
	}
	for _, c := range cs {
		if c.Action == "event.lfpse_ready" {
			continue
		}
		x, ok := subs[c.EntityID]
		var err error
		if ok {
			err = requeue(ctx, tx, c, x.st, x.nationalID)
		} else {
			err = autoQueue(ctx, tx, c)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// requeue queues an update of event c.EntityID, already queued (its
// submission st, with the national record's id once accepted), after c.
func requeue(ctx context.Context, tx *store.Tx, c store.Change, st Status, nationalID string) error {
	var err error
	now := tx.Now()
	switch st {
	case Pending:
		// The send to come reads the event as it is then.
		return nil
	case Sending:
		_, err = tx.ExecContext(ctx, `UPDATE lfpse_submissions SET again = TRUE WHERE event_id = $1 AND status = 'sending'`, c.EntityID)
	default: // sent or failed: send again, as an update once accepted
		op := "create"
		if nationalID != "" {
			op = "update"
		}
		_, err = tx.ExecContext(ctx, `UPDATE lfpse_submissions SET status = 'pending', op = $1, attempts = 0, next_attempt_at = $2, queued_at = $2
			WHERE event_id = $3`, op, now, c.EntityID)
	}
	if err != nil {
		return fmt.Errorf("queue LFPSE update: %w", err)
	}
	return nil
}

// autoQueue queues the changed event when its organisation's rule says a
// change like c makes it ready.
func autoQueue(ctx context.Context, tx *store.Tx, c store.Change) error {
	if c.OrgID == "" || (c.Action != "event.review" && c.Action != "event.status") {
		return nil
	}
	var rule Rule
	err := tx.QueryRowContext(ctx, `SELECT auto_queue FROM lfpse_settings WHERE org_id = $1`, c.OrgID).Scan(&rule)
	if store.NoRows(err) || rule == Manual {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read LFPSE rule: %w", err)
	}
	var status string
	if err := tx.QueryRowContext(ctx, `SELECT status FROM events WHERE id = $1 AND org_id = $2`, c.EntityID, c.OrgID).Scan(&status); err != nil {
		return fmt.Errorf("read event status: %w", err)
	}
	switch {
	case events.Status(status) == events.Draft || events.Status(status) == events.NotPSE || events.Status(status) == events.Duplicate:
		return nil
	case rule == WhenReviewed && (c.Action == "event.review" || events.Status(status) == events.Closed),
		rule == WhenClosed && events.Status(status) == events.Closed:
		return queue(ctx, tx, c.OrgID, c.EntityID, "rule")
	}
	return nil
}

// Rule returns orgID's queueing rule (Manual when never set).
func (d *DB) Rule(ctx context.Context, orgID store.OrgID) (Rule, error) {
	var r Rule
	err := d.SQL().QueryRowContext(ctx, `SELECT auto_queue FROM lfpse_settings WHERE org_id = $1`, orgID).Scan(&r)
	if store.NoRows(err) {
		return Manual, nil
	}
	if err != nil {
		return "", d.Wrap(err, "read LFPSE rule")
	}
	return r, nil
}

// SetRule sets orgID's queueing rule, audited as lfpse_setting.update. An
// unknown rule is Invalid (field auto_queue).
func (d *DB) SetRule(ctx context.Context, orgID store.OrgID, r Rule) error {
	if r != Manual && r != WhenReviewed && r != WhenClosed {
		return apperr.Field("auto_queue", "Choose when events are sent to LFPSE")
	}
	err := d.Tx(ctx, func(tx *store.Tx) error {
		now := tx.Now()
		res, err := tx.ExecContext(ctx, `UPDATE lfpse_settings SET auto_queue = $1, updated_at = $2 WHERE org_id = $3`, string(r), now, orgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO lfpse_settings (org_id, auto_queue, updated_at) VALUES ($1, $2, $3)`, orgID, string(r), now); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "lfpse_setting.update", Entity: "lfpse_setting", EntityID: string(orgID),
			Summary: "LFPSE submission: " + r.Words()})
	})
	return d.Wrap(err, "set LFPSE rule")
}
