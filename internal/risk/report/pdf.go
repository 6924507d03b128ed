package report

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/go-pdf/fpdf"
)

// Options adjust PDF output.
type Options struct {
	// Uncompressed leaves page content streams readable (for tests and
	// debugging); documents are larger.
	Uncompressed bool
}

// Page geometry in millimetres (A4 portrait).
const (
	margin   = 20.0
	lineH    = 5.0
	font     = "Helvetica"
	bodySize = 10.0
)

// hazard table columns: ref, name, initial, residual, status.
var tableCols = []struct {
	title string
	w     float64
	align string
}{{"Ref", 22, "L"}, {"Hazard", 90, "L"}, {"Initial rating", 20, "C"}, {"Residual rating", 20, "C"}, {"Status", 18, "L"}}

// cp1252 translates UTF-8 to the code page of the core fonts, so that £, –,
// ’ and the like print. The table is built once and shared.
var cp1252 = sync.OnceValue(func() func(string) string {
	return fpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("")
})

// PDF writes c as a PDF document: a title page, each section with a heading
// and wrapped text, the hazard table (with its header row repeated on each
// page) and page numbers in the footer.
func PDF(c risk.CSCR, w io.Writer) error { return PDFWithOptions(c, w, Options{}) }

// PDFWithOptions is PDF with options.
func PDFWithOptions(c risk.CSCR, w io.Writer, opts Options) error {
	tr := cp1252()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(!opts.Uncompressed)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin)
	pdf.SetTitle(c.Title(), true)
	pdf.SetCreator("clinsafe", true)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont(font, "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 5, tr(c.Title()), "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5, fmt.Sprintf("Page %d of {nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})

	titlePage(pdf, c, tr)
	pdf.AddPage()
	for i, s := range c.Sections {
		heading(pdf, fmt.Sprintf("%d. %s", i+1, s.Title), tr)
		if strings.TrimSpace(s.Text) != "" {
			if s.Generated {
				pdf.SetFont(font, "I", bodySize)
				pdf.MultiCell(0, lineH, tr(draftNote(s)), "", "L", false)
				pdf.Ln(1)
			}
			body(pdf, s.Text, tr)
		}
		if len(s.Facts) > 0 {
			pdf.SetFont(font, "B", bodySize)
			pdf.MultiCell(0, lineH, tr(factsLead), "", "L", false)
			pdf.Ln(1)
			body(pdf, "- "+strings.Join(s.Facts, "\n- "), tr)
		}
		if s.Key == risk.SectionHazardLog {
			hazardTable(pdf, c, tr)
		}
		pdf.Ln(4)
	}
	if err := pdf.Output(w); err != nil {
		return apperr.Wrap(apperr.Internal, err, "The safety case report could not be produced")
	}
	return nil
}

func titlePage(pdf *fpdf.Fpdf, c risk.CSCR, tr func(string) string) {
	pdf.AddPage()
	pdf.SetY(60)
	pdf.SetFont(font, "B", 22)
	pdf.MultiCell(0, 10, tr("Clinical Safety Case Report"), "", "L", false)
	pdf.SetFont(font, "", 16)
	name := c.System.Name
	if name == "" {
		name = "Unnamed system"
	}
	pdf.MultiCell(0, 8, tr(name), "", "L", false)
	pdf.Ln(10)
	for _, kv := range details(c) {
		pdf.SetFont(font, "B", bodySize)
		pdf.CellFormat(60, lineH+1, tr(kv[0]), "", 0, "L", false, 0, "")
		pdf.SetFont(font, "", bodySize)
		pdf.MultiCell(0, lineH+1, tr(kv[1]), "", "L", false)
	}
}

func heading(pdf *fpdf.Fpdf, text string, tr func(string) string) {
	_, pageH := pdf.GetPageSize()
	if pdf.GetY() > pageH-margin-25 { // keep a heading with its first lines
		pdf.AddPage()
	}
	pdf.SetFont(font, "B", 14)
	pdf.MultiCell(0, 8, tr(text), "", "L", false)
	pdf.Ln(1)
}

// body writes light Markdown: blank-line separated paragraphs, and lines
// starting "- " or "* " as bullets.
func body(pdf *fpdf.Fpdf, text string, tr func(string) string) {
	pdf.SetFont(font, "", bodySize)
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		var plain []string
		flush := func() {
			if len(plain) > 0 {
				pdf.MultiCell(0, lineH, tr(strings.Join(plain, " ")), "", "L", false)
				plain = nil
			}
		}
		for _, line := range strings.Split(para, "\n") {
			line = strings.TrimSpace(line)
			if rest, ok := cutBullet(line); ok {
				flush()
				x := pdf.GetX()
				pdf.CellFormat(6, lineH, tr("•"), "", 0, "L", false, 0, "")
				pdf.MultiCell(0, lineH, tr(rest), "", "L", false)
				pdf.SetX(x)
				continue
			}
			plain = append(plain, line)
		}
		flush()
		pdf.Ln(2)
	}
}

