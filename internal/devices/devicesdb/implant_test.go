package devicesdb_test

import (
	"errors"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/gs1"
	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/nhsnumber"
)

// testGTIN returns a valid GTIN-14 ending in n.
func testGTIN(n int) string {
	data := fmt.Sprintf("0501234%06d", n)
	c, err := gs1.CheckDigit(data)
	if err != nil {
		panic(err)
	}
	return data + string(c)
}

// testNHS returns the n-th valid NHS number of the test range.
func testNHS(n int) string {
	for i := n * 10; ; i++ {
		nine := fmt.Sprintf("999%06d", i%1000000)
		c, ok, err := nhsnumber.CheckDigit(nine)
		if err == nil && ok {
			return nine + string(c)
		}
	}
}

func patientIn(n int) devices.PatientInput {
	return devices.PatientInput{NHSNumber: testNHS(n), Name: fmt.Sprintf("Patient %d", n), BirthDate: "1960-05-01", Address: "1 High Street", Postcode: "ls1 4ap", Phone: "0113 000 0000"}
}

var procIn = devices.ProcedureInput{PerformedOn: "2026-11-20", Site: "Theatre 3", Laterality: "left", Clinician: "Ms A Surgeon", Description: "Left total hip replacement"}

func TestCatalogueImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a, b := storetest.Org(t, st, "AAA"), storetest.Org(t, st, "BBB")
		ps := []devices.Product{
			{GTIN: testGTIN(1), Manufacturer: "Acme", Model: "Hip 1", DeviceType: 89},
			{GTIN: testGTIN(2), Manufacturer: "Acme", Model: "Hip 2", DeviceType: 89},
		}
		if n, err := devicesdb.New(st).ImportCatalogue(ctx, a.ID, ps); err != nil || n != 2 {
			t.Fatalf("ImportCatalogue = %d, %v", n, err)
		}
		bad := []devices.Product{
			{GTIN: testGTIN(3), Manufacturer: "Acme", Model: "Knee", DeviceType: 89},
			{GTIN: "05012340000019", Manufacturer: "Acme", Model: "Bad", DeviceType: 89},
			{GTIN: testGTIN(4), Manufacturer: "", Model: "X", DeviceType: 7},
		}
		_, err := devicesdb.New(st).ImportCatalogue(ctx, a.ID, bad)
		var rows devices.RowErrors
		if !apperr.Is(err, apperr.Invalid) || !errors.As(err, &rows) || len(rows) != 3 {
			t.Fatalf("bad import: err %v rows %+v, want 3 row errors", err, rows)
		}
		if _, err := devicesdb.New(st).Product(ctx, a.ID, testGTIN(3)); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("a failed import wrote a row: %v", err)
		}
		if _, err := devicesdb.New(st).Product(ctx, b.ID, testGTIN(1)); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("org B sees org A's catalogue: %v", err)
		}
		ps[0].Model = "Hip 1 mk2"
		if _, err := devicesdb.New(st).ImportCatalogue(ctx, a.ID, ps[:1]); err != nil {
			t.Fatal(err)
		}
		if p, _ := devicesdb.New(st).Product(ctx, a.ID, testGTIN(1)); p.Model != "Hip 1 mk2" {
			t.Errorf("re-import did not update: %+v", p)
		}
		if got, _ := devicesdb.New(st).ListProducts(ctx, a.ID, "mk2", 0); len(got) != 1 {
			t.Errorf("search mk2 = %d products, want 1", len(got))
		}
	})
}

