package evidencedb_test

import (
	"context"
	"math"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/spc"
)

// Every measure gives a series on the demo trust's data, on both engines:
// counts that add up, a rate that is its numerator over its denominator,
// hazards and overdue actions from the other wings, and a clear error for
// training coverage from the training wing, and a clear error for bad
// queries.
func TestEveryMeasureSeries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		if _, err := demo.Load(context.Background(), st, demo.Options{Password: "demo-password-123"}); err != nil {
			t.Fatal(err)
		}
		trust, err := st.OrgByODS(storetest.Operator, demo.TrustODS)
		if err != nil {
			t.Fatal(err)
		}
		ev := evidencedb.New(st)
		orgs := []store.OrgID{trust.ID}
		to := clock.Today(st.Now())
		from := to.AddDate(-1, 0, 0)
		series := func(code string, p evidence.Period, dim, value string) []evidence.Point {
			t.Helper()
			m, _ := evidence.MeasureByCode(code)
			pts, err := ev.Series(storetest.Operator, orgs, evidencedb.Query{Measure: m, Period: p, Dim: dim, Value: value, From: from, To: to})
			if err != nil {
				t.Fatalf("%s %s=%s: %v", code, dim, value, err)
			}
			return pts
		}
		sum := func(ps []evidence.Point) (s float64) {
			for _, p := range ps {
				s += p.Num
			}
			return s
		}
		all := series("events", evidence.Week, "", "")
		if len(all) < 52 || sum(all) < 1000 {
			t.Fatalf("events by week: %d points, %v events; want a year of the demo's events", len(all), sum(all))
		}
		if m := series("events", evidence.Month, "", ""); sum(m) != sum(all) {
			t.Errorf("events by month sum to %v, by week to %v", sum(m), sum(all))
		}
		var byType float64
		for _, ty := range []string{"1", "2", "3", "4"} {
			byType += sum(series("events", evidence.Week, evidence.DimType, ty))
		}
		if byType != sum(all) {
			t.Errorf("events by type sum to %v, want %v", byType, sum(all))
		}
		it, dev := series("it_incidents", evidence.Week, "", ""), series("device_incidents", evidence.Week, "", "")
		if sum(it) == 0 || sum(it) >= sum(all) || sum(dev) >= sum(all) {
			t.Errorf("IT incidents %v, device incidents %v of %v events", sum(it), sum(dev), sum(all))
		}
		systems, err := riskdb.New(st).SystemChoices(storetest.Operator, trust.ID)
		if err != nil || len(systems) == 0 {
			t.Fatalf("systems: %v", err)
		}
		if s := sum(series("it_incidents", evidence.Week, evidence.DimSystem, systems[0].ID)); s == 0 || s > sum(it) {
			t.Errorf("IT incidents of %s: %v of %v", systems[0].Name, s, sum(it))
		}
		for _, p := range series("feedback_time", evidence.Month, "", "") {
			if p.Den <= 0 || p.Value < 0 || math.Abs(p.Value-p.Num/p.Den) > 1e-9 {
				t.Errorf("feedback time %s: %v = %v / %v", p.Label, p.Value, p.Num, p.Den)
			}
		}
		rate := series("reporting_rate", evidence.Week, "", "")
		if len(rate) < 12 {
			t.Errorf("reporting rate: %d months, want the demo's 12 or more", len(rate))
		}
		for _, p := range rate {
			if p.Den < 10000 || math.Abs(p.Value-p.Num/p.Den*1000) > 1e-9 {
				t.Errorf("reporting rate %s: %v, want %v / %v bed days x 1000", p.Label, p.Value, p.Num, p.Den)
			}
		}
		m, _ := evidence.MeasureByCode("reporting_rate")
		if r, err := evidence.Chart(m, rate, spc.Options{Direction: m.Direction}); err != nil || r.Kind != spc.KindU {
			t.Errorf("reporting rate chart: %v", err)
		}
		hz := series("hazards", evidence.Month, "", "")
		if sum(hz) == 0 {
			t.Errorf("no hazards in the demo's hazard logs by month")
		}
		if open := sum(series("hazards", evidence.Month, evidence.DimStatus, "open")); open > sum(hz) {
			t.Errorf("open hazards %v of %v", open, sum(hz))
		}
		// Hazards combine their filters: the open ones of each rating add
		// up to the open ones.
		hm, _ := evidence.MeasureByCode("hazards")
		var openByRating float64
		for _, r := range evidencedb.RatingValues() {
			pts, err := ev.Series(storetest.Operator, orgs, evidencedb.Query{Measure: hm, Period: evidence.Month, Dim: evidence.DimStatus, Value: "open",
				More: []evidence.Cond{{Dim: evidence.DimRating, Value: r}}, From: from, To: to})
			if err != nil {
				t.Fatal(err)
			}
			openByRating += sum(pts)
		}
		if open := sum(series("hazards", evidence.Month, evidence.DimStatus, "open")); openByRating != open || open == 0 {
			t.Errorf("open hazards by rating add up to %v, want the %v open", openByRating, open)
		}
		od := series("overdue_actions", evidence.Week, "", "")
		hazardOD, learningOD := series("overdue_actions", evidence.Week, evidence.DimKind, "hazard"), series("overdue_actions", evidence.Week, evidence.DimKind, "learning")
		last := len(od) - 1
		if od[last].Value != hazardOD[last].Value+learningOD[last].Value {
			t.Errorf("overdue actions %v, want hazard %v + learning %v", od[last].Value, hazardOD[last].Value, learningOD[last].Value)
		}
		hs, err := riskdb.New(st).OverdueActions(storetest.Operator, trust.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if int(hazardOD[last].Value) != len(hs) {
			t.Errorf("overdue hazard actions this week: %v, want %d as the risk wing counts them", hazardOD[last].Value, len(hs))
		}
		// Training coverage and bad queries.
		train, _ := evidence.MeasureByCode("training_coverage")
		if pts := series("training_coverage", evidence.Week, "", ""); len(pts) < 4 {
			t.Errorf("training coverage: %d weeks, want the demo's training history", len(pts))
		}
		for what, q := range map[string]evidencedb.Query{
			"training role": {Measure: train, Period: evidence.Week, Dim: evidence.DimRole, Value: "wizard", From: from, To: to},
			"bad filter":    {Measure: all0(), Period: evidence.Week, Dim: "colour", Value: "red", From: from, To: to},
			"bad period":    {Measure: all0(), Period: "fortnight", From: from, To: to},
			"backwards":     {Measure: all0(), Period: evidence.Week, From: to, To: from},
			"too long ago":  {Measure: all0(), Period: evidence.Week, From: to.AddDate(-30, 0, 0), To: to},
		} {
			if _, err := ev.Series(storetest.Operator, orgs, q); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("%s: %v, want Invalid", what, err)
			}
		}
	})
}

func all0() evidence.Measure { m, _ := evidence.MeasureByCode("events"); return m }
