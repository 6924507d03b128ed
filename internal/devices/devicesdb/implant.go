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

// Warning is something a person at the point of care must see about a
// device they have just scanned.
type Warning struct {
	Kind    string `json:"kind"` // expired, duplicate_serial, recall, not_in_catalogue
	Message string `json:"message"`
}

// ImplantRecord is one implanted device, with the product it matched and,
// for device histories, the procedure date and patient.
type ImplantRecord struct {
	ID          string `json:"id"`
	ProcedureID string `json:"procedure_id"`
	PatientID   string `json:"patient_id"`
	devices.Device
	InCatalogue   bool             `json:"in_catalogue"`
	ExplantedOn   string           `json:"explanted_on,omitempty"`
	ExplantReason string           `json:"explant_reason,omitempty"`
	CreatedAt     time.Time        `json:"created_at"`
	Product       *devices.Product `json:"product,omitempty"`
	Warnings      []Warning        `json:"warnings,omitempty"`
	// Filled by DeviceHistory.
	PerformedOn string            `json:"performed_on,omitempty"`
	PatientName string            `json:"patient_name,omitempty"`
	NHSNumber   *nhsnumber.Number `json:"nhs_number,omitempty"`
}

// LogValue keeps patient data out of logs.
func (r ImplantRecord) LogValue() slog.Value {
	return slog.GroupValue(slog.String("implant_id", r.ID), slog.String("patient_id", r.PatientID))
}

// Expired reports whether the device was past its expiry on the day it was
// implanted (or today, when that is not known).
func (r ImplantRecord) Expired(today time.Time) bool { return devices.Expired(r.Expiry, today) }

// ProcedureDetail is a procedure with its patient and devices.
type ProcedureDetail struct {
	devices.Procedure
	Patient  devices.Patient `json:"patient"`
	Implants []ImplantRecord `json:"implants"`
}

// LogValue keeps patient data out of logs.
func (p ProcedureDetail) LogValue() slog.Value {
	return slog.GroupValue(slog.String("procedure_id", p.ID), slog.String("patient_id", p.PatientID))
}

// ProcedureSummary is a line of the procedure list.
type ProcedureSummary struct {
	devices.Procedure
	PatientName string           `json:"patient_name"`
	NHSNumber   nhsnumber.Number `json:"nhs_number"`
	Devices     int              `json:"devices"`
}

// LogValue keeps patient data out of logs.
func (p ProcedureSummary) LogValue() slog.Value { return slog.StringValue(p.ID) }

