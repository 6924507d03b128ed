package evidence

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/spc"
)

// Chart computes the XmR chart of a series (for a rate, the u chart over
// its denominators, scaled per 1,000), with the given options.
func Chart(m Measure, pts []Point, opt spc.Options) (*spc.Result, error) {
	x := make([]time.Time, len(pts))
	y := make([]float64, len(pts))
	den := make([]float64, len(pts))
	for i, p := range pts {
		x[i], y[i], den[i] = p.Start, p.Value, p.Den
	}
	if m.Source == FromBedDays {
		num := make([]float64, len(pts))
		for i, p := range pts {
			num[i] = p.Num
		}
		opt.Multiplier = 1000
		return spc.UChart(x, num, den, opt)
	}
	return spc.XmR(x, y, opt)
}

// CannotDraw says in words why a chart cannot be drawn from err (an
// error of spc), with the number of points there are.
func CannotDraw(err error, points int) string {
	var e *spc.Error
	switch {
	case errors.Is(err, spc.ErrTooFewPoints) && points >= 2:
		// The series is long enough: a part of it between marked changes is not.
		return fmt.Sprintf("A marked change leaves a part of this chart with fewer than 2 points (the chart has %d); each part between changes needs at least 2.", points)
	case errors.Is(err, spc.ErrTooFewPoints):
		return fmt.Sprintf("This chart needs at least 2 points; there %s %d. Choose a longer span or a shorter period.", isAre(points), points)
	case errors.Is(err, spc.ErrBaseline):
		return fmt.Sprintf("The baseline must be from %d points up to the number of points in the chart (%d).", spc.MinFixAfterNPoints, points)
	case errors.Is(err, spc.ErrRebase):
		return "A marked change must fall after the first point of the chart and not after its last: widen the span to include it."
	case errors.Is(err, spc.ErrTargetWithoutDirection):
		return "A target needs an improvement direction of higher or lower is better."
	case errors.Is(err, spc.ErrRunLength):
		return "Run lengths must be from 3 to 25 points."
	case errors.Is(err, spc.ErrDenominator):
		return "A month has no bed days entered, so its rate cannot be drawn."
	case errors.As(err, &e) && e.Detail != "":
		return "This chart cannot be drawn: " + e.Detail + "."
	}
	return "This chart cannot be drawn from these points."
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// Num formats a value with up to one decimal place.
func Num(v float64) string {
	if math.Abs(v-math.Round(v)) < 0.05 {
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// causeWords is "special cause of concern", "special cause improvement",
// or a neutral side.
func causeWords(t spc.PointType) string {
	switch t {
	case spc.SpecialCauseConcern:
		return "special cause of concern"
	case spc.SpecialCauseImprovement:
		return "special cause improvement"
	case spc.SpecialCauseNeutralHigh:
		return "special cause variation, high"
	case spc.SpecialCauseNeutralLow:
		return "special cause variation, low"
	}
	return "common cause variation"
}

// Reading is a chart in plain words: what the latest points show, from
// the spc result ("The last 7 weeks are above the centre line: special
// cause of concern.").
func Reading(r *spc.Result, p Period) string {
	if r == nil || len(r.Points) == 0 {
		return ""
	}
	last := r.Latest()
	seg := r.Segments[last.Segment]
	// The run of points at the end on one side of the centre line.
	run, above := 0, last.Y > last.Mean
	for i := len(r.Points) - 1; i >= seg.Start; i-- {
		pt := r.Points[i]
		if pt.Y == pt.Mean || (pt.Y > pt.Mean) != above {
			break
		}
		run++
	}
	side := "below"
	if above {
		side = "above"
	}
	var b strings.Builder
	switch {
	case last.Type.Special() && last.Rule.First() == spc.RuleShift:
		fmt.Fprintf(&b, "The last %s are %s the centre line: %s.", plural(run, p.Noun()), side, causeWords(last.Type))
	case last.Type.Special() && last.Rule.First() == spc.RuleOutsideLimits:
		fmt.Fprintf(&b, "The latest %s (%s, %s) is %s the process limits: %s.", p.Noun(), p.Label(last.X), Num(last.Y), map[bool]string{true: "above", false: "below"}[last.Y > last.Mean], causeWords(last.Type))
	case last.Type.Special():
		fmt.Fprintf(&b, "The latest %s (%s, %s) is %s: %s.", p.Noun(), p.Label(last.X), Num(last.Y), causeWords(last.Type), last.Rule.Words())
	default:
		fmt.Fprintf(&b, "The latest %s (%s, %s) shows common cause variation: the values vary around a mean of %s, within process limits of %s to %s.",
			p.Noun(), p.Label(last.X), Num(last.Y), Num(last.Mean), Num(last.LPL), Num(last.UPL))
		if run >= 2 {
			fmt.Fprintf(&b, " The last %s are %s the centre line.", plural(run, p.Noun()), side)
		}
	}
	if r.Assurance != spc.AssuranceNone {
		b.WriteString(" Against the target, " + r.Assurance.Words() + ".")
	}
	if seg.Trial {
		fmt.Fprintf(&b, " The limits are trial limits: they come from fewer than %d points and will change as points are added.", spc.TrialLimitPoints)
	}
	if len(r.Segments) > 1 {
		fmt.Fprintf(&b, " The chart is rebased at %s.", plural(len(r.Segments)-1, "marked change"))
	}
	return b.String()
}

// Change is a digital change marked on a measure, as the statement reads it.
type Change struct {
	Title string
	On    time.Time
}

// Statement is the before-and-after reading of a digital change.
type Statement struct {
	// Followed is true when special cause followed the change.
	Followed bool `json:"special_cause_followed"`
	// Direction is improvement, concern, higher or lower ("" when none followed).
	Direction  string   `json:"direction,omitempty"`
	Before     int      `json:"points_before"`
	After      int      `json:"points_after"`
	MeanBefore float64  `json:"mean_before"`
	MeanAfter  float64  `json:"mean_after"`
	Text       string   `json:"text"`
	Caveats    []string `json:"caveats"`
}

// Words is the statement and its caveats as one paragraph.
func (s Statement) Words() string {
	if len(s.Caveats) == 0 {
		return s.Text
	}
	return s.Text + " Caveats: " + strings.Join(s.Caveats, " ")
}

// Judge states whether special cause followed change c in the series: the
// points after it are read against the limits of the points before it (a
// baseline fixed at the change, when there are at least 12 before; else
// the whole series), with caveats for too few points since the change, a
// shift that began before it, and other marked changes in the window.
// opt carries the direction and run lengths.
func Judge(m Measure, pts []Point, p Period, c Change, others []Change, opt spc.Options) (Statement, error) {
	k := 0
	for k < len(pts) && pts[k].Start.Before(p.Start(c.On)) {
		k++
	}
	st := Statement{Before: k, After: len(pts) - k}
	when := fmt.Sprintf("%q on %s", c.Title, c.On.Format("2 January 2006"))
	if st.After == 0 {
		st.Text = fmt.Sprintf("There are no %ss since %s yet, so nothing can be said of its effect.", p.Noun(), when)
		return st, nil
	}
	if st.Before < 2 {
		st.Text = fmt.Sprintf("There are fewer than 2 %ss before %s, so there is nothing to compare the %ss since with.", p.Noun(), when, p.Noun())
		return st, nil
	}
	for i, pt := range pts {
		if i < k {
			st.MeanBefore += pt.Value / float64(st.Before)
		} else {
			st.MeanAfter += pt.Value / float64(st.After)
		}
	}
	fixed := opt
	fixed.Rebase = nil
	fixed.Target = nil
	if k >= spc.MinFixAfterNPoints {
		fixed.FixAfterNPoints = k
	} else {
		fixed.FixAfterNPoints = 0
		st.Caveats = append(st.Caveats, fmt.Sprintf("Only %s before the change: the limits are taken from the whole series, as the reference needs at least %d points to fix a baseline.",
			plural(k, p.Noun()), spc.MinFixAfterNPoints))
	}
	r, err := Chart(m, pts, fixed)
	if err != nil {
		return st, err
	}
	special, high := 0, 0
	first := -1
	var kind spc.PointType
	for i := k; i < len(r.Points); i++ {
		if pt := r.Points[i]; pt.Type.Special() {
			if first < 0 {
				first, kind = i, pt.Type
			}
			special++
			if pt.High {
				high++
			}
		}
	}
	st.Followed = special > 0
	shift := opt.ShiftLength
	if shift == 0 {
		shift = spc.DefaultShiftLength
	}
	unit := m.Unit
	if st.Followed {
		fp := r.Points[first]
		switch kind {
		case spc.SpecialCauseImprovement:
			st.Direction = "improvement"
		case spc.SpecialCauseConcern:
			st.Direction = "concern"
		default:
			st.Direction = map[bool]string{true: "higher", false: "lower"}[fp.High]
		}
		side := "higher"
		if high*2 < special {
			side = "lower"
		}
		st.Text = fmt.Sprintf("After %s, %s followed: %d of the %s since show special cause against the limits of the %s before it (first %s, %s), with values %s than before. The mean moved from %s to %s %s a %s.",
			when, causeWords(kind), special, plural(st.After, p.Noun()), plural(k, p.Noun()), p.Label(fp.X), fp.Rule.Words(), side,
			Num(st.MeanBefore), Num(st.MeanAfter), unit, p.Noun())
		// A shift that began before the change.
		for i := max(0, k-shift); i < k; i++ {
			if pt := r.Points[i]; pt.Type.Special() && pt.High == fp.High {
				st.Caveats = append(st.Caveats, fmt.Sprintf("The shift began before the change (special cause from %s), so the change may not be its cause.", p.Label(pt.X)))
				break
			}
		}
	} else {
		st.Text = fmt.Sprintf("After %s, no special cause followed: the %s since vary within the limits of the %s before it. The mean was %s %s a %s before and %s since; a difference this size is within common cause variation.",
			when, plural(st.After, p.Noun()), plural(k, p.Noun()), Num(st.MeanBefore), unit, p.Noun(), Num(st.MeanAfter))
	}
	if st.After < spc.TrialLimitPoints {
		st.Caveats = append(st.Caveats, fmt.Sprintf("Only %s since the change: the reference needs at least %d points for limits that are not trial limits, and %d in a row on one side of the mean to show a shift.",
			plural(st.After, p.Noun()), spc.TrialLimitPoints, shift))
	}
	first0, last := pts[0].Start, pts[len(pts)-1].Start
	for _, o := range others {
		if o.On.Equal(c.On) && o.Title == c.Title {
			continue
		}
		if !o.On.Before(first0) && !p.Start(o.On).After(last) {
			st.Caveats = append(st.Caveats, fmt.Sprintf("Another change, %q on %s, falls within the same chart: its effect cannot be told apart from this one's.", o.Title, o.On.Format("2 January 2006")))
		}
	}
	return st, nil
}
