package spc

import (
	"math"
	"time"
)

// TPower is the exponent of the t chart's transformation: intervals are
// charted as t^(1/3.6), which makes exponential waiting times nearly
// normal, and the centre line and limits are raised to 3.6 to bring them
// back to the scale of the data.
const TPower = 3.6

// GChart computes a g chart: g[i] is the number of cases (admissions,
// procedures, prescriptions) between one event and the next, dated x[i].
// The centre line is the mean g and the limits mean ± 3 sqrt(mean (mean +
// 1)) (the geometric distribution's standard deviation), near limits at ±
// 2; lower limits below zero are zero. More cases between events is
// usually better: set Direction Increase.
func GChart(x []time.Time, g []float64, opt Options) (*Result, error) {
	p, err := prepare(x, len(g), opt)
	if err != nil {
		return nil, err
	}
	if err := checkFinite("y", g); err != nil {
		return nil, err
	}
	if err := checkNonNegative("y", g); err != nil {
		return nil, err
	}
	r := &Result{Kind: KindG, Options: p.opt, Points: make([]Point, len(g)), Segments: p.segs, Gaps: p.gaps}
	for si := range r.Segments {
		sg := &r.Segments[si]
		sum := 0.0
		for i := sg.Start; i < sg.Start+sg.Baseline; i++ {
			sum += g[i]
		}
		m := sum / float64(sg.Baseline)
		sd := math.Sqrt(m * (m + 1))
		sg.Mean, sg.LPL, sg.UPL, sg.Constant = m, math.Max(0, m-3*sd), m+3*sd, sd == 0
		for i := sg.Start; i < sg.End; i++ {
			q := &r.Points[i]
			q.X, q.Y, q.Segment, q.Baseline = x[i], g[i], si, i < sg.Start+sg.Baseline
			if i > sg.Start {
				q.MR, q.HasMR = math.Abs(g[i]-g[i-1]), true
			}
			q.Mean, q.LPL, q.UPL = m, sg.LPL, sg.UPL
			q.NearLPL, q.NearUPL = math.Max(0, m-2*sd), m+2*sd
		}
	}
	classify(r, p)
	return finite(r)
}

// TChart computes a t chart: t[i] is the time between one event and the
// next (in any unit, usually days), dated x[i]. The intervals are
// transformed to t^(1/3.6), charted as XmR (with Options.Screening), and
// the centre line and limits transformed back (a negative lower limit
// becomes zero). Points are classed on the transformed scale, which is the
// same as on the original because the transformation is increasing; MR and
// Segment.MeanMR stay on the transformed scale. Longer times between harms
// are better: set Direction Increase.
func TChart(x []time.Time, t []float64, opt Options) (*Result, error) {
	p, err := prepare(x, len(t), opt)
	if err != nil {
		return nil, err
	}
	if err := checkFinite("y", t); err != nil {
		return nil, err
	}
	if err := checkNonNegative("y", t); err != nil {
		return nil, err
	}
	v := make([]float64, len(t))
	for i, f := range t {
		v[i] = math.Pow(f, 1/TPower)
	}
	r := xmr(p, KindT, x, v)
	back := func(f float64) float64 { return math.Pow(math.Max(0, f), TPower) }
	for i := range r.Points {
		q := &r.Points[i]
		q.Y = t[i]
		q.Mean, q.LPL, q.UPL, q.NearLPL, q.NearUPL = back(q.Mean), back(q.LPL), back(q.UPL), back(q.NearLPL), back(q.NearUPL)
	}
	for i := range r.Segments {
		sg := &r.Segments[i]
		sg.Mean, sg.LPL, sg.UPL = back(sg.Mean), back(sg.LPL), back(sg.UPL)
	}
	// The assurance icon compares the target with the limits on the
	// original scale.
	r.Assurance = assuranceIcon(r.Latest(), r.Options)
	return finite(r)
}

// Intervals turns the times of events (strictly increasing) into the input
// of a t chart: for each event after the first, its time and the days
// since the previous event.
func Intervals(events []time.Time) (x []time.Time, days []float64, err error) {
	for i := 1; i < len(events); i++ {
		if !events[i].After(events[i-1]) {
			return nil, nil, errf("x", i, ErrXOrder, "%s does not come after %s", events[i].Format(time.RFC3339), events[i-1].Format(time.RFC3339))
		}
		x = append(x, events[i])
		days = append(days, events[i].Sub(events[i-1]).Hours()/24)
	}
	return x, days, nil
}

// PChart computes a p chart of proportions num[i]/den[i] with limits for
// each point: pbar ± 3 sqrt(pbar (1 - pbar) / den[i]), pbar the baseline's
// total numerator over its total denominator, limits kept within 0 and 1.
// Values and limits are multiplied by Options.Multiplier (100 for a
// percentage).
func PChart(x []time.Time, num, den []float64, opt Options) (*Result, error) {
	return attribute(KindP, x, num, den, opt)
}

