package fhirweb

import (
	"testing"
	"time"
)

// HoldCreates keeps the writers of batched creates from taking a batch
// until release is called (or the test ends); queued counts the creates
// waiting.
func HoldCreates(t testing.TB) (queued func() int, release func()) {
	ch := make(chan struct{})
	holdCreates.Store(&ch)
	var released bool
	release = func() {
		if !released {
			released = true
			holdCreates.Store(nil)
			close(ch)
		}
	}
	t.Cleanup(release)
	return func() int { return int(queuedCreates.Load()) }, release
}

// SetCreateGather sets how long a writer waits for creates on their way,
// until the test ends.
func SetCreateGather(t testing.TB, d time.Duration) {
	old := createGather
	createGather = d
	t.Cleanup(func() { createGather = old })
}

// CreateTxs counts the transactions that have written batched creates.
func CreateTxs() int64 { return createTxs.Load() }

// OnMapping calls f with the body of each create on its way, before it
// is mapped, until the test ends.
func OnMapping(t testing.TB, f func(body []byte)) {
	mapHook.Store(&f)
	t.Cleanup(func() { mapHook.Store(nil) })
}

// SetCreatePlaceless sets how many creates may wait for their batch
// without a place, until the test ends.
func SetCreatePlaceless(t testing.TB, n int) {
	old := createPlaceless
	createPlaceless = n
	t.Cleanup(func() { createPlaceless = old })
}
