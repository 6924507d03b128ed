package exchange

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/google/go-cmp/cmp"
)

func FuzzImportCSV(f *testing.F) {
	var buf bytes.Buffer
	if err := ExportCSV(&buf, sampleLog()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(csvFile([][]string{tmplHeader(), validRow("1")}))
	f.Add(csvFile([][]string{tmplHeader(), set(validRow("1"), ColActions, `a \— b — due: 2026-01-01; done: 2025-01-01`)}))
	f.Add([]byte("Hazard number\n1\n"))
	f.Add([]byte(`"unterminated`))
	f.Add(csvFile([][]string{tmplHeader(), set(validRow("1"), ColName, "Caf\xe9")}))
	f.Add(csvFile([][]string{tmplHeader(), set(validRow("1"), ColName, "a\x00b")}))
	m := risk.DefaultMatrix()
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ImportCSV(bytes.NewReader(data), m)
		if err != nil {
			if l != nil {
				t.Fatalf("ImportCSV: got a log with error %v", err)
			}
			if apperr.KindOf(err) == apperr.Internal {
				t.Fatalf("ImportCSV: got an error without kind: %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := ExportCSV(&out, *l); err != nil {
			t.Fatalf("ExportCSV after import: %v", err)
		}
		l2, err := ImportCSV(bytes.NewReader(out.Bytes()), m)
		if err != nil {
			t.Fatalf("re-import of exported CSV: %v\n%s", err, out.Bytes())
		}
		if d := cmp.Diff(l.Hazards, l2.Hazards); d != "" {
			t.Fatalf("CSV re-import differs (-first +second):\n%s", d)
		}
	})
}

func FuzzImportJSON(f *testing.F) {
	var buf bytes.Buffer
	if err := ExportJSON(&buf, sampleLog()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"format":"clinsafe-hazard-log","version":1,"log":{"system":{"name":"x"},"hazards":[{"number":1,"name":"n","initial_severity":"minor","initial_likelihood":"low","status":"open"}]}}`))
	f.Add([]byte(`{"format":"clinsafe-hazard-log","version":1,"log":{"system":{"name":"x"},"hazards":[{"number":1,"name":"n\r\nx","initial_severity":"minor","initial_likelihood":"low","status":"open","actions":[{"summary":"s","owner":"o","due":"2026-01-01T00:00:00+01:00"}]}]}}`))
	f.Add([]byte(`{}`))
	m := risk.DefaultMatrix()
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ImportJSON(bytes.NewReader(data), m)
		if err != nil {
			if l != nil {
				t.Fatalf("ImportJSON: got a log with error %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := ExportJSON(&out, *l); err != nil {
			t.Fatalf("ExportJSON after import: %v", err)
		}
		l2, err := ImportJSON(bytes.NewReader(out.Bytes()), m)
		if err != nil {
			t.Fatalf("re-import of exported JSON: %v\n%s", err, out.Bytes())
		}
		want := *l
		want.Hazards = l.Sorted()
		if d := cmp.Diff(want, *l2); d != "" {
			t.Fatalf("JSON re-import differs (-first +second):\n%s", d)
		}
	})
}

func FuzzImportXLSX(f *testing.F) {
	f.Add(xlsxFile(f, [][]string{tmplHeader(), validRow("1")}, nil))
	f.Add(xlsxFile(f, [][]string{tmplHeader(), validRow("1"), validRow("2")}, map[string]string{"I3": "1+2"}))
	var buf bytes.Buffer
	small := sampleLog()
	small.Hazards = small.Hazards[:1]
	if err := ExportXLSX(&buf, small); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Add(workbookWith(f, nil, rowsSheet(1, `<row><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>`)))
	f.Add(workbookWith(f, nil, rowsSheet(1, `<row><c t="s"><v>7</v></c></row>`)))
	f.Add(workbookWith(f, nil, rowsSheet(1, inlineRow(set(validRow("1"), ColName, "a_x0000_b")...))))
	m := risk.DefaultMatrix()
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ImportXLSX(bytes.NewReader(data), m)
		if err != nil {
			if l != nil {
				t.Fatalf("ImportXLSX: got a log with error %v", err)
			}
			var ae *apperr.Error
			if errors.As(err, &ae) && ae.Err != nil && strings.HasPrefix(ae.Err.Error(), "excelize panic") {
				t.Fatalf("excelize panicked (recovered): %v", ae.Err)
			}
			return
		}
		var out bytes.Buffer
		if err := ExportXLSX(&out, *l); err != nil {
			t.Fatalf("ExportXLSX after import: %v", err)
		}
		l2, err := ImportXLSX(bytes.NewReader(out.Bytes()), m)
		if err != nil {
			t.Fatalf("re-import of exported XLSX: %v", err)
		}
		if d := cmp.Diff(*l, *l2); d != "" {
			t.Fatalf("XLSX re-import differs (-first +second):\n%s", d)
		}
	})
}

// FuzzXLSXSheet fuzzes the worksheet XML inside an otherwise valid workbook,
// where the limits are checked: the import never panics, refuses with a
// kind, and what it accepts survives a round trip.
func FuzzXLSXSheet(f *testing.F) {
	f.Add(sheetXMLHead + inlineRow(tmplHeader()...) + inlineRow(validRow("1")...) + sheetXMLTail)
	f.Add(sheetXMLHead + inlineRow(tmplHeader()...) + `<row r="20002"><c r="A20002" t="inlineStr"><is><t>x</t></is></c></row>` + sheetXMLTail)
	f.Add(sheetXMLHead + `<row><c r="BM1"><v>1</v></c><c r="A0"/></row>` + sheetXMLTail)
	f.Add(sheetXMLHead + inlineRow(tmplHeader()...) + `<row><c><f>1+1</f><v>2</v></c><c t="s"><v>0</v></c><c><f t="shared" si="0"/></c></row>` + sheetXMLTail)
	m := risk.DefaultMatrix()
	f.Fuzz(func(t *testing.T, sheet string) {
		file := workbookWith(t, nil, func(w io.Writer) { io.WriteString(w, sheet) })
		l, err := ImportXLSX(bytes.NewReader(file), m)
		if err != nil {
			if l != nil {
				t.Fatalf("ImportXLSX: got a log with error %v", err)
			}
			if k := apperr.KindOf(err); k != apperr.Invalid && k != apperr.TooLarge {
				t.Fatalf("ImportXLSX: got kind %s: %v", k, err)
			}
			var ae *apperr.Error
			if errors.As(err, &ae) && ae.Err != nil && strings.HasPrefix(ae.Err.Error(), "excelize panic") {
				t.Fatalf("excelize panicked (recovered): %v", ae.Err)
			}
			return
		}
		var out bytes.Buffer
		if err := ExportXLSX(&out, *l); err != nil {
			t.Fatalf("ExportXLSX after import: %v", err)
		}
		l2, err := ImportXLSX(bytes.NewReader(out.Bytes()), m)
		if err != nil {
			t.Fatalf("re-import of exported XLSX: %v", err)
		}
		if d := cmp.Diff(*l, *l2); d != "" {
			t.Fatalf("XLSX re-import differs (-first +second):\n%s", d)
		}
	})
}

// FuzzImportMapped reads any CSV with the mapping guessed from its header:
// the preview and the import never panic, refuse with a kind, agree with
// each other, and what imports survives a round trip through the clinsafe
// layout.
func FuzzImportMapped(f *testing.F) {
	f.Add(csvFile(csoRows()))
	f.Add(csvFile([][]string{{"Title", "Severity", "Likelihood", "Mitigation", "Due", "Done on"}, {"A", "3 - Considerable", "2", "x", "1/2/2027", "2 Feb 2027 10:00"}}))
	f.Add(csvFile([][]string{{"Hazard", "Severity", "Likelihood"}, {"A", "1", "1"}, {"", "", ""}, {"B", "5", "5"}}))
	f.Add(csvFile([][]string{{"Ref", "Name", "Severity", "Likelihood", "Action", "Owner", "Due", "Done"}, {"1", "n", "Minor", "Low", "a", "o", "46357", "yes"}, {"1", "", "", "", "b", "p", "2026-01-01T00:30:00+01:00", "no"}}))
	var buf bytes.Buffer
	if err := ExportCSV(&buf, sampleLog()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	m := risk.DefaultMatrix()
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := ReadTable(bytes.NewReader(data), "csv")
		if err != nil {
			if k := apperr.KindOf(err); k != apperr.Invalid && k != apperr.TooLarge {
				t.Fatalf("ReadTable: got kind %s: %v", k, err)
			}
			return
		}
		mp := Guess(tb.Header())
		p, perr := tb.Preview(mp, m, 5)
		l, err := tb.ImportMapped(mp, m)
		if err != nil {
			if l != nil {
				t.Fatalf("ImportMapped: got a log with error %v", err)
			}
			if k := apperr.KindOf(err); k != apperr.Invalid {
				t.Fatalf("ImportMapped: got kind %s: %v", k, err)
			}
			if perr == nil && len(p.Errors) == 0 {
				t.Fatalf("ImportMapped failed (%v) but the preview found no problem", err)
			}
			return
		}
		if perr != nil || len(p.Errors) != 0 || p.Hazards != len(l.Hazards) {
			t.Fatalf("ImportMapped gave %d hazards; the preview %d with %v %v", len(l.Hazards), p.Hazards, perr, p.Errors)
		}
		var out bytes.Buffer
		if err := ExportCSV(&out, *l); err != nil {
			t.Fatalf("ExportCSV after import: %v", err)
		}
		l2, err := ImportCSV(bytes.NewReader(out.Bytes()), m)
		if err != nil {
			t.Fatalf("re-import of exported CSV: %v\n%s", err, out.Bytes())
		}
		if d := cmp.Diff(l.Hazards, l2.Hazards); d != "" {
			t.Fatalf("CSV re-import differs (-first +second):\n%s", d)
		}
	})
}
