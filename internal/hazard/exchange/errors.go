package exchange

import (
	"fmt"
	"sort"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

// RowError is one problem found while importing: the spreadsheet row (the
// header is row 1; for JSON, the position of the hazard in the list,
// counting from 1; 0 when the problem is with the file as a whole), the
// column (or JSON field), the cell reference for XLSX (e.g. "I5") and a
// message that can be shown to the user.
type RowError struct {
	Row    int    `json:"row"`
	Column string `json:"column,omitempty"`
	Cell   string `json:"cell,omitempty"`
	Msg    string `json:"message"`
}

func (e RowError) Error() string {
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
	b.WriteString(e.Msg)
	return b.String()
}

// RowErrors is every problem found in a failed import. It is an error of
// kind apperr.Invalid (apperr.KindOf and apperr.MessageOf work on it), and
// an import that returns it returns no hazards.
type RowErrors []RowError

// maxRowErrors caps the list so a wholly wrong file gives a readable answer.
const maxRowErrors = 500

func (es RowErrors) Error() string {
	parts := make([]string, 0, len(es))
	for _, e := range es {
		parts = append(parts, e.Error())
	}
	return "import: " + strings.Join(parts, "; ")
}

// Unwrap exposes the apperr kind and a summary message.
func (es RowErrors) Unwrap() error {
	return &apperr.Error{Kind: apperr.Invalid,
		Message: fmt.Sprintf("The hazard log could not be imported: %d %s to fix", len(es), plural(len(es), "problem", "problems"))}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// collector gathers row errors.
type collector struct {
	errs RowErrors
}

func (c *collector) add(row int, col, cell, format string, args ...any) {
	if len(c.errs) >= maxRowErrors {
		return
	}
	c.errs = append(c.errs, RowError{Row: row, Column: col, Cell: cell, Msg: fmt.Sprintf(format, args...)})
}

func (c *collector) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	sort.SliceStable(c.errs, func(i, j int) bool { return c.errs[i].Row < c.errs[j].Row })
	return c.errs
}
