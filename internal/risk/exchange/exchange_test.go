package exchange

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xuri/excelize/v2"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// sampleLog covers every field, including text that needs escaping in the
// line syntax.
func sampleLog() risk.Log {
	at := time.Date(2026, 2, 3, 14, 5, 0, 0, time.UTC) // spreadsheets keep times to the minute
	return risk.Log{
		System: risk.SystemInfo{Name: "Acme EPR", Version: "4.2", Organisation: "Northshire NHS Trust",
			Supplier: "Acme Health Ltd", Standard: risk.DCB0160, IntendedUse: "Inpatient record",
			ClinicalScope: "Adult wards", Configuration: "Build 17\nsecond line"},
		Version: "1.3", IssuedAt: at, ApprovedBy: "Dr Jane Smith",
		Hazards: []risk.Hazard{
			{
				ID: "h1", Ref: "HAZ-001", Number: 1, Name: "Wrong patient record shown",
				Description:      "Another patient's record — shown; with £ signs and ‘quotes’",
				ClinicalImpact:   "Treatment based on the wrong history.\nSecond paragraph.",
				Causes:           []string{"Similar names", `Path C:\temp and \n literal`, "A — B; C"},
				ExistingControls: "Banner",
				InitialSeverity:  risk.Major, InitialLikelihood: risk.High,
				ResidualSeverity: risk.Major, ResidualLikelihood: risk.Medium,
				Status:      risk.Transferred,
				RiskBenefit: risk.RiskBenefit{Justification: "Banner and SOP; no safer workflow", ByName: "Dr Jane Smith", At: at},
				Controls: []risk.Control{
					{ID: "c1", Description: "Banner — always on; check: later", Type: risk.Design, Owner: "Dev (core) team",
						Side: risk.Manufacturer, ImplementationEvidence: "Release 4.2; note", VerificationEvidence: `TR-9 \ ok — yes`},
					{Description: "Ward SOP", Type: risk.BusinessProcessChange, Side: risk.Deployer},
					{Description: "Training", Type: risk.Training, Owner: "Ed (deployer)", Side: risk.Deployer},
				},
				Actions: []risk.Action{
					{ID: "a1", Summary: "Build banner — v2", Owner: "Dev team", Due: day(2026, 1, 31), Done: true, DoneAt: day(2026, 1, 30)},
					{Summary: "Train staff", Owner: "Ward manager", Due: day(2026, 12, 31)},
					{Summary: "Audit", Owner: "CSO", Due: day(2026, 6, 1), Done: true, DoneAt: at},
					{Summary: "Review", Owner: "CSO", Due: day(2026, 6, 1), Done: true},
				},
				Provenance: risk.Provenance{Source: "Acme Health Ltd", Document: "EPR hazard log; main", Version: "3.1", Ref: "H12", ImportedAt: at},
				CreatedAt:  at, UpdatedAt: at, Version: 3,
			},
			{
				Ref: "HAZ-002", Number: 2, Name: "Downtime",
				InitialSeverity: risk.Catastrophic, InitialLikelihood: risk.Medium,
				ResidualSeverity: risk.Major, ResidualLikelihood: risk.High,
				Status:      risk.Open,
				RiskBenefit: risk.RiskBenefit{Justification: "Benefit outweighs; no alternative", ByUserID: "u-7", ByName: "Dr Jane Smith", At: at},
			},
			{
				Ref: "HAZ-1234", Number: 1234, Name: "=SUM(1,2)", Description: "-leading dash", ClinicalImpact: "'=quoted",
				InitialSeverity: risk.Minor, InitialLikelihood: risk.VeryLow, Status: risk.Closed,
				ResidualSeverity: risk.Minor, ResidualLikelihood: risk.VeryLow,
				Controls: []risk.Control{{Description: "Escape formulae on export", Type: risk.Design, Side: risk.Manufacturer}},
				Actions:  []risk.Action{{Summary: "done", Owner: "x", Due: day(2025, 1, 1), Done: true}},
			},
		},
	}
}

