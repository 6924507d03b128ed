package store

import (
	"slices"
	"sync"
	"time"
)

// timings keeps the most recent durations of one kind of step (SQLite's
// commits, the checkpointer's holds of the writer slot), for benchmarks
// and diagnosis: they tell how much of a slow request was the disk.
type timings struct {
	mu    sync.Mutex
	ring  []time.Duration
	total int64
}

// keptTimings is how many recent durations a timings keeps.
const keptTimings = 8192

func (t *timings) add(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.ring) < keptTimings {
		t.ring = append(t.ring, d)
	} else {
		t.ring[t.total%keptTimings] = d
	}
	t.total++
}

// since returns the durations added after the first n ever added (at
// most the last keptTimings of them), oldest first, and how many have
// been added in all, to pass as n next time.
func (t *timings) since(n int64) ([]time.Duration, int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := min(t.total-n, int64(len(t.ring)))
	if k <= 0 {
		return nil, t.total
	}
	out := make([]time.Duration, 0, k)
	for i := t.total - k; i < t.total; i++ {
		out = append(out, t.ring[i%keptTimings])
	}
	return out, t.total
}

// Timings is what a DB measured of one kind of step since a mark.
type Timings struct {
	Count         int
	P50, P99, Max time.Duration
	// Mark is the mark to pass to measure from now on.
	Mark int64
}

func summarise(ds []time.Duration, mark int64) Timings {
	out := Timings{Count: len(ds), Mark: mark}
	if len(ds) == 0 {
		return out
	}
	slices.Sort(ds)
	out.P50, out.P99, out.Max = ds[len(ds)/2], ds[min(len(ds)-1, len(ds)*99/100)], ds[len(ds)-1]
	return out
}

// CommitTimings summarises the SQLite commits (each a group commit, whose
// wait for the disk every writer of the group shares) made since mark, 0
// for all that are kept; on PostgreSQL there are none.
func (s *DB) CommitTimings(mark int64) Timings { return summarise(s.commitTimes.since(mark)) }

// HoldTimings summarises the SQLite checkpointer's holds of the writer
// slot (while it restarts or empties the write-ahead log) since mark.
func (s *DB) HoldTimings(mark int64) Timings { return summarise(s.holdTimes.since(mark)) }
