package eventsweb_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
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
		events.AnsPatientsSaid: {"y"}, events.AnsConcern: {"4"}, events.AnsDataSharing: {events.DataShare},
	}, Groups: map[string][]events.Answers{events.GroupPatients: {{events.PatPhysical: {"4"}, events.PatPsych: {"4"}, events.PatAssociation: {"5"}}}}}
}

var locHazard = regexp.MustCompile(`^/risk/hazards/([0-9a-f-]{36})$`)

// ePMA registers a system in organisation A whose CSO is A/cso.
func ePMA(t *testing.T, f *webtest.Fixture) riskdb.System {
	t.Helper()
	sys, err := riskdb.New(f.St).CreateSystem(storetest.Operator, f.OrgA.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing",
		Standard: risk.DCB0160, CSOs: []riskdb.Person{{ID: f.Users["A/cso"].ID}}})
	if err != nil {
		t.Fatal(err)
	}
	return sys
}

// A CSO links an IT incident to a new hazard and sees it in the hazard's
// incident log; another organisation never reads the incident.
func TestTriageNewHazardJourney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		sys := ePMA(t, f)
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
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+"/api/v1/events/records/"+e.ID+"/hazards", `{"hazard_id":"`+m[1]+`"}`)
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

// The trust's CSO shares an incident de-identified with the supplier,
// whose CSO links it to their own hazard without ever reading the trust's
// record; a handler links the event's device to an implant, and the
// device's history shows the event; accumulating incidents prompt a
// review of the hazard's likelihood.
func TestTriageShareDevicesAndPrompt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		op := audit.WithActor(context.Background(), audit.Actor{Name: "test", Operator: true})
		sup, err := st.CreateOrg(op, store.Org{ODSCode: "SUP9", Name: "Meridian Clinical Software Ltd", Kind: "supplier"})
		if err != nil {
			t.Fatal(err)
		}
		supCSO, err := st.CreateUser(op, store.NewUser{Email: "s-cso@example.com", Name: "Supplier CSO", Password: webtest.Password, OrgID: sup.ID, Roles: []auth.Role{auth.CSO}})
		if err != nil {
			t.Fatal(err)
		}
		f.Users["S/cso"] = supCSO
		rk := riskdb.New(st)
		sys, err := rk.CreateSystem(op, f.OrgA.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian Clinical Software", IntendedUse: "Prescribing",
			Standard: risk.DCB0160, CSOs: []riskdb.Person{{ID: f.Users["A/cso"].ID}}})
		if err != nil {
			t.Fatal(err)
		}
		supSys, err := rk.CreateSystem(op, sup.ID, riskdb.System{Name: "MedChart", Manufacturer: sup.Name, IntendedUse: "Prescribing",
			Standard: risk.DCB0129, CSOs: []riskdb.Person{{ID: supCSO.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		supHz, err := rk.CreateHazard(storetest.As(supCSO), sup.ID, supSys.ID, storetest.SampleHazard("Stale chart"))
		if err != nil {
			t.Fatal(err)
		}
		dev := devicesdb.New(st)
		proc, err := dev.CreateProcedure(op, f.OrgA.ID, devices.PatientInput{NHSNumber: "9434765919", Name: "Ada Patient", BirthDate: "1950-01-02"},
			devices.ProcedureInput{PerformedOn: "2026-11-20", Site: "Theatre 2", Laterality: "right", Clinician: "Mr B", Description: "Knee"})
		if err != nil {
			t.Fatal(err)
		}
		gtin := webtest.GTIN(1)
		imp, err := dev.AddImplant(op, f.OrgA.ID, proc.ID, devices.Device{GTIN: gtin, Lot: "LOT7", Serial: "SER1", EntryType: devices.EntryBarcode})
		if err != nil {
			t.Fatal(err)
		}
		rep := f.Users["A/reporter"]
		rec := itIncident(sys.ID)
		rec.Answers[events.AnsAgents] = []string{events.AgentIT, events.AgentDevice}
		rec.Groups[events.GroupDevices] = []events.Answers{{events.DevBarcode: {"(01)" + gtin + "(10)LOT7(21)SER1"}, events.DevFactors: {"1"}}}
		ev := eventsdb.New(st)
		e, err := ev.Report(storetest.As(rep), f.OrgA.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: rep.ID})
		if err != nil {
			t.Fatalf("%v %v", err, apperr.FieldsOf(err))
		}

		// Sharing, with the consent recorded; never an NHS number.
		a := f.Client(t, "A/cso")
		body := webtest.Get(t, a, f.Srv.URL+"/events/triage/"+e.ID+"/share", 200)
		if !strings.Contains(body, `value="`+string(sup.ID)+`" selected`) {
			t.Errorf("share form does not select the manufacturer's organisation")
		}
		form := url.Values{"to_org_id": {string(sup.ID)}, "description": {"Chart for 943 476 5919 was stale"}, "consent_by": {"Dr C, Caldicott Guardian"},
			"consent_basis": {"caldicott"}, "consented_on-day": {"24"}, "consented_on-month": {"11"}, "consented_on-year": {"2026"}}
		resp, body := webtest.Do(t, a, "POST", f.Srv.URL+"/events/triage/"+e.ID+"/share", form.Encode())
		if resp.StatusCode != 422 || !strings.Contains(body, "Take the NHS number out") {
			t.Fatalf("share with an NHS number: %d", resp.StatusCode)
		}
		form.Set("description", "The drug chart showed the previous round after a failed refresh.")
		if resp, _ := webtest.Do(t, a, "POST", f.Srv.URL+"/events/triage/"+e.ID+"/share", form.Encode()); resp.StatusCode != 303 {
			t.Fatalf("share: %d", resp.StatusCode)
		}
		shares, err := ev.SharedWith(op, sup.ID)
		if err != nil || len(shares) != 1 {
			t.Fatalf("shares = %v, %v", shares, err)
		}
		s := f.Client(t, "S/cso")
		body = webtest.Get(t, s, f.Srv.URL+"/events/triage", 200)
		if !strings.Contains(body, "Shared with you by Alpha Trust") {
			t.Errorf("supplier's triage page lacks the shared incident")
		}
		for _, p := range []string{"/events/triage/" + e.ID, "/api/v1/events/records/" + e.ID + "/hazards"} {
			method := "GET"
			if strings.HasPrefix(p, "/api") {
				method = "POST"
			}
			if resp, _ := webtest.Do(t, s, method, f.Srv.URL+p, `{"hazard_id":"`+supHz.ID+`"}`); resp.StatusCode != 404 {
				t.Errorf("supplier %s %s: %d, want 404", method, p, resp.StatusCode)
			}
		}
		body = webtest.Get(t, s, f.Srv.URL+"/events/shared/"+shares[0].ID, 200)
		for _, secret := range []string{rep.Name, "Ward 7", "yesterday", e.Ref} {
			if strings.Contains(body, secret) {
				t.Errorf("the shared incident shows %q", secret)
			}
		}
		if resp, _ := webtest.Do(t, s, "POST", f.Srv.URL+"/events/shared/"+shares[0].ID+"/hazards", url.Values{"hazard_id": {supHz.ID}}.Encode()); resp.StatusCode != 303 {
			t.Fatalf("supplier link: %d", resp.StatusCode)
		}
		body = webtest.Get(t, s, f.Srv.URL+"/risk/hazards/"+supHz.ID, 200)
		if !strings.Contains(body, "Shared by Alpha Trust") {
			t.Errorf("supplier's hazard log lacks the shared incident")
		}
		if resp, _ := webtest.Do(t, f.Client(t, "B/cso"), "GET", f.Srv.URL+"/events/shared/"+shares[0].ID, ""); resp.StatusCode != 404 {
			t.Errorf("another organisation reads the share: %d", resp.StatusCode)
		}

		// Devices: the barcode read, the implant linked, a Yellow Card.
		h := f.Client(t, "A/handler")
		body = webtest.Get(t, h, f.Srv.URL+"/events/devices/"+e.ID, 200)
		if !strings.Contains(body, "LOT7") || !strings.Contains(body, `value="`+imp.ID+`"`) || strings.Contains(body, "Ada Patient") {
			t.Errorf("devices page: want the barcode read and the implant offered, without the patient")
		}
		if resp, _ := webtest.Do(t, h, "POST", f.Srv.URL+"/events/devices/"+e.ID+"/device/0/implant", url.Values{"implant_id": {imp.ID}}.Encode()); resp.StatusCode != 303 {
			t.Fatalf("link implant: %d", resp.StatusCode)
		}
		resp, body = webtest.Do(t, h, "POST", f.Srv.URL+"/events/devices/"+e.ID+"/device/0/yellow-card", url.Values{"yellow_card": {"no spaces!"}}.Encode())
		if resp.StatusCode != 422 || !strings.Contains(body, "letters, numbers and dashes") {
			t.Errorf("bad Yellow Card: %d", resp.StatusCode)
		}
		for _, n := range []string{"7", "x", "-1"} {
			if resp, _ := webtest.Do(t, h, "POST", f.Srv.URL+"/events/devices/"+e.ID+"/device/"+n+"/yellow-card", url.Values{"yellow_card": {"YC-1"}}.Encode()); resp.StatusCode != 404 {
				t.Errorf("device %s: %d, want 404", n, resp.StatusCode)
			}
		}
		if resp, _ := webtest.Do(t, h, "POST", f.Srv.URL+"/events/devices/"+e.ID+"/device/0/yellow-card", url.Values{"yellow_card": {"YC-2026-7"}}.Encode()); resp.StatusCode != 303 {
			t.Errorf("Yellow Card: %d", resp.StatusCode)
		}
		body = webtest.Get(t, f.Client(t, "A/devices"), f.Srv.URL+"/devices/gtin/"+gtin+"/serial/SER1", 200)
		if !strings.Contains(body, "Safety events") || !strings.Contains(body, e.Ref) {
			t.Errorf("device history lacks the safety event")
		}

		// Three incidents linked since the likelihood was set: the prompt.
		cso := storetest.As(f.Users["A/cso"])
		hz, err := rk.CreateHazard(cso, f.OrgA.ID, sys.ID, storetest.SampleHazard("Stale list"))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			body = webtest.Get(t, a, f.Srv.URL+"/risk/hazards/"+hz.ID, 200)
			if strings.Contains(body, "Review the likelihood") {
				t.Errorf("likelihood prompt with %d linked incidents", i)
			}
			x, err := ev.Report(storetest.As(rep), f.OrgA.ID, itIncident(sys.ID), eventsdb.Submission{Audience: events.Staff, ReporterID: rep.ID})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ev.LinkHazard(cso, f.OrgA.ID, x.ID, hz.ID, ""); err != nil {
				t.Fatal(err)
			}
		}
		body = webtest.Get(t, a, f.Srv.URL+"/risk/hazards/"+hz.ID, 200)
		if !strings.Contains(body, "Review the likelihood") || !strings.Contains(body, "nhsuk-warning-callout") {
			t.Errorf("no likelihood prompt with three linked incidents")
		}
	})
}
