package eventsdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/google/uuid"
)

// Event is a safety event as stored: a draft, or a submitted report with
// its reference. The columns beside Record are derived from it when it is
// written.
type Event struct {
	ID     string            `json:"id"`
	OrgID  store.OrgID       `json:"-"`
	Ref    string            `json:"reference,omitempty"`
	Type   events.RecordType `json:"record_type"`
	Status events.Status     `json:"status"`
	// Audience is who reported: staff, or the public page.
	Audience events.Audience `json:"audience"`
	Record   events.Record   `json:"record"`
	// ReporterID is the staff member who reported; empty when the report
	// was anonymous or from the public page, which keeps no identity.
	ReporterID   string `json:"reporter_id,omitempty"`
	Confidential bool   `json:"confidential"`

	OccurredOn       string `json:"occurred_on,omitempty"`
	OccurredEstimate bool   `json:"occurred_estimate"`
	Location         string `json:"location,omitempty"`
	ServiceArea      string `json:"service_area,omitempty"`
	// Agents are the codes of the agents involved, as the agents column
	// keeps them (|3|9|), for the followers of a change (evidence).
	Agents   string `json:"-"`
	SystemID string `json:"system_id,omitempty"`
	// ReportedHarm is the worst physical harm the reporter gave; Harm is
	// the handler's grading once graded, else the reported harm.
	ReportedHarm string `json:"reported_harm,omitempty"`
	Harm         string `json:"harm,omitempty"`
	AssignedTo   string `json:"assigned_to,omitempty"`

	Version         int        `json:"version"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	SubmittedAt     *time.Time `json:"submitted_at,omitempty"`
	FirstFeedbackAt *time.Time `json:"first_feedback_at,omitempty"`
	ClosedAt        *time.Time `json:"closed_at,omitempty"`
}

// LogValue keeps an event's content out of logs: only its ids.
func (e Event) LogValue() string { return "event " + e.ID + " " + e.Ref }

// EventCols are the columns scanEvent reads, in order.
const EventCols = `id, org_id, COALESCE(ref, ''), record_type, status, audience, taxonomy_version, record,
	COALESCE(reporter_id, ''), confidential, occurred_on, occurred_estimate, location, service_area, agents,
	COALESCE(system_id, ''), reported_harm, harm, COALESCE(assigned_to, ''), version,
	created_at, updated_at, submitted_at, first_feedback_at, closed_at`

type scanner interface{ Scan(...any) error }

// ScanEvent reads a row of EventCols.
func ScanEvent(r scanner) (Event, error) {
	var e Event
	var tax, rec string
	var sub, fb, closed sql.NullTime
	err := r.Scan(&e.ID, &e.OrgID, &e.Ref, &e.Type, &e.Status, &e.Audience, &tax, &rec,
		&e.ReporterID, &e.Confidential, &e.OccurredOn, &e.OccurredEstimate, &e.Location, &e.ServiceArea, &e.Agents,
		&e.SystemID, &e.ReportedHarm, &e.Harm, &e.AssignedTo, &e.Version,
		&e.CreatedAt, &e.UpdatedAt, &sub, &fb, &closed)
	if err != nil {
		return e, err
	}
	if e.Record, err = storedRecord(rec, e.Type, tax); err != nil {
		return e, fmt.Errorf("event %s: read record: %w", e.ID, err)
	}
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	e.SubmittedAt, e.FirstFeedbackAt, e.ClosedAt = utcPtr(sub), utcPtr(fb), utcPtr(closed)
	return e, nil
}

// storedRecord is the record of an event as read from its columns: the
// record column rec, the record type typ and the taxonomy version tax.
func storedRecord(rec string, typ events.RecordType, tax string) (events.Record, error) {
	var r events.Record
	if err := json.Unmarshal([]byte(rec), &r); err != nil {
		return r, err
	}
	r.Type, r.TaxonomyVersion = typ, tax
	if r.Answers == nil {
		r.Answers = events.Answers{}
	}
	return r, nil
}

func utcPtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// derived are the columns written from a record.
type derived struct {
	record, occurred, location, area, agents, harm string
	estimate                                       bool
	system                                         any
}

func derive(r events.Record, reported time.Time) (derived, error) {
	b, err := json.Marshal(events.Record{Answers: r.Answers, Groups: r.Groups})
	if err != nil {
		return derived{}, fmt.Errorf("encode record: %w", err)
	}
	d := derived{record: string(b), location: r.Location(), area: r.Answers.Get(events.AnsServiceArea), harm: r.ReportedHarm()}
	if r.Type != "" {
		d.occurred, d.estimate = r.OccurredOn(reported)
	}
	if a := r.Agents(); len(a) > 0 {
		d.agents = "|" + strings.Join(a, "|") + "|"
	}
	if id := r.SystemID(); id != "" {
		d.system = id
	}
	return d, nil
}

// Flow is the question flow of orgID: the national flow with the
// organisation's local questions.
func (s *DB) Flow(ctx context.Context, orgID store.OrgID) (events.Flow, error) {
	local, err := s.LocalQuestions(ctx, orgID, false)
	if err != nil {
		return events.Flow{}, err
	}
	return events.Standard.WithLocal(local), nil
}

// CheckContext is what checking answers in orgID needs: the day and the
// organisation's registered Health IT systems.
func (s *DB) CheckContext(ctx context.Context, orgID store.OrgID) (events.Context, error) {
	ss, err := s.risk.SystemChoices(ctx, orgID)
	if err != nil {
		return events.Context{}, err
	}
	c := events.Context{Now: s.Now()}
	for _, sys := range ss {
		c.Systems = append(c.Systems, events.Entry{Code: sys.ID, Label: sys.Name, Hint: sys.Manufacturer})
	}
	return c, nil
}

// reporter is the signed-in actor who owns drafts; Unauthenticated
// without one.
func reporter(ctx context.Context) (string, error) {
	a := audit.ActorFrom(ctx)
	if a.UserID == "" {
		return "", apperr.New(apperr.Unauthenticated, "Sign in to save a draft report")
	}
	return a.UserID, nil
}

// SaveDraft saves the signed-in reporter's draft: a new one when id is
// empty, else the draft id at version (Conflict when it changed since).
// Only the answers of the named pages are checked, so a reporter can stop
// after any page and come back; Invalid with per-field messages. Another
// user's draft is NotFound.
func (s *DB) SaveDraft(ctx context.Context, orgID store.OrgID, id string, version int, rec events.Record, pages ...string) (Event, error) {
	uid, err := reporter(ctx)
	if err != nil {
		return Event{}, err
	}
	flow, err := s.Flow(ctx, orgID)
	if err != nil {
		return Event{}, err
	}
	cc, err := s.CheckContext(ctx, orgID)
	if err != nil {
		return Event{}, err
	}
	if rec.Type != "" || slices.Contains(pages, events.AnsType) {
		if err := flow.Check(rec, events.Staff, cc, pages...); err != nil {
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
	var out Event
	err = s.Tx(ctx, func(tx *store.Tx) error {
		if id == "" {
			id = store.NewID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO events (id, org_id, record_type, status, audience, taxonomy_version, record,
				reporter_id, occurred_on, occurred_estimate, location, service_area, agents, system_id, reported_harm, harm, version, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, 1, $16, $16)`,
				id, orgID, string(rec.Type), string(events.Draft), string(events.Staff), events.TaxonomyVersion, d.record,
				uid, d.occurred, d.estimate, d.location, d.area, d.agents, d.system, d.harm, now); err != nil {
				return s.Wrap(err, "create draft")
			}
		} else {
			if _, err := uuid.Parse(id); err != nil {
				return store.NotFound("draft")
			}
			res, err := tx.ExecContext(ctx, `UPDATE events SET record_type = $1, record = $2, occurred_on = $3, occurred_estimate = $4,
				location = $5, service_area = $6, agents = $7, system_id = $8, reported_harm = $9, harm = $9, version = version + 1, updated_at = $10
				WHERE id = $11 AND org_id = $12 AND reporter_id = $13 AND status = $14 AND version = $15`,
				string(rec.Type), d.record, d.occurred, d.estimate, d.location, d.area, d.agents, d.system, d.harm, now,
				id, orgID, uid, string(events.Draft), version)
			if err != nil {
				return s.Wrap(err, "save draft %s", id)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				cur, err := s.draft(ctx, tx, orgID, uid, id)
				if err != nil {
					return err
				}
				return apperr.New(apperr.Conflict, "This draft was changed in another window (version %d, you had %d). Reload it to carry on.", cur.Version, version)
			}
		}
		if err := tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event.draft", Entity: "event", EntityID: id,
			Summary: "draft saved"}); err != nil {
			return err
		}
		out, err = s.draft(ctx, tx, orgID, uid, id)
		return err
	})
	return out, err
}

