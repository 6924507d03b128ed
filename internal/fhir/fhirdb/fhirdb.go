// Package fhirdb is the SQL of the FHIR wing: the version history of each
// safety event as the FHIR mapping reads it (kept by a follower of the
// event entity, in the transaction of every change), the identifiers
// clients gave the events they created, and the searches of the FHIR API
// over the events and the implant register. Events and implants are
// written only through their own wings' db packages.
package fhirdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/google/uuid"
)

// DB is the FHIR wing's view of the database.
type DB struct {
	*store.DB
	Events  *eventsdb.DB
	Devices *devicesdb.DB
}

// New returns the wing's SQL on db.
func New(db *store.DB) *DB { return &DB{DB: db, Events: eventsdb.New(db), Devices: devicesdb.New(db)} }

// Content lists the FHIR wing's entities for store.Open: a follower of
// the safety event that keeps its versions, and the identifiers clients
// gave their events (written in the transaction of the create).
func Content() []store.Entity {
	return []store.Entity{{
		Name:      "fhir_version",
		Follows:   []string{"event"},
		OnChange:  keepVersion,
		OnChanges: keepVersions,
		Derived:   []string{"fhir_versions", "fhir_identifiers"},
	}}
}

type identKey struct{}

// WithIdentifier is ctx for creating an event that the client named
// with id: the create's transaction records it, so that a conditional
// create by that identifier finds the event.
func WithIdentifier(ctx context.Context, id fhir.Identifier) context.Context {
	return context.WithValue(ctx, identKey{}, id)
}

type orgKey struct{}

// orgODS is an organisation and its ODS code (WithOrganisation).
type orgODS struct {
	id   store.OrgID
	code string
}

// WithOrganisation is ctx for changes made by a principal of
// organisation id, whose ODS code (read with the principal) is code: the
// versions kept in the change's transaction name the organisation by it
// instead of reading it again.
func WithOrganisation(ctx context.Context, id store.OrgID, code string) context.Context {
	return context.WithValue(ctx, orgKey{}, orgODS{id, code})
}

// odsCode is the ODS code of organisation id, from ctx when
// WithOrganisation gave it, else as q reads it.
func odsCode(ctx context.Context, q store.Querier, id store.OrgID) (string, error) {
	if o, ok := ctx.Value(orgKey{}).(orgODS); ok && o.id == id {
		return o.code, nil
	}
	var code string
	err := q.QueryRowContext(ctx, `SELECT ods_code FROM organisations WHERE id = $1`, id).Scan(&code)
	return code, err
}

// Made is the mapping's input of event e, just made in one step (a
// report never a draft, eventsdb.Written.New) by an organisation whose
// ODS code is ods: it has no gradings yet. It is the version that
// keepVersion kept of it.
func Made(e eventsdb.Event, ods string) fhir.EventInput {
	in := inputBase(e)
	in.OrgODS = ods
	return in
}

// inputBase is the mapping's input of event e without the organisation's
// ODS code and the gradings.
func inputBase(e eventsdb.Event) fhir.EventInput {
	return fhir.EventInput{ID: e.ID, Ref: e.Ref, Record: e.Record, Status: e.Status, Audience: e.Audience,
		Anonymous: e.ReporterID == "", Confidential: e.Confidential, ReporterID: e.ReporterID,
		Version: e.Version, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt, SubmittedAt: e.SubmittedAt}
}

