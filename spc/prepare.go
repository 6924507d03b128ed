package spc

import (
	"math"
	"time"
)

// plan is validated input: normalised options and segment bounds.
type plan struct {
	opt   Options
	dir   int
	segs  []Segment
	gaps  []int
	count int
}

// prepare checks what every chart needs: n values at dates x, and the
// options. It returns the segments (with Start, End and Baseline set).
func prepare(x []time.Time, n int, opt Options) (*plan, error) {
	if n == 0 && len(x) == 0 {
		return nil, errf("y", -1, ErrTooFewPoints, "the series is empty")
	}
	if len(x) != n {
		return nil, errf("x", -1, ErrLength, "%d dates for %d values", len(x), n)
	}
	if n < 2 {
		return nil, errf("y", -1, ErrTooFewPoints, "a chart needs at least 2 points, there is %d", n)
	}
	for i := 1; i < n; i++ {
		if !x[i].After(x[i-1]) {
			return nil, errf("x", i, ErrXOrder, "%s does not come after %s", day(x[i]), day(x[i-1]))
		}
	}
	switch opt.Direction {
	case "":
		opt.Direction = Increase
	case Increase, Decrease, Neutral:
	default:
		return nil, errf("improvement_direction", -1, ErrDirection, "%q is not increase, decrease or neutral", string(opt.Direction))
	}
	if opt.Target != nil {
		if math.IsNaN(*opt.Target) || math.IsInf(*opt.Target, 0) {
			return nil, errf("target", -1, ErrNotFinite, "the target is not a finite number")
		}
		if opt.Direction == Neutral {
			return nil, errf("target", -1, ErrTargetWithoutDirection, "")
		}
	}
	if opt.ShiftLength == 0 {
		opt.ShiftLength = DefaultShiftLength
	}
	if opt.TrendLength == 0 {
		opt.TrendLength = DefaultTrendLength
	}
	if opt.ShiftLength < 3 || opt.ShiftLength > 25 {
		return nil, errf("shift_length", -1, ErrRunLength, "%d is not between 3 and 25", opt.ShiftLength)
	}
	if opt.TrendLength < 3 || opt.TrendLength > 25 {
		return nil, errf("trend_length", -1, ErrRunLength, "%d is not between 3 and 25", opt.TrendLength)
	}
	if opt.Screening < ScreenDefault || opt.Screening > NoScreening {
		return nil, errf("screen_outliers", -1, ErrSyntax, "unknown screening %d", opt.Screening)
	}
	if opt.Multiplier < 0 || math.IsNaN(opt.Multiplier) || math.IsInf(opt.Multiplier, 0) {
		return nil, errf("multiplier", -1, ErrNotFinite, "the multiplier must be a positive finite number")
	}
	if opt.Multiplier == 0 {
		opt.Multiplier = 1
	}
	fix := opt.FixAfterNPoints
	if fix < 0 || (fix > 0 && fix < MinFixAfterNPoints) {
		return nil, errf("fix_after_n_points", -1, ErrBaseline, "a fixed baseline needs at least %d points (got %d)", MinFixAfterNPoints, fix)
	}
	if fix > n {
		return nil, errf("fix_after_n_points", -1, ErrBaseline, "the baseline of %d points is longer than the series of %d", fix, n)
	}

	// Segments.
	starts := []int{0}
	for k, d := range opt.Rebase {
		if k > 0 && !d.After(opt.Rebase[k-1]) {
			return nil, errf("rebase", k, ErrRebase, "%s does not come after the previous rebase date %s", day(d), day(opt.Rebase[k-1]))
		}
		if d.Before(x[0]) || d.After(x[n-1]) {
			return nil, errf("rebase", k, ErrRebase, "%s is outside the series (%s to %s)", day(d), day(x[0]), day(x[n-1]))
		}
		i := firstOnOrAfter(x, d)
		if i == 0 {
			continue // a rebase at the first point changes nothing
		}
		if i == starts[len(starts)-1] {
			return nil, errf("rebase", k, ErrRebase, "%s falls on the same point as the previous rebase date", day(d))
		}
		starts = append(starts, i)
	}
	p := &plan{opt: opt, dir: opt.Direction.sign(), count: n}
	for k, s := range starts {
		e := n
		if k+1 < len(starts) {
			e = starts[k+1]
		}
		if e-s < 2 {
			return nil, errf("rebase", k-1, ErrTooFewPoints, "the segment starting %s has %d point; each segment needs at least 2", day(x[s]), e-s)
		}
		b := e - s
		if fix > 0 && fix < b {
			b = fix
		}
		p.segs = append(p.segs, Segment{Start: s, End: e, Baseline: b, Trial: e-s < TrialLimitPoints})
	}

	// Missing periods: a step more than 1.5 times the smallest step.
	if n >= 3 {
		minStep := x[1].Sub(x[0])
		for i := 2; i < n; i++ {
			if d := x[i].Sub(x[i-1]); d < minStep {
				minStep = d
			}
		}
		for i := 1; i < n; i++ {
			if d := x[i].Sub(x[i-1]); float64(d) > 1.5*float64(minStep) {
				p.gaps = append(p.gaps, i)
			}
		}
		if opt.RejectGaps && len(p.gaps) > 0 {
			i := p.gaps[0]
			return nil, errf("x", i, ErrMissingPeriod, "no value between %s and %s", day(x[i-1]), day(x[i]))
		}
	}
	return p, nil
}

func firstOnOrAfter(x []time.Time, d time.Time) int {
	lo, hi := 0, len(x)
	for lo < hi {
		m := (lo + hi) / 2
		if x[m].Before(d) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func day(t time.Time) string { return t.Format("2006-01-02") }

func checkFinite(field string, v []float64) error {
	for i, f := range v {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return errf(field, i, ErrNotFinite, "")
		}
	}
	return nil
}

func checkNonNegative(field string, v []float64) error {
	for i, f := range v {
		if f < 0 {
			return errf(field, i, ErrNegative, "%g", f)
		}
	}
	return nil
}
