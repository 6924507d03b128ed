package exchange

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
)

// sheetXMLHead and sheetXMLTail wrap generated rows into a worksheet.
const (
	sheetXMLHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	sheetXMLTail = `</sheetData></worksheet>`
)

// inlineRow is a row of inline-string cells (no references: cells and rows
// follow one another).
func inlineRow(cells ...string) string {
	var b strings.Builder
	b.WriteString("<row>")
	for _, c := range cells {
		b.WriteString(`<c t="inlineStr"><is><t>` + c + `</t></is></c>`)
	}
	b.WriteString("</row>")
	return b.String()
}

// baseWorkbook is the ordinary workbook workbookWith starts from.
var baseWorkbook []byte

// workbookWith builds a workbook whose first sheet's XML is written by
// sheet, and whose other parts (and shared strings, when sst is not nil)
// come from an ordinary excelize workbook. The sheet is compressed as
// it is written, so a sheet of hundreds of megabytes never sits in memory.
func workbookWith(t testing.TB, sst func(w io.Writer), sheet func(w io.Writer)) []byte {
	t.Helper()
	if baseWorkbook == nil {
		baseWorkbook = xlsxFile(t, [][]string{tmplHeader()}, nil)
	}
	base := baseWorkbook
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	write := func(name string, fn func(w io.Writer)) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		fn(w)
	}
	for _, f := range zr.File {
		switch {
		case f.Name == "xl/worksheets/sheet1.xml":
			write(f.Name, sheet)
		case f.Name == sharedStringsPart && sst != nil:
			write(f.Name, sst)
		default:
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			write(f.Name, func(w io.Writer) { io.Copy(w, rc) })
			rc.Close()
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// rowsSheet writes the template header and then row n times.
func rowsSheet(n int, row string) func(w io.Writer) {
	return func(w io.Writer) {
		io.WriteString(w, sheetXMLHead+inlineRow(tmplHeader()...))
		for range n {
			io.WriteString(w, row)
		}
		io.WriteString(w, sheetXMLTail)
	}
}

// peakHeap runs fn and returns how far the live heap grew above what it
// was before, sampled every millisecond, and how long fn took.
func peakHeap(fn func()) (uint64, time.Duration) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc)
			}
		}
	}()
	start := time.Now()
	fn()
	took := time.Since(start)
	close(done)
	wg.Wait()
	runtime.ReadMemStats(&ms)
	return max(peak, ms.HeapAlloc) - base, took
}

const maxImportHeap = 100 << 20

// short describes err briefly: a failed import can list hundreds of rows.
func short(err error) string {
	if err == nil {
		return "no error"
	}
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return string(apperr.KindOf(err)) + ": " + msg
}

// TestImportXLSXZipBomb: a small file whose sheet unpacks to about 200 MB
// (under excelize's own limit as it was configured) is refused from the
// archive directory, without unpacking it, in little memory.
func TestImportXLSXZipBomb(t *testing.T) {
	row := inlineRow(validRow("1")...)
	n := 200<<20/len(row) + 1
	bomb := workbookWith(t, nil, rowsSheet(n, row))
	if len(bomb) > 2<<20 {
		t.Fatalf("the bomb is %d bytes; want a small file", len(bomb))
	}
	var err error
	grew, took := peakHeap(func() { _, err = ImportXLSX(bytes.NewReader(bomb), risk.DefaultMatrix()) })
	t.Logf("zip bomb: %d KB file unpacking to %d MB: heap grew %.1f MB, took %v", len(bomb)>>10, n*len(row)>>20, float64(grew)/(1<<20), took)
	if !apperr.Is(err, apperr.TooLarge) {
		t.Fatalf("ImportXLSX(zip bomb): got %s, want TooLarge", short(err))
	}
	if msg := apperr.MessageOf(err); !strings.Contains(msg, "unpacks to more than 64.0 MB") {
		t.Errorf("ImportXLSX(zip bomb): got message %q, want it to name the 64 MB limit", msg)
	}
	if grew > maxImportHeap {
		t.Errorf("ImportXLSX(zip bomb): heap grew %d MB, want under %d MB", grew>>20, maxImportHeap>>20)
	}
}

