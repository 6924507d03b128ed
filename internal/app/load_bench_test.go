package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/app"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/webtest"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/web"
)

// Load benchmark sizes: 200 clients, each signing in once and then making
// loadRequests requests of the mix.
const (
	loadClients  = 200
	loadRequests = 40
)

// BenchmarkLoad200 runs the real server over loopback HTTP on each engine
// with the demo data and 200 concurrent clients, each with its own cookie
// jar. Every client signs in once (all at the same moment); then each makes
// a fixed number of requests, one after another without pause: 80% reads
// (home, the clinical risk register, the demo hazard log page, a hazard, the
// hazards API, a patient search by NHS number, a device's history) and 20%
// writes (a hazard from a template, a procedure with its patient), each
// audited. It reports sign-in and mixed-load requests per second, p50 and
// p99, and, as the limit measured in the same run, the same clients making
// the same number of requests to /healthz (no database, no session). The
// target is a p99 under 250 ms. CLINSAFE_BENCH_CPUPROFILE=DIR writes a CPU
// profile of the mixed phase per engine into DIR.
func BenchmarkLoad200(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) { benchLoad(b, engine) })
	}
}

type loadFixture struct {
	srv        *httptest.Server
	transport  *http.Transport
	emails     []string
	demoSystem string   // the trust's demo hazard log, read by the mix
	loadSystem string   // where the mix adds hazards
	hazards    []string // hazards of the demo log
	gtins      []string
	patients   []devicesdb.BulkRecord
}

func benchLoad(b *testing.B, engine string) {
	st, _ := storetest.Open(b, engine)
	// Time moves on during the run, as it does in production (sessions are
	// touched, audit entries get real times), from the fixed test date.
	start := time.Now()
	st.SetClock(func() time.Time { return storetest.FixedTime.Add(time.Since(start)) })
	f := newLoadFixture(b, st)
	b.Logf("set up in %s", time.Since(start).Round(time.Millisecond))
	b.ResetTimer()
	for range b.N {
		var peak atomic.Uint64
		stop := sampleHeap(&peak)
		clients, signin := f.signIn(b)
		stop()
		base := f.run(b, clients, func(int, *rand.Rand) loadReq {
			return loadReq{kind: "healthz", method: "GET", path: "/healthz", want: 200}
		})
		var pf *os.File
		if d := os.Getenv("CLINSAFE_BENCH_CPUPROFILE"); d != "" {
			pf, _ = os.Create(d + "/" + engine + ".cpu")
			pprof.StartCPUProfile(pf)
		}
		cpu0 := cpuTime()
		mixed := f.run(b, clients, f.mixed)
		cpuPer := float64((cpuTime() - cpu0).Microseconds()) / 1000 / float64(loadClients*loadRequests)
		if pf != nil {
			pprof.StopCPUProfile()
			pf.Close()
		}
		b.Logf("sign-in %+v, healthz %+v, mixed %+v", signin, base, mixed)
		b.ReportMetric(signin.p50, "signin-p50-ms")
		b.ReportMetric(signin.p99, "signin-p99-ms")
		b.ReportMetric(float64(peak.Load())/(1<<20), "signin-heap-MB")
		b.ReportMetric(mixed.rps, "req/s")
		b.ReportMetric(mixed.p50, "p50-ms")
		b.ReportMetric(mixed.p99, "p99-ms")
		b.ReportMetric(base.rps, "healthz-req/s")
		b.ReportMetric(base.p99, "healthz-p99-ms")
		b.ReportMetric(cpuPer, "cpu-ms/req")
		b.ReportMetric(mixed.rps/base.rps, "of-healthz-rate")
		b.ReportMetric(mixed.p99/250, "of-250ms-limit")
	}
}

