package evidenceweb

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/go-pdf/fpdf"
)

// boardPDF is the board pack: the chosen measures (?m=code, repeated) as
// one PDF, each chart drawn from the same series and result as the page,
// with its reading and the statements of changes marked on it.
func (s *Module) boardPDF(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	codes := r.URL.Query()["m"]
	if len(codes) == 0 {
		return apperr.Field("m", "Choose at least one measure for the board pack")
	}
	if len(codes) > 20 {
		return apperr.Field("m", "A board pack has at most 20 measures")
	}
	var views []ChartView
	for _, code := range codes {
		m, ok := evidence.MeasureByCode(code)
		if !ok || !m.Available || slices.ContainsFunc(views, func(v ChartView) bool { return v.Measure.Code == code }) {
			return apperr.Field("m", "Choose measures from the list")
		}
		f, q, opt, err := parseFilters(nil, m, s.ev.Now())
		if err != nil {
			return err
		}
		changes, err := s.ev.Changes(r.Context(), p.Org.ID, m.Code, "", "")
		if err != nil {
			return err
		}
		v, err := s.chart(r.Context(), []store.OrgID{p.Org.ID}, f, q, opt, changes)
		if err != nil {
			return err
		}
		views = append(views, v)
	}
	doc := fpdf.New("L", "mm", "A4", "")
	tr := doc.UnicodeTranslatorFromDescriptor("")
	doc.SetTitle(tr("Board pack: "+p.Org.Name), false)
	doc.SetFooterFunc(func() {
		doc.SetY(-12)
		doc.SetFont("Helvetica", "", 8)
		doc.CellFormat(0, 6, tr(fmt.Sprintf("%s - board pack - %s - page %d", p.Org.Name, s.ev.Now().Format("2 January 2006"), doc.PageNo())), "", 0, "C", false, 0, "")
	})
	for _, v := range views {
		doc.AddPage()
		doc.SetFont("Helvetica", "B", 16)
		doc.MultiCell(0, 8, tr(v.Title()), "", "L", false)
		doc.SetFont("Helvetica", "", 10)
		if v.Result == nil {
			doc.MultiCell(0, 6, tr(v.CannotDraw), "", "L", false)
			continue
		}
		pdfChart(doc, v, changesOf(v), 15, doc.GetY()+4, 267, 110)
		doc.SetY(doc.GetY() + 118)
		doc.MultiCell(0, 6, tr(v.Reading), "", "L", false)
		for _, c := range v.Changes {
			doc.SetFont("Helvetica", "B", 10)
			doc.MultiCell(0, 6, tr("Change: "+c.Title+", "+c.On.Format("2 January 2006")), "", "L", false)
			doc.SetFont("Helvetica", "", 10)
			doc.MultiCell(0, 5, tr(c.Statement.Words()), "", "L", false)
		}
	}
	var buf bytes.Buffer
	if err := doc.Output(&buf); err != nil {
		return fmt.Errorf("evidence: board pack: %w", err)
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="board-pack.pdf"`)
	_, err := buf.WriteTo(w)
	return err
}

func changesOf(v ChartView) []evidencedb.MarkedChange {
	out := make([]evidencedb.MarkedChange, len(v.Changes))
	for i, c := range v.Changes {
		out[i] = c.MarkedChange
	}
	return out
}

// pdfChart draws the chart of v in the box (x, y, w, h): limits dashed,
// the mean solid, points by class, marked changes as vertical lines.
func pdfChart(doc *fpdf.Fpdf, v ChartView, changes []evidencedb.MarkedChange, x, y, w, h float64) {
	r := v.Result
	lo, hi := yRange(r)
	n := len(r.Points)
	const left = 14.0
	xs := func(i int) float64 { return x + left + float64(i)*(w-left)/float64(max(n-1, 1)) }
	ys := func(val float64) float64 { return y + (hi-val)/(hi-lo)*h }
	doc.SetFont("Helvetica", "", 7)
	doc.SetDrawColor(216, 221, 224)
	doc.SetLineWidth(0.2)
	for k := 0; k <= 4; k++ {
		val := lo + (hi-lo)*float64(k)/4
		doc.Line(x+left, ys(val), x+w, ys(val))
		doc.Text(x, ys(val)+1, evidence.Num(val))
	}
	for _, sg := range r.Segments {
		for i := sg.Start + 1; i < sg.End; i++ {
			a, b := r.Points[i-1], r.Points[i]
			doc.SetDashPattern(nil, 0)
			doc.SetDrawColor(33, 43, 50)
			doc.SetLineWidth(0.4)
			doc.Line(xs(i-1), ys(a.Mean), xs(i), ys(b.Mean))
			doc.SetDashPattern([]float64{1.5, 1}, 0)
			doc.SetDrawColor(76, 98, 114)
			doc.Line(xs(i-1), ys(a.UPL), xs(i), ys(b.UPL))
			doc.Line(xs(i-1), ys(a.LPL), xs(i), ys(b.LPL))
			doc.SetDashPattern(nil, 0)
			doc.SetDrawColor(174, 183, 189)
			doc.SetLineWidth(0.2)
			doc.Line(xs(i-1), ys(a.Y), xs(i), ys(b.Y))
		}
	}
	for i, pt := range r.Points {
		fill, shape := pointColour(pt.Type)
		var cr, cg, cb int
		fmt.Sscanf(fill, "#%02x%02x%02x", &cr, &cg, &cb)
		doc.SetFillColor(cr, cg, cb)
		if shape == "circle" {
			doc.Circle(xs(i), ys(pt.Y), 0.9, "F")
		} else {
			doc.Rect(xs(i)-1, ys(pt.Y)-1, 2, 2, "F")
		}
	}
	doc.SetDrawColor(51, 0, 114)
	doc.SetLineWidth(0.5)
	for _, c := range changes {
		at := v.Period.Start(c.On)
		for i, pt := range r.Points {
			if pt.X.Equal(at) {
				doc.Line(xs(i), y, xs(i), y+h)
			}
		}
	}
	doc.SetLineWidth(0.2)
	for _, i := range []int{0, n / 2, n - 1} {
		doc.Text(xs(i)-8, y+h+5, r.Points[i].X.Format("2 Jan 2006"))
	}
}
