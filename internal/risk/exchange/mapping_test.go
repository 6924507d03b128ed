package exchange

import (
	"bytes"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/google/go-cmp/cmp"
)

// csoHeader is a header of a CSO's own hazard log, in no clinsafe layout.
var csoHeader = []string{"ID", "Hazard title", "Cause(s)", "Effect on patient", "Severity (pre)", "Likelihood (pre)", "Risk score",
	"Mitigation", "Mitigation type", "Manufacturer / deployer", "Severity (post-mitigation)", "Likelihood (post)", "Residual risk",
	"Action", "Owner", "Due date", "Status", "Notes"}

func TestGuessMapping(t *testing.T) {
	got := Guess(csoHeader)
	want := Mapping{FieldNumber: 0, FieldName: 1, FieldCauses: 2, FieldImpact: 3, FieldInitialSeverity: 4, FieldInitialLikelihood: 5,
		FieldInitialRating: 6, FieldControl: 7, FieldControlType: 8, FieldControlSide: 9, FieldResidualSeverity: 10,
		FieldResidualLikelihood: 11, FieldResidualRating: 12, FieldAction: 13, FieldActionOwner: 14, FieldActionDue: 15, FieldStatus: 16}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Guess(%q) (-want +got):\n%s", csoHeader, d)
	}
	// The clinsafe layout maps onto itself.
	exact := Guess(SheetColumns())
	for i, fi := range Fields() {
		if exact[fi.Field] != i {
			t.Errorf("Guess(SheetColumns()): %s got column %d, want %d", fi.Field, exact[fi.Field], i)
		}
	}
}

func TestMappingValid(t *testing.T) {
	bad := Mapping{FieldName: 1, FieldInitialSeverity: 1, FieldInitialLikelihood: 9}.Valid(5)
	for f, want := range map[Field]string{FieldInitialSeverity: "already chosen for hazard name", FieldInitialLikelihood: "Choose a column of the file"} {
		if !strings.Contains(bad[f], want) {
			t.Errorf("Valid: %s got %q, want %q", f, bad[f], want)
		}
	}
	if bad := (Mapping{FieldInitialSeverity: 0, FieldInitialLikelihood: 2}).Valid(5); !strings.Contains(bad[FieldName], "hazard name") {
		t.Errorf("Valid without a name: got %v, want the name asked for", bad)
	}
}

// csoRows is a CSO's own log: hazard 7 with two mitigations on two rows
// (the second row leaves the hazard's cells blank), hazard 9 on one row with
// numbers for severity and likelihood and a date typed into a cell.
func csoRows() [][]string {
	return [][]string{
		{"Clinical hazard log, Ward systems"}, // a title row above the header is not the header
		csoHeader,
		{"7", "Wrong dose shown", "Unit confusion\nRounding", "Overdose", "Major", "Medium", "3", "Show units on every dose", "Design", "Manufacturer",
			"Major", "Very low", "2", "Add units to the label", "Dev team", "1 December 2026", "Open", "seen in testing"},
		{"7", "", "", "", "", "", "", "Pharmacist checks high-risk doses", "Business process change", "Deployer", "", "", "", "", "", "", "", ""},
		{"HAZ-009", "Record not saved", "", "Delayed care", "4", "2", "3", "", "", "", "", "", "", "Confirm save message", "CSO", "46357", "Open", ""},
	}
}

func TestImportMappedOwnSheet(t *testing.T) {
	rows := csoRows()
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			file := csvFile(rows)
			if format == "xlsx" {
				file = xlsxFile(t, rows, nil)
			}
			tb, err := ReadTable(bytes.NewReader(file), format)
			if err != nil {
				t.Fatalf("ReadTable: %v", err)
			}
			if tb.Clinsafe() {
				t.Fatalf("Clinsafe(): got true for a CSO's own layout")
			}
			// A title row of one cell above the header is not the header.
			if tb.HeaderRow() != 2 || tb.Header()[1] != "Hazard title" {
				t.Fatalf("header: got row %d %q, want row 2", tb.HeaderRow(), tb.Header())
			}
			l, err := tb.ImportMapped(Guess(tb.Header()), risk.DefaultMatrix())
			if err != nil {
				t.Fatalf("ImportMapped: %v", err)
			}
			if len(l.Hazards) != 2 {
				t.Fatalf("ImportMapped: got %d hazards, want 2", len(l.Hazards))
			}
			h := l.Hazards[0]
			want := risk.Hazard{Ref: "HAZ-007", Number: 7, Name: "Wrong dose shown", ClinicalImpact: "Overdose", Causes: []string{"Unit confusion", "Rounding"},
				InitialSeverity: risk.Major, InitialLikelihood: risk.Medium, ResidualSeverity: risk.Major, ResidualLikelihood: risk.VeryLow, Status: risk.Open,
				Controls: []risk.Control{{Description: "Show units on every dose", Type: risk.Design, Side: risk.Manufacturer},
					{Description: "Pharmacist checks high-risk doses", Type: risk.BusinessProcessChange, Side: risk.Deployer}},
				Actions: []risk.Action{{Summary: "Add units to the label", Owner: "Dev team", Due: day(2026, 12, 1)}}}
			if d := cmp.Diff(want, h); d != "" {
				t.Errorf("hazard 7 (-want +got):\n%s", d)
			}
			h = l.Hazards[1]
			if h.Number != 9 || h.InitialSeverity != risk.Major || h.InitialLikelihood != risk.Low || len(h.Actions) != 1 || h.Actions[0].Due != day(2026, 12, 1) {
				t.Errorf("hazard 9: got %+v", h)
			}
		})
	}
}

