package lfpse_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirtest"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse/lfpsetest"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type world struct {
	st             *store.DB
	q              *lfpse.DB
	ev             *eventsdb.DB
	clock          *clock
	a, b           store.Org
	nurse, handler store.User
	svc            *lfpsetest.StandInService
	system         string
}

func newWorld(t *testing.T, st *store.DB) *world {
	c := &clock{t: storetest.FixedTime}
	st.SetClock(c.now)
	w := &world{st: st, q: lfpse.New(st), ev: eventsdb.New(st), clock: c, a: storetest.Org(t, st, "LFA"), b: storetest.Org(t, st, "LFB"),
		svc: lfpsetest.New(t), system: lfpse.IdentifierSystem("https://clinsafe.example.nhs.uk")}
	w.nurse = storetest.User(t, st, w.a, "nurse@lf.test", auth.Reporter)
	w.handler = storetest.User(t, st, w.a, "handler@lf.test", auth.Handler)
	return w
}

func (w *world) hctx() context.Context { return storetest.As(w.handler) }

// report submits an incident in org A.
func (w *world) report(t *testing.T, desc string) eventsdb.Event {
	t.Helper()
	rec := events.Record{Type: events.Incident, Answers: events.Answers{
		events.AnsDescription: {desc}, events.AnsWhenKind: {"exact"},
		events.AnsDate: {"2026-11-23"}, events.AnsTime: {"08:40"}, events.AnsLocation: {"Ward 7"}, events.AnsServiceArea: {"acute"},
		events.AnsAgents: {events.AgentMedication}, events.AnsPatientsSaid: {"y"}, events.AnsConcern: {"4"}, events.AnsReporterRole: {"nurse"},
		events.AnsDataSharing: {events.DataShare},
	}, Groups: map[string][]events.Answers{
		events.GroupPatients:  {{events.PatPhysical: {"4"}, events.PatPsych: {"4"}, events.PatAssociation: {"5"}}},
		events.GroupMedicines: {{"name": {"Warfarin"}}},
	}}
	e, err := w.ev.Report(storetest.As(w.nurse), w.a.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: w.nurse.ID})
	if err != nil {
		t.Fatalf("Report: %v (%v)", err, apperr.FieldsOf(err))
	}
	return e
}

// ready reports an event described desc in organisation A and marks it
// ready for LFPSE, as its handler.
func (w *world) ready(t *testing.T, desc string) eventsdb.Event {
	t.Helper()
	e := w.report(t, desc)
	if _, err := w.q.MarkReady(w.hctx(), w.a.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	return e
}

func (w *world) outbox(o lfpse.Options) *lfpse.Outbox {
	if o.Logger == nil {
		o.Logger = quiet
	}
	o.System = w.system
	return lfpse.NewOutbox(w.st, lfpse.NewClient(w.svc.URL, w.svc.Key, w.system, 2*time.Second), lfpse.FHIREncoder{Config: fhir.DefaultConfig()}, o)
}

func (w *world) sub(t *testing.T, id string) lfpse.Submission {
	t.Helper()
	s, err := w.q.Get(context.Background(), w.a.ID, id)
	if err != nil {
		t.Fatalf("Get submission of %s: %v", id, err)
	}
	return s
}

func once(t *testing.T, b *lfpse.Outbox) int {
	t.Helper()
	n, err := b.Once(context.Background())
	if err != nil {
		t.Fatalf("Once: %v", err)
	}
	return n
}

func TestMarkReadyQueuesInTheSameTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		e := w.report(t, "Warfarin given twice")
		if _, err := w.q.Get(context.Background(), w.a.ID, e.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("submission before marking ready: %v, want NotFound", err)
		}
		before := storetest.AuditCount(t, st)
		s, err := w.q.MarkReady(w.hctx(), w.a.ID, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s.Status != lfpse.Pending || s.Op != "create" || s.ReadyBy != w.handler.ID {
			t.Errorf("marked ready: %+v, want a pending create by the handler", s)
		}
		if got := storetest.AuditCount(t, st); got != before+1 {
			t.Errorf("audit entries %d after marking ready, want %d", got, before+1)
		}
		if _, err := w.q.MarkReady(w.hctx(), w.a.ID, e.ID); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("marking ready twice: %v, want Conflict", err)
		}
		if _, err := w.q.MarkReady(w.hctx(), w.b.ID, e.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("marking another organisation's event ready: %v, want NotFound", err)
		}
		if _, err := w.q.Get(context.Background(), w.b.ID, e.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another organisation reads the submission: %v, want NotFound", err)
		}
		if f := storetest.Findings(t, st); len(f) > 0 {
			t.Errorf("deep audit check: %q, want none", f)
		}
	})
}

