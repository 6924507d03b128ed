package devicesdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/store"
	"log/slog"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/nhsnumber"
)

const recallCols = `id, reference, kind, issuer, issued_on, manufacturer, action_required, deadline, status, affects, created_at`

func scanRecall(sc interface{ Scan(...any) error }) (devices.Recall, error) {
	var r devices.Recall
	var affects string
	if err := sc.Scan(&r.ID, &r.Reference, &r.Kind, &r.Issuer, &r.IssuedOn, &r.Manufacturer, &r.ActionRequired, &r.Deadline, &r.Status, &affects, &r.CreatedAt); err != nil {
		return r, err
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return r, json.Unmarshal([]byte(affects), &r.Rules)
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
		if _, err := tx.ExecContext(ctx, `INSERT INTO recalls (`+recallCols+`, org_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			r.ID, r.Reference, r.Kind, r.Issuer, r.IssuedOn, r.Manufacturer, r.ActionRequired, r.Deadline, r.Status, rulesJSON(r.Rules), r.CreatedAt, orgID); err != nil {
			if apperr.Is(s.MapErr(err), apperr.Conflict) {
				return &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: map[string]string{"reference": "A recall with this reference is already recorded"}}
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
		var affects string
		if err := rows.Scan(&r.ID, &r.Reference, &r.Kind, &r.Issuer, &r.IssuedOn, &r.Manufacturer, &r.ActionRequired, &r.Deadline, &r.Status, &affects, &r.CreatedAt, &r.Patients, &r.Done); err != nil {
			return nil, s.Wrap(err, "scan recall")
		}
		if err := json.Unmarshal([]byte(affects), &r.Rules); err != nil {
			return nil, fmt.Errorf("store: recall %s affects: %w", r.ID, err)
		}
		out = append(out, r)
	}
	return out, s.Wrap(rows.Err(), "list recalls")
}

// SetRecallStatus opens or closes a recall.
func (s *DB) SetRecallStatus(ctx context.Context, orgID store.OrgID, id, status string) error {
	if status != "open" && status != "closed" {
		return apperr.New(apperr.Invalid, "Status must be open or closed")
	}
	return s.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE recalls SET status = $1 WHERE id = $2 AND org_id = $3`, status, id, orgID)
		if err != nil {
			return s.Wrap(err, "set recall status")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.NotFound("Recall")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "recall.status", Entity: "recall", EntityID: id, Summary: audit.Summarise("status", status)})
	})
}

// matchSQL builds the query of the devices a recall affects: one indexed
// SELECT per rule, joined by UNION ALL, over devices still implanted. cols
// is the select list over implants i.
func matchSQL(orgID store.OrgID, rules []devices.Rule, cols string) (string, []any) {
	args := []any{orgID}
	p := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	in := func(vs []string) string {
		ph := make([]string, len(vs))
		for i, v := range vs {
			ph[i] = p(v)
		}
		return strings.Join(ph, ", ")
	}
	var parts []string
	for _, r := range rules {
		var cond string
		if r.GTIN != "" {
			cond = "i.gtin = " + p(r.GTIN)
		} else { // an HIBC product: labeler code and catalogue number
			cond = "i.labeler = " + p(r.Labeler) + " AND i.catalogue = " + p(r.Catalogue)
		}
		switch r.Kind {
		case devices.RuleAll:
		case devices.RuleLots:
			cond += " AND i.lot IN (" + in(r.Lots) + ")"
		case devices.RuleLotRange:
			cond += " AND i.lot >= " + p(r.From) + " AND i.lot <= " + p(r.To) + " AND LENGTH(i.lot) = " + p(len(r.From))
		case devices.RuleSerials:
			cond += " AND i.serial IN (" + in(r.Serials) + ")"
		case devices.RuleExpiry:
			cond += " AND i.expiry >= " + p(r.From) + " AND i.expiry <= " + p(r.To)
		default:
			cond += " AND 1 = 0"
		}
		parts = append(parts, "SELECT "+cols+" FROM implants i WHERE i.org_id = $1 AND "+cond+" AND i.explanted_on IS NULL")
	}
	if len(parts) == 0 {
		return "SELECT " + cols + " FROM implants i WHERE 1 = 0", args
	}
	return strings.Join(parts, " UNION ALL "), args
}

// AffectedDevice is a device a recall affects.
type AffectedDevice struct {
	ImplantID   string `json:"implant_id"`
	ProcedureID string `json:"procedure_id"`
	GTIN        string `json:"gtin"`
	Labeler     string `json:"labeler,omitempty"`   // HIBC labeler code, for a device without a GTIN
	Catalogue   string `json:"catalogue,omitempty"` // its catalogue number
	Lot         string `json:"lot"`
	Serial      string `json:"serial"`
	Expiry      string `json:"expiry"`
}

