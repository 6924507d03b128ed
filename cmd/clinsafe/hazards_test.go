package main

import (
	"context"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/app"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/store"
)

func TestHazardsImportExport(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "c.db")
	if code, _, errOut := cli(t, "", "org", "add", "-db", db, "-ods", "RX1", "-name", "Example Trust"); code != 0 {
		t.Fatalf("org add: %s", errOut)
	}
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
	st, err := store.Open(ctx, db, app.Content()...)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := st.OrgByODS(ctx, "RX1")
	sys, err := riskdb.New(st).CreateSystem(ctx, o.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing", Standard: risk.DCB0160})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := riskdb.New(st).CreateSystem(ctx, o.ID, riskdb.System{Name: "Copy", Manufacturer: "Meridian", IntendedUse: "Prescribing", Standard: risk.DCB0160}); err != nil {
		t.Fatal(err)
	}
	for _, tpl := range risk.Templates()[:3] {
		if _, err := riskdb.New(st).CreateHazard(ctx, o.ID, sys.ID, tpl.Hazard(0)); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	for _, format := range []string{"xlsx", "csv", "json"} {
		file := filepath.Join(dir, "log."+format)
		if code, _, errOut := cli(t, "", "hazards", "export", "-db", db, "-org", "RX1", "-system", "ePMA", "-file", file); code != 0 {
			t.Fatalf("export %s: exit %d: %s", format, code, errOut)
		}
		code, out, errOut := cli(t, "", "hazards", "import", "-db", db, "-org", "RX1", "-system", "Copy", "-file", file)
		if code != 0 || !strings.Contains(out, "imported 3 hazards") {
			t.Fatalf("import %s: exit %d: %s %s", format, code, out, errOut)
		}
	}
	// JSON to standard output, and back in from standard input.
	code, out, _ := cli(t, "", "hazards", "export", "-db", db, "-org", "RX1", "-system", "ePMA", "-format", "json")
	if code != 0 || !strings.Contains(out, risk.Templates()[0].Name) {
		t.Fatalf("export to stdout: exit %d", code)
	}
	if code, _, errOut := cli(t, out, "hazards", "import", "-db", db, "-org", "RX1", "-system", "Copy", "-file", "-", "-format", "json"); code != 0 {
		t.Fatalf("import from stdin: %s", errOut)
	}

	// Bad input: one line per row problem, then a one-line error; nothing imported.
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("Hazard number,Hazard name\n1,\n"), 0o644)
	code, _, errOut := cli(t, "", "hazards", "import", "-db", db, "-org", "RX1", "-system", "Copy", "-file", bad)
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if code != 1 || len(lines) < 2 || !strings.Contains(lines[len(lines)-1], "nothing was imported") {
		t.Errorf("bad csv: exit %d, stderr %q", code, errOut)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"hazards", "import", "-db", db, "-org", "RX1", "-system", "Copy"}, "give -file"},
		{[]string{"hazards", "import", "-db", db, "-org", "RX1", "-system", "Copy", "-file", "x.txt"}, "format \"txt\" is not one of"},
		{[]string{"hazards", "export", "-db", db, "-org", "RX1", "-system", "Nope", "-format", "csv"}, "System Nope was not found"},
		{[]string{"hazards", "export", "-db", db, "-org", "RX9", "-system", "ePMA", "-format", "csv"}, "RX9"},
		{[]string{"hazards", "export", "-db", db, "-org", "RX1", "-system", "ePMA", "-format", "csv", "-issued", "7"}, "no issued version"},
		{[]string{"hazards", "frob"}, "unknown subcommand"},
	}
	for _, c := range cases {
		code, _, errOut := cli(t, "", c.args...)
		if code == 0 || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", c.args, code, errOut, c.want)
		}
	}
	for _, args := range [][]string{{"hazards", "import", "-h"}, {"hazards", "export", "-h"}} {
		if code, _, errOut := cli(t, "", args...); code != 0 || !strings.Contains(errOut, "Usage: clinsafe hazards") {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
}
