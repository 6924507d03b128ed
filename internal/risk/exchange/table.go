package exchange

import (
	"fmt"
	"io"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
)

// Table is a spreadsheet (XLSX or CSV) read and checked (size, text,
// formulas) but not yet turned into hazards: either imported as it is, when
// it is in a clinsafe layout, or through a Mapping of its columns.
type Table struct {
	// Format is "xlsx" or "csv".
	Format string
	// Sheet is the sheet read (XLSX).
	Sheet string
	rows  [][]string
	hi    int // index of the header row in rows
	// the About sheet (XLSX), and which of its value cells held formulas
	about        [][]string
	aboutFormula map[int]bool
	hasAbout     bool
}

// ReadTable reads an XLSX or CSV file (format "xlsx" or "csv") with the
// limits and checks of ImportXLSX and ImportCSV. The header is the first
// row with two cells or more (rows of one cell above it are a title), or
// else the first row that is not blank. It returns RowErrors for cells that cannot be
// stored or hold formulas, Invalid or TooLarge for a file that cannot be
// read.
func ReadTable(r io.Reader, format string) (*Table, error) {
	var t *Table
	var err error
	switch format {
	case "xlsx":
		t, err = readXLSXTable(r)
	case "csv":
		t, err = readCSVTable(r)
	default:
		return nil, apperr.New(apperr.Invalid, "Only spreadsheets (.xlsx) and CSV (.csv) files have columns to map")
	}
	if err != nil {
		return nil, err
	}
	t.hi = -1
	for i, r := range t.rows {
		n := filled(r)
		if n > 0 && t.hi < 0 {
			t.hi = i
		}
		if n >= 2 {
			t.hi = i
			break
		}
		if i > maxTitleRows {
			break
		}
	}
	if t.hi < 0 {
		return nil, RowErrors{{Row: 1, Message: "the file has no header row; the first row must hold the column names"}}
	}
	return t, nil
}

// maxTitleRows is how far down a header is looked for below rows of one
// cell (a title above the table).
const maxTitleRows = 10

func filled(r []string) int {
	n := 0
	for _, c := range r {
		if strings.TrimSpace(c) != "" {
			n++
		}
	}
	return n
}

// Header returns the header row's cells, trimmed, without trailing blanks.
func (t *Table) Header() []string {
	h := append([]string(nil), t.rows[t.hi]...)
	for i := range h {
		h[i] = strings.TrimSpace(h[i])
	}
	for len(h) > 0 && h[len(h)-1] == "" {
		h = h[:len(h)-1]
	}
	return h
}

// HeaderRow is the spreadsheet row number of the header.
func (t *Table) HeaderRow() int { return t.hi + 1 }

// legacyOnly are headers found only in the layout clinsafe exported before
// one row per control, which is still read.
var legacyOnly = []string{ColControls, ColControlOwner, ColActions, ColRBUserID, ColProvenance}

func (t *Table) legacy() bool {
	for _, cell := range t.rows[t.hi] {
		for _, l := range legacyOnly {
			if normHeader(cell) == normHeader(l) {
				return true
			}
		}
	}
	return false
}

// Clinsafe reports whether the header is a complete clinsafe layout (the
// current one or the earlier one), which imports without a mapping.
func (t *Table) Clinsafe() bool {
	if t.legacy() {
		var c collector
		readHeader(t.rows[t.hi], t.hi+1, &c)
		return len(c.errs) == 0
	}
	return isSheetHeader(t.rows[t.hi])
}

// Import reads the table as a clinsafe layout: the current one (columns as
// SheetColumns) or the earlier one with stacked cells (Columns). Anything
// else is reported column by column.
func (t *Table) Import(m risk.Matrix) (*risk.Log, error) {
	var c collector
	var hs []risk.Hazard
	if t.legacy() {
		hs = readRows(t.rows, m, t.Format == "xlsx", &c)
	} else {
		mp := sheetHeader(t.rows[t.hi], t.hi+1, &c)
		if len(c.errs) > 0 {
			return nil, c.err()
		}
		hs = hazardsOf(readMapped(t.rows, t.hi, mp, m, t.Format == "xlsx", &c))
	}
	return t.finish(hs, &c)
}

