package text

import (
	"time"

	"github.com/clinsafe/clinsafe/internal/clock"
)

// Layouts of dates shown to people, on pages and in exports alike.
const (
	DayLayout     = "2 January 2006"
	DayTimeLayout = "2 January 2006 15:04"
)

// Day shows a stored YYYY-MM-DD date as "1 December 2026"; anything else
// (blank, or not a date) as it is.
func Day(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format(DayLayout)
}

// DayTime shows an instant as "1 December 2026 14:05" in London time; ""
// for the zero time.
func DayTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(clock.London).Format(DayTimeLayout)
}
