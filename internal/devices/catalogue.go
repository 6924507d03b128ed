package devices

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/rowerr"
	"github.com/clinsafe/clinsafe/internal/text"
)

// CatalogueColumns are the columns of a catalogue CSV file, in the order
// clinsafe writes them. A file must have a header row naming each of them,
// in any order; no other column is accepted.
var CatalogueColumns = []string{"gtin", "manufacturer", "brand", "model", "description", "device_type", "catalogue_number"}

// Limits on one catalogue import: products (data rows) and columns in a row
// (the header names at most the seven CatalogueColumns; a file with many more
// is not a catalogue and gets one error, not one per column).
const (
	MaxCatalogueRows    = 100000
	MaxCatalogueColumns = 32
)

// RowError is one problem in an imported file. Row is the 1-based line
// number of the record in the file (the header is row 1).
type RowError = rowerr.Error

// RowErrors is every problem found in a file; an import with any imports
// nothing.
type RowErrors = rowerr.List

// maxReported bounds the problems listed for one file; a last entry (row
// 0) says how many more there are.
const maxReported = 200

// rowErrors collects the problems of one file, keeping the first
// maxReported and counting the rest.
type rowErrors struct {
	list RowErrors
	more int
}

func (e *rowErrors) add(r RowError) {
	if len(e.list) < maxReported {
		e.list = append(e.list, r)
		return
	}
	e.more++
}

func (e *rowErrors) empty() bool { return len(e.list) == 0 }

// result is the list to report: the first maxReported problems and, when
// there were more, a line counting them.
func (e *rowErrors) result() RowErrors {
	if e.more == 0 {
		return e.list
	}
	more := fmt.Sprintf("%d more problems are", e.more)
	if e.more == 1 {
		more = "1 more problem is"
	}
	return append(e.list[:len(e.list):len(e.list)], RowError{Message: more + " not listed; fix the problems above and import the file again to see the rest"})
}

// ParseCatalogueCSV reads a catalogue file. It returns every product, or
// an Invalid error wrapping RowErrors that lists the problems (the first 200,
// then a line counting the rest). Text that is not UTF-8 or holds a NUL
// character is a problem named by row and column. A header of more than
// MaxCatalogueColumns columns, or more than MaxCatalogueRows products, is
// refused with one problem. It never panics, whatever the input.
func ParseCatalogueCSV(r io.Reader) ([]Product, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	invalid := func(e rowErrors) error {
		return &apperr.Error{Kind: apperr.Invalid, Message: fmt.Sprintf("The file has %s; nothing was imported", text.Count(len(e.list)+e.more, "problem", "problems")), Err: e.result()}
	}
	one := func(row int, msg string) error { return invalid(rowErrors{list: RowErrors{{Row: row, Message: msg}}}) }
	head, err := cr.Read()
	if err == io.EOF {
		return nil, one(1, "The file is empty; the first row must name the columns "+strings.Join(CatalogueColumns, ", "))
	}
	if err != nil {
		return nil, one(1, "The file is not valid CSV: "+csvMsg(err))
	}
	if len(head) > MaxCatalogueColumns {
		return nil, one(1, fmt.Sprintf("The first row has %d columns; a catalogue file has at most %d: the columns %s, each once. Check that this is a catalogue file saved as CSV.",
			len(head), len(CatalogueColumns), strings.Join(CatalogueColumns, ", ")))
	}
	col := map[string]int{}
	var errs rowErrors
	for i, h := range head {
		if msg := badCell(h); msg != "" {
			errs.add(RowError{Row: 1, Column: fmt.Sprintf("column %d", i+1), Message: msg})
			continue
		}
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, c := range CatalogueColumns {
			known = known || c == h
		}
		switch {
		case !known:
			errs.add(RowError{Row: 1, Column: h, Message: fmt.Sprintf("Column %d %q is not one of %s", i+1, h, strings.Join(CatalogueColumns, ", "))})
		case col[h] != 0:
			errs.add(RowError{Row: 1, Column: h, Message: fmt.Sprintf("Column %q appears twice", h)})
		default:
			col[h] = i + 1
		}
	}
	for _, c := range CatalogueColumns {
		if col[c] == 0 && c != "brand" && c != "description" && c != "catalogue_number" {
			errs.add(RowError{Row: 1, Column: c, Message: fmt.Sprintf("The header has no %q column", c)})
		}
	}
	if !errs.empty() {
		return nil, invalid(errs)
	}
	get := func(rec []string, c string) string {
		if i := col[c]; i > 0 && i <= len(rec) {
			return rec[i-1]
		}
		return ""
	}
	colName := make([]string, len(head))
	for c, i := range col {
		colName[i-1] = c
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
			errs.add(RowError{Row: row, Message: "The file is not valid CSV here: " + csvMsg(err)})
			break // the reader cannot resynchronise reliably
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if len(out)+len(errs.list)+errs.more >= MaxCatalogueRows {
			errs.add(RowError{Row: row, Message: fmt.Sprintf("The file has more than %d products; split it", MaxCatalogueRows)})
			break
		}
		if len(rec) != len(head) {
			errs.add(RowError{Row: row, Message: fmt.Sprintf("Row has %d columns, the header has %d", len(rec), len(head))})
			continue
		}
		bad := false
		for i, v := range rec {
			if msg := badCell(v); msg != "" {
				errs.add(RowError{Row: row, Column: colName[i], Message: msg})
				bad = true
			}
		}
		if bad {
			continue
		}
		p := Product{GTIN: get(rec, "gtin"), Manufacturer: get(rec, "manufacturer"), Brand: get(rec, "brand"),
			Model: get(rec, "model"), Description: get(rec, "description"), CatalogueNumber: get(rec, "catalogue_number")}
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
				errs.add(RowError{Row: row, Column: c, Message: fields[c]})
			}
			continue
		}
		if first, dup := seen[p.GTIN]; dup {
			errs.add(RowError{Row: row, Column: "gtin", Message: fmt.Sprintf("GTIN %s is also on row %d", p.GTIN, first)})
			continue
		}
		seen[p.GTIN] = row
		out = append(out, p)
	}
	if !errs.empty() {
		return nil, invalid(errs)
	}
	if len(out) == 0 {
		return nil, one(2, "The file has a header but no products")
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
		if err := cw.Write([]string{p.GTIN, CSVSafe(p.Manufacturer), CSVSafe(p.Brand), CSVSafe(p.Model), CSVSafe(p.Description), strconv.Itoa(p.DeviceType), CSVSafe(p.CatalogueNumber)}); err != nil {
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

// badCell is what is wrong with a catalogue cell that cannot be stored, as
// a sentence; "" when it is fine.
func badCell(s string) string { return text.Sentence(text.Unstorable(s)) }