// cpuTime is the CPU time this process (server and clients) has used; per
// request it is steadier than wall time on a shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sampleHeap records the largest heap in use until the returned func is
// called.
func sampleHeap(peak *atomic.Uint64) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func newLoadFixture(b *testing.B, st *store.DB) *loadFixture {
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "bench"})
	res, err := demo.Load(ctx, st, demo.Options{Password: webtest.Password})
	if err != nil {
		b.Fatal(err)
	}
	trust := res.Orgs[0]
	f := &loadFixture{}
	systems, err := riskdb.New(st).ListSystems(ctx, trust.ID)
	if err != nil || len(systems) == 0 {
		b.Fatalf("demo systems: %v (%d)", err, len(systems))
	}
	f.demoSystem = systems[0].ID
	hs, err := riskdb.New(st).ListHazards(ctx, trust.ID, f.demoSystem)
	if err != nil || len(hs) == 0 {
		b.Fatalf("demo hazards: %v (%d)", err, len(hs))
	}
	for _, h := range hs {
		f.hazards = append(f.hazards, h.ID)
	}
	ls, err := riskdb.New(st).CreateSystem(ctx, trust.ID, riskdb.System{Name: "Load test system", Manufacturer: "Bench", IntendedUse: "Load testing", Standard: risk.DCB0160})
	if err != nil {
		b.Fatal(err)
	}
	f.loadSystem = ls.ID
	// The demo's own records (the generator depends on the count), so that
	// the patients searched for are on the register.
	n, procs := 0, 0
	for rec := range demo.ImplantRecords(1<<30, 0) {
		n += len(rec.Devices)
		if procs++; procs == demo.DemoProcedures {
			break
		}
	}
	for rec := range demo.ImplantRecords(n, 0) {
		if f.patients = append(f.patients, rec); len(f.patients) == 400 {
			break
		}
	}
	for _, rec := range f.patients {
		for _, d := range rec.Devices {
			if !slices.Contains(f.gtins, d.GTIN) {
				f.gtins = append(f.gtins, d.GTIN)
			}
		}
	}
	// One user is made through the store; the others copy its password
	// hash and roles, so that setting up does not spend minutes hashing.
	first, err := st.CreateUser(ctx, store.NewUser{Email: "load-0@bench.test", Name: "Load 0", Password: webtest.Password, OrgID: trust.ID,
		Roles: []auth.Role{auth.CSO, auth.Devices, auth.Handler, auth.Reporter}})
	if err != nil {
		b.Fatal(err)
	}
	f.emails = append(f.emails, first.Email)
	for i := 1; i < loadClients; i++ {
		id, email := store.NewID(), fmt.Sprintf("load-%d@bench.test", i)
		if _, err := st.SQL().ExecContext(ctx, `INSERT INTO users (id, email, name, password_hash, platform_admin, disabled, created_at)
			SELECT $1, $2, $3, password_hash, platform_admin, disabled, created_at FROM users WHERE id = $4`, id, email, fmt.Sprintf("Load %d", i), first.ID); err != nil {
			b.Fatal(err)
		}
		if _, err := st.SQL().ExecContext(ctx, `INSERT INTO user_roles (org_id, user_id, role) SELECT org_id, $1, role FROM user_roles WHERE user_id = $2`, id, first.ID); err != nil {
			b.Fatal(err)
		}
		f.emails = append(f.emails, email)
	}
	cfg := webtest.TestConfig(b)
	s, err := app.NewServer(web.Options{Store: st, Config: cfg, Version: "bench", Logger: webtest.QuietLog})
	if err != nil {
		b.Fatal(err)
	}
	f.srv = httptest.NewServer(s)
	b.Cleanup(f.srv.Close)
	// One keep-alive connection per client, as browsers would hold.
	f.transport = &http.Transport{MaxIdleConns: 2 * loadClients, MaxIdleConnsPerHost: 2 * loadClients, IdleConnTimeout: time.Minute}
	b.Cleanup(f.transport.CloseIdleConnections)
	return f
}

type loadStats struct{ rps, p50, p99 float64 }

func stats(lat []time.Duration, wall time.Duration) loadStats {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	return loadStats{rps: float64(len(lat)) / wall.Seconds(), p50: pct(0.50), p99: pct(0.99)}
}

