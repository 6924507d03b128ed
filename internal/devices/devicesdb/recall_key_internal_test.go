package devicesdb

import (
	"os"
	"strings"
	"testing"
)

// TestNearKeyIndexesMatchTheQuery: the near-key indexes of migration 0011
// are spelt as the recall query writes the expression; otherwise the
// engines would read every device of a recalled product instead.
func TestNearKeyIndexesMatchTheQuery(t *testing.T) {
	b, err := os.ReadFile("../../store/migrations/0011_devices_recall.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{"lot", "serial"} {
		want := "ON implants (org_id, gtin, " + nearKeySQL(col) + ");"
		if !strings.Contains(string(b), want) {
			t.Errorf("migration 0011 has no index %q", want)
		}
	}
}
