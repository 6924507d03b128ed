package exchange

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

// Limits on what an XLSX file may expand to. A workbook is a zip archive of
// XML parts, and a small file can unpack to gigabytes (a "zip bomb"), so an
// import checks the sizes declared in the archive's directory before it
// unpacks anything, then counts rows, cells and shared strings while it
// streams the sheets it reads. Together they keep one import's memory under
// about 100 MB whatever the file. A file over a size limit is TooLarge (413);
// one with too much in it is Invalid (422).
const (
	// MaxXLSXUnzipBytes bounds the unpacked size of all parts together.
	MaxXLSXUnzipBytes = 64 << 20
	// MaxXLSXPartBytes bounds each part other than the worksheets and the
	// shared strings (which are streamed): workbook, styles, pictures.
	MaxXLSXPartBytes = 4 << 20
	// MaxXLSXOtherBytes bounds those other parts together: they are held in
	// memory while the workbook is open.
	MaxXLSXOtherBytes = 16 << 20
	// MaxXLSXParts bounds the number of parts in the archive.
	MaxXLSXParts = 1000
	// MaxXLSXRows is the last row of a sheet that may hold data: a header,
	// MaxHazards hazards and room for blank rows between them.
	MaxXLSXRows = 2*MaxHazards + 1
	// MaxXLSXColumns is the last column that may hold data (column BL); the
	// hazard log has 32 columns.
	MaxXLSXColumns = 64
	// MaxXLSXCells bounds the cells that hold data, over the sheets read.
	MaxXLSXCells = 250000
	// MaxXLSXSharedStrings bounds the shared string table.
	MaxXLSXSharedStrings = 250000
	// MaxXLSXCellChars is the most text a cell can hold (as in Excel).
	MaxXLSXCellChars = 32767
	// MaxXLSXTextBytes bounds the text of every cell read, counting a shared
	// string once for each cell that uses it.
	MaxXLSXTextBytes = 32 << 20
)

// MaxHazards bounds the hazards in one import, in any format.
const MaxHazards = maxHazards

// sharedStringsPart is where excelize (and Excel) keep the shared strings.
const sharedStringsPart = "xl/sharedStrings.xml"

func mb(n uint64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}

