package lfpse

import (
	"encoding/json"
	"strings"

	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
)

// BasicEncoder builds a minimal LFPSE AdverseEvent: profile, record type,
// description, date, clinsafe's identifier, and the reporter's
// organisation and type without identity. It stands in until the full
// two-way mapping of the fhir package is wired in.
type BasicEncoder struct {
	// ProfileBase is the base URL of the LFPSE profiles (configuration).
	ProfileBase string
}

// Encode implements Encoder.
func (b BasicEncoder) Encode(org store.Org, e eventsdb.Event, system string) ([]byte, error) {
	base := strings.TrimRight(b.ProfileBase, "/")
	type coding struct {
		System string `json:"system,omitempty"`
		Code   string `json:"code"`
	}
	type ext struct {
		URL       string `json:"url"`
		ValueCode string `json:"valueCode,omitempty"`
	}
	type practitioner struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
		Extension    []ext  `json:"extension,omitempty"`
	}
	ae := struct {
		ResourceType string `json:"resourceType"`
		Meta         struct {
			Profile []string `json:"profile"`
		} `json:"meta"`
		Identifier []struct {
			System string `json:"system"`
			Value  string `json:"value"`
		} `json:"identifier"`
		Contained   []practitioner `json:"contained"`
		Actuality   string         `json:"actuality"`
		Event       struct {
			Coding []coding `json:"coding"`
		} `json:"event"`
		Description string `json:"description,omitempty"`
		Date        string `json:"date,omitempty"`
		Recorder    struct {
			Reference string `json:"reference"`
		} `json:"recorder"`
	}{ResourceType: "AdverseEvent", Actuality: "actual"}
	ae.Meta.Profile = []string{base + "/StructureDefinition/patient-safety-adverse-event"}
	ae.Identifier = append(ae.Identifier, struct {
		System string `json:"system"`
		Value  string `json:"value"`
	}{system, e.ID})
	ae.Event.Coding = []coding{{System: base + "/CodeSystem/event-type", Code: string(e.Type)}}
	ae.Description = e.Record.Answers.Get(events.AnsDescription)
	ae.Date = e.OccurredOn
	// The reporter: organisation and type only. An anonymous report (no
	// reporter kept) carries no more than the reporting organisation.
	p := practitioner{ResourceType: "Practitioner", ID: "reporter", Extension: []ext{{URL: "ReporterOrganisation", ValueCode: org.ODSCode}}}
	if t := e.Record.Answers.Get(events.AnsReporterType); t != "" && e.ReporterID != "" {
		p.Extension = append(p.Extension, ext{URL: "ReporterType", ValueCode: t})
	}
	ae.Contained = []practitioner{p}
	ae.Recorder.Reference = "#reporter"
	return json.Marshal(ae)
}
