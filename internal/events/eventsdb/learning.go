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
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/google/uuid"
)

// LearningResponse is a PSIRF learning response with the events it learns
// from and its actions.
type LearningResponse struct {
	ID  string `json:"id"`
	Ref string `json:"reference"`
	events.Response
	LeadName  string           `json:"lead_name,omitempty"`
	Events    []EventRef       `json:"events"`
	Actions   []LearningAction `json:"actions"`
	Version   int              `json:"version"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
	// OpenActions and OverdueActions count the actions (in lists, where
	// Actions is not filled).
	OpenActions    int `json:"open_actions"`
	OverdueActions int `json:"overdue_actions"`
}

// PastDue reports whether the response is not complete after its due day.
func (r LearningResponse) PastDue(now time.Time) bool {
	d, err := time.Parse(time.DateOnly, r.DueOn)
	return r.Status != events.ResponseCompleted && err == nil && d.Before(clock.Today(now))
}

// EventRef names an event a response learns from.
type EventRef struct {
	ID     string            `json:"id"`
	Ref    string            `json:"reference"`
	Type   events.RecordType `json:"record_type"`
	Status events.Status     `json:"status"`
	Harm   string            `json:"harm,omitempty"`
}

// LearningAction is a SMART action of a response.
type LearningAction struct {
	ID            string `json:"id"`
	ResponseID    string `json:"response_id"`
	ResponseRef   string `json:"response_reference"`
	ResponseTitle string `json:"response_title"`
	events.Action
	OwnerName string `json:"owner_name"`
	Version   int    `json:"version"`
	Overdue   bool   `json:"overdue"`
}

// member checks userID is a member of orgID; false when not (or not an id).
func (s *DB) member(ctx context.Context, q store.Querier, orgID store.OrgID, userID string) (bool, error) {
	if _, err := uuid.Parse(userID); err != nil {
		return false, nil
	}
	roles, err := s.MemberRoles(ctx, q, orgID, userID)
	return len(roles) > 0, err
}

// OpenResponse opens a learning response of orgID learning from eventIDs
// (at least one submitted event of orgID); Invalid with per-field messages.
func (s *DB) OpenResponse(ctx context.Context, orgID store.OrgID, r events.Response, eventIDs []string) (LearningResponse, error) {
	err := r.Check(s.Now())
	fs := apperr.Fields{}
	if m := apperr.FieldsOf(err); m != nil {
		for k, v := range m {
			fs.Add(k, v)
		}
	} else if err != nil {
		return LearningResponse{}, err
	}
	ids := slices.Compact(slices.Sorted(slices.Values(eventIDs)))
	fs.Check(len(ids) == 0, "events", "Choose at least one event the response learns from")
	fs.Check(len(ids) > 500, "events", "A response can learn from 500 events at most")
	id := store.NewID()
	var out LearningResponse
	err = s.Tx(ctx, func(tx *store.Tx) error {
		for _, eid := range ids {
			if _, err := s.GetTx(ctx, tx, orgID, eid); apperr.Is(err, apperr.NotFound) {
				fs.Add("events", "Choose events of this organisation: one of them was not found")
				break
			} else if err != nil {
				return err
			}
		}
		if r.LeadID != "" {
			ok, err := s.member(ctx, tx, orgID, r.LeadID)
			if err != nil {
				return err
			}
			fs.Check(!ok, "lead_id", "Select a lead from this organisation's people")
		}
		if err := fs.Err(); err != nil {
			return err
		}
		n, err := s.NextRef(ctx, tx, orgID, "LR")
		if err != nil {
			return err
		}
		content, _ := json.Marshal(r.Content)
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO learning_responses (id, org_id, ref, title, response_type, status, lead_id, participants,
			started_on, due_on, completed_on, content, findings, summary, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $15)`,
			id, orgID, fmt.Sprintf("LR-%03d", n), r.Title, string(r.Type), r.Status, nullID(r.LeadID), r.Participants,
			r.StartedOn, r.DueOn, r.CompletedOn, string(content), r.Findings, r.Summary, now); err != nil {
			return s.Wrap(err, "open learning response")
		}
		for _, eid := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO learning_response_events (response_id, event_id, org_id) VALUES ($1, $2, $3)`, id, eid, orgID); err != nil {
				return s.Wrap(err, "link learning response to event")
			}
		}
		if err := tx.Audit(ctx, store.Change{OrgID: orgID, Action: "learning_response.create", Entity: "learning_response", EntityID: id,
			Summary: r.Type.Label() + ": " + r.Title}); err != nil {
			return err
		}
		out, err = s.response(ctx, tx, orgID, id)
		return err
	})
	return out, err
}

func nullID(id string) any {
	if id == "" {
		return nil
	}
	return id
}

const responseCols = `r.id, r.ref, r.title, r.response_type, r.status, COALESCE(r.lead_id, ''), COALESCE(u.name, ''), r.participants,
	r.started_on, r.due_on, r.completed_on, r.content, r.findings, r.summary, r.version, r.created_at, r.updated_at`

func scanResponse(sc scanner) (LearningResponse, error) {
	var r LearningResponse
	var content string
	err := sc.Scan(&r.ID, &r.Ref, &r.Title, &r.Type, &r.Status, &r.LeadID, &r.LeadName, &r.Participants,
		&r.StartedOn, &r.DueOn, &r.CompletedOn, &content, &r.Findings, &r.Summary, &r.Version, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(content), &r.Content); err != nil {
		return r, fmt.Errorf("learning response %s: content: %w", r.ID, err)
	}
	return r, nil
}

// Response returns learning response id of orgID with its events and actions.
func (s *DB) Response(ctx context.Context, orgID store.OrgID, id string) (LearningResponse, error) {
	return s.response(ctx, s.SQL(), orgID, id)
}

func (s *DB) response(ctx context.Context, q store.Querier, orgID store.OrgID, id string) (LearningResponse, error) {
	if _, err := uuid.Parse(id); err != nil {
		return LearningResponse{}, store.NotFound("learning response")
	}
	r, err := scanResponse(q.QueryRowContext(ctx, `SELECT `+responseCols+` FROM learning_responses r LEFT JOIN users u ON u.id = r.lead_id
		WHERE r.id = $1 AND r.org_id = $2`, id, orgID))
	if err != nil {
		return r, s.One(err, "learning response", "read learning response %s", id)
	}
	rows, err := q.QueryContext(ctx, `SELECT e.id, COALESCE(e.ref, ''), e.record_type, e.status, e.harm FROM learning_response_events l
		JOIN events e ON e.id = l.event_id WHERE l.response_id = $1 AND l.org_id = $2 ORDER BY e.submitted_at`, id, orgID)
	if err != nil {
		return r, s.Wrap(err, "read events of learning response %s", id)
	}
	defer rows.Close()
	for rows.Next() {
		var e EventRef
		if err := rows.Scan(&e.ID, &e.Ref, &e.Type, &e.Status, &e.Harm); err != nil {
			return r, s.Wrap(err, "read events of learning response %s", id)
		}
		r.Events = append(r.Events, e)
	}
	if err := rows.Err(); err != nil {
		return r, s.Wrap(err, "read events of learning response %s", id)
	}
	r.Actions, err = s.actions(ctx, q, `a.response_id = $2`, orgID, id)
	for _, a := range r.Actions {
		if a.Status == events.ActionOpen {
			r.OpenActions++
		}
		if a.Overdue {
			r.OverdueActions++
		}
	}
	return r, err
}

const actionCols = `a.id, a.response_id, r.ref, r.title, a.description, a.owner_id, COALESCE(u.name, ''), a.due_on, a.measure, a.status,
	a.done_on, a.evidence, a.cancel_reason, a.version`

func (s *DB) actions(ctx context.Context, q store.Querier, where string, orgID store.OrgID, args ...any) ([]LearningAction, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+actionCols+` FROM learning_actions a JOIN learning_responses r ON r.id = a.response_id
		LEFT JOIN users u ON u.id = a.owner_id WHERE a.org_id = $1 AND `+where+` ORDER BY a.due_on, a.created_at`, append([]any{orgID}, args...)...)
	if err != nil {
		return nil, s.Wrap(err, "read learning actions")
	}
	defer rows.Close()
	var out []LearningAction
	now := s.Now()
	for rows.Next() {
		var a LearningAction
		if err := rows.Scan(&a.ID, &a.ResponseID, &a.ResponseRef, &a.ResponseTitle, &a.Description, &a.OwnerID, &a.OwnerName, &a.DueOn, &a.Measure,
			&a.Status, &a.DoneOn, &a.Evidence, &a.CancelReason, &a.Version); err != nil {
			return nil, s.Wrap(err, "read learning actions")
		}
		a.Overdue = a.Action.Overdue(now)
		out = append(out, a)
	}
	return out, s.Wrap(rows.Err(), "read learning actions")
}

// ListResponses are orgID's learning responses, newest first, with counts
// of their open and overdue actions; status "" for all.
func (s *DB) ListResponses(ctx context.Context, orgID store.OrgID, status string) ([]LearningResponse, error) {
	today := clock.Date(s.Now())
	rows, err := s.SQL().QueryContext(ctx, `SELECT `+responseCols+`,
		(SELECT COUNT(*) FROM learning_actions a WHERE a.response_id = r.id AND a.status = 'open'),
		(SELECT COUNT(*) FROM learning_actions a WHERE a.response_id = r.id AND a.status = 'open' AND a.due_on < $3)
		FROM learning_responses r LEFT JOIN users u ON u.id = r.lead_id
		WHERE r.org_id = $1 AND ($2 = '' OR r.status = $2) ORDER BY r.created_at DESC LIMIT 500`, orgID, status, today)
	if err != nil {
		return nil, s.Wrap(err, "list learning responses")
	}
	defer rows.Close()
	var out []LearningResponse
	for rows.Next() {
		var open, overdue int
		r, err := scanResponse(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &open, &overdue)...) }))
		if err != nil {
			return nil, s.Wrap(err, "list learning responses")
		}
		r.OpenActions, r.OverdueActions = open, overdue
		out = append(out, r)
	}
	return out, s.Wrap(rows.Err(), "list learning responses")
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// UpdateResponse changes response id at version (Conflict when it changed
// since); completing it needs its type's content. Invalid with per-field
// messages.
func (s *DB) UpdateResponse(ctx context.Context, orgID store.OrgID, id string, version int, r events.Response) (LearningResponse, error) {
	var out LearningResponse
	err := s.Tx(ctx, func(tx *store.Tx) error {
		old, err := s.response(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if old.Version != version {
			return apperr.New(apperr.Conflict, "This learning response was changed by someone else (version %d, you had %d). Reload it and make your change again.", old.Version, version)
		}
		r.Type = old.Type // a response keeps its type
		if err := r.Check(s.Now()); err != nil {
			return err
		}
		// A response may be completed with actions still open: actions
		// are tracked to completion after the response itself.
		if r.LeadID != "" {
			ok, err := s.member(ctx, tx, orgID, r.LeadID)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.Field("lead_id", "Select a lead from this organisation's people")
			}
		}
		content, _ := json.Marshal(r.Content)
		res, err := tx.ExecContext(ctx, `UPDATE learning_responses SET title = $1, status = $2, lead_id = $3, participants = $4, started_on = $5,
			due_on = $6, completed_on = $7, content = $8, findings = $9, summary = $10, version = version + 1, updated_at = $11
			WHERE id = $12 AND org_id = $13 AND version = $14`,
			r.Title, r.Status, nullID(r.LeadID), r.Participants, r.StartedOn, r.DueOn, r.CompletedOn, string(content), r.Findings, r.Summary,
			s.Now(), id, orgID, version)
		if err != nil {
			return s.Wrap(err, "update learning response %s", id)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			// A concurrent change committed since the read above.
			return apperr.New(apperr.Conflict, "This learning response was changed by someone else (you had version %d). Reload it and make your change again.", version)
		}
		action := "learning_response.update"
		if r.Status == events.ResponseCompleted && old.Status != events.ResponseCompleted {
			action = "learning_response.complete"
		}
		if err := tx.Audit(ctx, store.Change{OrgID: orgID, Action: action, Entity: "learning_response", EntityID: id,
			Summary: old.Ref + " " + events.ResponseStatusLabel(r.Status)}); err != nil {
			return err
		}
		out, err = s.response(ctx, tx, orgID, id)
		return err
	})
	return out, err
}

// AddAction adds a SMART action to response id; the owner must be a
// member of orgID. Invalid with per-field messages.
func (s *DB) AddAction(ctx context.Context, orgID store.OrgID, responseID string, a events.Action) (LearningAction, error) {
	a.Status = events.ActionOpen
	if err := a.Check(s.Now()); err != nil {
		return LearningAction{}, err
	}
	id := store.NewID()
	var out LearningAction
	err := s.Tx(ctx, func(tx *store.Tx) error {
		r, err := s.response(ctx, tx, orgID, responseID)
		if err != nil {
			return err
		}
		ok, err := s.member(ctx, tx, orgID, a.OwnerID)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Field("owner_id", "Select an owner from this organisation's people")
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO learning_actions (id, response_id, org_id, description, owner_id, due_on, measure, status, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)`, id, responseID, orgID, a.Description, a.OwnerID, a.DueOn, a.Measure, a.Status, now); err != nil {
			return s.Wrap(err, "add learning action")
		}
		if err := tx.Audit(ctx, store.Change{OrgID: orgID, Action: "learning_response.action", Entity: "learning_response", EntityID: responseID,
			Summary: r.Ref + " action added: " + a.Description}); err != nil {
			return err
		}
		out, err = s.action(ctx, tx, orgID, responseID, id)
		return err
	})
	return out, err
}

