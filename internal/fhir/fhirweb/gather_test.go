package fhirweb_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirweb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// A create waiting for its batch to be written holds none of the places
// of the requests served at once: more creates than there are places all
// queue for one batch, and meanwhile a read is served at once. Each is
// then stored once and answered with its own event.
func TestFHIRCreatesWaitingToBeWrittenHoldNoPlace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := newClient(t, f, "A/handler", "AdverseEvent.read", "AdverseEvent.write")
		n := web.MaxActive() + 10
		before := eventCount(t, st, f.OrgA)
		release, answered := queueHeldCreates(t, c, n)
		read := readMetadata(c)
		select {
		case code := <-read:
			if code != 200 {
				t.Errorf("metadata while the creates wait: %d", code)
			}
		case <-time.After(10 * time.Second):
			t.Error("a read waited behind the creates queued for their batch")
		}
		release()
		answered()
		if got := eventCount(t, st, f.OrgA) - before; got != n {
			t.Errorf("%d events stored, want %d", got, n)
		}
	})
}

// Only so many creates wait for their batch without a place: the rest
// wait in theirs, so that a flood of creates is held to the places, and a
// read waits for a place to come free.
func TestFHIRCreatesWithoutAPlaceAreBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := newClient(t, f, "A/handler", "AdverseEvent.read", "AdverseEvent.write")
		const placeless = 3
		fhirweb.SetCreatePlaceless(t, placeless)
		// The client checks each answer against the FHIR schema, which it
		// loads on first use: so that a read served at once is seen at
		// once, the first read is made before the creates.
		if code, _, b := c.do("GET", "/metadata", ""); code != 200 {
			t.Fatalf("metadata: %d %.300s", code, b)
		}
		release, answered := queueHeldCreates(t, c, web.MaxActive()+placeless)
		read := readMetadata(c)
		select {
		case code := <-read:
			release()
			answered()
			t.Fatalf("metadata was served (%d) while every place was held by a create", code)
		case <-time.After(time.Second):
		}
		release()
		answered()
		select {
		case code := <-read:
			if code != 200 {
				t.Errorf("metadata after the creates: %d", code)
			}
		case <-time.After(10 * time.Second):
			t.Error("metadata was not served after the creates were written")
		}
	})
}

// readMetadata reads /metadata as c, in a goroutine of its own, and
// gives its status on the channel returned.
func readMetadata(c *client) <-chan int {
	read := make(chan int, 1)
	go func() {
		code, _, _ := c.do("GET", "/metadata", "")
		read <- code
	}()
	return read
}

