// Package fhir is the pure FHIR R4 side of clinsafe: the resources it
// reads and writes (only the elements it uses, each as R4 defines it), a
// strict decoder that names the element at fault, OperationOutcome, and
// the two-way mapping between a safety event and an LFPSE-profiled
// AdverseEvent, and between the implant register and Device, Procedure
// and Patient. It imports no database or HTTP package.
package fhir

import (
	"encoding/json"
	"fmt"
)

// Resource is any resource of this package.
type Resource interface {
	// ResourceKind is the resource's resourceType.
	ResourceKind() string
}

// Meta is Resource.meta.
type Meta struct {
	VersionID   string   `json:"versionId,omitempty" fhir:"id"`
	LastUpdated string   `json:"lastUpdated,omitempty" fhir:"instant"` // instant
	Profile     []string `json:"profile,omitempty"`
}

// Coding is a code from a code system.
type Coding struct {
	System  string `json:"system,omitempty"`
	Version string `json:"version,omitempty"`
	Code    string `json:"code,omitempty" fhir:"code"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a concept given by codes and text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Identifier is a business identifier.
type Identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

// Reference is a reference to another resource: "#id" for a contained
// one, "Type/id" for a resource of this server.
type Reference struct {
	Reference  string      `json:"reference,omitempty"`
	Type       string      `json:"type,omitempty"`
	Identifier *Identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

// Extension is an extension: a value, or nested extensions (never both).
// Nested extensions of an LFPSE extension have short names as url.
type Extension struct {
	URL           string      `json:"url"`
	Extension     []Extension `json:"extension,omitempty"`
	ValueCode     *string     `json:"valueCode,omitempty" fhir:"code"`
	ValueString   *string     `json:"valueString,omitempty"`
	ValueInteger  *int        `json:"valueInteger,omitempty"`
	ValueBoolean  *bool       `json:"valueBoolean,omitempty"`
	ValueDate     *string     `json:"valueDate,omitempty" fhir:"date"`
	ValueDateTime *string     `json:"valueDateTime,omitempty" fhir:"dateTime"`
	ValueTime     *string     `json:"valueTime,omitempty" fhir:"time"`
	ValueCoding   *Coding     `json:"valueCoding,omitempty"`
}

// HumanName is a person's name.
type HumanName struct {
	Text string `json:"text,omitempty"`
}

// Period is a time range.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// Annotation is a note.
type Annotation struct {
	Text string `json:"text"`
}

// AdverseEvent is the R4 AdverseEvent, as LFPSE profiles it.
type AdverseEvent struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id,omitempty" fhir:"id"`
	Meta         *Meta             `json:"meta,omitempty"`
	Contained    []Resource        `json:"contained,omitempty"`
	Extension    []Extension       `json:"extension,omitempty"`
	Identifier   *Identifier       `json:"identifier,omitempty"`                   // 0..1 in R4
	Actuality    string            `json:"actuality" fhir:"code=actual|potential"` // actual | potential
	Category     []CodeableConcept `json:"category,omitempty"`
	Event        *CodeableConcept  `json:"event,omitempty"`
	Subject      Reference         `json:"subject"`
	Date         string            `json:"date,omitempty" fhir:"dateTime"`     // dateTime
	Detected     string            `json:"detected,omitempty" fhir:"dateTime"` // dateTime
	RecordedDate string            `json:"recordedDate,omitempty" fhir:"dateTime"`
	Location     *Reference        `json:"location,omitempty"`
	Recorder     *Reference        `json:"recorder,omitempty"`
	Description  string            `json:"description,omitempty"`
	// SuspectEntity holds the devices and medicines involved.
	SuspectEntity []SuspectEntity `json:"suspectEntity,omitempty"`
}

// SuspectEntity is AdverseEvent.suspectEntity.
type SuspectEntity struct {
	Instance Reference `json:"instance"`
}

// Patient is the R4 Patient: a contained patient of an event (no
// identity, only the LFPSE patient information), or a patient of the
// implant register.
type Patient struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id,omitempty" fhir:"id"`
	Meta         *Meta        `json:"meta,omitempty"`
	Extension    []Extension  `json:"extension,omitempty"`
	Identifier   []Identifier `json:"identifier,omitempty"`
	Name         []HumanName  `json:"name,omitempty"`
	BirthDate    string       `json:"birthDate,omitempty" fhir:"date"`
}

