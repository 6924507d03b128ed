package spc

import (
	"strings"
	"time"
)

// Direction is the improvement direction of a measure.
type Direction string

// Improvement directions. The zero value "" means [Increase], the
// reference's default.
const (
	Increase Direction = "increase"
	Decrease Direction = "decrease"
	Neutral  Direction = "neutral"
)

// sign is +1 for Increase, -1 for Decrease, 0 for Neutral.
func (d Direction) sign() int {
	switch d {
	case Increase, "":
		return 1
	case Decrease:
		return -1
	}
	return 0
}

// Screening says whether moving ranges above 3.267 times the mean moving
// range are left out when the limits are computed.
type Screening int

const (
	// ScreenDefault screens, as NHSRplotthedots does by default
	// (screen_outliers = TRUE).
	ScreenDefault Screening = iota
	// ScreenOutliers screens: moving ranges at or above 3.267 x the mean
	// moving range are dropped and the mean recomputed once
	// (NHSRplotthedots screen_outliers = TRUE).
	ScreenOutliers
	// NoScreening keeps every moving range, as the NHS England Making Data
	// Count Excel tool does (NHSRplotthedots screen_outliers = FALSE).
	NoScreening
)

func (s Screening) screens() bool { return s != NoScreening }

// ChartKind names the kind of chart a [Result] holds.
type ChartKind string

// Chart kinds.
const (
	KindXmR    ChartKind = "xmr"
	KindG      ChartKind = "g"
	KindT      ChartKind = "t"
	KindP      ChartKind = "p"
	KindPPrime ChartKind = "p_prime"
	KindU      ChartKind = "u"
	KindUPrime ChartKind = "u_prime"
)

// Default run lengths (the reference's, and the NHS England tool's default).
const (
	DefaultShiftLength = 7
	DefaultTrendLength = 7
	// MinFixAfterNPoints is the smallest fixed baseline the reference accepts.
	MinFixAfterNPoints = 12
	// TrialLimitPoints: a segment with fewer points than this has trial
	// limits (the reference warns below 13 points).
	TrialLimitPoints = 13
)

// Options controls a chart. The zero value is the reference's defaults:
// direction increase, a baseline of all points, screening on, no target,
// runs of 7.
type Options struct {
	// Direction is the improvement direction; "" means Increase.
	Direction Direction
	// FixAfterNPoints, when positive, computes the centre line and limits
	// of each segment from its first N points only (at least 12, at most
	// the length of the series). Zero uses every point.
	FixAfterNPoints int
	// Rebase starts a new segment, with its own centre line and limits, at
	// the first point on or after each date. Dates must be strictly
	// increasing, after the first point and not after the last.
	Rebase []time.Time
	// Screening of moving ranges (XmR and t charts).
	Screening Screening
	// Target, if set, gives the assurance icon; it needs Direction
	// Increase or Decrease.
	Target *float64
	// ShiftLength is the run of points on one side of the centre line that
	// is special cause (0 means 7; 3 to 25).
	ShiftLength int
	// TrendLength is the run of points all increasing or all decreasing
	// that is special cause (0 means 7; 3 to 25).
	TrendLength int
	// RejectGaps makes a missing period an error; by default points are
	// taken as consecutive, as the reference does, and gaps are reported
	// in Result.Gaps.
	RejectGaps bool
	// Multiplier scales the values of p and u charts for display (100 for a
	// percentage, 1000 for a rate per 1,000 bed days); 0 means 1. Ignored
	// by XmR, g and t charts.
	Multiplier float64
}

// PointType classes a point, with the reference's names.
type PointType string

// Point types.
const (
	CommonCause             PointType = "common_cause"
	SpecialCauseImprovement PointType = "special_cause_improvement"
	SpecialCauseConcern     PointType = "special_cause_concern"
	SpecialCauseNeutralHigh PointType = "special_cause_neutral_high"
	SpecialCauseNeutralLow  PointType = "special_cause_neutral_low"
)

// Special reports whether the point is special cause of any kind.
func (t PointType) Special() bool { return t != CommonCause && t != "" }

// Words is the point type in plain words.
func (t PointType) Words() string {
	switch t {
	case SpecialCauseImprovement:
		return "special cause improvement"
	case SpecialCauseConcern:
		return "special cause concern"
	case SpecialCauseNeutralHigh:
		return "special cause, high (no improvement direction)"
	case SpecialCauseNeutralLow:
		return "special cause, low (no improvement direction)"
	}
	return "common cause"
}

// VariationIcon is the Making Data Count variation icon, read from the
// latest point.
type VariationIcon string

// Variation icons, with the reference's names.
const (
	VariationCommonCause     VariationIcon = "common_cause"
	VariationImprovementHigh VariationIcon = "improvement_high"
	VariationImprovementLow  VariationIcon = "improvement_low"
	VariationConcernHigh     VariationIcon = "concern_high"
	VariationConcernLow      VariationIcon = "concern_low"
	VariationNeutralHigh     VariationIcon = "neutral_high"
	VariationNeutralLow      VariationIcon = "neutral_low"
)

// Words is the icon in plain words.
func (v VariationIcon) Words() string {
	switch v {
	case VariationImprovementHigh:
		return "special cause improvement (higher values)"
	case VariationImprovementLow:
		return "special cause improvement (lower values)"
	case VariationConcernHigh:
		return "special cause concern (higher values)"
	case VariationConcernLow:
		return "special cause concern (lower values)"
	case VariationNeutralHigh:
		return "special cause variation, higher (no improvement direction)"
	case VariationNeutralLow:
		return "special cause variation, lower (no improvement direction)"
	}
	return "common cause variation"
}