// AffectedPatient is a patient with devices a recall affects, and the
// recall work for them when it has been started.
type AffectedPatient struct {
	Patient   devices.Patient  `json:"patient"`
	Devices   []AffectedDevice `json:"devices"`
	Status    string           `json:"status,omitempty"`
	Note      string           `json:"note,omitempty"`
	UpdatedAt *time.Time       `json:"updated_at,omitempty"`
}

// LogValue keeps patient data out of logs.
func (a AffectedPatient) LogValue() slog.Value { return slog.StringValue(a.Patient.ID) }

// RecallMatch is the outcome of matching a recall against the register.
type RecallMatch struct {
	Patients []AffectedPatient `json:"patients"`
	// Truncated is set when more patients are affected than were listed.
	Truncated bool `json:"truncated"`
}

// MatchRecall finds the patients with devices still implanted that the
// recall affects: up to limit patients (default and most 1,000), each with
// their affected devices, in order of first device recorded. It reads only;
// StartRecallActions records the work.
func (s *DB) MatchRecall(ctx context.Context, orgID store.OrgID, rc devices.Recall, limit int) (RecallMatch, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	q, args := matchSQL(orgID, rc.Rules, "i.id, i.procedure_id, i.patient_id, i.gtin, i.labeler, i.catalogue, i.lot, i.serial, i.expiry")
	rows, err := s.SQL().QueryContext(ctx, q, args...)
	if err != nil {
		return RecallMatch{}, s.Wrap(err, "match recall")
	}
	var m RecallMatch
	byPatient := map[string]int{}
	seen := map[string]bool{}
	for rows.Next() {
		var d AffectedDevice
		var pid string
		if err := rows.Scan(&d.ImplantID, &d.ProcedureID, &pid, &d.GTIN, &d.Labeler, &d.Catalogue, &d.Lot, &d.Serial, &d.Expiry); err != nil {
			rows.Close()
			return RecallMatch{}, s.Wrap(err, "scan match")
		}
		if seen[d.ImplantID] { // two rules matched one device
			continue
		}
		seen[d.ImplantID] = true
		i, ok := byPatient[pid]
		if !ok {
			if len(m.Patients) == limit {
				m.Truncated = true
				break
			}
			i = len(m.Patients)
			byPatient[pid] = i
			m.Patients = append(m.Patients, AffectedPatient{Patient: devices.Patient{ID: pid}})
		}
		m.Patients[i].Devices = append(m.Patients[i].Devices, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return RecallMatch{}, s.Wrap(err, "match recall")
	}
	if err := s.fillPatients(ctx, orgID, rc.ID, m.Patients); err != nil {
		return RecallMatch{}, err
	}
	return m, nil
}

// fillPatients reads the patients' details and recall actions in chunks.
func (s *DB) fillPatients(ctx context.Context, orgID store.OrgID, recallID string, ps []AffectedPatient) error {
	idx := make(map[string]int, len(ps))
	for i, p := range ps {
		idx[p.Patient.ID] = i
	}
	for start := 0; start < len(ps); start += 500 {
		end := min(start+500, len(ps))
		args := []any{orgID, recallID}
		ph := make([]string, 0, end-start)
		for _, p := range ps[start:end] {
			args = append(args, p.Patient.ID)
			ph = append(ph, fmt.Sprintf("$%d", len(args)))
		}
		rows, err := s.SQL().QueryContext(ctx, `SELECT pt.id, pt.nhs_number, pt.name, pt.birth_date, pt.address, pt.postcode, pt.phone, pt.email, a.status, a.note, a.updated_at
			FROM implant_patients pt LEFT JOIN recall_actions a ON a.patient_id = pt.id AND a.recall_id = $2
			WHERE pt.org_id = $1 AND pt.id IN (`+strings.Join(ph, ", ")+`)`, args...)
		if err != nil {
			return s.Wrap(err, "read affected patients")
		}
		for rows.Next() {
			var p devices.Patient
			var nhs string
			var st, note sql.NullString
			var at sql.NullTime
			if err := rows.Scan(&p.ID, &nhs, &p.Name, &p.BirthDate, &p.Address, &p.Postcode, &p.Phone, &p.Email, &st, &note, &at); err != nil {
				rows.Close()
				return s.Wrap(err, "scan affected patient")
			}
			p.NHSNumber, _ = nhsnumber.Parse(nhs)
			a := &ps[idx[p.ID]]
			a.Patient, a.Status, a.Note = p, st.String, note.String
			if at.Valid {
				t := at.Time.UTC()
				a.UpdatedAt = &t
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.Wrap(err, "read affected patients")
		}
	}
	return nil
}

// RecallCounts are the numbers a recall affects.
type RecallCounts struct {
	Devices  int `json:"devices"`
	Patients int `json:"patients"`
}

// CountRecall counts the devices still implanted, and their patients, that
// the recall affects.
func (s *DB) CountRecall(ctx context.Context, orgID store.OrgID, rc devices.Recall) (RecallCounts, error) {
	q, args := matchSQL(orgID, rc.Rules, "i.id, i.patient_id")
	var c RecallCounts
	err := s.SQL().QueryRowContext(ctx, `SELECT COUNT(DISTINCT m.id), COUNT(DISTINCT m.patient_id) FROM (`+q+`) m`, args...).Scan(&c.Devices, &c.Patients)
	return c, s.Wrap(err, "count recall")
}

// StartRecallActions adds a "to contact" action for every affected patient
// who has none yet, and returns how many were added. Run it again after
// more devices are recorded.
func (s *DB) StartRecallActions(ctx context.Context, orgID store.OrgID, recallID string) (int, error) {
	rc, err := s.Recall(ctx, orgID, recallID)
	if err != nil {
		return 0, err
	}
	q, args := matchSQL(orgID, rc.Rules, "i.id, i.patient_id")
	n := 0
	err = s.Tx(ctx, func(tx *store.Tx) error {
		args = append(args, recallID, s.Now())
		r, p := len(args)-1, len(args)
		res, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO recall_actions (org_id, recall_id, patient_id, status, note, devices, updated_at)
			SELECT $1, $%d, m.patient_id, 'to_contact', '', COUNT(DISTINCT m.id), $%d FROM (%s) m
			WHERE NOT EXISTS (SELECT 1 FROM recall_actions a WHERE a.recall_id = $%d AND a.patient_id = m.patient_id)
			GROUP BY m.patient_id`, r, p, q, r), args...)
		if err != nil {
			return s.Wrap(err, "start recall actions")
		}
		k, _ := res.RowsAffected()
		n = int(k)
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "recall.match", Entity: "recall", EntityID: recallID,
			Summary: audit.Summarise("patients_added", fmt.Sprint(n))})
	})
	return n, err
}

// RecallActions returns the patients with recall actions, with their
// affected devices (still implanted, or explanted since), ordered by
// status then name.
func (s *DB) RecallActions(ctx context.Context, orgID store.OrgID, recallID string) ([]AffectedPatient, error) {
	rc, err := s.Recall(ctx, orgID, recallID)
	if err != nil {
		return nil, err
	}
	rows, err := s.SQL().QueryContext(ctx, `SELECT a.patient_id FROM recall_actions a JOIN implant_patients pt ON pt.id = a.patient_id
		WHERE a.org_id = $1 AND a.recall_id = $2 ORDER BY CASE a.status WHEN 'to_contact' THEN 0 WHEN 'contacted' THEN 1 ELSE 2 END, pt.name, pt.id`, orgID, recallID)
	if err != nil {
		return nil, s.Wrap(err, "list recall actions")
	}
	var out []AffectedPatient
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, s.Wrap(err, "scan recall action")
		}
		out = append(out, AffectedPatient{Patient: devices.Patient{ID: id}})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.Wrap(err, "list recall actions")
	}
	if err := s.fillPatients(ctx, orgID, recallID, out); err != nil {
		return nil, err
	}
	// The devices of each patient that the recall names, explanted or not.
	idx := map[string]int{}
	for i, a := range out {
		idx[a.Patient.ID] = i
	}
	for start := 0; start < len(out); start += 500 {
		end := min(start+500, len(out))
		args := []any{orgID}
		ph := []string{}
		for _, a := range out[start:end] {
			args = append(args, a.Patient.ID)
			ph = append(ph, fmt.Sprintf("$%d", len(args)))
		}
		rows, err := s.SQL().QueryContext(ctx, `SELECT id, procedure_id, patient_id, gtin, labeler, catalogue, lot, serial, expiry FROM implants WHERE org_id = $1 AND patient_id IN (`+strings.Join(ph, ", ")+`) ORDER BY id`, args...)
		if err != nil {
			return nil, s.Wrap(err, "read recall devices")
		}
		for rows.Next() {
			var d AffectedDevice
			var pid string
			if err := rows.Scan(&d.ImplantID, &d.ProcedureID, &pid, &d.GTIN, &d.Labeler, &d.Catalogue, &d.Lot, &d.Serial, &d.Expiry); err != nil {
				rows.Close()
				return nil, s.Wrap(err, "scan recall device")
			}
			if rc.Affects(devices.Device{GTIN: d.GTIN, Labeler: d.Labeler, Catalogue: d.Catalogue, Lot: d.Lot, Serial: d.Serial, Expiry: d.Expiry}) {
				out[idx[pid]].Devices = append(out[idx[pid]].Devices, d)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.Wrap(err, "read recall devices")
		}
	}
	return out, nil
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