// CreateProcedure records a procedure for a patient, adding the patient
// or, matched by NHS number, using the one on file. Details that differ
// from the patient on file (a name or date of birth: perhaps the wrong NHS
// number; other details not left blank) stop it with a message per field,
// unless pin.UpdateDetails is set: they are then written, audited with
// their values before and after (see MatchPatient to show the patient on
// file first). Blank fields never erase what is stored. Invalid with
// per-field messages; patient fields are prefixed "patient_".
func (s *DB) CreateProcedure(ctx context.Context, orgID store.OrgID, pin devices.PatientInput, in devices.ProcedureInput) (devices.Procedure, error) {
	today := clock.Today(s.Now())
	pat, perr := pin.Patient("patient_", today)
	proc, err := in.Procedure(today)
	if perr != nil || err != nil {
		f := map[string]string{}
		for k, v := range apperr.FieldsOf(perr) {
			f[k] = v
		}
		for k, v := range apperr.FieldsOf(err) {
			f[k] = v
		}
		return devices.Procedure{}, &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with what was entered", Fields: f}
	}
	if proc.PerformedOn < pat.BirthDate {
		return devices.Procedure{}, &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with what was entered",
			Fields: map[string]string{"performed_on": "Date of the procedure must be on or after the patient's date of birth"}}
	}
	proc.ID, proc.CreatedAt = store.NewID(), s.Now()
	err = s.Tx(ctx, func(tx *store.Tx) error {
		pid, err := s.findOrAddPatient(ctx, tx, orgID, pat, pin.UpdateDetails)
		if err != nil {
			return err
		}
		proc.PatientID = pid
		if _, err := tx.ExecContext(ctx, `INSERT INTO implant_procedures (id, org_id, patient_id, performed_on, site, laterality, clinician, description, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, proc.ID, orgID, pid, proc.PerformedOn, proc.Site, proc.Laterality, proc.Clinician, proc.Description, proc.CreatedAt); err != nil {
			return s.Wrap(err, "create procedure")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "procedure.create", Entity: "procedure", EntityID: proc.ID,
			Summary: audit.Summarise("patient_id", pid, "performed_on", proc.PerformedOn, "site", proc.Site)})
	})
	return proc, err
}

const procCols = `id, patient_id, performed_on, site, laterality, clinician, description, created_at`

func scanProc(sc interface{ Scan(...any) error }) (devices.Procedure, error) {
	var p devices.Procedure
	err := sc.Scan(&p.ID, &p.PatientID, &p.PerformedOn, &p.Site, &p.Laterality, &p.Clinician, &p.Description, &p.CreatedAt)
	p.CreatedAt = p.CreatedAt.UTC()
	return p, err
}

const patientCols = `id, nhs_number, name, birth_date, address, postcode, phone, email`

func scanPatient(sc interface{ Scan(...any) error }) (devices.Patient, error) {
	var p devices.Patient
	var nhs string
	if err := sc.Scan(&p.ID, &nhs, &p.Name, &p.BirthDate, &p.Address, &p.Postcode, &p.Phone, &p.Email); err != nil {
		return p, err
	}
	n, err := nhsnumber.Parse(nhs)
	p.NHSNumber = n
	return p, err
}

// Patient returns one of the organisation's patients.
func (s *DB) Patient(ctx context.Context, orgID store.OrgID, id string) (devices.Patient, error) {
	p, err := scanPatient(s.SQL().QueryRowContext(ctx, `SELECT `+patientCols+` FROM implant_patients WHERE id = $1 AND org_id = $2`, id, orgID))
	return p, s.One(err, "Patient", "get patient")
}

// PatientByNHSNumber finds the organisation's patient with the number.
func (s *DB) PatientByNHSNumber(ctx context.Context, orgID store.OrgID, n nhsnumber.Number) (devices.Patient, error) {
	p, err := scanPatient(s.SQL().QueryRowContext(ctx, `SELECT `+patientCols+` FROM implant_patients WHERE org_id = $1 AND nhs_number = $2`, orgID, n.String()))
	return p, s.One(err, "A patient with that NHS number", "find patient")
}

// PatientProcedures returns a patient's procedures, newest first, with
// their devices.
func (s *DB) PatientProcedures(ctx context.Context, orgID store.OrgID, patientID string) ([]ProcedureDetail, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT `+procCols+` FROM implant_procedures WHERE org_id = $1 AND patient_id = $2 ORDER BY performed_on DESC, id DESC`, orgID, patientID)
	if err != nil {
		return nil, s.Wrap(err, "list patient procedures")
	}
	var out []ProcedureDetail
	for rows.Next() {
		p, err := scanProc(rows)
		if err != nil {
			rows.Close()
			return nil, s.Wrap(err, "scan procedure")
		}
		out = append(out, ProcedureDetail{Procedure: p})
	}
	rows.Close()
	for i := range out {
		if out[i].Implants, err = s.procedureImplants(ctx, s.SQL(), orgID, out[i].ID); err != nil {
			return nil, err
		}
		if err := s.annotate(ctx, orgID, out[i].PerformedOn, out[i].Implants); err != nil {
			return nil, err
		}
	}
	return out, s.Wrap(rows.Err(), "list patient procedures")
}

// Procedure returns a procedure with its patient and devices.
func (s *DB) Procedure(ctx context.Context, orgID store.OrgID, id string) (ProcedureDetail, error) {
	p, err := scanProc(s.SQL().QueryRowContext(ctx, `SELECT `+procCols+` FROM implant_procedures WHERE id = $1 AND org_id = $2`, id, orgID))
	if err != nil {
		return ProcedureDetail{}, s.One(err, "Procedure", "get procedure")
	}
	d := ProcedureDetail{Procedure: p}
	if d.Patient, err = s.Patient(ctx, orgID, p.PatientID); err != nil {
		return d, err
	}
	if d.Implants, err = s.procedureImplants(ctx, s.SQL(), orgID, id); err != nil {
		return d, err
	}
	return d, s.annotate(ctx, orgID, p.PerformedOn, d.Implants)
}

const implantCols = `i.id, i.procedure_id, i.patient_id, i.gtin, i.lot, i.serial, i.expiry, i.raw, i.entry_type, i.in_catalogue, i.explanted_on, i.explant_reason, i.created_at,
	i.labeler, i.manufacturer, i.catalogue, i.unit_of_measure, p.gtin, p.manufacturer, p.brand, p.model, p.description, p.device_type, p.catalogue_number`

func scanImplant(sc interface{ Scan(...any) error }, extra ...any) (ImplantRecord, error) {
	var r ImplantRecord
	var exp sql.NullString
	var pg, pm, pb, pmo, pd, pc sql.NullString
	var pt sql.NullInt64
	dest := append([]any{&r.ID, &r.ProcedureID, &r.PatientID, &r.GTIN, &r.Lot, &r.Serial, &r.Expiry, &r.Raw, &r.EntryType, &r.InCatalogue, &exp, &r.ExplantReason, &r.CreatedAt,
		&r.Labeler, &r.Manufacturer, &r.Catalogue, &r.UnitOfMeasure, &pg, &pm, &pb, &pmo, &pd, &pt, &pc}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return r, err
	}
	r.ExplantedOn, r.CreatedAt = exp.String, r.CreatedAt.UTC()
	if pg.Valid {
		r.Product = &devices.Product{GTIN: pg.String, Manufacturer: pm.String, Brand: pb.String, Model: pmo.String, Description: pd.String, DeviceType: int(pt.Int64),
			CatalogueNumber: pc.String}
	}
	return r, nil
}

func (s *DB) procedureImplants(ctx context.Context, q store.Querier, orgID store.OrgID, procID string) ([]ImplantRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+implantCols+` FROM implants i LEFT JOIN device_products p ON p.org_id = i.org_id AND p.gtin = i.gtin
		WHERE i.org_id = $1 AND i.procedure_id = $2 ORDER BY i.id`, orgID, procID)
	if err != nil {
		return nil, s.Wrap(err, "list implants")
	}
	defer rows.Close()
	var out []ImplantRecord
	for rows.Next() {
		r, err := scanImplant(rows)
		if err != nil {
			return nil, s.Wrap(err, "scan implant")
		}
		out = append(out, r)
	}
	return out, s.Wrap(rows.Err(), "list implants")
}