func TestDeliveredThenUpdatedByPUT(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		e := w.ready(t, "Warfarin given twice")
		b := w.outbox(lfpse.Options{})
		if n := once(t, b); n != 1 {
			t.Fatalf("sent %d, want 1", n)
		}
		s := w.sub(t, e.ID)
		rec := w.svc.Records()[e.ID]
		if s.Status != lfpse.Sent || s.NationalRef == "" || s.NationalRef != rec.Ref || s.NationalID != rec.ID {
			t.Fatalf("after sending: %+v, want sent with the national reference %q", s, rec.Ref)
		}
		got := w.svc.Received()
		if len(got) != 1 || got[0].Method != "POST" || got[0].Key != w.svc.Key || !strings.Contains(got[0].IfNoneExist, e.ID) {
			t.Fatalf("received %+v, want one conditional POST with the key", got)
		}
		fhirtest.Validate(t, got[0].Body)
		if n := once(t, b); n != 0 {
			t.Errorf("a second pass sent %d, want 0", n)
		}

		// A later audited change of the event queues an update (a PUT).
		if _, err := w.ev.AddAddendum(w.hctx(), w.a.ID, e.ID, "The second dose was omitted from the chart."); err != nil {
			t.Fatal(err)
		}
		if s := w.sub(t, e.ID); s.Status != lfpse.Pending || s.Op != "update" {
			t.Fatalf("after a change: %+v, want a pending update", s)
		}
		if n := once(t, b); n != 1 {
			t.Fatalf("sent %d updates, want 1", n)
		}
		got = w.svc.Received()
		if len(got) != 2 || got[1].Method != "PUT" || !strings.HasSuffix(got[1].Path, "/AdverseEvent/"+rec.ID) {
			t.Fatalf("received %+v, want a PUT of /AdverseEvent/%s second", got, rec.ID)
		}
		fhirtest.Validate(t, got[1].Body)
		if r := w.svc.Records()[e.ID]; r.Creates != 1 || r.Updates != 1 {
			t.Errorf("national record %+v, want made once and updated once", r)
		}
		if s := w.sub(t, e.ID); s.Status != lfpse.Sent || s.NationalRef != rec.Ref {
			t.Errorf("after the update: %+v, want sent with the same reference", s)
		}
	})
}

func TestRefusalInWordsThenRetryNow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		e := w.ready(t, "Warfarin given twice")
		w.svc.Then(lfpsetest.Answer{Kind: lfpsetest.Refuse, Outcome: lfpsetest.Refusal})
		b := w.outbox(lfpse.Options{})
		once(t, b)
		s := w.sub(t, e.ID)
		if s.Status != lfpse.Failed || s.LastError != "What happened: description is required." {
			t.Fatalf("after a refusal: status %s, error %q; want failed with the question's words", s.Status, s.LastError)
		}
		if err := w.q.Retry(context.Background(), w.b.ID, e.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another organisation's retry: %v, want NotFound", err)
		}
		if err := w.q.Retry(context.Background(), w.a.ID, e.ID); err != nil {
			t.Fatal(err)
		}
		if s := w.sub(t, e.ID); s.Status != lfpse.Pending || s.Attempts != 0 {
			t.Errorf("after retry now: %+v, want pending with fresh attempts", s)
		}
		if n := once(t, b); n != 1 {
			t.Fatalf("sent %d after retry, want 1", n)
		}
		if err := w.q.Retry(context.Background(), w.a.ID, e.ID); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("retrying a sent event: %v, want Conflict", err)
		}
		st2, err := w.q.Stats(context.Background(), w.a.ID)
		if err != nil || st2.Sent != 1 || st2.Failed != 0 || st2.Pending != 0 {
			t.Errorf("stats %+v (%v), want 1 sent", st2, err)
		}
	})
}

