package eventsweb_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

func itIncident(sysID string) events.Record {
	return events.Record{Type: events.Incident, Answers: events.Answers{
		events.AnsDescription: {"The ward round list showed yesterday's results"}, events.AnsWhenKind: {"exact"},
		events.AnsDate: {"2026-11-23"}, events.AnsTime: {"08:40"}, events.AnsLocation: {"Ward 7"}, events.AnsServiceArea: {"acute"},
		events.AnsAgents: {events.AgentIT}, events.AnsSystem: {sysID}, events.AnsITFactors: {"4"}, events.AnsITProblem: {"Results list not refreshed"},
		events.AnsPatientsSaid: {"y"}, events.AnsConcern: {"4"},
	}, Groups: map[string][]events.Answers{events.GroupPatients: {{events.PatPhysical: {"4"}, events.PatPsych: {"4"}, events.PatAssociation: {"5"}}}}}
}

var locHazard = regexp.MustCompile(`^/risk/hazards/([0-9a-f-]{36})$`)

// A CSO links an IT incident to a new hazard and sees it in the hazard's
// incident log; another organisation never reads the incident.
func TestTriageNewHazardJourney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Users["A/cso"]
		op := audit.WithActor(context.Background(), audit.Actor{Name: "test", Operator: true})
		sys, err := riskdb.New(st).CreateSystem(op, f.OrgA.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing",
			Standard: risk.DCB0160, CSOs: []riskdb.Person{{ID: cso.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		rep := f.Users["A/reporter"]
		e, err := eventsdb.New(st).Report(storetest.As(rep), f.OrgA.ID, itIncident(sys.ID), eventsdb.Submission{Audience: events.Staff, ReporterID: rep.ID})
		if err != nil {
			t.Fatal(err)
		}
		c := f.Client(t, "A/cso")
		if body := webtest.Get(t, c, f.Srv.URL+"/", 200); !strings.Contains(body, "1 IT incident about your systems need triage") {
			t.Errorf("home page lacks the triage prompt")
		}
		body := webtest.Get(t, c, f.Srv.URL+"/events/triage", 200)
		if !strings.Contains(body, e.Ref) || !strings.Contains(body, "Not yet linked") {
			t.Fatalf("triage list lacks %s", e.Ref)
		}
		body = webtest.Get(t, c, f.Srv.URL+"/events/triage/"+e.ID, 200)
		if !strings.Contains(body, "yesterday&#39;s results") || !strings.Contains(body, "It was faulty or malfunctioned") {
			t.Errorf("incident page lacks the answers in words")
		}
		body = webtest.Get(t, c, f.Srv.URL+"/events/triage/"+e.ID+"/hazards/new", 200)
		if !strings.Contains(body, `value="Results list not refreshed"`) {
			t.Errorf("new hazard form not prefilled")
		}
		form := url.Values{"name": {"Results list not refreshed"}, "description": {"d"}, "causes": {"Faulty"}}
		resp, body := webtest.Do(t, c, "POST", f.Srv.URL+"/events/triage/"+e.ID+"/hazards/new", form.Encode())
		if resp.StatusCode != 422 || !strings.Contains(body, "nhsuk-error-summary") {
			t.Fatalf("hazard without ratings: %d", resp.StatusCode)
		}
		form.Set("initial_severity", risk.Considerable.Code())
		form.Set("initial_likelihood", risk.Low.Code())
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+"/events/triage/"+e.ID+"/hazards/new", form.Encode())
		m := locHazard.FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != 303 || m == nil {
			t.Fatalf("raise hazard: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		body = webtest.Get(t, c, f.Srv.URL+m[0], 200)
		if !strings.Contains(body, "Incident log") || !strings.Contains(body, e.Ref) || strings.Contains(body, "Review the likelihood") {
			t.Errorf("hazard page lacks the incident in its log")
		}
		_, body = webtest.Do(t, c, "GET", f.Srv.URL+"/api/v1/risk/hazards/"+m[1]+"/events", "")
		if !strings.Contains(body, e.Ref) {
			t.Errorf("API hazard events = %s", body)
		}
		// Bad input: a hazard of no system, an unknown event.
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+"/events/triage/"+e.ID+"/hazards", url.Values{"hazard_id": {"nope"}}.Encode())
		if resp.StatusCode != 422 {
			t.Errorf("link to a bad hazard: %d, want 422", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+"/api/v1/events/"+e.ID+"/hazards", `{"hazard_id":"`+m[1]+`"}`)
		if resp.StatusCode != 409 {
			t.Errorf("API link again: %d, want 409", resp.StatusCode)
		}
		// Another organisation's CSO and handler never read it.
		for _, k := range []string{"B/cso", "B/handler"} {
			b := f.Client(t, k)
			for _, p := range []string{"/events/triage/" + e.ID, "/events/triage/" + e.ID + "/hazards/new", "/events/devices/" + e.ID, "/events/systems/" + sys.ID} {
				if resp, _ := webtest.Do(t, b, "GET", f.Srv.URL+p, ""); resp.StatusCode != 404 && resp.StatusCode != 403 {
					t.Errorf("%s GET %s: %d, want 404", k, p, resp.StatusCode)
				}
			}
		}
		if resp, _ := webtest.Do(t, f.Client(t, "B/cso"), "GET", f.Srv.URL+"/events/triage/"+e.ID, ""); resp.StatusCode != 404 {
			t.Errorf("B/cso reads A's incident: %d, want 404", resp.StatusCode)
		}
		body = webtest.Get(t, c, f.Srv.URL+"/events/systems/"+sys.ID+"?format=csv", 200)
		if !strings.Contains(body, e.Ref) {
			t.Errorf("system log CSV = %q", body)
		}
	})
}
