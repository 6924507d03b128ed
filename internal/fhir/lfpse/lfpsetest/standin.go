// Package lfpsetest is a STAND-IN for the national Learn from Patient
// Safety Events (LFPSE) service, for tests only: an in-process HTTP
// server that behaves as the published submission API does as far as
// clinsafe relies on it. It is not the national service and says nothing
// about it beyond what its tests assume: it takes AdverseEvent POSTs
// (conditional on If-None-Exist by identifier) and PUTs by id (the body carrying that id), checks the
// Ocp-Apim-Subscription-Key header, and answers with the stored resource
// carrying a logical id and a reference number, or with an
// OperationOutcome.
//
// Each test programs it: Then queues answers for the next requests
// (Accept, Refuse, Timeout, ServerError, Down), and Received and Records
// say what it was sent and what it holds, so a test can assert that each
// event reached it exactly once.
package lfpsetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/fhir/lfpse"
)

// Kind is what the stand-in does with a request.
type Kind int

const (
	// Accept stores the record (or finds it) and answers 201/200.
	Accept Kind = iota
	// Refuse answers 422 with the Answer's OperationOutcome.
	Refuse
	// Timeout holds the request without answering until the client
	// gives up (or Answer.Delay passes, then accepts).
	Timeout
	// ServerError answers 503.
	ServerError
	// Down drops the connection without an answer, as a service that is
	// down does.
	Down
)

// Answer is one programmed answer.
type Answer struct {
	Kind Kind
	// Outcome is the OperationOutcome JSON of a Refuse.
	Outcome string
	// Delay: for Timeout, how long to hold the request before accepting
	// (0: until the client goes away); for Accept, a wait before storing.
	Delay time.Duration
	// Stored, for Accept, is called once the record is stored and before
	// the answer is written (tests stop workers here).
	Stored func()
}

// Received is one request the stand-in was sent.
type Received struct {
	Method, Path, Key, IfNoneExist string
	// Identifier is the clinsafe event id the body carries.
	Identifier string
	Body       []byte
	// Anonymous and DataSharingOptOut are the reporter's LFPSE flags the
	// body carries; Identified is set when its reporter (the contained
	// Practitioner) has an identifier or a name.
	Anonymous, DataSharingOptOut, Identified bool
	// Answered is what the stand-in did.
	Answered Kind
}

// Record is a national record the stand-in holds.
type Record struct {
	ID, Ref    string
	Identifier string
	// Creates counts the records the service holds for the identifier
	// (more than 1 is a duplicate submission), Updates the PUTs.
	Creates, Updates int
	Body             []byte
}

// StandInService is the stand-in national service.
type StandInService struct {
	// URL is the FHIR base to configure as the LFPSE base URL.
	URL string
	// Key is the subscription key it expects.
	Key string

	srv      *httptest.Server
	mu       sync.Mutex
	answers  []Answer
	fallback Answer
	received []Received
	records  map[string]*Record // by national id
	byIdent  map[string]string  // identifier -> national id
	seq      int
}

// Refusal is an OperationOutcome refusing a record for a missing
// description, for tests.
const Refusal = `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"required",` +
	`"details":{"text":"Description is required."},"expression":["AdverseEvent.description"]}]}`

// New starts a stand-in national service for t, closed when t ends.
func New(t testing.TB) *StandInService {
	s := &StandInService{Key: "stand-in-subscription-key", records: map[string]*Record{}, byIdent: map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/adverse-event/fhir"
	t.Cleanup(s.srv.Close)
	return s
}

// Then queues answers for the next requests, in order; after them every
// request gets the fallback (Accept unless Always changed it).
func (s *StandInService) Then(as ...Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers = append(s.answers, as...)
}

// Always sets the answer to every request once the queued ones are used.
func (s *StandInService) Always(a Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fallback = a
}

// DownFor drops the next n requests, as a service down for a while.
func (s *StandInService) DownFor(n int) {
	for range n {
		s.Then(Answer{Kind: Down})
	}
}

// Received returns a copy of every request received, in order.
func (s *StandInService) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Records returns the records held, by the clinsafe identifier they
// carry.
func (s *StandInService) Records() map[string]Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]Record{}
	n := map[string]int{}
	for _, r := range s.records {
		n[r.Identifier]++
		if _, seen := out[r.Identifier]; !seen || r.ID < out[r.Identifier].ID {
			out[r.Identifier] = *r
		}
	}
	for id, r := range out {
		r.Creates = n[id] // a second record of one event counts here
		out[id] = r
	}
	return out
}

func (s *StandInService) next() Answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.answers) > 0 {
		a := s.answers[0]
		s.answers = s.answers[1:]
		return a
	}
	return s.fallback
}

func (s *StandInService) note(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = append(s.received, r)
}

