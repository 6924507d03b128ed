package eventsdb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/google/uuid"
)

// MaxReviewText is the longest addendum, note or learning summary.
const MaxReviewText = 20000

// Review is what the patient safety team recorded beside a report.
type Review struct {
	// Notes are internal: handlers only, never shown to the reporter.
	Notes string `json:"notes"`
	// LearningSummary is shown to the reporter and may be published.
	LearningSummary string     `json:"learning_summary"`
	DuplicateOf     string     `json:"duplicate_of,omitempty"`
	Governance      Governance `json:"governance"`
}

// Governance are an event's governance flags. Yes/no answers are "y",
// "n" or "" (not yet decided); dates are YYYY-MM-DD or "".
type Governance struct {
	// Duty of candour (Regulation 20): whether it applies, the day the
	// organisation became aware, the day the patient (or their family) was
	// told, and the day of the written follow-up.
	Candour          string `json:"duty_of_candour"`
	CandourAwareOn   string `json:"candour_aware_on,omitempty"`
	CandourToldOn    string `json:"candour_notified_on,omitempty"`
	CandourWrittenOn string `json:"candour_written_on,omitempty"`
	NeverEvent       string `json:"never_event"`
	NeverEventType   string `json:"never_event_type,omitempty"`
	CQCNotified      string `json:"cqc_notified"`
	CQCNotifiedOn    string `json:"cqc_notified_on,omitempty"`
	Safeguarding     string `json:"safeguarding_referral"`
	SeriousIncident  string `json:"serious_incident"`
}

// CandourDue is the day by which the patient should be told under the
// duty of candour: ten working days from the day the organisation became
// aware (the NHS standard contract's reading of "as soon as reasonably
// practicable"); "" when the duty does not apply or the day is unknown.
func (g Governance) CandourDue() string {
	if g.Candour != "y" || g.CandourAwareOn == "" {
		return ""
	}
	d, err := time.Parse(time.DateOnly, g.CandourAwareOn)
	if err != nil {
		return ""
	}
	for n := 0; n < 10; {
		d = d.AddDate(0, 0, 1)
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			n++
		}
	}
	return d.Format(time.DateOnly)
}

// Check validates the flags at day today: yes/no answers, real dates not
// in the future and in order, a never event's type. Invalid with
// per-field messages named as the JSON fields.
func (g *Governance) Check(today string) error {
	var fs apperr.Fields
	yn := func(v, field, what string) {
		fs.Check(v != "" && v != "y" && v != "n", field, "Select yes or no for "+what)
	}
	yn(g.Candour, "duty_of_candour", "duty of candour")
	yn(g.NeverEvent, "never_event", "never event")
	yn(g.CQCNotified, "cqc_notified", "CQC notification")
	yn(g.Safeguarding, "safeguarding_referral", "safeguarding referral")
	yn(g.SeriousIncident, "serious_incident", "serious incident")
	date := func(v, field, what string) {
		if v == "" {
			return
		}
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			fs.Add(field, "Enter "+what+" as a real date")
			return
		}
		fs.Check(v > today, field, sentence(what)+" must be today or in the past")
	}
	if g.Candour != "y" {
		g.CandourAwareOn, g.CandourToldOn, g.CandourWrittenOn = "", "", ""
	}
	date(g.CandourAwareOn, "candour_aware_on", "the date you became aware")
	date(g.CandourToldOn, "candour_notified_on", "the date the patient was told")
	date(g.CandourWrittenOn, "candour_written_on", "the date of the written follow-up")
	fs.Check(g.CandourToldOn != "" && g.CandourAwareOn != "" && g.CandourToldOn < g.CandourAwareOn, "candour_notified_on",
		"The date the patient was told must be on or after the date you became aware")
	fs.Check(g.CandourWrittenOn != "" && g.CandourToldOn == "", "candour_written_on", "Enter the date the patient was told before the written follow-up")
	fs.Check(g.CandourWrittenOn != "" && g.CandourToldOn != "" && g.CandourWrittenOn < g.CandourToldOn, "candour_written_on",
		"The written follow-up must be on or after the date the patient was told")
	switch g.NeverEvent {
	case "y":
		fs.Check(g.NeverEventType == "", "never_event_type", "Select the type of never event")
		fs.Check(g.NeverEventType != "" && !events.LFPSE.List(events.ListNeverEventType).Has(g.NeverEventType), "never_event_type", "Select a type of never event from the list")
	default:
		g.NeverEventType = ""
	}
	if g.CQCNotified != "y" {
		g.CQCNotifiedOn = ""
	}
	date(g.CQCNotifiedOn, "cqc_notified_on", "the date CQC was notified")
	return fs.Err()
}

func sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}

// Grading is a handler's harm grading of one patient of an event.
type Grading struct {
	Patient       int       `json:"patient"` // item of the patients group, from 0
	Physical      string    `json:"physical_harm"`
	Psychological string    `json:"psychological_harm"`
	Reason        string    `json:"reason,omitempty"`
	ActorID       string    `json:"actor_id,omitempty"`
	ActorName     string    `json:"actor_name,omitempty"`
	At            time.Time `json:"at"`
}

// Addendum is text added to an event after it was reported; never edited.
type Addendum struct {
	ID         string    `json:"id"`
	Body       string    `json:"body"`
	AuthorID   string    `json:"author_id,omitempty"`
	AuthorName string    `json:"author_name,omitempty"`
	At         time.Time `json:"at"`
}

// EventReview is everything the event page shows a handler beside the
// record.
type EventReview struct {
	Review
	// Gradings are the current grading of each graded patient; History
	// every grading given, oldest first.
	Gradings   []Grading      `json:"gradings"`
	History    []Grading      `json:"grading_history"`
	Addenda    []Addendum     `json:"addenda"`
	Duplicates []Event        `json:"-"`
	Kept       *Event         `json:"-"`
	Statuses   []StatusChange `json:"status_history"`
	AssignedTo string         `json:"-"`
	Assignee   string         `json:"assignee,omitempty"`
	DupRefs    []string       `json:"duplicates,omitempty"`
	KeptRef    string         `json:"duplicate_of_reference,omitempty"`
}

// GetReview returns the review of submitted event id in orgID.
func (s *DB) GetReview(ctx context.Context, orgID store.OrgID, id string) (EventReview, error) {
	e, err := s.Get(ctx, orgID, id)
	if err != nil {
		return EventReview{}, err
	}
	var out EventReview
	if out.Review, err = s.review(ctx, s.SQL(), orgID, id); err != nil {
		return out, err
	}
	if out.History, err = s.gradings(ctx, s.SQL(), orgID, id); err != nil {
		return out, err
	}
	out.Gradings = current(out.History)
	if out.Addenda, err = s.Addenda(ctx, orgID, id); err != nil {
		return out, err
	}
	if out.Statuses, err = s.History(ctx, orgID, id); err != nil {
		return out, err
	}
	if out.Duplicates, err = s.queryEvents(ctx, `SELECT `+EventCols+` FROM events WHERE org_id = $2 AND id IN
		(SELECT event_id FROM event_reviews WHERE duplicate_of = $1 AND org_id = $2) ORDER BY submitted_at, id`, id, orgID); err != nil {
		return out, err
	}
	for _, d := range out.Duplicates {
		out.DupRefs = append(out.DupRefs, d.Ref)
	}
	if out.DuplicateOf != "" {
		k, err := s.Get(ctx, orgID, out.DuplicateOf)
		if err != nil {
			return out, err
		}
		out.Kept, out.KeptRef = &k, k.Ref
	}
	if e.AssignedTo != "" {
		out.AssignedTo = e.AssignedTo
		_ = s.SQL().QueryRowContext(ctx, `SELECT name FROM users WHERE id = $1`, e.AssignedTo).Scan(&out.Assignee)
	}
	return out, nil
}