// ImportMapped reads the table with the columns mapped as mp: a file in
// someone else's layout. Rows with the same hazard number (or, with no
// number, rows below a hazard that hold only a control or an action) belong
// to one hazard. Invalid when mp does not fit the header; RowErrors for
// problems in the rows.
func (t *Table) ImportMapped(mp Mapping, m risk.Matrix) (*risk.Log, error) {
	if err := t.checkMapping(mp); err != nil {
		return nil, err
	}
	var c collector
	hs := readMapped(t.rows, t.hi, mp, m, t.Format == "xlsx", &c)
	return t.finish(hazardsOf(hs), &c)
}

func (t *Table) checkMapping(mp Mapping) error {
	bad := mp.Valid(max(len(t.rows[t.hi]), len(t.Header())))
	if len(bad) == 0 {
		return nil
	}
	f := map[string]string{}
	for k, v := range bad {
		f["map-"+string(k)] = v
	}
	return &apperr.Error{Kind: apperr.Invalid, Message: "Choose a column for each field that needs one", Fields: f}
}

func (t *Table) finish(hs []risk.Hazard, c *collector) (*risk.Log, error) {
	l := &risk.Log{Hazards: hs}
	if t.hasAbout {
		readAboutRows(t.about, t.aboutFormula, l, c)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return l, nil
}

// PreviewRow is one hazard as a mapping reads it, for the mapping step.
type PreviewRow struct {
	// Row is the spreadsheet row the hazard starts on.
	Row      int
	Ref      string
	Name     string
	Initial  string
	Residual string
	Status   string
	Controls int
	Actions  int
	// Problems are the row errors of the hazard's rows, "Column: message".
	Problems []string
}

// Preview is what importing with a mapping would give.
type Preview struct {
	// Rows are the first hazards.
	Rows []PreviewRow
	// Hazards counts every hazard found.
	Hazards int
	// Errors is every problem in the file (empty when it would import).
	Errors RowErrors
}

// Preview reads the table with mp as ImportMapped does and describes the
// first n hazards with their problems. Invalid when mp does not fit.
func (t *Table) Preview(mp Mapping, m risk.Matrix, n int) (Preview, error) {
	if err := t.checkMapping(mp); err != nil {
		return Preview{}, err
	}
	var c collector
	hs := readMapped(t.rows, t.hi, mp, m, t.Format == "xlsx", &c)
	if t.hasAbout {
		readAboutRows(t.about, t.aboutFormula, &risk.Log{}, &c)
	}
	p := Preview{Hazards: len(hs)}
	if err := c.err(); err != nil {
		p.Errors = err.(RowErrors)
	}
	for _, hr := range hs {
		if len(p.Rows) == n {
			break
		}
		h := hr.h
		pr := PreviewRow{Row: hr.first, Ref: h.Ref, Name: h.Name, Status: h.Status.Label(), Controls: len(h.Controls), Actions: len(h.Actions),
			Initial: ratingText(m, h.InitialSeverity, h.InitialLikelihood), Residual: ratingText(m, h.ResidualSeverity, h.ResidualLikelihood)}
		for _, e := range p.Errors {
			if e.Row >= hr.first && e.Row <= hr.last {
				msg := e.Message
				if e.Column != "" {
					msg = e.Column + ": " + msg
				}
				if e.Row != hr.first {
					msg = fmt.Sprintf("row %d, %s", e.Row, msg)
				}
				pr.Problems = append(pr.Problems, msg)
			}
		}
		p.Rows = append(p.Rows, pr)
	}
	return p, nil
}

func ratingText(m risk.Matrix, s risk.Severity, l risk.Likelihood) string {
	if s == 0 && l == 0 {
		return ""
	}
	r, err := m.Rate(s, l)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d (%s severity, %s likelihood)", r, s, l)
}
