package mail

import (
	"context"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/outbox"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Stats are an organisation's outbox counts.
type Stats struct {
	Pending, Failed, Sent int
	// OldestPending is how long the oldest pending message has waited (0
	// when none is pending).
	OldestPending time.Duration
}

// Stats counts orgID's messages by status and says how long the oldest
// pending one has waited.
func (b *Outbox) Stats(ctx context.Context, orgID store.OrgID) (Stats, error) {
	var st Stats
	rows, err := b.db.SQL().QueryContext(ctx, `SELECT status, COUNT(*) FROM mail_outbox WHERE org_id = $1 GROUP BY status`, orgID)
	if err != nil {
		return st, b.wrap(err, "count messages")
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return st, b.wrap(err, "count messages")
		}
		switch Status(s) {
		case Pending:
			st.Pending = n
		case Failed:
			st.Failed = n
		case Sent:
			st.Sent = n
		}
	}
	if err := rows.Err(); err != nil {
		return st, b.wrap(err, "count messages")
	}
	if st.Pending > 0 {
		var oldest time.Time
		if err := b.db.SQL().QueryRowContext(ctx, `SELECT created_at FROM mail_outbox WHERE org_id = $1 AND status = 'pending'
			ORDER BY created_at LIMIT 1`, orgID).Scan(&oldest); err != nil {
			return st, b.wrap(err, "find the oldest pending message")
		}
		st.OldestPending = max(0, b.db.Now().Sub(oldest))
	}
	return st, nil
}

// Item is a message as the admin page lists it: never its body, and the
// recipient masked.
type Item struct {
	ID   string
	Kind string
	// Recipient is the address masked, like j***@nhs.net (MaskAddress).
	Recipient     string
	Subject       string
	Status        Status
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
}

// List returns up to limit (1 to 500; otherwise 100) of orgID's messages
// with status (all when ""), newest first. An unknown status is Invalid.
func (b *Outbox) List(ctx context.Context, orgID store.OrgID, status Status, limit int) ([]Item, error) {
	if status != "" && status != Pending && status != Sent && status != Failed {
		return nil, apperr.New(apperr.Invalid, "Choose pending, sent or failed")
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := b.db.SQL().QueryContext(ctx, `SELECT id, kind, to_addr, subject, status, attempts, next_attempt_at, last_error, created_at, sent_at
		FROM mail_outbox WHERE org_id = $1 AND ($2 = '' OR status = $2) ORDER BY created_at DESC, id DESC LIMIT $3`, orgID, string(status), limit)
	if err != nil {
		return nil, b.wrap(err, "list messages")
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		var to string
		if err := rows.Scan(&it.ID, &it.Kind, &to, &it.Subject, &it.Status, &it.Attempts, &it.NextAttemptAt, &it.LastError, &it.CreatedAt, &it.SentAt); err != nil {
			return nil, b.wrap(err, "list messages")
		}
		it.Recipient = MaskAddress(to)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, b.wrap(err, "list messages")
	}
	return out, nil
}

// Retry makes orgID's message id due now: a failed message is pending
// again with a fresh set of attempts (its last error kept until the next
// attempt), a pending one is tried at once. It returns NotFound for a
// message that is not orgID's, and Conflict for one already sent. Retry
// changes only the delivery record, so it writes no audit entry; the
// caller logs who asked.
func (b *Outbox) Retry(ctx context.Context, orgID store.OrgID, id string) error {
	return outbox.Retry(ctx, b.db, outbox.Table{Name: "mail_outbox", IDColumn: "id", Thing: "Message",
		Refused: map[string]string{string(Sent): "That message has been sent already"}}, orgID, id)
}

// MaskAddress shows an address so that whoever it belongs to can be
// recognised by someone who knows it but not read off by anyone else:
// the first character of the mailbox and the domain, j***@nhs.net.
func MaskAddress(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return "***"
	}
	r := []rune(local)
	if len(r) == 0 {
		return "***@" + domain
	}
	return string(r[0]) + "***@" + domain
}