// TestImportXLSXLyingDirectory: a part that unpacks to far more than the
// archive directory declares is refused as damaged while streaming.
func TestImportXLSXLyingDirectory(t *testing.T) {
	row := inlineRow(validRow("1")...)
	bomb := workbookWith(t, nil, rowsSheet(100<<20/len(row), row))
	// Declare the sheet to be 100 KB in the central directory.
	name := []byte("xl/worksheets/sheet1.xml")
	patched := false
	for i := 0; i+46 < len(bomb); i++ {
		if binary.LittleEndian.Uint32(bomb[i:]) != 0x02014b50 {
			continue
		}
		nameLen := int(binary.LittleEndian.Uint16(bomb[i+28:]))
		if bytes.Equal(bomb[i+46:i+46+nameLen], name) {
			binary.LittleEndian.PutUint32(bomb[i+24:], 100<<10)
			patched = true
		}
	}
	if !patched {
		t.Fatal("sheet not found in the central directory")
	}
	var err error
	grew, took := peakHeap(func() { _, err = ImportXLSX(bytes.NewReader(bomb), risk.DefaultMatrix()) })
	t.Logf("lying directory: heap grew %.1f MB, took %v", float64(grew)/(1<<20), took)
	if !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.MessageOf(err), "damaged") {
		t.Fatalf("ImportXLSX(lying directory): got %s, want Invalid naming a damaged file", short(err))
	}
	if grew > maxImportHeap {
		t.Errorf("ImportXLSX(lying directory): heap grew %d MB, want under %d MB", grew>>20, maxImportHeap>>20)
	}
}

// TestImportXLSXContentLimits: sheets within the size limits but holding
// more rows, columns, cells, shared strings or text than an import reads are
// refused while streaming, with a message naming the limit, in little memory.
func TestImportXLSXContentLimits(t *testing.T) {
	sstOf := func(n int, s string) func(w io.Writer) {
		return func(w io.Writer) {
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
			for range n {
				io.WriteString(w, "<si><t>"+s+"</t></si>")
			}
			io.WriteString(w, "</sst>")
		}
	}
	wide := `<row>` + strings.Repeat(`<c t="inlineStr"><is><t>x</t></is></c>`, 60) + `</row>`
	tests := []struct {
		name string
		sst  func(w io.Writer)
		rows func(w io.Writer)
		want string
	}{
		{"too many rows", nil, rowsSheet(MaxXLSXRows+5, inlineRow("x")), fmt.Sprintf("row %d holds data; at most %d rows", MaxXLSXRows+1, MaxXLSXRows)},
		{"data far down", nil, func(w io.Writer) {
			io.WriteString(w, sheetXMLHead+inlineRow(tmplHeader()...)+`<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>`+sheetXMLTail)
		}, "row 1048576 holds data"},
		{"data far right", nil, func(w io.Writer) {
			io.WriteString(w, sheetXMLHead+`<row r="1"><c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>`+sheetXMLTail)
		}, "cell XFD1 holds data; only columns A to BL are read"},
		{"too many cells", nil, rowsSheet(MaxXLSXCells/60+10, wide), fmt.Sprintf("more than %d cells hold data", MaxXLSXCells)},
		{"too many shared strings", sstOf(MaxXLSXSharedStrings+1, "s"), rowsSheet(1, inlineRow("x")), fmt.Sprintf("more than %d different texts", MaxXLSXSharedStrings)},
		{"shared string too long", sstOf(1, strings.Repeat("é", MaxXLSXCellChars+1)), rowsSheet(1, inlineRow("x")), "longer than a cell can hold"},
		{"cell too long", nil, rowsSheet(1, inlineRow(strings.Repeat("x", MaxXLSXCellChars+1))), "cell A2 holds more text than a cell can"},
		{"one long text in every cell", sstOf(1, strings.Repeat("x", 30000)),
			rowsSheet(MaxXLSXRows-1, `<row>`+strings.Repeat(`<c t="s"><v>0</v></c>`, 2)+`</row>`), "of text; at most 32.0 MB"},
		{"shared string missing", nil, rowsSheet(1, `<row><c t="s"><v>99</v></c></row>`), "not in the file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := workbookWith(t, tt.sst, tt.rows)
			var err error
			grew, took := peakHeap(func() { _, err = ImportXLSX(bytes.NewReader(file), risk.DefaultMatrix()) })
			t.Logf("%d KB file: heap grew %.1f MB, took %v", len(file)>>10, float64(grew)/(1<<20), took)
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.MessageOf(err), tt.want) {
				t.Fatalf("ImportXLSX: got %s, want Invalid with %q", short(err), tt.want)
			}
			if grew > maxImportHeap {
				t.Errorf("ImportXLSX: heap grew %d MB, want under %d MB", grew>>20, maxImportHeap>>20)
			}
		})
	}
}

