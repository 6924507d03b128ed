package evidenceweb

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/spc"
)

// Filters are a chart's filters as the GET form holds them.
type Filters struct {
	Period     string
	Dim, Value string
	// More are further filters, all of which must hold with Dim and Value
	// (a dimension named twice: either value); each is a filter=dim:value
	// of the query.
	More      []evidence.Cond
	From, To  string // YYYY-MM-DD
	Direction string // increase, decrease, neutral ("" for the measure's)
	Baseline  string // fix the limits after N points ("" for all)
	Screen    string // "off" keeps every moving range (the NHS England tool)
	Shift     string // run length for a shift
	Target    string
	// EndAsked is the end typed when it was after today (To is then
	// today): the chart says so.
	EndAsked string
}

// Query returns f as a plain URL query.
func (f Filters) Query() string {
	v := url.Values{}
	for k, x := range map[string]string{"period": f.Period, "dim": f.Dim, "value": f.Value, "from": f.From, "to": f.To,
		"direction": f.Direction, "baseline": f.Baseline, "screen": f.Screen, "shift": f.Shift, "target": f.Target} {
		if x != "" {
			v.Set(k, x)
		}
	}
	for _, c := range f.More {
		v.Add("filter", c.Dim+":"+c.Value)
	}
	return v.Encode()
}

// Conds are every filter: Dim and Value, then More.
func (f Filters) Conds() []evidence.Cond {
	var out []evidence.Cond
	if f.Dim != "" {
		out = append(out, evidence.Cond{Dim: f.Dim, Value: f.Value})
	}
	return append(out, f.More...)
}

// Combined reports whether the chart has more than one filter.
func (f Filters) Combined() bool { return len(f.More) > 0 }

// parseFilters reads the filters of measure m from a query: the series
// query and the spc options, or per-field messages (Invalid).
func parseFilters(q url.Values, m evidence.Measure, now time.Time) (Filters, evidencedb.Query, spc.Options, error) {
	f := Filters{Period: q.Get("period"), Dim: q.Get("dim"), Value: q.Get("value"), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Direction: q.Get("direction"), Baseline: strings.TrimSpace(q.Get("baseline")), Screen: q.Get("screen"), Shift: strings.TrimSpace(q.Get("shift")), Target: strings.TrimSpace(q.Get("target"))}
	var fs apperr.Fields
	for _, fv := range q["filter"] {
		if fv == "" {
			continue
		}
		d, v, ok := strings.Cut(fv, ":")
		if !ok {
			fs.Add("dim", "Select a filter from the list")
			continue
		}
		if f.Dim == "" {
			f.Dim, f.Value = d, v
		} else {
			f.More = append(f.More, evidence.Cond{Dim: d, Value: v})
		}
	}
	if f.Period == "" {
		f.Period = string(evidence.Week)
		if m.MonthlyOnly {
			f.Period = string(evidence.Month)
		}
	}
	sq := evidencedb.Query{Measure: m, Period: evidence.Period(f.Period), Dim: f.Dim, Value: f.Value, More: f.More}
	fs.Check(!sq.Period.Valid(), "period", "Select week or month")
	for _, c := range f.Conds() {
		if !m.Filterable(c.Dim) {
			fs.Add("dim", "This measure cannot be narrowed that way")
		}
	}
	fs.Check(len(f.Conds()) > evidence.MaxConds, "filter", fmt.Sprintf("Choose at most %d filters", evidence.MaxConds))
	if f.Dim == "" {
		sq.Value, f.Value = "", ""
	}
	// By default the chart ends with the last complete period: the one
	// under way would read low.
	today := clock.Today(now)
	sq.To = sq.Period.Start(today).AddDate(0, 0, -1)
	if !sq.Period.Valid() {
		sq.To = today
	}
	if f.To != "" {
		t, err := time.Parse(time.DateOnly, f.To)
		fs.Check(err != nil, "to", "Enter the end as a date, for example 2026-11-30")
		if err == nil {
			sq.To = t
		}
		// The periods after today have not happened: an end after today
		// is taken as today, and the chart says so (Notes).
		if err == nil && t.After(today) {
			f.EndAsked, f.To, sq.To = f.To, today.Format(time.DateOnly), today
		}
	}
	span := 26 * 7
	if sq.Period == evidence.Month {
		span = 730
	}
	sq.From = sq.To.AddDate(0, 0, -span)
	if f.From != "" {
		t, err := time.Parse(time.DateOnly, f.From)
		fs.Check(err != nil, "from", "Enter the start as a date, for example 2026-01-05")
		if err == nil {
			sq.From = t
		}
	}
	switch {
	case sq.From.After(today):
		fs.Add("from", "The start must be today or earlier")
	case sq.To.Before(sq.From):
		fs.Add("from", "The start must be on or before the end")
	}
	opt := spc.Options{Direction: m.Direction}
	switch f.Direction {
	case "":
	case "increase", "decrease", "neutral":
		opt.Direction = spc.Direction(f.Direction)
	default:
		fs.Add("direction", "Select which way is better")
	}
	if f.Baseline != "" {
		n, err := strconv.Atoi(f.Baseline)
		fs.Check(err != nil || n < 0, "baseline", "Enter the baseline as a whole number of points")
		opt.FixAfterNPoints = n
	}
	if f.Screen == "off" {
		opt.Screening = spc.NoScreening
	}
	if f.Shift != "" {
		n, err := strconv.Atoi(f.Shift)
		fs.Check(err != nil || n < 3 || n > 25, "shift", "Enter a run length from 3 to 25")
		opt.ShiftLength = n
	}
	if f.Target != "" {
		v, err := strconv.ParseFloat(f.Target, 64)
		fs.Check(err != nil || math.IsNaN(v) || math.IsInf(v, 0), "target", "Enter the target as a number")
		opt.Target = &v
	}
	return f, sq, opt, fs.Err()
}

