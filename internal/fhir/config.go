package fhir

import "strings"

// Config is what the LFPSE mapping needs to know of the national
// profiles. The URLs are configuration, not constants: the national
// service publishes them per taxonomy version and per environment.
type Config struct {
	// ProfileBase is the base of the AdverseEvent profile URL; the
	// profile is ProfileBase + "patient-safety-adverse-event-" + version.
	ProfileBase string
	// ExtensionBase is the base of the LFPSE extension URLs; an
	// extension is ExtensionBase + name + "-" + version.
	ExtensionBase string
	// CodeSystemBase is the base of the LFPSE code systems (the event
	// type), CodeSystemBase + name + "-" + version.
	CodeSystemBase string
	// TaxonomyVersion is the LFPSE taxonomy version of the profiles.
	TaxonomyVersion string
	// ClinsafeBase is the base of clinsafe's own extension and identifier
	// URLs (the workflow status, local questions, the event reference).
	ClinsafeBase string
	// Submission leaves out what is clinsafe's alone (its own extension,
	// the reporter's identity and the event's server id and meta), for a
	// resource sent to the national service.
	Submission bool
}

// DefaultProfileBase is the base of the profile and extension URLs the
// national service's published samples use (its test environment).
const DefaultProfileBase = "https://psims-uat.azure-api.net/taxonomy/fhir/StructureDefinition/"

// DefaultConfig is the configuration for taxonomy version 5 with the
// URLs of the published samples; production deployments set their own.
func DefaultConfig() Config {
	return Config{
		ProfileBase:     DefaultProfileBase,
		ExtensionBase:   DefaultProfileBase,
		CodeSystemBase:  "https://psims-uat.azure-api.net/taxonomy/fhir/CodeSystem/",
		TaxonomyVersion: "5",
		ClinsafeBase:    "https://clinsafe.org/fhir/",
	}
}

func slash(s string) string {
	if s != "" && !strings.HasSuffix(s, "/") {
		return s + "/"
	}
	return s
}

// Profile is the URL of the LFPSE AdverseEvent profile.
func (c Config) Profile() string {
	return slash(c.ProfileBase) + "patient-safety-adverse-event-" + c.TaxonomyVersion
}

// Ext is the URL of the LFPSE extension name.
func (c Config) Ext(name string) string {
	return slash(c.ExtensionBase) + name + "-" + c.TaxonomyVersion
}

// EventTypeSystem is the code system of the LFPSE event (record) type.
func (c Config) EventTypeSystem() string {
	return slash(c.CodeSystemBase) + "event-type-" + c.TaxonomyVersion
}

// EventExt is the URL of clinsafe's own extension of an AdverseEvent.
func (c Config) EventExt() string { return slash(c.ClinsafeBase) + "StructureDefinition/event" }

// ReferenceSystem is the identifier system of clinsafe's event
// references (PSE-2026-000123).
func (c Config) ReferenceSystem() string { return slash(c.ClinsafeBase) + "sid/event-reference" }

// UserSystem is the identifier system of clinsafe's user ids.
func (c Config) UserSystem() string { return slash(c.ClinsafeBase) + "sid/user" }

// Identifier systems of the implant register.
func (c Config) PatientSystem() string   { return slash(c.ClinsafeBase) + "sid/implant-patient" }
func (c Config) ImplantSystem() string   { return slash(c.ClinsafeBase) + "sid/implant" }
func (c Config) ProcedureSystem() string { return slash(c.ClinsafeBase) + "sid/implant-procedure" }

// NHSNumberSystem is the national identifier system of NHS numbers.
const NHSNumberSystem = "https://fhir.nhs.uk/Id/nhs-number"

// UDI issuers (HL7 naming systems).
const (
	IssuerGS1  = "http://hl7.org/fhir/NamingSystem/gs1-di"
	IssuerHIBC = "http://hl7.org/fhir/NamingSystem/hibcc-dI"
)
