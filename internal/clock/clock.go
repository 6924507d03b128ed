// Package clock says what day it is. Instants are stored in UTC; dates
// (a due date, an expiry date, the day of a procedure) are calendar days
// reckoned in Europe/London, the one place clinsafe shows times in. Every
// "today" comes from Today applied to the store's injected clock, so a
// hazard action and an implant agree on the day at 00:30 BST.
//
// The time zone database is embedded (time/tzdata), so London is known
// even in a container with no /usr/share/zoneinfo; the program never falls
// back to UTC.
package clock

import (
	"fmt"
	"time"
	_ "time/tzdata" // London must load in a minimal container
)

// London is Europe/London, where days are reckoned and times are shown.
var London = mustLoad("Europe/London")

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		// Impossible with the embedded database; never carry on in UTC.
		panic(fmt.Sprintf("clock: load time zone %s: %v", name, err))
	}
	return l
}

// Today returns the calendar day in London at instant now, as midnight UTC
// of that date: the form dates are parsed and stored in (time.Parse of
// YYYY-MM-DD), so a date d compares with it directly. d is past when
// d.Before(Today(now)) and in the future when d.After(Today(now)). A date
// stored as midnight UTC is its own day: Today(d) equals d.
func Today(now time.Time) time.Time {
	y, m, d := now.In(London).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Date is Today(now) as YYYY-MM-DD.
func Date(now time.Time) string { return Today(now).Format(time.DateOnly) }

// Earliest is the first instant at which London's clocks showed wall
// time s (layout as for time.Parse). In the hour that happens twice when
// the clocks go back, that is its first reading (in BST), not the one
// time.ParseInLocation may give (in GMT, an hour later): a time entered
// in that hour is still to come only if its first reading is.
func Earliest(layout, s string) (time.Time, error) {
	t, err := time.ParseInLocation(layout, s, London)
	if err != nil {
		return t, err
	}
	// London's clocks move by an hour: the other reading, if any, is an
	// hour before this one.
	if e := t.Add(-time.Hour); e.In(London).Format(layout) == t.Format(layout) {
		return e, nil
	}
	return t, nil
}
