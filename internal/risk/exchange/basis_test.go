package exchange

import (
	"bytes"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/risk"
)

// An issued version's JSON export carries its rating basis, and reads back.
func TestJSONKeepsRatingBasis(t *testing.T) {
	l := sampleLog()
	b := risk.CurrentBasis(risk.DefaultMatrix())
	b.Matrix.Wording[4] = "Never acceptable here."
	l.Basis = &b
	var buf bytes.Buffer
	if err := ExportJSONAt(&buf, l, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"rating_basis"`)) {
		t.Fatalf("export has no rating_basis:\n%s", buf.Bytes())
	}
	got, err := ImportJSON(&buf, risk.DefaultMatrix())
	if err != nil {
		t.Fatalf("ImportJSON of an issued export: %v", err)
	}
	if got.Basis == nil || got.Basis.Matrix.Wording[4] != "Never acceptable here." || len(got.Basis.Severities) != 5 {
		t.Errorf("imported basis = %+v", got.Basis)
	}
}
