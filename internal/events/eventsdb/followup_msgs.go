package eventsdb

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Direction says which way a message of the conversation goes.
type Direction string

// The two directions of the conversation.
const (
	ToReporter   Direction = "to_reporter"
	FromReporter Direction = "from_reporter"
)

// MessageKind says what a message is.
type MessageKind string

// Kinds of message: a handler's question and the reporter's answer; the
// feedback (with the learning summary) and status updates the reporter is
// told of by default.
const (
	KindQuestion MessageKind = "question"
	KindAnswer   MessageKind = "answer"
	KindFeedback MessageKind = "feedback"
	KindStatus   MessageKind = "status"
)

// The words each side of the conversation sees for the other: neither
// learns who the other is.
const (
	TeamWords     = "The patient safety team"
	ReporterWords = "The reporter"
)

// MaxMessage is the longest message, in characters.
const MaxMessage = 5000

// FollowUpLife is how long after an event is closed its follow-up code
// still opens the conversation.
const FollowUpLife = 90 * 24 * time.Hour

// Message is one message of an event's conversation.
type Message struct {
	ID        string      `json:"id"`
	Direction Direction   `json:"direction"`
	Kind      MessageKind `json:"kind"`
	Body      string      `json:"body"`
	// From is who it is from in the words of the side reading it ("The
	// patient safety team", "The reporter").
	From string `json:"from"`
	// AuthorName is the handler who wrote a message to the reporter, in
	// the team's own view only; never in the reporter's.
	AuthorName string     `json:"author_name,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ReadAt     *time.Time `json:"read_at,omitempty"`
}

// View is whose view of a conversation is read.
type View int

// The two views of a conversation.
const (
	TeamView View = iota
	ReporterView
)

// ErrWrongCode is the one answer to a follow-up code that is wrong,
// malformed or guessed, so that none can be told apart.
var ErrWrongCode = apperr.New(apperr.NotFound, "That follow-up code is not right. Check it and try again.")

// errCodeExpired says that a right code no longer opens the conversation.
var errCodeExpired = apperr.New(apperr.NotFound, "This follow-up code no longer works: the report was closed more than 90 days ago. You can make a new report if you need to.")

// codeLen is the length of a follow-up code without its dashes.
var codeLen = codeAlphabet.EncodedLen(followUpBytes)

// FollowUp returns the event of orgID whose follow-up code is code.
// A wrong, malformed or guessed code is ErrWrongCode (callers throttle
// those); the code of an event closed more than FollowUpLife ago is
// NotFound with a message saying so.
func (s *DB) FollowUp(ctx context.Context, orgID store.OrgID, code string) (Event, error) {
	norm := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, code)
	if len(norm) != codeLen {
		return Event{}, ErrWrongCode
	}
	for _, r := range strings.ToUpper(norm) {
		if !(r >= 'A' && r <= 'Z' || r >= '2' && r <= '7') {
			return Event{}, ErrWrongCode
		}
	}
	e, err := s.ByFollowUpCode(ctx, orgID, norm)
	if apperr.Is(err, apperr.NotFound) {
		return Event{}, ErrWrongCode
	}
	if err != nil {
		return Event{}, err
	}
	if e.ClosedAt != nil && s.Now().Sub(*e.ClosedAt) > FollowUpLife {
		return Event{}, errCodeExpired
	}
	return e, nil
}

// IsExpiredCode reports whether err says a right follow-up code has
// expired (which is not a guess to throttle).
func IsExpiredCode(err error) bool { return errors.Is(err, errCodeExpired) }

func checkBody(body string) (string, error) {
	body = strings.TrimSpace(body)
	var f apperr.Fields
	f.Check(body == "", "body", "Enter your message")
	f.Check(utf8.RuneCountInString(body) > MaxMessage, "body", "Your message must be 5,000 characters or fewer")
	return body, f.Err()
}

// reachable reports whether the reporter of e can be reached: a staff
// reporter through My reports, anyone else through a follow-up code.
func (s *DB) reachable(ctx context.Context, q store.Querier, e Event) (bool, error) {
	if e.ReporterID != "" {
		return true, nil
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_followups WHERE event_id = $1 AND org_id = $2`, e.ID, e.OrgID).Scan(&n)
	return n > 0, s.Wrap(err, "find follow-up code of event %s", e.ID)
}

