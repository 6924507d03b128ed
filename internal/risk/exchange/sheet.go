package exchange

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/clinsafe/clinsafe/internal/risk"
)

// The clinsafe layout (see README.md): one row per control and per action,
// side by side, with the hazard's own cells on its first row and its number
// on every row. Control i and action i of a hazard share row i; they are
// not related.

// sheetRows renders h as rows of cells in SheetColumns order.
func sheetRows(h risk.Hazard, m risk.Matrix) [][]string {
	ref := h.Ref
	if ref == "" && h.Number > 0 {
		ref = risk.FormatRef(h.Number)
	}
	n := max(1, len(h.Controls), len(h.Actions))
	rows := make([][]string, n)
	col := map[Field]int{}
	for i, fi := range fieldList {
		col[fi.Field] = i
	}
	for i := range rows {
		rows[i] = make([]string, len(fieldList))
		rows[i][col[FieldNumber]] = ref
	}
	set := func(r int, f Field, v string) { rows[r][col[f]] = v }
	ir, _ := h.InitialRating(m)
	rr, _ := h.ResidualRating(m)
	var causes []string
	for _, c := range h.Causes {
		causes = append(causes, lineEscaper.Replace(c))
	}
	sevName := func(s risk.Severity) string {
		if s == 0 {
			return ""
		}
		return s.String()
	}
	likName := func(l risk.Likelihood) string {
		if l == 0 {
			return ""
		}
		return l.String()
	}
	set(0, FieldName, h.Name)
	set(0, FieldDescription, h.Description)
	set(0, FieldImpact, h.ClinicalImpact)
	set(0, FieldCauses, strings.Join(causes, "\n"))
	set(0, FieldExisting, h.ExistingControls)
	set(0, FieldInitialSeverity, sevName(h.InitialSeverity))
	set(0, FieldInitialLikelihood, likName(h.InitialLikelihood))
	set(0, FieldInitialRating, ratingCell(ir))
	set(0, FieldResidualSeverity, sevName(h.ResidualSeverity))
	set(0, FieldResidualLikelihood, likName(h.ResidualLikelihood))
	set(0, FieldResidualRating, ratingCell(rr))
	set(0, FieldStatus, h.Status.Label())
	set(0, FieldRBJustification, h.RiskBenefit.Justification)
	set(0, FieldRBBy, h.RiskBenefit.ByName)
	set(0, FieldRBAt, formatWhen(h.RiskBenefit.At))
	set(0, FieldSource, h.Provenance.Source)
	set(0, FieldSourceDocument, h.Provenance.Document)
	set(0, FieldSourceVersion, h.Provenance.Version)
	set(0, FieldSourceRef, h.Provenance.Ref)
	set(0, FieldImportedOn, formatWhen(h.Provenance.ImportedAt))
	for i, c := range h.Controls {
		set(i, FieldControl, c.Description)
		set(i, FieldControlType, c.Type.Label())
		set(i, FieldControlOwner, c.Owner)
		set(i, FieldControlSide, c.Side.Label())
		set(i, FieldControlImplemented, c.ImplementationEvidence)
		set(i, FieldControlVerified, c.VerificationEvidence)
	}
	for i, a := range h.Actions {
		set(i, FieldAction, a.Summary)
		set(i, FieldActionOwner, a.Owner)
		set(i, FieldActionDue, formatDay(a.Due))
		set(i, FieldActionDone, yesNo(a.Done))
		set(i, FieldActionDoneOn, formatWhen(a.DoneAt))
	}
	return rows
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// sheetHeader reads a header row in the clinsafe layout: every cell a
// known column, none repeated, the required ones present.
func sheetHeader(row []string, n int, c *collector) Mapping {
	known := map[string]Field{}
	for _, fi := range fieldList {
		known[normHeader(fi.Label)] = fi.Field
	}
	m := Mapping{}
	for i, cell := range row {
		k := normHeader(cell)
		if k == "" {
			continue
		}
		f, ok := known[k]
		switch {
		case !ok:
			c.add(n, strings.TrimSpace(cell), cellRef(i, n), "unknown column; the accepted columns are: %s", strings.Join(SheetColumns(), ", "))
		default:
			if _, dup := m[f]; dup {
				c.add(n, strings.TrimSpace(cell), cellRef(i, n), "column appears more than once")
				continue
			}
			m[f] = i
		}
	}
	for _, f := range sheetRequired {
		if _, ok := m[f]; !ok {
			fi, _ := infoOf(f)
			c.add(n, fi.Label, "", "missing column %q", fi.Label)
		}
	}
	return m
}

// isSheetHeader reports whether row is a complete header of the clinsafe
// layout, which imports without a mapping step.
func isSheetHeader(row []string) bool {
	var c collector
	sheetHeader(row, 1, &c)
	return len(c.errs) == 0
}

// mapped reads data rows with a mapping.
type mapped struct {
	mp      Mapping
	header  []string
	m       risk.Matrix
	c       *collector
	cellRef bool
}

// hazardRows is one hazard read from its rows.
type hazardRows struct {
	h     risk.Hazard
	first int // spreadsheet row of its first row
	last  int
	ok    bool
	// rows of each control and action, for messages
	controlRow, actionRow []int
	// first row's hazard cells, to compare continuation rows with
	cells map[Field]string
}

func (r *mapped) get(row []string, f Field) string {
	i, ok := r.mp[f]
	if !ok || i < 0 || i >= len(row) {
		return ""
	}
	return normText(strings.TrimSpace(row[i]))
}

// label names the column holding f: its header in the file.
func (r *mapped) label(f Field) string {
	if i, ok := r.mp[f]; ok && i >= 0 && i < len(r.header) && strings.TrimSpace(r.header[i]) != "" {
		return strings.TrimSpace(r.header[i])
	}
	if fi, ok := infoOf(f); ok {
		return fi.Label
	}
	return string(f)
}

func (r *mapped) errAt(row int, f Field, format string, args ...any) {
	ref := ""
	if i, ok := r.mp[f]; ok && r.cellRef {
		ref = cellRef(i, row)
	}
	r.c.add(row, r.label(f), ref, format, args...)
}

func (r *mapped) any(row []string, part int) bool {
	for _, fi := range fieldList {
		if fi.part == part && fi.Field != FieldNumber && r.get(row, fi.Field) != "" {
			return true
		}
	}
	return false
}

func (r *mapped) blank(row []string) bool {
	for f := range r.mp {
		if r.get(row, f) != "" {
			return false
		}
	}
	return true
}

// read groups the data rows below header row hi (0-based) into hazards and
// checks each. It returns every hazard it could find, valid or not.
func (r *mapped) read(rows [][]string, hi int) []*hazardRows {
	var out []*hazardRows
	var cur *hazardRows
	seen := map[int]int{}
	_, numbered := r.mp[FieldNumber]
	for i := hi + 1; i < len(rows); i++ {
		row, n := rows[i], i+1
		if r.blank(row) {
			continue
		}
		hasHazard := r.any(row, partHazard)
		num, newHazard := 0, false
		if numbered {
			v := r.get(row, FieldNumber)
			switch {
			case v == "" && hasHazard:
				r.errAt(n, FieldNumber, "enter the hazard number")
				cur = nil
				continue
			case v == "" && cur == nil:
				r.errAt(n, FieldNumber, "enter the hazard number: the row has a control or action but no hazard above it")
				continue
			case v == "":
			default:
				p, err := risk.ParseRef(v)
				if err != nil {
					r.errAt(n, FieldNumber, "%q is not a hazard number (write 1 or HAZ-001)", v)
					cur = nil
					continue
				}
				if cur == nil || p != cur.h.Number {
					if prev, dup := seen[p]; dup {
						r.errAt(n, FieldNumber, "hazard number %d is also used on row %d; keep a hazard's rows together", p, prev)
						cur = nil
						continue
					}
					num, newHazard = p, true
				}
			}
		} else {
			if !hasHazard && cur == nil {
				r.c.add(n, "", "", "the row has a control or action but no hazard above it")
				continue
			}
			if hasHazard {
				num, newHazard = len(out)+1, true
			}
		}
		if newHazard {
			if len(out) >= maxHazards {
				r.c.add(n, "", "", "too many hazards: at most %d can be imported at once", maxHazards)
				break
			}
			seen[num] = n
			cur = &hazardRows{first: n, cells: map[Field]string{}}
			cur.h.Number, cur.h.Ref = num, risk.FormatRef(num)
			out = append(out, cur)
			r.hazardCells(cur, row, n)
		} else if hasHazard {
			for _, fi := range fieldList {
				if fi.part != partHazard || fi.Field == FieldNumber {
					continue
				}
				if v := r.get(row, fi.Field); v != "" && v != cur.cells[fi.Field] {
					r.errAt(n, fi.Field, "differs from the hazard's first row (row %d); give a hazard's details on its first row only", cur.first)
				}
			}
		}
		cur.last = n
		if r.any(row, partControl) {
			r.control(cur, row, n)
		}
		if r.any(row, partAction) {
			r.action(cur, row, n)
		}
	}
	return out
}

func (r *mapped) hazardCells(hr *hazardRows, row []string, n int) {
	h := &hr.h
	for _, fi := range fieldList {
		if fi.part == partHazard {
			hr.cells[fi.Field] = r.get(row, fi.Field)
		}
	}
	get := func(f Field) string { return hr.cells[f] }
	h.Name, h.Description, h.ClinicalImpact, h.ExistingControls = get(FieldName), get(FieldDescription), get(FieldImpact), get(FieldExisting)
	for _, l := range cellLines(get(FieldCauses)) {
		h.Causes = append(h.Causes, unescape(l))
	}
	h.InitialSeverity = r.severity(n, FieldInitialSeverity, get(FieldInitialSeverity))
	h.InitialLikelihood = r.likelihood(n, FieldInitialLikelihood, get(FieldInitialLikelihood))
	h.ResidualSeverity = r.severity(n, FieldResidualSeverity, get(FieldResidualSeverity))
	h.ResidualLikelihood = r.likelihood(n, FieldResidualLikelihood, get(FieldResidualLikelihood))
	r.rating(n, FieldInitialRating, get(FieldInitialRating), h.InitialSeverity, h.InitialLikelihood)
	r.rating(n, FieldResidualRating, get(FieldResidualRating), h.ResidualSeverity, h.ResidualLikelihood)
	if _, mappedStatus := r.mp[FieldStatus]; !mappedStatus {
		h.Status = risk.Open
	} else if v := get(FieldStatus); v == "" {
		r.errAt(n, FieldStatus, "enter a status: Open, Transferred or Closed")
	} else if s, err := risk.ParseStatus(v); err != nil {
		r.errAt(n, FieldStatus, "%s", msgOf(err))
	} else {
		h.Status = s
	}
	h.RiskBenefit.Justification, h.RiskBenefit.ByName = get(FieldRBJustification), get(FieldRBBy)
	if v := get(FieldRBAt); v != "" {
		t, err := parseWhen(v)
		if err != nil {
			r.errAt(n, FieldRBAt, "%v", err)
		}
		h.RiskBenefit.At = t
	}
	h.Provenance = risk.Provenance{Source: get(FieldSource), Document: get(FieldSourceDocument), Version: get(FieldSourceVersion), Ref: get(FieldSourceRef)}
	if v := get(FieldImportedOn); v != "" {
		t, err := parseWhen(v)
		if err != nil {
			r.errAt(n, FieldImportedOn, "%v", err)
		}
		h.Provenance.ImportedAt = t
	}
}

func (r *mapped) control(hr *hazardRows, row []string, n int) {
	c := risk.Control{Description: r.get(row, FieldControl), Owner: r.get(row, FieldControlOwner),
		ImplementationEvidence: r.get(row, FieldControlImplemented), VerificationEvidence: r.get(row, FieldControlVerified)}
	if v := r.get(row, FieldControlType); v != "" {
		t, err := risk.ParseControlType(v)
		if err != nil {
			r.errAt(n, FieldControlType, "%s", msgOf(err))
		}
		c.Type = t
	}
	if v := r.get(row, FieldControlSide); v != "" {
		if owner, side, err := parseOwnerSide(v); err == nil && owner == "" {
			c.Side = side
		} else {
			r.errAt(n, FieldControlSide, "%q should be Manufacturer or Deployer", v)
		}
	} else if owner, side, err := parseOwnerSide(c.Owner); err == nil && owner != "" && !mappedField(r.mp, FieldControlSide) {
		// "Pharmacy team (deployer)" in an owner column, as older exports wrote it.
		c.Owner, c.Side = owner, side
	}
	hr.h.Controls = append(hr.h.Controls, c)
	hr.controlRow = append(hr.controlRow, n)
}

func mappedField(m Mapping, f Field) bool { _, ok := m[f]; return ok }

func (r *mapped) action(hr *hazardRows, row []string, n int) {
	a := risk.Action{Summary: r.get(row, FieldAction), Owner: r.get(row, FieldActionOwner)}
	if v := r.get(row, FieldActionDue); v != "" {
		t, err := parseWhen(v)
		if err != nil {
			r.errAt(n, FieldActionDue, "%v", err)
		}
		a.Due = t
	}
	done := r.get(row, FieldActionDone)
	switch strings.ToLower(done) {
	case "", "no", "n", "false", "not done", "open":
	case "yes", "y", "true", "done", "complete", "completed", "closed":
		a.Done = true
	default:
		r.errAt(n, FieldActionDone, "%q should be Yes or No", done)
	}
	if v := r.get(row, FieldActionDoneOn); v != "" {
		t, err := parseWhen(v)
		if err != nil {
			r.errAt(n, FieldActionDoneOn, "%v", err)
		}
		if done == "" {
			a.Done = true
		} else if !a.Done {
			r.errAt(n, FieldActionDoneOn, "a date is given but the action is not done; write Yes in %s or clear the date", r.label(FieldActionDone))
		}
		a.DoneAt = t
	}
	hr.h.Actions = append(hr.h.Actions, a)
	hr.actionRow = append(hr.actionRow, n)
}

var leadingLevel = regexp.MustCompile(`^([1-5])(?:\s*[-–—:.)]\s*|\s+|$)(.*)$`)

// level reads "Major", "major", "4" or "4 - Major" as the level's value;
// names is the list of level names from 1.
func level(v string, parse func(string) (int, error), names func(int) string) (int, error) {
	n, err := parse(v)
	if err == nil {
		return n, nil
	}
	if m := leadingLevel.FindStringSubmatch(strings.TrimSpace(v)); m != nil {
		k, _ := strconv.Atoi(m[1])
		if rest := strings.TrimSpace(strings.Trim(m[2], "()")); rest == "" || normHeader(rest) == normHeader(names(k)) {
			return k, nil
		}
	}
	return 0, err
}

func (r *mapped) severity(n int, f Field, v string) risk.Severity {
	if v == "" {
		return 0
	}
	k, err := level(v, func(s string) (int, error) { x, err := risk.ParseSeverity(s); return int(x), err },
		func(k int) string { return risk.Severity(k).String() })
	if err != nil {
		r.errAt(n, f, "%s (or 1 to 5)", msgOf(err))
	}
	return risk.Severity(k)
}

func (r *mapped) likelihood(n int, f Field, v string) risk.Likelihood {
	if v == "" {
		return 0
	}
	k, err := level(v, func(s string) (int, error) { x, err := risk.ParseLikelihood(s); return int(x), err },
		func(k int) string { return risk.Likelihood(k).String() })
	if err != nil {
		r.errAt(n, f, "%s (or 1 to 5)", msgOf(err))
	}
	return risk.Likelihood(k)
}

func (r *mapped) rating(n int, f Field, v string, s risk.Severity, l risk.Likelihood) {
	if msg := ratingProblem(r.m, v, s, l); msg != "" {
		r.errAt(n, f, "%s", msg)
	}
}

// validate checks each hazard with the domain rules, naming the row and
// column of the cell each problem is about.
func (r *mapped) validate(hs []*hazardRows) {
	for _, hr := range hs {
		if r.errorsIn(hr) {
			continue // its cells could not be read
		}
		err := hr.h.Validate(r.m, zeroTime)
		if err == nil {
			hr.ok = true
			continue
		}
		fields := fieldsOf(err)
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			row, f := r.place(hr, k)
			r.errAt(row, f, "%s", fields[k])
		}
	}
}

