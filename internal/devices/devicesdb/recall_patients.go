package devicesdb

import (
	"context"
	"fmt"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/store"
)

// RecallPatientQuery selects a page of a recall's patient list.
type RecallPatientQuery struct {
	Statuses []string // any of these action statuses; none for all
	Basis    string   // devices.BasisAffected, BasisPossible, BasisExplanted; "" for all
	Offset   int      // patients to skip
	Limit    int      // default 50, most 500
}

// RecallPatientPage is one page of a recall's patient list, with the
// counts the filters show.
type RecallPatientPage struct {
	Patients []AffectedPatient `json:"patients"`
	Total    int               `json:"total"` // patients matching the filter
	Offset   int               `json:"offset"`
	Limit    int               `json:"limit"`
	ByStatus map[string]int    `json:"by_status"` // every patient of the recall, by status
	ByBasis  map[string]int    `json:"by_basis"`  // and by basis
}

// HasNext reports whether a page follows.
func (p RecallPatientPage) HasNext() bool { return p.Offset+len(p.Patients) < p.Total }

// recallListOrder is the order of the patient list: by basis (affected,
// possible, explanted), then name, then id. It does not depend on the
// status, so a page stays put while people change statuses.
const recallListOrder = `CASE a.basis WHEN 'possible' THEN 1 WHEN 'explanted' THEN 2 ELSE 0 END, pt.name, pt.id`

// basisOfRow reads recall_actions.basis: ” on rows written before the
// column, when every patient listed was affected.
func basisOfRow(b string) string {
	if b == "" {
		return devices.BasisAffected
	}
	return b
}

// RecallPatients returns a page of the patients with actions in a recall,
// filtered by status and basis, in a stable order (recallListOrder), each
// with their devices the recall names (affected, possibly affected with
// the reasons, or removed). Paging is by offset, so that no patient
// detail goes into a link. Invalid (fields status, basis) for an unknown
// filter; store.NotFound for another organisation's recall.
func (s *DB) RecallPatients(ctx context.Context, orgID store.OrgID, recallID string, q RecallPatientQuery) (RecallPatientPage, error) {
	var f apperr.Fields
	for _, st := range q.Statuses {
		f.Check(!devices.ValidAction(st), "status", "Select statuses from the list")
	}
	f.Check(q.Basis != "" && devices.BasisLabel(q.Basis) == q.Basis, "basis", "Select affected, possibly affected or device removed")
	if err := f.Err(); err != nil {
		return RecallPatientPage{}, err
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
	q.Offset = max(q.Offset, 0)
	rc, err := s.Recall(ctx, orgID, recallID)
	if err != nil {
		return RecallPatientPage{}, err
	}
	page := RecallPatientPage{Patients: []AffectedPatient{}, Offset: q.Offset, Limit: q.Limit, ByStatus: map[string]int{}, ByBasis: map[string]int{}}
	rows, err := s.SQL().QueryContext(ctx, `SELECT status, basis, COUNT(*) FROM recall_actions WHERE org_id = $1 AND recall_id = $2 GROUP BY status, basis`, orgID, recallID)
	if err != nil {
		return page, s.Wrap(err, "count recall actions")
	}
	for rows.Next() {
		var st, basis string
		var n int
		if err := rows.Scan(&st, &basis, &n); err != nil {
			rows.Close()
			return page, s.Wrap(err, "count recall actions")
		}
		page.ByStatus[st] += n
		page.ByBasis[basisOfRow(basis)] += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return page, s.Wrap(err, "count recall actions")
	}
	where, args := "a.org_id = $1 AND a.recall_id = $2", []any{orgID, recallID}
	if len(q.Statuses) > 0 {
		ph := make([]string, len(q.Statuses))
		for i, st := range q.Statuses {
			args = append(args, st)
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		where += " AND a.status IN (" + strings.Join(ph, ", ") + ")"
	}
	switch q.Basis {
	case "":
	case devices.BasisAffected:
		where += " AND a.basis IN ('affected', '')"
	default:
		args = append(args, q.Basis)
		where += fmt.Sprintf(" AND a.basis = $%d", len(args))
	}
	if err := s.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM recall_actions a WHERE `+where, args...).Scan(&page.Total); err != nil {
		return page, s.Wrap(err, "count recall patients")
	}
	rows, err = s.SQL().QueryContext(ctx, `SELECT a.patient_id FROM recall_actions a JOIN implant_patients pt ON pt.id = a.patient_id
		WHERE `+where+` ORDER BY `+recallListOrder+fmt.Sprintf(` LIMIT %d OFFSET %d`, q.Limit, q.Offset), args...)
	if err != nil {
		return page, s.Wrap(err, "list recall patients")
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return page, s.Wrap(err, "scan recall patient")
		}
		ids = append(ids, id)
		page.Patients = append(page.Patients, AffectedPatient{Patient: devices.Patient{ID: id}})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return page, s.Wrap(err, "list recall patients")
	}
	if len(ids) == 0 {
		return page, nil
	}
	if err := s.fillPatients(ctx, orgID, recallID, page.Patients); err != nil {
		return page, err
	}
	ms, err := s.matchDevices(ctx, s.SQL(), orgID, rc, ids)
	if err != nil {
		return page, err
	}
	idx := make(map[string]int, len(ids))
	for i, id := range ids {
		idx[id] = i
	}
	for _, m := range ms {
		p := &page.Patients[idx[m.patientID]]
		p.Devices = append(p.Devices, m.dev)
	}
	return page, nil
}

// RecallActions returns every patient with an action in the recall, in
// the list's order (see RecallPatients), with their devices the recall
// names. For long lists use RecallPatients.
func (s *DB) RecallActions(ctx context.Context, orgID store.OrgID, recallID string) ([]AffectedPatient, error) {
	var out []AffectedPatient
	for off := 0; ; {
		p, err := s.RecallPatients(ctx, orgID, recallID, RecallPatientQuery{Offset: off, Limit: 500})
		if err != nil {
			return nil, err
		}
		out = append(out, p.Patients...)
		if !p.HasNext() || len(p.Patients) == 0 {
			return out, nil
		}
		off += len(p.Patients)
	}
}

// SetRecallAction records the progress of the recall work for a patient.
// Invalid when status is not one of devices.ActionStatuses; store.NotFound when
// the patient has no action in the recall.
func (s *DB) SetRecallAction(ctx context.Context, orgID store.OrgID, recallID, patientID, status, note string) error {
	note = strings.TrimSpace(note)
	var f apperr.Fields
	f.Check(!devices.ValidAction(status), "status", "Select what has happened")
	f.Check(len(note) > 2000, "note", "Note must be 2000 characters or fewer")
	if err := f.Err(); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE recall_actions SET status = $1, note = $2, updated_at = $3 WHERE org_id = $4 AND recall_id = $5 AND patient_id = $6`,
			status, note, s.Now(), orgID, recallID, patientID)
		if err != nil {
			return s.Wrap(err, "set recall action")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.NotFound("Recall action")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "recall.action", Entity: "recall", EntityID: recallID,
			Summary: audit.Summarise("patient_id", patientID, "status", status)})
	})
}

