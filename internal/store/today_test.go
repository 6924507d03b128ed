package store_test

import (
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"slices"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// The store's "today" is the calendar day in London. Just after midnight
// in summer (00:30 BST on 15 June is 23:30 UTC on 14 June) an action due
// on the 14th is overdue and one due on the 15th is not; a procedure,
// recall or explant dated the 15th is not in the future.
func TestTodayIsLondon(t *testing.T) {
	for _, c := range []struct {
		name                string
		now                 time.Time
		yesterday, today    string
		tomorrow, wantToday string
	}{
		{"just after midnight BST", time.Date(2026, 6, 14, 23, 30, 0, 0, time.UTC), "2026-06-14", "2026-06-15", "2026-06-16", "2026-06-15"},
		{"just before midnight GMT", time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "2026-12-30", "2026-12-31", "2027-01-01", "2026-12-31"},
		{"first hour after the clocks go back", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), "2026-10-24", "2026-10-25", "2026-10-26", "2026-10-25"},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.DB) {
				st.SetClock(func() time.Time { return c.now })
				date := func(s string) time.Time {
					d, err := time.Parse(time.DateOnly, s)
					if err != nil {
						t.Fatal(err)
					}
					return d
				}
				a := mustOrg(t, st, "AAA")
				cso := mustUser(t, st, a, "cso@a.test", auth.CSO)
				sys, err := riskdb.New(st).CreateSystem(ctx, a.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing",
					Standard: risk.DCB0160, CSOs: []riskdb.Person{{ID: cso.ID}}})
				if err != nil {
					t.Fatal(err)
				}
				h := storetest.SampleHazard("Wrong dose")
				h.Actions = []risk.Action{
					{Summary: "Due yesterday", Owner: "Ward manager", Due: date(c.yesterday)},
					{Summary: "Due today", Owner: "Ward manager", Due: date(c.today)},
					{Summary: "Due tomorrow", Owner: "Ward manager", Due: date(c.tomorrow)},
				}
				hz, err := riskdb.New(st).CreateHazard(ctx, a.ID, sys.ID, h)
				if err != nil {
					t.Fatal(err)
				}
				od, err := riskdb.New(st).OverdueActions(ctx, a.ID, "")
				if err != nil || len(od) != 1 || od[0].Action.Summary != "Due yesterday" {
					t.Errorf("at %v OverdueActions = %+v, %v; want only the action due %s", c.now, od, err, c.yesterday)
				}
				if list, err := riskdb.New(st).ListSystems(ctx, a.ID); err != nil || len(list) != 1 || list[0].OverdueActions != 1 {
					t.Errorf("at %v ListSystems = %+v, %v; want 1 overdue action", c.now, list, err)
				}
				if got := hz.OverdueActions(st.Now()); len(got) != 1 || got[0].Summary != "Due yesterday" {
					t.Errorf("at %v Hazard.OverdueActions = %+v; want only the action due %s", c.now, got, c.yesterday)
				}

				// Devices: today's date is not in the future, tomorrow's is.
				in := procIn
				in.PerformedOn = c.tomorrow
				if _, err := devicesdb.New(st).CreateProcedure(ctx, a.ID, patientIn(1), in); apperr.FieldsOf(err)["performed_on"] == "" {
					t.Errorf("at %v a procedure on %s: %v, want a performed_on message", c.now, c.tomorrow, err)
				}
				in.PerformedOn = c.wantToday
				p, err := devicesdb.New(st).CreateProcedure(ctx, a.ID, patientIn(1), in)
				if err != nil {
					t.Fatalf("at %v a procedure on %s: %v", c.now, c.wantToday, err)
				}
				// A device that expired yesterday warns; one that expires today does not.
				r, err := devicesdb.New(st).AddImplant(ctx, a.ID, p.ID, devices.Device{GTIN: testGTIN(1), Lot: "L1", Expiry: c.yesterday, EntryType: "manual"})
				if err != nil || !slices.ContainsFunc(r.Warnings, func(w devicesdb.Warning) bool { return w.Kind == "expired" }) {
					t.Errorf("device expired %s, implanted %s: warnings %v, %v; want expired", c.yesterday, c.wantToday, r.Warnings, err)
				}
				r, err = devicesdb.New(st).AddImplant(ctx, a.ID, p.ID, devices.Device{GTIN: testGTIN(2), Lot: "L2", Expiry: c.wantToday, EntryType: "manual"})
				if err != nil || slices.ContainsFunc(r.Warnings, func(w devicesdb.Warning) bool { return w.Kind == "expired" }) {
					t.Errorf("device expiring %s, implanted %s: warnings %v, %v; want no expired", c.wantToday, c.wantToday, r.Warnings, err)
				}
				if err := devicesdb.New(st).Explant(ctx, a.ID, r.ID, devices.ExplantInput{Date: c.tomorrow, Reason: "Infection"}); apperr.FieldsOf(err)["explant_date"] == "" {
					t.Errorf("at %v explant on %s: %v, want an explant_date message", c.now, c.tomorrow, err)
				}
				if err := devicesdb.New(st).Explant(ctx, a.ID, r.ID, devices.ExplantInput{Date: c.wantToday, Reason: "Infection"}); err != nil {
					t.Errorf("at %v explant on %s: %v", c.now, c.wantToday, err)
				}
				rin := devices.RecallInput{Reference: "FSN-1", Kind: "fsn", Issuer: "Acme", IssuedOn: c.tomorrow, Manufacturer: "Acme", ActionRequired: "Quarantine", Affects: testGTIN(9) + " all"}
				if _, err := devicesdb.New(st).CreateRecall(ctx, a.ID, rin); apperr.FieldsOf(err)["issued_on"] == "" {
					t.Errorf("at %v recall issued %s: %v, want an issued_on message", c.now, c.tomorrow, err)
				}
				rin.IssuedOn = c.wantToday
				if _, err := devicesdb.New(st).CreateRecall(ctx, a.ID, rin); err != nil {
					t.Errorf("at %v recall issued %s: %v", c.now, c.wantToday, err)
				}
				in.PerformedOn = c.wantToday
				bulk := devicesdb.BulkRecord{Patient: patientIn(2), Procedure: in, Devices: []devices.Device{{GTIN: testGTIN(1), Lot: "L", EntryType: "barcode"}}}
				if _, err := devicesdb.New(st).ImportImplants(ctx, a.ID, slices.Values([]devicesdb.BulkRecord{bulk})); err != nil {
					t.Errorf("at %v import of a procedure on %s: %v", c.now, c.wantToday, err)
				}
			})
		})
	}
}
