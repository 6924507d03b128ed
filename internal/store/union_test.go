package store_test

import (
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// On PostgreSQL the parts of an entity are read in one statement when a
// change is audited; every content hash must be the one read part by
// part gives (and the deep check recomputes), for every entity of more
// than one part that the demo writes, and for an id that has no row.
func TestOneStatementHashesAsPartByPart(t *testing.T) {
	st, _ := storetest.Open(t, "postgres")
	if _, err := demo.Load(ctx, st, demo.Options{Password: "demo password 123"}); err != nil {
		t.Fatal(err)
	}
	union, byPart, err := st.HashesBothWays(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	entities := map[string]int{}
	for k, h := range byPart {
		if union[k] != h {
			t.Errorf("%s: hashed %s in one statement, %s part by part", k, union[k], h)
		}
		if h != "deleted" {
			entities[strings.Fields(k)[0]]++
		}
	}
	if len(union) != len(byPart) {
		t.Errorf("%d hashes in one statement, %d part by part", len(union), len(byPart))
	}
	for _, e := range []string{"event", "hazard", "system", "user", "learning_response", "recall", "knowledge_document"} {
		if entities[e] == 0 {
			t.Errorf("no %s hashed (%v): the demo should write some", e, entities)
		}
	}
	if union["event no such id"] != "deleted" {
		t.Errorf("an id without rows: %q, want deleted", union["event no such id"])
	}
}