func (r *mapped) errorsIn(hr *hazardRows) bool {
	for _, e := range r.c.errs {
		if e.Row >= hr.first && e.Row <= hr.last {
			return true
		}
	}
	return false
}

// place maps a risk.Validate field key to the row and field it is about.
func (r *mapped) place(hr *hazardRows, key string) (int, Field) {
	head, rest, _ := strings.Cut(key, ".")
	idx, sub, _ := strings.Cut(rest, ".")
	i, _ := strconv.Atoi(idx)
	switch head {
	case "controls":
		row := hr.first
		if i < len(hr.controlRow) {
			row = hr.controlRow[i]
		}
		switch sub {
		case "type":
			return row, FieldControlType
		case "side":
			return row, FieldControlSide
		case "owner":
			return row, FieldControlOwner
		case "implementation_evidence":
			return row, FieldControlImplemented
		case "verification_evidence":
			return row, FieldControlVerified
		}
		return row, FieldControl
	case "actions":
		row := hr.first
		if i < len(hr.actionRow) {
			row = hr.actionRow[i]
		}
		switch sub {
		case "owner":
			return row, FieldActionOwner
		case "due":
			return row, FieldActionDue
		case "done", "done_at":
			return row, FieldActionDoneOn
		}
		return row, FieldAction
	case "number", "ref", "id":
		return hr.first, FieldNumber
	case "name":
		return hr.first, FieldName
	case "description":
		return hr.first, FieldDescription
	case "clinical_impact":
		return hr.first, FieldImpact
	case "causes":
		return hr.first, FieldCauses
	case "existing_controls":
		return hr.first, FieldExisting
	case "initial_severity":
		return hr.first, FieldInitialSeverity
	case "initial_likelihood":
		return hr.first, FieldInitialLikelihood
	case "residual_severity":
		return hr.first, FieldResidualSeverity
	case "residual_likelihood":
		return hr.first, FieldResidualLikelihood
	case "status":
		return hr.first, FieldStatus
	case "risk_benefit":
		return hr.first, FieldRBJustification
	case "provenance":
		return hr.first, FieldSource
	}
	return hr.first, Field(key)
}

// readMapped reads the hazards below header row hi (0-based) with mp.
func readMapped(rows [][]string, hi int, mp Mapping, m risk.Matrix, cellRefs bool, c *collector) []*hazardRows {
	r := &mapped{mp: mp, header: rows[hi], m: m, c: c, cellRef: cellRefs}
	hs := r.read(rows, hi)
	r.validate(hs)
	if len(hs) == 0 && len(c.errs) == 0 {
		c.add(hi+2, "", "", "the file has no hazards")
	}
	return hs
}

func hazardsOf(hs []*hazardRows) []risk.Hazard {
	out := make([]risk.Hazard, 0, len(hs))
	for _, hr := range hs {
		out = append(out, hr.h)
	}
	return out
}
