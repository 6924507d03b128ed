package eventsdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/google/uuid"
)

// Identity is how a staff member submits a report: with their name, in
// confidence (their name for the patient safety lead only), or
// anonymously (no identity stored, a follow-up code instead).
type Identity string

// The identities of a staff report.
const (
	Named        Identity = "named"
	Confidential Identity = "confidential"
	Anonymous    Identity = "anonymous"
)

// anonymousActor is ctx with its actor replaced by an anonymous one, so
// that neither the audit log nor the status history names the reporter.
func anonymousActor(ctx context.Context) context.Context {
	return audit.WithActor(ctx, audit.Actor{Name: "anonymous reporter", RequestID: audit.ActorFrom(ctx).RequestID})
}

// SubmitAs submits the signed-in reporter's draft id at version as Submit
// does, with their name, in confidence, or anonymously. An anonymous
// submission is a new event without reporter, recorded by an anonymous
// actor with a follow-up code (returned, shown once), and the draft that
// carried the reporter's name is discarded in the same transaction.
// Invalid with per-field messages; Conflict at a stale version; NotFound
// for another person's draft.
func (s *DB) SubmitAs(ctx context.Context, orgID store.OrgID, id string, version int, how Identity) (Event, string, error) {
	if how == Named || how == "" {
		e, err := s.Submit(ctx, orgID, id, version)
		return e, "", err
	}
	if how != Confidential && how != Anonymous {
		return Event{}, "", apperr.New(apperr.Invalid, "Choose how to report: with your name, in confidence or anonymously")
	}
	uid, err := reporter(ctx)
	if err != nil {
		return Event{}, "", err
	}
	d, err := s.Draft(ctx, orgID, id)
	if err != nil {
		return Event{}, "", err
	}
	if d.Version != version {
		return Event{}, "", apperr.New(apperr.Conflict, "This draft was changed in another window (version %d, you had %d). Check your answers again before you submit.", d.Version, version)
	}
	rec := d.Record
	if err := s.prepare(ctx, orgID, &rec, events.Staff); err != nil {
		return Event{}, "", err
	}
	var out Event
	var code string
	err = s.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if how == Confidential {
			out, err = s.submit(ctx, tx, orgID, id, version, rec, Submission{Audience: events.Staff, ReporterID: uid, Confidential: true})
			return err
		}
		if err := s.discardDraft(ctx, tx, orgID, uid, id, version); err != nil {
			return err
		}
		out, code, err = s.reportAnonymousTx(anonymousActor(ctx), tx, orgID, rec)
		return err
	})
	return out, code, err
}

// DiscardDraft deletes the signed-in reporter's own draft id at version: a
// draft is theirs alone until it is sent, and one they no longer want is
// gone (a sent report is never deleted). NotFound for another person's
// draft or a sent report; Conflict at a stale version.
func (s *DB) DiscardDraft(ctx context.Context, orgID store.OrgID, id string, version int) error {
	uid, err := reporter(ctx)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.draft(ctx, tx, orgID, uid, id); err != nil {
			return err
		}
		return s.discardDraft(ctx, tx, orgID, uid, id, version)
	})
}

