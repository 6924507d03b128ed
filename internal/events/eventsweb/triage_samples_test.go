package eventsweb_test

import (
	"time"

	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/events/eventsweb"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/web"
)

// triageSamples are the sample data of this part's pages.
func triageSamples(b web.Base) map[string]any {
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	ev := eventsdb.Event{ID: "e", Ref: "PSE-2026-000001", Type: events.Incident, Status: events.Submitted, SystemID: "s", OccurredOn: "2026-11-23", Harm: "3"}
	item := eventsdb.TriageItem{Event: ev, SystemName: "ePMA", Hazards: 1}
	share := eventsdb.Share{ID: "sh", FromOrg: "Alpha Trust", ToOrg: "Meridian", Type: events.Incident, Harm: "4", OccurredMonth: "2026-11", SystemName: "ePMA",
		SystemVersion: "5.1", ITFactors: []string{"4"}, Description: "Stale list", ConsentBy: "Dr A", ConsentBasis: "caldicott", SharedAt: at,
		Links: []eventsdb.HazardLink{{HazardID: "h", HazardRef: "HAZ-001", HazardName: "Stale"}}}
	links := []eventsdb.HazardLink{{HazardID: "h", HazardRef: "HAZ-001", HazardName: "Stale", LinkedBy: "A cso", LinkedAt: at, Note: "n"},
		{HazardID: "h2", HazardRef: "HAZ-002", HazardName: "Old", LinkedBy: "A cso", LinkedAt: at, RemovedAt: &at}}
	opts := []web.Option{{Value: "h", Label: "HAZ-003 x"}}
	return map[string]any{
		"triage_list": eventsweb.TriagePage{Base: b, All: true, Items: []eventsdb.TriageItem{item, {Event: ev, SystemName: "PAS"}}, Shared: []eventsdb.Share{share}},
		"triage_event": eventsweb.TriageEventPage{Base: b, Item: item, Links: links, Hazards: opts, Shares: []eventsdb.Share{share},
			Answers: []events.SummaryRow{{Prompt: "What happened?", Answer: []string{"x"}}, {Prompt: "Empty"}}},
		"triage_hazard": eventsweb.TriageHazardPage{Base: b, Item: item, System: riskdb.System{ID: "s", Name: "ePMA"}, Hazard: risk.Hazard{Name: "n"}, Causes: "a\nb",
			Severities: opts, Likelihoods: opts},
		"triage_share":  eventsweb.TriageSharePage{Base: b, Item: item, Suppliers: opts, Matched: true, Bases: opts},
		"triage_shared": eventsweb.TriageSharedPage{Base: b, Share: share, Factors: []string{"Faulty"}, Hazards: opts},
		"triage_system": eventsweb.TriageSystemPage{Base: b, System: riskdb.System{ID: "s", Name: "ePMA"}, Rows: []eventsdb.SystemIncident{
			{LoggedEvent: eventsdb.LoggedEvent{EventID: "e", Ref: "PSE-2026-000001", Date: "2026-11-23", Harm: "3", Status: events.Submitted}, Hazards: []string{"HAZ-001"}},
			{LoggedEvent: eventsdb.LoggedEvent{ShareID: "sh", SharedBy: "Alpha Trust", Date: "2026-11", Harm: "4"}}}},
		"triage_devices": eventsweb.EventDevicesPage{Base: b, Event: ev, Devices: []eventsdb.EventDevice{
			{N: 0, Model: "Knee", GTIN: "05099990000010", Lot: "L", Serial: "S", Expiry: "2027-12-31", YellowCard: "YC-1",
				Candidates: []devicesdb.ImplantRecord{{ID: "i", Device: devices.Device{GTIN: "05099990000010", Serial: "S"}, PerformedOn: "2026-11-20"}},
				Implant:    &eventsdb.ImplantLink{ImplantID: "i", GTIN: "05099990000010", Serial: "S"}},
			{N: 1, BarcodeProblem: "Bad"}}},
	}
}