func (s *DB) action(ctx context.Context, q store.Querier, orgID store.OrgID, responseID, id string) (LearningAction, error) {
	if _, err := uuid.Parse(id); err != nil {
		return LearningAction{}, store.NotFound("action")
	}
	as, err := s.actions(ctx, q, `a.response_id = $2 AND a.id = $3`, orgID, responseID, id)
	if err != nil {
		return LearningAction{}, err
	}
	if len(as) == 0 {
		return LearningAction{}, store.NotFound("action")
	}
	return as[0], nil
}

// UpdateAction changes action id of response responseID at version:
// marking it done (with the date and the evidence) or cancelled (with
// the reason), or changing what, who, when and the measure.
func (s *DB) UpdateAction(ctx context.Context, orgID store.OrgID, responseID, id string, version int, a events.Action) (LearningAction, error) {
	if err := a.Check(s.Now()); err != nil {
		return LearningAction{}, err
	}
	var out LearningAction
	err := s.Tx(ctx, func(tx *store.Tx) error {
		old, err := s.action(ctx, tx, orgID, responseID, id)
		if err != nil {
			return err
		}
		if old.Version != version {
			return apperr.New(apperr.Conflict, "This action was changed by someone else (version %d, you had %d). Reload it and make your change again.", old.Version, version)
		}
		ok, err := s.member(ctx, tx, orgID, a.OwnerID)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Field("owner_id", "Select an owner from this organisation's people")
		}
		res, err := tx.ExecContext(ctx, `UPDATE learning_actions SET description = $1, owner_id = $2, due_on = $3, measure = $4, status = $5,
			done_on = $6, evidence = $7, cancel_reason = $8, version = version + 1, updated_at = $9
			WHERE id = $10 AND response_id = $11 AND org_id = $12 AND version = $13`,
			a.Description, a.OwnerID, a.DueOn, a.Measure, a.Status, a.DoneOn, a.Evidence, a.CancelReason, s.Now(), id, responseID, orgID, version)
		if err != nil {
			return s.Wrap(err, "update learning action %s", id)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			// A concurrent change committed since the read above.
			return apperr.New(apperr.Conflict, "This action was changed by someone else (you had version %d). Reload it and make your change again.", version)
		}
		if err := tx.Audit(ctx, store.Change{OrgID: orgID, Action: "learning_response.action", Entity: "learning_response", EntityID: responseID,
			Summary: old.ResponseRef + " action " + a.Status + ": " + a.Description}); err != nil {
			return err
		}
		out, err = s.action(ctx, tx, orgID, responseID, id)
		return err
	})
	return out, err
}

