package text

import (
	"testing"
	"time"
)

func TestDayAndDayTime(t *testing.T) {
	for in, want := range map[string]string{"2026-12-01": "1 December 2026", "1960-05-01": "1 May 1960", "": "", "2026-13-01": "2026-13-01", "soon": "soon"} {
		if got := Day(in); got != want {
			t.Errorf("Day(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[time.Time]string{
		time.Date(2026, 12, 1, 14, 5, 0, 0, time.UTC):  "1 December 2026 14:05", // GMT
		time.Date(2026, 7, 1, 23, 30, 0, 0, time.UTC):  "2 July 2026 00:30",     // BST: the next day in London
		time.Date(2026, 3, 29, 0, 59, 59, 0, time.UTC): "29 March 2026 00:59",
		{}: "",
	} {
		if got := DayTime(in); got != want {
			t.Errorf("DayTime(%v) = %q, want %q", in, got, want)
		}
	}
}
