package main

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/app"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// The command line opens the database with every wing's content, so what
// it writes is audited with its content and the deep check covers every
// wing's tables.
func TestCommandsRegisterEveryWingsContent(t *testing.T) {
	// The tests register storetest's copy of the list (see
	// storetest.Content); it must be the one the command uses.
	// A follower's OnChange (and OnChanges) is a func, which DeepEqual
	// never finds equal: the lists are compared without them (names and
	// parts say which).
	noFuncs := func(es []store.Entity) []store.Entity {
		out := slices.Clone(es)
		for i := range out {
			out[i].OnChange, out[i].OnChanges = nil, nil
		}
		return out
	}
	if got, want := noFuncs(storetest.Content()), noFuncs(app.Content()); !reflect.DeepEqual(got, want) {
		t.Errorf("storetest.Content() = %+v, want app.Content() = %+v", got, want)
	}
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st, dsn := storetest.Open(t, engine)
			if code, _, errOut := cli(t, "", "demo", "-password", "demo password 123", "-db", dsn); code != 0 {
				t.Fatalf("demo: exit %d: %s", code, errOut)
			}
			if code, out, errOut := cli(t, "", "audit", "verify", "-deep", "-db", dsn); code != 0 || !strings.Contains(out, "content intact") {
				t.Fatalf("verify -deep after the demo: exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			for _, q := range []string{
				`UPDATE hazards SET name = 'Forged' WHERE id = (SELECT MIN(id) FROM hazards)`,
				`UPDATE implant_procedures SET site = 'Forged' WHERE id = (SELECT MIN(id) FROM implant_procedures)`,
			} {
				if _, err := st.SQL().Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			code, out, errOut := cli(t, "", "audit", "verify", "-deep", "-db", dsn)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if code != 1 || len(lines) != 2 || !strings.HasPrefix(lines[0], "hazard ") || !strings.HasPrefix(lines[1], "procedure ") {
				t.Fatalf("verify -deep after direct edits: exit %d, stdout %q, stderr %q; want one line each for the hazard and the procedure", code, out, errOut)
			}
		})
	}
}