// Practitioner is the R4 Practitioner: the reporter of an event.
type Practitioner struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id,omitempty" fhir:"id"`
	Meta         *Meta        `json:"meta,omitempty"`
	Extension    []Extension  `json:"extension,omitempty"`
	Identifier   []Identifier `json:"identifier,omitempty"`
	Name         []HumanName  `json:"name,omitempty"`
}

// Location is the R4 Location: where an event happened.
type Location struct {
	ResourceType string      `json:"resourceType"`
	ID           string      `json:"id,omitempty" fhir:"id"`
	Meta         *Meta       `json:"meta,omitempty"`
	Extension    []Extension `json:"extension,omitempty"`
	Name         string      `json:"name,omitempty"`
}

// Medication is the R4 Medication: a medicine involved in an event.
type Medication struct {
	ResourceType string           `json:"resourceType"`
	ID           string           `json:"id,omitempty" fhir:"id"`
	Meta         *Meta            `json:"meta,omitempty"`
	Extension    []Extension      `json:"extension,omitempty"`
	Code         *CodeableConcept `json:"code,omitempty"`
}

// Group is the R4 Group: the patients of an event that affected more
// than one.
type Group struct {
	ResourceType string        `json:"resourceType"`
	ID           string        `json:"id,omitempty" fhir:"id"`
	Meta         *Meta         `json:"meta,omitempty"`
	Type         string        `json:"type" fhir:"code=person|animal|practitioner|device|medication|substance"` // person | animal | ...
	Actual       bool          `json:"actual"`
	Quantity     *int          `json:"quantity,omitempty"`
	Member       []GroupMember `json:"member,omitempty"`
}

// GroupMember is Group.member.
type GroupMember struct {
	Entity Reference `json:"entity"`
}

// UDICarrier is Device.udiCarrier: the barcode as read (carrierHRF) and
// the device identifier parsed from it.
type UDICarrier struct {
	DeviceIdentifier string `json:"deviceIdentifier,omitempty"`
	Issuer           string `json:"issuer,omitempty"`
	CarrierHRF       string `json:"carrierHRF,omitempty"`
	EntryType        string `json:"entryType,omitempty" fhir:"code=barcode|rfid|manual|card|self-reported|unknown"`
}

// DeviceName is Device.deviceName.
type DeviceName struct {
	Name string `json:"name"`
	Type string `json:"type" fhir:"code=udi-label-name|user-friendly-name|patient-reported-name|manufacturer-name|model-name|other"` // udi-label-name | user-friendly-name | patient-reported-name | manufacturer-name | model-name | other
}

// Device is the R4 Device: a device involved in an event, or an implant
// of the register.
type Device struct {
	ResourceType    string           `json:"resourceType"`
	ID              string           `json:"id,omitempty" fhir:"id"`
	Meta            *Meta            `json:"meta,omitempty"`
	Extension       []Extension      `json:"extension,omitempty"`
	Identifier      []Identifier     `json:"identifier,omitempty"`
	UDICarrier      []UDICarrier     `json:"udiCarrier,omitempty"`
	Status          string           `json:"status,omitempty" fhir:"code=active|inactive|entered-in-error|unknown"` // active | inactive | entered-in-error | unknown
	Manufacturer    string           `json:"manufacturer,omitempty"`
	ManufactureDate string           `json:"manufactureDate,omitempty" fhir:"dateTime"`
	ExpirationDate  string           `json:"expirationDate,omitempty" fhir:"dateTime"`
	LotNumber       string           `json:"lotNumber,omitempty"`
	SerialNumber    string           `json:"serialNumber,omitempty"`
	DeviceName      []DeviceName     `json:"deviceName,omitempty"`
	ModelNumber     string           `json:"modelNumber,omitempty"`
	PartNumber      string           `json:"partNumber,omitempty"`
	Type            *CodeableConcept `json:"type,omitempty"`
	Patient         *Reference       `json:"patient,omitempty"`
	Note            []Annotation     `json:"note,omitempty"`
}

