package exchange

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/hazard"
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
	m := hazard.DefaultMatrix()
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
	m := hazard.DefaultMatrix()
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
	m := hazard.DefaultMatrix()
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
