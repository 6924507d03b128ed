package eventsdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/store"
)

// followUpBytes is the follow-up code's randomness: 160 bits, above the
// 100 the issue asks, in 32 base-32 characters.
const followUpBytes = 20

var codeAlphabet = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewFollowUpCode returns a fresh follow-up code, grouped in fours for
// reading aloud ("ABCD-EFGH-..."), and the hash to store.
func NewFollowUpCode() (code, hash string) {
	b := make([]byte, followUpBytes)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	raw := codeAlphabet.EncodeToString(b)
	var groups []string
	for i := 0; i < len(raw); i += 4 {
		groups = append(groups, raw[i:min(i+4, len(raw))])
	}
	return strings.Join(groups, "-"), HashFollowUpCode(raw)
}

// HashFollowUpCode is the stored form of a code as typed: case, spaces and
// dashes do not matter.
func HashFollowUpCode(code string) string {
	norm := strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, code)
	sum := sha256.Sum256([]byte("clinsafe follow-up code\x00" + norm))
	return hex.EncodeToString(sum[:])
}

// ReportPublic submits a report from the public page with its follow-up
// code in one transaction, so that a report is never acknowledged without
// the code that reads its feedback. The reporter has no identity at all.
// It returns the event and the code, which is shown once and never
// stored.
func (s *DB) ReportPublic(ctx context.Context, orgID store.OrgID, rec events.Record) (Event, string, error) {
	if err := s.prepare(ctx, orgID, &rec, events.Public); err != nil {
		return Event{}, "", err
	}
	var out Event
	code, hash := NewFollowUpCode()
	err := s.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if out, err = s.ReportTx(ctx, tx, orgID, rec, Submission{Audience: events.Public}); err != nil {
			return err
		}
		if err := s.AddFollowUp(ctx, tx, orgID, out.ID, hash); err != nil {
			return err
		}
		return tx.AuditWith(ctx, store.Change{OrgID: orgID, Action: "event.followup", Entity: "event", EntityID: out.ID, Summary: "follow-up code issued"},
			Written{Event: out, New: true})
	})
	return out, code, err
}

// AddFollowUp stores the hash of event id's follow-up code, in the
// caller's transaction (a staff member reporting anonymously gets one too).
func (s *DB) AddFollowUp(ctx context.Context, tx *store.Tx, orgID store.OrgID, id, hash string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO event_followups (event_id, org_id, code_hash, created_at) VALUES ($1, $2, $3, $4)`, id, orgID, hash, s.Now())
	return s.Wrap(err, "store follow-up code of event %s", id)
}

// ByFollowUpCode returns the event of orgID whose follow-up code is code;
// NotFound for a wrong code, with the same message whatever the reason.
// Callers throttle guesses.
func (s *DB) ByFollowUpCode(ctx context.Context, orgID store.OrgID, code string) (Event, error) {
	var id string
	err := s.SQL().QueryRowContext(ctx, `SELECT event_id FROM event_followups WHERE code_hash = $1 AND org_id = $2`, HashFollowUpCode(code), orgID).Scan(&id)
	if store.NoRows(err) {
		return Event{}, apperr.New(apperr.NotFound, "That follow-up code is not right. Check it and try again.")
	}
	if err != nil {
		return Event{}, s.Wrap(err, "find follow-up code")
	}
	return s.Get(ctx, orgID, id)
}
