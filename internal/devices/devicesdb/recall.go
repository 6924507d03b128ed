package devicesdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/store"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/devices"
)

const recallCols = `id, reference, kind, issuer, issued_on, manufacturer, action_required, deadline, status, affects, created_at, closed_reason, closed_at`

func scanRecall(sc interface{ Scan(...any) error }, extra ...any) (devices.Recall, error) {
	var r devices.Recall
	var affects string
	var closed sql.NullTime
	if err := sc.Scan(append([]any{&r.ID, &r.Reference, &r.Kind, &r.Issuer, &r.IssuedOn, &r.Manufacturer, &r.ActionRequired, &r.Deadline, &r.Status, &affects, &r.CreatedAt, &r.ClosedReason, &closed}, extra...)...); err != nil {
		return r, err
	}
	r.CreatedAt = r.CreatedAt.UTC()
	if closed.Valid {
		t := closed.Time.UTC()
		r.ClosedAt = &t
	}
	if err := json.Unmarshal([]byte(affects), &r.Rules); err != nil {
		return r, fmt.Errorf("store: recall %s affects: %w", r.ID, err)
	}
	return r, nil
}

// maxRecallValues bounds the lots and serials of one recall, so that its
// matching query stays within both engines' parameter limits.
const maxRecallValues = 20000

// CreateRecall records a recall. Invalid with per-field messages
// (reference, kind, issuer, issued_on, manufacturer, action_required,
// deadline, affects); a reference already used is an Invalid reference.
func (s *DB) CreateRecall(ctx context.Context, orgID store.OrgID, in devices.RecallInput) (devices.Recall, error) {
	r, err := in.Recall(clock.Today(s.Now()))
	if err != nil {
		return r, err
	}
	n := 0
	for _, ru := range r.Rules {
		n += len(ru.Lots) + len(ru.Serials) + 3
	}
	if n > maxRecallValues {
		return r, &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: map[string]string{"affects": fmt.Sprintf("A recall may list at most %d lots and serial numbers in all", maxRecallValues)}}
	}
	r.ID, r.CreatedAt = store.NewID(), s.Now()
	err = s.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO recalls (id, reference, kind, issuer, issued_on, manufacturer, action_required, deadline, status, affects, created_at, org_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			r.ID, r.Reference, r.Kind, r.Issuer, r.IssuedOn, r.Manufacturer, r.ActionRequired, r.Deadline, r.Status, rulesJSON(r.Rules), r.CreatedAt, orgID); err != nil {
			if apperr.Is(s.MapErr(err), apperr.Conflict) {
				return apperr.Field("reference", "A recall with this reference is already recorded")
			}
			return s.Wrap(err, "create recall")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "recall.create", Entity: "recall", EntityID: r.ID,
			Summary: audit.Summarise("reference", r.Reference, "kind", r.Kind, "rules", fmt.Sprint(len(r.Rules)))})
	})
	return r, err
}

// Recall returns one of the organisation's recalls.
func (s *DB) Recall(ctx context.Context, orgID store.OrgID, id string) (devices.Recall, error) {
	r, err := scanRecall(s.SQL().QueryRowContext(ctx, `SELECT `+recallCols+` FROM recalls WHERE id = $1 AND org_id = $2`, id, orgID))
	return r, s.One(err, "Recall", "get recall")
}

// RecallSummary is a recall with the progress of its patient work.
type RecallSummary struct {
	devices.Recall
	Patients int `json:"patients"` // patients with an action
	Done     int `json:"done"`     // of which complete
}

// ListRecalls returns the organisation's recalls, open first, newest first.
func (s *DB) ListRecalls(ctx context.Context, orgID store.OrgID) ([]RecallSummary, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT `+recallCols+`,
		(SELECT COUNT(*) FROM recall_actions a WHERE a.recall_id = recalls.id),
		(SELECT COUNT(*) FROM recall_actions a WHERE a.recall_id = recalls.id AND a.status IN ('reviewed', 'explanted', 'not_affected'))
		FROM recalls WHERE org_id = $1 ORDER BY status DESC, issued_on DESC, id DESC LIMIT 500`, orgID)
	if err != nil {
		return nil, s.Wrap(err, "list recalls")
	}
	defer rows.Close()
	var out []RecallSummary
	for rows.Next() {
		var r RecallSummary
		var err error
		if r.Recall, err = scanRecall(rows, &r.Patients, &r.Done); err != nil {
			return nil, s.Wrap(err, "scan recall")
		}
		out = append(out, r)
	}
	return out, s.Wrap(rows.Err(), "list recalls")
}

// SetRecallStatus opens or closes a recall. Closing goes through
// CloseRecall without a confirmation, so it is refused (Invalid, fields
// confirm_open and reason) while any patient's recall work is open;
// reopening clears the closing reason (the audit trail keeps it).
// store.NotFound for another organisation's recall.
func (s *DB) SetRecallStatus(ctx context.Context, orgID store.OrgID, id, status string) error {
	switch status {
	case "closed":
		return s.CloseRecall(ctx, orgID, id, devices.CloseRecallInput{})
	case "open":
	default:
		return apperr.New(apperr.Invalid, "Status must be open or closed")
	}
	return s.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE recalls SET status = 'open', closed_reason = '', closed_at = NULL WHERE id = $1 AND org_id = $2`, id, orgID)
		if err != nil {
			return s.Wrap(err, "set recall status")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.NotFound("Recall")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "recall.status", Entity: "recall", EntityID: id, Summary: audit.Summarise("status", status)})
	})
}