// OverdueActions are orgID's open actions past their due day, of owner
// ownerID ("" for everyone's), oldest due first.
func (s *DB) OverdueActions(ctx context.Context, orgID store.OrgID, ownerID string) ([]LearningAction, error) {
	return s.actions(ctx, s.SQL(), `a.status = 'open' AND a.due_on < $2 AND ($3 = '' OR a.owner_id = $3)`, orgID, clock.Date(s.Now()), ownerID)
}

// EventResponses are the learning responses that learn from event id.
func (s *DB) EventResponses(ctx context.Context, orgID store.OrgID, eventID string) ([]LearningResponse, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT r.id FROM learning_response_events l JOIN learning_responses r ON r.id = l.response_id
		WHERE l.event_id = $1 AND l.org_id = $2 ORDER BY r.created_at`, eventID, orgID)
	if err != nil {
		return nil, s.Wrap(err, "read learning responses of event %s", eventID)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, s.Wrap(err, "read learning responses of event %s", eventID)
		}
		ids = append(ids, id)
	}
	rows.Close()
	var out []LearningResponse
	for _, id := range ids {
		r, err := s.Response(ctx, orgID, id)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// PSIRFPlan is orgID's patient safety incident response plan, and whether
// the organisation has made its own (else it is events.DefaultPlan).
func (s *DB) PSIRFPlan(ctx context.Context, orgID store.OrgID) ([]events.PlanRule, bool, error) {
	var raw string
	err := s.SQL().QueryRowContext(ctx, `SELECT rules FROM psirf_plans WHERE org_id = $1`, orgID).Scan(&raw)
	if err == sql.ErrNoRows {
		return slices.Clone(events.DefaultPlan), false, nil
	}
	if err != nil {
		return nil, false, s.Wrap(err, "read response plan")
	}
	var rules []events.PlanRule
	if err := json.Unmarshal([]byte(raw), &rules); err != nil {
		return nil, false, fmt.Errorf("eventsdb: response plan: %w", err)
	}
	return rules, true, nil
}

// SavePSIRFPlan replaces orgID's plan; Invalid naming the rule at fault.
func (s *DB) SavePSIRFPlan(ctx context.Context, orgID store.OrgID, rules []events.PlanRule) error {
	for i := range rules {
		rules[i].Name, rules[i].Rationale = strings.TrimSpace(rules[i].Name), strings.TrimSpace(rules[i].Rationale)
	}
	if err := events.CheckPlan(rules); err != nil {
		return err
	}
	raw, _ := json.Marshal(rules)
	return s.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO psirf_plans (org_id, rules, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (org_id) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at`, orgID, string(raw), s.Now()); err != nil {
			return s.Wrap(err, "save response plan")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "psirf_plan.update", Entity: "psirf_plan", EntityID: string(orgID),
			Summary: fmt.Sprintf("%d rules", len(rules))})
	})
}

// ExpectedResponse is the response orgID's plan expects for event e.
func (s *DB) ExpectedResponse(ctx context.Context, orgID store.OrgID, e Event) (events.PlanRule, bool, error) {
	rules, _, err := s.PSIRFPlan(ctx, orgID)
	if err != nil {
		return events.PlanRule{}, false, err
	}
	r, ok := events.Expected(rules, e.Type, e.Harm, e.Record.Agents())
	return r, ok, nil
}