func (s *DB) review(ctx context.Context, q store.Querier, orgID store.OrgID, id string) (Review, error) {
	var r Review
	var dup sql.NullString
	g := &r.Governance
	err := q.QueryRowContext(ctx, `SELECT notes, learning_summary, duplicate_of, candour, candour_aware_on, candour_told_on, candour_written_on,
		never_event, never_event_type, cqc_notified, cqc_notified_on, safeguarding, serious_incident FROM event_reviews WHERE event_id = $1 AND org_id = $2`, id, orgID).
		Scan(&r.Notes, &r.LearningSummary, &dup, &g.Candour, &g.CandourAwareOn, &g.CandourToldOn, &g.CandourWrittenOn,
			&g.NeverEvent, &g.NeverEventType, &g.CQCNotified, &g.CQCNotifiedOn, &g.Safeguarding, &g.SeriousIncident)
	if err == sql.ErrNoRows {
		return Review{}, nil
	}
	r.DuplicateOf = dup.String
	return r, s.Wrap(err, "read review of event %s", id)
}

func (s *DB) writeReview(ctx context.Context, tx *store.Tx, orgID store.OrgID, id string, r Review) error {
	g := r.Governance
	var dup any
	if r.DuplicateOf != "" {
		dup = r.DuplicateOf
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO event_reviews (event_id, org_id, notes, learning_summary, duplicate_of, candour, candour_aware_on, candour_told_on,
		candour_written_on, never_event, never_event_type, cqc_notified, cqc_notified_on, safeguarding, serious_incident, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		ON CONFLICT (event_id) DO UPDATE SET notes = excluded.notes, learning_summary = excluded.learning_summary, duplicate_of = excluded.duplicate_of,
		candour = excluded.candour, candour_aware_on = excluded.candour_aware_on, candour_told_on = excluded.candour_told_on,
		candour_written_on = excluded.candour_written_on, never_event = excluded.never_event, never_event_type = excluded.never_event_type,
		cqc_notified = excluded.cqc_notified, cqc_notified_on = excluded.cqc_notified_on, safeguarding = excluded.safeguarding,
		serious_incident = excluded.serious_incident, updated_at = excluded.updated_at`,
		id, orgID, r.Notes, r.LearningSummary, dup, g.Candour, g.CandourAwareOn, g.CandourToldOn, g.CandourWrittenOn,
		g.NeverEvent, g.NeverEventType, g.CQCNotified, g.CQCNotifiedOn, g.Safeguarding, g.SeriousIncident, s.Now())
	return s.Wrap(err, "write review of event %s", id)
}

func (s *DB) gradings(ctx context.Context, q store.Querier, orgID store.OrgID, id string) ([]Grading, error) {
	rows, err := q.QueryContext(ctx, `SELECT g.patient, g.physical_harm, g.psychological_harm, g.reason, COALESCE(g.actor_id, ''), COALESCE(u.name, ''), g.at
		FROM event_gradings g LEFT JOIN users u ON u.id = g.actor_id WHERE g.event_id = $1 AND g.org_id = $2 ORDER BY g.at, g.id`, id, orgID)
	if err != nil {
		return nil, s.Wrap(err, "read gradings of event %s", id)
	}
	defer rows.Close()
	var out []Grading
	for rows.Next() {
		var g Grading
		if err := rows.Scan(&g.Patient, &g.Physical, &g.Psychological, &g.Reason, &g.ActorID, &g.ActorName, &g.At); err != nil {
			return nil, s.Wrap(err, "read gradings of event %s", id)
		}
		g.At = g.At.UTC()
		out = append(out, g)
	}
	return out, s.Wrap(rows.Err(), "read gradings of event %s", id)
}

// current is the latest grading of each patient, by patient.
func current(history []Grading) []Grading {
	by := map[int]Grading{}
	for _, g := range history {
		by[g.Patient] = g
	}
	out := make([]Grading, 0, len(by))
	for _, g := range by {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b Grading) int { return a.Patient - b.Patient })
	return out
}

// Addenda are the addenda of event id, oldest first.
func (s *DB) Addenda(ctx context.Context, orgID store.OrgID, id string) ([]Addendum, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT a.id, a.body, COALESCE(a.author_id, ''), COALESCE(u.name, ''), a.at
		FROM event_addenda a LEFT JOIN users u ON u.id = a.author_id WHERE a.event_id = $1 AND a.org_id = $2 ORDER BY a.at, a.id`, id, orgID)
	if err != nil {
		return nil, s.Wrap(err, "read addenda of event %s", id)
	}
	defer rows.Close()
	var out []Addendum
	for rows.Next() {
		var a Addendum
		if err := rows.Scan(&a.ID, &a.Body, &a.AuthorID, &a.AuthorName, &a.At); err != nil {
			return nil, s.Wrap(err, "read addenda of event %s", id)
		}
		a.At = a.At.UTC()
		out = append(out, a)
	}
	return out, s.Wrap(rows.Err(), "read addenda of event %s", id)
}

// Update is a handler's change to an event: each part that is not nil
// (or, for Grades, not empty) is changed, in one transaction at the
// event's Version.
type Update struct {
	Version int `json:"version"`
	// AssignTo is the handler to assign ("" to unassign).
	AssignTo        *string     `json:"assigned_to,omitempty"`
	Grades          []Grading   `json:"gradings,omitempty"`
	Governance      *Governance `json:"governance,omitempty"`
	LearningSummary *string     `json:"learning_summary,omitempty"`
	Notes           *string     `json:"notes,omitempty"`
}

// begin locks event id at version for a handler's change in tx: the
// version is bumped at once, so a concurrent change at the same version
// finds it stale (Conflict) and a failed change rolls the bump back.
func (s *DB) begin(ctx context.Context, tx *store.Tx, orgID store.OrgID, id string, version int) (Event, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Event{}, store.NotFound("event")
	}
	res, err := tx.ExecContext(ctx, `UPDATE events SET version = version + 1, updated_at = $1 WHERE id = $2 AND org_id = $3 AND status <> $4 AND version = $5`,
		s.Now(), id, orgID, string(events.Draft), version)
	if err != nil {
		return Event{}, s.Wrap(err, "update event %s", id)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		cur, err := s.get(ctx, tx, orgID, id)
		if err != nil {
			return Event{}, err
		}
		return Event{}, apperr.New(apperr.Conflict, "%s was changed by someone else since you opened it (version %d, you had %d). Reload the page to see the change.", cur.Ref, cur.Version, version)
	}
	return s.get(ctx, tx, orgID, id)
}