// storeOnly are fields spreadsheets do not carry: store ids and times, and
// the risk-benefit CSO's user id (the sheet names the CSO).
var storeOnly = cmp.Options{
	cmpopts.IgnoreFields(risk.RiskBenefit{}, "ByUserID"),
	cmpopts.IgnoreFields(risk.Hazard{}, "ID", "CreatedAt", "UpdatedAt", "Version"),
	cmpopts.IgnoreFields(risk.Control{}, "ID"),
	cmpopts.IgnoreFields(risk.Action{}, "ID"),
}

func TestSampleLogValid(t *testing.T) {
	for _, h := range sampleLog().Hazards {
		if err := h.Validate(risk.DefaultMatrix(), time.Time{}); err != nil {
			t.Fatalf("sample %s: %v", h.Ref, err)
		}
	}
}

func TestXLSXRoundTrip(t *testing.T) {
	want := sampleLog()
	var buf bytes.Buffer
	if err := ExportXLSX(&buf, want); err != nil {
		t.Fatalf("ExportXLSX: %v", err)
	}
	got, err := ImportXLSX(bytes.NewReader(buf.Bytes()), risk.DefaultMatrix())
	if err != nil {
		t.Fatalf("ImportXLSX: %v", err)
	}
	if d := cmp.Diff(want, *got, storeOnly); d != "" {
		t.Errorf("XLSX round trip mismatch (-want +got):\n%s", d)
	}
	// The workbook has a bold frozen header and an About sheet.
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{SheetHazards, SheetAbout}; !cmp.Equal(got, want) {
		t.Errorf("sheets: got %v, want %v", got, want)
	}
	panes, _ := f.GetPanes(SheetHazards)
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes: got %+v, want header frozen", panes)
	}
	if v, _ := f.GetCellValue(SheetHazards, "I2"); v != "4" {
		t.Errorf("I2 (initial rating of HAZ-001): got %q, want 4", v)
	}
}

func TestCSVRoundTrip(t *testing.T) {
	want := sampleLog()
	var buf bytes.Buffer
	if err := ExportCSV(&buf, want); err != nil {
		t.Fatalf("ExportCSV: %v", err)
	}
	if !strings.Contains(buf.String(), `'=SUM(1,2)`) {
		t.Errorf("CSV export: got no formula guard on =SUM(1,2)")
	}
	got, err := ImportCSV(bytes.NewReader(buf.Bytes()), risk.DefaultMatrix())
	if err != nil {
		t.Fatalf("ImportCSV: %v", err)
	}
	if d := cmp.Diff(want.Hazards, got.Hazards, storeOnly); d != "" {
		t.Errorf("CSV round trip mismatch (-want +got):\n%s", d)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	want := sampleLog()
	var buf bytes.Buffer
	if err := ExportJSON(&buf, want); err != nil {
		t.Fatalf("ExportJSON: %v", err)
	}
	if !strings.Contains(buf.String(), `"format": "clinsafe-hazard-log"`) || !strings.Contains(buf.String(), `"initial_severity": "major"`) {
		t.Errorf("JSON export: got %s, want format header and codes", buf.String()[:200])
	}
	got, err := ImportJSON(bytes.NewReader(buf.Bytes()), risk.DefaultMatrix())
	if err != nil {
		t.Fatalf("ImportJSON: %v", err)
	}
	if d := cmp.Diff(want, *got); d != "" {
		t.Errorf("JSON round trip mismatch (-want +got):\n%s", d)
	}
}

// validRow is a data row that imports cleanly.
func validRow(num string) []string {
	return []string{num, "Name", "Desc", "Impact", "Cause one\nCause two", "Existing",
		"Major", "Medium", "3", "Banner — implementation: R1", "Design", "Dev (manufacturer)",
		"Minor", "Low", "1", "Build — due: 2026-05-01", "Dev", "Open"}
}

func tmplHeader() []string { return Columns()[:requiredColumns] }

func xlsxFile(t testing.TB, rows [][]string, formulas map[string]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for r, row := range rows {
		for c, v := range row {
			if err := f.SetCellStr("Sheet1", cellRef(c, r+1), v); err != nil {
				t.Fatal(err)
			}
		}
	}
	for ref, fm := range formulas {
		if err := f.SetCellFormula("Sheet1", ref, fm); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func csvFile(rows [][]string) []byte {
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + strings.ReplaceAll(c, `"`, `""`) + `"`)
		}
		b.WriteString("\n")
	}
	return []byte(b.String())
}