// TestImportXLSXWithinLimits: a sheet of MaxHazards hazards still imports.
func TestImportXLSXWithinLimits(t *testing.T) {
	file := workbookWith(t, nil, func(w io.Writer) {
		io.WriteString(w, sheetXMLHead+inlineRow(tmplHeader()...))
		for i := range MaxHazards {
			io.WriteString(w, inlineRow(validRow(fmt.Sprint(i+1))...))
		}
		io.WriteString(w, sheetXMLTail)
	})
	var l *risk.Log
	var err error
	grew, took := peakHeap(func() { l, err = ImportXLSX(bytes.NewReader(file), risk.DefaultMatrix()) })
	t.Logf("%d hazards: heap grew %.1f MB, took %v", MaxHazards, float64(grew)/(1<<20), took)
	if err != nil || len(l.Hazards) != MaxHazards {
		t.Fatalf("ImportXLSX(%d hazards): got %v", MaxHazards, err)
	}
	if grew > maxImportHeap {
		t.Errorf("ImportXLSX(%d hazards): heap grew %d MB, want under %d MB", MaxHazards, grew>>20, maxImportHeap>>20)
	}
}

// TestImportXLSXNUL: an escaped NUL character in a cell (_x0000_) is refused
// with the row and column, not passed on to the database.
func TestImportXLSXNUL(t *testing.T) {
	file := workbookWith(t, nil, rowsSheet(1, inlineRow(set(validRow("1"), ColName, "Bad_x0000_name")...)))
	_, err := ImportXLSX(bytes.NewReader(file), risk.DefaultMatrix())
	checkRowError(t, "ImportXLSX", err, RowError{Row: 2, Column: ColName, Cell: "B2", Message: "NUL character"}, true)
}

// TestImportCSVBadText: bytes that are not UTF-8 and NUL characters are
// refused naming the row and column.
func TestImportCSVBadText(t *testing.T) {
	tests := []struct {
		name string
		cell string
		want string
	}{
		{"latin-1", "Caf\xe9 menu", "not UTF-8 (byte 0xE9 at position 4"},
		{"truncated sequence", "ok \xe2\x80", "not UTF-8"},
		{"NUL", "a\x00b", "NUL character (at position 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := csvFile([][]string{tmplHeader(), validRow("1"), set(validRow("2"), ColDescription, tt.cell)})
			l, err := ImportCSV(bytes.NewReader(in), risk.DefaultMatrix())
			if l != nil {
				t.Errorf("ImportCSV: got a log, want none")
			}
			checkRowError(t, "ImportCSV", err, RowError{Row: 3, Column: ColDescription, Message: tt.want}, false)
		})
	}
	// In the header row, the column is named by its letter.
	in := csvFile([][]string{append(tmplHeader()[:17], "Sta\xfftus"), validRow("1")})
	_, err := ImportCSV(bytes.NewReader(in), risk.DefaultMatrix())
	checkRowError(t, "ImportCSV", err, RowError{Row: 1, Column: "R", Message: "not UTF-8"}, false)
}
