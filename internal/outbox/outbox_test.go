package outbox

import (
	"testing"
	"time"
)

func TestBackoffStaysWithinItsBounds(t *testing.T) {
	for attempts := range 50 {
		limit := time.Hour // 1m << 6 is past it
		if attempts < 6 {
			limit = time.Minute << attempts
		}
		for range 20 {
			d := Backoff(time.Minute, time.Hour, attempts)
			if d < time.Second || d > limit {
				t.Fatalf("Backoff(1m, 1h, %d) = %s, want between 1s and %s", attempts, d, limit)
			}
		}
	}
	if d := Backoff(10*time.Millisecond, 10*time.Millisecond, 3); d != 10*time.Millisecond {
		t.Errorf("Backoff with a base under a second = %s, want the base", d)
	}
}

func TestWorkerNamesDiffer(t *testing.T) {
	if a, b := WorkerName(), WorkerName(); a == b || a == "" {
		t.Errorf("WorkerName() = %q and %q, want two different names", a, b)
	}
}
