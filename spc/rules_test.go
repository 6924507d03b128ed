package spc

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// weeks returns n Mondays from 5 January 2026.
func weeks(n int) []time.Time {
	x := make([]time.Time, n)
	for i := range x {
		x[i] = time.Date(2026, 1, 5+7*i, 0, 0, 0, 0, time.UTC)
	}
	return x
}

// types writes the point types as letters: . common cause, I improvement,
// C concern, H neutral high, L neutral low.
func types(r *Result) string {
	var b strings.Builder
	for _, p := range r.Points {
		b.WriteByte(map[PointType]byte{CommonCause: '.', SpecialCauseImprovement: 'I', SpecialCauseConcern: 'C',
			SpecialCauseNeutralHigh: 'H', SpecialCauseNeutralLow: 'L'}[p.Type])
	}
	return b.String()
}

// base is the baseline of most tables: twelve points alternating 10 and 0.
//
//	mean = (6 x 10 + 6 x 0) / 12 = 5
//	moving ranges: eleven of 10, mean MR = 10 (none screened: 10 < 32.67)
//	UPL = 5 + 2.66 x 10 = 31.6, LPL = 5 - 26.6 = -21.6
//	near limits: 5 +/- (2/3)(26.6) = 5 +/- 17.733: 22.733 and -12.733
//
// No rule fires in it: sides alternate, so do the steps.
var base = []float64{10, 0, 10, 0, 10, 0, 10, 0, 10, 0, 10, 0}

func with(tail ...float64) []float64 { return append(append([]float64(nil), base...), tail...) }