func TestTimeoutDownAnd5xxAreTriedAgainWithGrowingBackoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		e := w.ready(t, "Warfarin given twice")
		w.svc.Then(lfpsetest.Answer{Kind: lfpsetest.ServerError}, lfpsetest.Answer{Kind: lfpsetest.Down}, lfpsetest.Answer{Kind: lfpsetest.Timeout})
		b := lfpse.NewOutbox(st, lfpse.NewClient(w.svc.URL, w.svc.Key, w.system, 300*time.Millisecond), lfpse.FHIREncoder{Config: fhir.DefaultConfig()}, lfpse.Options{Logger: quiet, System: w.system})
		words := []string{"The national service had a problem (HTTP 503)", "The national service could not be reached", "The national service did not answer in time"}
		for i, want := range words {
			if n := once(t, b); n != 0 {
				t.Fatalf("attempt %d sent %d, want 0", i+1, n)
			}
			s := w.sub(t, e.ID)
			wait := s.NextAttemptAt.Sub(w.clock.now())
			if s.Status != lfpse.Pending || s.Attempts != i+1 || s.LastError != want || wait <= 0 || wait > time.Minute<<i {
				t.Fatalf("after attempt %d: %+v (wait %s); want pending, error %q, a wait up to %s", i+1, s, wait, want, time.Minute<<i)
			}
			if n := once(t, b); n != 0 {
				t.Fatalf("a submission waiting for its next attempt was sent")
			}
			w.clock.advance(wait)
		}
		if n := once(t, b); n != 1 {
			t.Fatalf("sent %d once the service is back, want 1", n)
		}
		// The wait's limit doubles with each attempt, up to MaxDelay; full
		// jitter draws below it, so the mean of many draws grows too.
		mean := func(attempts int) time.Duration {
			var sum time.Duration
			for range 400 {
				d := lfpse.Backoff(b, attempts)
				if d > time.Minute<<attempts || d > time.Hour {
					t.Fatalf("backoff after %d attempts %s, above its limit", attempts, d)
				}
				sum += d
			}
			return sum / 400
		}
		m0, m3, m10 := mean(0), mean(3), mean(10)
		if !(m0 < m3 && m3 < m10) || m10 > time.Hour {
			t.Errorf("mean backoff after 0, 3, 10 attempts: %s, %s, %s; want growing, capped at an hour", m0, m3, m10)
		}
	})
}

func TestRuleQueuesClosedEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		if r, err := w.q.Rule(context.Background(), w.a.ID); err != nil || r != lfpse.Manual {
			t.Fatalf("default rule %q (%v), want manual", r, err)
		}
		if err := w.q.SetRule(w.hctx(), w.a.ID, "often"); apperr.FieldsOf(err)["auto_queue"] == "" {
			t.Errorf("unknown rule: %v, want a message on auto_queue", err)
		}
		e1 := w.report(t, "Closed before the rule")
		close := func(e eventsdb.Event) {
			t.Helper()
			e, err := w.ev.Get(context.Background(), w.a.ID, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.ev.SetStatus(w.hctx(), w.a.ID, e.ID, eventsdb.StatusInput{Version: e.Version, Status: events.Closed, LearningSummary: "Double-check added"}); err != nil {
				t.Fatalf("close: %v (%v)", err, apperr.FieldsOf(err))
			}
		}
		close(e1)
		if _, err := w.q.Get(context.Background(), w.a.ID, e1.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("closed under the manual rule: %v, want not queued", err)
		}
		if err := w.q.SetRule(w.hctx(), w.a.ID, lfpse.WhenClosed); err != nil {
			t.Fatal(err)
		}
		e2 := w.report(t, "Closed under the rule")
		close(e2)
		if s := w.sub(t, e2.ID); s.Status != lfpse.Pending || s.ReadyBy != "rule" {
			t.Errorf("closed under the rule: %+v, want queued by the rule", s)
		}
		if f := storetest.Findings(t, st); len(f) > 0 {
			t.Errorf("deep audit check: %q, want none", f)
		}
	})
}

