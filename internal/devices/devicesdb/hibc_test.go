package devicesdb_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/gs1"
	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/nhsnumber"
)

// hxNHS returns the n-th valid NHS number of a test range of its own.
func hxNHS(n int) string {
	for i := n * 10; ; i++ {
		nine := fmt.Sprintf("998%06d", i%1000000)
		c, ok, err := nhsnumber.CheckDigit(nine)
		if err == nil && ok {
			return nine + string(c)
		}
	}
}

// hxProc records a procedure for test patient n and returns it.
func hxProc(t *testing.T, db *devicesdb.DB, org store.OrgID, n int) devices.Procedure {
	t.Helper()
	p, err := db.CreateProcedure(ctx, org,
		devices.PatientInput{NHSNumber: hxNHS(n), Name: fmt.Sprintf("Patient %d", n), BirthDate: "1960-05-01"},
		devices.ProcedureInput{PerformedOn: "2026-11-20", Site: "Theatre 1", Laterality: "left", Clinician: "Ms A Surgeon", Description: "Hip replacement"})
	if err != nil {
		t.Fatalf("CreateProcedure(patient %d): %v", n, err)
	}
	return p
}

// hxScan reads an HIBC scan, adding its check character.
func hxScan(t *testing.T, data string) devices.Device {
	t.Helper()
	c, err := gs1.HIBCCheck(data)
	if err != nil {
		t.Fatal(err)
	}
	d, err := devices.ParseScan(data+string(c), storetest.FixedTime)
	if err != nil {
		t.Fatalf("ParseScan(%q): %v", data, err)
	}
	return d
}

func hxKinds(ws []devicesdb.Warning) string {
	var ks []string
	for _, w := range ws {
		ks = append(ks, w.Kind)
	}
	return strings.Join(ks, ",")
}

// hxVerify fails the test when the deep audit check finds anything.
func hxVerify(t *testing.T, st *store.DB) {
	t.Helper()
	fs, _, err := st.VerifyContent(ctx)
	if err != nil || len(fs) != 0 {
		t.Errorf("VerifyContent = %+v, %v; want no findings", fs, err)
	}
}

