package eventsdb

import (
	"context"
	"database/sql"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	outbox "github.com/clinsafe/clinsafe/internal/mail"
	"github.com/clinsafe/clinsafe/internal/store"
)

// NotifyReporter tells the reporter of event id, in the caller's
// transaction: a message of kind (feedback, status or question) in
// clinsafe (their My reports or follow-up thread, and the home page), and
// an email when an address is known. The first one records the event's
// first feedback time. Other parts call it inside their status change.
// Invalid for an empty or oversize text or another kind.
func (s *DB) NotifyReporter(ctx context.Context, tx *store.Tx, orgID store.OrgID, id string, kind MessageKind, text string) error {
	if kind != KindFeedback && kind != KindStatus && kind != KindQuestion {
		return apperr.New(apperr.Invalid, "A reporter is told feedback, a status or a question, not %q", kind)
	}
	text, err := checkBody(text)
	if err != nil {
		return err
	}
	e, err := s.get(ctx, tx, orgID, id)
	if err != nil {
		return err
	}
	if ok, err := s.reachable(ctx, tx, e); err != nil || !ok {
		return err // nobody to tell: the report keeps no way back
	}
	uid, _ := reporter(ctx)
	if _, err := s.deliver(ctx, tx, e, kind, text, uid); err != nil {
		return err
	}
	return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event.notify", Entity: "event", EntityID: id, Summary: e.Ref + " reporter told: " + string(kind)})
}

// StatusWords is what the reporter is told when their report moves to st
// ("" for a status they are not told of); a closure carries the learning
// summary when there is one.
func StatusWords(st events.Status, summary string) (MessageKind, string) {
	switch st {
	case events.InReview:
		return KindStatus, "The patient safety team is reviewing your report. Thank you for reporting it."
	case events.Closed:
		if s := strings.TrimSpace(summary); s != "" {
			return KindFeedback, "The patient safety team has finished reviewing your report and closed it. What we learned:\n\n" + s
		}
		return KindFeedback, "The patient safety team has finished reviewing your report and closed it. Thank you for reporting it."
	case events.Duplicate:
		return KindStatus, "Your report describes an event already reported, so it has been joined with that report. Its feedback will come to you."
	case events.NotPSE:
		return KindStatus, "The patient safety team has looked at your report and found that it is not a patient safety event, so it has been closed."
	}
	return "", ""
}

// NotifyStatus tells the reporter of event id that it moved to st, in the
// caller's status transaction, with the learning summary on closure (the
// review part passes the summary it stores). A status the reporter is not
// told of is nothing.
func (s *DB) NotifyStatus(ctx context.Context, tx *store.Tx, orgID store.OrgID, id string, st events.Status, summary string) error {
	kind, text := StatusWords(st, summary)
	if text == "" {
		return nil
	}
	return s.NotifyReporter(ctx, tx, orgID, id, kind, text)
}

// email queues, in tx, the email of a message to e's reporter when an
// address is known, so that it goes out exactly when the change commits.
// A question's text stays in clinsafe: the email says only that there is
// one.
func (s *DB) email(ctx context.Context, tx *store.Tx, e Event, kind MessageKind, body string) error {
	to, err := s.reporterAddress(ctx, tx, e)
	if err != nil || to == "" {
		return err
	}
	where := "Sign in to clinsafe and open My reports to read it and reply."
	if e.ReporterID == "" {
		where = "Open the follow-up page where you made your report and enter your follow-up code to read it and reply."
	}
	mailKind, subject := "events.feedback", "An update on your safety report "+e.Ref
	text := body
	if kind == KindQuestion {
		mailKind, subject = "events.question", "A question about your safety report "+e.Ref
		text = "The patient safety team has asked you a question about your report."
	}
	msg := fmt.Sprintf("%s\n\n%s\n\nThe patient safety team\n", text, where)
	return outbox.Enqueue(ctx, tx, outbox.Message{OrgID: e.OrgID, Kind: mailKind, To: to, Subject: subject, Body: msg})
}