func (s *DB) draft(ctx context.Context, q store.Querier, orgID store.OrgID, uid, id string) (Event, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Event{}, store.NotFound("draft")
	}
	e, err := ScanEvent(q.QueryRowContext(ctx, `SELECT `+EventCols+` FROM events WHERE id = $1 AND org_id = $2 AND reporter_id = $3 AND status = $4`,
		id, orgID, uid, string(events.Draft)))
	return e, s.One(err, "draft", "read draft %s", id)
}

// Draft returns the signed-in reporter's draft id; NotFound for anyone
// else's.
func (s *DB) Draft(ctx context.Context, orgID store.OrgID, id string) (Event, error) {
	uid, err := reporter(ctx)
	if err != nil {
		return Event{}, err
	}
	return s.draft(ctx, s.SQL(), orgID, uid, id)
}

// Drafts are the signed-in reporter's drafts in orgID, latest first.
func (s *DB) Drafts(ctx context.Context, orgID store.OrgID) ([]Event, error) {
	uid, err := reporter(ctx)
	if err != nil {
		return nil, err
	}
	return s.queryEvents(ctx, `SELECT `+EventCols+` FROM events WHERE org_id = $1 AND reporter_id = $2 AND status = $3 ORDER BY updated_at DESC LIMIT 50`,
		orgID, uid, string(events.Draft))
}