// OpenWork is the recall work not yet done: patients whose action is not
// complete (devices.ActionDone); patients the recall finds (affected,
// possibly affected or with a removed device) who have no action yet; and
// patients whose action is complete but whom the recall now finds on a
// more serious basis than it was started on (marked not affected on a
// near lot, say, and since given a device of a recalled lot), until
// StartRecallWork reopens it.
type OpenWork struct {
	OpenActions int `json:"open_actions"`
	NotStarted  int `json:"not_started"`
	Raised      int `json:"raised"`
}

// Total is the number of patients whose recall work is open.
func (w OpenWork) Total() int { return w.OpenActions + w.NotStarted + w.Raised }

// doneStatuses is the SQL list of the statuses that complete a patient's
// recall work.
func doneStatuses() string {
	var q []string
	for _, st := range devices.ActionStatuses {
		if devices.ActionDone(st.Code) {
			q = append(q, "'"+st.Code+"'")
		}
	}
	return strings.Join(q, ", ")
}

// RecallOpenWork counts the patients whose recall work is open, for the
// confirmation to close a recall. store.NotFound for another
// organisation's recall.
func (s *DB) RecallOpenWork(ctx context.Context, orgID store.OrgID, id string) (OpenWork, error) {
	rc, err := s.Recall(ctx, orgID, id)
	if err != nil {
		return OpenWork{}, err
	}
	return s.openWork(ctx, s.SQL(), orgID, rc)
}

func (s *DB) openWork(ctx context.Context, q store.Querier, orgID store.OrgID, rc devices.Recall) (OpenWork, error) {
	var w OpenWork
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM recall_actions WHERE org_id = $1 AND recall_id = $2 AND status NOT IN (`+doneStatuses()+`)`,
		orgID, rc.ID).Scan(&w.OpenActions); err != nil {
		return w, s.Wrap(err, "count open recall actions")
	}
	ms, err := s.matchDevices(ctx, q, orgID, rc, nil)
	if err != nil {
		return w, err
	}
	started, err := s.actionStates(ctx, q, orgID, rc.ID)
	if err != nil {
		return w, err
	}
	for _, p := range groupByPatient(ms) {
		a, ok := started[p.id]
		switch {
		case !ok:
			w.NotStarted++
		case devices.ActionDone(a.status) && a.raised(p.basis):
			w.Raised++
		}
	}
	return w, nil
}

// CloseRecall closes a recall. While patients' recall work is open (see
// OpenWork) it needs in.ConfirmOpen to be the number open now and a
// reason: otherwise Invalid with per-field messages (confirm_open,
// reason) naming how many are open, and nothing changes. The reason and
// the number open are audited. Closing a closed recall changes nothing.
// store.NotFound for another organisation's recall.
func (s *DB) CloseRecall(ctx context.Context, orgID store.OrgID, id string, in devices.CloseRecallInput) error {
	return s.Tx(ctx, func(tx *store.Tx) error {
		rc, err := scanRecall(tx.QueryRowContext(ctx, `SELECT `+recallCols+` FROM recalls WHERE id = $1 AND org_id = $2`, id, orgID))
		if err := s.One(err, "Recall", "get recall"); err != nil {
			return err
		}
		if rc.Status == "closed" {
			return nil
		}
		w, err := s.openWork(ctx, tx, orgID, rc)
		if err != nil {
			return err
		}
		reason, err := in.Validate(w.Total())
		if err != nil {
			return &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with closing the recall", Fields: apperr.FieldsOf(err)}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE recalls SET status = 'closed', closed_reason = $1, closed_at = $2 WHERE id = $3 AND org_id = $4`,
			reason, s.Now(), id, orgID); err != nil {
			return s.Wrap(err, "close recall")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "recall.close", Entity: "recall", EntityID: id,
			Summary: audit.Summarise("status", "closed", "open_patients", fmt.Sprint(w.Total()), "open_actions", fmt.Sprint(w.OpenActions),
				"not_started", fmt.Sprint(w.NotStarted), "raised", fmt.Sprint(w.Raised), "reason", reason)})
	})
}

// PatientRecall is a recall in which a patient has an action.
type PatientRecall struct {
	RecallID     string `json:"recall_id"`
	Reference    string `json:"reference"`
	RecallStatus string `json:"recall_status"`
	Action       string `json:"action"`
}

// PatientRecalls returns the recalls with an action for a patient.
func (s *DB) PatientRecalls(ctx context.Context, orgID store.OrgID, patientID string) ([]PatientRecall, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT r.id, r.reference, r.status, a.status FROM recall_actions a JOIN recalls r ON r.id = a.recall_id
		WHERE a.org_id = $1 AND a.patient_id = $2 ORDER BY r.issued_on DESC, r.id`, orgID, patientID)
	if err != nil {
		return nil, s.Wrap(err, "patient recalls")
	}
	defer rows.Close()
	var out []PatientRecall
	for rows.Next() {
		var r PatientRecall
		if err := rows.Scan(&r.RecallID, &r.Reference, &r.RecallStatus, &r.Action); err != nil {
			return nil, s.Wrap(err, "scan patient recall")
		}
		out = append(out, r)
	}
	return out, s.Wrap(rows.Err(), "patient recalls")
}
