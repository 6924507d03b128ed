package eventsweb_test

import (
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// The triage API must never name the reporter of a confidential report:
// only the patient safety lead may know who made it, and a system's CSO
// triages IT incidents without being the lead. Before, GET
// /api/v1/events/triage wrote each item's event as stored, with the
// confidential reporter's user id in "reporter_id".
func TestTriageAPIHidesConfidentialReporter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		sys := ePMA(t, f)
		rep := f.Users["A/reporter"]
		e, err := eventsdb.New(st).Report(storetest.As(rep), f.OrgA.ID, itIncident(sys.ID),
			eventsdb.Submission{Audience: events.Staff, ReporterID: rep.ID, Confidential: true})
		if err != nil {
			t.Fatal(err)
		}
		_, body := webtest.Do(t, f.Client(t, "A/cso"), "GET", f.Srv.URL+"/api/v1/events/triage", "")
		if !strings.Contains(body, e.Ref) {
			t.Fatalf("triage API lacks %s: %s", e.Ref, body)
		}
		if strings.Contains(body, rep.ID) {
			t.Errorf("triage API names the confidential reporter %s: %s", rep.ID, body)
		}
	})
}