// SetRecallActions changes the status of several patients of a recall at
// once, in one transaction with one audit entry that names every patient
// id, the status and the note. A note is added to each patient's note on
// a line of its own; a blank note keeps the notes. Invalid (fields
// patient_ids, status, note) for bad input, and for patients without an
// action in the recall, when nothing is changed; store.NotFound for
// another organisation's recall. It returns the number changed.
func (s *DB) SetRecallActions(ctx context.Context, orgID store.OrgID, recallID string, in devices.RecallActionsInput) (int, error) {
	if err := in.Validate(); err != nil {
		return 0, err
	}
	err := s.Tx(ctx, func(tx *store.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM recalls WHERE id = $1 AND org_id = $2`, recallID, orgID).Scan(&one); err != nil {
			return s.One(err, "Recall", "get recall")
		}
		now, changed := s.Now(), 0
		for start := 0; start < len(in.PatientIDs); start += 500 {
			chunk := in.PatientIDs[start:min(start+500, len(in.PatientIDs))]
			args := []any{in.Status, now, orgID, recallID}
			set := "status = $1, updated_at = $2"
			if in.Note != "" {
				args = append(args, in.Note, "\n"+in.Note)
				set += ", note = CASE WHEN note = '' THEN $5 ELSE note || $6 END"
			}
			ph := make([]string, len(chunk))
			for i, id := range chunk {
				args = append(args, id)
				ph[i] = fmt.Sprintf("$%d", len(args))
			}
			res, err := tx.ExecContext(ctx, `UPDATE recall_actions SET `+set+` WHERE org_id = $3 AND recall_id = $4 AND patient_id IN (`+strings.Join(ph, ", ")+`)`, args...)
			if err != nil {
				return s.Wrap(err, "set recall actions")
			}
			n, err := res.RowsAffected()
			if err != nil {
				return s.Wrap(err, "set recall actions")
			}
			changed += int(n)
		}
		if missing := len(in.PatientIDs) - changed; missing > 0 {
			return &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with the selected patients", Fields: map[string]string{
				"patient_ids": fmt.Sprintf("%d of the selected patients are not in this recall's list; nothing was changed", missing)}}
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "recall.actions", Entity: "recall", EntityID: recallID,
			Summary: audit.Summarise("patients", fmt.Sprint(changed), "status", in.Status, "note", in.Note) + "; patient_ids: " + strings.Join(in.PatientIDs, " ")})
	})
	if err != nil {
		return 0, err
	}
	return len(in.PatientIDs), nil
}
