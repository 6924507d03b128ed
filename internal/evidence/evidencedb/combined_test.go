package evidencedb_test

import (
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// Combined filters (record type and location and reported harm moderate
// or worse) count the events that hold them all, from each event's own
// keys, on both engines; one filter still reads the counts; a dimension
// named twice holds for either value; bad filters and a span over the
// bound are Invalid.
func TestCombinedFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		day := storetest.FixedTime.AddDate(0, 0, -14)
		st.SetClock(func() time.Time { return day })
		defer st.SetClock(func() time.Time { return storetest.FixedTime })
		// Reported physical harm: 3 moderate, 2 severe, 1 fatal, 4 low.
		for _, e := range []struct {
			org       store.Org
			u         store.User
			loc, harm string
		}{
			{w.a, w.nurse, "Ward 7", "3"},  // counts
			{w.a, w.nurse, "Ward 7", "4"},  // low harm
			{w.a, w.nurse, "Ward 9", "2"},  // another ward
			{w.a, w.nurse, "Ward 7", "1"},  // counts
			{w.b, w.nurseB, "Ward 7", "3"}, // another organisation
		} {
			if _, err := w.ev.Report(storetest.As(e.u), e.org.ID, record(e.loc, "acute", e.harm, "", events.AgentMedication),
				eventsdb.Submission{Audience: events.Staff, ReporterID: e.u.ID}); err != nil {
				t.Fatalf("Report: %v (%v)", err, apperr.FieldsOf(err))
			}
		}
		m, _ := evidence.MeasureByCode("events")
		from, to := day.AddDate(0, 0, -20), day.AddDate(0, 0, 6)
		total := func(orgs []store.OrgID, conds ...evidence.Cond) (float64, error) {
			q := evidencedb.Query{Measure: m, Period: evidence.Week, From: from, To: to}
			if len(conds) > 0 {
				q.Dim, q.Value, q.More = conds[0].Dim, conds[0].Value, conds[1:]
			}
			pts, err := w.evd.Series(storetest.Operator, orgs, q)
			var n float64
			for _, p := range pts {
				n += p.Value
			}
			return n, err
		}
		incident := evidence.Cond{Dim: evidence.DimType, Value: string(events.Incident)}
		ward7 := evidence.Cond{Dim: evidence.DimLocation, Value: "Ward 7"}
		ward9 := evidence.Cond{Dim: evidence.DimLocation, Value: "Ward 9"}
		var atLeastModerate []evidence.Cond
		for _, h := range []string{"3", "2", "1"} {
			atLeastModerate = append(atLeastModerate, evidence.Cond{Dim: evidence.DimReportedHarm, Value: h})
		}
		a, both := []store.OrgID{w.a.ID}, []store.OrgID{w.a.ID, w.b.ID}
		for _, c := range []struct {
			name  string
			orgs  []store.OrgID
			conds []evidence.Cond
			want  float64
		}{
			{"everything", a, nil, 4},
			{"Ward 7 (the counts)", a, []evidence.Cond{ward7}, 3},
			{"incident and Ward 7", a, []evidence.Cond{incident, ward7}, 3},
			{"incident, Ward 7, moderate", a, []evidence.Cond{incident, ward7, {Dim: evidence.DimReportedHarm, Value: "3"}}, 1},
			{"Ward 7, harm moderate or worse", a, append([]evidence.Cond{ward7}, atLeastModerate[:2]...), 1},
			{"Ward 7, harm moderate or fatal", a, []evidence.Cond{ward7, atLeastModerate[0], atLeastModerate[2]}, 2},
			{"Ward 7 or Ward 9", a, []evidence.Cond{ward7, ward9}, 4},
			{"Ward 9, harm moderate or worse", a, append([]evidence.Cond{ward9}, atLeastModerate[:2]...), 1},
			{"network: incident and Ward 7", both, []evidence.Cond{incident, ward7}, 4},
			// Harm "or worse": 3+ is moderate (3), severe (2) or fatal (1).
			{"harm moderate or worse", a, []evidence.Cond{{Dim: evidence.DimReportedHarm, Value: "3+"}}, 3},
			{"incident, Ward 7, harm moderate or worse", a, []evidence.Cond{incident, ward7, {Dim: evidence.DimReportedHarm, Value: "3+"}}, 2},
			{"Ward 7, harm severe or worse", a, []evidence.Cond{ward7, {Dim: evidence.DimReportedHarm, Value: "2+"}}, 1},
		} {
			if got, err := total(c.orgs, c.conds...); err != nil || got != c.want {
				t.Errorf("%s: %v events (%v), want %v", c.name, got, err, c.want)
			}
		}
		for what, conds := range map[string][]evidence.Cond{
			"four filters":   append([]evidence.Cond{ward7}, atLeastModerate...),
			"bad type":       {{Dim: evidence.DimType, Value: "99"}, ward7},
			"bad harm":       {ward7, {Dim: evidence.DimReportedHarm, Value: "moderate"}},
			"not a filter":   {ward7, {Dim: evidence.DimSystem, Value: "x"}},
			"empty location": {incident, {Dim: evidence.DimLocation, Value: ""}},
			"harm 5+":        {{Dim: evidence.DimReportedHarm, Value: "5+"}},
		} {
			if _, err := total(a, conds...); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("%s: %v, want Invalid", what, err)
			}
		}
		// More events in the span than the bound: Invalid, with a way out.
		defer func(n int) { evidencedb.MaxCombinedEvents = n }(evidencedb.MaxCombinedEvents)
		evidencedb.MaxCombinedEvents = 3
		if _, err := total(a, incident, ward7); !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.FieldsOf(err)["filter"], "shorter span") {
			t.Errorf("over the bound: %v (%v), want Invalid on filter", err, apperr.FieldsOf(err))
		}
		if got, err := total(a, ward7); err != nil || got != 3 {
			t.Errorf("one filter over the bound (the counts): %v %v", got, err)
		}
	})
}
