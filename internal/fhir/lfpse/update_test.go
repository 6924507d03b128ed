package lfpse_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/clinsafe/clinsafe/internal/fhir/lfpse"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// An update is a FHIR PUT to /AdverseEvent/{id}, whose body must carry
// that same id (FHIR R4 update: a body without an id, or with another,
// is refused with 400). Before, the body of every update was built in
// submission form with no id, so a service that keeps to the rule would
// have refused every update and no change reached the national record.
func TestUpdateBodyCarriesTheNationalID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		e := w.ready(t, "Warfarin given twice")
		b := w.outbox(lfpse.Options{})
		once(t, b)
		rec := w.svc.Records()[e.ID]
		if _, err := w.ev.AddAddendum(w.hctx(), w.a.ID, e.ID, "The second dose was omitted from the chart."); err != nil {
			t.Fatal(err)
		}
		if n := once(t, b); n != 1 {
			t.Errorf("sent %d updates, want 1 (submission %+v)", n, w.sub(t, e.ID))
		}
		got := w.svc.Received()
		var create, update struct {
			ID string `json:"id"`
		}
		if len(got) != 2 || got[1].Method != http.MethodPut {
			t.Fatalf("received %d requests, want a POST then a PUT", len(got))
		}
		if err := json.Unmarshal(got[0].Body, &create); err != nil || create.ID != "" {
			t.Errorf("create body id %q (%v), want none", create.ID, err)
		}
		if err := json.Unmarshal(got[1].Body, &update); err != nil || update.ID != rec.ID {
			t.Errorf("update body id %q (%v), want the national id %q", update.ID, err, rec.ID)
		}
	})
}