func cutBullet(line string) (string, bool) {
	for _, p := range []string{"- ", "* "} {
		if rest, ok := strings.CutPrefix(line, p); ok {
			return rest, true
		}
	}
	return "", false
}

func tableHeader(pdf *fpdf.Fpdf, tr func(string) string) {
	pdf.SetFont(font, "B", 9)
	pdf.SetFillColor(217, 226, 243)
	for _, col := range tableCols {
		pdf.CellFormat(col.w, 7, tr(col.title), "1", 0, col.align, true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont(font, "", 9)
}

// hazardTable draws the hazard rows, breaking pages itself so that a row is
// never split and the header row starts every page of the table.
func hazardTable(pdf *fpdf.Fpdf, c risk.CSCR, tr func(string) string) {
	_, pageH := pdf.GetPageSize()
	bottom := pageH - margin
	pdf.Ln(2)
	if pdf.GetY()+14 > bottom {
		pdf.AddPage()
	}
	tableHeader(pdf, tr)
	if len(c.Hazards) == 0 {
		pdf.CellFormat(0, 7, tr("No hazards recorded."), "1", 1, "L", false, 0, "")
		return
	}
	const rowLine = 4.5
	nameW := tableCols[1].w
	for _, h := range c.Hazards {
		name := tr(h.Name)
		lines := pdf.SplitText(name, nameW-2)
		if len(lines) == 0 {
			lines = []string{""}
		}
		rowH := float64(len(lines))*rowLine + 2
		if pdf.GetY()+rowH > bottom {
			pdf.AddPage()
			tableHeader(pdf, tr)
		}
		x, y := pdf.GetX(), pdf.GetY()
		cells := []string{tr(h.Ref), "", ratingText(h.InitialRating), ratingText(h.ResidualRating), tr(h.Status.Label())}
		cx := x
		for i, col := range tableCols {
			pdf.Rect(cx, y, col.w, rowH, "D")
			if i == 1 {
				for j, l := range lines {
					pdf.SetXY(cx+1, y+1+float64(j)*rowLine)
					pdf.CellFormat(nameW-2, rowLine, l, "", 0, "L", false, 0, "")
				}
			} else {
				pdf.SetXY(cx, y+1)
				pdf.CellFormat(col.w, rowLine, tr(cells[i]), "", 0, col.align, false, 0, "")
			}
			cx += col.w
		}
		pdf.SetXY(x, y+rowH)
	}
	pdf.Ln(3)
	pdf.SetFont(font, "B", 9)
	pdf.MultiCell(0, lineH, tr("Risk ratings"), "", "L", false)
	pdf.SetFont(font, "", 9)
	for r := 5; r >= 1; r-- {
		pdf.MultiCell(0, rowLine, tr(fmt.Sprintf("%d: %s", r, c.Acceptability[r-1])), "", "L", false)
	}
}
