package evidencedb_test

import (
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// A series covers whole periods at both ends: with From and To inside a
// month, the first month counts its days before From and the last its
// days after To (up to today). Before, the first period was widened back
// to its start but the last was cut at To, so a month ending on To=15
// November read as a full month of half its events (here October 1,
// November 0), low enough to look like special cause.
func TestSeriesCountsWholePeriodsAtBothEnds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		// One event before From (2 October) and one after To (20 November).
		reportAt(t, w, w.a, w.nurse, time.Date(2026, 10, 2, 10, 0, 0, 0, time.UTC), "4")
		reportAt(t, w, w.a, w.nurse, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), "4")
		m, _ := evidence.MeasureByCode("events")
		one := evidencedb.Query{Measure: m, Period: evidence.Month,
			From: time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)}
		// Combined filters count each event's own keys, by the same rule.
		combined := one
		combined.Dim, combined.Value = evidence.DimType, string(events.Incident)
		combined.More = []evidence.Cond{{Dim: evidence.DimLocation, Value: "Ward 7"}}
		for what, q := range map[string]evidencedb.Query{"no filter": one, "combined filters": combined} {
			pts, err := w.evd.Series(storetest.Operator, []store.OrgID{w.a.ID}, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(pts) != 2 || pts[0].Num != 1 || pts[1].Num != 1 {
				t.Errorf("%s, 15 October to 15 November: %+v, want October 1 and November 1 (whole months)", what, pts)
			}
		}
	})
}

// A series asked to end after today ends today: no period that has not
// happened is charted, for counts of events or for measures read on the
// last day of each period. Before, the weeks ahead were charted as zero
// events, or as today's overdue actions repeated, and entered the mean
// and limits.
func TestSeriesEndsToday(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		st.SetClock(func() time.Time { return storetest.FixedTime })
		today := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
		for i := range 12 {
			reportAt(t, w, w.a, w.nurse, today.AddDate(0, 0, -7*i-1), "4")
		}
		for _, code := range []string{"events", "overdue_actions", "hazards"} {
			m, _ := evidence.MeasureByCode(code)
			pts, err := w.evd.Series(storetest.Operator, []store.OrgID{w.a.ID}, evidencedb.Query{Measure: m, Period: evidence.Week,
				From: today.AddDate(0, 0, -84), To: today.AddDate(0, 0, 56)})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(pts); n == 0 || !pts[n-1].Start.Equal(evidence.Week.Start(today)) {
				t.Errorf("%s ending 8 weeks ahead: last point %+v, want the week of today (w/c 23 November 2026)", code, pts[max(0, n-1):])
			}
		}
		// A start after today is refused, with a message.
		m, _ := evidence.MeasureByCode("events")
		_, err := w.evd.Series(storetest.Operator, []store.OrgID{w.a.ID}, evidencedb.Query{Measure: m, Period: evidence.Week,
			From: today.AddDate(0, 0, 7), To: today.AddDate(0, 0, 56)})
		if got := apperr.FieldsOf(err)["from"]; got != "The start must be today or earlier" {
			t.Errorf("a start next week: %v, want the start's message", err)
		}
	})
}