// Row is one row of a chart's data table.
type Row struct {
	Label, Value, Mean, Lower, Upper, Class string
	Num, Den                                string
}

// ChangeView is a marked change with its statement as read now.
type ChangeView struct {
	evidencedb.MarkedChange
	Statement evidence.Statement
	Problem   string // why no statement could be made
}

// ChartView is one measure's chart as a page shows it.
type ChartView struct {
	Measure    evidence.Measure
	Period     evidence.Period
	Filters    Filters
	Points     []evidence.Point
	Result     *spc.Result
	SVG        template.HTML
	Reading    string
	CannotDraw string
	Rows       []Row
	Changes    []ChangeView
	// Notes say how the chart differs from what was asked: an end after
	// today taken as today, a marked change it is not rebased at. The
	// reading ends with them.
	Notes []string
}

// Title is the chart's title with its filters: "Safety events reported:
// Record type Incident and Location Ward 7 by week" (a dimension named
// twice: "Reported harm Moderate or Severe").
func (v ChartView) Title() string {
	t := v.Measure.Title
	var dims []string
	vals := map[string][]string{}
	for _, c := range v.Filters.Conds() {
		if _, ok := vals[c.Dim]; !ok {
			dims = append(dims, c.Dim)
		}
		vals[c.Dim] = append(vals[c.Dim], evidence.ValueLabel(c.Dim, c.Value))
	}
	for i, d := range dims {
		sep := " and "
		if i == 0 {
			sep = ": "
		}
		t += sep + evidence.DimLabels[d] + " " + strings.Join(vals[d], " or ")
	}
	return t + " by " + string(v.Period)
}

// Counting says what a chart with combined filters (or harm "or worse")
// counts, and how ("" for one filter or none: the measure's About says it).
func (v ChartView) Counting() string {
	cs := v.Filters.Conds()
	if !v.Filters.Combined() && (len(cs) != 1 || len(evidence.HarmOrWorse(cs[0].Dim, cs[0].Value)) == 1) {
		return ""
	}
	s := "This chart counts what holds every filter at once; a filter named twice, or harm \"or worse\", holds for any of its values."
	if v.Measure.Source == evidence.FromCounts || v.Measure.Source == evidence.FromBedDays {
		s += " The daily counts keep one filter at a time, so each safety event's own counts are read instead (up to " + thousands(evidencedb.MaxCombinedEvents) +
			" events in the span of the chart)."
	}
	return s
}