func checkText(fs *apperr.Fields, field, v string) {
	fs.Check(utf8.RuneCountInString(v) > MaxReviewText, field, fmt.Sprintf("Must be %d characters or fewer", MaxReviewText))
}

// Update applies u to submitted event id of orgID: assignment (to a
// handler of orgID), harm gradings (each patient's physical and
// psychological harm, kept with their history; events.harm becomes the
// worst graded physical harm), governance flags, learning summary and
// internal notes. Invalid with per-field messages, Conflict at a stale
// version, NotFound for another organisation's event.
func (s *DB) Update(ctx context.Context, orgID store.OrgID, id string, u Update) (Event, error) {
	var fs apperr.Fields
	if u.Governance != nil {
		if err := u.Governance.Check(clock.Date(s.Now())); err != nil {
			for f, m := range apperr.FieldsOf(err) {
				fs.Add(f, m)
			}
		}
	}
	if u.LearningSummary != nil {
		*u.LearningSummary = strings.TrimSpace(*u.LearningSummary)
		checkText(&fs, "learning_summary", *u.LearningSummary)
	}
	if u.Notes != nil {
		*u.Notes = strings.TrimSpace(*u.Notes)
		checkText(&fs, "notes", *u.Notes)
	}
	for i, g := range u.Grades {
		f := fmt.Sprintf("gradings.%d.", i)
		fs.Check(!events.LFPSE.List(events.ListPhysicalHarm).Has(g.Physical), f+"physical_harm", "Select the physical harm")
		fs.Check(!events.LFPSE.List(events.ListPsychHarm).Has(g.Psychological), f+"psychological_harm", "Select the psychological harm")
		checkText(&fs, f+"reason", g.Reason)
	}
	if err := fs.Err(); err != nil {
		return Event{}, err
	}
	var out Event
	err := s.Tx(ctx, func(tx *store.Tx) error {
		e, err := s.begin(ctx, tx, orgID, id, u.Version)
		if err != nil {
			return err
		}
		var what []string
		if u.AssignTo != nil {
			var to any
			if *u.AssignTo != "" {
				roles, err := s.MemberRoles(ctx, tx, orgID, *u.AssignTo)
				if err != nil {
					return err
				}
				if !slices.Contains(roles, auth.Handler) {
					return &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with what was entered",
						Fields: map[string]string{"assigned_to": "Select a handler of this organisation"}}
				}
				to = *u.AssignTo
			}
			if _, err := tx.ExecContext(ctx, `UPDATE events SET assigned_to = $1 WHERE id = $2 AND org_id = $3`, to, id, orgID); err != nil {
				return s.Wrap(err, "assign event %s", id)
			}
			what = append(what, "assigned")
		}
		if len(u.Grades) > 0 {
			if err := s.grade(ctx, tx, orgID, e, u.Grades); err != nil {
				return err
			}
			what = append(what, "harm graded")
		}
		if u.Governance != nil || u.LearningSummary != nil || u.Notes != nil {
			r, err := s.review(ctx, tx, orgID, id)
			if err != nil {
				return err
			}
			if u.Governance != nil {
				r.Governance = *u.Governance
				what = append(what, "governance")
			}
			if u.LearningSummary != nil {
				r.LearningSummary = *u.LearningSummary
				what = append(what, "learning summary")
			}
			if u.Notes != nil {
				r.Notes = *u.Notes
				what = append(what, "notes")
			}
			if err := s.writeReview(ctx, tx, orgID, id, r); err != nil {
				return err
			}
		}
		if len(what) == 0 {
			return apperr.New(apperr.Invalid, "Nothing to change: send at least one of assigned_to, gradings, governance, learning_summary or notes")
		}
		if err := s.index(ctx, tx, orgID, id); err != nil {
			return err
		}
		if err := tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event.review", Entity: "event", EntityID: id,
			Summary: e.Ref + ": " + strings.Join(what, ", ")}); err != nil {
			return err
		}
		out, err = s.get(ctx, tx, orgID, id)
		return err
	})
	return out, err
}

