package fhirweb_test

import (
	"encoding/json"
	"testing"

	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// A create answers with the event as its transaction stored it, without
// reading it again: the same resource a read answers after, and the same
// as the version kept of it; the deep audit check finds every content
// hash right. So does a create in a transaction bundle.
func TestFHIRCreateAnswersWhatItStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := newClient(t, f, "A/handler", "AdverseEvent.read", "AdverseEvent.write")
		check := func(what, id string, made []byte) {
			t.Helper()
			code, _, read := c.do("GET", "/AdverseEvent/"+id, "")
			if code != 200 || string(read) != string(made) {
				t.Errorf("%s: answered\n%s\nread after (%d)\n%s", what, made, code, read)
			}
			in, err := fhirdb.New(st).Event(storetest.Operator, f.OrgA.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(in)
			var kept string
			if err := st.SQL().QueryRow(`SELECT snapshot FROM fhir_versions WHERE event_id = $1 AND version = 1`, id).Scan(&kept); err != nil {
				t.Fatalf("%s: version 1 kept: %v", what, err)
			}
			if kept != string(want) {
				t.Errorf("%s: version kept\n%s\nthe event as read\n%s", what, kept, want)
			}
		}
		for _, x := range []struct {
			what string
			who  fhir.EventInput
		}{{"named", fhir.EventInput{}}, {"confidential", fhir.EventInput{Confidential: true}}, {"anonymous", fhir.EventInput{Anonymous: true}}} {
			code, hdr, body := c.do("POST", "/AdverseEvent", incidentAs(t, "Created "+x.what, x.who))
			m := locRE.FindStringSubmatch(hdr.Get("Location"))
			if code != 201 || m == nil || m[2] != "1" {
				t.Fatalf("%s create: %d %q\n%s", x.what, code, hdr.Get("Location"), body)
			}
			if ae := decodeAE(t, body); ae.ID != m[1] {
				t.Fatalf("%s create: resource %s at %s", x.what, ae.ID, hdr.Get("Location"))
			}
			check(x.what, m[1], body)
		}
		code, _, body := c.do("POST", "", bundleOf("transaction", postEntry(incident(t, "In a bundle"), "")))
		bd := decodeBundle(t, body)
		if code != 200 || len(bd.Entry) != 1 || bd.Entry[0].Response.Status != "201 Created" {
			t.Fatalf("transaction: %d %s", code, body)
		}
		made, _ := json.Marshal(bd.Entry[0].Resource)
		ae := decodeAE(t, made)
		check("in a bundle", ae.ID, made)
		if fs := storetest.Findings(t, st); len(fs) > 0 {
			t.Errorf("deep audit check: %q, want none", fs)
		}
	})
}
