package exchange

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"unicode"
)

// Field is one thing clinsafe reads from a hazard log spreadsheet: a column
// of the clinsafe layout, and what a column of someone else's layout can be
// mapped to.
type Field string

// The fields, in the order of the clinsafe layout's columns.
const (
	FieldNumber             Field = "number"
	FieldName               Field = "name"
	FieldDescription        Field = "description"
	FieldImpact             Field = "clinical_impact"
	FieldCauses             Field = "causes"
	FieldExisting           Field = "existing_controls"
	FieldInitialSeverity    Field = "initial_severity"
	FieldInitialLikelihood  Field = "initial_likelihood"
	FieldInitialRating      Field = "initial_rating"
	FieldControl            Field = "control"
	FieldControlType        Field = "control_type"
	FieldControlOwner       Field = "control_owner"
	FieldControlSide        Field = "control_side"
	FieldControlImplemented Field = "control_implementation"
	FieldControlVerified    Field = "control_verification"
	FieldResidualSeverity   Field = "residual_severity"
	FieldResidualLikelihood Field = "residual_likelihood"
	FieldResidualRating     Field = "residual_rating"
	FieldAction             Field = "action"
	FieldActionOwner        Field = "action_owner"
	FieldActionDue          Field = "action_due"
	FieldActionDone         Field = "action_done"
	FieldActionDoneOn       Field = "action_done_on"
	FieldStatus             Field = "status"
	FieldRBJustification    Field = "risk_benefit"
	FieldRBBy               Field = "risk_benefit_by"
	FieldRBAt               Field = "risk_benefit_date"
	FieldSource             Field = "source"
	FieldSourceDocument     Field = "source_document"
	FieldSourceVersion      Field = "source_version"
	FieldSourceRef          Field = "source_ref"
	FieldImportedOn         Field = "imported_on"
)

// What a field belongs to: the hazard (given once, on its first row), one
// control or one action (one per row).
const (
	partHazard = iota
	partControl
	partAction
)

// FieldInfo describes a field for the column-mapping step.
type FieldInfo struct {
	Field Field
	// Label is the column header in the clinsafe layout.
	Label string
	// Required fields must be mapped to a column before an import.
	Required bool
	// Hint says what the column holds, for the mapping form.
	Hint string
	part int
	// words guess the field from someone else's header: every word of one
	// entry must appear in the header.
	words [][]string
}

