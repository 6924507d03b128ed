package exchange

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/xuri/excelize/v2"
)

// The columns of the layout clinsafe exported before it wrote one row per
// control and action (controls and actions stacked one per line in a cell),
// which is still read on import. The first eighteen follow the NHS hazard
// log template; the rest are optional. Constants whose header is the same
// in the current layout (SheetColumns) name that column there too.
const (
	ColNumber             = "Hazard number"
	ColName               = "Hazard name"
	ColDescription        = "Hazard description"
	ColImpact             = "Potential clinical impact"
	ColCauses             = "Possible causes"
	ColExisting           = "Existing controls"
	ColInitialSeverity    = "Initial severity"
	ColInitialLikelihood  = "Initial likelihood"
	ColInitialRating      = "Initial risk rating"
	ColControls           = "Additional controls"
	ColControlType        = "Control type"
	ColControlOwner       = "Control owner (side)"
	ColResidualSeverity   = "Residual severity"
	ColResidualLikelihood = "Residual likelihood"
	ColResidualRating     = "Residual risk rating"
	ColActions            = "Actions"
	ColActionOwner        = "Action owner"
	ColStatus             = "Status"
	ColRBJustification    = "Risk-benefit justification"
	ColRBBy               = "Risk-benefit CSO"
	ColRBUserID           = "Risk-benefit CSO user id"
	ColRBAt               = "Risk-benefit date"
	ColProvenance         = "Provenance"
)

// Columns returns every column of the earlier layout, in its order. The
// current export layout is SheetColumns.
func Columns() []string {
	return []string{ColNumber, ColName, ColDescription, ColImpact, ColCauses, ColExisting,
		ColInitialSeverity, ColInitialLikelihood, ColInitialRating, ColControls, ColControlType,
		ColControlOwner, ColResidualSeverity, ColResidualLikelihood, ColResidualRating, ColActions,
		ColActionOwner, ColStatus, ColRBJustification, ColRBBy, ColRBUserID, ColRBAt, ColProvenance}
}

// requiredColumns is the NHS template part, which an import must have.
const requiredColumns = 18

// maxHazards bounds an import.
const maxHazards = 10000

