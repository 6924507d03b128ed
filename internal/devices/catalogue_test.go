package devices

import (
	"errors"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

func catalogueErrors(t *testing.T, in string) RowErrors {
	t.Helper()
	ps, err := ParseCatalogueCSV(strings.NewReader(in))
	var rows RowErrors
	if ps != nil || !apperr.Is(err, apperr.Invalid) || !errors.As(err, &rows) {
		t.Fatalf("ParseCatalogueCSV: got %d products, %v; want Invalid with row errors", len(ps), err)
	}
	return rows
}

// TestCatalogueManyColumns: a header of 300,000 unknown columns gets one
// clear problem, not one per column (the list once ran to 37 MB).
func TestCatalogueManyColumns(t *testing.T) {
	var b strings.Builder
	b.WriteString("gtin,manufacturer,model,device_type")
	for range 300000 {
		b.WriteString(",x")
	}
	b.WriteString("\n09521234543213,Acme,H1,89\n")
	rows := catalogueErrors(t, b.String())
	if len(rows) != 1 || rows[0].Row != 1 || !strings.Contains(rows[0].Message, "The first row has 300004 columns; a catalogue file has at most 7") {
		t.Errorf("got %d problems, first %+v; want one naming the 300004 columns", len(rows), rows[0])
	}
}

// TestCatalogueErrorsCapped: a file with more problems than are listed
// lists the first 200 and then says how many more there are.
func TestCatalogueErrorsCapped(t *testing.T) {
	tests := []struct {
		name, in string
		more     string
	}{
		{"unknown columns", "gtin,manufacturer,model,device_type" + strings.Repeat(",x", MaxCatalogueColumns-4) + "\n", ""},
		{"bad rows", "gtin,manufacturer,model,device_type\n" + strings.Repeat("1,,,\n", 1000), "3800 more problems are not listed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := catalogueErrors(t, tt.in)
			if tt.more == "" {
				if len(rows) != MaxCatalogueColumns-4 {
					t.Errorf("got %d problems, want %d", len(rows), MaxCatalogueColumns-4)
				}
				return
			}
			if len(rows) != maxReported+1 {
				t.Fatalf("got %d problems, want %d and a count of the rest", len(rows), maxReported+1)
			}
			if last := rows[len(rows)-1]; last.Row != 0 || !strings.Contains(last.Message, tt.more) {
				t.Errorf("last problem: got %+v, want %q", last, tt.more)
			}
			_, err := ParseCatalogueCSV(strings.NewReader(tt.in))
			if msg := apperr.MessageOf(err); !strings.Contains(msg, "4000 problems") {
				t.Errorf("message: got %q, want the full count", msg)
			}
		})
	}
}

// TestCatalogueBadText: bytes that are not UTF-8, and NUL characters, are
// problems naming the row and column (they once reached the database).
func TestCatalogueBadText(t *testing.T) {
	tests := []struct {
		name, in string
		want     RowError
	}{
		{"latin-1", "gtin,manufacturer,model,device_type\n09521234543213,Caf\xe9 Ortho,H1,89\n",
			RowError{Row: 2, Column: "manufacturer", Message: "not UTF-8 (byte 0xE9 at position 4)"}},
		{"NUL", "gtin,manufacturer,model,device_type\n09521234543213,Acme,H\x001,89\n",
			RowError{Row: 2, Column: "model", Message: "NUL character (at position 2)"}},
		{"header", "gtin,manu\xfffacturer,model,device_type\n09521234543213,Acme,H1,89\n",
			RowError{Row: 1, Column: "column 2", Message: "not UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := catalogueErrors(t, tt.in)
			for _, r := range rows {
				if r.Row == tt.want.Row && r.Column == tt.want.Column && strings.Contains(r.Message, tt.want.Message) {
					return
				}
			}
			t.Errorf("got %+v, want a problem like %+v", rows, tt.want)
		})
	}
}