// Procedure is the R4 Procedure: an implant procedure of the register.
type Procedure struct {
	ResourceType      string            `json:"resourceType"`
	ID                string            `json:"id,omitempty" fhir:"id"`
	Meta              *Meta             `json:"meta,omitempty"`
	Status            string            `json:"status" fhir:"code=preparation|in-progress|not-done|on-hold|stopped|completed|entered-in-error|unknown"` // preparation | in-progress | not-done | on-hold | stopped | completed | entered-in-error | unknown
	Code              *CodeableConcept  `json:"code,omitempty"`
	Subject           Reference         `json:"subject"`
	PerformedDateTime string            `json:"performedDateTime,omitempty" fhir:"dateTime"`
	Performer         []ProcPerformer   `json:"performer,omitempty"`
	Location          *Reference        `json:"location,omitempty"`
	BodySite          []CodeableConcept `json:"bodySite,omitempty"`
	FocalDevice       []FocalDevice     `json:"focalDevice,omitempty"`
}

// ProcPerformer is Procedure.performer.
type ProcPerformer struct {
	Actor Reference `json:"actor"`
}

// FocalDevice is Procedure.focalDevice.
type FocalDevice struct {
	Action      *CodeableConcept `json:"action,omitempty"`
	Manipulated Reference        `json:"manipulated"`
}

// OperationOutcome is the R4 OperationOutcome: every error of the server.
type OperationOutcome struct {
	ResourceType string         `json:"resourceType"`
	ID           string         `json:"id,omitempty" fhir:"id"`
	Issue        []OutcomeIssue `json:"issue"`
}

// OutcomeIssue is OperationOutcome.issue.
type OutcomeIssue struct {
	Severity    string           `json:"severity" fhir:"code=fatal|error|warning|information"` // fatal | error | warning | information
	Code        string           `json:"code"`
	Details     *CodeableConcept `json:"details,omitempty"`
	Diagnostics string           `json:"diagnostics,omitempty"`
	Expression  []string         `json:"expression,omitempty"`
}

