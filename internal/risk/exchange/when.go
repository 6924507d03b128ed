package exchange

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/clock"
)

// Dates in spreadsheets are written as people read them: "1 December 2026"
// for a calendar day (stored as midnight UTC), and "1 December 2026 06:41
// GMT" for a moment, in London time with its zone so that the hour that
// repeats when the clocks go back reads back exactly. Moments are kept to
// the minute. JSON keeps RFC 3339.

const (
	dayLayout  = "2 January 2006"
	whenLayout = "2 January 2006 15:04 MST"
)

func isMidnightUTC(t time.Time) bool {
	t = t.UTC()
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// formatDay writes a calendar day: "1 December 2026".
func formatDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if !isMidnightUTC(t) {
		return formatWhen(t)
	}
	return t.UTC().Format(dayLayout)
}

// formatWhen writes a moment as "1 December 2026 06:41 GMT", or a calendar
// day (midnight UTC) as "1 December 2026".
func formatWhen(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if isMidnightUTC(t) {
		return t.UTC().Format(dayLayout)
	}
	return t.In(clock.London).Format(whenLayout)
}

var dayLayouts = []string{dayLayout, "2 Jan 2006", "2 January, 2006", "January 2 2006", "January 2, 2006", time.DateOnly, "02/01/2006", "2/1/2006", "02-01-2006", "2.1.2006", "02.01.2006"}

var whenLayouts = []string{whenLayout, "2 January 2006 15:04", "2 January 2006 at 15:04 MST", "2 January 2006 at 15:04", "2 Jan 2006 15:04",
	"2 Jan 2006 15:04 MST", "2006-01-02 15:04", "2006-01-02 15:04:05", "02/01/2006 15:04", "02/01/2006 15:04:05"}

// parseWhen reads a date or a moment as people and spreadsheets write them:
// "1 December 2026", "1 Dec 2026", "2026-12-01", "01/12/2026" (day first,
// as in the UK), a spreadsheet's date number, RFC 3339, or any of these
// days with a time (London time unless a zone is given). A day is midnight
// UTC; a moment is truncated to the minute.
func parseWhen(s string) (time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	ok := func(t time.Time) bool { y := t.Year(); return y >= 1900 && y <= 9999 }
	for _, layout := range dayLayouts {
		if t, err := time.Parse(layout, s); err == nil && ok(t) {
			return t, nil
		}
	}
	for _, layout := range whenLayouts {
		if strings.HasSuffix(layout, "MST") && !knownZone(s) {
			continue
		}
		if t, err := time.ParseInLocation(layout, s, clock.London); err == nil && ok(t) {
			return t.UTC().Truncate(time.Minute), nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil && ok(t) {
		if isMidnightUTC(t) {
			return t.UTC(), nil
		}
		return t.UTC().Truncate(time.Minute), nil
	}
	// A date typed into a spreadsheet cell is stored as a number of days
	// since 30 December 1899 (the fraction is the time of day).
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 1 && f < 2958466 && !math.IsNaN(f) {
		days := math.Floor(f)
		base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(days))
		mins := math.Round((f - days) * 24 * 60)
		if mins == 0 {
			return base, nil
		}
		if mins >= 24*60 {
			return base.AddDate(0, 0, 1), nil
		}
		y, m, d := base.Date()
		return time.Date(y, m, d, 0, int(mins), 0, 0, clock.London).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date like 1 December 2026", s)
}

// knownZone reports whether s ends in a zone abbreviation clinsafe reads:
// GMT or BST (London's) or UTC. Go would take any other for UTC.
func knownZone(s string) bool {
	i := strings.LastIndexByte(s, ' ')
	switch strings.ToUpper(s[i+1:]) {
	case "GMT", "BST", "UTC":
		return true
	}
	return false
}