var fieldList = []FieldInfo{
	{Field: FieldNumber, Label: "Hazard number", Hint: "HAZ-001 or 1; rows with the same number belong to one hazard", part: partHazard,
		words: [][]string{{"hazard", "number"}, {"hazard", "id"}, {"hazard", "ref"}, {"hazard", "reference"}, {"hazard", "no"}, {"ref"}, {"reference"}, {"id"}, {"no"}, {"number"}}},
	{Field: FieldName, Label: "Hazard name", Required: true, Hint: "a short name, one line", part: partHazard,
		words: [][]string{{"hazard", "name"}, {"hazard", "title"}, {"title"}, {"name"}, {"hazard"}, {"summary"}}},
	{Field: FieldDescription, Label: "Hazard description", part: partHazard, words: [][]string{{"description"}, {"detail"}, {"details"}}},
	{Field: FieldImpact, Label: "Potential clinical impact", part: partHazard,
		words: [][]string{{"clinical", "impact"}, {"impact"}, {"effect"}, {"effects"}, {"harm"}, {"consequence"}, {"consequences"}}},
	{Field: FieldCauses, Label: "Possible causes", Hint: "one cause per line", part: partHazard, words: [][]string{{"cause"}, {"causes"}}},
	{Field: FieldExisting, Label: "Existing controls", part: partHazard, words: [][]string{{"existing", "controls"}, {"existing", "control"}, {"existing"}}},
	{Field: FieldInitialSeverity, Label: "Initial severity", Required: true, Hint: "Minor to Catastrophic, or 1 to 5", part: partHazard,
		words: [][]string{{"initial", "severity"}, {"severity"}, {"consequence", "score"}}},
	{Field: FieldInitialLikelihood, Label: "Initial likelihood", Required: true, Hint: "Very low to Very high, or 1 to 5", part: partHazard,
		words: [][]string{{"initial", "likelihood"}, {"likelihood"}, {"probability"}}},
	{Field: FieldInitialRating, Label: "Initial risk rating", Hint: "1 to 5; checked against the risk matrix", part: partHazard,
		words: [][]string{{"initial", "rating"}, {"initial", "risk"}, {"risk", "rating"}, {"rating"}, {"risk", "score"}, {"risk", "level"}}},
	{Field: FieldControl, Label: "Control", Hint: "one control per row", part: partControl,
		words: [][]string{{"additional", "controls"}, {"additional", "control"}, {"control"}, {"controls"}, {"mitigation"}, {"mitigations"}}},
	{Field: FieldControlType, Label: "Control type", Hint: "Design, Test, Training or Business process change", part: partControl,
		words: [][]string{{"control", "type"}, {"mitigation", "type"}}},
	{Field: FieldControlOwner, Label: "Control owner", part: partControl, words: [][]string{{"control", "owner"}, {"mitigation", "owner"}}},
	{Field: FieldControlSide, Label: "Control side", Hint: "Manufacturer or Deployer", part: partControl,
		words: [][]string{{"control", "side"}, {"side"}, {"manufacturer", "deployer"}}},
	{Field: FieldControlImplemented, Label: "Implementation evidence", part: partControl, words: [][]string{{"implementation"}, {"implemented"}}},
	{Field: FieldControlVerified, Label: "Verification evidence", part: partControl, words: [][]string{{"verification"}, {"verified"}}},
	{Field: FieldResidualSeverity, Label: "Residual severity", Hint: "as the initial severity; blank when not yet estimated", part: partHazard,
		words: [][]string{{"residual", "severity"}, {"post", "severity"}, {"final", "severity"}, {"revised", "severity"}}},
	{Field: FieldResidualLikelihood, Label: "Residual likelihood", part: partHazard,
		words: [][]string{{"residual", "likelihood"}, {"post", "likelihood"}, {"final", "likelihood"}, {"revised", "likelihood"}, {"residual", "probability"}}},
	{Field: FieldResidualRating, Label: "Residual risk rating", part: partHazard,
		words: [][]string{{"residual", "rating"}, {"residual", "risk"}, {"post", "rating"}, {"final", "rating"}, {"revised", "rating"}}},
	{Field: FieldAction, Label: "Action", Hint: "one action per row", part: partAction, words: [][]string{{"action"}, {"actions"}}},
	{Field: FieldActionOwner, Label: "Action owner", part: partAction, words: [][]string{{"action", "owner"}, {"owner"}}},
	{Field: FieldActionDue, Label: "Action due", Hint: "a date such as 1 December 2026", part: partAction,
		words: [][]string{{"action", "due"}, {"due"}, {"target", "date"}}},
	{Field: FieldActionDone, Label: "Action done", Hint: "Yes or No", part: partAction, words: [][]string{{"action", "done"}, {"done"}, {"complete"}, {"completed"}}},
	{Field: FieldActionDoneOn, Label: "Action done on", part: partAction, words: [][]string{{"action", "done", "on"}, {"done", "on"}, {"completed", "on"}, {"completion", "date"}}},
	{Field: FieldStatus, Label: "Status", Hint: "Open, Transferred or Closed; every hazard is Open when not mapped", part: partHazard,
		words: [][]string{{"status"}, {"hazard", "status"}, {"state"}}},
	{Field: FieldRBJustification, Label: "Risk-benefit justification", part: partHazard, words: [][]string{{"risk", "benefit"}, {"justification"}, {"rationale"}}},
	{Field: FieldRBBy, Label: "Risk-benefit CSO", part: partHazard, words: [][]string{{"risk", "benefit", "cso"}, {"cso"}}},
	{Field: FieldRBAt, Label: "Risk-benefit date", part: partHazard, words: [][]string{{"risk", "benefit", "date"}}},
	{Field: FieldSource, Label: "Source", Hint: "who wrote the hazard, when it came from elsewhere", part: partHazard, words: [][]string{{"source"}}},
	{Field: FieldSourceDocument, Label: "Source document", part: partHazard, words: [][]string{{"source", "document"}}},
	{Field: FieldSourceVersion, Label: "Source version", part: partHazard, words: [][]string{{"source", "version"}}},
	{Field: FieldSourceRef, Label: "Source reference", part: partHazard, words: [][]string{{"source", "reference"}, {"source", "ref"}}},
	{Field: FieldImportedOn, Label: "Imported on", part: partHazard, words: [][]string{{"imported", "on"}, {"imported"}}},
}