// A change while the event is being sent waits for the send in flight,
// then goes as an update: never two sends of one event at once.
func TestChangeWhileInFlightWaits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		e := w.ready(t, "Warfarin given twice")
		b := w.outbox(lfpse.Options{})
		var midErr error
		w.svc.Then(lfpsetest.Answer{Kind: lfpsetest.Accept, Stored: func() {
			_, midErr = w.ev.AddAddendum(w.hctx(), w.a.ID, e.ID, "Added while it was being sent")
			// A second worker finds nothing to take while it is in flight.
			if n, err := w.outbox(lfpse.Options{Worker: "second"}).Once(context.Background()); n != 0 || err != nil {
				midErr = fmt.Errorf("second worker sent %d (%v) while the first was sending", n, err)
			}
		}})
		if n := once(t, b); n != 2 {
			t.Fatalf("sent %d in one pass, want the create and then the update", n)
		}
		if midErr != nil {
			t.Fatal(midErr)
		}
		got := w.svc.Received()
		if len(got) != 2 || got[0].Method != "POST" || got[1].Method != "PUT" {
			t.Fatalf("received %d requests %+v, want a POST then a PUT", len(got), got)
		}
		if s := w.sub(t, e.ID); s.Status != lfpse.Sent || s.Again {
			t.Errorf("after both: %+v, want sent", s)
		}
	})
}