// grade records gradings of e's patients and sets events.harm to the
// worst physical harm of the latest gradings (ungraded patients count as
// reported).
func (s *DB) grade(ctx context.Context, tx *store.Tx, orgID store.OrgID, e Event, gs []Grading) error {
	patients := e.Record.Groups[events.GroupPatients]
	var fs apperr.Fields
	for i, g := range gs {
		fs.Check(g.Patient < 0 || g.Patient >= len(patients), fmt.Sprintf("gradings.%d.patient", i), "This event has no such patient to grade")
	}
	if err := fs.Err(); err != nil {
		return err
	}
	var actor any
	if a := audit.ActorFrom(ctx); a.UserID != "" {
		actor = a.UserID
	}
	now := s.Now()
	for _, g := range gs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_gradings (id, event_id, org_id, patient, physical_harm, psychological_harm, reason, actor_id, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, store.NewID(), e.ID, orgID, g.Patient, g.Physical, g.Psychological, strings.TrimSpace(g.Reason), actor, now); err != nil {
			return s.Wrap(err, "grade event %s", e.ID)
		}
	}
	hist, err := s.gradings(ctx, tx, orgID, e.ID)
	if err != nil {
		return err
	}
	graded := map[int]string{}
	for _, g := range current(hist) {
		graded[g.Patient] = g.Physical
	}
	worst := ""
	for i, p := range patients {
		h := p.Get(events.PatPhysical)
		if g, ok := graded[i]; ok {
			h = g
		}
		if h != "" && (worst == "" || h < worst) {
			worst = h
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE events SET harm = $1 WHERE id = $2 AND org_id = $3`, worst, e.ID, orgID)
	return s.Wrap(err, "grade event %s", e.ID)
}

// StatusInput is a handler's change of an event's status.
type StatusInput struct {
	Version int           `json:"version"`
	Status  events.Status `json:"status"`
	// Reason: why it is not a patient safety event (required), what
	// information is awaited, or why a closed event is reopened (required).
	Reason string `json:"reason,omitempty"`
	// LearningSummary, when given, is recorded with a closure.
	LearningSummary string `json:"learning_summary,omitempty"`
	// DuplicateOf is the event kept, for a duplicate.
	DuplicateOf string `json:"duplicate_of,omitempty"`
}

// SetStatus moves submitted event id of orgID to in.Status, with who and
// when in its history. Closing needs a learning summary; not a patient
// safety event needs a reason; a duplicate names the kept event (see
// Merge); a closed, duplicate or not-patient-safety event can be reopened
// (in review) with a reason. Invalid with per-field messages, Conflict at
// a stale version.
func (s *DB) SetStatus(ctx context.Context, orgID store.OrgID, id string, in StatusInput) (Event, error) {
	in.Reason, in.LearningSummary, in.DuplicateOf = strings.TrimSpace(in.Reason), strings.TrimSpace(in.LearningSummary), strings.TrimSpace(in.DuplicateOf)
	var fs apperr.Fields
	fs.Check(!slices.Contains([]events.Status{events.InReview, events.AwaitingInfo, events.Closed, events.Duplicate, events.NotPSE}, in.Status),
		"status", "Select a status: in review, awaiting information, closed, duplicate or not a patient safety event")
	checkText(&fs, "reason", in.Reason)
	checkText(&fs, "learning_summary", in.LearningSummary)
	fs.Check(in.Status == events.NotPSE && in.Reason == "", "reason", "Enter why this is not a patient safety event")
	fs.Check(in.Status == events.Duplicate && in.DuplicateOf == "", "duplicate_of", "Enter the reference of the event this duplicates")
	if err := fs.Err(); err != nil {
		return Event{}, err
	}
	var out Event
	err := s.Tx(ctx, func(tx *store.Tx) error {
		e, err := s.begin(ctx, tx, orgID, id, in.Version)
		if err != nil {
			return err
		}
		before := e // begin changes only the version
		if before.Status == in.Status {
			return apperr.New(apperr.Conflict, "%s is already %s.", e.Ref, strings.ToLower(in.Status.Label()))
		}
		if !before.Status.Open() && in.Status != events.InReview {
			return apperr.New(apperr.Conflict, "%s is %s: reopen it (in review) first.", e.Ref, strings.ToLower(before.Status.Label()))
		}
		if !before.Status.Open() && in.Reason == "" {
			return &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with what was entered", Fields: map[string]string{"reason": "Enter why you are reopening this event"}}
		}
		r, err := s.review(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		summary := e.Ref + " " + in.Status.Label()
		switch in.Status {
		case events.Closed:
			if in.LearningSummary != "" {
				r.LearningSummary = in.LearningSummary
			}
			if r.LearningSummary == "" {
				return &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with what was entered",
					Fields: map[string]string{"learning_summary": "Enter a learning summary before you close the event"}}
			}
		case events.Duplicate:
			kept, err := s.keptFor(ctx, tx, orgID, id, in.DuplicateOf)
			if err != nil {
				return err
			}
			r.DuplicateOf = kept.ID
			summary += " of " + kept.Ref
		}
		if before.Status == events.Duplicate {
			r.DuplicateOf = ""
		}
		if err := s.writeReview(ctx, tx, orgID, id, r); err != nil {
			return err
		}
		var closed any
		if in.Status == events.Closed {
			closed = s.Now()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET status = $1, closed_at = $2 WHERE id = $3 AND org_id = $4`, string(in.Status), closed, id, orgID); err != nil {
			return s.Wrap(err, "set status of event %s", id)
		}
		if err := s.AddHistory(ctx, tx, orgID, id, in.Status, in.Reason); err != nil {
			return err
		}
		if err := s.tellReporter(ctx, tx, orgID, id, in.Status, in.Reason, r.LearningSummary); err != nil {
			return err
		}
		if err := s.index(ctx, tx, orgID, id); err != nil {
			return err
		}
		if err := tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event.status", Entity: "event", EntityID: id, Summary: summary}); err != nil {
			return err
		}
		out, err = s.get(ctx, tx, orgID, id)
		return err
	})
	return out, err
}

