package store_test

import (
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// The store's "today" is the calendar day in London. Just after midnight
// in summer (00:30 BST on 15 June is 23:30 UTC on 14 June) an action due
// on the 14th is overdue and one due on the 15th is not (the devices half
// is in devicesdb).
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
			})
		})
	}
}