// AssuranceIcon is the Making Data Count assurance icon; "" (AssuranceNone)
// when there is no target.
type AssuranceIcon string

// Assurance icons.
const (
	AssuranceNone         AssuranceIcon = ""
	AssurancePass         AssuranceIcon = "pass"
	AssuranceFail         AssuranceIcon = "fail"
	AssuranceInconsistent AssuranceIcon = "inconsistent"
)

// Words is the icon in plain words.
func (a AssuranceIcon) Words() string {
	switch a {
	case AssurancePass:
		return "the process will consistently meet the target"
	case AssuranceFail:
		return "the process will consistently fail the target"
	case AssuranceInconsistent:
		return "the process will hit and miss the target"
	}
	return "no target"
}

// Rule is one special-cause rule. Rules is a set of them.
type Rule uint8

// The rules, in the reference's order of precedence (highest first).
const (
	RuleOutsideLimits Rule = 1 << iota // a point beyond a process limit
	RuleTrend                          // part of a run of TrendLength points all increasing or all decreasing
	RuleTwoInThree                     // two of three points beyond a near limit on one side
	RuleShift                          // part of a run of ShiftLength points on one side of the centre line
)

// RuleNone is the empty set of rules.
const RuleNone Rule = 0

var ruleOrder = []Rule{RuleOutsideLimits, RuleTrend, RuleTwoInThree, RuleShift}

// Name is the rule's machine name: outside_limits, trend, two_in_three,
// shift ("" for none). For a set of rules, names joined by "+".
func (r Rule) Name() string {
	var names []string
	for _, x := range ruleOrder {
		if r&x != 0 {
			names = append(names, map[Rule]string{
				RuleOutsideLimits: "outside_limits", RuleTrend: "trend",
				RuleTwoInThree: "two_in_three", RuleShift: "shift",
			}[x])
		}
	}
	return strings.Join(names, "+")
}

// Words is the first rule of the set (by precedence) in plain words.
func (r Rule) Words() string {
	switch r.First() {
	case RuleOutsideLimits:
		return "a point beyond the process limits"
	case RuleTrend:
		return "a run of points all increasing or all decreasing"
	case RuleTwoInThree:
		return "two out of three points close to a process limit"
	case RuleShift:
		return "a run of points on one side of the mean"
	}
	return "no rule"
}

// Has reports whether the set holds rule x.
func (r Rule) Has(x Rule) bool { return r&x != 0 }

// First is the rule of the set with the highest precedence, or RuleNone.
func (r Rule) First() Rule {
	for _, x := range ruleOrder {
		if r&x != 0 {
			return x
		}
	}
	return RuleNone
}

// Point is one point of a chart with its limits and class.
type Point struct {
	X time.Time
	// Y is the value plotted (for p and u charts, the proportion or rate
	// times Multiplier; for t charts, the interval untransformed).
	Y float64
	// Mean, LPL, UPL are the centre line and process limits at this point;
	// NearLPL and NearUPL the near ("two sigma") limits, two thirds of the
	// way from the centre line.
	Mean, LPL, UPL, NearLPL, NearUPL float64
	// MR is the moving range |Y - previous Y| within the segment (XmR),
	// meaningful only when HasMR.
	MR    float64
	HasMR bool
	// Screened marks a moving range left out of the mean moving range.
	Screened bool
	// Segment is the index of the rebase segment in Result.Segments.
	Segment int
	// Baseline marks points used for the centre line and limits.
	Baseline bool
	// Type is the point's class.
	Type PointType
	// Rule is the rule that decided Type (RuleNone for common cause); Rules
	// every rule the point is part of.
	Rule, Rules Rule
	// High is true when the deciding rule put the point on the high side
	// (above the centre line, or increasing).
	High bool
}

// Segment is a run of points between rebases, with its own centre line
// and limits.
type Segment struct {
	// Start and End index Result.Points: [Start, End).
	Start, End int
	// Baseline is the number of points the limits came from.
	Baseline int
	// Mean, LPL, UPL of the segment (for p and u charts, at the mean
	// denominator; the per-point values are on each Point).
	Mean, LPL, UPL float64
	// MeanMR is the mean moving range after screening (XmR and t charts).
	MeanMR float64
	// Trial is true when the segment has fewer than TrialLimitPoints points:
	// its limits will change as points are added.
	Trial bool
	// Constant is true when every baseline value is equal (zero mean
	// moving range): the limits equal the mean.
	Constant bool
}

// Result is a computed chart.
type Result struct {
	Kind     ChartKind
	Options  Options
	Points   []Point
	Segments []Segment
	// Variation is the icon from the latest point.
	Variation VariationIcon
	// Assurance is the icon from the target against the latest limits;
	// AssuranceNone without a target.
	Assurance AssuranceIcon
	// Gaps lists the indices i where a period seems to be missing between
	// point i-1 and point i (a step more than 1.5 times the smallest step).
	Gaps []int
}

// Latest is the last point.
func (r *Result) Latest() Point { return r.Points[len(r.Points)-1] }

// Special returns the indices of the special-cause points.
func (r *Result) Special() []int {
	var out []int
	for i, p := range r.Points {
		if p.Type.Special() {
			out = append(out, i)
		}
	}
	return out
}
