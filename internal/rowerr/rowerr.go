// Package rowerr describes what is wrong with an imported file, row by row:
// the one type that the hazard log exchange and the implant catalogue and
// bulk imports report their problems in.
package rowerr

import (
	"fmt"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/text"
)

// Error is one problem found while importing: the row (in a spreadsheet or
// CSV the header is row 1; for JSON, the position of the record in the
// list, counting from 1; 0 when the problem is with the file as a whole),
// the column (or JSON field), the cell reference when known (XLSX, e.g.
// "I5") and a message that can be shown to the user. Its JSON is the one
// the API documents: row, column, cell (when set) and message.
type Error struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Cell    string `json:"cell,omitempty"`
	Message string `json:"message"`
}

// Error reads "row 5, column Initial risk rating (I5): message".
func (e Error) Error() string {
	var b strings.Builder
	if e.Row > 0 {
		fmt.Fprintf(&b, "row %d", e.Row)
	}
	if e.Column != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString("column " + e.Column)
		if e.Cell != "" {
			b.WriteString(" (" + e.Cell + ")")
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// List is every problem found in a failed import; an import that returns
// it imports nothing. It is an error of kind apperr.Invalid (apperr.KindOf
// and apperr.MessageOf work on it).
type List []Error

func (l List) Error() string {
	parts := make([]string, 0, len(l))
	for _, e := range l {
		parts = append(parts, e.Error())
	}
	return "import: " + strings.Join(parts, "; ")
}

// Unwrap exposes the apperr kind and a summary message.
func (l List) Unwrap() error {
	return &apperr.Error{Kind: apperr.Invalid,
		Message: fmt.Sprintf("The file could not be imported: %s to fix", text.Count(len(l), "problem", "problems"))}
}