func writeOutcome(w http.ResponseWriter, status int, code, text string) {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"resourceType": "OperationOutcome", "issue": []any{map[string]any{
		"severity": "error", "code": code, "details": map[string]string{"text": text}}}})
	_, _ = w.Write(b)
}

// reporter is what the stand-in reads of a contained resource: of the
// reporter (a Practitioner), its identity and its flags.
type reporter struct {
	ResourceType string            `json:"resourceType"`
	Identifier   []json.RawMessage `json:"identifier"`
	Name         []json.RawMessage `json:"name"`
	Extension    []struct {
		Extension []struct {
			URL          string `json:"url"`
			ValueBoolean *bool  `json:"valueBoolean"`
		} `json:"extension"`
	} `json:"extension"`
}

func (s *StandInService) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	rec := Received{Method: r.Method, Path: r.URL.Path, Key: r.Header.Get("Ocp-Apim-Subscription-Key"), IfNoneExist: r.Header.Get("If-None-Exist"), Body: body}
	var res struct {
		ResourceType string          `json:"resourceType"`
		ID           string          `json:"id"`
		Identifier   json.RawMessage `json:"identifier"`
		Contained    []reporter      `json:"contained"`
	}
	_ = json.Unmarshal(body, &res)
	for _, c := range res.Contained {
		if c.ResourceType != "Practitioner" {
			continue
		}
		rec.Identified = rec.Identified || len(c.Identifier) > 0 || len(c.Name) > 0
		for _, e := range c.Extension {
			for _, f := range e.Extension {
				switch {
				case f.ValueBoolean == nil:
				case f.URL == "Anonymous":
					rec.Anonymous = *f.ValueBoolean
				case f.URL == "DataSharingOptOut":
					rec.DataSharingOptOut = *f.ValueBoolean
				}
			}
		}
	}
	for _, id := range lfpse.Identifiers(res.Identifier) {
		if strings.HasSuffix(id.System, "/fhir/events") {
			rec.Identifier = id.Value
		}
	}
	a := s.next()
	rec.Answered = a.Kind
	s.note(rec)
	switch a.Kind {
	case Down:
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case ServerError:
		writeOutcome(w, http.StatusServiceUnavailable, "transient", "The service is temporarily unavailable")
		return
	case Refuse:
		w.Header().Set("Content-Type", "application/fhir+json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = io.WriteString(w, a.Outcome)
		return
	case Timeout:
		if a.Delay == 0 {
			<-r.Context().Done()
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(a.Delay):
		}
	case Accept:
		if a.Delay > 0 {
			time.Sleep(a.Delay)
		}
	}
	if rec.Key != s.Key {
		writeOutcome(w, http.StatusUnauthorized, "security", "Access denied due to invalid subscription key")
		return
	}
	if res.ResourceType != "AdverseEvent" || rec.Identifier == "" {
		writeOutcome(w, http.StatusBadRequest, "structure", "The body must be an AdverseEvent with clinsafe's identifier")
		return
	}
	// FHIR update: the body carries the id of the URL.
	if r.Method == http.MethodPut && res.ID != r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:] {
		writeOutcome(w, http.StatusBadRequest, "invalid", "The resource id must match the id in the URL")
		return
	}
	status, stored := s.store(r, rec, body)
	if stored == nil {
		writeOutcome(w, status, "not-found", "No such record")
		return
	}
	if a.Stored != nil {
		a.Stored()
	}
	out := map[string]any{}
	_ = json.Unmarshal(stored.Body, &out)
	out["id"] = stored.ID
	// The national reference number replaces the submitted identifier
	// (R4's AdverseEvent has one).
	out["identifier"] = map[string]string{"system": lfpse.NationalRefSystem, "value": stored.Ref}
	b, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// store creates, finds (conditional create) or updates the record.
func (s *StandInService) store(r *http.Request, rec Received, body []byte) (int, *Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/AdverseEvent"):
		if q, err := url.ParseQuery(rec.IfNoneExist); err == nil && q.Get("identifier") != "" {
			_, value, _ := strings.Cut(q.Get("identifier"), "|")
			if id, ok := s.byIdent[value]; ok {
				return http.StatusOK, s.records[id]
			}
		}
		s.seq++
		id := fmt.Sprintf("ae-%06d", s.seq)
		nr := &Record{ID: id, Ref: fmt.Sprintf("LFPSE-%08d", 10_000_000+s.seq), Identifier: rec.Identifier, Creates: 1, Body: body}
		s.records[id], s.byIdent[rec.Identifier] = nr, id
		return http.StatusCreated, nr
	case r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/AdverseEvent/"):
		id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		nr := s.records[id]
		if nr == nil {
			return http.StatusNotFound, nil
		}
		nr.Updates++
		nr.Body = body
		return http.StatusOK, nr
	}
	return http.StatusNotFound, nil
}
