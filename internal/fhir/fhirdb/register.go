package fhirdb

import (
	"context"
	"fmt"
	"strings"

	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/google/uuid"
)

func implantOf(r devicesdb.ImplantRecord) fhir.Implant {
	im := fhir.Implant{ID: r.ID, ProcedureID: r.ProcedureID, PatientID: r.PatientID, GTIN: r.GTIN, Labeler: r.Labeler,
		Catalogue: r.Catalogue, UnitOfMeasure: r.UnitOfMeasure, Lot: r.Lot, Serial: r.Serial, Expiry: r.Expiry, Raw: r.Raw,
		EntryType: r.EntryType, Manufacturer: r.Manufacturer, ExplantedOn: r.ExplantedOn, ExplantReason: r.ExplantReason, CreatedAt: r.CreatedAt}
	if p := r.Product; p != nil {
		im.Manufacturer, im.Brand, im.Model, im.DeviceType, im.DeviceTypeLabel = p.Manufacturer, p.Brand, p.Model, p.DeviceType, p.TypeLabel()
	}
	return im
}

func validID(id string) bool { _, err := uuid.Parse(id); return err == nil }

// Implant is implant id of orgID; NotFound otherwise.
func (s *DB) Implant(ctx context.Context, orgID store.OrgID, id string) (fhir.Implant, error) {
	if !validID(id) {
		return fhir.Implant{}, store.NotFound("Device")
	}
	r, err := s.Devices.Implant(ctx, orgID, id)
	if err != nil {
		return fhir.Implant{}, err
	}
	return implantOf(r), nil
}

// RegisterPatient is patient id of the implant register of orgID.
func (s *DB) RegisterPatient(ctx context.Context, orgID store.OrgID, id string) (fhir.RegisterPatient, error) {
	if !validID(id) {
		return fhir.RegisterPatient{}, store.NotFound("Patient")
	}
	p, err := s.Devices.Patient(ctx, orgID, id)
	if err != nil {
		return fhir.RegisterPatient{}, err
	}
	return fhir.RegisterPatient{ID: p.ID, NHSNumber: p.NHSNumber.String(), Name: p.Name, BirthDate: p.BirthDate}, nil
}

// RegisterProcedure is implant procedure id of orgID.
func (s *DB) RegisterProcedure(ctx context.Context, orgID store.OrgID, id string) (fhir.RegisterProcedure, error) {
	if !validID(id) {
		return fhir.RegisterProcedure{}, store.NotFound("Procedure")
	}
	d, err := s.Devices.Procedure(ctx, orgID, id)
	if err != nil {
		return fhir.RegisterProcedure{}, err
	}
	p := fhir.RegisterProcedure{ID: d.ID, PatientID: d.PatientID, PerformedOn: d.PerformedOn, Site: d.Site, Laterality: d.Laterality,
		Clinician: d.Clinician, Description: d.Description, CreatedAt: d.CreatedAt}
	for _, l := range devices.Lateralities {
		if l.Code == d.Laterality {
			p.LateralityLabel = l.Label
		}
	}
	for _, im := range d.Implants {
		p.ImplantIDs = append(p.ImplantIDs, im.ID)
	}
	return p, nil
}

// RegisterQuery is a search of the implant register: each condition
// given must hold; After is the last id of the page before.
type RegisterQuery struct {
	IDs      []string
	UDIDI    []string // device identifiers (GTIN)
	Lots     []string
	Serials  []string
	Patients []string
	// NHSNumbers find patients by NHS number.
	NHSNumbers []string
	Count      int
	After      string
}

// SearchRegister returns the ids of table's rows (implants,
// implant_procedures or implant_patients) of orgID that match q, in id
// order, at most q.Count, and whether more follow.
func (s *DB) SearchRegister(ctx context.Context, orgID store.OrgID, table string, q RegisterQuery) ([]string, bool, error) {
	args := []any{orgID}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	anyOf := func(col string, vs []string) string {
		var ors []string
		for _, v := range vs {
			ors = append(ors, col+" = "+arg(v))
		}
		return "(" + strings.Join(ors, " OR ") + ")"
	}
	where := []string{"org_id = $1"}
	if len(q.IDs) > 0 {
		where = append(where, anyOf("id", q.IDs))
	}
	switch table {
	case "implants":
		if len(q.UDIDI) > 0 {
			where = append(where, anyOf("gtin", q.UDIDI))
		}
		if len(q.Lots) > 0 {
			where = append(where, anyOf("lot", q.Lots))
		}
		if len(q.Serials) > 0 {
			where = append(where, anyOf("serial", q.Serials))
		}
		if len(q.Patients) > 0 {
			where = append(where, anyOf("patient_id", q.Patients))
		}
	case "implant_procedures":
		if len(q.Patients) > 0 {
			where = append(where, anyOf("patient_id", q.Patients))
		}
	case "implant_patients":
		if len(q.NHSNumbers) > 0 {
			where = append(where, anyOf("nhs_number", q.NHSNumbers))
		}
	default:
		return nil, false, fmt.Errorf("fhirdb: search %s: not a register table", table)
	}
	if q.After != "" {
		where = append(where, "id > "+arg(q.After))
	}
	n := q.Count
	if n <= 0 {
		n = 20
	}
	rows, err := s.SQL().QueryContext(ctx, `SELECT id FROM `+table+` WHERE `+strings.Join(where, " AND ")+` ORDER BY id LIMIT `+arg(n+1), args...)
	if err != nil {
		return nil, false, s.Wrap(err, "search %s", table)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, false, s.Wrap(err, "search %s", table)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, false, s.Wrap(err, "search %s", table)
	}
	more := len(ids) > n
	if more {
		ids = ids[:n]
	}
	return ids, more, nil
}