// Mine are the reports the signed-in reporter submitted in orgID, latest
// first (anonymous ones are not theirs to list: nothing links them).
func (s *DB) Mine(ctx context.Context, orgID store.OrgID, limit int) ([]Event, error) {
	uid, err := reporter(ctx)
	if err != nil {
		return nil, err
	}
	return s.queryEvents(ctx, `SELECT `+EventCols+` FROM events WHERE org_id = $1 AND reporter_id = $2 AND status <> $3 ORDER BY submitted_at DESC LIMIT $4`,
		orgID, uid, string(events.Draft), max(limit, 1))
}

func (s *DB) queryEvents(ctx context.Context, query string, args ...any) ([]Event, error) {
	rows, err := s.SQL().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.Wrap(err, "list events")
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e, err := ScanEvent(rows)
		if err != nil {
			return nil, s.Wrap(err, "read event")
		}
		out = append(out, e)
	}
	return out, s.Wrap(rows.Err(), "list events")
}

// Get returns the submitted event id of orgID (NotFound for a draft,
// which is its reporter's alone, and for another organisation's).
func (s *DB) Get(ctx context.Context, orgID store.OrgID, id string) (Event, error) {
	return s.get(ctx, s.SQL(), orgID, id)
}

func (s *DB) get(ctx context.Context, q store.Querier, orgID store.OrgID, id string) (Event, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Event{}, store.NotFound("event")
	}
	e, err := ScanEvent(q.QueryRowContext(ctx, `SELECT `+EventCols+` FROM events WHERE id = $1 AND org_id = $2 AND status <> $3`,
		id, orgID, string(events.Draft)))
	return e, s.One(err, "event", "read event %s", id)
}

// GetTx is Get inside a transaction of another eventsdb method.
func (s *DB) GetTx(ctx context.Context, tx *store.Tx, orgID store.OrgID, id string) (Event, error) {
	return s.get(ctx, tx, orgID, id)
}

// ByRef returns the submitted event with reference ref in orgID.
func (s *DB) ByRef(ctx context.Context, orgID store.OrgID, ref string) (Event, error) {
	e, err := ScanEvent(s.SQL().QueryRowContext(ctx, `SELECT `+EventCols+` FROM events WHERE org_id = $1 AND ref = $2`, orgID, strings.ToUpper(strings.TrimSpace(ref))))
	return e, s.One(err, "event", "read event %s", ref)
}

// Submit submits the signed-in reporter's draft id at version: every
// question the record asks must be answered (Invalid with per-field
// messages), answers of branches not taken are dropped, and the event
// gets its reference. The report is acknowledged only once this commits.
func (s *DB) Submit(ctx context.Context, orgID store.OrgID, id string, version int) (Event, error) {
	uid, err := reporter(ctx)
	if err != nil {
		return Event{}, err
	}
	d, err := s.Draft(ctx, orgID, id)
	if err != nil {
		return Event{}, err
	}
	if d.Version != version {
		return Event{}, apperr.New(apperr.Conflict, "This draft was changed in another window (version %d, you had %d). Check your answers again before you submit.", d.Version, version)
	}
	var out Event
	err = s.Tx(ctx, func(tx *store.Tx) error {
		rec := d.Record
		if err := s.prepare(ctx, orgID, &rec, events.Staff); err != nil {
			return err
		}
		out, err = s.submit(ctx, tx, orgID, id, version, rec, Submission{Audience: events.Staff, ReporterID: uid, Confidential: d.Confidential})
		return err
	})
	return out, err
}

