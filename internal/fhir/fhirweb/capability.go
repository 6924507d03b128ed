package fhirweb

import (
	"net/http"

	"github.com/clinsafe/clinsafe/internal/fhir"
)

// Capability is exactly what the server supports.
func (s *Module) Capability(base string) fhir.CapabilityStatement {
	t := true
	f := false
	sp := func(name, typ, doc string) fhir.CapSearchParam {
		return fhir.CapSearchParam{Name: name, Type: typ, Documentation: doc}
	}
	paging := []fhir.CapSearchParam{sp("_count", "number", "Entries a page, 1 to 100 (20 when not given); further pages by the next link")}
	read := []fhir.CapInteraction{{Code: "read"}, {Code: "search-type"}}
	reg := func(typ, doc string, params ...fhir.CapSearchParam) fhir.CapResource {
		return fhir.CapResource{Type: typ, Documentation: doc, Interaction: read, Versioning: "no-version", ReadHistory: &f,
			UpdateCreate: &f, ConditionalCreate: &f, ConditionalUpdate: &f, ConditionalDelete: "not-supported",
			SearchParam: append([]fhir.CapSearchParam{sp("_id", "token", "The resource id")}, append(params, paging...)...)}
	}
	ae := fhir.CapResource{
		Type: "AdverseEvent", Profile: s.cfg.Profile(), SupportedProfile: []string{s.cfg.Profile()},
		Documentation: "clinsafe's safety events as LFPSE-profiled AdverseEvents (the taxonomy version and the profile and extension URLs are configuration). " +
			"Create submits a report as the web form does; update changes only the harm grading of its patients, with If-Match; events are never deleted.",
		Interaction: []fhir.CapInteraction{{Code: "read"}, {Code: "vread"}, {Code: "update", Documentation: "Harm grading only; If-Match required"},
			{Code: "history-instance"}, {Code: "create"}, {Code: "search-type"}},
		Versioning: "versioned-update", ReadHistory: &t, UpdateCreate: &f, ConditionalCreate: &t, ConditionalUpdate: &f, ConditionalDelete: "not-supported",
		SearchParam: append([]fhir.CapSearchParam{
			sp("_id", "token", "The resource id"),
			sp("identifier", "token", "clinsafe's reference (system "+s.cfg.ReferenceSystem()+"), or the identifier a client gave when it created the event"),
			sp("date", "date", "When the event happened (eq, ge, gt, le, lt; day precision)"),
			sp("event", "token", "The LFPSE event type: 1 incident, 2 outcome, 3 risk, 4 good care"),
			sp("category", "token", "The LFPSE event type, as event"),
			sp("status", "token", "clinsafe's workflow status: submitted, in_review, awaiting_information, closed, duplicate, not_patient_safety"),
			sp("subject", "reference", "A Patient of the implant register whose implant the event's device is linked to"),
			sp("location", "string", "The name of where it happened (whole name, any case)"),
			sp("_lastUpdated", "date", "When the event last changed (eq, ge, gt, le, lt)"),
		}, paging...),
	}
	return fhir.CapabilityStatement{
		ResourceType: "CapabilityStatement", Status: "active", Date: "2026-12-01", Publisher: "clinsafe", Kind: "instance",
		Software:       &fhir.CapSoftware{Name: "clinsafe"},
		Implementation: &fhir.CapImpl{Description: "clinsafe FHIR R4 server", URL: base},
		// R4: the JSON schema of the R4 publication lists 4.0.0.
		FHIRVersion: "4.0.0", Format: []string{ContentType, "json"},
		Rest: []fhir.CapRest{{
			Mode:          "server",
			Documentation: "application/fhir+json only. Every error is an OperationOutcome whose issue.expression names the element at fault.",
			Security:      &fhir.CapSecurity{Description: "Bearer API tokens of clinsafe with FHIR scopes (AdverseEvent.read, AdverseEvent.write, Device.read, Procedure.read, Patient.read, or *.read and *.write); roles and the organisation are the token's."},
			Resource: []fhir.CapResource{ae,
				reg("Device", "Implants of the implant register: udiCarrier holds the barcode as read (carrierHRF) and the parsed device identifier",
					sp("udi-di", "string", "The device identifier (GTIN)"), sp("lot", "string", "Lot or batch number"), sp("serial", "string", "Serial number"),
					sp("patient", "reference", "The Patient it is implanted in")),
				reg("Procedure", "Implant procedures of the register", sp("patient", "reference", "The Patient operated on")),
				reg("Patient", "Patients of the implant register (NHS number, name, date of birth)", sp("identifier", "token", "NHS number ("+fhir.NHSNumberSystem+")")),
			},
			Interaction: []fhir.CapInteraction{{Code: "transaction", Documentation: "Create (with ifNoneExist) and read entries, all or nothing in one database transaction"},
				{Code: "batch", Documentation: "Create, read and update entries, each on its own"}},
		}},
	}
}

func (s *Module) metadata(w http.ResponseWriter, r *http.Request) error {
	c := s.Capability(s.base(r))
	writeResource(w, http.StatusOK, &c)
	return nil
}