// thousands is n with commas: 200,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// FilterSlots are the chart's filters as the form shows them: MaxConds
// choices where the measure has more than one filter, one otherwise.
func (v ChartView) FilterSlots() []evidence.Cond {
	n := evidence.MaxConds
	if len(v.Measure.Filters) <= 1 {
		n = 1
	}
	out := v.Filters.Conds()
	for len(out) < n {
		out = append(out, evidence.Cond{})
	}
	return out
}

// What the training coverage chart says when there is nothing to chart.
const (
	NoTrainingAssigned = "No training assigned yet: training coverage is charted once courses are assigned to roles or people in Training."
	NoTrainingDue      = "No assigned training was due by the end of any period of this chart yet, so there is no coverage to chart: choose a later end."
	// NoMatch is what a chart with filters says when nothing holds them
	// in its span: a chart of zeros would read as a steady process.
	NoMatch = "Nothing holds these filters in the span of this chart, so there is nothing to chart: remove a filter or choose other dates."
)

// nothingCounted reports whether no point of a series counts anything
// (every numerator zero, or no point at all).
func nothingCounted(pts []evidence.Point) bool {
	for _, p := range pts {
		if p.Num != 0 {
			return false
		}
	}
	return true
}

// chart reads the series of orgs and draws it, rebased at changes that
// fall inside it; a series that cannot be drawn says why (CannotDraw).
func (s *Module) chart(ctx context.Context, orgs []store.OrgID, f Filters, q evidencedb.Query, opt spc.Options, changes []evidencedb.MarkedChange) (ChartView, error) {
	v := ChartView{Measure: q.Measure, Period: q.Period, Filters: f}
	if q.Measure.MonthlyOnly {
		v.Period = evidence.Month
	}
	pts, err := s.ev.Series(ctx, orgs, q)
	if err != nil {
		return v, err
	}
	v.Points = pts
	for _, p := range pts {
		r := Row{Label: p.Label, Value: evidence.Num(p.Value), Num: evidence.Num(p.Num)}
		if p.Den != 0 {
			r.Den = evidence.Num(p.Den)
		}
		v.Rows = append(v.Rows, r)
	}
	if len(pts) == 0 && q.Measure.Source == evidence.FromTraining {
		assigned, err := s.ev.TrainingAssigned(ctx, orgs, q)
		if err != nil {
			return v, err
		}
		v.CannotDraw = NoTrainingDue
		if !assigned {
			v.CannotDraw = NoTrainingAssigned
		}
		return v, nil
	}
	// Training coverage of 0 of N is a reading; a count of nothing is not.
	if len(f.Conds()) > 0 && q.Measure.Source != evidence.FromTraining && nothingCounted(pts) {
		v.CannotDraw = NoMatch
		return v, nil
	}
	if len(pts) < 2 {
		v.CannotDraw = evidence.CannotDraw(spc.ErrTooFewPoints, len(pts))
		return v, nil
	}
	if f.EndAsked != "" {
		v.Notes = append(v.Notes, fmt.Sprintf("The end chosen, %s, is after today, so the chart ends today.", f.EndAsked))
	}
	opt.Rebase, v.Notes = rebases(pts, v.Period, changes, v.Notes)
	res, err := evidence.Chart(q.Measure, pts, opt)
	if err != nil {
		v.CannotDraw = evidence.CannotDraw(err, len(pts))
		return v, nil
	}
	v.Result = res
	v.Reading = strings.Join(append([]string{evidence.Reading(res, v.Period)}, v.Notes...), " ")
	for i, p := range res.Points {
		if i < len(v.Rows) {
			v.Rows[i].Mean, v.Rows[i].Lower, v.Rows[i].Upper, v.Rows[i].Class = evidence.Num(p.Mean), evidence.Num(p.LPL), evidence.Num(p.UPL), p.Type.Words()
		}
	}
	v.SVG = drawChart(res, v.Title(), q.Measure.Unit, v.Period, changes, nil)
	for _, c := range changes {
		cv := ChangeView{MarkedChange: c}
		jopt := opt
		jopt.Rebase = nil
		st, err := evidence.Judge(q.Measure, pts, v.Period, evidence.Change{Title: c.Title, On: c.On}, evidencedb.Others(changes), jopt)
		if err != nil {
			cv.Problem = evidence.CannotDraw(err, len(pts))
		}
		cv.Statement = st
		v.Changes = append(v.Changes, cv)
	}
	return v, nil
}