func normHeader(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// header maps column names to positions.
type header struct {
	idx   map[string]int
	width int
}

// readHeader checks the header row (spreadsheet row n): every template column present, no
// unknown or repeated column. Columns may come in any order.
func readHeader(row []string, n int, c *collector) header {
	h := header{idx: map[string]int{}, width: len(row)}
	known := map[string]string{}
	for _, col := range Columns() {
		known[normHeader(col)] = col
	}
	for i, cell := range row {
		k := normHeader(cell)
		if k == "" {
			continue
		}
		col, ok := known[k]
		switch {
		case !ok:
			c.add(n, strings.TrimSpace(cell), cellRef(i, n), "unknown column; the accepted columns are: %s", strings.Join(Columns(), ", "))
		case h.has(col):
			c.add(n, col, cellRef(i, n), "column appears more than once")
		default:
			h.idx[col] = i
		}
	}
	for _, col := range Columns()[:requiredColumns] {
		if !h.has(col) {
			c.add(n, col, "", "missing column %q", col)
		}
	}
	return h
}

func (h header) has(col string) bool { _, ok := h.idx[col]; return ok }

func (h header) get(row []string, col string) string {
	i, ok := h.idx[col]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

// cellRef returns the spreadsheet reference of a 0-based column and 1-based
// row, e.g. "I5".
func cellRef(col, row int) string {
	name := ""
	for n := col + 1; n > 0; n = (n - 1) / 26 {
		name = string(rune('A'+(n-1)%26)) + name
	}
	return fmt.Sprintf("%s%d", name, row)
}

func ratingCell(r int) string {
	if r == 0 {
		return ""
	}
	return strconv.Itoa(r)
}

// rowReader turns data rows into hazards, collecting every problem.
type rowReader struct {
	h       header
	m       risk.Matrix
	c       *collector
	seen    map[int]int
	cellRef bool // whether to name cells (XLSX)
}

func (rr *rowReader) errAt(row int, col, format string, args ...any) {
	ref := ""
	if rr.cellRef {
		if i, ok := rr.h.idx[col]; ok {
			ref = cellRef(i, row)
		}
	}
	rr.c.add(row, col, ref, format, args...)
}

func blankRow(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// read parses one data row (1-based spreadsheet row number n). ok is false
// when the row had problems, which have been recorded.
func (rr *rowReader) read(n int, row []string) (risk.Hazard, bool) {
	before := len(rr.c.errs)
	get := func(col string) string { return normText(rr.h.get(row, col)) }
	var h risk.Hazard

	if extra := len(row) - rr.h.width; extra > 0 && !blankRow(row[rr.h.width:]) {
		rr.c.add(n, "", "", "the row has %d cells beyond the last column of the header", extra)
	}
	if v := get(ColNumber); v == "" {
		rr.errAt(n, ColNumber, "enter the hazard number")
	} else if num, err := risk.ParseRef(v); err != nil {
		rr.errAt(n, ColNumber, "%q is not a hazard number (write 1 or HAZ-001)", v)
	} else if prev, dup := rr.seen[num]; dup {
		rr.errAt(n, ColNumber, "hazard number %d is also used on row %d", num, prev)
	} else {
		rr.seen[num] = n
		h.Number, h.Ref = num, risk.FormatRef(num)
	}
	h.Name, h.Description, h.ClinicalImpact = get(ColName), get(ColDescription), get(ColImpact)
	h.ExistingControls = get(ColExisting)
	for _, l := range cellLines(get(ColCauses)) {
		h.Causes = append(h.Causes, unescape(l))
	}

	cat := func(col string, sev bool) (risk.Severity, risk.Likelihood) {
		v := get(col)
		if v == "" {
			return 0, 0
		}
		if sev {
			s, err := risk.ParseSeverity(v)
			if err != nil {
				rr.errAt(n, col, "%s", msgOf(err))
			}
			return s, 0
		}
		l, err := risk.ParseLikelihood(v)
		if err != nil {
			rr.errAt(n, col, "%s", msgOf(err))
		}
		return 0, l
	}
	h.InitialSeverity, _ = cat(ColInitialSeverity, true)
	_, h.InitialLikelihood = cat(ColInitialLikelihood, false)
	h.ResidualSeverity, _ = cat(ColResidualSeverity, true)
	_, h.ResidualLikelihood = cat(ColResidualLikelihood, false)
	rr.checkRating(n, ColInitialRating, get(ColInitialRating), h.InitialSeverity, h.InitialLikelihood)
	rr.checkRating(n, ColResidualRating, get(ColResidualRating), h.ResidualSeverity, h.ResidualLikelihood)

	if v := get(ColStatus); v == "" {
		rr.errAt(n, ColStatus, "enter a status: Open, Transferred or Closed")
	} else if s, err := risk.ParseStatus(v); err != nil {
		rr.errAt(n, ColStatus, "%s", msgOf(err))
	} else {
		h.Status = s
	}

	// Controls: parallel lines in three columns.
	cl, tl, ol := cellLines(get(ColControls)), cellLines(get(ColControlType)), cellLines(get(ColControlOwner))
	if len(tl) != len(cl) {
		rr.errAt(n, ColControlType, "has %d lines but %s has %d; give one line per control", len(tl), ColControls, len(cl))
	}
	if len(ol) != len(cl) {
		rr.errAt(n, ColControlOwner, "has %d lines but %s has %d; give one line per control", len(ol), ColControls, len(cl))
	}
	for i, line := range cl {
		text, attrs, err := splitAttrs(line, "implementation", "verification")
		if err != nil {
			rr.errAt(n, ColControls, "line %d: %v", i+1, err)
			continue
		}
		c := risk.Control{Description: text}
		for _, a := range attrs {
			if a.key == "implementation" {
				c.ImplementationEvidence = a.val
			} else {
				c.VerificationEvidence = a.val
			}
		}
		if i < len(tl) {
			t, err := risk.ParseControlType(tl[i])
			if err != nil {
				rr.errAt(n, ColControlType, "line %d: %s", i+1, msgOf(err))
			}
			c.Type = t
		}
		if i < len(ol) {
			owner, side, err := parseOwnerSide(ol[i])
			if err != nil {
				rr.errAt(n, ColControlOwner, "line %d: %v", i+1, err)
			}
			c.Owner, c.Side = owner, side
		}
		h.Controls = append(h.Controls, c)
	}

	// Actions: parallel lines in two columns.
	al, aol := cellLines(get(ColActions)), cellLines(get(ColActionOwner))
	if len(aol) != len(al) {
		rr.errAt(n, ColActionOwner, "has %d lines but %s has %d; give one line per action", len(aol), ColActions, len(al))
	}
	for i, line := range al {
		a, err := parseActionLine(line)
		if err != nil {
			rr.errAt(n, ColActions, "line %d: %v", i+1, err)
			continue
		}
		if i < len(aol) {
			a.Owner = unescape(aol[i])
		}
		h.Actions = append(h.Actions, a)
	}

	h.RiskBenefit.Justification = get(ColRBJustification)
	h.RiskBenefit.ByName = get(ColRBBy)
	h.RiskBenefit.ByUserID = get(ColRBUserID)
	if v := get(ColRBAt); v != "" {
		t, err := parseTime(v)
		if serial, ferr := strconv.ParseFloat(v, 64); err != nil && ferr == nil && serial >= 1 && serial < 2958466 {
			t, err = excelize.ExcelDateToTime(serial, false) // a date cell typed in a spreadsheet
			t = t.UTC()
		}
		if err != nil {
			rr.errAt(n, ColRBAt, "%v", err)
		}
		h.RiskBenefit.At = t
	}
	p, err := parseProvenance(get(ColProvenance))
	if err != nil {
		rr.errAt(n, ColProvenance, "%v", err)
	}
	h.Provenance = p

	if len(rr.c.errs) > before {
		return h, false
	}
	if err := h.Validate(rr.m, zeroTime); err != nil {
		fields := fieldsOf(err)
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			rr.errAt(n, columnOf(k), "%s", fields[k])
		}
		return h, false
	}
	return h, true
}

// checkRating compares a stated rating with the matrix.
func (rr *rowReader) checkRating(n int, col, v string, s risk.Severity, l risk.Likelihood) {
	if msg := ratingProblem(rr.m, v, s, l); msg != "" {
		rr.errAt(n, col, "%s", msg)
	}
}

// ratingProblem says what is wrong with a stated rating v of a hazard
// rated s and l by m; "" when it is blank or right. (A missing severity or
// likelihood alone is reported by validation.)
func ratingProblem(m risk.Matrix, v string, s risk.Severity, l risk.Likelihood) string {
	if v == "" {
		return ""
	}
	stated, err := strconv.Atoi(v)
	if err != nil {
		f, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || f != float64(int(f)) {
			return fmt.Sprintf("%q is not a rating from 1 to 5", v)
		}
		stated = int(f)
	}
	if s == 0 && l == 0 {
		return fmt.Sprintf("a rating of %d is given but no severity or likelihood", stated)
	}
	want, err := m.Rate(s, l)
	if err != nil || stated == want {
		return ""
	}
	return fmt.Sprintf("the stated rating %d does not match the matrix rating %d for %s severity and %s likelihood", stated, want, s, l)
}

// columnOf maps a risk.Validate field key to the column that holds it.
func columnOf(field string) string {
	head, rest, _ := strings.Cut(field, ".")
	switch head {
	case "number", "ref", "id":
		return ColNumber
	case "name":
		return ColName
	case "description":
		return ColDescription
	case "clinical_impact":
		return ColImpact
	case "causes":
		return ColCauses
	case "existing_controls":
		return ColExisting
	case "initial_severity":
		return ColInitialSeverity
	case "initial_likelihood":
		return ColInitialLikelihood
	case "residual_severity":
		return ColResidualSeverity
	case "residual_likelihood":
		return ColResidualLikelihood
	case "status":
		return ColStatus
	case "risk_benefit":
		return ColRBJustification
	case "provenance":
		return ColProvenance
	case "controls":
		switch {
		case strings.HasSuffix(rest, ".type"):
			return ColControlType
		case strings.HasSuffix(rest, ".side"), strings.HasSuffix(rest, ".owner"):
			return ColControlOwner
		}
		return ColControls
	case "actions":
		if strings.HasSuffix(rest, ".owner") {
			return ColActionOwner
		}
		return ColActions
	}
	return field
}
