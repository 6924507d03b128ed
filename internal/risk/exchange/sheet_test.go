package exchange

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/xuri/excelize/v2"
)

// idLog is sampleLog with store ids as the app gives them (UUIDs) on every
// hazard, control and action, and times with seconds and nanoseconds.
func idLog() risk.Log {
	l := sampleLog()
	at := time.Date(2026, 12, 1, 6, 41, 21, 977016942, time.UTC)
	for i := range l.Hazards {
		h := &l.Hazards[i]
		h.ID = "0190f3a2-7c1e-7b3d-9a4f-1c2d3e4f5a6b"
		h.CreatedAt, h.UpdatedAt = at, at
		if !h.RiskBenefit.IsZero() {
			h.RiskBenefit.ByUserID, h.RiskBenefit.At = "0190f3a2-7c1e-7b3d-9a4f-000000000007", at
		}
		for j := range h.Controls {
			h.Controls[j].ID = "0190f3a2-7c1e-7b3d-9a4f-00000000000c"
		}
		for j := range h.Actions {
			h.Actions[j].ID = "0190f3a2-7c1e-7b3d-9a4f-00000000000a"
		}
	}
	l.Version, l.IssuedAt, l.ApprovedBy = "", time.Time{}, ""
	return l
}

func exportCSVRows(t *testing.T, l risk.Log) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := ExportCSV(&buf, l); err != nil {
		t.Fatalf("ExportCSV: %v", err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), utf8BOM)))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func exportXLSXFile(t *testing.T, l risk.Log, now time.Time) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if err := ExportXLSXMatrix(&buf, l, risk.DefaultMatrix(), now); err != nil {
		t.Fatalf("ExportXLSX: %v", err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func colOf(t *testing.T, header []string, name string) int {
	t.Helper()
	for i, h := range header {
		if h == name {
			return i
		}
	}
	t.Fatalf("the export has no column %q; it has %q", name, header)
	return -1
}

// Each control has a row of its own with its type, owner and side in their
// own cells, and each action its due date and done status in their own.
func TestExportOneRowPerControl(t *testing.T) {
	rows := exportCSVRows(t, sampleLog())
	head := rows[0]
	num, ctl, typ, own, side := colOf(t, head, "Hazard number"), colOf(t, head, "Control"), colOf(t, head, "Control type"), colOf(t, head, "Control owner"), colOf(t, head, "Control side")
	act, due, done, doneOn := colOf(t, head, "Action"), colOf(t, head, "Action due"), colOf(t, head, "Action done"), colOf(t, head, "Action done on")
	var h1 [][]string
	for _, r := range rows[1:] {
		if r[num] == "HAZ-001" {
			h1 = append(h1, r)
		}
	}
	if len(h1) != 4 {
		t.Fatalf("HAZ-001 (3 controls, 4 actions): got %d rows, want 4", len(h1))
	}
	wantCtl := [][4]string{
		{"Banner — always on; check: later", "Design", "Dev (core) team", "Manufacturer"},
		{"Ward SOP", "Business Process Change", "", "Deployer"},
		{"Training", "Training", "Ed (deployer)", "Deployer"},
		{"", "", "", ""},
	}
	wantAct := [][4]string{
		{"Build banner — v2", "31 January 2026", "Yes", "30 January 2026"},
		{"Train staff", "31 December 2026", "No", ""},
		{"Audit", "1 June 2026", "Yes", "3 February 2026 14:05 GMT"},
		{"Review", "1 June 2026", "Yes", ""},
	}
	for i, r := range h1 {
		if got := [4]string{r[ctl], r[typ], r[own], r[side]}; got != wantCtl[i] {
			t.Errorf("HAZ-001 row %d control: got %q, want %q", i+1, got, wantCtl[i])
		}
		if got := [4]string{r[act], r[due], r[done], r[doneOn]}; got != wantAct[i] {
			t.Errorf("HAZ-001 row %d action: got %q, want %q", i+1, got, wantAct[i])
		}
		if i > 0 && r[colOf(t, head, "Hazard name")] != "" {
			t.Errorf("HAZ-001 row %d repeats the hazard's name; want it on the first row only", i+1)
		}
	}
}

var (
	uuidRE    = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	isoDateRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
)

// No cell of a spreadsheet or CSV export holds an internal id or an ISO
// date or RFC 3339 time; dates read "1 December 2026".
func TestExportNoIDsNoISODates(t *testing.T) {
	l := idLog()
	check := func(where string, cells [][]string) {
		for i, r := range cells {
			for j, v := range r {
				if uuidRE.MatchString(v) || isoDateRE.MatchString(v) {
					t.Errorf("%s row %d, cell %d: got %q, want no internal id and no ISO date", where, i+1, j+1, v)
				}
			}
		}
	}
	check("CSV", exportCSVRows(t, l))
	now := time.Date(2026, 12, 1, 6, 41, 21, 977016942, time.UTC)
	f := exportXLSXFile(t, l, now)
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		check("XLSX "+sheet, rows)
	}
	rows, _ := f.GetRows(SheetHazards)
	rb := colOf(t, rows[0], "Risk-benefit date")
	if got, want := rows[1][rb], "1 December 2026 06:41 GMT"; got != want {
		t.Errorf("risk-benefit date: got %q, want %q", got, want)
	}
}

func aboutOf(t *testing.T, f *excelize.File) map[string]string {
	t.Helper()
	rows, err := f.GetRows(SheetAbout)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		if len(r) >= 2 {
			out[r[0]] = r[1]
		}
	}
	return out
}

// The About sheet says plainly when the log is a working copy, and for an
// issued version which one, who approved it, when, and its content hash.
func TestExportAboutSaysWhetherIssued(t *testing.T) {
	now := time.Date(2026, 12, 1, 6, 41, 0, 0, time.UTC)
	working := aboutOf(t, exportXLSXFile(t, idLog(), now))
	if s := working["Status"]; !strings.Contains(s, "NOT an issued version") || !strings.Contains(s, "1 December 2026 06:41 GMT") {
		t.Errorf("working copy status: got %q, want it to say NOT an issued version, exported 1 December 2026 06:41 GMT", s)
	}
	if v := working["Hazard log version"]; v != "" {
		t.Errorf("working copy: got version %q, want none", v)
	}

	l := sampleLog()
	l.Version, l.ApprovedBy, l.IssuedAt = "1.3", "Dr Jane Smith", time.Date(2026, 7, 3, 9, 30, 0, 0, time.UTC)
	hash, err := l.ContentHash()
	if err != nil {
		t.Fatal(err)
	}
	issued := aboutOf(t, exportXLSXFile(t, l, now))
	want := "Issued version 1.3 of this hazard log, approved by Dr Jane Smith on 3 July 2026 10:30 BST."
	if s := issued["Status"]; s != want {
		t.Errorf("issued status: got %q, want %q", s, want)
	}
	if got := issued["Content hash (SHA-256)"]; got != hash {
		t.Errorf("issued content hash: got %q, want %q", got, hash)
	}
	if got := issued["Issued"]; got != "3 July 2026 10:30 BST" {
		t.Errorf("issued: got %q, want 3 July 2026 10:30 BST", got)
	}
}
