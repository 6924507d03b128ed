package evidencedb_test

import (
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// A network's reporting rate counts, each month, only the events of the
// members that entered bed days for it, over their bed days. Before, the
// events of every member were divided by the bed days of only those that
// had entered them, so a member yet to enter its bed days inflated the
// rate (here doubled it: 8 events over A's 1,000 bed days). Once B enters
// its bed days, both members count.
func TestNetworkRateCountsOnlyMembersWithBedDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		st.SetClock(func() time.Time { return storetest.FixedTime })
		day := time.Date(2026, 10, 14, 10, 0, 0, 0, time.UTC)
		for i := range 4 {
			reportAt(t, w, w.a, w.nurse, day.Add(time.Duration(i)*time.Hour), "4")
			reportAt(t, w, w.b, w.nurseB, day.Add(time.Duration(i)*time.Hour), "4")
		}
		m, _ := evidence.MeasureByCode("reporting_rate")
		q := evidencedb.Query{Measure: m, Period: evidence.Month,
			From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)}
		network := []store.OrgID{w.a.ID, w.b.ID}
		october := func() evidence.Point {
			t.Helper()
			pts, err := w.evd.Series(storetest.Operator, network, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(pts) != 1 {
				t.Fatalf("network rate: %d points (%+v), want October only", len(pts), pts)
			}
			return pts[0]
		}
		// Only A enters its bed days for October.
		if err := w.evd.SetBedDays(storetest.As(w.handler), w.a.ID, evidencedb.BedDays{Month: "2026-10", BedDays: 1000}); err != nil {
			t.Fatal(err)
		}
		if p := october(); p.Num != 4 || p.Den != 1000 || p.Value != 4 {
			t.Errorf("October with A's bed days only: %v events over %v bed days (rate %v), want A's 4 over 1000 (rate 4)", p.Num, p.Den, p.Value)
		}
		if err := w.evd.SetBedDays(storetest.As(w.handlerB), w.b.ID, evidencedb.BedDays{Month: "2026-10", BedDays: 3000}); err != nil {
			t.Fatal(err)
		}
		if p := october(); p.Num != 8 || p.Den != 4000 || p.Value != 2 {
			t.Errorf("October with both members' bed days: %v events over %v bed days (rate %v), want 8 over 4000 (rate 2)", p.Num, p.Den, p.Value)
		}
	})
}
