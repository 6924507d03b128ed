package exchange

import (
	"archive/zip"
	"bytes"
	"fmt"
	textcheck "github.com/clinsafe/clinsafe/internal/text"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/xuri/excelize/v2"
)

// Sheet names in an exported workbook.
const (
	SheetHazards = "Hazard log"
	SheetAbout   = "About"
)

// Limits on an XLSX import.
const (
	maxXLSXBytes    = 32 << 20
	maxCellUTF16    = excelize.TotalCellChars
	formulaAdvice   = "formulas are not accepted; paste values"
	aboutFormat     = "Format"
	aboutFormatText = "clinsafe-hazard-log 1"
)

// aboutRows are the About sheet's key/value rows. The first says plainly
// whether the log is an issued version (which, approved by whom, when, and
// its content hash) or a working copy that no one has approved.
func aboutRows(l risk.Log, exported time.Time) [][2]string {
	var rows [][2]string
	if l.Version != "" {
		status := "Issued version " + l.Version + " of this hazard log"
		if l.ApprovedBy != "" {
			status += ", approved by " + l.ApprovedBy
		}
		if !l.IssuedAt.IsZero() {
			status += " on " + formatWhen(l.IssuedAt)
		}
		rows = append(rows, [2]string{"Status", status + "."})
	} else {
		rows = append(rows, [2]string{"Status", "Working copy: NOT an issued version of this hazard log. No one has approved it, " +
			"and it may have changed since it was exported on " + formatWhen(exported) + "."})
	}
	s := l.System
	rows = append(rows, [][2]string{{"System", s.Name}, {"System version", s.Version}, {"Organisation", s.Organisation},
		{"Supplier", s.Supplier}, {"Standard", string(s.Standard)}, {"Intended use", s.IntendedUse},
		{"Clinical scope", s.ClinicalScope}, {"Configuration", s.Configuration}}...)
	if l.Version != "" {
		hash, _ := l.ContentHash()
		rows = append(rows, [][2]string{{"Hazard log version", l.Version}, {"Issued", formatWhen(l.IssuedAt)},
			{"Approved by", l.ApprovedBy}, {"Content hash (SHA-256)", hash}}...)
	}
	return append(rows, [][2]string{{"Exported", formatWhen(exported)}, {aboutFormat, aboutFormatText}}...)
}

// ExportXLSX writes l as a workbook: a "Hazard log" sheet with a bold,
// frozen header row and the hazards in number order, one row per control
// and per action (columns as SheetColumns; no internal ids; dates as
// "1 December 2026"), and an "About" sheet that says whether the log is an
// issued version or a working copy, with the system and log details and
// the export time. Ratings are rated by the default matrix; use ExportXLSXMatrix
// for an organisation's own. It returns an Invalid error when a cell would
// exceed the spreadsheet limit of 32,767 characters.
func ExportXLSX(w io.Writer, l risk.Log) error {
	return ExportXLSXMatrix(w, l, risk.DefaultMatrix(), time.Now())
}

