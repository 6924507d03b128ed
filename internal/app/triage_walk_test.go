package app_test

import (
	"context"
	"testing"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
)

// seedTriage gives org what the triage routes walk over: an IT incident
// naming the system sysID with a device that is the implant implantID
// (GTIN gtin, serial serial), linked to the system's first hazard and to
// the implant; and a second IT incident shared with supplier.
func seedTriage(t *testing.T, st *store.DB, org store.OrgID, by store.User, sysID string, supplier store.OrgID, implantID, gtin, serial string) {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{UserID: by.ID, Name: by.Name})
	ev := eventsdb.New(st)
	hs, err := riskdb.New(st).ListHazards(ctx, org, sysID)
	if err != nil || len(hs) < 2 {
		t.Fatalf("triage seed: %d hazards of system %s, %v; want 2 or more", len(hs), sysID, err)
	}
	rec := func(agents ...string) events.Record {
		r := events.Record{Type: events.Incident, Answers: events.Answers{
			events.AnsDescription: {"The ward round list showed yesterday's results"}, events.AnsWhenKind: {"exact"},
			events.AnsDate: {"2026-11-01"}, events.AnsTime: {"08:40"}, events.AnsLocation: {"Ward 7"}, events.AnsServiceArea: {"acute"},
			events.AnsAgents: agents, events.AnsSystem: {sysID}, events.AnsITFactors: {"4"}, events.AnsPatientsSaid: {"n"}, events.AnsConcern: {"3"}, events.AnsDataSharing: {events.DataShare},
		}}
		if len(agents) > 1 {
			// A patient too, so that the event's page offers the grading form.
			r.Answers[events.AnsPatientsSaid] = []string{"y"}
			r.Groups = map[string][]events.Answers{events.GroupDevices: {{events.DevBarcode: {"(01)" + gtin + "(21)" + serial}, events.DevFactors: {"1"}}},
				events.GroupPatients: {{events.PatPhysical: {"4"}, events.PatPsych: {"4"}, events.PatAssociation: {"4"}}}}
		}
		return r
	}
	e1, err := ev.Report(ctx, org, rec(events.AgentIT, events.AgentDevice), eventsdb.Submission{Audience: events.Staff, ReporterID: by.ID})
	if err != nil {
		t.Fatalf("triage seed: %v", err)
	}
	e2, err := ev.Report(ctx, org, rec(events.AgentIT), eventsdb.Submission{Audience: events.Staff, ReporterID: by.ID})
	if err != nil {
		t.Fatalf("triage seed: %v", err)
	}
	if _, err := ev.LinkHazard(ctx, org, e1.ID, hs[0].ID, "walk"); err != nil {
		t.Fatalf("triage seed: %v", err)
	}
	if _, err := ev.LinkImplant(ctx, org, e1.ID, 0, implantID); err != nil {
		t.Fatalf("triage seed: link implant %s: %v", implantID, err)
	}
	if _, err := ev.ShareEvent(ctx, org, e2.ID, eventsdb.ShareInput{ToOrg: supplier, Description: "Stale results list", ConsentBy: "Walk Guardian",
		ConsentBasis: "caldicott", ConsentedOn: "2026-11-02"}); err != nil {
		t.Fatalf("triage seed: share: %v", err)
	}
}

// firstImplant is org's first implant with a serial number (the gtin and
// serial kinds of the walk).
func firstImplant(t *testing.T, st *store.DB, org store.OrgID) (id, gtin, serial string) {
	t.Helper()
	if err := st.SQL().QueryRow(`SELECT id, gtin, serial FROM implants WHERE org_id = $1 AND serial <> '' ORDER BY id LIMIT 1`, org).Scan(&id, &gtin, &serial); err != nil {
		t.Fatalf("first implant: %v", err)
	}
	return id, gtin, serial
}

// triageSystem is org's first system (by name) with two hazards or more.
func triageSystem(t *testing.T, st *store.DB, org store.OrgID) string {
	t.Helper()
	ss, err := riskdb.New(st).ListSystems(context.Background(), org)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if s.Hazards >= 2 {
			return s.ID
		}
	}
	t.Fatalf("organisation %s has no system with two hazards", org)
	return ""
}
