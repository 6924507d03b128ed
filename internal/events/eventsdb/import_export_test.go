package eventsdb

import "testing"

// SetImportBatch makes imports write n events to a batch for the rest of
// the test t.
func SetImportBatch(t testing.TB, n int) {
	old := importBatch
	importBatch = n
	t.Cleanup(func() { importBatch = old })
}
