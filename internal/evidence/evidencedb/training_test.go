package evidencedb_test

import (
	"math"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/training/trainingtest"
)

// Training coverage by month and week from assignments and completions at
// known days, with a late completion, an expired one and a withdrawn
// assignment, and its filters by role and course, on both engines.
func TestTrainingCoverageSeries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		defer st.SetClock(func() time.Time { return storetest.FixedTime })
		// The history of trainingtest.History: course X to the Reporter
		// role (learner, peer, third) on 5 January, due 31 January. The
		// learner completes it in time on 20 January (it expires on 20
		// March); peer late, on 10 February (it expires on 10 April);
		// third never. Course Y to peer on 2 February, due 15 February,
		// never done, withdrawn on 5 March. Now is 6 May.
		h := trainingtest.NewHistory(t, st, trainingdb.New(st))
		org, other := h.Org, h.Other

		ev := evidencedb.New(st)
		m, _ := evidence.MeasureByCode("training_coverage")
		if !m.Available || m.Pending != "" || m.Source != evidence.FromTraining {
			t.Fatalf("training coverage: %+v", m)
		}
		day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
		series := func(orgs []store.OrgID, p evidence.Period, dim, value, from, to string) ([]evidence.Point, error) {
			return ev.Series(storetest.Operator, orgs, evidencedb.Query{Measure: m, Period: p, Dim: dim, Value: value, From: day(from), To: day(to)})
		}
		type pct struct {
			label    string
			num, den float64
		}
		check := func(what string, got []evidence.Point, want []pct) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("%s: %d points %+v, want %d", what, len(got), got, len(want))
			}
			for i, w := range want {
				g := got[i]
				if g.Label != w.label || g.Num != w.num || g.Den != w.den || math.Abs(g.Value-100*w.num/w.den) > 1e-9 {
					t.Errorf("%s: %s %v%% (%v of %v), want %s %v%% (%v of %v)", what, g.Label, g.Value, g.Num, g.Den, w.label, 100*w.num/w.den, w.num, w.den)
				}
			}
		}
		mine := []store.OrgID{org.ID}
		pts, err := series(mine, evidence.Month, "", "", "2025-12-01", "2026-04-30")
		if err != nil {
			t.Fatal(err)
		}
		// December: nothing due, no point. 31 January: X due for 3, the
		// learner in date: 1 of 3 = 33.3%. 28 February: X for 3 (peer's
		// late completion now counts) and Y for peer, not done: 2 of 4 =
		// 50%. 31 March: Y withdrawn, the learner's X expired on 20 March:
		// 1 of 3 = 33.3%. 30 April: peer's X expired on 10 April: 0 of 3.
		check("by month", pts, []pct{{"January 2026", 1, 3}, {"February 2026", 2, 4}, {"March 2026", 1, 3}, {"April 2026", 0, 3}})
		// By week, read on Sundays: 25 January nothing due; 1 February 1
		// of 3; 8 February 1 of 3 (Y not due, peer not done); 15 February
		// 2 of 4 (Y due, peer's X done on the 10th).
		pts, err = series(mine, evidence.Week, "", "", "2026-01-19", "2026-02-15")
		if err != nil {
			t.Fatal(err)
		}
		check("by week", pts, []pct{{"w/c 26 January 2026", 1, 3}, {"w/c 2 February 2026", 1, 3}, {"w/c 9 February 2026", 2, 4}})
		// The CSO role is the learner's: in date until X expired.
		pts, err = series(mine, evidence.Month, evidence.DimRole, string(auth.CSO), "2026-01-01", "2026-04-30")
		if err != nil {
			t.Fatal(err)
		}
		check("CSOs", pts, []pct{{"January 2026", 1, 1}, {"February 2026", 1, 1}, {"March 2026", 0, 1}, {"April 2026", 0, 1}})
		pts, err = series(mine, evidence.Month, evidence.DimCourse, h.Y, "2026-01-01", "2026-04-30")
		if err != nil {
			t.Fatal(err)
		}
		check("course Y", pts, []pct{{"February 2026", 0, 1}})
		// An organisation that assigned nothing has no points, and says so.
		if pts, err := series([]store.OrgID{other.ID}, evidence.Month, "", "", "2026-01-01", "2026-04-30"); err != nil || len(pts) != 0 {
			t.Errorf("other organisation: %+v %v", pts, err)
		}
		q := evidencedb.Query{Measure: m, Period: evidence.Month, From: day("2026-01-01"), To: day("2026-04-30")}
		if a, err := ev.TrainingAssigned(storetest.Operator, []store.OrgID{other.ID}, q); err != nil || a {
			t.Errorf("other organisation assigned %v %v", a, err)
		}
		if a, err := ev.TrainingAssigned(storetest.Operator, mine, q); err != nil || !a {
			t.Errorf("organisation assigned %v %v", a, err)
		}
		// The network of both sums them: the same shares.
		pts, err = series([]store.OrgID{org.ID, other.ID}, evidence.Month, "", "", "2026-01-01", "2026-02-28")
		if err != nil {
			t.Fatal(err)
		}
		check("network", pts, []pct{{"January 2026", 1, 3}, {"February 2026", 2, 4}})
		// Bad filter values: another organisation's course, a role that is not one.
		for what, dv := range map[string][2]string{"role": {evidence.DimRole, "wizard"}, "course": {evidence.DimCourse, "nope"}, "dim": {evidence.DimType, "1"}} {
			if _, err := series(mine, evidence.Month, dv[0], dv[1], "2026-01-01", "2026-04-30"); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("%s: %v, want Invalid", what, err)
			}
		}
		if _, err := series([]store.OrgID{other.ID}, evidence.Month, evidence.DimCourse, h.X, "2026-01-01", "2026-04-30"); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("another organisation's course: %v, want Invalid", err)
		}
	})
}
