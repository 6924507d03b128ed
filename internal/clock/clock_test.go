package clock

import (
	"go/parser"
	"go/token"
	"strconv"
	"testing"
	"time"
)

func TestToday(t *testing.T) {
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 6, 14, 22, 59, 59, 0, time.UTC), "2026-06-14"}, // 23:59:59 BST
		{time.Date(2026, 6, 14, 23, 0, 0, 0, time.UTC), "2026-06-15"},   // midnight BST
		{time.Date(2026, 6, 14, 23, 30, 0, 0, time.UTC), "2026-06-15"},  // 00:30 BST
		{time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "2026-12-31"}, // 23:30 GMT
		{time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), "2027-01-01"},     // midnight GMT
		{time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), "2026-03-29"},   // 00:30 GMT, clocks go forward at 01:00
		{time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC), "2026-03-28"},  // 23:30 GMT the night before
		{time.Date(2026, 10, 24, 23, 30, 0, 0, time.UTC), "2026-10-25"}, // 00:30 BST, clocks go back at 02:00
		{time.Date(2026, 6, 15, 0, 30, 0, 0, London), "2026-06-15"},     // already in London
		{time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC), "2026-06-15"},    // a stored date is its own day
	} {
		got := Today(c.now)
		if got.Format(time.DateOnly) != c.want || got.Location() != time.UTC || got.Hour() != 0 || got.Minute() != 0 {
			t.Errorf("Today(%v) = %v, want %s at midnight UTC", c.now, got, c.want)
		}
		if d := Date(c.now); d != c.want {
			t.Errorf("Date(%v) = %s, want %s", c.now, d, c.want)
		}
	}
}

func TestLondon(t *testing.T) {
	if London.String() != "Europe/London" {
		t.Errorf("London = %s, want Europe/London", London)
	}
	for _, c := range []struct {
		at   time.Time
		name string
		off  int
	}{{time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC), "BST", 3600}, {time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC), "GMT", 0}} {
		if name, off := c.at.In(London).Zone(); name != c.name || off != c.off {
			t.Errorf("London at %v is %s %+d, want %s %+d", c.at, name, off, c.name, c.off)
		}
	}
}

// The zone database is embedded so a container without one still knows
// London: the package must import time/tzdata.
func TestEmbedsZoneDatabase(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "clock.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range f.Imports {
		if p, _ := strconv.Unquote(im.Path.Value); p == "time/tzdata" {
			return
		}
	}
	t.Error("clock.go does not import time/tzdata")
}

func TestMustLoadFailsLoudly(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("mustLoad(unknown zone) did not panic")
		}
	}()
	mustLoad("Europe/Nowhere")
}

// Earliest reads a London wall time as its first instant: in the hour
// that happens twice in October, the BST reading; elsewhere, the only one.
func TestEarliest(t *testing.T) {
	const layout = "2006-01-02 15:04"
	cases := []struct{ wall, want string }{
		{"2026-10-25 01:50", "2026-10-25T00:50:00Z"}, // twice: 00:50 and 01:50 UTC
		{"2026-10-25 00:59", "2026-10-24T23:59:00Z"}, // BST, once
		{"2026-10-25 02:00", "2026-10-25T02:00:00Z"}, // GMT, once
		{"2026-07-01 12:00", "2026-07-01T11:00:00Z"}, // summer
		{"2026-12-01 12:00", "2026-12-01T12:00:00Z"}, // winter
	}
	for _, tc := range cases {
		got, err := Earliest(layout, tc.wall)
		if err != nil {
			t.Fatalf("Earliest(%q): %v", tc.wall, err)
		}
		if g := got.UTC().Format(time.RFC3339); g != tc.want {
			t.Errorf("Earliest(%q) = %s, want %s", tc.wall, g, tc.want)
		}
	}
	if _, err := Earliest(layout, "2026-10-25 25:00"); err == nil {
		t.Error("Earliest of 25:00: no error")
	}
}
