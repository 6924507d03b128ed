package eventsdb

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/google/uuid"
)

// LocalQuestions are the organisation's own questions, in order; retired
// ones too when all is set.
func (s *DB) LocalQuestions(ctx context.Context, orgID store.OrgID, all bool) ([]events.LocalQuestion, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT definition FROM event_local_questions WHERE org_id = $1 AND ($2 OR retired_at IS NULL)
		ORDER BY record_type, position`, orgID, all)
	if err != nil {
		return nil, s.Wrap(err, "read local questions")
	}
	defer rows.Close()
	var out []events.LocalQuestion
	for rows.Next() {
		var def string
		var q events.LocalQuestion
		if err := rows.Scan(&def); err != nil {
			return nil, s.Wrap(err, "read local questions")
		}
		if err := json.Unmarshal([]byte(def), &q); err != nil {
			return nil, fmt.Errorf("eventsdb: local question: %w", err)
		}
		out = append(out, q)
	}
	return out, s.Wrap(rows.Err(), "read local questions")
}

// AddLocalQuestion adds a question to one record type of orgID (at most
// events.MaxLocal each); Invalid with per-field messages.
func (s *DB) AddLocalQuestion(ctx context.Context, orgID store.OrgID, q events.LocalQuestion) (events.LocalQuestion, error) {
	if err := q.Check(); err != nil {
		return q, err
	}
	q.ID = store.NewID()
	err := s.Tx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_local_questions WHERE org_id = $1 AND record_type = $2 AND retired_at IS NULL`,
			orgID, string(q.Type)).Scan(&n); err != nil {
			return s.Wrap(err, "count local questions")
		}
		if n >= events.MaxLocal {
			return apperr.New(apperr.Invalid, "A record type can have %d local questions at most. Retire one first.", events.MaxLocal)
		}
		def, err := json.Marshal(q)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_local_questions (id, org_id, record_type, position, definition, created_at)
			VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM event_local_questions WHERE org_id = $2), $4, $5)`,
			q.ID, orgID, string(q.Type), string(def), s.Now()); err != nil {
			return s.Wrap(err, "add local question")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event_question.create", Entity: "event_question", EntityID: q.ID, Summary: q.Prompt})
	})
	return q, err
}

// RetireLocalQuestion stops asking question id; answers already given
// stay in their records.
func (s *DB) RetireLocalQuestion(ctx context.Context, orgID store.OrgID, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return store.NotFound("question")
	}
	return s.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE event_local_questions SET retired_at = $1 WHERE id = $2 AND org_id = $3 AND retired_at IS NULL`, s.Now(), id, orgID)
		if err != nil {
			return s.Wrap(err, "retire local question")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.NotFound("question")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event_question.retire", Entity: "event_question", EntityID: id, Summary: "retired"})
	})
}