// discardDraft deletes uid's draft id at version in tx. Its audit entry is
// the same whether the reporter gave the draft up or sent it anonymously
// as a new event (SubmitAs), so the trail does not say which drafts
// became anonymous reports.
func (s *DB) discardDraft(ctx context.Context, tx *store.Tx, orgID store.OrgID, uid, id string, version int) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE id = $1 AND org_id = $2 AND reporter_id = $3 AND status = $4 AND version = $5`,
		id, orgID, uid, string(events.Draft), version)
	if err != nil {
		return s.Wrap(err, "discard draft %s", id)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.Conflict, "This draft was changed or sent in another window. Open My reports to see it.")
	}
	return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event.draft_discard", Entity: "event", EntityID: id, Summary: "draft discarded"})
}

// ReportAnonymous checks and submits rec in one step for a staff member
// who reports anonymously: the event has no reporter, its audit entries
// and history an anonymous actor, and it gets a follow-up code (returned,
// shown once). Invalid with per-field messages.
func (s *DB) ReportAnonymous(ctx context.Context, orgID store.OrgID, rec events.Record) (Event, string, error) {
	if err := s.prepare(ctx, orgID, &rec, events.Staff); err != nil {
		return Event{}, "", err
	}
	var out Event
	var code string
	err := s.Tx(ctx, func(tx *store.Tx) error {
		var err error
		out, code, err = s.reportAnonymousTx(anonymousActor(ctx), tx, orgID, rec)
		return err
	})
	return out, code, err
}

// ReportAnonymousTx is ReportAnonymous's write inside the caller's
// transaction (a FHIR transaction bundle); rec must have been checked by
// Prepare.
func (s *DB) ReportAnonymousTx(ctx context.Context, tx *store.Tx, orgID store.OrgID, rec events.Record) (Event, string, error) {
	return s.reportAnonymousTx(anonymousActor(ctx), tx, orgID, rec)
}

func (s *DB) reportAnonymousTx(ctx context.Context, tx *store.Tx, orgID store.OrgID, rec events.Record) (Event, string, error) {
	code, hash := NewFollowUpCode()
	out, err := s.ReportTx(ctx, tx, orgID, rec, Submission{Audience: events.Staff})
	if err != nil {
		return Event{}, "", err
	}
	if err := s.AddFollowUp(ctx, tx, orgID, out.ID, hash); err != nil {
		return Event{}, "", err
	}
	return out, code, tx.AuditWith(ctx, store.Change{OrgID: orgID, Action: "event.followup", Entity: "event", EntityID: out.ID, Summary: "follow-up code issued"},
		Written{Event: out, New: true})
}

// HashDraftKey is the stored form of a public reporter's draft key (the
// random value of their cookie).
func HashDraftKey(key string) string {
	sum := sha256.Sum256([]byte("clinsafe public draft\x00" + key))
	return hex.EncodeToString(sum[:])
}

// PublicDraft returns the public draft of orgID whose key is key;
// NotFound for any other key.
func (s *DB) PublicDraft(ctx context.Context, orgID store.OrgID, key string) (Event, error) {
	return s.publicDraft(ctx, s.SQL(), orgID, key)
}

func (s *DB) publicDraft(ctx context.Context, q store.Querier, orgID store.OrgID, key string) (Event, error) {
	if key == "" {
		return Event{}, store.NotFound("draft")
	}
	e, err := ScanEvent(q.QueryRowContext(ctx, `SELECT `+EventCols+` FROM events WHERE draft_key = $1 AND org_id = $2 AND status = $3 AND audience = $4`,
		HashDraftKey(key), orgID, string(events.Draft), string(events.Public)))
	return e, s.One(err, "draft", "read public draft")
}

// SavePublicDraft saves the public reporter's draft held by key: a new
// one when create is set, else the draft at version (Conflict when it
// changed since). Only the named pages are checked, for the public
// audience. The draft keeps no identity: no reporter, no address.
func (s *DB) SavePublicDraft(ctx context.Context, orgID store.OrgID, key string, create bool, version int, rec events.Record, pages ...string) (Event, error) {
	if len(key) < 32 {
		return Event{}, store.NotFound("draft")
	}
	flow, err := s.Flow(ctx, orgID)
	if err != nil {
		return Event{}, err
	}
	cc, err := s.CheckContext(ctx, orgID)
	if err != nil {
		return Event{}, err
	}
	if rec.Type != "" || len(pages) > 0 {
		if err := flow.Check(rec, events.Public, cc, pages...); err != nil {
			return Event{}, err
		}
	}
	if rec.Answers == nil {
		rec.Answers = events.Answers{}
	}
	now := s.Now()
	d, err := derive(rec, now)
	if err != nil {
		return Event{}, err
	}
	hash := HashDraftKey(key)
	var out Event
	err = s.Tx(ctx, func(tx *store.Tx) error {
		var id string
		if create {
			id = store.NewID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO events (id, org_id, record_type, status, audience, taxonomy_version, record, draft_key,
				occurred_on, occurred_estimate, location, service_area, agents, system_id, reported_harm, harm, version, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL, $14, $14, 1, $15, $15)`,
				id, orgID, string(rec.Type), string(events.Draft), string(events.Public), events.TaxonomyVersion, d.record, hash,
				d.occurred, d.estimate, d.location, d.area, d.agents, d.harm, now); err != nil {
				return s.Wrap(err, "create public draft")
			}
		} else {
			cur, err := s.publicDraft(ctx, tx, orgID, key)
			if err != nil {
				return err
			}
			id = cur.ID
			res, err := tx.ExecContext(ctx, `UPDATE events SET record_type = $1, record = $2, occurred_on = $3, occurred_estimate = $4,
				location = $5, service_area = $6, agents = $7, reported_harm = $8, harm = $8, version = version + 1, updated_at = $9
				WHERE id = $10 AND org_id = $11 AND draft_key = $12 AND status = $13 AND version = $14`,
				string(rec.Type), d.record, d.occurred, d.estimate, d.location, d.area, d.agents, d.harm, now,
				id, orgID, hash, string(events.Draft), version)
			if err != nil {
				return s.Wrap(err, "save public draft")
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return apperr.New(apperr.Conflict, "This report was changed in another window (version %d, you had %d). Reload it to carry on.", cur.Version, version)
			}
		}
		if err := tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event.draft", Entity: "event", EntityID: id, Summary: "public draft saved"}); err != nil {
			return err
		}
		out, err = s.publicDraft(ctx, tx, orgID, key)
		return err
	})
	return out, err
}