func TestXmRRules(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	cases := []struct {
		name      string
		y         []float64
		opt       Options
		want      string // point types, one letter each
		rules     map[int]Rule
		variation VariationIcon
		assurance AssuranceIcon
	}{
		{
			// Fixed baseline of 12 (shorter than the series): the seven
			// points 6 7 6 7 6 7 6 are all above the mean of 5: a shift.
			name: "shift after a fixed baseline", y: with(6, 7, 6, 7, 6, 7, 6), opt: Options{FixAfterNPoints: 12},
			want:  "............IIIIIII",
			rules: map[int]Rule{11: RuleNone, 12: RuleShift, 18: RuleShift}, variation: VariationImprovementHigh,
		},
		{
			// Six above is one short of a shift: common cause.
			name: "six above is not a shift", y: with(6, 7, 6, 7, 6, 7), opt: Options{FixAfterNPoints: 12},
			want: "..................", variation: VariationCommonCause,
		},
		{
			// A point on the mean (5) breaks the run: 3 above, 5 on the
			// mean, 5 above: no run of 7.
			name: "a point on the mean breaks a run", y: with(6, 7, 6, 5, 7, 6, 7, 6, 7), opt: Options{FixAfterNPoints: 12},
			want: ".....................", variation: VariationCommonCause,
		},
		{
			// The same with runs of 5: the five after the tie are a shift,
			// the three before it are not.
			name: "shift length 5", y: with(6, 7, 6, 5, 7, 6, 7, 6, 7), opt: Options{FixAfterNPoints: 12, ShiftLength: 5},
			want: "................IIIII", variation: VariationImprovementHigh,
		},
		{
			// 0 (the last baseline point) 1 2 3 4 5 6 7: eight points each
			// above the one before: a trend, including those below the
			// mean; the trend rule (increasing) decides before the shift
			// rule could.
			name: "trend of eight, increase", y: with(1, 2, 3, 4, 5, 6, 7), opt: Options{FixAfterNPoints: 12},
			want:  "...........IIIIIIII",
			rules: map[int]Rule{10: RuleNone, 11: RuleTrend, 12: RuleTrend, 18: RuleTrend}, variation: VariationImprovementHigh,
		},
		{
			name: "trend of eight, decrease", y: with(1, 2, 3, 4, 5, 6, 7), opt: Options{FixAfterNPoints: 12, Direction: Decrease},
			want: "...........CCCCCCCC", variation: VariationConcernHigh,
		},
		{
			name: "trend of eight, neutral", y: with(1, 2, 3, 4, 5, 6, 7), opt: Options{FixAfterNPoints: 12, Direction: Neutral},
			want: "...........HHHHHHHH", variation: VariationNeutralHigh,
		},
		{
			// 30 28 26 24 22 20 18: seven points above the mean (a shift),
			// each lower than the one before (a trend, decreasing), and
			// 30 28 26 24 beyond the near limit 22.733 (two in three, high).
			// The trend comes first: decreasing, so concern for direction
			// increase, although the point is above the mean.
			name: "trend before two in three and shift", y: with(30, 28, 26, 24, 22, 20, 18), opt: Options{FixAfterNPoints: 12},
			want:  "............CCCCCCC",
			rules: map[int]Rule{12: RuleTrend, 16: RuleTrend}, variation: VariationConcernLow,
		},
		{
			// 1 2 3 4 5 6 with a repeated 6: the tie breaks the trend.
			name: "a tie breaks a trend", y: with(1, 2, 3, 6, 6, 7, 8), opt: Options{FixAfterNPoints: 12},
			want: "...................", variation: VariationCommonCause,
		},
		{
			// Direction decrease.
			// 25, 6, 24: all above the mean, 25 and 24 beyond the near
			// limit 22.733 (inside the UPL 31.6): two in three, concern;
			// the 6 between them is common cause. 40 > UPL 31.6: outside,
			// concern. -30 < LPL -21.6: outside, low, improvement.
			name: "two in three and outside, decrease", y: with(25, 6, 24, 40, -30), opt: Options{FixAfterNPoints: 12, Direction: Decrease, Target: f(10)},
			want:  "............C.CCI",
			rules: map[int]Rule{12: RuleTwoInThree, 13: RuleNone, 14: RuleTwoInThree, 15: RuleOutsideLimits, 16: RuleOutsideLimits},
			// the target 10 lies between the limits -21.6 and 31.6
			variation: VariationImprovementLow, assurance: AssuranceInconsistent,
		},
		{
			// 25 above, 24 above but 0 below: the three are not on one side.
			name: "two in three needs one side", y: with(25, 24, 0), opt: Options{FixAfterNPoints: 12},
			want: "...............", variation: VariationCommonCause,
		},
		{
			// Target 40 is above the UPL 31.6; for decrease that passes.
			name: "assurance pass, decrease", y: with(1), opt: Options{FixAfterNPoints: 12, Direction: Decrease, Target: f(40)},
			want: ".............", variation: VariationCommonCause, assurance: AssurancePass,
		},
		{
			name: "assurance fail, increase", y: with(1), opt: Options{FixAfterNPoints: 12, Target: f(40)},
			want: ".............", variation: VariationCommonCause, assurance: AssuranceFail,
		},
		{
			name: "assurance pass, increase", y: with(1), opt: Options{FixAfterNPoints: 12, Target: f(-22)},
			want: ".............", variation: VariationCommonCause, assurance: AssurancePass,
		},
		{
			// A target on a limit is neither beyond it: inconsistent.
			name: "target on the UPL", y: with(1), opt: Options{FixAfterNPoints: 12, Target: f(31.6)},
			want: ".............", variation: VariationCommonCause, assurance: AssuranceInconsistent,
		},
		{
			name: "neutral low", y: with(-30), opt: Options{FixAfterNPoints: 12, Direction: Neutral},
			want: "............L", variation: VariationNeutralLow,
		},
		{
			// Six points 1..6 (fewer than a trend needs):
			//	mean 3.5, MR 1, limits 3.5 +/- 2.66 = 0.84 and 6.16,
			//	near limits 3.5 +/- 1.773 = 1.727 and 5.273.
			// 1 and 6 are beyond the near limits, but on opposite sides and
			// never two in three; only 3 points on each side: common cause.
			name: "fewer points than a rule needs", y: []float64{1, 2, 3, 4, 5, 6},
			want: "......", variation: VariationCommonCause,
		},
		{
			name: "trend length 6", y: []float64{1, 2, 3, 4, 5, 6}, opt: Options{TrendLength: 6},
			want: "IIIIII", variation: VariationImprovementHigh,
		},
		{
			name: "two points", y: []float64{1, 2},
			want: "..", variation: VariationCommonCause,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := XmR(weeks(len(c.y)), c.y, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := types(r); got != c.want {
				t.Errorf("types\n got %s\nwant %s", got, c.want)
			}
			for i, want := range c.rules {
				if r.Points[i].Rule != want {
					t.Errorf("point %d rule %q, want %q", i, r.Points[i].Rule.Name(), want.Name())
				}
			}
			if r.Variation != c.variation || r.Assurance != c.assurance {
				t.Errorf("icons %q %q, want %q %q", r.Variation, r.Assurance, c.variation, c.assurance)
			}
			if c.opt.FixAfterNPoints == 12 {
				p := r.Points[len(r.Points)-1]
				if !near(p.Mean, 5) || !near(p.UPL, 31.6) || !near(p.LPL, -21.6) || !near(p.NearUPL, 22.733) || !near(p.NearLPL, -12.733) {
					t.Errorf("limits %+v, want mean 5, 31.6, -21.6", p)
				}
				if !r.Points[11].Baseline || r.Points[12].Baseline || r.Segments[0].Baseline != 12 {
					t.Errorf("baseline flags wrong: %v %v %d", r.Points[11].Baseline, r.Points[12].Baseline, r.Segments[0].Baseline)
				}
			}
		})
	}
}