// ListProcedures returns the organisation's procedures, newest first.
func (s *DB) ListProcedures(ctx context.Context, orgID store.OrgID, limit int) ([]ProcedureSummary, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := s.SQL().QueryContext(ctx, `SELECT x.id, x.patient_id, x.performed_on, x.site, x.laterality, x.clinician, x.description, x.created_at, pt.name, pt.nhs_number,
		(SELECT COUNT(*) FROM implants i WHERE i.procedure_id = x.id)
		FROM implant_procedures x JOIN implant_patients pt ON pt.id = x.patient_id
		WHERE x.org_id = $1 ORDER BY x.id DESC LIMIT `+fmt.Sprint(limit), orgID)
	if err != nil {
		return nil, s.Wrap(err, "list procedures")
	}
	defer rows.Close()
	var out []ProcedureSummary
	for rows.Next() {
		var p ProcedureSummary
		var nhs string
		if err := rows.Scan(&p.ID, &p.PatientID, &p.PerformedOn, &p.Site, &p.Laterality, &p.Clinician, &p.Description, &p.CreatedAt, &p.PatientName, &nhs, &p.Devices); err != nil {
			return nil, s.Wrap(err, "scan procedure")
		}
		p.NHSNumber, _ = nhsnumber.Parse(nhs)
		out = append(out, p)
	}
	return out, s.Wrap(rows.Err(), "list procedures")
}