// queueHeldCreates sends n creates while the writers are held, and
// returns once all n are queued. release lets the writers go; answered
// waits for the n answers and checks that each create was answered 201
// with its own, distinct event.
func queueHeldCreates(t *testing.T, c *client, n int) (release func(), answered func()) {
	t.Helper()
	queued, release := fhirweb.HoldCreates(t)
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		body := incident(t, fmt.Sprintf("More than the places %d", i))
		wg.Go(func() {
			code, hdr, b := c.do("POST", "/AdverseEvent", body)
			answers[i] = answer{code, hdr, b}
		})
	}
	for deadline := time.Now().Add(20 * time.Second); queued() < n; {
		if time.Now().After(deadline) {
			q := queued()
			release()
			wg.Wait()
			t.Fatalf("%d creates queued, want all %d (the server serves %d requests at once)", q, n, web.MaxActive())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return release, func() {
		t.Helper()
		wg.Wait()
		ids := map[string]bool{}
		for i, a := range answers {
			m := locRE.FindStringSubmatch(a.hdr.Get("Location"))
			if a.code != 201 || m == nil || !strings.Contains(string(a.body), fmt.Sprintf("More than the places %d\"", i)) {
				t.Fatalf("create %d: %d %q %.300s", i, a.code, a.hdr.Get("Location"), a.body)
			}
			ids[m[1]] = true
		}
		if len(ids) != n {
			t.Errorf("%d distinct events made, want %d", len(ids), n)
		}
	}
}

// A writer with a create queued waits for the creates on their way (their
// requests begun, not yet mapped), and writes them in the same
// transaction; it stops waiting as soon as one turns away (a bad body, or
// an anonymous report, which is written alone), and a create when all is
// quiet is written at once. The wait here is a minute, so that a wrong
// wait shows as an answer that does not come.
func TestFHIRCreatesWaitForThoseOnTheirWay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := newClient(t, f, "A/handler", "AdverseEvent.read", "AdverseEvent.write")
		fhirweb.SetCreateGather(t, time.Minute)
		const soon = 20 * time.Second
		send := func(body string) chan answer {
			ch := make(chan answer, 1)
			go func() {
				code, hdr, b := c.do("POST", "/AdverseEvent", body)
				ch <- answer{code, hdr, b}
			}()
			return ch
		}
		within := func(what string, ch chan answer, want int) answer {
			t.Helper()
			select {
			case a := <-ch:
				if a.code != want {
					t.Fatalf("%s: %d %.300s; want %d", what, a.code, a.body, want)
				}
				return a
			case <-time.After(soon):
				t.Fatalf("%s: no answer in %s", what, soon)
			}
			return answer{}
		}

		t0, txs := time.Now(), fhirweb.CreateTxs()
		within("a create alone", send(incident(t, "Quiet")), 201)
		if el := time.Since(t0); el > soon {
			t.Errorf("a create alone took %s", el)
		}
		if got := fhirweb.CreateTxs() - txs; got != 1 {
			t.Errorf("a create alone made %d transactions, want 1", got)
		}

		// on holds each create whose body holds a marker, on its way,
		// until its channel is closed; held tells when one is held.
		var mu sync.Mutex
		on := map[string]chan struct{}{}
		held := make(chan string, 4)
		fhirweb.OnMapping(t, func(body []byte) {
			mu.Lock()
			var wait chan struct{}
			var marker string
			for m, ch := range on {
				if strings.Contains(string(body), m) {
					wait, marker = ch, m
				}
			}
			mu.Unlock()
			if wait != nil {
				held <- marker
				<-wait
			}
		})
		hold := func(marker string) (letGo func()) {
			mu.Lock()
			defer mu.Unlock()
			ch := make(chan struct{})
			on[marker] = ch
			letGo = sync.OnceFunc(func() {
				mu.Lock()
				delete(on, marker)
				mu.Unlock()
				close(ch)
			})
			t.Cleanup(letGo) // a test that failed lets it go, so that its server can close
			return letGo
		}
		// first sends later's body, holds it on its way, then sends a
		// plain create, which must not be written while later is held.
		first := func(what, later string) (chan answer, chan answer, func()) {
			t.Helper()
			letGo := hold(what)
			b := send(later)
			if got := <-held; got != what {
				t.Fatalf("held %q, want %q", got, what)
			}
			a := send(incident(t, "Queued while another is held"))
			select {
			case ans := <-a:
				t.Fatalf("a create was written while %q was on its way: %d %.200s", what, ans.code, ans.body)
			case <-time.After(300 * time.Millisecond):
			}
			return a, b, letGo
		}

		txs = fhirweb.CreateTxs()
		a, b, letGo := first("Second on its way", incident(t, "Second on its way"))
		letGo()
		within("the create queued first", a, 201)
		within("the create on its way", b, 201)
		if got := fhirweb.CreateTxs() - txs; got != 1 {
			t.Errorf("the two creates were written in %d transactions, want 1", got)
		}

		for _, x := range []struct {
			what, body string
			want       int
		}{
			{"Turned away", `{"resourceType":"AdverseEvent","description":"Turned away","status":`, http.StatusBadRequest},
			{"Anonymous on its way", incidentAs(t, "Anonymous on its way", fhir.EventInput{Anonymous: true}), 201},
		} {
			a, b, letGo := first(x.what, x.body)
			letGo()
			within(x.what, b, x.want)
			within("the create queued while "+x.what+" was held", a, 201)
		}
	})
}