// SubmitPublicDraft submits the public draft held by key at version, as
// ReportPublic does: checked for the public audience, with its follow-up
// code (returned, shown once, stored hashed) in the same transaction. The
// draft key is cleared, so the cookie no longer reads the report.
func (s *DB) SubmitPublicDraft(ctx context.Context, orgID store.OrgID, key string, version int) (Event, string, error) {
	d, err := s.PublicDraft(ctx, orgID, key)
	if err != nil {
		return Event{}, "", err
	}
	if d.Version != version {
		return Event{}, "", apperr.New(apperr.Conflict, "This report was changed in another window (version %d, you had %d). Check your answers again before you send it.", d.Version, version)
	}
	rec := d.Record
	if err := s.prepare(ctx, orgID, &rec, events.Public); err != nil {
		return Event{}, "", err
	}
	code, hash := NewFollowUpCode()
	var out Event
	err = s.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE events SET draft_key = NULL WHERE id = $1 AND org_id = $2`, d.ID, orgID); err != nil {
			return s.Wrap(err, "submit public draft")
		}
		var err error
		if out, err = s.submit(ctx, tx, orgID, d.ID, version, rec, Submission{Audience: events.Public}); err != nil {
			return err
		}
		if err := s.AddFollowUp(ctx, tx, orgID, out.ID, hash); err != nil {
			return err
		}
		return tx.AuditWith(ctx, store.Change{OrgID: orgID, Action: "event.followup", Entity: "event", EntityID: out.ID, Summary: "follow-up code issued"},
			Written{Event: out})
	})
	return out, code, err
}

// MyReport returns the submitted event id of orgID when the signed-in
// person reported it; NotFound for anyone else's (and for anonymous
// reports, which nothing links to a person).
func (s *DB) MyReport(ctx context.Context, orgID store.OrgID, id string) (Event, error) {
	uid, err := reporter(ctx)
	if err != nil {
		return Event{}, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return Event{}, store.NotFound("report")
	}
	e, err := s.Get(ctx, orgID, id)
	if err != nil || e.ReporterID != uid {
		return Event{}, store.NotFound("report")
	}
	return e, nil
}