// tellReporter tells the reporter of event id, in the status change's
// transaction, that it moved to st: through the follow-up part's
// feedback, with the learning summary on closure, and what information is
// awaited (the reason) when it waits on information.
func (s *DB) tellReporter(ctx context.Context, tx *store.Tx, orgID store.OrgID, id string, st events.Status, reason, summary string) error {
	if st != events.AwaitingInfo {
		return s.NotifyStatus(ctx, tx, orgID, id, st, clip(summary, MaxMessage-200))
	}
	text := "The patient safety team needs more information about your report before they can finish reviewing it."
	if reason != "" {
		text += "\n\nWhat they need: " + clip(reason, MaxMessage-200)
	}
	return s.NotifyReporter(ctx, tx, orgID, id, KindStatus, text)
}

// clip is s cut to at most n characters, ending "…" when cut, so that a
// long summary or reason still fits one message to the reporter.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// keptFor finds the event a duplicate id points at, by id or reference:
// another submitted event of orgID that is not itself a duplicate.
func (s *DB) keptFor(ctx context.Context, tx *store.Tx, orgID store.OrgID, id, ref string) (Event, error) {
	bad := func(msg string) error {
		return &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with what was entered", Fields: map[string]string{"duplicate_of": msg}}
	}
	var k Event
	var err error
	if _, perr := uuid.Parse(ref); perr == nil {
		k, err = s.get(ctx, tx, orgID, ref)
	} else {
		k, err = ScanEvent(tx.QueryRowContext(ctx, `SELECT `+EventCols+` FROM events WHERE org_id = $1 AND ref = $2`, orgID, strings.ToUpper(ref)))
		err = s.One(err, "event", "read event %s", ref)
	}
	switch {
	case apperr.Is(err, apperr.NotFound):
		return Event{}, bad("There is no event " + ref + " in this organisation")
	case err != nil:
		return Event{}, err
	case k.ID == id:
		return Event{}, bad("An event cannot be a duplicate of itself")
	case k.Status == events.Duplicate:
		return Event{}, bad(k.Ref + " is itself a duplicate: merge into the event it duplicates")
	}
	return k, nil
}

