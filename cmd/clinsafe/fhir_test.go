package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/storetest"
)

// An NDJSON file with one bad line in the middle stores nothing, and the
// command names the line; the file without it is imported whole.
func TestImportCommandAllOrNothing(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, dsn := storetest.Open(t, engine)
			db := []string{"-db", dsn}
			if code, _, errOut := cli(t, "", append([]string{"org", "add", "-ods", "RX9", "-name", "Import Trust"}, db...)...); code != 0 {
				t.Fatal(errOut)
			}
			good, err := os.ReadFile(filepath.Join("..", "..", "internal", "fhir", "testdata", "adverseevent-goodcare.json"))
			if err != nil {
				t.Fatal(err)
			}
			line := strings.Join(strings.Fields(string(good)), " ")
			dir := t.TempDir()
			bad := filepath.Join(dir, "bad.ndjson")
			if err := os.WriteFile(bad, []byte(line+"\n{\"resourceType\":\"Patient\"}\n"+line+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := cli(t, "", append([]string{"import", "-org", "RX9", bad}, db...)...)
			if code != 1 || !strings.HasPrefix(out, "line 2: ") || !strings.Contains(errOut, "3 records read") {
				t.Fatalf("import of a file with a bad line 2: exit %d, out %q, err %q; want line 2 named and exit 1", code, out, errOut)
			}
			code, out, _ = cli(t, "", append([]string{"export", "-org", "RX9"}, db...)...)
			if code != 0 || out != "" {
				t.Fatalf("export after the refused import: exit %d, %q; want nothing", code, out)
			}
			okFile := filepath.Join(dir, "ok.ndjson")
			if err := os.WriteFile(okFile, []byte(line+"\n"+line+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if code, out, errOut := cli(t, "", append([]string{"import", "-org", "RX9", okFile}, db...)...); code != 0 || !strings.Contains(out, "imported 2 safety events") {
				t.Fatalf("import of a good file: exit %d, %q %q", code, out, errOut)
			}
			if code, out, _ := cli(t, "", append([]string{"export", "-org", "RX9", "-type", "AdverseEvent", "-since", "2000-01-01"}, db...)...); code != 0 || strings.Count(out, "\n") != 2 {
				t.Fatalf("export: exit %d, %d lines; want 2", code, strings.Count(out, "\n"))
			}
		})
	}
}