// ExportXLSXMatrix is ExportXLSX with an explicit matrix and export time.
func ExportXLSXMatrix(w io.Writer, l risk.Log, m risk.Matrix, now time.Time) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetHazards); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E2F3"}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
	})
	if err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	cols := SheetColumns()
	if err := writeRow(f, SheetHazards, 1, cols, nil); err != nil {
		return err
	}
	n := 1
	for _, h := range l.Sorted() {
		for _, row := range sheetRows(h, m) {
			for j, v := range row {
				if len(utf16.Encode([]rune(v))) > maxCellUTF16 {
					return apperr.New(apperr.Invalid, "%s, %s: the text is longer than a spreadsheet cell can hold; export as JSON instead",
						h.Ref, cols[j])
				}
			}
			n++
			if err := writeRow(f, SheetHazards, n, row, ratingCols); err != nil {
				return err
			}
		}
	}
	last, _ := excelize.ColumnNumberToName(len(cols))
	steps := []error{
		f.SetRowStyle(SheetHazards, 1, 1, bold),
		f.SetPanes(SheetHazards, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}),
		f.AutoFilter(SheetHazards, "A1:"+last+strconv.Itoa(n), nil),
	}
	if n > 1 {
		steps = append(steps, f.SetCellStyle(SheetHazards, "A2", last+strconv.Itoa(n), wrap))
	}
	for i, c := range cols {
		name, _ := excelize.ColumnNumberToName(i + 1)
		steps = append(steps, f.SetColWidth(SheetHazards, name, name, columnWidth(c)))
	}
	if _, err := f.NewSheet(SheetAbout); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	for i, kv := range aboutRows(l, now) {
		steps = append(steps, writeRow(f, SheetAbout, i+1, kv[:], nil))
	}
	steps = append(steps, f.SetColWidth(SheetAbout, "A", "A", 22), f.SetColWidth(SheetAbout, "B", "B", 60),
		f.SetColStyle(SheetAbout, "A", bold))
	for _, err := range steps {
		if err != nil {
			return fmt.Errorf("export xlsx: %w", err)
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	return nil
}

// ratingCols are written as numbers.
var ratingCols = map[int]bool{fieldIndex(FieldInitialRating): true, fieldIndex(FieldResidualRating): true}

func fieldIndex(f Field) int {
	for i, fi := range fieldList {
		if fi.Field == f {
			return i
		}
	}
	return -1
}

func writeRow(f *excelize.File, sheet string, row int, vals []string, numeric map[int]bool) error {
	for i, v := range vals {
		if v == "" {
			continue
		}
		ref := cellRef(i, row)
		var err error
		if n, nerr := strconv.Atoi(v); numeric[i] && nerr == nil {
			err = f.SetCellInt(sheet, ref, int64(n))
		} else {
			err = f.SetCellStr(sheet, ref, v)
		}
		if err != nil {
			return fmt.Errorf("export xlsx: %s: %w", ref, err)
		}
	}
	return nil
}

func columnWidth(col string) float64 {
	switch col {
	case ColNumber, ColInitialRating, ColResidualRating, ColStatus, "Control side", "Action done":
		return 12
	case ColInitialSeverity, ColInitialLikelihood, ColResidualSeverity, ColResidualLikelihood, ColControlType:
		return 14
	case ColName, "Control owner", ColActionOwner, ColRBBy, ColRBAt, "Action due", "Action done on", "Imported on", "Source version", "Source reference":
		return 24
	}
	return 45
}

// ImportXLSX reads a hazard log from a workbook: the sheet named "Hazard log"
// if there is one, otherwise the first sheet, with a header row of
// SheetColumns (number, name, initial severity and likelihood and status
// required, the rest optional, in any order) or of the earlier layout
// Columns, and system details from an "About" sheet when present. A
// workbook in another layout is read with ReadTable and a Mapping. Ratings are
// checked against m. On any problem it returns a RowErrors naming each row,
// column and cell, and no log; cells holding formulas are always rejected.
// A file that is not a readable workbook gives an Invalid error; one that
// unpacks to more than the MaxXLSX* size limits a TooLarge error, checked
// before anything is unpacked; one with more rows, columns, cells or text
// than the limits allow an Invalid error, found while streaming the sheet.
func ImportXLSX(r io.Reader, m risk.Matrix) (*risk.Log, error) {
	t, err := ReadTable(r, "xlsx")
	if err != nil {
		return nil, err
	}
	return t.Import(m)
}

// readXLSXTable reads the hazard log sheet (and the About sheet) of a
// workbook into a Table, checking the limits as it goes.
func readXLSXTable(r io.Reader) (t *Table, err error) {
	// excelize is third-party: a panic inside it on a malformed file becomes
	// an Invalid error rather than crashing the server.
	defer func() {
		if p := recover(); p != nil {
			t, err = nil, apperr.Wrap(apperr.Invalid, fmt.Errorf("excelize panic: %v", p),
				"The file could not be read as an XLSX spreadsheet")
		}
	}()
	b, err := io.ReadAll(io.LimitReader(r, maxXLSXBytes+1))
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid, err, "The file could not be read")
	}
	if len(b) > maxXLSXBytes {
		return nil, apperr.New(apperr.TooLarge, "The spreadsheet is larger than %d MB", maxXLSXBytes>>20)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid, err, "The file could not be read as an XLSX spreadsheet")
	}
	if err := checkParts(zr); err != nil {
		return nil, err
	}
	parts := partsOf(zr)
	sheetParts, err := parts.sheetParts()
	if err != nil {
		return nil, err
	}
	sst, err := scanSharedStrings(parts)
	if err != nil {
		return nil, err
	}
	scans, err := scanSheets(sheetParts, sst)
	if err != nil {
		return nil, err
	}
	// Sheets and shared strings over 1 MB are streamed from a temporary
	// file rather than held in memory.
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: MaxXLSXUnzipBytes, UnzipXMLSizeLimit: 1 << 20})
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid, err, "The file could not be read as an XLSX spreadsheet")
	}
	defer f.Close()

	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, RowErrors{{Message: "the workbook has no sheets"}}
	}
	sheet := sheets[0]
	for _, s := range sheets {
		if strings.EqualFold(s, SheetHazards) {
			sheet = s
		}
	}
	rows, scan, err := readSheet(f, sheet, scans)
	if err != nil {
		return nil, err
	}
	var c collector
	checkFormulas(scan, rows, &c)
	if len(c.errs) > 0 {
		return nil, c.err()
	}
	t = &Table{Format: "xlsx", Sheet: sheet, rows: rows}
	for _, s := range sheets {
		if strings.EqualFold(s, SheetAbout) && s != sheet {
			rows, scan, err := readSheet(f, s, scans)
			if err != nil {
				if apperr.Is(err, apperr.Invalid) {
					return nil, err
				}
				return nil, RowErrors{{Column: SheetAbout, Message: "the About sheet could not be read"}}
			}
			t.about, t.hasAbout, t.aboutFormula = rows, true, map[int]bool{}
			for _, p := range scan.formulas {
				if p.col == 1 {
					t.aboutFormula[p.row] = true
				}
			}
		}
	}
	return t, nil
}

