package lfpse_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse/lfpsetest"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// A worker's lease on a submission outlasts the longest request it may
// make, whatever timeout the instance sets (CLINSAFE_LFPSE_TIMEOUT), so
// that no second worker takes the submission over and sends the event
// again while the first request is still in flight. Before, the lease
// stayed at its default of 5 minutes under a longer timeout: a request
// still waiting after 5 minutes was sent a second time by another
// worker.
func TestLeaseOutlastsTheRequestTimeout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		w.ready(t, "Warfarin given twice")
		const timeout = 10 * time.Minute
		worker := func(name string) *lfpse.Outbox {
			return lfpse.NewOutbox(st, lfpse.NewClient(w.svc.URL, w.svc.Key, w.system, timeout), lfpse.FHIREncoder{Config: fhir.DefaultConfig()},
				lfpse.Options{Logger: quiet, System: w.system, Worker: name})
		}
		var midErr error
		w.svc.Then(lfpsetest.Answer{Kind: lfpsetest.Accept, Stored: func() {
			// The first request has been waiting for 6 minutes, within
			// its timeout.
			w.clock.advance(6 * time.Minute)
			if n, err := worker("second").Once(context.Background()); n != 0 || err != nil {
				midErr = fmt.Errorf("a second worker sent %d (%v) while the first request was in flight", n, err)
			}
		}})
		if n := once(t, worker("first")); n != 1 {
			t.Errorf("first worker sent %d, want 1", n)
		}
		if midErr != nil {
			t.Error(midErr)
		}
		posts := 0
		for _, r := range w.svc.Received() {
			if r.Method == http.MethodPost {
				posts++
			}
		}
		if posts != 1 {
			t.Errorf("event posted %d times, want once", posts)
		}
	})
}