func TestImportValidSheet(t *testing.T) {
	rows := [][]string{tmplHeader(), validRow("1"), {}, validRow("HAZ-002")}
	l, err := ImportXLSX(bytes.NewReader(xlsxFile(t, rows, nil)), risk.Matrix{})
	if err != nil {
		t.Fatalf("ImportXLSX: %v", err)
	}
	if len(l.Hazards) != 2 || l.Hazards[1].Ref != "HAZ-002" || len(l.Hazards[0].Causes) != 2 ||
		l.Hazards[0].Controls[0].ImplementationEvidence != "R1" || l.Hazards[0].Actions[0].Due != day(2026, 5, 1) {
		t.Errorf("ImportXLSX: got %+v", l.Hazards)
	}
}

func set(row []string, col string, v string) []string {
	out := append([]string(nil), row...)
	for i, c := range Columns() {
		if c == col {
			out[i] = v
		}
	}
	return out
}

func TestImportBadInput(t *testing.T) {
	tests := []struct {
		name     string
		rows     [][]string
		formulas map[string]string
		want     RowError // Message is a substring
	}{
		{"missing column", [][]string{tmplHeader()[:17], validRow("1")[:17]},
			nil, RowError{Row: 1, Column: "Status", Message: `missing column "Status"`}},
		{"unknown column", [][]string{append(tmplHeader(), "Colour"), append(validRow("1"), "red")},
			nil, RowError{Row: 1, Column: "Colour", Cell: "S1", Message: "unknown column"}},
		{"duplicate column", [][]string{append(tmplHeader(), "Status"), append(validRow("1"), "Open")},
			nil, RowError{Row: 1, Column: "Status", Cell: "S1", Message: "more than once"}},
		{"severity outside categories", [][]string{tmplHeader(), validRow("1"), set(validRow("2"), ColInitialSeverity, "Severe")},
			nil, RowError{Row: 3, Column: ColInitialSeverity, Cell: "G3", Message: `severity "Severe" is not one of Minor`}},
		{"likelihood outside categories", [][]string{tmplHeader(), set(validRow("1"), ColResidualLikelihood, "Rare")},
			nil, RowError{Row: 2, Column: ColResidualLikelihood, Cell: "N2", Message: `likelihood "Rare" is not one of`}},
		{"unknown status", [][]string{tmplHeader(), set(validRow("1"), ColStatus, "Done")},
			nil, RowError{Row: 2, Column: ColStatus, Cell: "R2", Message: `status "Done" is not one of`}},
		{"closed with open action", [][]string{tmplHeader(), set(validRow("1"), ColStatus, "Closed")},
			nil, RowError{Row: 2, Column: ColStatus, Cell: "R2", Message: "cannot be closed while 1 of its actions is open"}},
		{"transferred without deployer control", [][]string{tmplHeader(), set(validRow("1"), ColStatus, "Transferred")},
			nil, RowError{Row: 2, Column: ColStatus, Message: "owned by the deployer"}},
		{"residual 4 without justification", [][]string{tmplHeader(), set(set(set(validRow("1"), ColResidualSeverity, "Major"), ColResidualLikelihood, "High"), ColResidualRating, "4")},
			nil, RowError{Row: 2, Column: ColRBJustification, Message: "rated 4 needs a risk-benefit"}},
		{"rating disagrees", [][]string{tmplHeader(), set(validRow("1"), ColInitialRating, "5")},
			nil, RowError{Row: 2, Column: ColInitialRating, Cell: "I2", Message: "stated rating 5 does not match the matrix rating 3 for Major severity and Medium likelihood"}},
		{"rating not a number", [][]string{tmplHeader(), set(validRow("1"), ColInitialRating, "high")},
			nil, RowError{Row: 2, Column: ColInitialRating, Message: `"high" is not a rating`}},
		{"control lines misaligned", [][]string{tmplHeader(), set(validRow("1"), ColControlType, "Design\nTest")},
			nil, RowError{Row: 2, Column: ColControlType, Message: "has 2 lines but Additional controls has 1"}},
		{"broken owner cell", [][]string{tmplHeader(), set(validRow("1"), ColControlOwner, "Dev team")},
			nil, RowError{Row: 2, Column: ColControlOwner, Message: "(manufacturer) or (deployer)"}},
		{"broken action date", [][]string{tmplHeader(), set(validRow("1"), ColActions, "Build — due: next week")},
			nil, RowError{Row: 2, Column: ColActions, Message: `line 1: due date: "next week" is not a date`}},
		{"action without due", [][]string{tmplHeader(), set(validRow("1"), ColActions, "Build")},
			nil, RowError{Row: 2, Column: ColActions, Message: "needs a due date"}},
		{"missing name", [][]string{tmplHeader(), set(validRow("1"), ColName, "")},
			nil, RowError{Row: 2, Column: ColName, Message: "Enter a hazard name"}},
		{"duplicate number", [][]string{tmplHeader(), validRow("1"), validRow("HAZ-001")},
			nil, RowError{Row: 3, Column: ColNumber, Message: "also used on row 2"}},
		{"formula", [][]string{tmplHeader(), validRow("1"), validRow("2"), validRow("3"), validRow("4")},
			map[string]string{"I5": "G5*H5"}, RowError{Row: 5, Column: ColInitialRating, Cell: "I5", Message: "formulas are not accepted; paste values"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ImportXLSX(bytes.NewReader(xlsxFile(t, tt.rows, tt.formulas)), risk.DefaultMatrix())
			checkRowError(t, "ImportXLSX", err, tt.want, true)
			if tt.formulas != nil {
				return
			}
			_, err = ImportCSV(bytes.NewReader(csvFile(tt.rows)), risk.DefaultMatrix())
			checkRowError(t, "ImportCSV", err, tt.want, false)
		})
	}
}