// Rebasing: twelve points alternating 10 and 0, then twelve alternating 50
// and 52.
//
// Without a rebase: mean (60 + 612) / 24 = 28; moving ranges eleven of 10,
// one of 50, eleven of 2: mean 182/23 = 7.913; screening drops the 50
// (>= 3.267 x 7.913 = 25.85): mean MR (110 + 22) / 22 = 6; limits
// 28 +/- 15.96 = 12.04 and 43.96. Every point of the second half is above
// 43.96: special cause improvement, icon improvement_high; and every point
// of the first half is below 12.04.
//
// Rebased at the 13th point: first segment mean 5, limits -21.6 and 31.6;
// second segment mean 51, MR 2, limits 51 +/- 5.32 = 45.68 and 56.32. No
// rule fires in either: common cause, icon common_cause. Both segments
// have 12 points: trial limits.
func TestXmRRebase(t *testing.T) {
	y := append(append([]float64(nil), base...), 50, 52, 50, 52, 50, 52, 50, 52, 50, 52, 50, 52)
	x := weeks(len(y))
	r, err := XmR(x, y, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !near(r.Points[0].Mean, 28) || !near(r.Points[0].LPL, 12.04) || !near(r.Points[0].UPL, 43.96) {
		t.Errorf("no rebase: %+v", r.Points[0])
	}
	if !r.Points[12].Screened || r.Points[11].Screened {
		t.Errorf("the moving range of 50 should be screened, only it")
	}
	if got := types(r); got != "CCCCCCCCCCCCIIIIIIIIIIII" || r.Variation != VariationImprovementHigh {
		t.Errorf("no rebase: %s %s", got, r.Variation)
	}

	// The rebase date may fall between points: the segment starts at the
	// first point on or after it (here two days before the 13th week).
	r, err = XmR(x, y, Options{Rebase: []time.Time{x[12].AddDate(0, 0, -2)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Segments) != 2 || r.Segments[1].Start != 12 || !r.Segments[0].Trial || !r.Segments[1].Trial {
		t.Fatalf("segments %+v", r.Segments)
	}
	if p := r.Points[11]; !near(p.Mean, 5) || !near(p.LPL, -21.6) || !near(p.UPL, 31.6) || p.Segment != 0 {
		t.Errorf("first segment %+v", p)
	}
	if p := r.Points[12]; !near(p.Mean, 51) || !near(p.LPL, 45.68) || !near(p.UPL, 56.32) || p.Segment != 1 || p.HasMR {
		t.Errorf("second segment %+v (the first point of a segment has no moving range)", p)
	}
	if got := types(r); got != strings.Repeat(".", 24) || r.Variation != VariationCommonCause {
		t.Errorf("rebased: %s %s", got, r.Variation)
	}

	// The assurance icon reads the latest segment's limits (the
	// reference's issue 172): a target of 50, direction increase, is above
	// the unrebased UPL 43.96 (fail) but between the rebased limits 45.68
	// and 56.32 (hit and miss).
	target := 50.0
	for _, c := range []struct {
		rebase []time.Time
		want   AssuranceIcon
	}{{nil, AssuranceFail}, {[]time.Time{x[12]}, AssuranceInconsistent}} {
		r, err := XmR(x, y, Options{Rebase: c.rebase, Target: &target})
		if err != nil {
			t.Fatal(err)
		}
		if r.Assurance != c.want {
			t.Errorf("rebase %v: assurance %s, want %s", c.rebase, r.Assurance, c.want)
		}
	}
}

// A fixed baseline applies in each segment: the first 12 points of each.
//
//	segment 1: base (mean 5, limits -21.6, 31.6), then 31 (inside) and 40
//	(outside: improvement) plotted against it but not in the baseline;
//	segment 2: twelve of 50/52 (mean 51, limits 45.68, 56.32) then 60
//	(outside the second segment's limits).
func TestXmRFixedBaselinePerSegment(t *testing.T) {
	y := with(31, 40)
	y = append(y, 50, 52, 50, 52, 50, 52, 50, 52, 50, 52, 50, 52, 60)
	x := weeks(len(y))
	r, err := XmR(x, y, Options{FixAfterNPoints: 12, Rebase: []time.Time{x[14]}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := types(r), ".............I............I"; got != want {
		t.Errorf("types\n got %s\nwant %s", got, want)
	}
	if p := r.Points[13]; !near(p.Mean, 5) || p.Baseline {
		t.Errorf("point 13 %+v", p)
	}
	if p := r.Points[26]; !near(p.Mean, 51) || !near(p.UPL, 56.32) || p.Baseline || !r.Points[25].Baseline {
		t.Errorf("point 26 %+v", p)
	}
	if r.Segments[0].Trial || r.Segments[1].Trial {
		t.Errorf("segment 1 has 14 points, segment 2 13: neither has trial limits: %+v", r.Segments)
	}
}

// A constant series has a mean moving range of zero, so its limits equal
// its mean and every point (on the mean) is common cause. The reference
// gives the same with screen_outliers = FALSE; with screening on (its
// default) it screens every moving range (0 is not below 3.267 x 0) and
// its limits become NaN. We do not screen when the mean moving range is
// zero, so both settings give limits equal to the mean.
func TestXmRConstantSeries(t *testing.T) {
	f := 5.0
	for _, s := range []Screening{ScreenDefault, NoScreening} {
		r, err := XmR(weeks(5), []float64{4, 4, 4, 4, 4}, Options{Screening: s, Target: &f})
		if err != nil {
			t.Fatal(err)
		}
		p := r.Latest()
		if p.Mean != 4 || p.LPL != 4 || p.UPL != 4 || !r.Segments[0].Constant {
			t.Errorf("screening %d: %+v", s, p)
		}
		if types(r) != "....." || r.Variation != VariationCommonCause || r.Assurance != AssuranceFail {
			t.Errorf("screening %d: %s %s %s", s, types(r), r.Variation, r.Assurance)
		}
	}
	// A constant baseline and a later point off it: outside the limits.
	y := append(make([]float64, 12), 1)
	r, err := XmR(weeks(13), y, Options{FixAfterNPoints: 12})
	if err != nil {
		t.Fatal(err)
	}
	if types(r) != "............I" {
		t.Errorf("constant baseline: %s", types(r))
	}
}

// A missing week does not stop the chart: the points are taken as
// consecutive, as the reference takes its rows, and the gap is reported.
func TestXmRMissingPeriod(t *testing.T) {
	x := weeks(8)
	x = append(x[:3], x[4:]...) // week 4 missing
	y := []float64{3, 4, 3, 4, 3, 4, 3}
	r, err := XmR(x, y, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Gaps) != 1 || r.Gaps[0] != 3 {
		t.Errorf("gaps %v, want [3]", r.Gaps)
	}
	// Same limits as the same values on consecutive weeks:
	// mean 24/7 = 3.4286, MR 1, UPL 6.0886.
	if p := r.Points[3]; !near(p.Mean, 3.4286) || !near(p.UPL, 6.0886) || !p.HasMR || p.MR != 1 {
		t.Errorf("point 3 %+v", p)
	}
	// Months differ in length (28 to 31 days): not a gap.
	var m []time.Time
	for i := range 14 {
		m = append(m, time.Date(2025, time.Month(1+i), 1, 0, 0, 0, 0, time.UTC))
	}
	r, err = XmR(m, make([]float64, 14), Options{})
	if err != nil || len(r.Gaps) != 0 {
		t.Errorf("monthly: %v %v", err, r.Gaps)
	}
	_, err = XmR(x, y, Options{RejectGaps: true})
	if !errors.Is(err, ErrMissingPeriod) {
		t.Errorf("RejectGaps: %v", err)
	}
}

// Rules are recorded even when a higher one decides the class.
func TestXmRRulesRecorded(t *testing.T) {
	// 0 1 2 ... 7 as above, then 40: outside and the ninth point of the trend.
	r, err := XmR(weeks(20), with(1, 2, 3, 4, 5, 6, 7, 40), Options{FixAfterNPoints: 12})
	if err != nil {
		t.Fatal(err)
	}
	p := r.Latest()
	if p.Rule != RuleOutsideLimits || !p.Rules.Has(RuleTrend) || p.Rules.Name() != "outside_limits+trend" {
		t.Errorf("rule %s rules %s", p.Rule.Name(), p.Rules.Name())
	}
	q := r.Points[12]
	if q.Rules.Name() != "trend" {
		t.Errorf("point 12 rules %s", q.Rules.Name())
	}
	r, err = XmR(weeks(19), with(30, 28, 26, 24, 22, 20, 18), Options{FixAfterNPoints: 12})
	if err != nil {
		t.Fatal(err)
	}
	if q := r.Points[12]; q.Rules.Name() != "trend+two_in_three+shift" || q.High {
		t.Errorf("point 12 rules %s high %v", q.Rules.Name(), q.High)
	}
	if p.Rule.Words() == "" || RuleNone.Name() != "" {
		t.Error("words")
	}
}

func TestSPCGChart(t *testing.T) {
	// Baseline 20 30 x 6: mean 25, sd = sqrt(25 x 26) = 25.495,
	// UPL = 25 + 76.485 = 101.485, near UPL 25 + 50.990 = 75.990,
	// LPL = max(0, 25 - 76.485) = 0. Then 300 > UPL: improvement.
	g := append([]float64{20, 30, 20, 30, 20, 30, 20, 30, 20, 30, 20, 30}, 300)
	r, err := GChart(weeks(13), g, Options{FixAfterNPoints: 12})
	if err != nil {
		t.Fatal(err)
	}
	p := r.Latest()
	if !near(p.Mean, 25) || !near(p.UPL, 101.485) || p.LPL != 0 || !near(p.NearUPL, 75.990) {
		t.Errorf("%+v", p)
	}
	if types(r) != "............I" || r.Variation != VariationImprovementHigh {
		t.Errorf("%s %s", types(r), r.Variation)
	}
	// With every point in the baseline, the outlier pulls the mean to
	// 600/13 = 46.154 and the twelve points below it are a shift: concern.
	r, err = GChart(weeks(13), g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !near(r.Latest().Mean, 46.154) || !near(r.Latest().UPL, 186.107) || types(r) != "CCCCCCCCCCCCI" {
		t.Errorf("%s %+v", types(r), r.Latest())
	}
	if _, err := GChart(weeks(3), []float64{1, -1, 2}, Options{}); !errors.Is(err, ErrNegative) {
		t.Errorf("negative: %v", err)
	}
}

func TestSPCTChart(t *testing.T) {
	// 1 and 8 days, alternating, 12 times: transformed 1 and
	// 8^(1/3.6) = 1.78180; mean 1.39090, MR 0.78180;
	// UPL 1.39090 + 2.66 x 0.78180 = 3.47048, LPL -0.68868 -> 0.
	// Back: mean 1.39090^3.6 = 3.27992, UPL 3.47048^3.6 = 88.1865,
	// near UPL (1.39090 + 1.77333 x 0.78180)^3.6 = 39.5398.
	// Then 100 days: above 88.19, improvement.
	tt := []float64{1, 8, 1, 8, 1, 8, 1, 8, 1, 8, 1, 8, 100}
	r, err := TChart(weeks(13), tt, Options{FixAfterNPoints: 12})
	if err != nil {
		t.Fatal(err)
	}
	p := r.Latest()
	if !near(p.Mean, 3.27992) || !near(p.UPL, 88.1865) || p.LPL != 0 || !near(p.NearUPL, 39.5398) || p.Y != 100 {
		t.Errorf("%+v", p)
	}
	if types(r) != "............I" {
		t.Errorf("%s", types(r))
	}
	ev := []time.Time{weeks(1)[0], weeks(1)[0].Add(36 * time.Hour), weeks(1)[0].Add(72 * time.Hour)}
	x, d, err := Intervals(ev)
	if err != nil || len(x) != 2 || d[0] != 1.5 || d[1] != 1.5 || !x[0].Equal(ev[1]) {
		t.Errorf("intervals %v %v %v", x, d, err)
	}
	if _, _, err := Intervals([]time.Time{ev[1], ev[0]}); !errors.Is(err, ErrXOrder) {
		t.Errorf("intervals out of order: %v", err)
	}
}

func TestSPCPCharts(t *testing.T) {
	// num 10 20 30 40 over 100 200 100 400: pbar = 100/800 = 0.125.
	// sigma = sqrt(0.125 x 0.875 / n): 0.033072 (100), 0.023385 (200),
	// 0.016536 (400). Limits 0.125 +/- 3 sigma:
	//	n=100: 0.025784 .. 0.224216;  n=200: 0.054844 .. 0.195156;
	//	n=400: 0.075392 .. 0.174608.
	// p = 0.1 0.1 0.3 0.1: the 0.3 is above 0.224216. As percentages
	// (Multiplier 100).
	x := weeks(4)
	num, den := []float64{10, 20, 30, 40}, []float64{100, 200, 100, 400}
	r, err := PChart(x, num, den, Options{Multiplier: 100, Direction: Decrease})
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Points[1]; !near(p.Y, 10) || !near(p.Mean, 12.5) || !near(p.LPL, 5.4844) || !near(p.UPL, 19.5156) {
		t.Errorf("p point 1 %+v", p)
	}
	if p := r.Points[3]; !near(p.LPL, 7.5392) || !near(p.UPL, 17.4608) {
		t.Errorf("p point 3 %+v", p)
	}
	if types(r) != "..C." {
		t.Errorf("p types %s", types(r))
	}
	// Laney p': z = (p - pbar)/sigma = -0.75593 -1.06904 5.29150 -1.51186;
	// moving ranges 0.31311 6.36054 6.80336, mean 4.49234,
	// sigma_z = 4.49234 / 1.128 = 3.98257: limits 0.125 +/- 3 sigma x 3.98257:
	// n=100: 0 (clamped) .. 0.520134, so the 0.3 is common cause.
	r, err = LaneyPChart(x, num, den, Options{Multiplier: 100, Direction: Decrease})
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Points[2]; p.LPL != 0 || !near(p.UPL, 52.0134) {
		t.Errorf("p' point 2 %+v", p)
	}
	if p := r.Points[3]; !near(p.UPL, 32.2567) {
		t.Errorf("p' point 3 %+v", p)
	}
	if types(r) != "...." {
		t.Errorf("p' types %s", types(r))
	}
	// u chart per 1,000 bed days: 3 5 4 12 falls over 1000 2000 1500 1500
	// bed days: ubar = 24/6000 = 0.004 = 4 per 1,000;
	// sigma at 1500 = sqrt(0.004/1500) = 0.0016330: UPL 4 + 4.899 = 8.899,
	// near UPL 4 + 3.266 = 7.266; 12/1.5 = 8 per 1,000 is close, not outside.
	r, err = UChart(x, []float64{3, 5, 4, 12}, []float64{1000, 2000, 1500, 1500}, Options{Multiplier: 1000, Direction: Decrease})
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Points[3]; !near(p.Y, 8) || !near(p.Mean, 4) || !near(p.UPL, 8.899) || !near(p.NearUPL, 7.266) || p.LPL != 0 {
		t.Errorf("u point 3 %+v", p)
	}
	if _, err := LaneyUChart(x, []float64{3, 5, 4, 12}, []float64{1000, 2000, 1500, 1500}, Options{Multiplier: 1000}); err != nil {
		t.Error(err)
	}
	for _, c := range []struct {
		num, den []float64
		err      error
	}{
		{[]float64{1, 2, 3, 4}, []float64{10, 0, 10, 10}, ErrDenominator},
		{[]float64{1, 20, 3, 4}, []float64{10, 10, 10, 10}, ErrDenominator},
		{[]float64{1, 2, 3}, []float64{10, 10, 10, 10}, ErrLength},
		{[]float64{1, 2, 3, 4}, []float64{10, 10, 10}, ErrLength},
		{[]float64{1, 2, 3, 4}, []float64{10, math.NaN(), 10, 10}, ErrNotFinite},
		{[]float64{1, -2, 3, 4}, []float64{10, 10, 10, 10}, ErrNegative},
	} {
		if _, err := PChart(x, c.num, c.den, Options{}); !errors.Is(err, c.err) {
			t.Errorf("%v / %v: %v, want %v", c.num, c.den, err, c.err)
		}
	}
}