// Fields returns every field, in the clinsafe layout's column order.
func Fields() []FieldInfo { return append([]FieldInfo(nil), fieldList...) }

func infoOf(f Field) (FieldInfo, bool) {
	for _, fi := range fieldList {
		if fi.Field == f {
			return fi, true
		}
	}
	return FieldInfo{}, false
}

// SheetColumns returns the column headers of the clinsafe layout, in export
// order (see README.md).
func SheetColumns() []string {
	out := make([]string, len(fieldList))
	for i, fi := range fieldList {
		out[i] = fi.Label
	}
	return out
}

// sheetRequired are the columns an import of the clinsafe layout must have.
var sheetRequired = []Field{FieldNumber, FieldName, FieldInitialSeverity, FieldInitialLikelihood, FieldStatus}

// Mapping says which column (from 0) holds each field; a field not in the
// map is not in the file.
type Mapping map[Field]int

// Valid checks m against a header of width columns: every column in range,
// no column given to two fields, the required fields mapped. It returns the
// problems by field.
func (m Mapping) Valid(width int) map[Field]string {
	bad := map[Field]string{}
	used := map[int]Field{}
	for _, fi := range fieldList {
		i, ok := m[fi.Field]
		if !ok {
			if fi.Required {
				bad[fi.Field] = "Choose the column that holds the " + strings.ToLower(fi.Label)
			}
			continue
		}
		if i < 0 || i >= width {
			bad[fi.Field] = "Choose a column of the file"
			continue
		}
		if prev, dup := used[i]; dup {
			p, _ := infoOf(prev)
			bad[fi.Field] = "That column is already chosen for " + strings.ToLower(p.Label) + "; choose each column once"
			continue
		}
		used[i] = fi.Field
	}
	for f := range m {
		if _, ok := infoOf(f); !ok {
			bad[f] = "not a field clinsafe reads"
		}
	}
	return bad
}

// headerWords splits a header into lower-case words of letters and digits.
func headerWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// Guess maps the columns of header to fields from their names: an exact
// clinsafe header first, then the first entry of a field's words whose
// words all appear in a header. Each column and each field is used once;
// the more specific entries (more words) win.
func Guess(header []string) Mapping {
	m := Mapping{}
	used := map[int]bool{}
	for i, h := range header {
		for _, fi := range fieldList {
			if _, done := m[fi.Field]; !done && normHeader(h) == normHeader(fi.Label) && !used[i] {
				m[fi.Field], used[i] = i, true
			}
		}
	}
	type cand struct {
		f     Field
		col   int
		score int
		order int
	}
	var cs []cand
	for i, h := range header {
		if used[i] {
			continue
		}
		ws := map[string]bool{}
		for _, w := range headerWords(h) {
			ws[w] = true
		}
		for k, fi := range fieldList {
			if _, done := m[fi.Field]; done {
				continue
			}
			for j, entry := range fi.words {
				all := true
				for _, w := range entry {
					all = all && ws[w]
				}
				if all {
					// Longer entries are more specific; of equal length the
					// field listed first for the header wins.
					cs = append(cs, cand{fi.Field, i, len(entry)*100 - j, k})
					break
				}
			}
		}
	}
	sort.SliceStable(cs, func(a, b int) bool {
		if cs[a].score != cs[b].score {
			return cs[a].score > cs[b].score
		}
		if cs[a].col != cs[b].col {
			return cs[a].col < cs[b].col
		}
		return cs[a].order < cs[b].order
	})
	for _, c := range cs {
		if _, done := m[c.f]; done || used[c.col] {
			continue
		}
		m[c.f], used[c.col] = c.col, true
	}
	return m
}

// HeaderKey identifies a header row, ignoring case and spacing, so that a
// mapping chosen for one file can be offered again for the next file with
// the same columns in the same order.
func HeaderKey(header []string) string {
	var b strings.Builder
	for _, h := range header {
		b.WriteString(normHeader(h))
		b.WriteByte(0)
	}
	sum := sha256.Sum256([]byte(strings.TrimRight(b.String(), "\x00")))
	return hex.EncodeToString(sum[:16])
}