// Ask sends the reporter of event id a question from the handler in ctx
// and moves the event to awaiting information. Invalid for an empty or
// oversize question; Conflict when the event is no longer open or its
// reporter cannot be reached; NotFound for another organisation's event.
func (s *DB) Ask(ctx context.Context, orgID store.OrgID, id, body string) (Message, error) {
	uid, err := reporter(ctx)
	if err != nil {
		return Message{}, err
	}
	body, err = checkBody(body)
	if err != nil {
		return Message{}, err
	}
	var out Message
	err = s.Tx(ctx, func(tx *store.Tx) error {
		e, err := s.get(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if !e.Status.Open() {
			return apperr.New(apperr.Conflict, "This event is %s, so the reporter cannot be asked anything more.", strings.ToLower(e.Status.Label()))
		}
		if ok, err := s.reachable(ctx, tx, e); err != nil {
			return err
		} else if !ok {
			return apperr.New(apperr.Conflict, "The reporter of this event cannot be reached: the report was made without a follow-up code.")
		}
		if e.Status != events.AwaitingInfo {
			if err := s.setStatus(ctx, tx, e, events.AwaitingInfo, "Information asked of the reporter"); err != nil {
				return err
			}
		}
		if out, err = s.deliver(ctx, tx, e, KindQuestion, body, uid); err != nil {
			return err
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event.question", Entity: "event", EntityID: id, Summary: e.Ref + " question to the reporter"})
	})
	return out, err
}

// setStatus moves e to st with a history entry, in tx.
func (s *DB) setStatus(ctx context.Context, tx *store.Tx, e Event, st events.Status, reason string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE events SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND org_id = $4`,
		string(st), s.Now(), e.ID, e.OrgID); err != nil {
		return s.Wrap(err, "set status of event %s", e.ID)
	}
	return s.AddHistory(ctx, tx, e.OrgID, e.ID, st, reason)
}

// AnswerMine adds the signed-in staff reporter's answer to their own
// report id (NotFound for anyone else's).
func (s *DB) AnswerMine(ctx context.Context, orgID store.OrgID, id, body string) (Message, error) {
	uid, err := reporter(ctx)
	if err != nil {
		return Message{}, err
	}
	return s.answer(ctx, orgID, id, body, func(e Event) bool { return e.ReporterID == uid })
}

// AnswerFollowUp adds the answer of the reporter who holds event id's
// follow-up code: the caller has checked the code with FollowUp.
func (s *DB) AnswerFollowUp(ctx context.Context, orgID store.OrgID, id, body string) (Message, error) {
	return s.answer(ctx, orgID, id, body, func(Event) bool { return true })
}

func (s *DB) answer(ctx context.Context, orgID store.OrgID, id, body string, theirs func(Event) bool) (Message, error) {
	body, err := checkBody(body)
	if err != nil {
		return Message{}, err
	}
	var out Message
	err = s.Tx(ctx, func(tx *store.Tx) error {
		e, err := s.get(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if !theirs(e) {
			return store.NotFound("Report")
		}
		if !e.Status.Open() {
			return apperr.New(apperr.Conflict, "This report is %s, so it takes no more answers.", strings.ToLower(e.Status.Label()))
		}
		// The status history is read by handlers: the reporter is never
		// named in it, whoever they are.
		unnamed := audit.WithActor(ctx, audit.Actor{Name: "reporter", RequestID: audit.ActorFrom(ctx).RequestID})
		if e.Status == events.AwaitingInfo {
			if err := s.setStatus(unnamed, tx, e, events.InReview, "The reporter answered"); err != nil {
				return err
			}
		}
		now := s.Now()
		out = Message{ID: store.NewID(), Direction: FromReporter, Kind: KindAnswer, Body: body, From: ReporterWords, CreatedAt: now}
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_messages (id, event_id, org_id, direction, kind, body, author_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)`, out.ID, id, orgID, string(FromReporter), string(KindAnswer), body, now); err != nil {
			return s.Wrap(err, "add answer to event %s", id)
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event.answer", Entity: "event", EntityID: id, Summary: e.Ref + " answer from the reporter"})
	})
	return out, err
}

// deliver writes a message to e's reporter in tx: it records the first
// feedback time and emails the reporter when an address is known.
func (s *DB) deliver(ctx context.Context, tx *store.Tx, e Event, kind MessageKind, body, authorID string) (Message, error) {
	now := s.Now()
	var author any
	if authorID != "" {
		author = authorID
	}
	m := Message{ID: store.NewID(), Direction: ToReporter, Kind: kind, Body: body, From: TeamWords, CreatedAt: now}
	if _, err := tx.ExecContext(ctx, `INSERT INTO event_messages (id, event_id, org_id, direction, kind, body, author_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, m.ID, e.ID, e.OrgID, string(ToReporter), string(kind), body, author, now); err != nil {
		return Message{}, s.Wrap(err, "add message to event %s", e.ID)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE events SET first_feedback_at = $1 WHERE id = $2 AND org_id = $3 AND first_feedback_at IS NULL`,
		now, e.ID, e.OrgID); err != nil {
		return Message{}, s.Wrap(err, "record first feedback of event %s", e.ID)
	}
	return m, s.email(ctx, tx, e, kind, body)
}