// openRecall is an open recall with the catalogue entries of the GTINs
// it names, which its devices.Matcher needs.
type openRecall struct {
	devices.Recall
	products []devices.Product
}

// classify is how the recall matches device d of catalogue entry p (nil
// when it has none), as the recall's patient lists find it.
func (rc openRecall) classify(d devices.Device, p *devices.Product) (string, []string) {
	return devices.NewMatcher(rc.Recall, rc.products).Classify(recordedDevice(d, p))
}

// openRecalls returns the organisation's open recalls.
func (s *DB) openRecalls(ctx context.Context, q store.Querier, orgID store.OrgID) ([]openRecall, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+recallCols+` FROM recalls WHERE org_id = $1 AND status = 'open' ORDER BY issued_on DESC, id`, orgID)
	if err != nil {
		return nil, s.Wrap(err, "list open recalls")
	}
	var out []openRecall
	for rows.Next() {
		r, err := scanRecall(rows)
		if err != nil {
			rows.Close()
			return nil, s.Wrap(err, "scan recall")
		}
		out = append(out, openRecall{Recall: r})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.Wrap(err, "list open recalls")
	}
	for i := range out {
		if out[i].products, err = s.productsOf(ctx, q, orgID, out[i].GTINs()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// deviceWarnings returns the warnings for device d (record id, in
// procedure procID done on performedOn, of catalogue entry product, nil
// when not in the catalogue): expired before the procedure, a serial
// recorded for another record (in this procedure or another), an open
// recall that affects it (as the recall's patient list finds it), or a
// GTIN not in the catalogue.
func (s *DB) deviceWarnings(ctx context.Context, q store.Querier, orgID store.OrgID, procID, id, performedOn string, d devices.Device, product *devices.Product, recalls []openRecall) ([]Warning, error) {
	var ws []Warning
	if d.Expiry != "" && d.Expiry < performedOn {
		ws = append(ws, Warning{"expired", "Expired on " + longDate(d.Expiry) + ", before the date of the procedure. Do not implant: check with the device lead."})
	}
	if d.Serial != "" {
		var same, other int
		cond, args := productCond(d.Key(), "", orgID, devices.NormalizeCode(d.Serial), procID, id)
		if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN procedure_id = $3 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN procedure_id <> $3 THEN 1 ELSE 0 END), 0)
			FROM implants WHERE org_id = $1 AND `+codeSQL("serial")+` = $2 AND id <> $4 AND `+cond, args...).Scan(&same, &other); err != nil {
			return nil, s.Wrap(err, "check serial")
		}
		what := "GTIN"
		if d.GTIN == "" {
			what = "catalogue number"
		}
		switch {
		case same > 0:
			ws = append(ws, Warning{"duplicate_serial", "The same device (" + what + " and serial number) is scanned twice in this procedure. Remove the extra line if it was scanned in error."})
		case other > 0:
			ws = append(ws, Warning{"duplicate_serial", "A device with this " + what + " and serial number is also recorded in another procedure. A serial number identifies one device: check the label."})
		}
	}
	for _, r := range recalls {
		if level, _ := r.classify(d, product); level == devices.MatchAffected {
			msg := "Under open recall " + r.Reference + " (" + r.KindLabel() + ")"
			if r.Deadline != "" {
				msg += ", action deadline " + longDate(r.Deadline)
			}
			ws = append(ws, Warning{"recall", msg + ": " + firstLine(r.ActionRequired)})
		}
	}
	switch {
	case d.GTIN == "":
		ws = append(ws, Warning{"not_in_catalogue", "This device has no GTIN (" + d.Key().String() + "), so it cannot be checked against the catalogue; it is recorded and flagged for the device lead."})
	case product == nil:
		ws = append(ws, Warning{"not_in_catalogue", "GTIN " + d.GTIN + " is not in the catalogue; it is recorded and flagged for the device lead."})
	}
	return ws, nil
}

// annotate fills the warnings of a procedure's devices.
func (s *DB) annotate(ctx context.Context, orgID store.OrgID, performedOn string, recs []ImplantRecord) error {
	if len(recs) == 0 {
		return nil
	}
	recalls, err := s.openRecalls(ctx, s.SQL(), orgID)
	if err != nil {
		return err
	}
	for i := range recs {
		r := &recs[i]
		if r.Warnings, err = s.deviceWarnings(ctx, s.SQL(), orgID, r.ProcedureID, r.ID, performedOn, r.Device, r.Product, recalls); err != nil {
			return err
		}
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = store.Truncate(s, 200) + "…"
	}
	return s
}

// AddImplant records a device (scanned or typed) in a procedure and returns
// it with its warnings. Warnings do not stop the record: the register must
// say what was implanted. store.NotFound when the procedure is not the
// organisation's.
func (s *DB) AddImplant(ctx context.Context, orgID store.OrgID, procID string, d devices.Device) (ImplantRecord, error) {
	r, _, err := s.recordImplant(ctx, orgID, procID, d, "", false)
	return r, err
}

// Implant returns one implanted device.
func (s *DB) Implant(ctx context.Context, orgID store.OrgID, id string) (ImplantRecord, error) {
	r, err := scanImplant(s.SQL().QueryRowContext(ctx, `SELECT `+implantCols+` FROM implants i LEFT JOIN device_products p ON p.org_id = i.org_id AND p.gtin = i.gtin
		WHERE i.id = $1 AND i.org_id = $2`, id, orgID))
	return r, s.One(err, "Implant", "get implant")
}

// RemoveImplant deletes a device recorded in error (a wrong scan), with an
// audit entry. An explanted device is kept, for recalls that follow up
// removed devices and for the patient's history: deleting one is a
// Conflict. store.NotFound when the device is not the organisation's.
func (s *DB) RemoveImplant(ctx context.Context, orgID store.OrgID, id string) error {
	return s.Tx(ctx, func(tx *store.Tx) error {
		var proc, gtin string
		var exp sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT procedure_id, gtin, explanted_on FROM implants WHERE id = $1 AND org_id = $2`, id, orgID).Scan(&proc, &gtin, &exp)
		if err != nil {
			return s.One(err, "Implant", "get implant")
		}
		if exp.Valid {
			return apperr.New(apperr.Conflict, "This device was implanted and then removed on %s, so its record is kept: only a device recorded in error can be deleted", longDate(exp.String))
		}
		before, err := s.BulkBefore(ctx, tx, orgID, "implant", id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM implants WHERE id = $1 AND org_id = $2`, id, orgID); err != nil {
			return s.Wrap(err, "remove implant")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "implant.remove", Entity: "implant", EntityID: id,
			Summary: audit.Summarise("procedure_id", proc, "gtin", gtin, "reason", "recorded in error"), Before: before})
	})
}

// Explant records that a device was removed. Invalid with fields
// explant_date and explant_reason; Conflict when already explanted.
func (s *DB) Explant(ctx context.Context, orgID store.OrgID, id string, in devices.ExplantInput) error {
	return s.Tx(ctx, func(tx *store.Tx) error {
		var performedOn string
		var exp sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT x.performed_on, i.explanted_on FROM implants i JOIN implant_procedures x ON x.id = i.procedure_id
			WHERE i.id = $1 AND i.org_id = $2`, id, orgID).Scan(&performedOn, &exp)
		if err != nil {
			return s.One(err, "Implant", "get implant")
		}
		if exp.Valid {
			return apperr.New(apperr.Conflict, "This device is already recorded as removed on %s", exp.String)
		}
		date, reason, err := in.Validate(performedOn, clock.Today(s.Now()))
		if err != nil {
			return err
		}
		before, err := s.BulkBefore(ctx, tx, orgID, "implant", id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE implants SET explanted_on = $1, explant_reason = $2 WHERE id = $3 AND org_id = $4`, date, reason, id, orgID); err != nil {
			return s.Wrap(err, "explant")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "implant.explant", Entity: "implant", EntityID: id,
			Summary: audit.Summarise("explanted_on", date), Before: before})
	})
}

// DeviceHistory returns every record of a GTIN (and serial, when given) in
// the organisation, newest first, with the procedure date and patient, at
// most 500.
func (s *DB) DeviceHistory(ctx context.Context, orgID store.OrgID, gtin, serial string) ([]ImplantRecord, error) {
	return s.DeviceHistoryOf(ctx, orgID, devices.ProductKey{GTIN: gtin}, serial)
}

// DeviceHistoryOf returns every record of a product (and serial, when
// given, compared as devices.NormalizeCode gives it) in the organisation, newest first, with the procedure date and
// patient, at most 500. The product is a GTIN, an HIBC labeler code and
// catalogue number, or a manufacturer (compared without regard to case)
// and catalogue number: see devices.Device.Key.
func (s *DB) DeviceHistoryOf(ctx context.Context, orgID store.OrgID, key devices.ProductKey, serial string) ([]ImplantRecord, error) {
	cond, args := productCond(key, "i.", orgID)
	q := `SELECT ` + implantCols + `, x.performed_on, pt.name, pt.nhs_number FROM implants i
		LEFT JOIN device_products p ON p.org_id = i.org_id AND p.gtin = i.gtin
		JOIN implant_procedures x ON x.id = i.procedure_id JOIN implant_patients pt ON pt.id = i.patient_id
		WHERE i.org_id = $1 AND ` + cond
	if serial != "" {
		args = append(args, devices.NormalizeCode(serial))
		q += fmt.Sprintf(` AND `+codeSQL("i.serial")+` = $%d`, len(args))
	}
	rows, err := s.SQL().QueryContext(ctx, q+` ORDER BY x.performed_on DESC, i.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, s.Wrap(err, "device history")
	}
	defer rows.Close()
	var out []ImplantRecord
	for rows.Next() {
		var nhs string
		var performed, name string
		r, err := scanImplant(rows, &performed, &name, &nhs)
		if err != nil {
			return nil, s.Wrap(err, "scan device history")
		}
		n, _ := nhsnumber.Parse(nhs)
		r.PerformedOn, r.PatientName, r.NHSNumber = performed, name, &n
		out = append(out, r)
	}
	return out, s.Wrap(rows.Err(), "device history")
}

func rulesJSON(rs []devices.Rule) string {
	b, _ := json.Marshal(rs)
	return string(b)
}

// productCond is the SQL condition that a device (columns prefixed by
// alias) is of the product key: the same GTIN; or the same labeler code
// and catalogue number; or the same manufacturer (without regard to case)
// and catalogue number, whether or not the device also has a GTIN. Its
// parameters are appended to args (the query's parameters before them). A
// key with nothing set matches nothing.
func productCond(key devices.ProductKey, alias string, args ...any) (string, []any) {
	p := func(v string) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	switch {
	case key.GTIN != "":
		return alias + "gtin = " + p(key.GTIN), args
	case key.Labeler != "" && key.Catalogue != "":
		return alias + "labeler = " + p(key.Labeler) + " AND " + alias + "catalogue = " + p(key.Catalogue), args
	case key.Manufacturer != "" && key.Catalogue != "":
		return "LOWER(" + alias + "manufacturer) = LOWER(" + p(key.Manufacturer) + ") AND " + alias + "catalogue = " + p(key.Catalogue), args
	}
	return "1 = 0", args
}
