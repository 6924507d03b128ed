package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
)

// hazardWords pairs words of a demo IT incident with words of the hazard
// it is an instance of, in the trust's log of its ePMA system.
var hazardWords = [][2]string{
	{"twice", "twice"}, {"mg/hour", "units"}, {"stopped", "discontinued"}, {"previous patient", "same name"},
	{"allergy", "allergy"}, {"downtime", "downtime"}, {"unavailable", "downtime"},
}

// loadTriage makes the trust's CSO the first user of its Safety Incident
// Management Log: the latest IT incidents about its ePMA system linked to
// the hazards they are instances of, one shared (de-identified) with the
// supplier, and two device incidents reported with the barcode of an
// implant in the register, linked to it.
func loadTriage(ctx context.Context, st *store.DB, trust, supplier store.Org, people map[string]store.User, _ string) error {
	cso := people["cso@demo.clinsafe.test"]
	if cso.ID == "" {
		return nil
	}
	ctx = audit.WithActor(ctx, audit.Actor{UserID: cso.ID, Name: cso.Name, RequestID: "demo"})
	ev := eventsdb.New(st)
	rows, err := st.SQL().QueryContext(ctx, `SELECT id, system_id FROM events WHERE org_id = $1 AND system_id IS NOT NULL AND status <> 'draft'
		ORDER BY submitted_at DESC LIMIT 12`, trust.ID)
	if err != nil {
		return fmt.Errorf("demo: triage: %w", err)
	}
	type it struct{ id, sys string }
	var its []it
	for rows.Next() {
		var x it
		if err := rows.Scan(&x.id, &x.sys); err != nil {
			rows.Close()
			return err
		}
		its = append(its, x)
	}
	rows.Close()
	if len(its) == 0 {
		return nil
	}
	hazards, err := riskdb.New(st).ListHazards(ctx, trust.ID, its[0].sys)
	if err != nil || len(hazards) == 0 {
		return err
	}
	linked := 0
	for _, x := range its {
		if x.sys != its[0].sys {
			continue
		}
		e, err := ev.Get(ctx, trust.ID, x.id)
		if err != nil {
			return err
		}
		what := strings.ToLower(e.Record.Answers.Get(events.AnsDescription))
		for _, pair := range hazardWords {
			if !strings.Contains(what, pair[0]) {
				continue
			}
			for _, h := range hazards {
				if strings.Contains(strings.ToLower(h.Name+" "+h.Description), pair[1]) {
					if _, err := ev.LinkHazard(ctx, trust.ID, e.ID, h.ID, "Same failure as the hazard describes"); err != nil {
						return fmt.Errorf("demo: link %s to %s: %w", e.Ref, h.Ref, err)
					}
					linked++
					break
				}
			}
			break
		}
	}
	if supplier.ID != "" && len(its) > 1 {
		if _, err := ev.ShareEvent(ctx, trust.ID, its[1].id, eventsdb.ShareInput{ToOrg: supplier.ID,
			Description: "A ward device showed a chart that had not refreshed since a synchronisation delay.",
			ConsentBy:   cso.Name, ConsentBasis: "caldicott", ConsentedOn: clockDay(st, -1)}); err != nil {
			return fmt.Errorf("demo: share an IT incident: %w", err)
		}
	}
	// Device incidents naming implants in the register.
	irows, err := st.SQL().QueryContext(ctx, `SELECT id, gtin, serial FROM implants WHERE org_id = $1 AND serial <> '' AND explanted_on IS NULL ORDER BY id LIMIT 2`, trust.ID)
	if err != nil {
		return err
	}
	type imp struct{ id, gtin, serial string }
	var imps []imp
	for irows.Next() {
		var x imp
		if err := irows.Scan(&x.id, &x.gtin, &x.serial); err != nil {
			irows.Close()
			return err
		}
		imps = append(imps, x)
	}
	irows.Close()
	for i, x := range imps {
		rec := events.Record{Type: events.Incident, Answers: events.Answers{
			events.AnsDescription: {[]string{"At follow-up clinic the implant was found to have loosened earlier than expected.",
				"The implant's packaging was damaged when opened in theatre; a second device was used."}[i%2]},
			events.AnsWhenKind: {"today"}, events.AnsLocation: {[]string{"Orthopaedic clinic", "Theatre 3"}[i%2]}, events.AnsServiceArea: {[]string{"outpatient", "theatres"}[i%2]},
			events.AnsAgents: {events.AgentDevice}, events.AnsPatientsSaid: {"y"}, events.AnsConcern: {"4"}, events.AnsDataSharing: {events.DataShare}},
			Groups: map[string][]events.Answers{
				events.GroupDevices:  {{events.DevBarcode: {"(01)" + x.gtin + "(21)" + x.serial}, events.DevType: {"89"}, events.DevFactors: {"4"}}},
				events.GroupPatients: {{events.PatPhysical: {[]string{"3", "5"}[i%2]}, events.PatPsych: {"3"}, events.PatAssociation: {"4"}}},
			}}
		e, err := ev.Report(ctx, trust.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: cso.ID})
		if err != nil {
			return fmt.Errorf("demo: device incident: %w", err)
		}
		if _, err := ev.LinkImplant(ctx, trust.ID, e.ID, 0, x.id); err != nil {
			return fmt.Errorf("demo: link device incident to its implant: %w", err)
		}
	}
	return nil
}

// clockDay is the day d days from the store's today, as YYYY-MM-DD.
func clockDay(st *store.DB, d int) string {
	return st.Now().AddDate(0, 0, d).Format("2006-01-02")
}