func TestImportMappedErrors(t *testing.T) {
	base := csoRows()[1:]
	with := func(row, col int, v string) [][]string {
		out := make([][]string, len(base))
		for i := range base {
			out[i] = append([]string(nil), base[i]...)
		}
		out[row][col] = v
		return out
	}
	tests := []struct {
		name string
		rows [][]string
		want RowError
	}{
		{"severity word", with(1, 4, "Severe"), RowError{Row: 2, Column: "Severity (pre)", Message: `severity "Severe" is not one of`}},
		{"severity number out of range", with(3, 4, "7"), RowError{Row: 4, Column: "Severity (pre)", Message: "or 1 to 5"}},
		{"continuation differs", with(2, 1, "Another name"), RowError{Row: 3, Column: "Hazard title", Message: "differs from the hazard's first row (row 2)"}},
		{"bad side", with(2, 9, "Both"), RowError{Row: 3, Column: "Manufacturer / deployer", Message: "Manufacturer or Deployer"}},
		{"bad due", with(1, 15, "soon"), RowError{Row: 2, Column: "Due date", Message: `"soon" is not a date like 1 December 2026`}},
		{"control type missing", with(2, 8, ""), RowError{Row: 3, Column: "Mitigation type", Message: "type"}},
		{"split hazard", append(with(0, 0, "ID"), []string{"7", "", "", "", "", "", "", "Late", "Design", "Deployer", "", "", "", "", "", "", "", ""}),
			RowError{Row: 5, Column: "ID", Message: "also used on row 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb, err := ReadTable(bytes.NewReader(csvFile(tt.rows)), "csv")
			if err != nil {
				t.Fatal(err)
			}
			l, err := tb.ImportMapped(Guess(csoHeader), risk.DefaultMatrix())
			if l != nil {
				t.Errorf("ImportMapped with errors: got a log")
			}
			checkRowError(t, "ImportMapped", err, tt.want, false)
		})
	}
	// A mapping that does not fit is Invalid, by field.
	tb, _ := ReadTable(bytes.NewReader(csvFile(base)), "csv")
	_, err := tb.ImportMapped(Mapping{FieldName: 1, FieldInitialSeverity: 1, FieldInitialLikelihood: 40}, risk.DefaultMatrix())
	if f := apperr.FieldsOf(err); !apperr.Is(err, apperr.Invalid) || f["map-initial_severity"] == "" || f["map-initial_likelihood"] == "" {
		t.Errorf("ImportMapped with a bad mapping: got %v %v", err, f)
	}
}

// The preview describes the first hazards as they would be read, each with
// its own problems.
func TestPreview(t *testing.T) {
	rows := csoRows()[1:]
	rows[3][5] = "Often"
	tb, err := ReadTable(bytes.NewReader(csvFile(rows)), "csv")
	if err != nil {
		t.Fatal(err)
	}
	p, err := tb.Preview(Guess(csoHeader), risk.DefaultMatrix(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if p.Hazards != 2 || len(p.Rows) != 2 || len(p.Errors) != 1 {
		t.Fatalf("Preview: got %d hazards, %d rows, errors %v; want 2, 2, one error", p.Hazards, len(p.Rows), p.Errors)
	}
	if r := p.Rows[0]; r.Ref != "HAZ-007" || r.Controls != 2 || r.Actions != 1 || r.Initial != "3 (Major severity, Medium likelihood)" || len(r.Problems) != 0 {
		t.Errorf("preview of hazard 7: got %+v", r)
	}
	if r := p.Rows[1]; r.Row != 4 || len(r.Problems) != 1 || !strings.Contains(r.Problems[0], `Likelihood (pre): likelihood "Often"`) {
		t.Errorf("preview of hazard 9: got %+v, want its likelihood named", r)
	}
	if p, _ := tb.Preview(Guess(csoHeader), risk.DefaultMatrix(), 1); len(p.Rows) != 1 || p.Hazards != 2 {
		t.Errorf("Preview of 1: got %d rows of %d", len(p.Rows), p.Hazards)
	}
}

// A file in the earlier clinsafe layout still imports, and the current
// export of what it held reads back the same.
func TestLegacyLayoutStillImports(t *testing.T) {
	rows := [][]string{tmplHeader(), validRow("1"), set(set(validRow("2"), ColControls, "A\nB"), ColControlType, "Design\nTraining")}
	rows[2] = set(rows[2], ColControlOwner, "Dev (manufacturer)\n(deployer)")
	tb, err := ReadTable(bytes.NewReader(csvFile(rows)), "csv")
	if err != nil || !tb.Clinsafe() {
		t.Fatalf("ReadTable of the earlier layout: %v, clinsafe %v", err, err == nil && tb.Clinsafe())
	}
	l, err := tb.Import(risk.DefaultMatrix())
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if c := l.Hazards[1].Controls; len(c) != 2 || c[1].Type != risk.Training || c[1].Side != risk.Deployer {
		t.Errorf("earlier layout controls: got %+v", c)
	}
	var buf bytes.Buffer
	if err := ExportCSV(&buf, *l); err != nil {
		t.Fatal(err)
	}
	again, err := ImportCSV(&buf, risk.DefaultMatrix())
	if err != nil {
		t.Fatalf("re-import: %v", err)
	}
	if d := cmp.Diff(l.Hazards, again.Hazards); d != "" {
		t.Errorf("earlier layout, exported and imported again (-first +second):\n%s", d)
	}
}

func TestHeaderKey(t *testing.T) {
	if HeaderKey([]string{"ID", " Hazard  title"}) != HeaderKey([]string{"id", "hazard title", ""}) {
		t.Errorf("HeaderKey: case, spacing and trailing blanks should not matter")
	}
	if HeaderKey([]string{"ID", "Title"}) == HeaderKey([]string{"Title", "ID"}) {
		t.Errorf("HeaderKey: column order should matter")
	}
}