// reporterAddress is where e's reporter is emailed: a staff reporter's
// account email, else the address a public reporter left for this event.
func (s *DB) reporterAddress(ctx context.Context, q store.Querier, e Event) (string, error) {
	var to string
	var err error
	if e.ReporterID != "" {
		err = q.QueryRowContext(ctx, `SELECT email FROM users WHERE id = $1`, e.ReporterID).Scan(&to)
	} else {
		err = q.QueryRowContext(ctx, `SELECT email FROM event_reporter_contacts WHERE event_id = $1 AND org_id = $2`, e.ID, e.OrgID).Scan(&to)
	}
	if store.NoRows(err) {
		return "", nil
	}
	return to, s.Wrap(err, "read reporter address of event %s", e.ID)
}

// ContactEmail is the address the reporter holding event id's follow-up
// code left for updates ("" when none).
func (s *DB) ContactEmail(ctx context.Context, orgID store.OrgID, id string) (string, error) {
	var to string
	err := s.SQL().QueryRowContext(ctx, `SELECT email FROM event_reporter_contacts WHERE event_id = $1 AND org_id = $2`, id, orgID).Scan(&to)
	if store.NoRows(err) {
		return "", nil
	}
	return to, s.Wrap(err, "read reporter address of event %s", id)
}

// SetContactEmail keeps email, for updates on event id only, for the
// reporter holding its follow-up code (checked by the caller with
// FollowUp); "" removes it. Invalid for an address that is not one.
func (s *DB) SetContactEmail(ctx context.Context, orgID store.OrgID, id, email string) error {
	email = strings.TrimSpace(email)
	if email != "" {
		a, err := mail.ParseAddress(email)
		if err != nil || a.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
			return &apperr.Error{Kind: apperr.Invalid, Message: "Enter an email address in the correct format, like name@example.com",
				Fields: map[string]string{"email": "Enter an email address in the correct format, like name@example.com"}}
		}
	}
	return s.Tx(ctx, func(tx *store.Tx) error {
		e, err := s.get(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if e.ReporterID != "" {
			return apperr.New(apperr.Conflict, "Updates on a staff report go to the reporter's account email.")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_reporter_contacts (event_id, org_id, email, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (event_id) DO UPDATE SET email = excluded.email, updated_at = excluded.updated_at`, id, orgID, email, s.Now()); err != nil {
			return s.Wrap(err, "keep reporter address of event %s", id)
		}
		action, summary := "event.contact", " reporter left an email address"
		if email == "" {
			action, summary = "event.contact_removed", " reporter removed their email address"
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: action, Entity: "event", EntityID: id, Summary: e.Ref + summary})
	})
}

// FeedbackTimes are the times from report to first feedback of an
// organisation's reports, for the evidence pillar.
type FeedbackTimes struct {
	// Reports submitted since the start; Given of them have had feedback.
	Reports, Given int
	// Median and P90 of the time to first feedback of those given it.
	Median, P90 time.Duration
}

// FirstFeedback measures the time to first feedback of the reports of
// orgID submitted since since.
func (s *DB) FirstFeedback(ctx context.Context, orgID store.OrgID, since time.Time) (FeedbackTimes, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT submitted_at, first_feedback_at FROM events
		WHERE org_id = $1 AND submitted_at IS NOT NULL AND submitted_at >= $2`, orgID, since)
	if err != nil {
		return FeedbackTimes{}, s.Wrap(err, "read feedback times")
	}
	defer rows.Close()
	var out FeedbackTimes
	var ds []time.Duration
	for rows.Next() {
		var sub time.Time
		var fb sql.NullTime
		if err := rows.Scan(&sub, &fb); err != nil {
			return FeedbackTimes{}, s.Wrap(err, "read feedback times")
		}
		out.Reports++
		if fb.Valid {
			ds = append(ds, max(0, fb.Time.Sub(sub)))
		}
	}
	if err := rows.Err(); err != nil {
		return FeedbackTimes{}, s.Wrap(err, "read feedback times")
	}
	out.Given = len(ds)
	slices.Sort(ds)
	out.Median, out.P90 = nearestRank(ds, 50), nearestRank(ds, 90)
	return out, nil
}

// nearestRank is the p-th percentile of sorted ds by the nearest-rank
// method (0 for none).
func nearestRank(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := (p*len(ds) + 99) / 100
	return ds[max(i, 1)-1]
}