// Merge marks event dupID (at version) a duplicate of event kept (an id or
// a reference): the duplicate points at the kept record, which lists it;
// nothing is deleted.
func (s *DB) Merge(ctx context.Context, orgID store.OrgID, dupID string, version int, kept, reason string) (Event, error) {
	return s.SetStatus(ctx, orgID, dupID, StatusInput{Version: version, Status: events.Duplicate, DuplicateOf: kept, Reason: reason})
}

// AddAddendum appends body to event id of orgID, by the actor in ctx. An
// addendum is never edited or removed. Invalid when empty or too long.
func (s *DB) AddAddendum(ctx context.Context, orgID store.OrgID, id, body string) (Addendum, error) {
	body = strings.TrimSpace(body)
	var fs apperr.Fields
	fs.Check(body == "", "body", "Enter the addendum")
	checkText(&fs, "body", body)
	if err := fs.Err(); err != nil {
		return Addendum{}, err
	}
	a := Addendum{ID: store.NewID(), Body: body, At: s.Now()}
	if act := audit.ActorFrom(ctx); act.UserID != "" {
		a.AuthorID, a.AuthorName = act.UserID, act.Name
	}
	err := s.Tx(ctx, func(tx *store.Tx) error {
		e, err := s.get(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		var author any
		if a.AuthorID != "" {
			author = a.AuthorID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_addenda (id, event_id, org_id, body, author_id, at) VALUES ($1, $2, $3, $4, $5, $6)`,
			a.ID, id, orgID, body, author, a.At); err != nil {
			return s.Wrap(err, "add addendum to event %s", id)
		}
		// An append conflicts with no other change, so it leaves the
		// version alone: a colleague's open form stays current.
		if _, err := tx.ExecContext(ctx, `UPDATE events SET updated_at = $1 WHERE id = $2 AND org_id = $3`, a.At, id, orgID); err != nil {
			return s.Wrap(err, "add addendum to event %s", id)
		}
		if err := s.index(ctx, tx, orgID, id); err != nil {
			return err
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event.addendum", Entity: "event", EntityID: id, Summary: e.Ref + ": addendum added"})
	})
	return a, err
}

// Handlers are the people of orgID who may be assigned events.
func (s *DB) Handlers(ctx context.Context, orgID store.OrgID) ([]store.User, error) {
	us, err := s.ListUsers(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var out []store.User
	for _, u := range us {
		if slices.Contains(u.Roles, auth.Handler) && !u.Disabled {
			out = append(out, u)
		}
	}
	return out, nil
}

// Attention is what the review queue asks of handler uid in orgID: new
// reports nobody has taken (oldest first), those assigned to them, and
// whether any is urgent (severe or fatal harm, or a never event).
type Attention struct {
	New, Mine         int
	Oldest            []Event
	Urgent            int
	OldestSubmittedAt *time.Time
}

// ReviewAttention counts what waits for handler uid in orgID.
func (s *DB) ReviewAttention(ctx context.Context, orgID store.OrgID, uid string) (Attention, error) {
	var a Attention
	err := s.SQL().QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN status = $2 AND assigned_to IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN assigned_to = $3 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN (status = $2 AND assigned_to IS NULL OR assigned_to = $3) AND (harm IN ('1', '2') OR EXISTS
			(SELECT 1 FROM event_reviews r WHERE r.event_id = events.id AND r.never_event = 'y')) THEN 1 ELSE 0 END), 0)
		FROM events WHERE org_id = $1 AND status IN ($2, $4, $5)`,
		orgID, string(events.Submitted), uid, string(events.InReview), string(events.AwaitingInfo)).Scan(&a.New, &a.Mine, &a.Urgent)
	if err != nil {
		return a, s.Wrap(err, "count events to review")
	}
	if a.New > 0 {
		a.Oldest, err = s.queryEvents(ctx, `SELECT `+EventCols+` FROM events WHERE org_id = $1 AND status = $2 AND assigned_to IS NULL ORDER BY submitted_at, id LIMIT 3`,
			orgID, string(events.Submitted))
		if err == nil && len(a.Oldest) > 0 {
			a.OldestSubmittedAt = a.Oldest[0].SubmittedAt
		}
	}
	return a, err
}
