// Package mail is clinsafe's durable email outbox: the one way a wing sends
// email (feedback to a reporter, a training reminder).
//
// A wing calls Enqueue in the transaction of the change that causes the
// message, so the message exists if and only if that change committed. An
// Outbox worker (Run, started by serve) then claims due messages, sends
// each through a Sender (SMTPSender, over the configured SMTP server)
// outside any transaction, and marks it sent; on failure it tries again
// later with exponential backoff and full jitter, and after MaxAttempts it
// marks the message failed, to be shown on the admin page and retried
// from there. With no SMTP server configured messages stay pending: none
// is ever dropped.
//
// Delivery is at least once. A worker claims a message with a lease
// (locked_by, locked_until), so a message a crashed worker had claimed is
// taken again once its lease ends. A worker that crashes after the server
// accepted a message but before it marked the message sent leaves it to be
// sent again: the reader may get it twice. That is the right trade for
// email, which cannot be taken back: the alternative, marking before
// sending, loses a message on every such crash, and a lost "your report
// was reviewed" is worse than a repeated one. Every copy carries the same
// Message-ID header (made from the message's id), so mail clients can
// recognise the duplicate.
package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Message is an email to enqueue: one recipient, a subject and a plain
// text body.
type Message struct {
	OrgID store.OrgID
	// Kind says what the message is for, as AREA.WHAT ("events.feedback",
	// "training.reminder"): lower-case letters, digits, '.', '_' and '-'.
	Kind string
	// To is one email address ("jo@nhs.net" or "Jo Bloggs <jo@nhs.net>").
	To      string
	Subject string
	// Body is plain text; lines are broken by "\n".
	Body string
}

// Status is where a message is in delivery.
type Status string

const (
	// Pending messages wait to be sent, or to be tried again.
	Pending Status = "pending"
	// Sent messages were accepted by the mail server.
	Sent Status = "sent"
	// Failed messages ran out of attempts (or were refused for good); they
	// wait for an administrator's Retry.
	Failed Status = "failed"
)

// Limits of a message.
const (
	MaxSubject = 200     // characters
	MaxBody    = 100_000 // bytes
	MaxAddress = 254     // bytes, as SMTP allows
)

var kindRe = regexp.MustCompile(`^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$`)

// validate checks m and returns it with the recipient as a bare address.
// The error is Invalid, with a message for each bad field (org_id, kind,
// to, subject, body).
func validate(m Message) (Message, error) {
	var f apperr.Fields
	f.Check(m.OrgID == "", "org_id", "A message needs the organisation it belongs to")
	f.Check(len(m.Kind) > 64 || !kindRe.MatchString(m.Kind), "kind", "A message needs a kind like events.feedback")
	to := strings.TrimSpace(m.To)
	a, err := mail.ParseAddress(to)
	switch {
	case to == "":
		f.Add("to", "Enter an email address")
	case err != nil || strings.ContainsAny(a.Address, "\r\n\x00") || !strings.Contains(a.Address, "@"):
		f.Add("to", "Enter an email address in the correct format, like name@example.nhs.uk")
	case len(a.Address) > MaxAddress:
		f.Add("to", fmt.Sprintf("Email address must be %d characters or fewer", MaxAddress))
	default:
		m.To = a.Address
	}
	m.Subject = strings.TrimSpace(m.Subject)
	switch {
	case m.Subject == "":
		f.Add("subject", "Enter a subject")
	case !utf8.ValidString(m.Subject) || strings.ContainsAny(m.Subject, "\r\n\x00"):
		f.Add("subject", "Subject must be one line of text")
	case utf8.RuneCountInString(m.Subject) > MaxSubject:
		f.Add("subject", fmt.Sprintf("Subject must be %d characters or fewer", MaxSubject))
	}
	switch {
	case strings.TrimSpace(m.Body) == "":
		f.Add("body", "Enter the message")
	case !utf8.ValidString(m.Body) || strings.ContainsRune(m.Body, 0):
		f.Add("body", "Message must be text")
	case len(m.Body) > MaxBody:
		f.Add("body", fmt.Sprintf("Message must be %d bytes or fewer", MaxBody))
	}
	return m, f.Err()
}

// Enqueue adds m to the outbox in tx, the transaction of the change that
// causes it, so the message exists if and only if that change commits. It
// is due at once. It returns Invalid (with a message for each bad field:
// org_id, kind, to, subject, body) for a bad message, and Invalid for an
// organisation that does not exist.
func Enqueue(ctx context.Context, tx *store.Tx, m Message) error {
	if tx == nil {
		return errors.New("mail: enqueue: no transaction")
	}
	m, err := validate(m)
	if err != nil {
		return err
	}
	var one int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM organisations WHERE id = $1`, m.OrgID).Scan(&one)
	if store.NoRows(err) {
		return &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with what was entered",
			Fields: map[string]string{"org_id": "That organisation does not exist"}}
	}
	if err != nil {
		return fmt.Errorf("mail: enqueue %s message: find organisation: %w", m.Kind, err)
	}
	id, now := store.NewID(), tx.Now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO mail_outbox
		(id, org_id, kind, to_addr, subject, body_text, status, attempts, next_attempt_at, last_error, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, '', $7)`,
		id, m.OrgID, m.Kind, m.To, m.Subject, m.Body, now); err != nil {
		return fmt.Errorf("mail: enqueue %s message %s: %w", m.Kind, id, err)
	}
	return nil
}
