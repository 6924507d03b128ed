package spc

import (
	"errors"
	"math"
	"testing"
	"time"
)

// days returns n dates a day apart from 22 March 2021.
func days(n int) []time.Time {
	x := make([]time.Time, n)
	for i := range x {
		x[i] = time.Date(2021, 3, 22+i, 0, 0, 0, 0, time.UTC)
	}
	return x
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.005 }

// The worked example of the reference's vignette "Deviations from Excel
// defaults": 18 daily points with one outlier.
//
//	y = 1 2 1 2 10 1 2 1 2 1 2 1 2 1 2 1 2 1, sum 35, mean 35/18 = 1.944
//	moving ranges: 1 1 1 8 9 then twelve 1s; 17 ranges, sum 32,
//	mean MR 32/17 = 1.882.
//	Excel (no screening): UPL = 1.944 + 2.66 x 1.882 = 6.95,
//	                      LPL = 1.944 - 5.007 = -3.06.
//	Screened: cut 3.267 x 1.882 = 6.149 drops 8 and 9; the 15 ranges left
//	are all 1, mean MR 1: UPL = 1.944 + 2.66 = 4.60, LPL = -0.72.
//	The reference's captions: 4.6 / 1.94 / -0.72 and 6.95 / 1.94 / -3.06.
//	The 10 is above both UPLs: special cause improvement (direction
//	increase, the default); every other point is common cause.
func TestXmRReferenceDeviationsExample(t *testing.T) {
	y := []float64{1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1}
	for _, c := range []struct {
		name     string
		s        Screening
		lpl, upl float64
	}{
		{"screened (reference default)", ScreenDefault, -0.72, 4.60},
		{"screened", ScreenOutliers, -0.72, 4.60},
		{"not screened (Excel)", NoScreening, -3.06, 6.95},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := XmR(days(len(y)), y, Options{Screening: c.s})
			if err != nil {
				t.Fatal(err)
			}
			p := r.Points[0]
			if !near(p.Mean, 1.944) || !near(p.LPL, c.lpl) || !near(p.UPL, c.upl) {
				t.Errorf("mean %.3f lpl %.3f upl %.3f, want 1.944 %.2f %.2f", p.Mean, p.LPL, p.UPL, c.lpl, c.upl)
			}
			for i, q := range r.Points {
				want := CommonCause
				if i == 4 {
					want = SpecialCauseImprovement
				}
				if q.Type != want {
					t.Errorf("point %d (%g): %s (%s), want %s", i, q.Y, q.Type, q.Rules.Name(), want)
				}
			}
			if r.Points[4].Rule != RuleOutsideLimits || !r.Points[4].High {
				t.Errorf("point 4 rule %s high %v", r.Points[4].Rule.Name(), r.Points[4].High)
			}
			if r.Variation != VariationCommonCause || r.Assurance != AssuranceNone {
				t.Errorf("icons %q %q", r.Variation, r.Assurance)
			}
		})
	}
}

func TestXmRBadInput(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	cases := []struct {
		name  string
		x     []time.Time
		y     []float64
		opt   Options
		err   error
		field string
	}{
		{"empty", nil, nil, Options{}, ErrTooFewPoints, "y"},
		{"one point", days(1), []float64{3}, Options{}, ErrTooFewPoints, "y"},
		{"length", days(3), []float64{1, 2}, Options{}, ErrLength, "x"},
		{"NaN", days(3), []float64{1, math.NaN(), 2}, Options{}, ErrNotFinite, "y"},
		{"Inf", days(3), []float64{1, 2, math.Inf(-1)}, Options{}, ErrNotFinite, "y"},
		{"overflow", days(2), []float64{1.7e308, -1.7e308}, Options{}, ErrNotFinite, "y"},
		{"x not increasing", []time.Time{days(3)[0], days(3)[2], days(3)[1]}, []float64{1, 2, 3}, Options{}, ErrXOrder, "x"},
		{"x repeated", []time.Time{days(2)[0], days(2)[0]}, []float64{1, 2}, Options{}, ErrXOrder, "x"},
		{"baseline longer than series", days(13), make([]float64, 13), Options{FixAfterNPoints: 14}, ErrBaseline, "fix_after_n_points"},
		{"baseline under 12", days(20), make([]float64, 20), Options{FixAfterNPoints: 5}, ErrBaseline, "fix_after_n_points"},
		{"baseline negative", days(20), make([]float64, 20), Options{FixAfterNPoints: -1}, ErrBaseline, "fix_after_n_points"},
		{"rebase out of order", days(20), make([]float64, 20), Options{Rebase: []time.Time{days(20)[10], days(20)[5]}}, ErrRebase, "rebase"},
		{"rebase before series", days(20), make([]float64, 20), Options{Rebase: []time.Time{days(20)[0].AddDate(0, 0, -1)}}, ErrRebase, "rebase"},
		{"rebase after series", days(20), make([]float64, 20), Options{Rebase: []time.Time{days(21)[20]}}, ErrRebase, "rebase"},
		{"rebase leaves one point", days(20), make([]float64, 20), Options{Rebase: []time.Time{days(20)[19]}}, ErrTooFewPoints, "rebase"},
		{"target without direction", days(5), make([]float64, 5), Options{Direction: Neutral, Target: f(3)}, ErrTargetWithoutDirection, "target"},
		{"target NaN", days(5), make([]float64, 5), Options{Target: f(math.NaN())}, ErrNotFinite, "target"},
		{"direction", days(5), make([]float64, 5), Options{Direction: "up"}, ErrDirection, "improvement_direction"},
		{"shift length", days(5), make([]float64, 5), Options{ShiftLength: 2}, ErrRunLength, "shift_length"},
		{"trend length", days(5), make([]float64, 5), Options{TrendLength: 99}, ErrRunLength, "trend_length"},
		{"gap rejected", []time.Time{days(5)[0], days(5)[1], days(5)[4]}, []float64{1, 2, 3}, Options{RejectGaps: true}, ErrMissingPeriod, "x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := XmR(c.x, c.y, c.opt)
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v (result %v)", err, c.err, r)
			}
			var e *Error
			if !errors.As(err, &e) || e.Field != c.field {
				t.Errorf("error %#v, want field %q", err, c.field)
			}
		})
	}
}