// An implant without a GTIN is recorded from an HIBC scan or by hand, and
// is found again by its product: in the procedure, in the device history
// and by a recall naming its HIBC labeler code and catalogue number.
func TestImplantWithoutGTIN(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		org, other := storetest.Org(t, st, "HXA"), storetest.Org(t, st, "HXB")
		db := devicesdb.New(st)
		p1, p2 := hxProc(t, db, org.ID, 1), hxProc(t, db, org.ID, 2)

		scanned := hxScan(t, "+A123BJC5D6E71/$$+3261231SER1")
		r, err := db.AddImplant(ctx, org.ID, p1.ID, scanned)
		if err != nil {
			t.Fatalf("AddImplant(HIBC scan): %v", err)
		}
		if r.GTIN != "" || r.Labeler != "A123" || r.Catalogue != "BJC5D6E7" || r.UnitOfMeasure != "1" || r.Serial != "SER1" || r.Expiry != "2026-12-31" || r.InCatalogue {
			t.Errorf("AddImplant(HIBC) = %+v", r)
		}
		if k := hxKinds(r.Warnings); k != "not_in_catalogue" || strings.Contains(r.Warnings[0].Message, "GTIN  ") {
			t.Errorf("HIBC implant warnings = %+v, want one not_in_catalogue that does not name an empty GTIN", r.Warnings)
		}
		got, err := db.Implant(ctx, org.ID, r.ID)
		if err != nil || got.Labeler != "A123" || got.Catalogue != "BJC5D6E7" || got.UnitOfMeasure != "1" || got.Raw != scanned.Raw {
			t.Errorf("Implant(HIBC) = %+v, %v", got, err)
		}
		// The same HIBC serial in another procedure is a duplicate; a GS1
		// device with the same serial is not.
		r2, err := db.AddImplant(ctx, org.ID, p2.ID, scanned)
		if err != nil || !strings.Contains(hxKinds(r2.Warnings), "duplicate_serial") {
			t.Errorf("second HIBC SER1 warnings = %+v, %v; want duplicate_serial", r2.Warnings, err)
		}
		g, err := db.AddImplant(ctx, org.ID, p2.ID, devices.Device{GTIN: "09521234543213", Serial: "SER1", EntryType: devices.EntryManual})
		if err != nil || strings.Contains(hxKinds(g.Warnings), "duplicate_serial") {
			t.Errorf("GS1 SER1 warnings = %+v, %v; want no duplicate_serial", g.Warnings, err)
		}
		if err := db.RemoveImplant(ctx, org.ID, r2.ID); err != nil {
			t.Fatal(err)
		}

		// By hand, without a GTIN: manufacturer and catalogue number.
		md, err := devices.ManualInput{Manufacturer: "Acme Ortho", Catalogue: "REF-77", Lot: "L9", Expiry: "2027-03-31"}.Device()
		if err != nil {
			t.Fatal(err)
		}
		m, err := db.AddImplant(ctx, org.ID, p2.ID, md)
		if err != nil || m.Manufacturer != "Acme Ortho" || m.Catalogue != "REF-77" || m.GTIN != "" || m.EntryType != devices.EntryManual {
			t.Fatalf("AddImplant(manual, no GTIN) = %+v, %v", m, err)
		}
		pd, err := db.Procedure(ctx, org.ID, p2.ID)
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, im := range pd.Implants {
			found = found || (im.ID == m.ID && im.Manufacturer == "Acme Ortho" && im.Catalogue == "REF-77")
		}
		if !found {
			t.Errorf("Procedure(p2).Implants = %+v, want the manual device with its manufacturer and catalogue number", pd.Implants)
		}

		// Device history by HIBC product (and serial), and by manufacturer.
		h, err := db.DeviceHistoryOf(ctx, org.ID, devices.ProductKey{Labeler: "A123", Catalogue: "BJC5D6E7"}, "")
		if err != nil || len(h) != 1 || h[0].ID != r.ID || h[0].PatientName != "Patient 1" {
			t.Errorf("DeviceHistoryOf(A123/BJC5D6E7) = %+v, %v; want the one HIBC implant of patient 1", h, err)
		}
		if h, err := db.DeviceHistoryOf(ctx, org.ID, devices.ProductKey{Labeler: "A123", Catalogue: "BJC5D6E7"}, "SER2"); err != nil || len(h) != 0 {
			t.Errorf("DeviceHistoryOf(A123/BJC5D6E7, SER2) = %+v, %v; want none", h, err)
		}
		if h, err := db.DeviceHistoryOf(ctx, org.ID, devices.ProductKey{Manufacturer: "acme ortho", Catalogue: "REF-77"}, ""); err != nil || len(h) != 1 || h[0].ID != m.ID {
			t.Errorf("DeviceHistoryOf(acme ortho, REF-77) = %+v, %v; want the manual device", h, err)
		}
		if h, err := db.DeviceHistoryOf(ctx, other.ID, devices.ProductKey{Labeler: "A123", Catalogue: "BJC5D6E7"}, ""); err != nil || len(h) != 0 {
			t.Errorf("another organisation's DeviceHistoryOf = %+v, %v; want none", h, err)
		}
		if h, err := db.DeviceHistory(ctx, org.ID, "09521234543213", ""); err != nil || len(h) != 1 || h[0].ID != g.ID {
			t.Errorf("DeviceHistory(GTIN) = %+v, %v; want the GS1 device", h, err)
		}

		// A recall naming the HIBC product finds the patient; a recall of
		// the GS1 device does not match the HIBC one.
		rc, err := db.CreateRecall(ctx, org.ID, devices.RecallInput{Reference: "FSN-HX-1", Kind: "fsn", Issuer: "Acme", IssuedOn: "2026-11-21",
			Manufacturer: "Acme", ActionRequired: "Review patients", Affects: "A123/BJC5D6E7 serials SER1"})
		if err != nil {
			t.Fatalf("CreateRecall(HIBC rule): %v", err)
		}
		mt, err := db.MatchRecall(ctx, org.ID, rc, 0)
		if err != nil || len(mt.Patients) != 1 || len(mt.Patients[0].Devices) != 1 || mt.Patients[0].Devices[0].ImplantID != r.ID ||
			mt.Patients[0].Devices[0].Labeler != "A123" || mt.Patients[0].Devices[0].Catalogue != "BJC5D6E7" {
			t.Errorf("MatchRecall(HIBC rule) = %+v, %v; want patient 1's HIBC device", mt, err)
		}
		if c, err := db.CountRecall(ctx, org.ID, rc); err != nil || c.Devices != 1 || c.Patients != 1 {
			t.Errorf("CountRecall(HIBC rule) = %+v, %v; want 1 device of 1 patient", c, err)
		}
		if n, err := db.StartRecallActions(ctx, org.ID, rc.ID); err != nil || n != 1 {
			t.Errorf("StartRecallActions = %d, %v; want 1", n, err)
		}
		if as, err := db.RecallActions(ctx, org.ID, rc.ID); err != nil || len(as) != 1 || len(as[0].Devices) != 1 || as[0].Devices[0].ImplantID != r.ID {
			t.Errorf("RecallActions = %+v, %v; want patient 1 with the HIBC device", as, err)
		}
		gs, err := db.CreateRecall(ctx, org.ID, devices.RecallInput{Reference: "FSN-HX-2", Kind: "fsn", Issuer: "Acme", IssuedOn: "2026-11-21",
			Manufacturer: "Acme", ActionRequired: "Review", Affects: "09521234543213 serials SER1"})
		if err != nil {
			t.Fatal(err)
		}
		if c, err := db.CountRecall(ctx, org.ID, gs); err != nil || c.Devices != 1 {
			t.Errorf("CountRecall(GS1 SER1) = %+v, %v; want only the GS1 device", c, err)
		}
		hxVerify(t, st)
	})
}

