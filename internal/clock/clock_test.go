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