// Every event reaches the national service exactly once across a crash
// of the workers in the middle of a run, with leases held.
func TestExactlyOnceAcrossAForcedRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		var ids []string
		for i := range 12 {
			e := w.report(t, fmt.Sprintf("Event %d", i))
			if _, err := w.q.MarkReady(w.hctx(), w.a.ID, e.ID); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, e.ID)
		}
		ctx, kill := context.WithCancel(context.Background())
		first := w.outbox(lfpse.Crashing(lfpse.Options{Worker: "first", Batch: 5, Lease: time.Minute}))
		// The fourth create is stored by the service, and the process is
		// killed before it hears the answer.
		w.svc.Then(lfpsetest.Answer{}, lfpsetest.Answer{}, lfpsetest.Answer{}, lfpsetest.Answer{Stored: kill})
		n, err := first.Once(ctx)
		if err == nil || n != 3 {
			t.Fatalf("first worker: sent %d (%v), want 3 then killed", n, err)
		}
		var held int
		if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM lfpse_submissions WHERE status = 'sending' AND locked_by = 'first'`).Scan(&held); err != nil || held != 2 {
			t.Fatalf("leases held by the killed worker: %d (%v), want 2", held, err)
		}
		second := w.outbox(lfpse.Options{Worker: "second", Batch: 5, Lease: time.Minute})
		if n := once(t, second); n != 7 {
			t.Fatalf("new worker before the leases end sent %d, want the 7 never claimed", n)
		}
		w.clock.advance(time.Minute + time.Second)
		if n := once(t, second); n != 2 {
			t.Fatalf("new worker after the leases ended sent %d, want the 2 the killed worker held", n)
		}
		recs := w.svc.Records()
		if len(recs) != len(ids) {
			t.Errorf("national records %d, want %d", len(recs), len(ids))
		}
		for _, id := range ids {
			r, ok := recs[id]
			s := w.sub(t, id)
			if !ok || r.Creates != 1 || r.Updates != 0 || s.Status != lfpse.Sent || s.NationalRef != r.Ref {
				t.Errorf("event %s: national %+v, submission %+v; want one record, its reference stored", id, r, s)
			}
		}
	})
}

// Two workers on one database send no event twice.
func TestTwoWorkersSendNoEventTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		const n = 40
		for i := range n {
			e := w.report(t, fmt.Sprintf("Event %d", i))
			if _, err := w.q.MarkReady(w.hctx(), w.a.ID, e.ID); err != nil {
				t.Fatal(err)
			}
		}
		w.svc.Always(lfpsetest.Answer{Delay: 3 * time.Millisecond})
		var wg sync.WaitGroup
		sent := make([]int, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := w.outbox(lfpse.Options{Worker: fmt.Sprintf("w%d", i), Batch: 3})
				for range 50 {
					k, err := b.Once(context.Background())
					if err != nil {
						t.Errorf("worker %d: %v", i, err)
						return
					}
					sent[i] += k
				}
			}()
		}
		wg.Wait()
		posts := map[string]int{}
		for _, r := range w.svc.Received() {
			if r.Method == http.MethodPost {
				posts[r.Identifier]++
			}
		}
		if len(posts) != n || sent[0]+sent[1] != n {
			t.Errorf("%d events posted, workers sent %v; want %d in all", len(posts), sent, n)
		}
		for id, k := range posts {
			if k != 1 {
				t.Errorf("event %s posted %d times, want once", id, k)
			}
		}
		if st.Engine() == "postgres" && (sent[0] == 0 || sent[1] == 0) {
			t.Logf("one worker sent all (%v): the two did not overlap this run", sent)
		}
	})
}

// An anonymous report goes with the LFPSE Anonymous flag and no identity
// of the reporter; a staff report with the flag false, still without a
// name or a clinsafe user id.
func TestAnonymousReportsGoWithoutIdentity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		named := w.report(t, "Named report")
		rec := events.Record{Type: events.Incident, Answers: events.Answers{
			events.AnsDescription: {"Anonymous report"}, events.AnsWhenKind: {"exact"},
			events.AnsDate: {"2026-11-23"}, events.AnsTime: {"08:40"}, events.AnsLocation: {"Ward 7"}, events.AnsServiceArea: {"acute"},
			events.AnsAgents: {events.AgentMedication}, events.AnsPatientsSaid: {"y"}, events.AnsConcern: {"4"}, events.AnsReporterRole: {"nurse"},
			events.AnsDataSharing: {events.DataShare},
		}, Groups: map[string][]events.Answers{
			events.GroupPatients:  {{events.PatPhysical: {"4"}, events.PatPsych: {"4"}, events.PatAssociation: {"5"}}},
			events.GroupMedicines: {{"name": {"Warfarin"}}},
		}}
		anon, _, err := w.ev.ReportAnonymous(storetest.As(w.nurse), w.a.ID, rec)
		if err != nil {
			t.Fatalf("ReportAnonymous: %v (%v)", err, apperr.FieldsOf(err))
		}
		for _, id := range []string{named.ID, anon.ID} {
			if _, err := w.q.MarkReady(w.hctx(), w.a.ID, id); err != nil {
				t.Fatal(err)
			}
		}
		if n := once(t, w.outbox(lfpse.Options{})); n != 2 {
			t.Fatalf("sent %d, want 2", n)
		}
		flag := func(body []byte) string {
			s := string(body)
			i := strings.Index(s, `"url":"Anonymous"`)
			if i < 0 {
				return "absent"
			}
			return s[i : i+strings.Index(s[i:], "}")]
		}
		for _, r := range w.svc.Received() {
			body := string(r.Body)
			if strings.Contains(body, w.nurse.ID) || strings.Contains(body, w.nurse.Name) || strings.Contains(body, w.nurse.Email) {
				t.Errorf("submission of %s carries the reporter's identity", r.Identifier)
			}
			want := `"url":"Anonymous","valueBoolean":false`
			if r.Identifier == anon.ID {
				want = `"url":"Anonymous","valueBoolean":true`
			}
			if got := flag(r.Body); got != want {
				t.Errorf("submission of %s: Anonymous %s, want %s", r.Identifier, got, want)
			}
		}
	})
}

// A reporter who opted out of data sharing has the report sent all the
// same (LFPSE requires it) with DataSharingOptOut true; one who agreed,
// and one whose report predates the question, with false (the LFPSE
// default). An anonymous opted-out report still carries no identity.
func TestDataSharingOptOutReachesTheService(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		shares := w.report(t, "Agreed to share")
		rec := func(desc, sharing string) events.Record {
			r := events.Record{Type: events.Incident, Answers: events.Answers{
				events.AnsDescription: {desc}, events.AnsWhenKind: {"today"}, events.AnsLocation: {"Ward 7"}, events.AnsServiceArea: {"acute"},
				events.AnsAgents: {"10"}, events.AnsPatientsSaid: {"n"}, events.AnsConcern: {"4"}, events.AnsDataSharing: {sharing},
			}}
			return r
		}
		optedOut, err := w.ev.Report(storetest.As(w.nurse), w.a.ID, rec("Opted out", events.DataOptOut), eventsdb.Submission{Audience: events.Staff, ReporterID: w.nurse.ID})
		if err != nil {
			t.Fatalf("Report: %v (%v)", err, apperr.FieldsOf(err))
		}
		anon, _, err := w.ev.ReportAnonymous(storetest.As(w.nurse), w.a.ID, rec("Opted out, anonymous", events.DataOptOut))
		if err != nil {
			t.Fatalf("ReportAnonymous: %v (%v)", err, apperr.FieldsOf(err))
		}
		public, _, err := w.ev.ReportPublic(context.Background(), w.a.ID, func() events.Record {
			r := rec("Opted out, public", events.DataOptOut)
			delete(r.Answers, events.AnsServiceArea)
			r.Answers[events.AnsReporterType] = []string{"patient"}
			return r
		}())
		if err != nil {
			t.Fatalf("ReportPublic: %v (%v)", err, apperr.FieldsOf(err))
		}
		// A record reported before the question has no answer.
		old := w.report(t, "Reported before the question")
		delete(old.Record.Answers, events.AnsDataSharing)
		b, err := json.Marshal(old.Record)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.SQL().Exec(`UPDATE events SET record = $1 WHERE id = $2`, string(b), old.ID); err != nil {
			t.Fatal(err)
		}
		for _, e := range []eventsdb.Event{shares, optedOut, anon, public, old} {
			if _, err := w.q.MarkReady(w.hctx(), w.a.ID, e.ID); err != nil {
				t.Fatalf("marking %s ready: %v", e.Ref, err)
			}
		}
		if n := once(t, w.outbox(lfpse.Options{})); n != 5 {
			t.Fatalf("sent %d, want 5: an opted-out report is still submitted", n)
		}
		want := map[string][2]bool{ // id: opt-out, anonymous
			shares.ID: {false, false}, optedOut.ID: {true, false}, anon.ID: {true, true}, public.ID: {true, true}, old.ID: {false, false},
		}
		got := map[string]bool{}
		for _, r := range w.svc.Received() {
			got[r.Identifier] = true
			wt, ok := want[r.Identifier]
			if !ok {
				t.Errorf("unexpected submission %s", r.Identifier)
				continue
			}
			if r.DataSharingOptOut != wt[0] || r.Anonymous != wt[1] {
				t.Errorf("submission of %s: DataSharingOptOut %v Anonymous %v, want %v %v", r.Identifier, r.DataSharingOptOut, r.Anonymous, wt[0], wt[1])
			}
			if r.Identified || strings.Contains(string(r.Body), w.nurse.ID) || strings.Contains(string(r.Body), w.nurse.Name) {
				t.Errorf("submission of %s carries the reporter's identity", r.Identifier)
			}
		}
		if len(got) != len(want) {
			t.Errorf("service received %d records, want %d", len(got), len(want))
		}
	})
}
