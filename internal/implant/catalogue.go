package implant

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

// CatalogueColumns are the columns of a catalogue CSV file, in the order
// clinsafe writes them. A file must have a header row naming each of them,
// in any order; no other column is accepted.
var CatalogueColumns = []string{"gtin", "manufacturer", "brand", "model", "description", "device_type"}

// MaxCatalogueRows bounds one import.
const MaxCatalogueRows = 100000

// RowError is one problem in an imported file. Row is the 1-based line
// number of the record in the file (the header is row 1).
type RowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// RowErrors is every problem found in a file; an import with any imports
// nothing.
type RowErrors []RowError

func (e RowErrors) Error() string {
	if len(e) == 0 {
		return "no errors"
	}
	return fmt.Sprintf("%d problems, first at row %d: %s", len(e), e[0].Row, e[0].Message)
}

// maxReported bounds the problems listed for one file.
const maxReported = 200

// ParseCatalogueCSV reads a catalogue file. It returns every product, or
// an Invalid error wrapping RowErrors that lists each bad row (up to 200).
// It never panics, whatever the input.
func ParseCatalogueCSV(r io.Reader) ([]Product, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	invalid := func(rows RowErrors) error {
		return &apperr.Error{Kind: apperr.Invalid, Message: fmt.Sprintf("The file has %s; nothing was imported", plural(len(rows), "problem")), Err: rows}
	}
	head, err := cr.Read()
	if err == io.EOF {
		return nil, invalid(RowErrors{{Row: 1, Message: "The file is empty; the first row must name the columns " + strings.Join(CatalogueColumns, ", ")}})
	}
	if err != nil {
		return nil, invalid(RowErrors{{Row: 1, Message: "The file is not valid CSV: " + csvMsg(err)}})
	}
	col := map[string]int{}
	var errs RowErrors
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, c := range CatalogueColumns {
			known = known || c == h
		}
		switch {
		case !known:
			errs = append(errs, RowError{Row: 1, Column: h, Message: fmt.Sprintf("Column %d %q is not one of %s", i+1, h, strings.Join(CatalogueColumns, ", "))})
		case col[h] != 0:
			errs = append(errs, RowError{Row: 1, Column: h, Message: fmt.Sprintf("Column %q appears twice", h)})
		default:
			col[h] = i + 1
		}
	}
	for _, c := range CatalogueColumns {
		if col[c] == 0 && c != "brand" && c != "description" {
			errs = append(errs, RowError{Row: 1, Column: c, Message: fmt.Sprintf("The header has no %q column", c)})
		}
	}
	if len(errs) > 0 {
		return nil, invalid(errs)
	}
	get := func(rec []string, c string) string {
		if i := col[c]; i > 0 && i <= len(rec) {
			return rec[i-1]
		}
		return ""
	}
	var out []Product
	seen := map[string]int{}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && pe.Line > 0 {
				row = pe.Line
			}
			errs = append(errs, RowError{Row: row, Message: "The file is not valid CSV here: " + csvMsg(err)})
			break // the reader cannot resynchronise reliably
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if len(out)+len(errs) >= MaxCatalogueRows {
			errs = append(errs, RowError{Row: row, Message: fmt.Sprintf("The file has more than %d products; split it", MaxCatalogueRows)})
			break
		}
		if len(rec) != len(head) {
			errs = append(errs, RowError{Row: row, Message: fmt.Sprintf("Row has %d columns, the header has %d", len(rec), len(head))})
			continue
		}
		p := Product{GTIN: get(rec, "gtin"), Manufacturer: get(rec, "manufacturer"), Brand: get(rec, "brand"),
			Model: get(rec, "model"), Description: get(rec, "description")}
		dt := strings.TrimSpace(get(rec, "device_type"))
		n, convErr := strconv.Atoi(dt)
		p.DeviceType = n
		err = ValidateProduct(&p)
		fields := apperr.FieldsOf(err)
		if convErr != nil {
			if fields == nil {
				fields = map[string]string{}
			}
			fields["device_type"] = "Device type must be a number: one of the LFPSE implant codes 36, 40, 89 to 96 or 100"
		}
		if len(fields) > 0 {
			for _, c := range sortedKeys(fields) {
				errs = append(errs, RowError{Row: row, Column: c, Message: fields[c]})
			}
			continue
		}
		if first, dup := seen[p.GTIN]; dup {
			errs = append(errs, RowError{Row: row, Column: "gtin", Message: fmt.Sprintf("GTIN %s is also on row %d", p.GTIN, first)})
			continue
		}
		seen[p.GTIN] = row
		out = append(out, p)
	}
	if len(errs) > 0 {
		if len(errs) > maxReported {
			errs = errs[:maxReported]
		}
		return nil, invalid(errs)
	}
	if len(out) == 0 {
		return nil, invalid(RowErrors{{Row: 2, Message: "The file has a header but no products"}})
	}
	return out, nil
}

// WriteCatalogueCSV writes products in the import format.
func WriteCatalogueCSV(w io.Writer, ps []Product) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CatalogueColumns); err != nil {
		return err
	}
	for _, p := range ps {
		if err := cw.Write([]string{p.GTIN, CSVSafe(p.Manufacturer), CSVSafe(p.Brand), CSVSafe(p.Model), CSVSafe(p.Description), strconv.Itoa(p.DeviceType)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// CSVSafe defuses a cell that a spreadsheet would run as a formula.
func CSVSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func csvMsg(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func sortedKeys(m map[string]string) []string {
	order := map[string]int{}
	for i, c := range CatalogueColumns {
		order[c] = i
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return order[ks[i]] < order[ks[j]] })
	return ks
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + one + "s"
}
