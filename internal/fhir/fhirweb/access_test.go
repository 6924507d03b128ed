package fhirweb_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// Tokens, scopes, roles, organisations and content negotiation, and the
// bad input of the issue: each a 4xx OperationOutcome naming what is at
// fault, with nothing stored.
func TestFHIRAccessAndBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		a := newClient(t, f, "A/handler", "*.read", "*.write")
		code, _, body := a.do("POST", "/AdverseEvent", incident(t, "Org A's event"))
		if code != 201 {
			t.Fatalf("create: %d %s", code, body)
		}
		id := decodeAE(t, body).ID

		// Who may do what.
		for _, c := range []struct {
			name   string
			cl     *client
			method string
			path   string
			body   string
			want   int
		}{
			{"no token", &client{t: t, base: a.base}, "GET", "/AdverseEvent/" + id, "", 401},
			{"token without FHIR scopes", newClient(t, f, "A/handler"), "GET", "/AdverseEvent/" + id, "", 403},
			{"read scope cannot write", newClient(t, f, "A/handler", "AdverseEvent.read"), "POST", "/AdverseEvent", incident(t, "x"), 403},
			{"device scope cannot read events", newClient(t, f, "A/handler", "Device.read"), "GET", "/AdverseEvent/" + id, "", 403},
			{"reporter role cannot read events", newClient(t, f, "A/reporter", "*.read"), "GET", "/AdverseEvent/" + id, "", 403},
			{"other organisation", newClient(t, f, "B/handler", "*.read"), "GET", "/AdverseEvent/" + id, "", 404},
			{"other organisation's history", newClient(t, f, "B/handler", "*.read"), "GET", "/AdverseEvent/" + id + "/_history/1", "", 404},
			{"not an id", a, "GET", "/AdverseEvent/not-an-id", "", 404},
			{"metadata is public", &client{t: t, base: a.base}, "GET", "/metadata", "", 200},
		} {
			if code, _, body := c.cl.do(c.method, c.path, c.body); code != c.want {
				t.Errorf("%s: %d, want %d: %s", c.name, code, c.want, body)
			} else if code >= 400 {
				outcome(t, body)
			}
		}
		b := newClient(t, f, "B/handler", "*.read")
		if _, _, body := b.do("GET", "/AdverseEvent?_count=100", ""); strings.Contains(string(body), id) || len(decodeBundle(t, body).Entry) != 0 {
			t.Errorf("org B's search shows org A's event")
		}
		if _, _, body := b.do("POST", "", `{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"AdverseEvent/`+id+`"}}]}`); !strings.Contains(string(body), `"status":"404 Not Found"`) || strings.Contains(string(body), "Org A's event") {
			t.Errorf("org B's batch read of org A's event: %s", body)
		}

		// Content negotiation.
		for _, c := range []struct {
			name   string
			method string
			path   string
			body   string
			hdr    []string
			want   int
		}{
			{"xml accepted only", "GET", "/metadata", "", []string{"Accept", "application/fhir+xml"}, 406},
			{"_format xml", "GET", "/metadata?_format=xml", "", nil, 406},
			{"_format json", "GET", "/metadata?_format=json", "", []string{"Accept", "text/html"}, 200},
			{"any type", "GET", "/metadata", "", []string{"Accept", "*/*"}, 200},
			{"plain json body", "POST", "/AdverseEvent", incident(t, "x"), []string{"Content-Type", "application/json"}, 415},
			{"form body", "POST", "/AdverseEvent", "a=b", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415},
		} {
			if code, _, body := a.do(c.method, c.path, c.body, c.hdr...); code != c.want {
				t.Errorf("%s: %d, want %d: %s", c.name, code, c.want, body)
			}
		}

		// Bad input.
		before := eventCount(t, st, f.OrgA)
		good := incident(t, "Bad input base")
		huge := strings.Repeat("x", 20000)
		var many strings.Builder
		many.WriteString(`{"resourceType":"Bundle","type":"transaction","entry":[`)
		for i := range 20000 {
			if i > 0 {
				many.WriteByte(',')
			}
			many.WriteString(`{"request":{"method":"POST","url":"AdverseEvent"}}`)
		}
		many.WriteString(`]}`)
		for _, c := range []struct {
			name, path, body, expr string
		}{
			{"malformed JSON", "/AdverseEvent", `{"resourceType":"AdverseEvent",`, ""},
			{"missing resourceType", "/AdverseEvent", `{"actuality":"actual"}`, "resourceType"},
			{"wrong resourceType", "/AdverseEvent", `{"resourceType":"Observation"}`, "resourceType"},
			{"unknown element", "/AdverseEvent", strings.Replace(good, `"actuality"`, `"colour":"red","actuality"`, 1), "AdverseEvent.colour"},
			{"wrong type", "/AdverseEvent", strings.Replace(good, `"actuality":"actual"`, `"actuality":7`, 1), "AdverseEvent.actuality"},
			{"code outside the required value set", "/AdverseEvent", strings.Replace(good, `"actuality":"actual"`, `"actuality":"perhaps"`, 1), "AdverseEvent.actuality"},
			{"code outside the LFPSE list", "/AdverseEvent", strings.Replace(good, `"url":"LevelOfConcern","valueCode":"4"`, `"url":"LevelOfConcern","valueCode":"9"`, 1), "AdverseEvent.extension[0].extension[4].valueCode"},
			{"huge string", "/AdverseEvent", strings.Replace(good, `"text":"Bad input base"`, `"text":"`+huge+`"`, 1), "AdverseEvent.event.text"},
			{"answer the flow refuses", "/AdverseEvent", strings.Replace(good, `{"url":"DeviceInvolvementFactors","valueCode":"4"}`, `{"url":"DeviceType","valueCode":"89"}`, 1), ""},
			{"reference to another server's resource", "/AdverseEvent", strings.Replace(good, `"location":{"reference":"#location"}`, `"location":{"reference":"Location/`+id+`"}`, 1), "AdverseEvent.location.reference"},
			{"bundle of tens of thousands of entries", "", many.String(), ""},
			{"bundle of another type", "", `{"resourceType":"Bundle","type":"collection"}`, "Bundle.type"},
			{"bundle entry without request", "", `{"resourceType":"Bundle","type":"batch","entry":[{"fullUrl":"urn:uuid:1"}]}`, "Bundle.entry[0].request"},
		} {
			code, _, body := a.do("POST", c.path, c.body)
			if code < 400 || code >= 500 {
				t.Errorf("%s: %d, want a 4xx: %.300s", c.name, code, body)
				continue
			}
			exprs := outcome(t, body)
			if c.expr != "" && !contains(exprs, c.expr) {
				t.Errorf("%s: expressions %v, want %s", c.name, exprs, c.expr)
			}
		}
		for _, q := range []string{"colour=red", "_count=0", "_count=1000", "date=2026-13-45", "date=ap2026-01-01", "event=9", "status=lost", "_sort=date"} {
			code, _, body := a.do("GET", "/AdverseEvent?"+q, "")
			if code != 400 {
				t.Errorf("search %s: %d, want 400: %s", q, code, body)
				continue
			}
			if exprs := outcome(t, body); len(exprs) == 0 {
				t.Errorf("search %s: no expression", q)
			}
		}
		if n := eventCount(t, st, f.OrgA); n != before {
			t.Errorf("bad input stored %d events", n-before)
		}
		// The flow's refusal names the element of the answer at fault.
		noFactors := strings.Replace(good, `{"url":"DeviceInvolvementFactors","valueCode":"4"}`, `{"url":"DeviceType","valueCode":"89"}`, 1)
		noFactors = strings.Replace(noFactors, `{"url":"DeviceType","valueCode":"89"},{"url":"DeviceType","valueCode":"89"}`, `{"url":"DeviceType","valueCode":"89"}`, 1)
		if code, _, body := a.do("POST", "/AdverseEvent", noFactors); code != 422 || !contains(outcome(t, body), "AdverseEvent.contained[2].extension") {
			t.Errorf("device without its factors: %d %s", code, body)
		}
		_ = fmt.Sprint
		_ = http.StatusOK
	})
}