// streamed reports whether excelize streams part name from disk rather
// than holding it in memory: worksheets and the shared strings.
func streamed(name string) bool {
	n := strings.ToLower(strings.ReplaceAll(name, `\`, "/"))
	return strings.HasPrefix(n, "xl/worksheets/sheet") || n == strings.ToLower(sharedStringsPart)
}

// checkParts refuses an archive whose directory declares more than the
// limits allow, before anything is unpacked. archive/zip refuses to unpack
// more than a part declares, so the declared sizes bound the real ones.
func checkParts(zr *zip.Reader) error {
	if len(zr.File) > MaxXLSXParts {
		return apperr.New(apperr.TooLarge, "The spreadsheet has %d parts; an XLSX hazard log may have at most %d. Save it again from your spreadsheet program, or export it as CSV.",
			len(zr.File), MaxXLSXParts)
	}
	var total, other uint64
	for _, f := range zr.File {
		size := f.UncompressedSize64
		total += size
		if !streamed(f.Name) {
			other += size
			if size > MaxXLSXPartBytes {
				return apperr.New(apperr.TooLarge, "The spreadsheet part %q unpacks to %s; parts other than sheets may be at most %s. Remove pictures or embedded objects, or export the hazard log as CSV.",
					f.Name, mb(size), mb(MaxXLSXPartBytes))
			}
		}
		if total > MaxXLSXUnzipBytes {
			return apperr.New(apperr.TooLarge, "The spreadsheet unpacks to more than %s (an XLSX file is compressed); at most %s can be imported. Split the hazard log, or delete unused rows, columns and sheets.",
				mb(MaxXLSXUnzipBytes), mb(MaxXLSXUnzipBytes))
		}
	}
	if other > MaxXLSXOtherBytes {
		return apperr.New(apperr.TooLarge, "The spreadsheet's pictures, styles and other parts unpack to %s; at most %s are accepted. Remove pictures or embedded objects, or export the hazard log as CSV.",
			mb(other), mb(MaxXLSXOtherBytes))
	}
	return nil
}

// workbookParts holds the parts of an archive by name.
type workbookParts map[string]*zip.File

func partsOf(zr *zip.Reader) workbookParts {
	p := workbookParts{}
	for _, f := range zr.File {
		p[strings.ReplaceAll(f.Name, `\`, "/")] = f
	}
	return p
}

// get finds a part by name, ignoring case as Excel does.
func (p workbookParts) get(name string) *zip.File {
	if f, ok := p[name]; ok {
		return f
	}
	for n, f := range p {
		if strings.EqualFold(n, name) {
			return f
		}
	}
	return nil
}

// xmlWalk streams part f, calling fn with each start element, end element
// and character data. It never holds the part in memory.
func xmlWalk(f *zip.File, fn func(tok xml.Token) error) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(tok); err != nil {
			return err
		}
	}
}

func xattr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// unreadable is the error for a part that is not well-formed: a damaged
// file, or one whose parts unpack to more than the archive declares.
func unreadable(part string, err error) error {
	return apperr.Wrap(apperr.Invalid, fmt.Errorf("xlsx part %s: %w", part, err),
		"The file could not be read as an XLSX spreadsheet: it is damaged. Save it again from your spreadsheet program.")
}

// sheetPart is a sheet of the workbook and the part that holds it.
type sheetPart struct {
	name string
	part *zip.File // nil when the workbook names no part that exists
}

// sheetParts lists the workbook's sheets in order with their worksheet
// parts, resolved as excelize does: the package relationships name the
// workbook, whose relationships name each sheet's part.
func (p workbookParts) sheetParts() ([]sheetPart, error) {
	wbPath := "xl/workbook.xml"
	if rels := p.get("_rels/.rels"); rels != nil {
		err := xmlWalk(rels, func(tok xml.Token) error {
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Relationship" &&
				strings.HasSuffix(xattr(se, "Type"), "/officeDocument") {
				wbPath = strings.TrimPrefix(xattr(se, "Target"), "/")
			}
			return nil
		})
		if err != nil {
			return nil, unreadable("_rels/.rels", err)
		}
	}
	wb := p.get(wbPath)
	if wb == nil {
		return nil, nil // excelize reports the missing workbook
	}
	var sheets []sheetPart
	var ids []string
	if err := xmlWalk(wb, func(tok xml.Token) error {
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "sheet" && len(sheets) < MaxXLSXParts {
			sheets = append(sheets, sheetPart{name: xattr(se, "name")})
			ids = append(ids, xattr(se, "id"))
		}
		return nil
	}); err != nil {
		return nil, unreadable(wbPath, err)
	}
	dir := path.Dir(wbPath)
	relsPath := strings.TrimPrefix(path.Join(dir, "_rels", path.Base(wbPath)+".rels"), "./")
	rels := p.get(relsPath)
	if rels == nil {
		return sheets, nil
	}
	if err := xmlWalk(rels, func(tok xml.Token) error {
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" {
			return nil
		}
		target := strings.ReplaceAll(xattr(se, "Target"), `\`, "/")
		part := path.Clean(dir + "/" + target)
		if strings.HasPrefix(target, "/") {
			part = path.Clean(target)
		}
		f := p.get(strings.TrimPrefix(part, "/"))
		for i, id := range ids {
			if id == xattr(se, "Id") && sheets[i].part == nil {
				sheets[i].part = f
			}
		}
		return nil
	}); err != nil {
		return nil, unreadable(relsPath, err)
	}
	return sheets, nil
}

// scanned is what the scan found in the sheets an import reads.
type scanned map[string]sheetScan // by lower-case sheet name

// scanSheets scans the sheets ImportXLSX reads (the hazard log sheet and
// the About sheet) against the limits, before anything is unpacked.
func scanSheets(sheets []sheetPart, sst []int32) (scanned, error) {
	if len(sheets) == 0 {
		return scanned{}, nil
	}
	hz := sheets[0].name
	for _, s := range sheets {
		if strings.EqualFold(s.name, SheetHazards) {
			hz = s.name
		}
	}
	out := scanned{}
	var b budget
	for _, s := range sheets {
		if !strings.EqualFold(s.name, hz) && !strings.EqualFold(s.name, SheetAbout) {
			continue
		}
		if _, done := out[strings.ToLower(s.name)]; done || s.part == nil {
			continue
		}
		sc, err := scanSheet(s.part, s.name, sst, &b)
		if err != nil {
			return nil, err
		}
		out[strings.ToLower(s.name)] = sc
	}
	return out, nil
}

// scanSharedStrings counts the shared strings and measures each one,
// refusing a table over the limits. It returns each string's length in
// bytes (an upper bound of the text excelize returns).
func scanSharedStrings(p workbookParts) ([]int32, error) {
	f := p.get(sharedStringsPart)
	if f == nil {
		return nil, nil
	}
	var lens []int32
	var cur, chars int
	inT, inPhonetic := false, 0
	err := xmlWalk(f, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				if len(lens) >= MaxXLSXSharedStrings {
					return apperr.New(apperr.Invalid, "The spreadsheet has more than %d different texts (shared strings); at most %d can be imported. Split the hazard log.",
						MaxXLSXSharedStrings, MaxXLSXSharedStrings)
				}
				cur, chars = 0, 0
			case "t":
				inT = true
			case "rPh":
				inPhonetic++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				lens = append(lens, int32(cur))
			case "t":
				inT = false
			case "rPh":
				inPhonetic--
			}
		case xml.CharData:
			if inT && inPhonetic == 0 {
				cur += len(t)
				chars += utf8.RuneCount(t)
				if chars > MaxXLSXCellChars {
					return apperr.New(apperr.Invalid, "Shared string %d of the spreadsheet is longer than a cell can hold (%d characters). Shorten the text.",
						len(lens)+1, MaxXLSXCellChars)
				}
			}
		}
		return nil
	})
	if err != nil {
		if apperr.KindOf(err) != apperr.Internal {
			return nil, err
		}
		return nil, unreadable(f.Name, err)
	}
	return lens, nil
}

// cellPos is a cell by 1-based row and 0-based column.
type cellPos struct{ row, col int }

// sheetScan is what a scan of one worksheet found.
type sheetScan struct {
	formulas []cellPos // cells holding a formula, at most maxRowErrors
}

// budget is shared by the sheets of one import.
type budget struct {
	cells int
	text  int64
}

// parseRef splits a cell reference such as "BL12" into a 0-based column
// and 1-based row; ok is false when it is not one.
func parseRef(ref string) (col, row int, ok bool) {
	i := 0
	for i < len(ref) && (ref[i] >= 'A' && ref[i] <= 'Z' || ref[i] >= 'a' && ref[i] <= 'z') {
		c := int(ref[i]|0x20) - 'a' + 1
		col = col*26 + c
		if col > 1<<20 {
			return 0, 0, false
		}
		i++
	}
	if i == 0 || i == len(ref) {
		return 0, 0, false
	}
	row, err := strconv.Atoi(ref[i:])
	if err != nil || row < 1 {
		return 0, 0, false
	}
	return col - 1, row, true
}

// scanSheet streams a worksheet part and refuses it early when the cells
// that hold data pass the row, column, cell or text limits. It records the
// cells that hold formulas. sst are the shared string lengths.
func scanSheet(f *zip.File, sheet string, sst []int32, b *budget) (sheetScan, error) {
	var out sheetScan
	row, col := 0, -1
	// The cell being read.
	var (
		inCell       bool
		cellType     string
		cellRow      int
		cellCol      int
		valLen       int
		valChars     int
		valText      []byte // the <v> text of a shared string cell (an index)
		inV, inIS    bool
		inT          bool
		hasFormula   bool
		formulaText  bool
		formulaShare bool
		inF          bool
	)
	limit := func(format string, args ...any) error {
		return apperr.New(apperr.Invalid, "Sheet %q: "+format, append([]any{sheet}, args...)...)
	}
	endCell := func() error {
		n := valLen
		if cellType == "s" && len(valText) > 0 {
			i, err := strconv.Atoi(strings.TrimSpace(string(valText)))
			if err != nil || i < 0 || i >= len(sst) {
				return limit("cell %s refers to a text that is not in the file; the file is damaged. Save it again from your spreadsheet program.", cellRef(cellCol, cellRow))
			}
			n = int(sst[i])
		}
		formula := hasFormula && (formulaText || formulaShare)
		if n == 0 && !formula {
			return nil
		}
		if cellRow > MaxXLSXRows {
			return limit("row %d holds data; at most %d rows are read (%d hazards). Delete the rows below the hazard log, or split it.", cellRow, MaxXLSXRows, MaxHazards)
		}
		if cellCol >= MaxXLSXColumns {
			return limit("cell %s holds data; only columns A to %s are read (the hazard log has %d columns). Delete the columns to the right of the hazard log.",
				cellRef(cellCol, cellRow), strings.TrimRight(cellRef(MaxXLSXColumns-1, 1), "1"), len(Columns()))
		}
		if valChars > MaxXLSXCellChars {
			return limit("cell %s holds more text than a cell can (%d characters). Shorten the text.", cellRef(cellCol, cellRow), MaxXLSXCellChars)
		}
		b.cells++
		if b.cells > MaxXLSXCells {
			return limit("more than %d cells hold data; at most %d can be imported. Delete unused rows and columns, or split the hazard log.", MaxXLSXCells, MaxXLSXCells)
		}
		b.text += int64(n)
		if b.text > MaxXLSXTextBytes {
			return limit("the cells hold more than %s of text; at most %s can be imported. Split the hazard log.", mb(MaxXLSXTextBytes), mb(MaxXLSXTextBytes))
		}
		if formula && len(out.formulas) < maxRowErrors {
			out.formulas = append(out.formulas, cellPos{cellRow, cellCol})
		}
		return nil
	}
	err := xmlWalk(f, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				if r := xattr(t, "r"); r != "" {
					n, err := strconv.Atoi(r)
					if err != nil || n < 1 {
						return limit("row number %q is not a number; the file is damaged", r)
					}
					row = n
				} else {
					row++
				}
				col = -1
			case "c":
				inCell = true
				cellType, valLen, valChars, valText = xattr(t, "t"), 0, 0, valText[:0]
				hasFormula, formulaText, formulaShare = false, false, false
				col++
				if r := xattr(t, "r"); r != "" {
					c, rr, ok := parseRef(r)
					if !ok {
						return limit("cell reference %q is not valid; the file is damaged", r)
					}
					col, row = c, rr
				}
				cellRow, cellCol = row, col
			case "v":
				inV = inCell
			case "is":
				inIS = inCell
			case "t":
				inT = inIS
			case "f":
				if inCell {
					inF, hasFormula = true, true
					formulaShare = xattr(t, "t") == "shared"
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "c":
				inCell = false
				return endCell()
			case "v":
				inV = false
			case "is":
				inIS = false
			case "t":
				inT = false
			case "f":
				inF = false
			}
		case xml.CharData:
			switch {
			case inF:
				formulaText = formulaText || strings.TrimSpace(string(t)) != ""
			case inV && cellType == "s":
				if len(valText) < 32 {
					valText = append(valText, t...)
				}
			case inV || inT:
				valLen += len(t)
				valChars += utf8.RuneCount(t)
			}
		}
		return nil
	})
	if err != nil {
		if apperr.KindOf(err) != apperr.Internal {
			return out, err
		}
		return out, unreadable(f.Name, err)
	}
	return out, nil
}
