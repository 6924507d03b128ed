package devicesdb_test

import (
	"slices"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// The store's "today" is the calendar day in London. Just after midnight
// in summer (00:30 BST on 15 June is 23:30 UTC on 14 June) a procedure,
// recall or explant dated the 15th is not in the future, and a device that
// expired on the 14th warns while one expiring on the 15th does not.
func TestTodayIsLondon(t *testing.T) {
	for _, c := range []struct {
		name                       string
		now                        time.Time
		yesterday, today, tomorrow string
	}{
		{"just after midnight BST", time.Date(2026, 6, 14, 23, 30, 0, 0, time.UTC), "2026-06-14", "2026-06-15", "2026-06-16"},
		{"just before midnight GMT", time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "2026-12-30", "2026-12-31", "2027-01-01"},
		{"first hour after the clocks go back", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), "2026-10-24", "2026-10-25", "2026-10-26"},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.DB) {
				st.SetClock(func() time.Time { return c.now })
				a := storetest.Org(t, st, "AAA")
				db := devicesdb.New(st)

				// Today's date is not in the future, tomorrow's is.
				in := procIn
				in.PerformedOn = c.tomorrow
				if _, err := db.CreateProcedure(ctx, a.ID, patientIn(1), in); apperr.FieldsOf(err)["performed_on"] == "" {
					t.Errorf("at %v a procedure on %s: %v, want a performed_on message", c.now, c.tomorrow, err)
				}
				in.PerformedOn = c.today
				p, err := db.CreateProcedure(ctx, a.ID, patientIn(1), in)
				if err != nil {
					t.Fatalf("at %v a procedure on %s: %v", c.now, c.today, err)
				}
				// A device that expired yesterday warns; one that expires today does not.
				r, err := db.AddImplant(ctx, a.ID, p.ID, devices.Device{GTIN: testGTIN(1), Lot: "L1", Expiry: c.yesterday, EntryType: "manual"})
				if err != nil || !slices.ContainsFunc(r.Warnings, func(w devicesdb.Warning) bool { return w.Kind == "expired" }) {
					t.Errorf("device expired %s, implanted %s: warnings %v, %v; want expired", c.yesterday, c.today, r.Warnings, err)
				}
				r, err = db.AddImplant(ctx, a.ID, p.ID, devices.Device{GTIN: testGTIN(2), Lot: "L2", Expiry: c.today, EntryType: "manual"})
				if err != nil || slices.ContainsFunc(r.Warnings, func(w devicesdb.Warning) bool { return w.Kind == "expired" }) {
					t.Errorf("device expiring %s, implanted %s: warnings %v, %v; want no expired", c.today, c.today, r.Warnings, err)
				}
				if err := db.Explant(ctx, a.ID, r.ID, devices.ExplantInput{Date: c.tomorrow, Reason: "Infection"}); apperr.FieldsOf(err)["explant_date"] == "" {
					t.Errorf("at %v explant on %s: %v, want an explant_date message", c.now, c.tomorrow, err)
				}
				if err := db.Explant(ctx, a.ID, r.ID, devices.ExplantInput{Date: c.today, Reason: "Infection"}); err != nil {
					t.Errorf("at %v explant on %s: %v", c.now, c.today, err)
				}
				rin := devices.RecallInput{Reference: "FSN-1", Kind: "fsn", Issuer: "Acme", IssuedOn: c.tomorrow, Manufacturer: "Acme", ActionRequired: "Quarantine", Affects: testGTIN(9) + " all"}
				if _, err := db.CreateRecall(ctx, a.ID, rin); apperr.FieldsOf(err)["issued_on"] == "" {
					t.Errorf("at %v recall issued %s: %v, want an issued_on message", c.now, c.tomorrow, err)
				}
				rin.IssuedOn = c.today
				if _, err := db.CreateRecall(ctx, a.ID, rin); err != nil {
					t.Errorf("at %v recall issued %s: %v", c.now, c.today, err)
				}
				bulk := devicesdb.BulkRecord{Patient: patientIn(2), Procedure: in, Devices: []devices.Device{{GTIN: testGTIN(1), Lot: "L", EntryType: "barcode"}}}
				if _, err := db.ImportImplants(ctx, a.ID, slices.Values([]devicesdb.BulkRecord{bulk})); err != nil {
					t.Errorf("at %v import of a procedure on %s: %v", c.now, c.today, err)
				}
			})
		})
	}
}
