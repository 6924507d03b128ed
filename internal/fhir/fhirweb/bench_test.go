package fhirweb_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/app"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

const benchClients = 50

// BenchmarkFHIRCreate50 creates AdverseEvents over HTTP on PostgreSQL
// from 50 concurrent clients, and, in the same run over the same pool, a
// bare single-row INSERT of the same JSON: creates/s and p99 of each, and
// the ratio of the two rates. http-ratio compares the creates with that
// INSERT made by a bare HTTP handler, over the same client: what HTTP and
// one row cost on this machine.
func BenchmarkFHIRCreate50(b *testing.B) {
	st, _ := storetest.Open(b, "postgres")
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "bench", Operator: true})
	org, err := st.CreateOrg(ctx, store.Org{ODSCode: "RBN", Name: "Bench Trust", Kind: "trust"})
	if err != nil {
		b.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "bench@example.com", Name: "Bench", Password: webtest.Password, OrgID: org.ID, Roles: []auth.Role{auth.Reporter, auth.Handler}})
	if err != nil {
		b.Fatal(err)
	}
	_, tok, err := st.CreateScopedToken(ctx, org.ID, u.ID, "bench", nil, []string{"AdverseEvent.write"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := app.NewServer(web.Options{Store: st, Config: webtest.TestConfig(b), Logger: webtest.QuietLog})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	body := []byte(incident(b, "Benchmark incident"))
	if _, err := st.SQL().Exec(`CREATE TABLE bench_bare (id TEXT PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: benchClients, MaxConnsPerHost: benchClients}
	client := &http.Client{Transport: tr}
	var failed atomic.Int64
	post := func(url string) error {
		req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/fhir+json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			return fmt.Errorf("status %d: %.300s", resp.StatusCode, got)
		}
		return nil
	}
	create := func() error { return post(hs.URL + "/fhir/R4/AdverseEvent") }
	insertBare := func(body []byte) error {
		_, err := st.SQL().Exec(`INSERT INTO bench_bare (id, body) VALUES ($1, $2)`, store.NewID(), string(body))
		return err
	}
	bare := func() error { return insertBare(body) }
	// The same bare INSERT behind a bare HTTP handler (no routing,
	// authentication, decoding or audit) over the same client: what HTTP
	// and one row cost on this machine, the least any create can cost.
	httpBare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, err := io.ReadAll(r.Body)
		if err == nil {
			err = insertBare(got)
		}
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.WriteHeader(201)
	}))
	defer httpBare.Close()
	if err := create(); err != nil { // warm up, and fail early
		b.Fatal(err)
	}
	b.ResetTimer()
	rate, p99 := runConcurrent(b, b.N, create, &failed)
	bareRate, bareP99 := runConcurrent(b, b.N, bare, &failed)
	httpRate, _ := runConcurrent(b, b.N, func() error { return post(httpBare.URL) }, &failed)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
	b.ReportMetric(rate, "creates/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(bareRate, "bare-inserts/s")
	b.ReportMetric(float64(bareP99.Microseconds())/1000, "bare-p99-ms")
	b.ReportMetric(rate/bareRate, "ratio")
	b.ReportMetric(httpRate, "http-bare-inserts/s")
	b.ReportMetric(rate/httpRate, "http-ratio")
}

// runConcurrent runs n calls of fn from benchClients goroutines and
// returns the calls per second and the 99th percentile latency.
func runConcurrent(b *testing.B, n int, fn func() error, failed *atomic.Int64) (float64, time.Duration) {
	var next atomic.Int64
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	start := time.Now()
	for range benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				t0 := time.Now()
				if err := fn(); err != nil {
					if failed.Add(1) == 1 {
						b.Log(err)
					}
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	slices.Sort(lat)
	return float64(n) / el.Seconds(), lat[min(n-1, n*99/100)]
}
