package devicesdb_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// A DB opened without the devices wing's content cannot audit a devices
// change, so it refuses the change rather than record it without a content
// hash (which would hide a later direct edit), and the deep check says the
// devices entries went unchecked rather than calling the rows forged.
func TestDevicesNeedTheirContentRegistered(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			full, dsn := storetest.Open(t, engine)
			a := storetest.Org(t, full, "AAA")
			p, err := devicesdb.New(full).CreateProcedure(ctx, a.ID, patientIn(1), procIn)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := devicesdb.New(full).AddImplant(ctx, a.ID, p.ID, devices.Device{GTIN: testGTIN(1), Lot: "L1", EntryType: "manual"})
			if err != nil {
				t.Fatal(err)
			}
			bulk := devicesdb.BulkRecord{Patient: patientIn(2), Procedure: procIn, Devices: []devices.Device{{GTIN: testGTIN(1), Lot: "L2", EntryType: "barcode"}}}
			if _, err := devicesdb.New(full).ImportImplants(ctx, a.ID, slices.Values([]devicesdb.BulkRecord{bulk})); err != nil {
				t.Fatal(err)
			}

			kernel, err := store.Open(ctx, dsn) // the kernel's entities only
			if err != nil {
				t.Fatal(err)
			}
			defer kernel.Close()
			kernel.SetClock(full.Now)
			before := storetest.AuditCount(t, kernel)
			db := devicesdb.New(kernel)
			for _, c := range []struct {
				what string
				do   func() error
			}{
				{"CreateProcedure", func() error {
					_, err := db.CreateProcedure(ctx, a.ID, patientIn(3), procIn)
					return err
				}},
				{"Explant", func() error {
					return db.Explant(ctx, a.ID, rec.ID, devices.ExplantInput{Date: procIn.PerformedOn, Reason: "Infection"})
				}},
				{"ImportImplants", func() error {
					bulk.Patient = patientIn(4)
					_, err := db.ImportImplants(ctx, a.ID, slices.Values([]devicesdb.BulkRecord{bulk}))
					return err
				}},
			} {
				err := c.do()
				if !apperr.Is(err, apperr.Internal) || !strings.Contains(err.Error(), "content registry") {
					t.Errorf("%s without the devices content: %v, want an Internal error naming the content registry", c.what, err)
				}
			}
			if n := storetest.AuditCount(t, kernel); n != before {
				t.Errorf("audit entries %d, want %d: a refused change left an entry", n, before)
			}
			var n int
			if err := kernel.SQL().QueryRow(`SELECT COUNT(*) FROM implant_patients WHERE org_id = $1`, a.ID).Scan(&n); err != nil || n != 2 {
				t.Errorf("patients %d, %v; want the 2 written with the content registered", n, err)
			}

			got := storetest.Findings(t, kernel)
			for _, e := range []string{"implant", "implant_patient", "procedure"} {
				if !slices.ContainsFunc(got, func(f string) bool {
					return strings.HasPrefix(f, e+": ") && strings.Contains(f, "not in the content registry")
				}) {
					t.Errorf("findings without the devices content %q, want one saying %s is not in the content registry", got, e)
				}
			}
			if slices.ContainsFunc(got, func(f string) bool { return strings.Contains(f, "outside the audit trail") }) {
				t.Errorf("findings without the devices content %q, want no row called changed outside the trail", got)
			}
			if got := storetest.Findings(t, full); len(got) != 0 {
				t.Errorf("findings with the devices content: %q, want none", got)
			}
		})
	}
}
