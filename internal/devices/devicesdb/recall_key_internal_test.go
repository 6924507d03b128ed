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

// TestCodeIndexesMatchTheQuery: the indexes of migration 0031 are spelt
// as the serial-number checks (codeSQL) and the recall query (nearKeySQL
// of the catalogue number) write their expressions; otherwise the engines
// would read every device of a product, or of the organisation.
func TestCodeIndexesMatchTheQuery(t *testing.T) {
	b, err := os.ReadFile("../../store/migrations/0031_devices_serial_key.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"ON implants (org_id, gtin, " + codeSQL("serial") + ");",
		"ON implants (org_id, labeler, catalogue, " + codeSQL("serial") + ");",
		"ON implants (org_id, " + nearKeySQL("catalogue") + ");",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("migration 0031 has no index %q", want)
		}
	}
}