func checkRowError(t *testing.T, fn string, err error, want RowError, cells bool) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: got nil error, want %+v", fn, want)
	}
	if !apperr.Is(err, apperr.Invalid) {
		t.Errorf("%s: got kind %s, want invalid", fn, apperr.KindOf(err))
	}
	es, ok := err.(RowErrors)
	if !ok {
		t.Fatalf("%s: got %T %v, want RowErrors", fn, err, err)
	}
	for _, e := range es {
		if e.Row == want.Row && e.Column == want.Column && strings.Contains(e.Message, want.Message) &&
			(!cells || want.Cell == "" || e.Cell == want.Cell) {
			return
		}
	}
	t.Errorf("%s: got %v, want an error like %+v", fn, es, want)
}

func TestFormulaMessage(t *testing.T) {
	rows := [][]string{tmplHeader(), validRow("1"), validRow("2"), validRow("3"), validRow("4")}
	_, err := ImportXLSX(bytes.NewReader(xlsxFile(t, rows, map[string]string{"I5": "G5*H5"})), risk.DefaultMatrix())
	want := "row 5, column Initial risk rating (I5): formulas are not accepted; paste values"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("ImportXLSX with formula: got %v, want %q", err, want)
	}
}

func TestImportReportsEveryRow(t *testing.T) {
	rows := [][]string{tmplHeader(), set(validRow("1"), ColStatus, "x"), validRow("2"), set(validRow("3"), ColInitialSeverity, "y")}
	l, err := ImportCSV(bytes.NewReader(csvFile(rows)), risk.DefaultMatrix())
	if l != nil {
		t.Errorf("ImportCSV with errors: got a log, want nil")
	}
	es, _ := err.(RowErrors)
	if len(es) != 2 || es[0].Row != 2 || es[1].Row != 4 {
		t.Errorf("ImportCSV: got %v, want errors on rows 2 and 4", err)
	}
}

