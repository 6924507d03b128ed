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
	"github.com/clinsafe/clinsafe/internal/risk/exchange"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
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

// A spreadsheet in a CSO's own layout imports with the organisation's
// remembered mapping for its header, or with -map (saved by -remember); an
// unmapped layout fails with the headers found, the fields expected and how
// to give -map, and imports nothing.
func TestHazardsImportMapped(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st, dsn := storetest.Open(t, engine)
			ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
			if code, _, errOut := cli(t, "", "org", "add", "-db", dsn, "-ods", "RX1", "-name", "Example Trust"); code != 0 {
				t.Fatalf("org add: %s", errOut)
			}
			o, err := st.OrgByODS(ctx, "RX1")
			if err != nil {
				t.Fatal(err)
			}
			rk := riskdb.New(st)
			sys, err := rk.CreateSystem(ctx, o.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing", Standard: risk.DCB0160})
			if err != nil {
				t.Fatal(err)
			}
			count := func() int {
				t.Helper()
				_, l, err := rk.CurrentLog(ctx, o, sys.ID)
				if err != nil {
					t.Fatal(err)
				}
				return len(l.Hazards)
			}
			dir := t.TempDir()
			own := filepath.Join(dir, "own.csv")
			os.WriteFile(own, []byte("Ref,Title,Notes,Sev,Lik\n1,Wrong dose shown,Dose unit lost,Major,Low\n2,Allergy missed,,Catastrophic,Very low\n"), 0o644)
			imp := func(extra ...string) (int, string, string) {
				t.Helper()
				return cli(t, "", append([]string{"hazards", "import", "-db", dsn, "-org", "RX1", "-system", "ePMA", "-file", own}, extra...)...)
			}

			// Unmapped: the headers found, the fields expected, how to pass -map.
			code, _, errOut := imp()
			for _, want := range []string{"Ref", "Title", "Sev", "Lik", "name", "initial_severity", "initial_likelihood", "-map", "Title=name"} {
				if !strings.Contains(errOut, want) {
					t.Errorf("unmapped import: stderr lacks %q:\n%s", want, errOut)
				}
			}
			if code != 1 || count() != 0 {
				t.Fatalf("unmapped import: exit %d, %d hazards stored; want exit 1 and none", code, count())
			}

			// A bad -map is a one-line error naming what is wrong.
			for _, c := range []struct{ spec, want string }{
				{"Title=nom,Sev=initial_severity,Lik=initial_likelihood", `"nom"`},
				{"Heading=name,Sev=initial_severity,Lik=initial_likelihood", `"Heading"`},
				{"Title=name,Sev=initial_severity", "initial likelihood"},
				{"Title=name,Title=description,Sev=initial_severity,Lik=initial_likelihood", "Title"},
				{"Title", "Header=field"},
			} {
				code, _, errOut := imp("-map", c.spec)
				if code != 1 || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
					t.Errorf("-map %q: exit %d, stderr %q; want one line with %q", c.spec, code, errOut, c.want)
				}
			}
			if code, _, errOut := imp("-remember"); code != 1 || !strings.Contains(errOut, "-remember needs -map") {
				t.Errorf("-remember alone: exit %d, %q", code, errOut)
			}

			// -map without -remember imports but remembers nothing.
			spec := "Ref=number, title=name,Notes=description,Sev=initial_severity,Lik=initial_likelihood"
			if code, out, errOut := imp("-map", spec); code != 0 || !strings.Contains(out, "imported 2 hazards") {
				t.Fatalf("-map: exit %d %q %q", code, out, errOut)
			}
			if code, _, _ := imp(); code != 1 || count() != 2 {
				t.Fatalf("after -map without -remember: exit %d, %d hazards; want the layout still unmapped", code, count())
			}
			// -remember saves it, audited; the next file with these columns imports with it.
			if code, out, errOut := imp("-map", spec, "-remember"); code != 0 || !strings.Contains(out, "imported 2 hazards") || !strings.Contains(out, "remembered") {
				t.Fatalf("-map -remember: exit %d %q %q", code, out, errOut)
			}
			rem, ok, err := rk.RememberedMapping(ctx, o.ID, []string{"Ref", "Title", "Notes", "Sev", "Lik"})
			if err != nil || !ok || rem.Mapping[exchange.FieldInitialLikelihood] != 4 || rem.Mapping[exchange.FieldDescription] != 2 {
				t.Fatalf("remembered mapping: got %+v, %v, %v", rem, ok, err)
			}
			code, out, errOut := imp()
			if code != 0 || !strings.Contains(out, "imported 2 hazards") || !strings.Contains(out, "remembered") {
				t.Fatalf("import with the remembered mapping: exit %d %q %q", code, out, errOut)
			}
			_, l, err := rk.CurrentLog(ctx, o, sys.ID)
			if err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, h := range l.Hazards {
				if h.Name == "Wrong dose shown" && h.Description == "Dose unit lost" && h.InitialSeverity == risk.Major {
					found = true
				}
			}
			if !found || len(l.Hazards) != 6 {
				t.Errorf("stored hazards: %d, mapped hazard found %v; want 6 with the mapped name, description and severity", len(l.Hazards), found)
			}
		})
	}
}