// Submission says who reports a record submitted at once (the API, the
// public page).
type Submission struct {
	Audience events.Audience
	// ReporterID is the staff member reporting; empty for an anonymous
	// or public report.
	ReporterID   string
	Confidential bool
}

// prepare prunes and checks a record about to be submitted.
func (s *DB) prepare(ctx context.Context, orgID store.OrgID, rec *events.Record, a events.Audience) error {
	check, err := s.Checker(ctx, orgID)
	if err != nil {
		return err
	}
	return check(rec, a)
}

// Report checks and submits rec in one step, as the API and the public
// page do; Invalid with per-field messages. The reporter comes from sub,
// which the caller sets from the sign-in, never from the request body.
func (s *DB) Report(ctx context.Context, orgID store.OrgID, rec events.Record, sub Submission) (Event, error) {
	if sub.Audience != events.Staff && sub.Audience != events.Public {
		return Event{}, fmt.Errorf("eventsdb: report: audience %q", sub.Audience)
	}
	if sub.Audience == events.Public {
		sub.ReporterID, sub.Confidential = "", false
	}
	if err := s.prepare(ctx, orgID, &rec, sub.Audience); err != nil {
		return Event{}, err
	}
	var out Event
	err := s.Tx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = s.ReportTx(ctx, tx, orgID, rec, sub)
		return err
	})
	return out, err
}

// ReportTx is Report's write inside the caller's transaction, for a
// submission that must commit together with something else (the public
// page's follow-up code). rec must have been checked by Prepare.
func (s *DB) ReportTx(ctx context.Context, tx *store.Tx, orgID store.OrgID, rec events.Record, sub Submission) (Event, error) {
	return s.submit(ctx, tx, orgID, "", 0, rec, sub)
}

// Prepare prunes and checks rec for a submission by audience a in orgID,
// before ReportTx; Invalid with per-field messages.
func (s *DB) Prepare(ctx context.Context, orgID store.OrgID, rec *events.Record, a events.Audience) error {
	return s.prepare(ctx, orgID, rec, a)
}

// submit turns the draft row id (at version) into a submitted report, or
// writes a new submitted report when id is empty (one INSERT: a report
// made in one step is never a draft first).
func (s *DB) submit(ctx context.Context, tx *store.Tx, orgID store.OrgID, id string, version int, rec events.Record, sub Submission) (Event, error) {
	now := s.Now()
	d, err := derive(rec, now)
	if err != nil {
		return Event{}, err
	}
	n, err := s.TakeRef(ctx, tx, orgID, "PSE-"+now.Format("2006"))
	if err != nil {
		return Event{}, err
	}
	ref := eventRef(now.Format("2006"), n)
	if id == "" {
		// The row as stored comes back with the INSERT, so that nothing
		// of the submission reads it again (see Written).
		e, err := ScanEvent(tx.QueryRowContext(ctx, tx.InsertSQL("events", reportCols, reportColsN, 1)+` RETURNING `+EventCols,
			reportRow(store.NewID(), orgID, ref, rec, d, sub, now)...))
		if err != nil {
			return Event{}, s.Wrap(err, "create event")
		}
		return s.submitted(ctx, tx, Written{Event: e, New: true})
	}
	e, err := ScanEvent(tx.QueryRowContext(ctx, `UPDATE events SET ref = $1, record_type = $2, status = $3, record = $4, occurred_on = $5, occurred_estimate = $6,
		location = $7, service_area = $8, agents = $9, system_id = $10, reported_harm = $11, harm = $11, version = version + 1,
		updated_at = $12, submitted_at = $12, confidential = $13
		WHERE id = $14 AND org_id = $15 AND status = $16 AND version = $17
		RETURNING `+EventCols,
		ref, string(rec.Type), string(events.Submitted), d.record, d.occurred, d.estimate, d.location, d.area, d.agents, d.system, d.harm,
		now, sub.Confidential, id, orgID, string(events.Draft), version))
	if store.NoRows(err) {
		return Event{}, apperr.New(apperr.Conflict, "This draft was changed or submitted in another window. Open My reports to see it.")
	}
	if err != nil {
		return Event{}, s.Wrap(err, "submit event %s", id)
	}
	return s.submitted(ctx, tx, Written{Event: e})
}

