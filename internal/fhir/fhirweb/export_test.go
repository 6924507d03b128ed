package fhirweb

import "testing"

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
