package evidenceweb

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/web/chart"
	"github.com/clinsafe/clinsafe/spc"
)

// pointColour is the Making Data Count colour of a point class: common
// cause grey, improvement blue, concern orange, neutral purple. Shapes
// differ too (circle, square, diamond), so the class reads in print.
func pointColour(t spc.PointType) (fill, shape string) {
	switch t {
	case spc.SpecialCauseImprovement:
		return "#005eb8", "square"
	case spc.SpecialCauseConcern:
		return "#ed8b00", "diamond"
	case spc.SpecialCauseNeutralHigh, spc.SpecialCauseNeutralLow:
		return "#7c2855", "square"
	}
	return "#768692", "circle"
}

// yRange is the value axis of a chart: the lowest and highest of the
// values and limits, padded.
func yRange(r *spc.Result) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, p := range r.Points {
		for _, v := range []float64{p.Y, p.LPL, p.UPL} {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if lo > 0 && lo < hi/3 {
		lo = 0
	}
	if hi == lo {
		hi = lo + 1
	}
	pad := (hi - lo) * 0.05
	return lo - pad, hi + pad
}

// drawChart draws an SPC result as an SVG in the Making Data Count look:
// points by class, the mean solid, process limits dashed, breaks at each
// rebase, marked changes as labelled vertical lines, with a title and a
// description in words. axis, when not nil, fixes the value axis (small
// multiples share one). Every label is escaped.
func drawChart(r *spc.Result, title, unit string, p evidence.Period, changes []evidencedb.MarkedChange, small bool, axis *[2]float64) template.HTML {
	if axis == nil {
		// The shared renderer, when the value axis is the chart's own.
		c := chart.SPC{ID: fmt.Sprintf("c%x", fnv(title)), Title: title, YLabel: unit, XLabel: strings.ToUpper(string(p)[:1]) + string(p)[1:], Result: r,
			Whole: unit == "events" || unit == "hazards" || unit == "actions"}
		for _, ch := range changes {
			at := p.Start(ch.On)
			if !at.Before(r.Points[0].X) && !at.After(r.Latest().X) {
				c.Annotations = append(c.Annotations, chart.Annotation{X: at, Label: ch.Title})
			}
		}
		return c.SVG()
	}
	// Small multiples share one value axis, which the shared renderer does
	// not offer: they are drawn here.
	esc := template.HTMLEscapeString
	w, h := 720.0, 300.0
	if small {
		w, h = 360, 200
	}
	const left, right, top, bottom = 52.0, 12.0, 16.0, 40.0
	lo, hi := yRange(r)
	if axis != nil {
		lo, hi = axis[0], axis[1]
	}
	n := len(r.Points)
	xs := func(i int) float64 {
		if n == 1 {
			return left + (w-left-right)/2
		}
		return left + float64(i)*(w-left-right)/float64(n-1)
	}
	ys := func(v float64) float64 { return top + (hi-v)/(hi-lo)*(h-top-bottom) }
	var b strings.Builder
	id := fmt.Sprintf("c%x", fnv(title))
	fmt.Fprintf(&b, `<svg class="app-spc" viewBox="0 0 %.0f %.0f" width="100%%" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg" style="max-width:%.0fpx">`, w, h, id, id, w)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title>`, id, esc(title))
	// Axis: five ticks.
	for k := 0; k <= 4; k++ {
		v := lo + (hi-lo)*float64(k)/4
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#d8dde0"/><text x="%.1f" y="%.1f" font-size="11" text-anchor="end" fill="#4c6272">%s</text>`,
			left, w-right, ys(v), ys(v), left-4, ys(v)+4, esc(evidence.Num(v)))
	}
	// Lines per segment: mean solid, limits dashed, no line across a rebase.
	for _, sg := range r.Segments {
		for _, l := range []struct {
			v    func(spc.Point) float64
			dash string
			col  string
		}{{func(p spc.Point) float64 { return p.Mean }, "", "#212b32"}, {func(p spc.Point) float64 { return p.UPL }, ` stroke-dasharray="6 4"`, "#4c6272"}, {func(p spc.Point) float64 { return p.LPL }, ` stroke-dasharray="6 4"`, "#4c6272"}} {
			var pts []string
			for i := sg.Start; i < sg.End; i++ {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", xs(i), ys(l.v(r.Points[i]))))
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5"%s points="%s"/>`, l.col, l.dash, strings.Join(pts, " "))
		}
		var pts []string
		for i := sg.Start; i < sg.End; i++ {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xs(i), ys(r.Points[i].Y)))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="#aeb7bd" stroke-width="1" points="%s"/>`, strings.Join(pts, " "))
	}
	for i, pt := range r.Points {
		fill, shape := pointColour(pt.Type)
		x, y := xs(i), ys(pt.Y)
		switch shape {
		case "square":
			fmt.Fprintf(&b, `<rect class="pt %s" x="%.1f" y="%.1f" width="8" height="8" fill="%s"/>`, pt.Type, x-4, y-4, fill)
		case "diamond":
			fmt.Fprintf(&b, `<path class="pt %s" d="M%.1f %.1fl5 5 -5 5 -5 -5z" fill="%s"/>`, pt.Type, x, y-5, fill)
		default:
			fmt.Fprintf(&b, `<circle class="pt %s" cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>`, pt.Type, x, y, fill)
		}
	}
	// Marked changes.
	for _, c := range changes {
		at := p.Start(c.On)
		for i, pt := range r.Points {
			if pt.X.Equal(at) {
				fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#330072" stroke-width="2"/><text x="%.1f" y="%.1f" font-size="11" fill="#330072">%s</text>`,
					xs(i), xs(i), top, h-bottom, xs(i)+3, top+10, esc(c.Title))
			}
		}
	}
	// Date labels: first, middle, last.
	for _, i := range []int{0, n / 2, n - 1} {
		anchor := "middle"
		if i == 0 {
			anchor = "start"
		} else if i == n-1 {
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="%s" fill="#4c6272">%s</text>`, xs(i), h-bottom+16, anchor, esc(r.Points[i].X.Format("2 Jan 2006")))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#4c6272">%s</text>`, left, h-6, esc(unit+" a "+string(p)+"; variation: "+r.Variation.Words()))
	fmt.Fprintf(&b, `<desc id="%s-d">%s</desc></svg>`, id, esc(describe(r, title, unit, p)))
	return template.HTML(b.String()) // every piece of text above is escaped
}

// describe is a chart's text alternative: latest value, mean, limits,
// and which points are special cause.
func describe(r *spc.Result, title, unit string, p evidence.Period) string {
	last := r.Latest()
	d := fmt.Sprintf("%s: %d %ss. Latest %s %s %s, mean %s, process limits %s to %s.", title, len(r.Points), p, evidence.Num(last.Y), unit,
		p.Label(last.X), evidence.Num(last.Mean), evidence.Num(last.LPL), evidence.Num(last.UPL))
	sp := r.Special()
	if len(sp) == 0 {
		return d + " Every point is common cause variation."
	}
	var ws []string
	for _, i := range sp {
		ws = append(ws, p.Label(r.Points[i].X)+" ("+r.Points[i].Type.Words()+")")
	}
	if len(ws) > 12 {
		ws = append(ws[:12], fmt.Sprintf("and %d more", len(sp)-12))
	}
	return d + " Special cause: " + strings.Join(ws, ", ") + "."
}

func fnv(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}
