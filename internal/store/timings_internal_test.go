package store

import (
	"testing"
	"time"
)

// The ring keeps the last keptTimings durations, and since reads from a
// mark even after the ring has wrapped.
func TestTimingsRing(t *testing.T) {
	var tm timings
	for i := range keptTimings + 10 {
		tm.add(time.Duration(i))
	}
	got, mark := tm.since(keptTimings + 5)
	if mark != keptTimings+10 || len(got) != 5 || got[0] != keptTimings+5 || got[4] != keptTimings+9 {
		t.Fatalf("since %d: %v, mark %d", keptTimings+5, got, mark)
	}
	all, _ := tm.since(0)
	if len(all) != keptTimings || all[0] != 10 || all[len(all)-1] != keptTimings+9 {
		t.Fatalf("since 0 after wrapping: %d durations from %v to %v", len(all), all[0], all[len(all)-1])
	}
	if none, m := tm.since(mark); len(none) != 0 || m != mark {
		t.Errorf("since the last mark: %v, %d", none, m)
	}
	s := summarise([]time.Duration{5, 1, 3, 2, 4}, 7)
	if s.Count != 5 || s.P50 != 3 || s.Max != 5 || s.P99 != 5 || s.Mark != 7 {
		t.Errorf("summary %+v", s)
	}
}