func TestProcedureAndScanWarnings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a, b := storetest.Org(t, st, "AAA"), storetest.Org(t, st, "BBB")
		if _, err := devicesdb.New(st).ImportCatalogue(ctx, a.ID, []devices.Product{{GTIN: testGTIN(1), Manufacturer: "Acme", Model: "Hip", DeviceType: 89}}); err != nil {
			t.Fatal(err)
		}
		// Per-field errors.
		_, err := devicesdb.New(st).CreateProcedure(ctx, a.ID, devices.PatientInput{NHSNumber: "943 476 5918", BirthDate: "1990-02-30"}, devices.ProcedureInput{PerformedOn: "2099-01-01"})
		f := apperr.FieldsOf(err)
		for _, k := range []string{"patient_nhs_number", "patient_name", "patient_birth_date", "performed_on", "site", "laterality", "clinician", "description"} {
			if f[k] == "" {
				t.Errorf("no error for %s; got %v", k, f)
			}
		}
		p, err := devicesdb.New(st).CreateProcedure(ctx, a.ID, patientIn(1), procIn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := devicesdb.New(st).Procedure(ctx, b.ID, p.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("org B reads org A's procedure: %v", err)
		}
		if _, err := devicesdb.New(st).AddImplant(ctx, b.ID, p.ID, devices.Device{GTIN: testGTIN(1), Lot: "L1", EntryType: "manual"}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("org B adds to org A's procedure: %v", err)
		}
		d, err := devices.ParseScanWith("]d201"+testGTIN(1)+"17261231"+"10LOT1<GS>21SN1", storetest.FixedTime, devices.ScanOptions{TextGS: true})
		if err != nil {
			t.Fatal(err)
		}
		r, err := devicesdb.New(st).AddImplant(ctx, a.ID, p.ID, d)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Warnings) != 0 || !r.InCatalogue || r.Product == nil || r.Lot != "LOT1" || r.Serial != "SN1" || r.Expiry != "2026-12-31" {
			t.Errorf("first scan: %+v", r)
		}
		r, _ = devicesdb.New(st).AddImplant(ctx, a.ID, p.ID, d)
		if kinds(r.Warnings) != "duplicate_serial" {
			t.Errorf("second scan warnings = %v, want duplicate_serial", r.Warnings)
		}
		p2, err := devicesdb.New(st).CreateProcedure(ctx, a.ID, patientIn(2), procIn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := devicesdb.New(st).CreateRecall(ctx, a.ID, devices.RecallInput{Reference: "FSN-1", Kind: "fsn", Issuer: "Acme", IssuedOn: "2026-11-01",
			Manufacturer: "Acme", ActionRequired: "Quarantine", Affects: testGTIN(9) + " lots OLD1"}); err != nil {
			t.Fatal(err)
		}
		r, _ = devicesdb.New(st).AddImplant(ctx, a.ID, p2.ID, devices.Device{GTIN: testGTIN(9), Lot: "OLD1", Serial: "SN1", Expiry: "2026-01-01", EntryType: "manual"})
		if kinds(r.Warnings) != "expired,recall,not_in_catalogue" {
			t.Errorf("warnings = %v", r.Warnings)
		}
		r, _ = devicesdb.New(st).AddImplant(ctx, a.ID, p2.ID, devices.Device{GTIN: testGTIN(1), Lot: "X", Serial: "SN1", EntryType: "manual"})
		if kinds(r.Warnings) != "duplicate_serial" || !strings.Contains(r.Warnings[0].Message, "another procedure") {
			t.Errorf("serial in another procedure: %v", r.Warnings)
		}
		got, err := devicesdb.New(st).Procedure(ctx, a.ID, p2.ID)
		if err != nil || len(got.Implants) != 2 || got.Patient.Name != "Patient 2" {
			t.Fatalf("Procedure = %+v, %v", got, err)
		}
		hist, err := devicesdb.New(st).DeviceHistory(ctx, a.ID, testGTIN(1), "SN1")
		if err != nil || len(hist) != 3 {
			t.Errorf("history = %d records, %v; want 3", len(hist), err)
		}
		if h, _ := devicesdb.New(st).DeviceHistory(ctx, b.ID, testGTIN(1), ""); len(h) != 0 {
			t.Errorf("org B sees org A's device history")
		}
		// Explant.
		if err := devicesdb.New(st).Explant(ctx, a.ID, r.ID, devices.ExplantInput{Date: "2026-11-01", Reason: "x"}); apperr.FieldsOf(err)["explant_date"] == "" {
			t.Errorf("explant before implant: %v", err)
		}
		if err := devicesdb.New(st).Explant(ctx, a.ID, r.ID, devices.ExplantInput{Date: "2026-11-22", Reason: "Infection"}); err != nil {
			t.Fatal(err)
		}
		if err := devicesdb.New(st).Explant(ctx, a.ID, r.ID, devices.ExplantInput{Date: "2026-11-22", Reason: "Infection"}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("second explant: %v", err)
		}
		// The same NHS number reuses the patient.
		p3, _ := devicesdb.New(st).CreateProcedure(ctx, a.ID, patientIn(1), procIn)
		if p3.PatientID != p.PatientID {
			t.Errorf("same NHS number made a new patient")
		}
		// Audit summaries never carry patient data.
		var leaks int
		if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE summary LIKE '%Patient 1%' OR summary LIKE $1`, "%"+testNHS(1)+"%").Scan(&leaks); err != nil || leaks != 0 {
			t.Errorf("audit summaries carry patient data: %d, %v", leaks, err)
		}
	})
}

func kinds(ws []devicesdb.Warning) string {
	var k []string
	for _, w := range ws {
		k = append(k, w.Kind)
	}
	return strings.Join(k, ",")
}

func TestRecallMatching(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a, b := storetest.Org(t, st, "AAA"), storetest.Org(t, st, "BBB")
		devs := []devices.Device{
			{GTIN: testGTIN(1), Lot: "A100", Serial: "S1", Expiry: "2027-01-31"},
			{GTIN: testGTIN(1), Lot: "A150", Serial: "S2", Expiry: "2027-03-31"},
			{GTIN: testGTIN(1), Lot: "A1500", Serial: "S3", Expiry: "2027-06-30"},
			{GTIN: testGTIN(1), Lot: "b120", Serial: "S4", Expiry: ""},
			{GTIN: testGTIN(2), Lot: "A120", Serial: "S5", Expiry: "2027-02-01"},
			{GTIN: testGTIN(2), Lot: "", Serial: "S6", Expiry: "2028-01-01"},
		}
		var recs []devicesdb.BulkRecord
		for i, d := range devs {
			d.EntryType = devices.EntryManual
			recs = append(recs, devicesdb.BulkRecord{Patient: patientIn(i), Procedure: procIn, Devices: []devices.Device{d}})
		}
		if res, err := devicesdb.New(st).ImportImplants(ctx, a.ID, slices.Values(recs)); err != nil || res.Devices != 6 || res.Patients != 6 {
			t.Fatalf("ImportImplants = %+v, %v", res, err)
		}
		if _, err := devicesdb.New(st).ImportImplants(ctx, b.ID, slices.Values(recs)); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			affects string
			want    []string // serials
		}{
			{testGTIN(1) + " all", []string{"S1", "S2", "S3", "S4"}},
			{testGTIN(1) + " lots A100, b120", []string{"S1", "S4"}},
			{testGTIN(1) + " lots from A100 to A199", []string{"S1", "S2"}},
			{testGTIN(1) + " serials S3 S9\n" + testGTIN(2) + " serials S6", []string{"S3", "S6"}},
			{testGTIN(1) + " expiry from 2027-01-01 to 2027-03-31\n" + testGTIN(2) + " expiry from 2027-01-01 to 2027-03-31", []string{"S1", "S2", "S5"}},
			{testGTIN(1) + " lots A100\n" + testGTIN(1) + " serials S1", []string{"S1"}},
			{testGTIN(3) + " all", nil},
		}
		for i, c := range cases {
			rc, err := devicesdb.New(st).CreateRecall(ctx, a.ID, devices.RecallInput{Reference: fmt.Sprintf("R%d", i), Kind: "natpsa", Issuer: "NHS England",
				IssuedOn: "2026-11-01", Manufacturer: "Acme", ActionRequired: "Review", Affects: c.affects})
			if err != nil {
				t.Fatalf("%q: %v", c.affects, err)
			}
			m, err := devicesdb.New(st).MatchRecall(ctx, a.ID, rc, 0)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range m.Patients {
				if p.Patient.Name == "" || p.Patient.NHSNumber.IsZero() {
					t.Errorf("%q: patient details missing: %+v", c.affects, p.Patient)
				}
				for _, d := range p.Devices {
					got = append(got, d.Serial)
					// The Go rule and the SQL agree.
					if !rc.Affects(devices.RecordedDevice{Device: devices.Device{GTIN: d.GTIN, Lot: d.Lot, Serial: d.Serial, Expiry: d.Expiry}}, nil) {
						t.Errorf("%q: SQL matched %+v, Go does not", c.affects, d)
					}
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("%q: matched %v, want %v", c.affects, got, c.want)
			}
			cnt, err := devicesdb.New(st).CountRecall(ctx, a.ID, rc)
			if err != nil || cnt.Devices != len(c.want) || cnt.Patients != len(c.want) {
				t.Errorf("%q: counts %+v, %v", c.affects, cnt, err)
			}
			if _, err := devicesdb.New(st).Recall(ctx, b.ID, rc.ID); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("org B reads org A's recall")
			}
		}
		// Actions to completion.
		rc, _ := devicesdb.New(st).CreateRecall(ctx, a.ID, devices.RecallInput{Reference: "ACT", Kind: "fsn", Issuer: "Acme", IssuedOn: "2026-11-01",
			Manufacturer: "Acme", ActionRequired: "Review", Deadline: "2026-12-31", Affects: testGTIN(1) + " lots from A100 to A199"})
		n, err := devicesdb.New(st).StartRecallActions(ctx, a.ID, rc.ID)
		if err != nil || n != 2 {
			t.Fatalf("StartRecallActions = %d, %v", n, err)
		}
		if n, _ := devicesdb.New(st).StartRecallActions(ctx, a.ID, rc.ID); n != 0 {
			t.Errorf("second start added %d", n)
		}
		acts, err := devicesdb.New(st).RecallActions(ctx, a.ID, rc.ID)
		if err != nil || len(acts) != 2 || acts[0].Status != devices.ActionToContact || len(acts[0].Devices) != 1 {
			t.Fatalf("RecallActions = %+v, %v", acts, err)
		}
		if err := devicesdb.New(st).SetRecallAction(ctx, a.ID, rc.ID, acts[0].Patient.ID, "bogus", ""); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("bogus status: %v", err)
		}
		if err := devicesdb.New(st).SetRecallAction(ctx, b.ID, rc.ID, acts[0].Patient.ID, devices.ActionContacted, ""); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("org B sets org A's action: %v", err)
		}
		if err := devicesdb.New(st).SetRecallAction(ctx, a.ID, rc.ID, acts[0].Patient.ID, devices.ActionExplanted, "Revised"); err != nil {
			t.Fatal(err)
		}
		list, _ := devicesdb.New(st).ListRecalls(ctx, a.ID)
		for _, r := range list {
			if r.ID == rc.ID && (r.Patients != 2 || r.Done != 1) {
				t.Errorf("summary = %+v", r)
			}
		}
		if pr, _ := devicesdb.New(st).PatientRecalls(ctx, a.ID, acts[0].Patient.ID); len(pr) != 1 || pr[0].Action != devices.ActionExplanted {
			t.Errorf("PatientRecalls = %+v", pr)
		}
		// A recall reference is unique per organisation.
		_, err = devicesdb.New(st).CreateRecall(ctx, a.ID, devices.RecallInput{Reference: "ACT", Kind: "fsn", Issuer: "Acme", IssuedOn: "2026-11-01", Manufacturer: "Acme", ActionRequired: "x", Affects: testGTIN(1) + " all"})
		if apperr.FieldsOf(err)["reference"] == "" {
			t.Errorf("duplicate reference: %v", err)
		}
		// One patient's work is open: closing needs the count and a reason.
		if err := devicesdb.New(st).SetRecallStatus(ctx, a.ID, rc.ID, "closed"); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("closing with open work: %v, want Invalid", err)
		}
		if err := devicesdb.New(st).CloseRecall(ctx, a.ID, rc.ID, devices.CloseRecallInput{ConfirmOpen: 1, Reason: "Handed over"}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestImportImplantsRejectsBadRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a := storetest.Org(t, st, "AAA")
		good := devicesdb.BulkRecord{Patient: patientIn(1), Procedure: procIn, Devices: []devices.Device{{GTIN: testGTIN(1), Lot: "L", EntryType: "barcode"}}}
		bad := devicesdb.BulkRecord{Patient: devices.PatientInput{NHSNumber: "123"}, Procedure: procIn, Devices: []devices.Device{{GTIN: "123", EntryType: "x"}}}
		before := storetest.AuditCount(t, st)
		_, err := devicesdb.New(st).ImportImplants(ctx, a.ID, slices.Values([]devicesdb.BulkRecord{good, bad}))
		var rows devices.RowErrors
		if !errors.As(err, &rows) || rows[0].Row != 2 {
			t.Fatalf("err = %v, rows %+v", err, rows)
		}
		if s, _ := devicesdb.New(st).DeviceStats(ctx, a.ID); s.Implants != 0 || s.Patients != 0 {
			t.Errorf("a failed import wrote %+v", s)
		}
		// Many records: several chunks, patients reused across chunks, one audit entry.
		seq := iter.Seq[devicesdb.BulkRecord](func(yield func(devicesdb.BulkRecord) bool) {
			for i := 0; i < 1234; i++ {
				r := devicesdb.BulkRecord{Patient: patientIn(i % 700), Procedure: procIn, Devices: []devices.Device{
					{GTIN: testGTIN(i % 5), Lot: fmt.Sprint("L", i%13), Serial: fmt.Sprint("S", i), EntryType: "barcode"},
					{GTIN: testGTIN(7), Lot: "CEMENT", EntryType: "manual"}}}
				if !yield(r) {
					return
				}
			}
		})
		res, err := devicesdb.New(st).ImportImplants(ctx, a.ID, seq)
		if err != nil || res.Procedures != 1234 || res.Devices != 2468 || res.Patients != 700 {
			t.Fatalf("ImportImplants = %+v, %v", res, err)
		}
		if got := storetest.AuditCount(t, st) - before; got != 1 {
			t.Errorf("%d audit entries, want 1", got)
		}
		// A second import finds the patients already registered.
		res, err = devicesdb.New(st).ImportImplants(ctx, a.ID, slices.Values([]devicesdb.BulkRecord{good, {Patient: patientIn(699), Procedure: procIn, Devices: good.Devices}, {Patient: patientIn(9999), Procedure: procIn, Devices: good.Devices}}))
		if err != nil || res.Patients != 1 || res.Procedures != 3 {
			t.Errorf("second import = %+v, %v; want 1 new patient", res, err)
		}
		if s, _ := devicesdb.New(st).DeviceStats(ctx, a.ID); s.Patients != 701 {
			t.Errorf("%d patients, want 701", s.Patients)
		}
	})
}

// TestRemoveImplantRefusesAnExplantedDevice: RemoveImplant deletes only a
// device recorded in error; a device implanted and later removed is kept
// (a Conflict), so that the patient stays in a recall's "device removed:
// check whether follow-up is needed" list and in the device's history.
// Before, RemoveImplant never looked at explanted_on: a POST from a stale
// page, a second tab or the API deleted the record of an explanted device.
func TestRemoveImplantRefusesAnExplantedDevice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		db := devicesdb.New(st)
		org := storetest.Org(t, st, "RMX").ID
		id := addImplant(t, db, org, 51, devices.Device{GTIN: "09521234543213", Serial: "SN5", Lot: "L5"})
		if err := db.Explant(ctx, org, id, devices.ExplantInput{Date: "2026-11-20", Reason: "Infection"}); err != nil {
			t.Fatal(err)
		}
		err := db.RemoveImplant(ctx, org, id)
		if !apperr.Is(err, apperr.Conflict) || !strings.Contains(apperr.MessageOf(err), "20 November 2026") {
			t.Errorf("RemoveImplant(device explanted on 2026-11-20) = %v; want a Conflict saying when it was removed", err)
		}
		if r, gerr := db.Implant(ctx, org, id); gerr != nil || r.ExplantedOn != "2026-11-20" {
			t.Errorf("after RemoveImplant(explanted device): Implant = %+v, %v; want the explanted record kept", r, gerr)
		}
		// A device recorded in error, never explanted, is still deleted.
		wrong := addImplant(t, db, org, 52, devices.Device{GTIN: "09521234543213", Serial: "SN6", Lot: "L5"})
		if err := db.RemoveImplant(ctx, org, wrong); err != nil {
			t.Errorf("RemoveImplant(device recorded in error) = %v; want it deleted", err)
		}
	})
}
