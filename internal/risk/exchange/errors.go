package exchange

import (
	"fmt"
	"sort"

	"github.com/clinsafe/clinsafe/internal/rowerr"
)

// RowError is one problem found while importing a hazard log: for a
// spreadsheet the row (the header is row 1), the column and the cell
// reference (XLSX, e.g. "I5"); for JSON, the position of the hazard in the
// list, counting from 1, and the field. Row 0 is the file as a whole.
type RowError = rowerr.Error

// RowErrors is every problem found in a failed import. It is an error of
// kind apperr.Invalid (apperr.KindOf and apperr.MessageOf work on it), and
// an import that returns it returns no hazards.
type RowErrors = rowerr.List

// maxRowErrors caps the list so a wholly wrong file gives a readable answer.
const maxRowErrors = 500

// collector gathers row errors.
type collector struct {
	errs RowErrors
}

func (c *collector) add(row int, col, cell, format string, args ...any) {
	if len(c.errs) >= maxRowErrors {
		return
	}
	c.errs = append(c.errs, RowError{Row: row, Column: col, Cell: cell, Message: fmt.Sprintf(format, args...)})
}

func (c *collector) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	sort.SliceStable(c.errs, func(i, j int) bool { return c.errs[i].Row < c.errs[j].Row })
	return c.errs
}
