package lfpse_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// The subscription key goes to the configured service only: a redirect
// is not followed (it is a failure worth trying again), so the key never
// reaches the host redirected to. Before, the client followed redirects
// and Go forwards a custom header such as Ocp-Apim-Subscription-Key to
// any host, so a redirect handed the key to another host.
func TestClientDoesNotSendTheKeyOnARedirect(t *testing.T) {
	var mu sync.Mutex
	var leaked []string
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		leaked = append(leaked, r.Header.Get("Ocp-Apim-Subscription-Key"))
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"resourceType":"AdverseEvent","id":"x"}`)
	}))
	defer elsewhere.Close()
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer svc.Close()
	c := lfpse.NewClient(svc.URL, "secret-subscription-key", "https://clinsafe.example/fhir/events", 2*time.Second)
	_, err := c.Send(context.Background(), lfpse.Request{EventID: "e1", Body: []byte(`{"resourceType":"AdverseEvent"}`)})
	var te *lfpse.TransientError
	if !errors.As(err, &te) {
		t.Errorf("a redirect: %v, want a failure worth trying again", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, k := range leaked {
		if k != "" {
			t.Errorf("the host redirected to received the subscription key %q", k)
		}
	}
}

// An update that the service accepts without saying the reference
// number again keeps the one the create returned. Before, the answer's
// logical id was taken as the reference when none was given, so the
// national reference number shown to handlers was overwritten by the
// record's id.
func TestUpdateAnswerWithoutReferenceKeepsIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		e := w.ready(t, "Warfarin given twice")
		svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/fhir+json")
			if r.Method == http.MethodPost {
				w.WriteHeader(http.StatusCreated)
				_, _ = io.WriteString(w, `{"resourceType":"AdverseEvent","id":"ae-1","identifier":{"system":"`+lfpse.NationalRefSystem+`","value":"LFPSE-123"}}`)
				return
			}
			// The update's answer carries only clinsafe's identifier.
			_, _ = io.WriteString(w, `{"resourceType":"AdverseEvent","id":"ae-1","identifier":{"system":"https://clinsafe.example.nhs.uk/fhir/events","value":"x"}}`)
		}))
		defer svc.Close()
		b := lfpse.NewOutbox(st, lfpse.NewClient(svc.URL, "k", w.system, 2*time.Second), lfpse.FHIREncoder{Config: fhir.DefaultConfig()},
			lfpse.Options{Logger: quiet, System: w.system})
		once(t, b)
		if s := w.sub(t, e.ID); s.NationalRef != "LFPSE-123" {
			t.Fatalf("after the create: reference %q, want LFPSE-123", s.NationalRef)
		}
		if _, err := w.ev.AddAddendum(w.hctx(), w.a.ID, e.ID, "The second dose was omitted from the chart."); err != nil {
			t.Fatal(err)
		}
		if n := once(t, b); n != 1 {
			t.Fatalf("sent %d updates, want 1", n)
		}
		if s := w.sub(t, e.ID); s.Status != lfpse.Sent || s.NationalRef != "LFPSE-123" || s.NationalID != "ae-1" {
			t.Errorf("after the update: %+v, want sent with reference LFPSE-123 kept", s)
		}
	})
}
