package devicesdb_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

var ptProc = devices.ProcedureInput{PerformedOn: "2026-11-20", Site: "Theatre 2", Laterality: "right", Clinician: "Mr B Surgeon", Description: "Knee replacement"}

// ptX is patient X as first recorded.
func ptX() devices.PatientInput {
	return devices.PatientInput{NHSNumber: hxNHS(40), Name: "Ann Smith", BirthDate: "1960-05-01",
		Address: "1 High Street, Leeds", Postcode: "LS1 4AP", Phone: "0113 000 0000", Email: "ann@example.com"}
}

// ptLastAudit returns the summary of the newest audit entry with action.
func ptLastAudit(t *testing.T, st *store.DB, action string) string {
	t.Helper()
	var s string
	err := st.SQL().QueryRow(`SELECT summary FROM audit_log WHERE action = $1 ORDER BY seq DESC LIMIT 1`, action).Scan(&s)
	if err != nil && !store.NoRows(err) {
		t.Fatal(err)
	}
	return s
}

func ptProcedures(t *testing.T, db *devicesdb.DB, org store.OrgID, patientID string) int {
	t.Helper()
	ps, err := db.PatientProcedures(ctx, org, patientID)
	if err != nil {
		t.Fatal(err)
	}
	return len(ps)
}

// Recording a procedure for an NHS number already on file never changes
// the patient on file: a different name or date of birth stops it, blank
// fields keep what is stored, and a change is a deliberate step.
func TestProcedureDoesNotOverwritePatient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		org := storetest.Org(t, st, "PTA")
		db := devicesdb.New(st)
		a, err := db.CreateProcedure(ctx, org.ID, ptX(), ptProc)
		if err != nil {
			t.Fatal(err)
		}
		stored := func() devices.Patient {
			p, err := db.Patient(ctx, org.ID, a.PatientID)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		want := stored()

		// Another name, or another date of birth, with the same NHS number.
		for _, c := range []struct {
			change func(*devices.PatientInput)
			field  string
		}{
			{func(p *devices.PatientInput) { p.Name = "Bob Jones" }, "patient_name"},
			{func(p *devices.PatientInput) { p.BirthDate = "1961-05-01" }, "patient_birth_date"},
			{func(p *devices.PatientInput) { p.Address = "9 Other Road" }, "patient_address"},
			{func(p *devices.PatientInput) { p.Phone = "0700 000 000" }, "patient_phone"},
		} {
			in := ptX()
			c.change(&in)
			before := storetest.AuditCount(t, st)
			_, err := db.CreateProcedure(ctx, org.ID, in, ptProc)
			if msg := apperr.FieldsOf(err)[c.field]; !apperr.Is(err, apperr.Invalid) || msg == "" {
				t.Errorf("procedure with a different %s: err %v, fields %v; want Invalid with a message for %s", c.field, err, apperr.FieldsOf(err), c.field)
			}
			if got := stored(); got != want {
				t.Errorf("procedure with a different %s changed the patient on file:\n got %+v\nwant %+v", c.field, got, want)
			}
			if n := ptProcedures(t, db, org.ID, a.PatientID); n != 1 {
				t.Errorf("refused procedure was recorded: %d procedures, want 1", n)
			}
			if n := storetest.AuditCount(t, st); n != before {
				t.Errorf("refused procedure wrote %d audit entries", n-before)
			}
		}
		msg := apperr.FieldsOf(func() error {
			in := ptX()
			in.Name = "Bob Jones"
			_, err := db.CreateProcedure(ctx, org.ID, in, ptProc)
			return err
		}())["patient_name"]
		if !strings.Contains(msg, "does not match") || strings.Contains(msg, "Ann") {
			t.Errorf("name mismatch message %q: want it to say the name does not match, without the name on file", msg)
		}

		// The same person, typed a little differently, with blank optional
		// fields: recorded against the patient on file, nothing erased.
		same := devices.PatientInput{NHSNumber: " " + hxNHS(40) + " ", Name: "ann  SMITH", BirthDate: "1960-05-01", Postcode: "ls14ap"}
		b, err := db.CreateProcedure(ctx, org.ID, same, ptProc)
		if err != nil {
			t.Fatalf("procedure for the same patient with blank fields: %v", err)
		}
		if b.PatientID != a.PatientID {
			t.Errorf("procedure B patient %s, want %s", b.PatientID, a.PatientID)
		}
		if got := stored(); got != want {
			t.Errorf("procedure with blank fields changed the patient on file:\n got %+v\nwant %+v", got, want)
		}

		// The deliberate step: update the patient's details with the
		// procedure. The audit entry holds before and after.
		upd := ptX()
		upd.Name, upd.Address, upd.Phone, upd.UpdateDetails = "Ann Jones", "", "", true
		c, err := db.CreateProcedure(ctx, org.ID, upd, ptProc)
		if err != nil || c.PatientID != a.PatientID {
			t.Fatalf("procedure with update_details: %+v, %v", c, err)
		}
		got := stored()
		if got.Name != "Ann Jones" || got.Address != want.Address || got.Phone != want.Phone || got.Email != want.Email {
			t.Errorf("after update_details: %+v; want the new name and the stored address, phone and email", got)
		}
		if s := ptLastAudit(t, st, "implant_patient.update"); !strings.Contains(s, "name: Ann Smith → Ann Jones") || strings.Contains(s, "address") {
			t.Errorf("patient update audit %q: want the name before and after, and nothing about the unchanged address", s)
		}
		if n := ptProcedures(t, db, org.ID, a.PatientID); n != 3 {
			t.Errorf("patient has %d procedures, want 3", n)
		}
		hxVerify(t, st)
	})
}

