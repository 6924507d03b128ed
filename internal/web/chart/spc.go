package chart

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/spc"
)

// SPC is a statistical process control chart in the Making Data Count look:
// points coloured and shaped by class (common cause grey circles,
// improvement blue squares, concern orange triangles, neutral purple
// diamonds), the mean as a solid line, the process limits dashed, an
// optional target line, lines broken at each rebase, labelled markers at
// given dates, and the variation and assurance icons.
type SPC struct {
	// ID prefixes the ids of the title and description elements; it must
	// be unique on the page.
	ID string
	// Title names the measure, e.g. "Falls per week".
	Title string
	// YLabel and XLabel name the axes ("Falls", "Week"); XLabel defaults
	// to "Date".
	YLabel, XLabel string
	// Result is the computed chart; it must have at least one point.
	Result *spc.Result
	// Annotations are labelled vertical markers, e.g. a go-live.
	Annotations []Annotation
	// Precision is the number of digits after the decimal point of values
	// in the labels, description and table; 0 chooses from the data's
	// range (use Whole for counts).
	Precision int
	// Whole shows values (not the mean and limits) without decimals.
	Whole bool
	// Desc overrides the text alternative made from the result.
	Desc string
	// YMin and YMax, when YMax is above YMin, fix the value axis: small
	// multiples given one axis (the lowest and highest of their
	// ValueRanges) read on one scale. A value, limit or target beyond it
	// widens it, so nothing is drawn outside the plot.
	YMin, YMax float64
}

// Annotation marks a date on an SPC chart.
type Annotation struct {
	X     time.Time
	Label string
}

// SPCRow is one row of the data table shown beside an SPC chart: every
// field is text ready to show.
type SPCRow struct {
	Date, Value, Mean, Lower, Upper string
	// Class is the point's class in words; Reason the rule that decided it
	// ("" for common cause).
	Class, Reason string
	// Type is the machine name of the class, e.g. "special_cause_concern".
	Type spc.PointType
}

// The look: NHS colours, set as attributes so print and PDF keep them.
var spcStyle = map[spc.PointType]struct{ fill, words string }{
	spc.CommonCause:             {"#768692", "common cause"},
	spc.SpecialCauseImprovement: {"#005eb8", "special cause improvement"},
	spc.SpecialCauseConcern:     {"#ed8b00", "special cause concern"},
	spc.SpecialCauseNeutralHigh: {"#330072", "special cause, high"},
	spc.SpecialCauseNeutralLow:  {"#330072", "special cause, low"},
}

// The geometry of an SPC chart, in SVG user units. The chart scales to its
// container (width 100%), down to 320 px.
const (
	spcW, spcH                         = 400, 280
	spcLeft, spcRight, spcTop, spcBott = 46, 12, 46, 52
)

func (c SPC) precision() int {
	if c.Precision > 0 {
		return c.Precision
	}
	lo, hi := c.ValueRange()
	switch span := hi - lo; {
	case span >= 100:
		return 0
	case span >= 10:
		return 1
	case span >= 1:
		return 2
	}
	return 3
}

func (c SPC) num(v float64) string { return strconv.FormatFloat(v, 'f', c.precision(), 64) }

