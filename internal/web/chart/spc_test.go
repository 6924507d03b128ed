package chart

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/spc"
)

// svgNode is a parsed SVG element.
type svgNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []svgNode  `xml:",any"`
}

func (n svgNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// walk calls fn on n and every element below it.
func (n svgNode) walk(fn func(svgNode)) {
	fn(n)
	for _, k := range n.Kids {
		k.walk(fn)
	}
}

func parseSVG(t *testing.T, svg string) svgNode {
	t.Helper()
	var n svgNode
	if err := xml.Unmarshal([]byte(svg), &n); err != nil {
		t.Fatalf("the SVG is not well-formed XML: %v\n%s", err, svg)
	}
	return n
}

func weeksFrom(n int) []time.Time {
	x := make([]time.Time, n)
	for i := range x {
		x[i] = time.Date(2026, 1, 5+7*i, 0, 0, 0, 0, time.UTC)
	}
	return x
}

// spcSample: twelve weeks alternating 10 and 0 (mean 5, limits -21.6 and
// 31.6), then 25, 6, 24 (two in three: concern, with direction decrease),
// 40 (outside: concern), -30 (outside, low: improvement); rebased at week
// 13 when asked.
func spcSample(t *testing.T, rebase bool) *spc.Result {
	t.Helper()
	y := []float64{10, 0, 10, 0, 10, 0, 10, 0, 10, 0, 10, 0, 25, 6, 24, 40, -30}
	x := weeksFrom(len(y))
	target := 12.0
	opt := spc.Options{Direction: spc.Decrease, FixAfterNPoints: 12, Target: &target}
	if rebase {
		opt.Rebase = []time.Time{x[12]}
		opt.FixAfterNPoints = 0
	}
	r, err := spc.XmR(x, y, opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSPCChartPointsLinesAndIcons(t *testing.T) {
	c := SPC{ID: "falls", Title: "Falls per week", YLabel: "Falls", XLabel: "Week", Result: spcSample(t, false), Whole: true,
		Annotations: []Annotation{{X: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), Label: "ePMA go-live"}}}
	svg := string(c.SVG())
	root := parseSVG(t, svg)
	if root.XMLName.Local != "svg" || root.attr("width") != "100%" || root.attr("viewBox") != "0 0 400 280" || root.attr("role") != "img" {
		t.Errorf("root %v", root.Attrs)
	}
	byType := map[string]int{}
	shapes := map[string]string{}
	var polylines []svgNode
	var target, annotations, icons []svgNode
	var titles []string
	root.walk(func(n svgNode) {
		switch {
		case n.attr("class") == "spc-point":
			byType[n.attr("data-type")]++
			shapes[n.attr("data-type")] = n.XMLName.Local
		case n.XMLName.Local == "polyline":
			polylines = append(polylines, n)
		case n.attr("class") == "spc-target":
			target = append(target, n)
		case n.attr("class") == "spc-annotation":
			annotations = append(annotations, n)
		case strings.HasPrefix(n.attr("class"), "spc-icon "):
			icons = append(icons, n)
		case n.XMLName.Local == "title":
			titles = append(titles, n.Text)
		}
	})
	want := map[string]int{"common_cause": 13, "special_cause_concern": 3, "special_cause_improvement": 1}
	for k, v := range want {
		if byType[k] != v {
			t.Errorf("%d %s points, want %d (%v)", byType[k], k, v, byType)
		}
	}
	// The shape differs by class too, not only the colour.
	if shapes["common_cause"] != "circle" || shapes["special_cause_improvement"] != "rect" || shapes["special_cause_concern"] != "polygon" {
		t.Errorf("shapes %v", shapes)
	}
	// One segment: mean, upper, lower, data; limits dashed, mean solid.
	if len(polylines) != 4 {
		t.Fatalf("%d polylines", len(polylines))
	}
	for _, p := range polylines {
		dashed := p.attr("stroke-dasharray") != ""
		switch p.attr("class") {
		case "spc-mean", "spc-data":
			if dashed {
				t.Errorf("%s is dashed", p.attr("class"))
			}
		case "spc-upl", "spc-lpl":
			if !dashed {
				t.Errorf("%s is not dashed", p.attr("class"))
			}
		default:
			t.Errorf("polyline class %q", p.attr("class"))
		}
		if n := len(strings.Fields(p.attr("points"))); n != 17 {
			t.Errorf("%s has %d points", p.attr("class"), n)
		}
	}
	if len(target) != 1 || len(annotations) != 1 || !strings.Contains(svg, ">ePMA go-live<") {
		t.Errorf("target %d annotations %d", len(target), len(annotations))
	}
	// Icons: -30 is special cause improvement (low) with direction
	// decrease; the target 12 is inside the limits: hit and miss.
	if len(icons) != 2 || icons[0].attr("data-icon") != "inconsistent" || icons[1].attr("data-icon") != "improvement_low" {
		t.Errorf("icons %+v", icons)
	}
	// The title of each point says why it is special.
	joined := strings.Join(titles, "\n")
	for _, w := range []string{"Falls per week: SPC chart", "Variation: special cause improvement (lower values)",
		"Assurance: the process will hit and miss the target", "30 March 2026: 25, special cause concern (two out of three points close to a process limit)",
		"27 April 2026: -30, special cause improvement (a point beyond the process limits)"} {
		if !strings.Contains(joined, w) {
			t.Errorf("no title %q in\n%s", w, joined)
		}
	}
	var desc string
	root.walk(func(n svgNode) {
		if n.XMLName.Local == "desc" {
			desc = n.Text
		}
	})
	for _, w := range []string{"17 points from 5 January 2026 to 27 April 2026", "Latest value -30 on 27 April 2026",
		"Mean 5.0, lower process limit -21.6, upper process limit 31.6", "Target 12.0", "4 special cause points",
		"13 April 2026 (24, special cause concern, two out of three points close to a process limit)",
		"20 April 2026 (40, special cause concern, a point beyond the process limits)", "Marked 4 March 2026: ePMA go-live"} {
		if !strings.Contains(desc, w) {
			t.Errorf("description lacks %q:\n%s", w, desc)
		}
	}
	// The data table.
	rows := c.Table()
	if len(rows) != 17 || rows[12] != (SPCRow{Date: "30 March 2026", Value: "25", Mean: "5.0", Lower: "-21.6", Upper: "31.6",
		Class: "special cause concern", Reason: "two out of three points close to a process limit", Type: spc.SpecialCauseConcern}) {
		t.Errorf("row 12 %+v", rows[12])
	}
	if rows[0].Reason != "" || rows[0].Class != "common cause" || rows[0].Value != "10" {
		t.Errorf("row 0 %+v", rows[0])
	}
}

// Rebased: each segment has its own lines, and nothing joins across.
func TestSPCChartRebaseBreaksLines(t *testing.T) {
	r := spcSample(t, true)
	svg := string(SPC{ID: "r", Title: "Rebased", Result: r}.SVG())
	root := parseSVG(t, svg)
	count := map[string][]int{}
	rebase := 0
	root.walk(func(n svgNode) {
		if n.XMLName.Local == "polyline" {
			count[n.attr("class")] = append(count[n.attr("class")], len(strings.Fields(n.attr("points"))))
		}
		if n.attr("class") == "spc-rebase" {
			rebase++
		}
	})
	for _, k := range []string{"spc-mean", "spc-upl", "spc-lpl", "spc-data"} {
		if got := count[k]; len(got) != 2 || got[0] != 12 || got[1] != 5 {
			t.Errorf("%s: %v, want two lines of 12 and 5 points", k, got)
		}
	}
	if rebase != 1 {
		t.Errorf("%d rebase markers", rebase)
	}
	desc := SPC{Title: "Rebased", Result: r}.Description()
	if !strings.Contains(desc, "Until 23 March 2026: mean 5, process limits -22 to 32") || !strings.Contains(desc, "Rebased from 30 March 2026: mean") {
		t.Errorf("%s", desc)
	}
}

func TestSPCChartEscapesEveryLabel(t *testing.T) {
	c := SPC{ID: `x" onload="y`, Title: `<script>alert(1)</script>`, YLabel: "A & B", XLabel: "<i>",
		Result:      spcSample(t, false),
		Annotations: []Annotation{{X: time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC), Label: `"><script>`}}}
	svg := string(c.SVG())
	if strings.Contains(svg, "<script") || strings.Contains(svg, `onload="y`) || strings.Contains(svg, "<i>") {
		t.Errorf("unescaped markup:\n%s", svg)
	}
	root := parseSVG(t, svg)
	found := false
	root.walk(func(n svgNode) {
		if n.XMLName.Local == "title" && n.Text == "<script>alert(1)</script>: SPC chart" {
			found = true
		}
	})
	if !found {
		t.Error("the title does not read as written")
	}
	if (SPC{}).SVG() != "" {
		t.Error("no result should draw nothing")
	}
}

// A constant series (limits equal to the mean) and a two-point series
// still draw.
func TestSPCChartDegenerate(t *testing.T) {
	for _, y := range [][]float64{{4, 4, 4}, {1, 2}} {
		r, err := spc.XmR(weeksFrom(len(y)), y, spc.Options{})
		if err != nil {
			t.Fatal(err)
		}
		svg := string(SPC{ID: "c", Title: "C", Result: r}.SVG())
		root := parseSVG(t, svg)
		n := 0
		root.walk(func(s svgNode) {
			if s.attr("class") == "spc-point" {
				n++
			}
			if strings.Contains(s.attr("points")+s.attr("cy")+s.attr("y"), "NaN") {
				t.Errorf("NaN in %v", s.Attrs)
			}
		})
		if n != len(y) {
			t.Errorf("%v: %d points", y, n)
		}
	}
}

// yOf is the drawn height of each common cause point (circles), and the
// labels of the value axis.
func yOf(t *testing.T, c SPC) (ys []string, ticks []string) {
	t.Helper()
	parseSVG(t, string(c.SVG())).walk(func(n svgNode) {
		switch {
		case n.XMLName.Local == "circle" && n.attr("class") == "spc-point":
			ys = append(ys, n.attr("cy"))
		case n.XMLName.Local == "text" && n.attr("text-anchor") == "end" && n.attr("x") == "41":
			ticks = append(ticks, n.Text)
		}
	})
	return ys, ticks
}

// Small multiples share a value axis: with YMin and YMax fixed, two charts
// of different values draw the same ticks, and equal values at the same
// height; a chart on its own axis does not. A value beyond the fixed axis
// widens it rather than fall outside the plot.
func TestSPCChartFixedValueAxis(t *testing.T) {
	x := weeksFrom(6)
	small, err := spc.XmR(x, []float64{2, 3, 2, 3, 2, 3}, spc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	large, err := spc.XmR(x, []float64{2, 60, 40, 55, 45, 50}, spc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lo1, hi1 := SPC{Result: small}.ValueRange()
	lo2, hi2 := SPC{Result: large}.ValueRange()
	if !(lo1 < 2 && hi1 > 3 && hi1 < 10) || !(hi2 > 60) {
		t.Fatalf("own ranges: %v..%v and %v..%v", lo1, hi1, lo2, hi2)
	}
	lo, hi := min(lo1, lo2), max(hi1, hi2)
	a := SPC{ID: "a", Title: "A", Result: small, YMin: lo, YMax: hi}
	b := SPC{ID: "b", Title: "B", Result: large, YMin: lo, YMax: hi}
	ya, ta := yOf(t, a)
	yb, tb := yOf(t, b)
	if strings.Join(ta, " ") != strings.Join(tb, " ") || len(ta) < 3 {
		t.Errorf("shared axis ticks differ: %v and %v", ta, tb)
	}
	if len(ya) != 6 || len(yb) != 6 || ya[0] != yb[0] {
		t.Errorf("the value 2 is drawn at %v in one chart and %v in the other", ya, yb)
	}
	if own, _ := yOf(t, SPC{ID: "c", Title: "C", Result: small}); own[0] == ya[0] {
		t.Errorf("the chart on its own axis draws 2 at %s too: the fixed axis changed nothing", own[0])
	}
	// A fixed axis that does not hold the values is widened to hold them.
	n := SPC{ID: "d", Title: "D", Result: large, YMin: 0, YMax: 10}
	if lo, hi := n.ValueRange(); lo > 0 || hi < 60 {
		t.Errorf("axis 0..10 for values up to 60: %v..%v, want from 0 or below to at least 60", lo, hi)
	}
	if lo, hi := a.ValueRange(); lo != a.YMin || hi != a.YMax {
		t.Errorf("fixed axis: %v..%v, want %v..%v", lo, hi, a.YMin, a.YMax)
	}
}

// A value axis that starts just below zero labels its zero tick "0", not
// "-0" (the ceiling of a small negative number is negative zero).
func TestTickLabelsNoNegativeZero(t *testing.T) {
	for _, r := range [][2]float64{{-0.1, 2.1}, {-0.4, 0.9}, {-3, 40}} {
		for _, v := range niceTicks(r[0], r[1], 5) {
			if s := tickLabel(v); s == "-0" {
				t.Errorf("ticks of %v to %v: label %q, want 0", r[0], r[1], s)
			}
		}
	}
}

// A long title (a measure with three filters) is drawn on up to two lines
// that stay clear of the icons, top right, ending with an ellipsis when it
// is longer still; the full title stays the chart's accessible name.
func TestSPCLongTitleWraps(t *testing.T) {
	long := "Safety events reported: Graded harm Moderate physical harm or worse and Location Ward 7 and Record type Patient safety incident by week"
	for _, title := range []string{"Falls per week", long[:70], long} {
		root := parseSVG(t, string(SPC{ID: "c", Title: title, Result: spcSample(t, false)}.SVG()))
		var lines []string
		root.walk(func(n svgNode) {
			if n.XMLName.Local == "text" && n.attr("class") == "spc-title" {
				lines = append(lines, n.Text)
			}
		})
		drawn := strings.Join(lines, " ")
		switch {
		case len(lines) == 0 || len(lines) > 2:
			t.Errorf("%q: drawn on %d lines, want 1 or 2", title, len(lines))
		case len(title) <= 40 && drawn != title, len(title) <= 80 && len(title) > 40 && (drawn != title || len(lines) != 2):
			t.Errorf("%q: drawn as %q", title, lines)
		case len(title) > 80 && (!strings.HasSuffix(drawn, "…") || !strings.HasPrefix(title, strings.TrimSuffix(drawn, "…"))):
			t.Errorf("%q: drawn as %q, want its start and an ellipsis", title, lines)
		}
		for _, l := range lines {
			// 13 px bold: 40 characters end short of the icons at x 300.
			if n := len([]rune(l)); n > 41 {
				t.Errorf("%q: line %q of %d characters runs under the icons", title, l, n)
			}
		}
		var name string
		root.walk(func(n svgNode) {
			if n.XMLName.Local == "title" && n.attr("id") == "c-title" {
				name = n.Text
			}
		})
		if name != title+": SPC chart" {
			t.Errorf("%q: accessible name %q", title, name)
		}
	}
}