// MatchPatient finds the patient on file for an NHS number, for the page
// to show for confirmation, and says which typed details differ.
func TestMatchPatient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		org, other := storetest.Org(t, st, "PTB"), storetest.Org(t, st, "PTC")
		db := devicesdb.New(st)
		a, err := db.CreateProcedure(ctx, org.ID, ptX(), ptProc)
		if err != nil {
			t.Fatal(err)
		}
		m, err := db.MatchPatient(ctx, org.ID, devices.PatientInput{NHSNumber: hxNHS(40)})
		if err != nil || !m.Found || m.Patient.ID != a.PatientID || m.Patient.Name != "Ann Smith" || len(m.Differences) != 0 {
			t.Errorf("MatchPatient(NHS number only) = %+v, %v; want Ann Smith with no differences", m, err)
		}
		in := ptX()
		in.Name, in.BirthDate, in.Address = "Bob Jones", "1970-01-01", ""
		m, err = db.MatchPatient(ctx, org.ID, in)
		if err != nil || !m.Found || m.Differences["patient_name"] == "" || m.Differences["patient_birth_date"] == "" || len(m.Differences) != 2 || !m.IdentityDiffers() {
			t.Errorf("MatchPatient(other name and birth date) = %+v, %v; want name and birth date differences", m, err)
		}
		if m, err := db.MatchPatient(ctx, org.ID, devices.PatientInput{NHSNumber: hxNHS(41)}); err != nil || m.Found {
			t.Errorf("MatchPatient(unknown NHS number) = %+v, %v; want not found", m, err)
		}
		if m, err := db.MatchPatient(ctx, other.ID, devices.PatientInput{NHSNumber: hxNHS(40)}); err != nil || m.Found {
			t.Errorf("MatchPatient in another organisation = %+v, %v; want not found", m, err)
		}
		if _, err := db.MatchPatient(ctx, org.ID, devices.PatientInput{NHSNumber: "123"}); !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)["patient_nhs_number"] == "" {
			t.Errorf("MatchPatient(bad NHS number) = %v; want Invalid patient_nhs_number", err)
		}
	})
}