// readSheet reads a sheet that scanSheets has checked with excelize's
// streaming reader, counting rows, cells and text again as it goes. Rows
// are numbered as in the sheet (rows[0] is row 1). A sheet the scan did not
// find is not read.
func readSheet(f *excelize.File, sheet string, scans scanned) ([][]string, sheetScan, error) {
	scan, ok := scans[strings.ToLower(sheet)]
	if !ok {
		return nil, scan, apperr.New(apperr.Invalid, "The sheet %q could not be read: the workbook does not say where it is. Save the file again from your spreadsheet program.", sheet)
	}
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, scan, apperr.Wrap(apperr.Invalid, err, "The sheet "+strconv.Quote(sheet)+" could not be read")
	}
	defer it.Close()
	var rows [][]string
	var bad RowErrors
	cells, text, n := 0, 0, 0
	for it.Next() {
		n++
		if n > MaxXLSXRows {
			break // the scan found no data below; excelize counts empty rows one by one
		}
		row, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, scan, apperr.Wrap(apperr.Invalid, err, "The sheet "+strconv.Quote(sheet)+" could not be read: row "+strconv.Itoa(n)+" is damaged")
		}
		if len(row) == 0 {
			continue
		}
		cells += len(row)
		for i, v := range row {
			text += len(v)
			if msg := textcheck.Unstorable(v); msg != "" && len(bad) < maxRowErrors {
				bad = append(bad, RowError{Row: n, Column: columnName(rows, i), Cell: cellRef(i, n), Message: msg})
			}
		}
		if len(row) > MaxXLSXColumns || cells > 2*MaxXLSXCells || text > MaxXLSXTextBytes {
			return nil, scan, apperr.New(apperr.Invalid, "Sheet %q holds more than can be imported (at most %d columns, %d cells and %s of text). Delete unused rows and columns, or split the hazard log.",
				sheet, MaxXLSXColumns, MaxXLSXCells, mb(MaxXLSXTextBytes))
		}
		for len(rows) < n-1 {
			rows = append(rows, nil)
		}
		rows = append(rows, row)
	}
	if err := it.Error(); err != nil {
		return nil, scan, apperr.Wrap(apperr.Invalid, err, "The sheet "+strconv.Quote(sheet)+" could not be read")
	}
	if len(bad) > 0 {
		return nil, scan, bad
	}
	return rows, scan, nil
}

// columnName names column i by the header (the first non-blank row of
// rows), or by its letter.
func columnName(rows [][]string, i int) string {
	for _, r := range rows {
		if !blankRow(r) {
			if i < len(r) && strings.TrimSpace(r[i]) != "" {
				return strings.TrimSpace(r[i])
			}
			break
		}
	}
	return strings.TrimRight(cellRef(i, 1), "1")
}

// checkFormulas reports every cell holding a formula among the first
// MaxXLSXColumns columns (the scan refuses data beyond them).
func checkFormulas(scan sheetScan, rows [][]string, c *collector) {
	for _, p := range scan.formulas {
		ref := cellRef(p.col, p.row)
		c.add(p.row, columnName(rows, p.col), ref, formulaAdvice)
	}
}

// readAboutRows reads the system and version details from the About
// sheet's rows. Keys it does not know (the status line, the content hash,
// the export time) are for people and are not read back.
func readAboutRows(rows [][]string, formula map[int]bool, l *risk.Log, c *collector) {
	for i, r := range rows {
		if len(r) < 2 {
			continue
		}
		k, v := strings.TrimSpace(r[0]), normText(strings.TrimSpace(r[1]))
		if formula[i+1] {
			c.add(i+1, SheetAbout+": "+k, cellRef(1, i+1), formulaAdvice)
			continue
		}
		var err error
		switch strings.ToLower(k) {
		case "system":
			l.System.Name = v
		case "system version":
			l.System.Version = v
		case "organisation":
			l.System.Organisation = v
		case "supplier":
			l.System.Supplier = v
		case "standard":
			if v != "" {
				l.System.Standard, err = risk.ParseStandard(v)
			}
		case "intended use":
			l.System.IntendedUse = v
		case "clinical scope":
			l.System.ClinicalScope = v
		case "configuration":
			l.System.Configuration = v
		case "hazard log version":
			l.Version = v
		case "issued at", "issued":
			if v != "" {
				l.IssuedAt, err = parseWhen(v)
			}
		case "approved by":
			l.ApprovedBy = v
		}
		if err != nil {
			c.add(i+1, SheetAbout+": "+k, cellRef(1, i+1), "%s", msgOrErr(err))
		}
	}
}

func msgOrErr(err error) string {
	if apperr.KindOf(err) == apperr.Invalid {
		return msgOf(err)
	}
	return err.Error()
}
