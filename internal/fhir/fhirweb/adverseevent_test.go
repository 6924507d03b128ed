package fhirweb_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

var locRE = regexp.MustCompile(`/fhir/R4/AdverseEvent/([0-9a-f-]{36})/_history/(\d+)$`)

func TestFHIRAdverseEventLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := newClient(t, f, "A/handler", "AdverseEvent.read", "AdverseEvent.write")

		code, hdr, body := c.do("POST", "/AdverseEvent", incident(t, "The pump alarm did not sound"))
		m := locRE.FindStringSubmatch(hdr.Get("Location"))
		if code != 201 || m == nil || m[2] != "1" || hdr.Get("ETag") != `W/"1"` {
			t.Fatalf("create: %d %q %q\n%s", code, hdr.Get("Location"), hdr.Get("ETag"), body)
		}
		id := m[1]
		ae := decodeAE(t, body)
		if ae.ID != id || ae.Meta.VersionID != "1" || ae.Identifier == nil || !strings.HasPrefix(ae.Identifier.Value, "PSE-") {
			t.Fatalf("created resource: id %s meta %+v identifier %+v", ae.ID, ae.Meta, ae.Identifier)
		}

		code, hdr, body = c.do("GET", "/AdverseEvent/"+id, "")
		if code != 200 || hdr.Get("ETag") != `W/"1"` || !strings.Contains(string(body), "The pump alarm did not sound") {
			t.Fatalf("read: %d %s", code, body)
		}

		// Update: the handler grades the patient's harm.
		graded := strings.Replace(string(body), `"url":"PhysicalHarm","valueCode":"4"`, `"url":"PhysicalHarm","valueCode":"3"`, 1)
		if graded == string(body) {
			t.Fatalf("no PhysicalHarm 4 in %s", body)
		}
		if code, _, body := c.do("PUT", "/AdverseEvent/"+id, graded); code != 428 {
			t.Errorf("update without If-Match: %d %s", code, body)
		}
		code, hdr, body = c.do("PUT", "/AdverseEvent/"+id, graded, "If-Match", `W/"1"`)
		if code != 200 || hdr.Get("ETag") != `W/"2"` || !strings.Contains(string(body), `"url":"ReportedPhysicalHarm","valueCode":"4"`) {
			t.Fatalf("update: %d %s\n%s", code, hdr.Get("ETag"), body)
		}
		if code, _, body := c.do("PUT", "/AdverseEvent/"+id, graded, "If-Match", `W/"1"`); code != 412 {
			t.Errorf("stale update: %d %s", code, body)
		}
		rewritten := strings.Replace(graded, "The pump alarm did not sound", "Something else", 1)
		code, _, body = c.do("PUT", "/AdverseEvent/"+id, rewritten, "If-Match", `W/"2"`)
		if code != 422 || !contains(outcome(t, body), "AdverseEvent.event.text") {
			t.Errorf("rewriting the report: %d %s", code, body)
		}

		// vread and history.
		code, _, body = c.do("GET", "/AdverseEvent/"+id+"/_history/1", "")
		if code != 200 || strings.Contains(string(body), "ReportedPhysicalHarm") || !strings.Contains(string(body), `"versionId":"1"`) {
			t.Errorf("vread 1: %d %s", code, body)
		}
		code, _, body = c.do("GET", "/AdverseEvent/"+id+"/_history", "")
		if bd := decodeBundle(t, body); code != 200 || bd.Type != "history" || len(bd.Entry) != 2 {
			t.Errorf("history: %d %s", code, body)
		}
		if code, _, _ := c.do("GET", "/AdverseEvent/"+id+"/_history/9", ""); code != 404 {
			t.Errorf("vread of a version that never was: %d", code)
		}
		if code, _, body := c.do("DELETE", "/AdverseEvent/"+id, ""); code != 405 {
			t.Errorf("delete: %d %s", code, body)
		}

		// Conditional create by the client's identifier.
		withID := strings.Replace(incident(t, "Second event"), `"resourceType":"AdverseEvent",`, `"resourceType":"AdverseEvent","identifier":{"system":"https://epr.example/ids","value":"E-1"},`, 1)
		before := eventCount(t, st, f.OrgA)
		code, hdr, _ = c.do("POST", "/AdverseEvent", withID, "If-None-Exist", "identifier=https://epr.example/ids|E-1")
		first := locRE.FindStringSubmatch(hdr.Get("Location"))
		if code != 201 || first == nil {
			t.Fatalf("conditional create: %d", code)
		}
		code, hdr, _ = c.do("POST", "/AdverseEvent", withID, "If-None-Exist", "identifier=https://epr.example/ids|E-1")
		again := locRE.FindStringSubmatch(hdr.Get("Location"))
		if code != 200 || again == nil || again[1] != first[1] || eventCount(t, st, f.OrgA) != before+1 {
			t.Errorf("conditional create again: %d %v (first %v), events %d -> %d", code, again, first, before, eventCount(t, st, f.OrgA))
		}
		code, _, body = c.do("GET", "/AdverseEvent?identifier=https://epr.example/ids|E-1", "")
		if bd := decodeBundle(t, body); code != 200 || len(bd.Entry) != 1 {
			t.Errorf("search by the client's identifier: %d %s", code, body)
		}
	})
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

var _ = json.Marshal