// UpdatePatient is the explicit change of a patient's details: blank
// fields keep what is stored, the NHS number cannot change, and the audit
// entry holds the values before and after.
func TestUpdatePatient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		org, other := storetest.Org(t, st, "PTD"), storetest.Org(t, st, "PTE")
		db := devicesdb.New(st)
		a, err := db.CreateProcedure(ctx, org.ID, ptX(), ptProc)
		if err != nil {
			t.Fatal(err)
		}
		in := devices.PatientInput{NHSNumber: hxNHS(40), Name: "Ann Smith", BirthDate: "1960-05-01", Phone: "0113 999 9999", Email: "ANN@example.com"}
		p, err := db.UpdatePatient(ctx, org.ID, a.PatientID, in)
		if err != nil {
			t.Fatal(err)
		}
		if p.Phone != "0113 999 9999" || p.Address != "1 High Street, Leeds" || p.Postcode != "LS1 4AP" || p.Email != "ANN@example.com" {
			t.Errorf("UpdatePatient = %+v; want the new phone and email, the stored address and postcode", p)
		}
		s := ptLastAudit(t, st, "implant_patient.update")
		if !strings.Contains(s, "phone: 0113 000 0000 → 0113 999 9999") || !strings.Contains(s, "email: ann@example.com → ANN@example.com") || strings.Contains(s, "name") {
			t.Errorf("UpdatePatient audit %q: want phone and email before and after only", s)
		}
		n := storetest.AuditCount(t, st)
		if _, err := db.UpdatePatient(ctx, org.ID, a.PatientID, in); err != nil || storetest.AuditCount(t, st) != n {
			t.Errorf("UpdatePatient with nothing changed: %v, %d new audit entries; want none", err, storetest.AuditCount(t, st)-n)
		}
		bad := in
		bad.NHSNumber = hxNHS(41)
		if _, err := db.UpdatePatient(ctx, org.ID, a.PatientID, bad); !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)["patient_nhs_number"] == "" {
			t.Errorf("UpdatePatient(other NHS number) = %v; want Invalid patient_nhs_number", err)
		}
		bad = in
		bad.Name = ""
		if _, err := db.UpdatePatient(ctx, org.ID, a.PatientID, bad); !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)["patient_name"] == "" {
			t.Errorf("UpdatePatient(no name) = %v; want Invalid patient_name", err)
		}
		if _, err := db.UpdatePatient(ctx, other.ID, a.PatientID, in); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("UpdatePatient from another organisation = %v; want NotFound", err)
		}
		hxVerify(t, st)
	})
}

// The bulk import matches patients by NHS number too: a record whose name
// or date of birth differs from the patient on file, or from an earlier
// record of the same import, is refused rather than filed under them.
func TestImportDoesNotFileUnderAnotherPatient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		org := storetest.Org(t, st, "PTF")
		db := devicesdb.New(st)
		a, err := db.CreateProcedure(ctx, org.ID, ptX(), ptProc)
		if err != nil {
			t.Fatal(err)
		}
		dev := []devices.Device{{GTIN: "09521234543213", Lot: "L1", EntryType: devices.EntryManual}}
		rec := func(nhs, name, born string) devicesdb.BulkRecord {
			return devicesdb.BulkRecord{Patient: devices.PatientInput{NHSNumber: nhs, Name: name, BirthDate: born}, Procedure: ptProc, Devices: dev}
		}
		check := func(recs []devicesdb.BulkRecord, row int, field string) {
			t.Helper()
			n := storetest.AuditCount(t, st)
			_, err := db.ImportImplants(ctx, org.ID, slices.Values(recs))
			var rows devices.RowErrors
			if !apperr.Is(err, apperr.Invalid) || !errors.As(err, &rows) || len(rows) != 1 || rows[0].Row != row || rows[0].Column != field {
				t.Errorf("ImportImplants: %v (%+v); want one row %d %s problem", err, rows, row, field)
			}
			if storetest.AuditCount(t, st) != n || ptProcedures(t, db, org.ID, a.PatientID) != 1 {
				t.Errorf("a refused import wrote something")
			}
		}
		// Against the patient on file.
		check([]devicesdb.BulkRecord{rec(hxNHS(41), "Carl Other", "1950-01-01"), rec(hxNHS(40), "Bob Jones", "1960-05-01")}, 2, "patient_name")
		check([]devicesdb.BulkRecord{rec(hxNHS(40), "ann smith", "1960-05-02")}, 1, "patient_birth_date")
		// Against an earlier record of the same import.
		check([]devicesdb.BulkRecord{rec(hxNHS(42), "Dee New", "1970-01-01"), rec(hxNHS(42), "Eve New", "1970-01-01")}, 2, "patient_name")
		// The same patients, as on file, import.
		res, err := db.ImportImplants(ctx, org.ID, slices.Values([]devicesdb.BulkRecord{rec(hxNHS(40), "Ann  Smith", "1960-05-01"), rec(hxNHS(42), "Dee New", "1970-01-01"), rec(hxNHS(42), "dee new", "1970-01-01")}))
		if err != nil || res.Patients != 1 || res.Procedures != 3 {
			t.Errorf("ImportImplants(matching patients) = %+v, %v; want 1 new patient and 3 procedures", res, err)
		}
		if p, _ := db.Patient(ctx, org.ID, a.PatientID); p.Name != "Ann Smith" || p.Address != "1 High Street, Leeds" {
			t.Errorf("import changed the patient on file: %+v", p)
		}
		hxVerify(t, st)
	})
}