// Thread is the conversation of event id of orgID, oldest first, as the
// view's side sees it. The caller has checked that the reader may see it.
func (s *DB) Thread(ctx context.Context, orgID store.OrgID, id string, v View) ([]Message, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT m.id, m.direction, m.kind, m.body, COALESCE(u.name, ''), m.created_at, m.read_at
		FROM event_messages m LEFT JOIN users u ON u.id = m.author_id
		WHERE m.event_id = $1 AND m.org_id = $2 ORDER BY m.created_at, m.id`, id, orgID)
	if err != nil {
		return nil, s.Wrap(err, "read messages of event %s", id)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var read sql.NullTime
		if err := rows.Scan(&m.ID, &m.Direction, &m.Kind, &m.Body, &m.AuthorName, &m.CreatedAt, &read); err != nil {
			return nil, s.Wrap(err, "read messages of event %s", id)
		}
		m.CreatedAt, m.ReadAt = m.CreatedAt.UTC(), utcPtr(read)
		switch {
		case m.Direction == ToReporter && v == ReporterView:
			m.From, m.AuthorName = TeamWords, ""
		case m.Direction == ToReporter:
			m.From = TeamWords
		default:
			m.From, m.AuthorName = ReporterWords, ""
		}
		out = append(out, m)
	}
	return out, s.Wrap(rows.Err(), "read messages of event %s", id)
}

// MarkRead records that the view's side has read the messages of event id
// sent to it. Reading is not a change of the event, so it is not audited.
func (s *DB) MarkRead(ctx context.Context, orgID store.OrgID, id string, v View) error {
	dir := FromReporter
	if v == ReporterView {
		dir = ToReporter
	}
	_, err := s.SQL().ExecContext(ctx, `UPDATE event_messages SET read_at = $1 WHERE event_id = $2 AND org_id = $3 AND direction = $4 AND read_at IS NULL`,
		s.Now(), id, orgID, string(dir))
	return s.Wrap(err, "mark messages of event %s read", id)
}

// MineThread is the signed-in reporter's own report id with its
// conversation (NotFound for anyone else's report, anonymous ones
// included: nothing links them to the reporter).
func (s *DB) MineThread(ctx context.Context, orgID store.OrgID, id string) (Event, []Message, error) {
	uid, err := reporter(ctx)
	if err != nil {
		return Event{}, nil, err
	}
	e, err := s.Get(ctx, orgID, id)
	if err != nil {
		return Event{}, nil, err
	}
	if e.ReporterID != uid {
		return Event{}, nil, store.NotFound("Report")
	}
	ms, err := s.Thread(ctx, orgID, id, ReporterView)
	return e, ms, err
}

// Updates is how many messages to the signed-in reporter, on their own
// reports in orgID, they have not read.
func (s *DB) Updates(ctx context.Context, orgID store.OrgID) (int, error) {
	uid, err := reporter(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM event_messages m JOIN events e ON e.id = m.event_id
		WHERE m.org_id = $1 AND e.org_id = $1 AND e.reporter_id = $2 AND m.direction = $3 AND m.read_at IS NULL`,
		orgID, uid, string(ToReporter)).Scan(&n)
	return n, s.Wrap(err, "count updates on reports")
}

// IsSafetyLead reports whether userID is orgID's patient safety lead: a
// member who holds both the handler and the admin role. Only the lead sees
// who made a confidential report.
func (s *DB) IsSafetyLead(ctx context.Context, orgID store.OrgID, userID string) (bool, error) {
	var n int
	err := s.SQL().QueryRowContext(ctx, `SELECT COUNT(DISTINCT role) FROM user_roles WHERE org_id = $1 AND user_id = $2 AND role IN ('handler', 'admin')`,
		orgID, userID).Scan(&n)
	return n == 2, s.Wrap(err, "read roles")
}

// ReporterName is who reported e, as the actor in ctx may know it: the
// staff member's name for a staff report; for a confidential one only when
// the actor is the patient safety lead; never anything for an anonymous or
// public report (empty, shown as "The reporter").
func (s *DB) ReporterName(ctx context.Context, e Event) (string, error) {
	if e.ReporterID == "" {
		return "", nil
	}
	if e.Confidential {
		a := audit.ActorFrom(ctx)
		if a.UserID == "" {
			return "", nil
		}
		lead, err := s.IsSafetyLead(ctx, e.OrgID, a.UserID)
		if err != nil || !lead {
			return "", err
		}
	}
	u, err := s.DB.User(ctx, e.ReporterID)
	if err != nil {
		return "", err
	}
	return u.Name, nil
}