// signIn signs every client in at once and returns the clients with the
// sign-in latencies.
func (f *loadFixture) signIn(b *testing.B) ([]*http.Client, loadStats) {
	clients := make([]*http.Client, loadClients)
	lat := make([]time.Duration, loadClients)
	errs := make(chan error, loadClients)
	var wg sync.WaitGroup
	begin := time.Now()
	for i := range loadClients {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Transport: f.transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		clients[i] = c
		wg.Go(func() {
			t := time.Now()
			resp, err := c.PostForm(f.srv.URL+"/login", url.Values{"email": {f.emails[i]}, "password": {webtest.Password}})
			if err != nil {
				errs <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			lat[i] = time.Since(t)
			if resp.StatusCode != http.StatusSeeOther {
				errs <- fmt.Errorf("sign in %s: status %d", f.emails[i], resp.StatusCode)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return clients, stats(lat, time.Since(begin))
}

type loadReq struct {
	kind                      string // for the per-kind summary
	method, path, body, ctype string
	want                      int
}

// mixed picks the n-th request of a client: 80% reads, 20% writes.
func (f *loadFixture) mixed(n int, r *rand.Rand) loadReq {
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	switch k := r.IntN(100); {
	case k < 15:
		return loadReq{kind: "home", method: "GET", path: "/", want: 200}
	case k < 25:
		return loadReq{kind: "risk", method: "GET", path: "/risk", want: 200}
	case k < 40:
		return loadReq{kind: "system", method: "GET", path: "/risk/systems/" + f.demoSystem, want: 200}
	case k < 55:
		return loadReq{kind: "hazard", method: "GET", path: "/risk/hazards/" + pick(f.hazards), want: 200}
	case k < 62:
		return loadReq{kind: "api-hazards", method: "GET", path: "/api/v1/systems/" + f.demoSystem + "/hazards", want: 200}
	case k < 72:
		p := f.patients[r.IntN(len(f.patients))].Patient
		return loadReq{kind: "patient-search", method: "POST", path: "/devices/patients", body: url.Values{"nhs_number": {p.NHSNumber}}.Encode(),
			ctype: "application/x-www-form-urlencoded", want: http.StatusSeeOther}
	case k < 80:
		return loadReq{kind: "device", method: "GET", path: "/devices/gtin/" + pick(f.gtins), want: 200}
	case k < 90:
		t := risk.Templates()
		return loadReq{kind: "create-hazard", method: "POST", path: "/api/v1/systems/" + f.loadSystem + "/hazards",
			body: `{"template":"` + t[r.IntN(len(t))].Key + `"}`, ctype: "application/json", want: http.StatusCreated}
	default:
		rec := f.patients[r.IntN(len(f.patients))]
		body, _ := json.Marshal(map[string]any{"patient": rec.Patient, "procedure": rec.Procedure})
		return loadReq{kind: "create-procedure", method: "POST", path: "/api/v1/devices/procedures", body: string(body), ctype: "application/json", want: http.StatusCreated}
	}
}

// run has every client make loadRequests requests chosen by next, one after
// another, all clients at once, and returns the rate and latencies.
func (f *loadFixture) run(b *testing.B, clients []*http.Client, next func(int, *rand.Rand) loadReq) loadStats {
	lat := make([]time.Duration, len(clients)*loadRequests)
	kinds := make([]string, len(lat))
	var wg sync.WaitGroup
	var failed atomic.Pointer[string]
	begin := time.Now()
	for i, c := range clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 7))
			for n := range loadRequests {
				q := next(n, r)
				var body io.Reader
				if q.body != "" {
					body = strings.NewReader(q.body)
				}
				req, _ := http.NewRequest(q.method, f.srv.URL+q.path, body)
				if q.ctype != "" {
					req.Header.Set("Content-Type", q.ctype)
				}
				t := time.Now()
				resp, err := c.Do(req)
				if err != nil {
					msg := err.Error()
					failed.CompareAndSwap(nil, &msg)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i*loadRequests+n], kinds[i*loadRequests+n] = time.Since(t), q.kind
				if resp.StatusCode != q.want {
					msg := fmt.Sprintf("%s %s: status %d, want %d", q.method, q.path, resp.StatusCode, q.want)
					failed.CompareAndSwap(nil, &msg)
				}
			}
		})
	}
	wg.Wait()
	wall := time.Since(begin)
	if m := failed.Load(); m != nil {
		b.Fatal(*m)
	}
	byKind := map[string][]time.Duration{}
	for i, k := range kinds {
		byKind[k] = append(byKind[k], lat[i])
	}
	var sum []string
	for _, k := range slices.Sorted(maps.Keys(byKind)) {
		st := stats(byKind[k], wall)
		sum = append(sum, fmt.Sprintf("%s n=%d p50=%.0fms p99=%.0fms", k, len(byKind[k]), st.p50, st.p99))
	}
	b.Log(strings.Join(sum, "; "))
	return stats(lat, wall)
}
