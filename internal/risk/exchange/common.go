// Package exchange imports and exports hazard logs as XLSX (the form CSOs
// exchange), CSV and versioned JSON. See README.md for the column layout,
// the line syntax of multi-valued cells and the JSON schema.
//
// Every import either returns a complete, valid log or a RowErrors listing
// each problem by row and column; it never returns part of a file.
package exchange

import (
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
)

// zeroTime is passed to risk.Validate on import: the importer does not
// judge dates against the clock (a supplier's log may be dated ahead).
var zeroTime time.Time

func msgOf(err error) string { return apperr.MessageOf(err) }

func fieldsOf(err error) map[string]string {
	if f := apperr.FieldsOf(err); f != nil {
		return f
	}
	return map[string]string{"": msgOf(err)}
}

// normText turns Windows and old Mac line endings into "\n".
func normText(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// normHazard normalises line endings in every text field of h.
func normHazard(h *risk.Hazard) {
	for _, p := range []*string{&h.ID, &h.Ref, &h.Name, &h.Description, &h.ClinicalImpact, &h.ExistingControls,
		&h.RiskBenefit.Justification, &h.RiskBenefit.ByName, &h.RiskBenefit.ByUserID,
		&h.Provenance.Source, &h.Provenance.Document, &h.Provenance.Version, &h.Provenance.Ref} {
		*p = normText(*p)
	}
	for i := range h.Causes {
		h.Causes[i] = normText(h.Causes[i])
	}
	for i := range h.Controls {
		c := &h.Controls[i]
		for _, p := range []*string{&c.ID, &c.Description, &c.Owner, &c.ImplementationEvidence, &c.VerificationEvidence} {
			*p = normText(*p)
		}
	}
	for i := range h.Actions {
		a := &h.Actions[i]
		for _, p := range []*string{&a.ID, &a.Summary, &a.Owner} {
			*p = normText(*p)
		}
	}
}

// readRows turns a header row and the data rows below it into hazards. The
// header is the first row that is not blank; rows are numbered as in the
// spreadsheet. cellRefs names cells in messages
// (XLSX).
func readRows(rows [][]string, m risk.Matrix, cellRefs bool, c *collector) []risk.Hazard {
	hi := 0
	for hi < len(rows) && blankRow(rows[hi]) {
		hi++
	}
	if hi == len(rows) {
		c.add(1, "", "", "the file has no header row; the first row must hold the column names")
		return nil
	}
	h := readHeader(rows[hi], hi+1, c)
	if len(c.errs) > 0 {
		return nil
	}
	rr := rowReader{h: h, m: m, c: c, seen: map[int]int{}, cellRef: cellRefs}
	var out []risk.Hazard
	for i := hi + 1; i < len(rows); i++ {
		row := rows[i]
		if blankRow(row) {
			continue
		}
		if len(out) >= maxHazards {
			c.add(i+1, "", "", "too many hazards: at most %d can be imported at once", maxHazards)
			break
		}
		if hz, ok := rr.read(i+1, row); ok {
			out = append(out, hz)
		}
	}
	if len(out) == 0 && len(c.errs) == 0 {
		c.add(hi+2, "", "", "the file has no hazards")
	}
	return out
}