func TestImportJSONBad(t *testing.T) {
	var buf bytes.Buffer
	if err := ExportJSON(&buf, sampleLog()); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	tests := []struct {
		name, in string
		want     RowError
	}{
		{"not json", "{", RowError{Message: "not valid JSON"}},
		{"wrong format", `{"format":"other","version":1}`, RowError{Column: "format", Message: "clinsafe-hazard-log"}},
		{"wrong version", `{"format":"clinsafe-hazard-log","version":2}`, RowError{Column: "version", Message: "only version 1"}},
		{"unknown field", strings.Replace(good, `"name": "Downtime"`, `"name": "Downtime", "colour": "red"`, 1), RowError{Message: `unknown field "colour"`}},
		{"severity not a code", strings.Replace(good, `"initial_severity": "catastrophic"`, `"initial_severity": "Catastrophic"`, 1), RowError{Message: `severity "Catastrophic" is not one of`}},
		{"field in wrong case", strings.Replace(good, `"hazards":`, `"Hazards":`, 1), RowError{Column: "Hazards", Message: "unknown field"}},
		{"trailing data", good + "{}", RowError{Message: "after top-level value"}},
		{"status rule", strings.Replace(good, `"status": "transferred"`, `"status": "closed"`, 1), RowError{Row: 1, Column: "status", Message: "cannot be closed"}},
		{"no number", strings.Replace(good, `"number": 2,`, `"number": 0,`, 1), RowError{Row: 2, Column: "number", Message: "needs a number"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ImportJSON(strings.NewReader(tt.in), risk.DefaultMatrix())
			checkRowError(t, "ImportJSON", err, tt.want, false)
		})
	}
}

func TestImportXLSXNotAWorkbook(t *testing.T) {
	_, err := ImportXLSX(strings.NewReader("not a zip"), risk.DefaultMatrix())
	if !apperr.Is(err, apperr.Invalid) {
		t.Errorf("ImportXLSX(garbage): got %v, want Invalid", err)
	}
}

// The earlier layout's line syntax is still read.
func TestLineSyntax(t *testing.T) {
	got, err := parseActionLine("Do it — due: 31/12/2026; done")
	if err != nil || !got.Done || got.Due != day(2026, 12, 31) {
		t.Errorf("parseActionLine: got %+v, %v", got, err)
	}
	got, err = parseActionLine(`Do it \— now — due: 2026-12-31; done: 2026-11-02`)
	if err != nil || got.Summary != "Do it — now" || got.DoneAt != day(2026, 11, 2) {
		t.Errorf("parseActionLine with escapes: got %+v, %v", got, err)
	}
	text, attrs, err := splitAttrs(`A \— B — implementation: one\; two; verification: back\\slash`, "implementation", "verification")
	if err != nil || text != "A — B" || len(attrs) != 2 || attrs[0].val != "one; two" || attrs[1].val != `back\slash` {
		t.Errorf("splitAttrs: got %q %v %v", text, attrs, err)
	}
	if _, _, err := splitAttrs("x — due: 1; owner: y", "due", "done"); err == nil {
		t.Errorf("splitAttrs with unknown key: got nil error")
	}
	if text, attrs, _ := splitAttrs("Think — then act", "due"); text != "Think — then act" || attrs != nil {
		t.Errorf("splitAttrs of prose: got %q %v", text, attrs)
	}
}
