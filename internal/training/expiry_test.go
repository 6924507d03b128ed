package training

import (
	"testing"
	"time"
)

// TestExpiresAtMonthEndDoesNotOverrun: a completion renewed every n months
// expires n calendar months later, on the same day or, when that month is
// shorter, on its last day. Before, time.AddDate normalised 31 August + 6
// months to 3 March, so a CSO's clinical safety training stayed "current"
// for three days after it had expired.
func TestExpiresAtMonthEndDoesNotOverrun(t *testing.T) {
	for _, c := range []struct {
		done   string
		months int
		want   string
	}{
		{"2026-08-31T10:00:00Z", 6, "2027-02-28T10:00:00Z"},
		{"2026-01-31T10:00:00Z", 1, "2026-02-28T10:00:00Z"},
		{"2028-02-29T10:00:00Z", 12, "2029-02-28T10:00:00Z"},
		{"2027-12-31T23:30:00Z", 2, "2028-02-29T23:30:00Z"},
		{"2026-01-20T12:00:00Z", 2, "2026-03-20T12:00:00Z"},
		{"2026-05-31T12:00:00Z", 36, "2029-05-31T12:00:00Z"},
	} {
		done, _ := time.Parse(time.RFC3339, c.done)
		got := Expires(done, c.months)
		if got == nil || got.Format(time.RFC3339) != c.want {
			t.Errorf("Expires(%s, %d) = %v, want %s", c.done, c.months, got, c.want)
		}
	}
	if Expires(time.Now(), 0) != nil {
		t.Error("renewal_months 0 must never expire")
	}
}