// Rows written before the devices-without-GTIN columns existed keep the
// content hash recorded for them: the new columns, empty on such rows, do
// not count. Shown by dropping the columns again after writing a row.
func TestImplantContentHashSurvivesNewColumns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		org := storetest.Org(t, st, "HXC")
		db := devicesdb.New(st)
		p := hxProc(t, db, org.ID, 3)
		if _, err := db.AddImplant(ctx, org.ID, p.ID, devices.Device{GTIN: "09521234543213", Lot: "L1", EntryType: devices.EntryManual}); err != nil {
			t.Fatal(err)
		}
		hxVerify(t, st)
		for _, q := range []string{
			`DROP INDEX implants_labeler_catalogue`, `DROP INDEX implants_labeler_serial_code`, `DROP INDEX implants_catalogue_key`,
			`ALTER TABLE implants DROP COLUMN labeler`, `ALTER TABLE implants DROP COLUMN manufacturer`,
			`ALTER TABLE implants DROP COLUMN catalogue`, `ALTER TABLE implants DROP COLUMN unit_of_measure`,
		} {
			if _, err := st.SQL().Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		// New connections, so that none holds a plan of the old table.
		st.SQL().SetMaxIdleConns(0)
		st.SQL().SetMaxIdleConns(2)
		hxVerify(t, st)
	})
}

// The bulk import writes devices by GTIN alone: a device carrying a
// labeler or catalogue number is refused, not imported without them.
func TestImportRefusesDevicesItCannotStoreWhole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		org := storetest.Org(t, st, "HXD")
		db := devicesdb.New(st)
		rec := devicesdb.BulkRecord{
			Patient:   devices.PatientInput{NHSNumber: hxNHS(5), Name: "Patient 5", BirthDate: "1960-05-01"},
			Procedure: devices.ProcedureInput{PerformedOn: "2026-11-20", Site: "Theatre 1", Laterality: "left", Clinician: "Ms A Surgeon", Description: "Hip"},
			Devices:   []devices.Device{{GTIN: "09521234543213", Catalogue: "REF1", Lot: "L1", EntryType: devices.EntryManual}},
		}
		_, err := db.ImportImplants(ctx, org.ID, slices.Values([]devicesdb.BulkRecord{rec}))
		var rows devices.RowErrors
		if !apperr.Is(err, apperr.Invalid) || !errors.As(err, &rows) || len(rows) != 1 || rows[0].Column != "devices[0].catalogue" {
			t.Errorf("ImportImplants(device with a catalogue number) = %v (%+v); want one devices[0].catalogue row error", err, rows)
		}
	})
}
