package training

import (
	"testing"
	"time"
)

// TestRegistrationCheckLapsesAtLondonMidnight: a registration checked on a
// day lapses at the start, in London, of the same day twelve months on.
// Before, the check date was compared as midnight UTC with the instant
// now, so in summer (BST) the CSO still showed as current for the first
// hour of the day their check had lapsed.
func TestRegistrationCheckLapsesAtLondonMidnight(t *testing.T) {
	checked := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC) // as stored: YYYY-MM-DD
	trained := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 5, 31, 22, 30, 0, 0, time.UTC), Current}, // 23:30 on 31 May in London
		{time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC), Lapsed},  // 00:30 on 1 June in London
		{time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), Lapsed},
	} {
		if got, why := CSOStatus(&checked, &trained, nil, c.now); got != c.want {
			t.Errorf("at %s: %s %v, want %s", c.now.Format(time.RFC3339), got, why, c.want)
		}
	}
}
