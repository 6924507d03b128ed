package evidencedb_test

import (
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// Narrowing a measure to reported harm "No harm recorded" (value "")
// counts the events without harm, alone as combined with other filters,
// and a change can be marked on that chart. Before, Measure.Counts took
// an empty value for no filter, so the single filter was dropped and the
// chart counted every event (5 here, where 2 have no harm recorded), and
// marking a change on it was refused.
func TestNoHarmRecordedFilterCountsEventsWithoutHarm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		day := time.Date(2026, 10, 14, 10, 0, 0, 0, time.UTC)
		for i, h := range []string{"4", "", "3", "", "4"} {
			reportAt(t, w, w.a, w.nurse, day.Add(time.Duration(i)*time.Hour), h)
		}
		m, _ := evidence.MeasureByCode("events")
		q := evidencedb.Query{Measure: m, Period: evidence.Month, Dim: evidence.DimReportedHarm, Value: "",
			From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)}
		sum := func(q evidencedb.Query) float64 {
			t.Helper()
			pts, err := w.evd.Series(storetest.Operator, []store.OrgID{w.a.ID}, q)
			if err != nil {
				t.Fatal(err)
			}
			var s float64
			for _, p := range pts {
				s += p.Num
			}
			return s
		}
		if got := sum(q); got != 2 {
			t.Errorf("events with no harm recorded = %v, want 2 (5 is every event)", got)
		}
		cq := q
		cq.More = []evidence.Cond{{Dim: evidence.DimType, Value: string(events.Incident)}}
		if got := sum(cq); got != 2 {
			t.Errorf("incidents with no harm recorded (combined filters) = %v, want 2", got)
		}
		if _, err := w.evd.MarkChange(storetest.As(w.handler), w.a.ID, evidencedb.MarkedChange{Measure: m.Code, Dim: evidence.DimReportedHarm, Value: "",
			Period: evidence.Month, Title: "ePMA go-live", On: day}); err != nil {
			t.Errorf("mark a change on the chart of no harm recorded: %v, want it marked", err)
		}
	})
}
