package fhirweb_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirtest"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// client speaks FHIR to the fixture's server with a token.
type client struct {
	t     *testing.T
	base  string
	token string
	// serverErrors lets a test see a 5xx it caused on purpose, rather
	// than fail on it.
	serverErrors bool
}

func token(t *testing.T, f *webtest.Fixture, key string, scopes ...string) string {
	t.Helper()
	u := f.Users[key]
	org := f.OrgA
	if strings.HasPrefix(key, "B/") {
		org = f.OrgB
	}
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test", Operator: true})
	_, secret, err := f.St.CreateScopedToken(ctx, org.ID, u.ID, "FHIR test "+key, nil, scopes, nil)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func newClient(t *testing.T, f *webtest.Fixture, key string, scopes ...string) *client {
	return &client{t: t, base: f.Srv.URL + "/fhir/R4", token: token(t, f, key, scopes...)}
}

// do sends a request and returns the status, the headers and the body,
// which must be a valid R4 resource whenever there is one.
func (c *client) do(method, path, body string, hdr ...string) (int, http.Header, []byte) {
	c.t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = c.base + path
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	req.Header.Set("Accept", "application/fhir+json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 500 && !c.serverErrors {
		c.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if len(b) > 0 {
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
			c.t.Fatalf("%s %s: Content-Type %q, body %.300s", method, path, ct, b)
		}
		fhirtest.Validate(c.t, b)
	}
	return resp.StatusCode, resp.Header, b
}

// outcome reads an OperationOutcome and returns its expressions.
func outcome(t *testing.T, b []byte) []string {
	t.Helper()
	var o fhir.OperationOutcome
	if err := json.Unmarshal(b, &o); err != nil || o.ResourceType != "OperationOutcome" || len(o.Issue) == 0 {
		t.Fatalf("not an OperationOutcome: %s", b)
	}
	var out []string
	for _, i := range o.Issue {
		out = append(out, i.Expression...)
	}
	return out
}

func decodeAE(t *testing.T, b []byte) fhir.AdverseEvent {
	t.Helper()
	var ae fhir.AdverseEvent
	if err := fhir.Decode(b, &ae); err != nil {
		t.Fatalf("decode AdverseEvent: %v\n%s", err, b)
	}
	return ae
}

func decodeBundle(t *testing.T, b []byte) fhir.Bundle {
	t.Helper()
	var bd fhir.Bundle
	if err := fhir.DefaultLimits.Decode(b, &bd); err != nil {
		t.Fatalf("decode Bundle: %v\n%.500s", err, b)
	}
	return bd
}

// incident is a complete incident as a client would send it: one
// patient, one device, one medicine, two days ago.
func incident(t testing.TB, desc string) string {
	t.Helper()
	return incidentAs(t, desc, fhir.EventInput{})
}

// incidentAs is incident reported as who says (Anonymous, Confidential).
func incidentAs(t testing.TB, desc string, who fhir.EventInput) string {
	t.Helper()
	day := storetest.FixedTime.AddDate(0, 0, -2).Format(time.DateOnly)
	rec := events.Record{Type: events.Incident, TaxonomyVersion: events.TaxonomyVersion, Answers: events.Answers{
		"description": {desc}, "when.kind": {"exact"}, "when.date": {day}, "when.time": {"09:30"},
		"where.location": {"Ward 7"}, "where.service_area": {"acute"}, "agents": {"3", "4"}, "patients.affected": {"y"}, "concern": {"4"},
	}, Groups: map[string][]events.Answers{
		"patients":  {{"physical_harm": {"4"}, "psychological_harm": {"3"}, "association": {"5"}}},
		"devices":   {{"factors": {"4"}, "type": {"89"}, "barcode": {"(01)09521234543213(10)LOT42(21)SN0001"}, "serial": {"SN0001"}, "lot": {"LOT42"}}},
		"medicines": {{"name": {"Morphine"}}},
	}}
	cfg := fhir.DefaultConfig()
	cfg.Submission = true
	ae, err := fhir.AdverseEventFromEvent(cfg, fhir.EventInput{Record: rec, Audience: events.Staff, OrgODS: "RAA", Anonymous: who.Anonymous, Confidential: who.Confidential})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(ae)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func eventCount(t *testing.T, st *store.DB, org store.Org) int {
	t.Helper()
	var n int
	if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM events WHERE org_id = $1`, org.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