// keepVersion records the version of the event the change c made, in
// its transaction.
func keepVersion(ctx context.Context, tx *store.Tx, c store.Change) error {
	in, err := changed(ctx, tx, c)
	if store.NoRows(err) {
		return nil // a draft: not a FHIR resource until submitted
	}
	if err != nil {
		return err
	}
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("fhirdb: encode version of event %s: %w", c.EntityID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO fhir_versions (event_id, org_id, version, snapshot, last_updated) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (event_id, version) DO UPDATE SET snapshot = excluded.snapshot, last_updated = excluded.last_updated`,
		in.ID, c.OrgID, in.Version, string(b), in.UpdatedAt); err != nil {
		return fmt.Errorf("fhirdb: keep version %d of event %s: %w", in.Version, in.ID, err)
	}
	if id, ok := ctx.Value(identKey{}).(fhir.Identifier); ok && c.Action == "event.submit" {
		res, err := tx.ExecContext(ctx, `INSERT INTO fhir_identifiers (org_id, system, value, event_id, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (org_id, system, value) DO NOTHING`, c.OrgID, id.System, id.Value, in.ID, tx.Now())
		if err != nil {
			return fmt.Errorf("fhirdb: identifier of event %s: %w", in.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "Another AdverseEvent already has the identifier %s|%s", id.System, id.Value)
		}
	}
	return nil
}

// changed is the event of change c as the mapping needs it: from what
// its writer gave c's followers (eventsdb.WrittenIn) when it did, else
// read (snapshot); sql.ErrNoRows when it is not a submitted event.
func changed(ctx context.Context, tx *store.Tx, c store.Change) (fhir.EventInput, error) {
	w, ok := eventsdb.WrittenIn(tx, c)
	if !ok {
		return snapshot(ctx, tx, c.OrgID, c.EntityID)
	}
	e := w.Event
	if !resource(e, c) {
		return fhir.EventInput{}, sql.ErrNoRows
	}
	if !w.New {
		return inputOf(ctx, tx, e)
	}
	return madeInput(ctx, tx, e, nil)
}

// resource reports whether event e, given with change c, is a FHIR
// resource of c's organisation: a draft is not one until submitted.
func resource(e eventsdb.Event, c store.Change) bool {
	return e.Status != events.Draft && e.OrgID == c.OrgID
}

// madeInput maps new event e (see Made), its organisation's ODS code read
// once per organisation when ods keeps them (ods may be nil).
func madeInput(ctx context.Context, q store.Querier, e eventsdb.Event, ods map[store.OrgID]string) (fhir.EventInput, error) {
	code, ok := ods[e.OrgID]
	if !ok {
		var err error
		if code, err = odsCode(ctx, q, e.OrgID); err != nil {
			return fhir.EventInput{}, fmt.Errorf("fhirdb: organisation of event %s: %w", e.ID, err)
		}
		if ods != nil {
			ods[e.OrgID] = code
		}
	}
	return Made(e, code), nil
}

// snapshot reads submitted event id of orgID as the mapping needs it;
// sql.ErrNoRows when there is no such submitted event.
func snapshot(ctx context.Context, q store.Querier, orgID store.OrgID, id string) (fhir.EventInput, error) {
	if _, err := uuid.Parse(id); err != nil {
		return fhir.EventInput{}, sql.ErrNoRows
	}
	e, err := eventsdb.ScanEvent(q.QueryRowContext(ctx, `SELECT `+eventsdb.EventCols+` FROM events WHERE id = $1 AND org_id = $2 AND status <> $3`,
		id, orgID, string(events.Draft)))
	if err != nil {
		return fhir.EventInput{}, err
	}
	return inputOf(ctx, q, e)
}

func inputOf(ctx context.Context, q store.Querier, e eventsdb.Event) (fhir.EventInput, error) {
	ins, err := inputsOf(ctx, q, dollar, []eventsdb.Event{e})
	if err != nil {
		return fhir.EventInput{}, err
	}
	return ins[0], nil
}

// Event is submitted event id of orgID as the mapping reads it now;
// NotFound for a draft and another organisation's event.
func (s *DB) Event(ctx context.Context, orgID store.OrgID, id string) (fhir.EventInput, error) {
	in, err := snapshot(ctx, s.SQL(), orgID, id)
	return in, s.One(err, "AdverseEvent", "read event %s", id)
}

// EventTx is Event inside a transaction.
func (s *DB) EventTx(ctx context.Context, tx *store.Tx, orgID store.OrgID, id string) (fhir.EventInput, error) {
	in, err := snapshot(ctx, tx, orgID, id)
	return in, s.One(err, "AdverseEvent", "read event %s", id)
}

// Version is version v of event id as it was; NotFound when the event is
// not orgID's or that version was not kept (versions made before the
// FHIR wing was installed).
func (s *DB) Version(ctx context.Context, orgID store.OrgID, id string, v int) (fhir.EventInput, error) {
	cur, err := s.Event(ctx, orgID, id)
	if err != nil || cur.Version == v {
		return cur, err
	}
	var b string
	err = s.SQL().QueryRowContext(ctx, `SELECT snapshot FROM fhir_versions WHERE event_id = $1 AND org_id = $2 AND version = $3`, id, orgID, v).Scan(&b)
	if err != nil {
		return fhir.EventInput{}, s.One(err, fmt.Sprintf("Version %d of AdverseEvent %s", v, id), "read version %d of event %s", v, id)
	}
	var in fhir.EventInput
	if err := json.Unmarshal([]byte(b), &in); err != nil {
		return in, fmt.Errorf("fhirdb: read version %d of event %s: %w", v, id, err)
	}
	return in, nil
}

// History is every kept version of event id, newest first, the current
// one always among them.
func (s *DB) History(ctx context.Context, orgID store.OrgID, id string) ([]fhir.EventInput, error) {
	cur, err := s.Event(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.SQL().QueryContext(ctx, `SELECT version, snapshot FROM fhir_versions WHERE event_id = $1 AND org_id = $2 AND version < $3 ORDER BY version DESC LIMIT 1000`,
		id, orgID, cur.Version)
	if err != nil {
		return nil, s.Wrap(err, "history of event %s", id)
	}
	defer rows.Close()
	out := []fhir.EventInput{cur}
	for rows.Next() {
		var v int
		var b string
		if err := rows.Scan(&v, &b); err != nil {
			return nil, s.Wrap(err, "history of event %s", id)
		}
		var in fhir.EventInput
		if err := json.Unmarshal([]byte(b), &in); err != nil {
			return nil, fmt.Errorf("fhirdb: read version %d of event %s: %w", v, id, err)
		}
		out = append(out, in)
	}
	return out, s.Wrap(rows.Err(), "history of event %s", id)
}

// ByIdentifier is the event of orgID that a client named with system
// and value, or whose reference value is (system being clinsafe's); ""
// when there is none.
func (s *DB) ByIdentifier(ctx context.Context, q store.Querier, orgID store.OrgID, refSystem, system, value string) (string, error) {
	var id string
	var err error
	if system == refSystem || system == "" {
		err = q.QueryRowContext(ctx, `SELECT id FROM events WHERE org_id = $1 AND ref = $2 AND status <> $3`, orgID, value, string(events.Draft)).Scan(&id)
		if err == nil || system != "" {
			if store.NoRows(err) {
				return "", nil
			}
			return id, s.Wrap(err, "find event by identifier")
		}
	}
	err = q.QueryRowContext(ctx, `SELECT event_id FROM fhir_identifiers WHERE org_id = $1 AND system = $2 AND value = $3`, orgID, system, value).Scan(&id)
	if store.NoRows(err) {
		return "", nil
	}
	return id, s.Wrap(err, "find event by identifier")
}