// LaneyPChart computes Laney's p' chart: a p chart whose limits are widened
// (or narrowed) by sigma_z, the variation of the standardised values
// z[i] = (p[i] - pbar) / sigma[i] between consecutive points (mean moving
// range of z over 1.128). Use it when denominators are large and a p
// chart's limits are too narrow (over-dispersion).
func LaneyPChart(x []time.Time, num, den []float64, opt Options) (*Result, error) {
	return attribute(KindPPrime, x, num, den, opt)
}

// UChart computes a u chart of rates num[i]/den[i] (events per unit of
// exposure, such as bed days) with limits ubar ± 3 sqrt(ubar / den[i]),
// the lower limit at least zero. Set Options.Multiplier to 1000 and give
// bed days as den for a rate per 1,000 bed days.
func UChart(x []time.Time, num, den []float64, opt Options) (*Result, error) {
	return attribute(KindU, x, num, den, opt)
}

// LaneyUChart computes Laney's u' chart, the u chart with limits scaled by
// sigma_z as in [LaneyPChart]: the chart to use for a rate per 1,000 bed
// days when the denominators are large.
func LaneyUChart(x []time.Time, num, den []float64, opt Options) (*Result, error) {
	return attribute(KindUPrime, x, num, den, opt)
}

func attribute(kind ChartKind, x []time.Time, num, den []float64, opt Options) (*Result, error) {
	p, err := prepare(x, len(num), opt)
	if err != nil {
		return nil, err
	}
	if len(den) != len(num) {
		return nil, errf("n", -1, ErrLength, "%d denominators for %d numerators", len(den), len(num))
	}
	for _, c := range []struct {
		f string
		v []float64
	}{{"y", num}, {"n", den}} {
		if err := checkFinite(c.f, c.v); err != nil {
			return nil, err
		}
		if err := checkNonNegative(c.f, c.v); err != nil {
			return nil, err
		}
	}
	prop := kind == KindP || kind == KindPPrime
	laney := kind == KindPPrime || kind == KindUPrime
	for i := range den {
		if den[i] == 0 {
			return nil, errf("n", i, ErrDenominator, "the denominator is zero")
		}
		if prop && num[i] > den[i] {
			return nil, errf("y", i, ErrDenominator, "numerator %g is more than the denominator %g", num[i], den[i])
		}
	}
	mult := p.opt.Multiplier
	r := &Result{Kind: kind, Options: p.opt, Points: make([]Point, len(num)), Segments: p.segs, Gaps: p.gaps}
	sigma := func(c, n float64) float64 {
		if prop {
			return math.Sqrt(c * (1 - c) / n)
		}
		return math.Sqrt(c / n)
	}
	hi := math.Inf(1)
	if prop {
		hi = 1
	}
	clamp := func(f float64) float64 { return math.Min(hi, math.Max(0, f)) }
	for si := range r.Segments {
		sg := &r.Segments[si]
		b0, b1 := sg.Start, sg.Start+sg.Baseline
		sn, sd := 0.0, 0.0
		for i := b0; i < b1; i++ {
			sn += num[i]
			sd += den[i]
		}
		c := sn / sd
		sz := 1.0
		if laney && sigma(c, 1) > 0 {
			mr := 0.0
			for i := b0 + 1; i < b1; i++ {
				zi := (num[i]/den[i] - c) / sigma(c, den[i])
				zp := (num[i-1]/den[i-1] - c) / sigma(c, den[i-1])
				mr += math.Abs(zi - zp)
			}
			sz = mr / float64(b1-b0-1) / 1.128
			sg.MeanMR = mr / float64(b1-b0-1)
		}
		nbar := sd / float64(sg.Baseline)
		s := sigma(c, nbar) * sz
		sg.Mean, sg.LPL, sg.UPL, sg.Constant = c*mult, clamp(c-3*s)*mult, clamp(c+3*s)*mult, s == 0
		for i := sg.Start; i < sg.End; i++ {
			q := &r.Points[i]
			q.X, q.Y, q.Segment, q.Baseline = x[i], num[i]/den[i]*mult, si, i < b1
			if i > sg.Start {
				q.MR, q.HasMR = math.Abs(q.Y-r.Points[i-1].Y), true
			}
			s := sigma(c, den[i]) * sz
			q.Mean = c * mult
			q.LPL, q.UPL = clamp(c-3*s)*mult, clamp(c+3*s)*mult
			q.NearLPL, q.NearUPL = clamp(c-2*s)*mult, clamp(c+2*s)*mult
		}
	}
	classify(r, p)
	return finite(r)
}
