package lfpse

import (
	"context"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/outbox"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Stats are an organisation's submission counts.
type Stats struct {
	Pending, Sending, Failed, Sent int
	// OldestPending is how long the oldest submission waiting (pending or
	// being sent) has waited since it was queued (0 when none).
	OldestPending time.Duration
}

// Stats counts orgID's submissions by status.
func (d *DB) Stats(ctx context.Context, orgID store.OrgID) (Stats, error) {
	var st Stats
	rows, err := d.SQL().QueryContext(ctx, `SELECT status, COUNT(*) FROM lfpse_submissions WHERE org_id = $1 GROUP BY status`, orgID)
	if err != nil {
		return st, d.Wrap(err, "count LFPSE submissions")
	}
	defer rows.Close()
	for rows.Next() {
		var s Status
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return st, d.Wrap(err, "count LFPSE submissions")
		}
		switch s {
		case Pending:
			st.Pending = n
		case Sending:
			st.Sending = n
		case Failed:
			st.Failed = n
		case Sent:
			st.Sent = n
		}
	}
	if err := rows.Err(); err != nil {
		return st, d.Wrap(err, "count LFPSE submissions")
	}
	if st.Pending+st.Sending > 0 {
		var oldest time.Time
		if err := d.SQL().QueryRowContext(ctx, `SELECT queued_at FROM lfpse_submissions WHERE org_id = $1 AND status IN ('pending', 'sending')
			ORDER BY queued_at LIMIT 1`, orgID).Scan(&oldest); err != nil {
			return st, d.Wrap(err, "find the oldest waiting LFPSE submission")
		}
		st.OldestPending = max(0, d.Now().Sub(oldest))
	}
	return st, nil
}

// Item is a submission as the admin page lists it: the event's reference,
// never its content.
type Item struct {
	Submission
	Ref string
}

// List returns up to limit (1 to 500; otherwise 100) of orgID's
// submissions with status (all when ""), the longest waiting first. An
// unknown status is Invalid.
func (d *DB) List(ctx context.Context, orgID store.OrgID, status Status, limit int) ([]Item, error) {
	switch status {
	case "", Pending, Sending, Sent, Failed:
	default:
		return nil, apperr.New(apperr.Invalid, "Choose pending, sending, sent or failed")
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := d.SQL().QueryContext(ctx, `SELECT `+store.Qualify("s.", subCols)+`, COALESCE(e.ref, '')
		FROM lfpse_submissions s JOIN events e ON e.id = s.event_id AND e.org_id = s.org_id
		WHERE s.org_id = $1 AND ($2 = '' OR s.status = $2) ORDER BY s.queued_at, s.event_id LIMIT $3`, orgID, string(status), limit)
	if err != nil {
		return nil, d.Wrap(err, "list LFPSE submissions")
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		var sub Submission
		var ref string
		err := rows.Scan(&sub.EventID, &sub.Op, &sub.Status, &sub.Again, &sub.Attempts, &sub.NextAttemptAt, &sub.LastError, &sub.NationalID, &sub.NationalRef,
			&sub.ReadyBy, &sub.ReadyAt, &sub.QueuedAt, &sub.SentAt, &ref)
		if err != nil {
			return nil, d.Wrap(err, "list LFPSE submissions")
		}
		it.Submission, it.Ref = sub, ref
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, d.Wrap(err, "list LFPSE submissions")
	}
	return out, nil
}

// Retry makes event id's submission due now: a failed one is pending again
// with a fresh set of attempts (its last error kept until the next
// attempt), a pending one is tried at once. NotFound for an event of
// another organisation or never queued; Conflict when it is sent or being
// sent. Retry changes only the delivery record, so it writes no audit
// entry; the caller logs who asked.
func (d *DB) Retry(ctx context.Context, orgID store.OrgID, id string) error {
	return outbox.Retry(ctx, d.DB, outbox.Table{Name: "lfpse_submissions", IDColumn: "event_id", Thing: "LFPSE submission",
		Refused: map[string]string{string(Sent): "That event has been sent already", string(Sending): "That event is being sent now"}}, orgID, id)
}