func (c SPC) value(v float64) string {
	if c.Whole {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return c.num(v)
}

func longDate(t time.Time) string { return t.Format("2 January 2006") }

// ValueRange is the value axis the chart is drawn on: the fixed one
// (YMin to YMax, widened to hold every value, limit and target), or else
// the range of the values, limits and target, padded.
func (c SPC) ValueRange() (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range c.Result.Points {
		for _, v := range []float64{p.Y, p.LPL, p.UPL} {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if t := c.Result.Options.Target; t != nil {
		lo, hi = math.Min(lo, *t), math.Max(hi, *t)
	}
	if c.YMax > c.YMin {
		return math.Min(lo, c.YMin), math.Max(hi, c.YMax)
	}
	if hi-lo == 0 {
		return lo - 1, hi + 1
	}
	pad := (hi - lo) * 0.05
	return lo - pad, hi + pad
}

// Table is the chart's data, one row a point.
func (c SPC) Table() []SPCRow {
	rows := make([]SPCRow, len(c.Result.Points))
	for i, p := range c.Result.Points {
		r := SPCRow{Date: longDate(p.X), Value: c.value(p.Y), Mean: c.num(p.Mean), Lower: c.num(p.LPL), Upper: c.num(p.UPL),
			Class: spcStyle[p.Type].words, Type: p.Type}
		if p.Rule != spc.RuleNone {
			r.Reason = p.Rule.Words()
		}
		rows[i] = r
	}
	return rows
}

// Description is the text alternative: what the chart shows, in words.
func (c SPC) Description() string {
	if c.Desc != "" {
		return c.Desc
	}
	r := c.Result
	first, last := r.Points[0], r.Latest()
	var b strings.Builder
	fmt.Fprintf(&b, "%s: SPC chart of %d points from %s to %s. ", c.Title, len(r.Points), longDate(first.X), longDate(last.X))
	fmt.Fprintf(&b, "Latest value %s on %s. ", c.value(last.Y), longDate(last.X))
	if len(r.Segments) > 1 {
		for i, sg := range r.Segments {
			p := r.Points[sg.Start]
			if i == 0 {
				fmt.Fprintf(&b, "Until %s: ", longDate(r.Points[sg.End-1].X))
			} else {
				fmt.Fprintf(&b, "Rebased from %s: ", longDate(p.X))
			}
			fmt.Fprintf(&b, "mean %s, process limits %s to %s. ", c.num(p.Mean), c.num(p.LPL), c.num(p.UPL))
		}
	} else {
		fmt.Fprintf(&b, "Mean %s, lower process limit %s, upper process limit %s. ", c.num(last.Mean), c.num(last.LPL), c.num(last.UPL))
	}
	if t := r.Options.Target; t != nil {
		fmt.Fprintf(&b, "Target %s. ", c.num(*t))
	}
	special := r.Special()
	if len(special) == 0 {
		b.WriteString("No point shows special cause variation. ")
	} else {
		fmt.Fprintf(&b, "%d special cause %s: ", len(special), plural(len(special), "point", "points"))
		const show = 8
		for k, i := range special {
			if k == show {
				fmt.Fprintf(&b, "; and %d more", len(special)-show)
				break
			}
			if k > 0 {
				b.WriteString("; ")
			}
			p := r.Points[i]
			fmt.Fprintf(&b, "%s (%s, %s, %s)", longDate(p.X), c.value(p.Y), spcStyle[p.Type].words, p.Rule.Words())
		}
		b.WriteString(". ")
	}
	for _, a := range c.Annotations {
		fmt.Fprintf(&b, "Marked %s: %s. ", longDate(a.X), a.Label)
	}
	fmt.Fprintf(&b, "Variation: %s.", r.Variation.Words())
	if r.Assurance != spc.AssuranceNone {
		fmt.Fprintf(&b, " Assurance: %s.", r.Assurance.Words())
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// SVG draws the chart as an inline SVG image labelled by its title and
// description. Every label and id is escaped. With no result, or none of
// its points, it draws nothing.
func (c SPC) SVG() template.HTML {
	if c.Result == nil || len(c.Result.Points) == 0 {
		return ""
	}
	esc := template.HTMLEscapeString
	id := esc(c.ID)
	r := c.Result
	pts := r.Points
	lo, hi := c.ValueRange()
	t0, t1 := pts[0].X, pts[len(pts)-1].X
	plotW, plotH := float64(spcW-spcLeft-spcRight), float64(spcH-spcTop-spcBott)
	xAt := func(t time.Time) float64 {
		if !t1.After(t0) {
			return spcLeft + plotW/2
		}
		return spcLeft + plotW*float64(t.Sub(t0))/float64(t1.Sub(t0))
	}
	yAt := func(v float64) float64 { return spcTop + plotH*(hi-v)/(hi-lo) }
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="app-spc" viewBox="0 0 %d %d" width="100%%" preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="%s-title %s-desc" xmlns="http://www.w3.org/2000/svg" font-family="Arial, sans-serif">`, spcW, spcH, id, id)
	fmt.Fprintf(&b, `<title id="%s-title">%s: SPC chart</title>`, id, esc(c.Title))
	fmt.Fprintf(&b, `<desc id="%s-desc">%s</desc>`, id, esc(c.Description()))
	for i, l := range titleLines(c.Title) {
		fmt.Fprintf(&b, `<text class="spc-title" x="%d" y="%d" font-size="13" font-weight="bold" fill="#212b32">%s</text>`, 4, 16+15*i, esc(l))
	}

	// Axes and y ticks.
	fmt.Fprintf(&b, `<g class="spc-axes" font-size="10" fill="#4c6272">`)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#4c6272"/>`, spcLeft, spcTop, spcLeft, spcH-spcBott)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#4c6272"/>`, spcLeft, spcH-spcBott, spcW-spcRight, spcH-spcBott)
	for _, v := range niceTicks(lo, hi, 5) {
		y := yAt(v)
		fmt.Fprintf(&b, `<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="#d8dde0"/>`, spcLeft-3, f(y), spcW-spcRight, f(y))
		fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end">%s</text>`, spcLeft-5, f(y+3), esc(tickLabel(v)))
	}
	ticks := dateTicks(len(pts), 4)
	for j, k := range ticks {
		x := xAt(pts[k].X)
		anchor := "middle" // the first and last labels stay inside the image
		switch {
		case len(ticks) > 1 && j == 0:
			anchor = "start"
		case len(ticks) > 1 && j == len(ticks)-1:
			anchor = "end"
		}
		fmt.Fprintf(&b, `<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#4c6272"/>`, f(x), spcH-spcBott, f(x), spcH-spcBott+4)
		fmt.Fprintf(&b, `<text class="spc-date" x="%s" y="%d" text-anchor="%s">%s</text>`, f(x), spcH-spcBott+16, anchor, esc(pts[k].X.Format("2 Jan 2006")))
	}
	xl := c.XLabel
	if xl == "" {
		xl = "Date"
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="11" fill="#212b32">%s</text>`, spcLeft+int(plotW)/2, spcH-8, esc(xl))
	fmt.Fprintf(&b, `<text transform="translate(11 %d) rotate(-90)" text-anchor="middle" font-size="11" fill="#212b32">%s</text>`, spcTop+int(plotH)/2, esc(c.YLabel))
	b.WriteString(`</g>`)

	// Lines, one set per segment: nothing joins across a rebase.
	poly := func(class, stroke, dash string, width float64, s, e int, v func(spc.Point) float64) {
		fmt.Fprintf(&b, `<polyline class="%s" fill="none" stroke="%s" stroke-width="%s"`, class, stroke, f(width))
		if dash != "" {
			fmt.Fprintf(&b, ` stroke-dasharray="%s"`, dash)
		}
		b.WriteString(` points="`)
		for i := s; i < e; i++ {
			if i > s {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%s,%s", f(xAt(pts[i].X)), f(yAt(v(pts[i]))))
		}
		b.WriteString(`"/>`)
	}
	for k, sg := range r.Segments {
		s, e := sg.Start, sg.End
		if k > 0 {
			x := (xAt(pts[s-1].X) + xAt(pts[s].X)) / 2
			fmt.Fprintf(&b, `<line class="spc-rebase" x1="%s" y1="%d" x2="%s" y2="%d" stroke="#aeb7bd" stroke-dasharray="1 3"/>`, f(x), spcTop, f(x), spcH-spcBott)
		}
		poly("spc-mean", "#212b32", "", 1.5, s, e, func(p spc.Point) float64 { return p.Mean })
		poly("spc-upl", "#4c6272", "5 3", 1, s, e, func(p spc.Point) float64 { return p.UPL })
		poly("spc-lpl", "#4c6272", "5 3", 1, s, e, func(p spc.Point) float64 { return p.LPL })
		poly("spc-data", "#aeb7bd", "", 1, s, e, func(p spc.Point) float64 { return p.Y })
	}
	if t := r.Options.Target; t != nil {
		y := yAt(*t)
		fmt.Fprintf(&b, `<line class="spc-target" x1="%d" y1="%s" x2="%d" y2="%s" stroke="#d5281b" stroke-width="1.5" stroke-dasharray="8 3 2 3"/>`, spcLeft, f(y), spcW-spcRight, f(y))
		fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end" font-size="9" fill="#d5281b">Target %s</text>`, spcW-spcRight, f(y-3), esc(c.num(*t)))
	}
	for _, a := range c.Annotations {
		if a.X.Before(t0) || a.X.After(t1) {
			continue
		}
		x := xAt(a.X)
		fmt.Fprintf(&b, `<g class="spc-annotation"><line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#212b32" stroke-dasharray="2 2"/>`, f(x), spcTop-4, f(x), spcH-spcBott)
		anchor := "start"
		if x > spcLeft+plotW*0.6 {
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text x="%s" y="%d" font-size="9" fill="#212b32" text-anchor="%s">%s</text></g>`, f(x), spcTop-6, anchor, esc(a.Label))
	}

	// Points: the shape as well as the colour tells the class.
	b.WriteString(`<g class="spc-points">`)
	for _, p := range pts {
		x, y := xAt(p.X), yAt(p.Y)
		st := spcStyle[p.Type]
		label := longDate(p.X) + ": " + c.value(p.Y) + ", " + st.words
		if p.Rule != spc.RuleNone {
			label += " (" + p.Rule.Words() + ")"
		}
		attrs := fmt.Sprintf(`class="spc-point" data-type="%s" fill="%s" stroke="#ffffff" stroke-width="0.5"`, esc(string(p.Type)), st.fill)
		switch p.Type {
		case spc.SpecialCauseImprovement:
			fmt.Fprintf(&b, `<rect %s x="%s" y="%s" width="7" height="7">`, attrs, f(x-3.5), f(y-3.5))
			fmt.Fprintf(&b, `<title>%s</title></rect>`, esc(label))
		case spc.SpecialCauseConcern:
			fmt.Fprintf(&b, `<polygon %s points="%s,%s %s,%s %s,%s">`, attrs, f(x), f(y-4.5), f(x+4.5), f(y+3.5), f(x-4.5), f(y+3.5))
			fmt.Fprintf(&b, `<title>%s</title></polygon>`, esc(label))
		case spc.SpecialCauseNeutralHigh, spc.SpecialCauseNeutralLow:
			fmt.Fprintf(&b, `<polygon %s points="%s,%s %s,%s %s,%s %s,%s">`, attrs, f(x), f(y-4.5), f(x+4.5), f(y), f(x), f(y+4.5), f(x-4.5), f(y))
			fmt.Fprintf(&b, `<title>%s</title></polygon>`, esc(label))
		default:
			fmt.Fprintf(&b, `<circle %s cx="%s" cy="%s" r="3">`, attrs, f(x), f(y))
			fmt.Fprintf(&b, `<title>%s</title></circle>`, esc(label))
		}
	}
	b.WriteString(`</g>`)

	// Icons, top right: variation, then assurance.
	ix := float64(spcW - spcRight - 14)
	if r.Assurance != spc.AssuranceNone {
		spcIcon(&b, "spc-icon-assurance", string(r.Assurance), ix, assuranceLook(r.Assurance), "Assurance: "+r.Assurance.Words())
		ix -= 46
	}
	spcIcon(&b, "spc-icon-variation", string(r.Variation), ix, variationLook(r.Variation), "Variation: "+r.Variation.Words())
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every piece of text above is escaped
}

type iconLook struct {
	fill, letter, caption string
	arrow                 int // +1 up, -1 down, 0 none
}

func variationLook(v spc.VariationIcon) iconLook {
	switch v {
	case spc.VariationImprovementHigh:
		return iconLook{"#005eb8", "H", "Improving", 1}
	case spc.VariationImprovementLow:
		return iconLook{"#005eb8", "L", "Improving", -1}
	case spc.VariationConcernHigh:
		return iconLook{"#ed8b00", "H", "Concern", 1}
	case spc.VariationConcernLow:
		return iconLook{"#ed8b00", "L", "Concern", -1}
	case spc.VariationNeutralHigh:
		return iconLook{"#330072", "H", "Neutral", 1}
	case spc.VariationNeutralLow:
		return iconLook{"#330072", "L", "Neutral", -1}
	}
	return iconLook{"#768692", "~", "Common", 0}
}

func assuranceLook(a spc.AssuranceIcon) iconLook {
	switch a {
	case spc.AssurancePass:
		return iconLook{"#005eb8", "P", "Pass", 0}
	case spc.AssuranceFail:
		return iconLook{"#ed8b00", "F", "Fail", 0}
	}
	return iconLook{"#768692", "?", "Hit & miss", 0}
}

// spcIcon draws one icon: a ringed circle with a letter, an arrow for the
// direction of a special cause, and a caption below.
func spcIcon(b *strings.Builder, class, name string, cx float64, l iconLook, title string) {
	esc := template.HTMLEscapeString
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	const cy, rad = 22.0, 13.0
	fmt.Fprintf(b, `<g class="spc-icon %s" data-icon="%s"><title>%s</title>`, class, esc(name), esc(title))
	fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="%s" fill="#ffffff" stroke="%s" stroke-width="3"/>`, f(cx), f(cy), f(rad), l.fill)
	fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" font-size="13" font-weight="bold" fill="%s">%s</text>`, f(cx), f(cy+4.5), l.fill, esc(l.letter))
	if l.arrow != 0 {
		a := float64(l.arrow)
		x := cx + 8
		fmt.Fprintf(b, `<polygon points="%s,%s %s,%s %s,%s" fill="%s"/>`, f(x), f(cy-4*a), f(x+3), f(cy), f(x-3), f(cy), l.fill)
	}
	fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" font-size="7" fill="#212b32">%s</text></g>`, f(cx), f(cy+rad+8), esc(l.caption))
}

// niceTicks returns about n round values between lo and hi.
func niceTicks(lo, hi float64, n int) []float64 {
	span := hi - lo
	if !(span > 0) || math.IsInf(span, 0) {
		return nil
	}
	step := math.Pow(10, math.Floor(math.Log10(span/float64(n))))
	for _, m := range []float64{1, 2, 5, 10} {
		if span/(step*m) <= float64(n) {
			step *= m
			break
		}
	}
	var out []float64
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9 && len(out) < 20; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out
}

// titleChars is how many characters of a title a line holds clear of the
// icons, top right (13 px bold).
const titleChars = 40

// titleLines breaks a title into at most two lines of titleChars at
// spaces, the second ending with an ellipsis where the title is longer
// (the chart's accessible name holds it all).
func titleLines(title string) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(title) {
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= titleChars:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	lines = append(lines, line)
	for i, l := range lines { // a single word longer than a line
		if r := []rune(l); len(r) > titleChars {
			lines[i] = string(r[:titleChars-1]) + "…"
		}
	}
	if len(lines) <= 2 {
		return lines
	}
	second := lines[1] // with room for the ellipsis
	if r := []rune(second); len(r) > titleChars-1 {
		if cut := strings.LastIndex(second, " "); cut > 0 {
			second = second[:cut]
		} else {
			second = string(r[:titleChars-1])
		}
	}
	return []string{lines[0], second + "…"}
}

func tickLabel(v float64) string {
	if v == 0 {
		v = 0 // not "-0"
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if len(s) > 8 {
		s = strconv.FormatFloat(v, 'g', 3, 64)
	}
	return s
}

// dateTicks picks up to n evenly spaced point indices, first and last included.
func dateTicks(count, n int) []int {
	if count <= n {
		out := make([]int, count)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, n)
	for k := range out {
		out[k] = k * (count - 1) / (n - 1)
	}
	return out
}
