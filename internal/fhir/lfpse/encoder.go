package lfpse

import (
	"encoding/json"

	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Event is what an Encoder needs of one event.
type Event struct {
	Org   store.Org
	Event eventsdb.Event
	// Gradings are the handler's current harm gradings, which LFPSE
	// receives in place of the harm the reporter gave.
	Gradings []eventsdb.Grading
	// NationalID is the national record's id when the submission is an
	// update: the body of a PUT must carry the id of its URL (FHIR
	// update), so the AdverseEvent gets it as its id. Empty for a create.
	NationalID string
}

// Encoder builds the AdverseEvent sent for an event, carrying
// system|event id as its identifier and, for an update, the national
// record's id as its id.
type Encoder interface {
	Encode(e Event, system string) ([]byte, error)
}

// FHIREncoder builds the submission with the fhir package's LFPSE
// mapping, in submission form (cfg.Submission is set): no reporter
// identity, no clinsafe server id or meta.
//
// Anonymity and data sharing, as the LFPSE reporter fields say: the
// contained Practitioner carries the reporter's organisation, type and
// role, and the Anonymous and DataSharingOptOut flags, never a name. An
// event with no reporter kept (anonymous staff reports and the public
// page) is sent with Anonymous true. DataSharingOptOut is the reporter's
// answer to the flow's data sharing question (events.AnsDataSharing): an
// opted-out report is still sent, since LFPSE must hold every record, and
// the flag tells the service not to share it. A record reported before
// clinsafe asked has no answer and is sent with the LFPSE default, false.
type FHIREncoder struct{ Config fhir.Config }

// Encode implements Encoder.
func (f FHIREncoder) Encode(in Event, system string) ([]byte, error) {
	cfg := f.Config
	cfg.Submission = true
	e := in.Event
	ei := fhir.EventInput{ID: e.ID, Ref: e.Ref, OrgODS: in.Org.ODSCode, Record: e.Record, Status: e.Status, Audience: e.Audience,
		Anonymous: e.ReporterID == "", Confidential: e.Confidential, ReporterID: e.ReporterID,
		Version: e.Version, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt, SubmittedAt: e.SubmittedAt}
	for _, g := range in.Gradings {
		ei.Gradings = append(ei.Gradings, fhir.Grading{Patient: g.Patient, Physical: g.Physical, Psychological: g.Psychological})
	}
	ae, err := fhir.AdverseEventFromEvent(cfg, ei)
	if err != nil {
		return nil, err
	}
	ae.Identifier = &fhir.Identifier{System: system, Value: e.ID}
	ae.ID = in.NationalID
	return json.Marshal(ae)
}