// rebases are the days a chart of pts is rebased at: the period of each
// marked change strictly inside it, one per period, where every part of
// the chart keeps at least 2 points (spc refuses a shorter part, and a
// new baseline of one point says nothing). A change too near either end
// of the chart or another rebase is drawn without a new baseline, and a
// note says why; changes in one period share its rebase.
func rebases(pts []evidence.Point, p evidence.Period, changes []evidencedb.MarkedChange, notes []string) ([]time.Time, []string) {
	cs := slices.Clone(changes)
	slices.SortStableFunc(cs, func(a, b evidencedb.MarkedChange) int { return a.On.Compare(b.On) })
	var out []time.Time
	prev := 0 // the first point of the part before the next rebase
	for _, c := range cs {
		at := p.Start(c.On)
		if !at.After(pts[0].Start) || at.After(pts[len(pts)-1].Start) || slices.ContainsFunc(out, at.Equal) {
			continue
		}
		i := slices.IndexFunc(pts, func(pt evidence.Point) bool { return !pt.Start.Before(at) })
		if i-prev < 2 || len(pts)-i < 2 {
			notes = append(notes, fmt.Sprintf("The chart is not rebased at %q on %s: each part of a rebased chart needs at least 2 %ss.",
				c.Title, c.On.Format("2 January 2006"), p.Noun()))
			continue
		}
		out, prev = append(out, at), i
	}
	return out, notes
}

// filterChoices are the values a filter of measure m may take in orgs.
func (s *Module) filterChoices(ctx context.Context, orgs []store.OrgID, m evidence.Measure) (map[string][]web.Option, error) {
	out := map[string][]web.Option{}
	for _, d := range m.Filters {
		var vals []string
		switch d {
		case evidence.DimRating:
			vals = evidencedb.RatingValues()
		case evidence.DimKind:
			vals = []string{"hazard", "learning"}
		case evidence.DimRole:
			for _, r := range auth.AllRoles {
				vals = append(vals, string(r))
			}
		case evidence.DimCourse:
			if len(orgs) != 1 {
				continue
			}
			cs, err := s.ev.Courses(ctx, orgs[0])
			if err != nil {
				return nil, err
			}
			for _, c := range cs {
				out[d] = append(out[d], web.Option{Value: c.ID, Label: c.Name})
			}
			continue
		case evidence.DimHarm, evidence.DimReportedHarm:
			var err error
			if vals, err = s.ev.Values(ctx, orgs, d); err != nil {
				return nil, err
			}
			vals = append(slices.Clone(evidence.HarmAtLeast), vals...)
		default:
			if m.Source == evidence.FromHazards && d == evidence.DimStatus {
				vals = evidencedb.StatusValues()
				break
			}
			var err error
			if vals, err = s.ev.Values(ctx, orgs, d); err != nil {
				return nil, err
			}
		}
		names := map[string]string{}
		if d == evidence.DimSystem && len(orgs) == 1 {
			ss, err := s.ev.Systems(ctx, orgs[0])
			if err != nil {
				return nil, err
			}
			for _, sy := range ss {
				names[sy.ID] = sy.Name
			}
		}
		for _, v := range vals {
			label := evidence.ValueLabel(d, v)
			if n, ok := names[v]; ok {
				label = n
			}
			out[d] = append(out[d], web.Option{Value: v, Label: label})
		}
	}
	return out, nil
}
