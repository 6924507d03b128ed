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

// pointColour is the Making Data Count colour of a point class in the
// board pack (pdf.go): common cause grey, improvement blue, concern
// orange, neutral purple. Shapes differ too (circle, square, diamond), so
// the class reads in print.
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

// yRange is the value axis of a chart in the board pack (pdf.go): the
// lowest and highest of the values and limits, padded.
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

// drawChart draws an SPC result as an SVG with the shared renderer
// (chart.SPC: the Making Data Count look, a title and a text alternative),
// marked changes as labelled markers. axis, when not nil, fixes the value
// axis: small multiples share one so that they read on one scale. Every
// label is escaped.
func drawChart(r *spc.Result, title, unit string, p evidence.Period, changes []evidencedb.MarkedChange, axis *[2]float64) template.HTML {
	c := chart.SPC{ID: fmt.Sprintf("c%x", fnv(title)), Title: title, YLabel: unit, XLabel: strings.ToUpper(string(p)[:1]) + string(p)[1:], Result: r,
		Whole: unit == "events" || unit == "hazards" || unit == "actions"}
	if axis != nil {
		c.YMin, c.YMax = axis[0], axis[1]
	}
	for _, ch := range changes {
		at := p.Start(ch.On)
		if !at.Before(r.Points[0].X) && !at.After(r.Latest().X) {
			c.Annotations = append(c.Annotations, chart.Annotation{X: at, Label: ch.Title})
		}
	}
	return c.SVG()
}

// valueRange is the value axis chart.SPC would draw r on by itself.
func valueRange(r *spc.Result) (lo, hi float64) { return chart.SPC{Result: r}.ValueRange() }

func fnv(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}