// Written is an event as its writer holds it just after a change in the
// change's transaction, given to the followers of the change's audit
// entry (store.Tx.AuditWith) so that they need not read it again: see
// WrittenIn.
type Written struct {
	// Event is the row as stored, returned by the write itself.
	Event Event
	// New is set when the transaction made the event in one step (a
	// report never a draft): nothing else of it, no review, grading,
	// addendum, link or LFPSE submission, exists yet.
	New bool
}

// WrittenIn is the event of change c as its writer gave it to c's
// followers (see Written); false when the writer gave none, and the
// follower reads the event itself.
func WrittenIn(tx *store.Tx, c store.Change) (Written, bool) {
	if c.Entity != "event" {
		return Written{}, false
	}
	w, ok := tx.State(c.Entity, c.EntityID).(Written)
	return w, ok
}

// submitted records the submission of event w.Event, just written: its
// history, search entry and audit entry, in the submission's
// transaction. None of these changes the events row, so w.Event is the
// event as it stands at the audit entry and after.
func (s *DB) submitted(ctx context.Context, tx *store.Tx, w Written) (Event, error) {
	e := w.Event
	hctx := ctx
	if e.Confidential {
		// Every handler reads the history; only the patient safety lead
		// may know who made a confidential report.
		hctx = audit.WithActor(ctx, audit.Actor{Name: "reporter", RequestID: audit.ActorFrom(ctx).RequestID})
	}
	if err := s.AddHistory(hctx, tx, e.OrgID, e.ID, events.Submitted, ""); err != nil {
		return Event{}, err
	}
	if err := s.indexEvent(ctx, tx, e, w.New); err != nil {
		return Event{}, err
	}
	if err := tx.AuditWith(ctx, store.Change{OrgID: e.OrgID, Action: "event.submit", Entity: "event", EntityID: e.ID,
		Summary: e.Ref + " " + e.Type.Label()}, w); err != nil {
		return Event{}, err
	}
	return e, nil
}

// AddHistory records that event id moved to status, by the actor in ctx,
// in the caller's transaction.
func (s *DB) AddHistory(ctx context.Context, tx *store.Tx, orgID store.OrgID, id string, st events.Status, reason string) error {
	var actor any
	if a := audit.ActorFrom(ctx); a.UserID != "" {
		actor = a.UserID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO event_status_history (id, event_id, org_id, status, reason, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		store.NewID(), id, orgID, string(st), reason, actor, s.Now())
	return s.Wrap(err, "record status of event %s", id)
}

// StatusChange is one entry of an event's status history.
type StatusChange struct {
	Status    events.Status `json:"status"`
	Reason    string        `json:"reason,omitempty"`
	ActorID   string        `json:"actor_id,omitempty"`
	ActorName string        `json:"actor_name,omitempty"`
	At        time.Time     `json:"at"`
}

// History is the status history of event id, oldest first.
func (s *DB) History(ctx context.Context, orgID store.OrgID, id string) ([]StatusChange, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT h.status, h.reason, COALESCE(h.actor_id, ''), COALESCE(u.name, ''), h.at
		FROM event_status_history h LEFT JOIN users u ON u.id = h.actor_id
		WHERE h.event_id = $1 AND h.org_id = $2 ORDER BY h.at, h.id`, id, orgID)
	if err != nil {
		return nil, s.Wrap(err, "read history of event %s", id)
	}
	defer rows.Close()
	var out []StatusChange
	for rows.Next() {
		var c StatusChange
		if err := rows.Scan(&c.Status, &c.Reason, &c.ActorID, &c.ActorName, &c.At); err != nil {
			return nil, s.Wrap(err, "read history of event %s", id)
		}
		c.At = c.At.UTC()
		out = append(out, c)
	}
	return out, s.Wrap(rows.Err(), "read history of event %s", id)
}

// Prefill are the answers a new draft of the signed-in reporter starts
// with: where they last reported from, and their role, so that nobody is
// asked what clinsafe knows.
func (s *DB) Prefill(ctx context.Context, orgID store.OrgID) (events.Answers, error) {
	out := events.Answers{}
	mine, err := s.Mine(ctx, orgID, 1)
	if err != nil || len(mine) == 0 {
		return out, err
	}
	for _, q := range events.Standard.Questions {
		if q.Prefill == events.FromLastReport {
			if v := mine[0].Record.Answers[q.ID]; len(v) > 0 {
				out[q.ID] = v
			}
		}
	}
	return out, nil
}
