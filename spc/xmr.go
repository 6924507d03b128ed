package spc

import (
	"math"
	"time"
)

// XmR constants: 2.66 = 3 / d2 with d2 = 1.128 for moving ranges of two
// points; the near limits are two thirds of the way to the process limits;
// moving ranges at or above 3.267 (D4) times the mean are screened.
const (
	LimitFactor     = 2.66
	NearLimitFactor = 2 * LimitFactor / 3
	ScreenFactor    = 3.267
)

// XmR computes an XmR (individuals) chart of values y at dates x.
func XmR(x []time.Time, y []float64, opt Options) (*Result, error) {
	p, err := prepare(x, len(y), opt)
	if err != nil {
		return nil, err
	}
	if err := checkFinite("y", y); err != nil {
		return nil, err
	}
	return finite(xmr(p, KindXmR, x, y))
}

// finite rejects a result whose values overflowed (values near the largest
// float64): JSON cannot carry an infinity and no chart can draw one.
func finite(r *Result) (*Result, error) {
	for i, p := range r.Points {
		for _, v := range [...]float64{p.Y, p.Mean, p.LPL, p.UPL, p.NearLPL, p.NearUPL, p.MR} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errf("y", i, ErrNotFinite, "the values are too large to chart")
			}
		}
	}
	return r, nil
}

// xmr computes the chart of validated input.
func xmr(p *plan, kind ChartKind, x []time.Time, y []float64) *Result {
	r := &Result{Kind: kind, Options: p.opt, Points: make([]Point, len(y)), Segments: p.segs, Gaps: p.gaps}
	for si := range r.Segments {
		sg := &r.Segments[si]
		s, b := sg.Start, sg.Baseline
		sum := 0.0
		for i := s; i < s+b; i++ {
			sum += y[i]
		}
		mean := sum / float64(b)
		mrSum := 0.0
		for i := s + 1; i < s+b; i++ {
			mrSum += math.Abs(y[i] - y[i-1])
		}
		amr := mrSum / float64(b-1)
		pts := r.Points
		for i := s; i < sg.End; i++ {
			pts[i].X, pts[i].Y, pts[i].Segment, pts[i].Baseline = x[i], y[i], si, i < s+b
			if i > s {
				pts[i].MR, pts[i].HasMR = math.Abs(y[i]-y[i-1]), true
			}
		}
		if p.opt.Screening.screens() && amr > 0 {
			cut := ScreenFactor * amr
			kept, ks := 0, 0.0
			for i := s + 1; i < s+b; i++ {
				if pts[i].MR < cut {
					kept++
					ks += pts[i].MR
				} else {
					pts[i].Screened = true
				}
			}
			amr = ks / float64(kept) // kept >= 1: some range is at most the mean
		}
		sg.Mean, sg.MeanMR, sg.Constant = mean, amr, amr == 0
		sg.LPL, sg.UPL = mean-LimitFactor*amr, mean+LimitFactor*amr
		nl, nu := mean-NearLimitFactor*amr, mean+NearLimitFactor*amr
		for i := s; i < sg.End; i++ {
			pts[i].Mean, pts[i].LPL, pts[i].UPL, pts[i].NearLPL, pts[i].NearUPL = mean, sg.LPL, sg.UPL, nl, nu
		}
	}
	classify(r, p)
	return r
}
