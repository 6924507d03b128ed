package eventsdb_test

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

var benchEvents = flag.Int("events.bench.n", 1_000_000, "events bulk-inserted by BenchmarkQueueAndSearch")

var benchWords = []string{"insulin", "warfarin", "wristband", "printer", "fall", "bed", "rails", "syringe", "driver", "alarm", "allergy", "penicillin",
	"handover", "discharge", "letter", "results", "scan", "referral", "delayed", "missed", "wrong", "patient", "dose", "theatre", "list", "ward", "round",
	"login", "screen", "froze", "prescription", "chart", "observation", "sepsis", "pressure", "ulcer", "catheter", "infusion", "pump", "label"}

// BenchmarkQueueAndSearch bulk-inserts -events.bench.n submitted events
// in one organisation on each engine, then times the queue's first page
// (open events, newest first, with counts and total) and a full-text
// search, reporting their p95.
func BenchmarkQueueAndSearch(b *testing.B) {
	outer := b // runs once, so its clean-up closes the stores after every run of the engines'
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			// The set is made once per engine, not again for each b.N.
			w, ok := benchSets[engine]
			if !ok {
				st, _ := storetest.Open(outer, engine)
				w = benchSet{ev: eventsdb.New(st), org: storetest.Org(outer, st, "BEN")}
				w.ctx = storetest.As(storetest.User(outer, st, w.org, "h@bench.test", auth.Handler))
				start := time.Now()
				if err := bulkEvents(w.ctx, st, w.org.ID, *benchEvents); err != nil {
					b.Fatal(err)
				}
				b.Logf("%s: %d events inserted in %s", engine, *benchEvents, time.Since(start).Round(time.Millisecond))
				benchSets[engine] = w
			}
			ev, org, ctx := w.ev, w.org, w.ctx
			f := eventsdb.QueueFilter{}
			if err := f.Check(); err != nil {
				b.Fatal(err)
			}
			var queue, search []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				p, err := ev.Queue(ctx, org.ID, f)
				if err != nil || len(p.Events) == 0 {
					b.Fatalf("queue: %v (%d)", err, len(p.Events))
				}
				queue = append(queue, time.Since(t0))
				t0 = time.Now()
				q := benchWords[i%len(benchWords)] + " " + benchWords[(i*7+3)%len(benchWords)]
				if _, err := ev.Search(ctx, org.ID, q, 25); err != nil {
					b.Fatal(err)
				}
				search = append(search, time.Since(t0))
			}
			b.ReportMetric(p95(queue), "queue-p95-ms")
			b.ReportMetric(p95(search), "search-p95-ms")
		})
	}
}

type benchSet struct {
	ev  *eventsdb.DB
	org store.Org
	ctx context.Context
}

var benchSets = map[string]benchSet{}

func p95(ds []time.Duration) float64 {
	slices.Sort(ds)
	return float64(ds[min(len(ds)-1, len(ds)*95/100)].Microseconds()) / 1000
}

// bulkEvents writes n submitted events and their search documents with
// multi-row INSERTs (a benchmark set-up: no audit entries).
func bulkEvents(ctx context.Context, st *store.DB, orgID store.OrgID, n int) error {
	statuses := []events.Status{events.Closed, events.Closed, events.Closed, events.Closed, events.Closed, events.Closed, events.InReview, events.Submitted, events.NotPSE, events.AwaitingInfo}
	base := time.Date(2025, 12, 1, 8, 0, 0, 0, time.UTC)
	const chunk = 20_000
	for from := 0; from < n; from += chunk {
		err := st.Tx(ctx, func(tx *store.Tx) error {
			eb := store.NewBatcher(tx, "events", "id, org_id, ref, record_type, status, audience, taxonomy_version, record, occurred_on, location, agents, reported_harm, harm, version, created_at, updated_at, submitted_at", 17, 500)
			defer eb.Close()
			sb := store.NewBatcher(tx, "event_search", "event_id, org_id, body", 3, 1000)
			defer sb.Close()
			for i := from; i < min(n, from+chunk); i++ {
				id := store.NewID()
				at := base.Add(time.Duration(i) * 30 * time.Second)
				desc := fmt.Sprintf("%s %s %s %s event %d", benchWords[i%len(benchWords)], benchWords[(i/3)%len(benchWords)], benchWords[(i/7)%len(benchWords)], benchWords[(i/11)%len(benchWords)], i)
				harm := []string{"5", "5", "5", "4", "4", "3", "2", "1", "5", "4"}[i%10]
				loc := fmt.Sprintf("Ward %d", i%40)
				ref := fmt.Sprintf("PSE-B-%07d", i)
				rec := fmt.Sprintf(`{"answers":{"description":[%q],"where.location":[%q]}}`, desc, loc)
				if err := eb.Add(ctx, id, orgID, ref, "1", string(statuses[i%len(statuses)]), "staff", events.TaxonomyVersion, rec, at.Format(time.DateOnly), loc, "|4|", harm, harm, 1, at, at, at); err != nil {
					return err
				}
				if err := sb.Add(ctx, id, orgID, ref+"\n"+desc+"\n"+loc); err != nil {
					return err
				}
			}
			if err := eb.Flush(ctx); err != nil {
				return err
			}
			return sb.Flush(ctx)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
