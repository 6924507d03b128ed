package devicesdb

import (
	"context"
	"log/slog"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/nhsnumber"
)

// PatientMatch is the patient on file for an NHS number, for the person
// recording a procedure to confirm, and how the details they typed differ.
type PatientMatch struct {
	// Found is set when the organisation has a patient with the number.
	Found   bool            `json:"found"`
	Patient devices.Patient `json:"patient,omitempty"`
	// Differences has a message per typed detail that differs from the
	// one on file, keyed by form field (patient_name, patient_birth_date,
	// patient_address, ...). Blank typed details are not differences.
	Differences map[string]string `json:"differences,omitempty"`
}

// LogValue keeps patient data out of logs.
func (m PatientMatch) LogValue() slog.Value {
	return slog.GroupValue(slog.String("patient_id", m.Patient.ID))
}

// IdentityDiffers reports whether the name or date of birth differs: the
// NHS number may have been mistyped, or be another person's.
func (m PatientMatch) IdentityDiffers() bool {
	for k := range m.Differences {
		if devices.IsIdentityField(strings.TrimPrefix(k, "patient_")) {
			return true
		}
	}
	return false
}

// MatchPatient looks up the organisation's patient with the NHS number of
// in, and compares the other details typed (any may be blank) with the
// ones on file. A number not on file is Found false, not an error. Invalid
// (field patient_nhs_number) when the NHS number is not valid.
func (s *DB) MatchPatient(ctx context.Context, orgID store.OrgID, in devices.PatientInput) (PatientMatch, error) {
	n, err := parseNHS(in.NHSNumber)
	if err != nil {
		return PatientMatch{}, err
	}
	p, err := s.PatientByNHSNumber(ctx, orgID, n)
	if apperr.Is(err, apperr.NotFound) {
		return PatientMatch{}, nil
	}
	if err != nil {
		return PatientMatch{}, err
	}
	typed := devices.Patient{Name: strings.TrimSpace(in.Name), BirthDate: strings.TrimSpace(in.BirthDate), Address: strings.TrimSpace(in.Address),
		Postcode: strings.TrimSpace(in.Postcode), Phone: strings.TrimSpace(in.Phone), Email: strings.TrimSpace(in.Email)}
	if typed.BirthDate != "" {
		if d, msg := devices.ParseDate(typed.BirthDate); msg == "" {
			typed.BirthDate = d.Format("2006-01-02")
		}
	}
	return PatientMatch{Found: true, Patient: p, Differences: devices.PatientDifferences(p, typed, "patient_")}, nil
}

// parseNHS reads a typed NHS number; Invalid with field patient_nhs_number.
func parseNHS(s string) (nhsnumber.Number, error) {
	msg := ""
	n, err := nhsnumber.Parse(s)
	switch {
	case strings.TrimSpace(s) == "":
		msg = "Enter the patient's NHS number"
	case err != nil:
		msg = "Enter a valid NHS number: " + strings.TrimPrefix(err.Error(), "NHS number: ")
	default:
		return n, nil
	}
	return n, &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with what was entered", Fields: map[string]string{"patient_nhs_number": msg}}
}

// findOrAddPatient returns the id of the organisation's patient with p's
// NHS number, adding the patient when there is none. A patient on file is
// not changed, unless update is set (the deliberate step): details that
// differ are then written with an audit entry holding before and after;
// without it they are an Invalid error with a message per field.
func (s *DB) findOrAddPatient(ctx context.Context, tx *store.Tx, orgID store.OrgID, p devices.Patient, update bool) (string, error) {
	onFile, err := scanPatient(tx.QueryRowContext(ctx, `SELECT `+patientCols+` FROM implant_patients WHERE org_id = $1 AND nhs_number = $2`, orgID, p.NHSNumber.String()))
	switch {
	case store.NoRows(err):
		id := store.NewID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO implant_patients (id, org_id, nhs_number, name, birth_date, address, postcode, phone, email, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, id, orgID, p.NHSNumber.String(), p.Name, p.BirthDate, p.Address, p.Postcode, p.Phone, p.Email, s.Now()); err != nil {
			return "", s.Wrap(err, "add patient")
		}
		return id, tx.Audit(ctx, store.Change{OrgID: orgID, Action: "implant_patient.create", Entity: "implant_patient", EntityID: id, Summary: "patient added"})
	case err != nil:
		return "", s.Wrap(err, "find patient")
	}
	diffs := devices.PatientDifferences(onFile, p, "patient_")
	if len(diffs) == 0 {
		return onFile.ID, nil
	}
	if !update {
		msg := "The details entered do not match the patient on file with this NHS number"
		if !(PatientMatch{Differences: diffs}).IdentityDiffers() {
			msg = "The details entered are different from the ones on file for this patient"
		}
		return "", &apperr.Error{Kind: apperr.Invalid, Message: msg, Fields: diffs}
	}
	return onFile.ID, s.writePatient(ctx, tx, orgID, onFile, p)
}

// writePatient applies the non-blank details of typed to the patient on
// file, with an audit entry holding each changed value before and after.
// Nothing is written when nothing changes.
func (s *DB) writePatient(ctx context.Context, tx *store.Tx, orgID store.OrgID, onFile, typed devices.Patient) error {
	merged, changes := devices.MergePatient(onFile, typed)
	if len(changes) == 0 {
		return nil
	}
	before, err := s.BulkBefore(ctx, tx, orgID, "implant_patient", onFile.ID)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE implant_patients SET name = $1, birth_date = $2, address = $3, postcode = $4, phone = $5, email = $6 WHERE id = $7 AND org_id = $8`,
		merged.Name, merged.BirthDate, merged.Address, merged.Postcode, merged.Phone, merged.Email, onFile.ID, orgID); err != nil {
		return s.Wrap(err, "update patient")
	}
	kv := make([]string, 0, 2*len(changes))
	for _, c := range changes {
		kv = append(kv, c.Field, c.Before+" → "+c.After)
	}
	return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "implant_patient.update", Entity: "implant_patient", EntityID: onFile.ID,
		Summary: audit.Summarise(kv...), Before: before})
}

// UpdatePatient is the deliberate change of a patient's details: in is
// validated as a procedure's patient is, its NHS number must be the one on
// file, and blank optional fields keep what is stored. The audit entry
// holds each changed value before and after; nothing is written when
// nothing changes. It returns the patient as stored. Invalid with fields
// prefixed "patient_"; NotFound when the patient is not the organisation's.
func (s *DB) UpdatePatient(ctx context.Context, orgID store.OrgID, id string, in devices.PatientInput) (devices.Patient, error) {
	typed, err := in.Patient("patient_", clock.Today(s.Now()))
	if err != nil {
		return devices.Patient{}, err
	}
	var out devices.Patient
	err = s.Tx(ctx, func(tx *store.Tx) error {
		onFile, err := scanPatient(tx.QueryRowContext(ctx, `SELECT `+patientCols+` FROM implant_patients WHERE id = $1 AND org_id = $2`, id, orgID))
		if err != nil {
			return s.One(err, "Patient", "get patient")
		}
		if typed.NHSNumber != onFile.NHSNumber {
			return &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with what was entered",
				Fields: map[string]string{"patient_nhs_number": "The NHS number cannot be changed: record the procedure for the patient with the right NHS number"}}
		}
		if err := s.writePatient(ctx, tx, orgID, onFile, typed); err != nil {
			return err
		}
		out, _ = devices.MergePatient(onFile, typed)
		return nil
	})
	return out, err
}
