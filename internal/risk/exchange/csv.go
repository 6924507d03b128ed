package exchange

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/text"
	"io"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
)

const maxCSVBytes = 32 << 20

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ExportCSV writes l as UTF-8 CSV (with a byte-order mark, so spreadsheet
// programs detect the encoding) in the layout of the XLSX export's hazard
// log sheet: a header row of SheetColumns, then the hazards in number
// order, one row per control and per action, ratings by the default
// matrix. A cell that a spreadsheet
// would run as a formula (starting =, +, -, @, tab or carriage return) is
// prefixed with an apostrophe, which ImportCSV removes again.
func ExportCSV(w io.Writer, l risk.Log) error {
	return ExportCSVMatrix(w, l, risk.DefaultMatrix())
}

// ExportCSVMatrix is ExportCSV with an explicit matrix.
func ExportCSVMatrix(w io.Writer, l risk.Log, m risk.Matrix) error {
	if _, err := w.Write(utf8BOM); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(SheetColumns()); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	for _, h := range l.Sorted() {
		for _, row := range sheetRows(h, m) {
			for i := range row {
				if needsGuard(row[i]) {
					row[i] = "'" + row[i]
				}
			}
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("export csv: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	return nil
}

// needsGuard reports whether a spreadsheet could take s for a formula, or s
// is an apostrophe followed by such text (so the guard can be undone
// exactly).
func needsGuard(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	case '\'':
		return needsGuard(s[1:])
	}
	return false
}

func unguard(s string) string {
	if strings.HasPrefix(s, "'") && needsGuard(s[1:]) {
		return s[1:]
	}
	return s
}

// checkCSVText reports every cell that is not UTF-8 or holds a NUL
// character, by row and column (named by the header, or by its letter in
// the header itself), before anything else is read from the file.
func checkCSVText(rows [][]string, c *collector) {
	var head []string
	for i, row := range rows {
		for j, cell := range row {
			msg := text.Unstorable(cell)
			if msg == "" {
				continue
			}
			col := strings.TrimRight(cellRef(j, 1), "1")
			if j < len(head) && text.Unstorable(head[j]) == "" && strings.TrimSpace(head[j]) != "" {
				col = strings.TrimSpace(head[j])
			}
			c.add(i+1, col, "", "%s", msg)
		}
		if head == nil && !blankRow(row) {
			head = row
		}
	}
}

// ImportCSV reads a hazard log from CSV with the same header and cells as
// ImportXLSX (UTF-8, optional byte-order mark, comma separated, RFC 4180
// quoting). The returned log has no system details: CSV has nowhere to keep
// them. On any problem it returns a RowErrors and no log; text that is not
// UTF-8 or holds a NUL character is one, named by row and column.
func ImportCSV(r io.Reader, m risk.Matrix) (*risk.Log, error) {
	t, err := ReadTable(r, "csv")
	if err != nil {
		return nil, err
	}
	return t.Import(m)
}

func readCSVTable(r io.Reader) (*Table, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxCSVBytes+1))
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid, err, "The file could not be read")
	}
	if len(b) > maxCSVBytes {
		return nil, apperr.New(apperr.TooLarge, "The CSV file is larger than %d MB", maxCSVBytes>>20)
	}
	b = bytes.TrimPrefix(b, utf8BOM)
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	var rows [][]string
	var c collector
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			line := len(rows) + 1
			msg := err.Error()
			if errors.As(err, &pe) {
				line, msg = pe.StartLine, pe.Err.Error()
			}
			c.add(line, "", "", "the CSV cannot be read here: %s", msg)
			return nil, c.err()
		}
		if len(rows) > MaxXLSXRows {
			c.add(len(rows)+1, "", "", "too many rows: at most %d rows can be imported at once", MaxXLSXRows)
			return nil, c.err()
		}
		if len(rec) > MaxXLSXColumns {
			c.add(len(rows)+1, "", "", "too many columns: at most %d are read", MaxXLSXColumns)
			return nil, c.err()
		}
		for i := range rec {
			rec[i] = unguard(strings.TrimSpace(rec[i]))
		}
		rows = append(rows, rec)
	}
	checkCSVText(rows, &c)
	if err := c.err(); err != nil {
		return nil, err
	}
	return &Table{Format: "csv", rows: rows}, nil
}