// Bundle is the R4 Bundle: search results, history, and transaction and
// batch requests and responses.
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	ID           string        `json:"id,omitempty" fhir:"id"`
	Meta         *Meta         `json:"meta,omitempty"`
	Type         string        `json:"type" fhir:"code=document|message|transaction|transaction-response|batch|batch-response|history|searchset|collection"` // document | message | transaction | transaction-response | batch | batch-response | history | searchset | collection
	Timestamp    string        `json:"timestamp,omitempty" fhir:"instant"`
	Total        *int          `json:"total,omitempty"`
	Link         []BundleLink  `json:"link,omitempty"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}

// BundleLink is Bundle.link.
type BundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// BundleEntry is Bundle.entry.
type BundleEntry struct {
	FullURL  string         `json:"fullUrl,omitempty"`
	Resource Resource       `json:"resource,omitempty"`
	Search   *EntrySearch   `json:"search,omitempty"`
	Request  *EntryRequest  `json:"request,omitempty"`
	Response *EntryResponse `json:"response,omitempty"`
}

// EntrySearch is Bundle.entry.search.
type EntrySearch struct {
	Mode string `json:"mode,omitempty" fhir:"code=match|include|outcome"` // match | include | outcome
}

// EntryRequest is Bundle.entry.request.
type EntryRequest struct {
	Method      string `json:"method" fhir:"code=GET|HEAD|POST|PUT|DELETE|PATCH"` // GET | HEAD | POST | PUT | DELETE | PATCH
	URL         string `json:"url"`
	IfMatch     string `json:"ifMatch,omitempty"`
	IfNoneExist string `json:"ifNoneExist,omitempty"`
}

// EntryResponse is Bundle.entry.response.
type EntryResponse struct {
	Status       string   `json:"status"`
	Location     string   `json:"location,omitempty"`
	Etag         string   `json:"etag,omitempty"`
	LastModified string   `json:"lastModified,omitempty"`
	Outcome      Resource `json:"outcome,omitempty"`
}

// ResourceKind implementations.
func (AdverseEvent) ResourceKind() string     { return "AdverseEvent" }
func (Patient) ResourceKind() string          { return "Patient" }
func (Practitioner) ResourceKind() string     { return "Practitioner" }
func (Location) ResourceKind() string         { return "Location" }
func (Medication) ResourceKind() string       { return "Medication" }
func (Group) ResourceKind() string            { return "Group" }
func (Device) ResourceKind() string           { return "Device" }
func (Procedure) ResourceKind() string        { return "Procedure" }
func (OperationOutcome) ResourceKind() string { return "OperationOutcome" }
func (Bundle) ResourceKind() string           { return "Bundle" }
func (CapabilityStatement) ResourceKind() string {
	return "CapabilityStatement"
}

// kinds are the resources the decoder knows by resourceType.
var kinds = map[string]func() Resource{
	"AdverseEvent":        func() Resource { return &AdverseEvent{} },
	"Patient":             func() Resource { return &Patient{} },
	"Practitioner":        func() Resource { return &Practitioner{} },
	"Location":            func() Resource { return &Location{} },
	"Medication":          func() Resource { return &Medication{} },
	"Group":               func() Resource { return &Group{} },
	"Device":              func() Resource { return &Device{} },
	"Procedure":           func() Resource { return &Procedure{} },
	"OperationOutcome":    func() Resource { return &OperationOutcome{} },
	"Bundle":              func() Resource { return &Bundle{} },
	"CapabilityStatement": func() Resource { return &CapabilityStatement{} },
}

// Marshal encodes r as JSON.
func Marshal(r Resource) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("fhir: encode %s: %w", r.ResourceKind(), err)
	}
	return b, nil
}

// CapabilityStatement is the R4 CapabilityStatement of the server.
type CapabilityStatement struct {
	ResourceType   string       `json:"resourceType"`
	ID             string       `json:"id,omitempty" fhir:"id"`
	Status         string       `json:"status" fhir:"code=draft|active|retired|unknown"` // draft | active | retired | unknown
	Date           string       `json:"date" fhir:"dateTime"`
	Publisher      string       `json:"publisher,omitempty"`
	Kind           string       `json:"kind" fhir:"code=instance|capability|requirements"` // instance | capability | requirements
	Software       *CapSoftware `json:"software,omitempty"`
	Implementation *CapImpl     `json:"implementation,omitempty"`
	FHIRVersion    string       `json:"fhirVersion"`
	Format         []string     `json:"format"`
	Rest           []CapRest    `json:"rest,omitempty"`
}

// CapSoftware is CapabilityStatement.software.
type CapSoftware struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// CapImpl is CapabilityStatement.implementation.
type CapImpl struct {
	Description string `json:"description"`
	URL         string `json:"url,omitempty"`
}

// CapRest is CapabilityStatement.rest.
type CapRest struct {
	Mode          string           `json:"mode" fhir:"code=client|server"` // client | server
	Documentation string           `json:"documentation,omitempty"`
	Security      *CapSecurity     `json:"security,omitempty"`
	Resource      []CapResource    `json:"resource,omitempty"`
	Interaction   []CapInteraction `json:"interaction,omitempty"`
}

// CapSecurity is CapabilityStatement.rest.security.
type CapSecurity struct {
	Description string `json:"description,omitempty"`
}

// CapResource is CapabilityStatement.rest.resource.
type CapResource struct {
	Type              string           `json:"type"`
	Profile           string           `json:"profile,omitempty"`
	SupportedProfile  []string         `json:"supportedProfile,omitempty"`
	Documentation     string           `json:"documentation,omitempty"`
	Interaction       []CapInteraction `json:"interaction,omitempty"`
	Versioning        string           `json:"versioning,omitempty"` // no-version | versioned | versioned-update
	ReadHistory       *bool            `json:"readHistory,omitempty"`
	UpdateCreate      *bool            `json:"updateCreate,omitempty"`
	ConditionalCreate *bool            `json:"conditionalCreate,omitempty"`
	ConditionalUpdate *bool            `json:"conditionalUpdate,omitempty"`
	ConditionalDelete string           `json:"conditionalDelete,omitempty"`
	SearchParam       []CapSearchParam `json:"searchParam,omitempty"`
}

// CapInteraction is an interaction of a resource or of the system.
type CapInteraction struct {
	Code          string `json:"code"`
	Documentation string `json:"documentation,omitempty"`
}

// CapSearchParam is CapabilityStatement.rest.resource.searchParam.
type CapSearchParam struct {
	Name          string `json:"name"`
	Definition    string `json:"definition,omitempty"`
	Type          string `json:"type"` // number | date | string | token | reference | composite | quantity | uri | special
	Documentation string `json:"documentation,omitempty"`
}
