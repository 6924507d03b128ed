package fhir

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/clinsafe/clinsafe/gs1"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/events"
)

// EventInput is what the LFPSE mapping needs of a stored safety event
// (eventsdb builds it from an Event).
type EventInput struct {
	ID     string // the server id of the AdverseEvent
	Ref    string // clinsafe's reference, PSE-2026-000123
	OrgODS string // the reporting organisation's ODS code
	Record events.Record
	Status events.Status
	// Audience is who reported: staff or the public page.
	Audience events.Audience
	// Anonymous reports carry no identity of the reporter; ReporterID
	// and ReporterName are ignored.
	Anonymous    bool
	Confidential bool
	ReporterID   string
	ReporterName string
	// Gradings are the handler's current harm grading of each patient
	// graded, which LFPSE receives in place of the reported harm.
	Gradings []Grading
	// NationalRef is the national reference number once LFPSE accepted
	// the record.
	NationalRef string
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SubmittedAt *time.Time
}

// Grading is the current harm grading of one patient (item Patient of
// the patients group, from 0).
type Grading struct {
	Patient       int    `json:"patient"`
	Physical      string `json:"physical_harm"`
	Psychological string `json:"psychological_harm"`
}

// EventMeta is what an AdverseEvent says beside the record.
type EventMeta struct {
	// Ref is clinsafe's reference, when the identifier is clinsafe's;
	// Identifier the client's own, when it is another system's.
	Ref               string
	Identifier        *Identifier
	NationalRef       string
	Status            events.Status
	Audience          events.Audience
	Anonymous         bool
	Confidential      bool
	DataSharingOptOut bool
	ReporterType      string
	// Gradings are the patients whose harm differs from the harm
	// reported (their PhysicalHarm is a grading, ReportedPhysicalHarm the
	// report).
	Gradings []Grading
	// Paths name the element of the AdverseEvent that holds each answer
	// (the field names of events.Flow.Check: "description",
	// "devices.0.factors"), so that a refusal of the record names the
	// element at fault.
	Paths map[string]string
}

// Expression is the element of the AdverseEvent that holds field, or
// the nearest element that would hold it.
func (m EventMeta) Expression(field string) string {
	if p, ok := m.Paths[field]; ok {
		return p
	}
	if i := strings.Index(field, "."); i > 0 {
		if n := strings.Index(field[i+1:], "."); n > 0 {
			if p, ok := m.Paths[field[:i+1+n]]; ok {
				return p
			}
		}
		if p, ok := m.Paths[field[:i]]; ok {
			return p
		}
	}
	return "AdverseEvent"
}

// Names of the LFPSE extensions (before the version suffix).
const (
	ExtEventDetails = "event-details"
	ExtIT           = "it-involvement"
	ExtRisk         = "risk-details"
	ExtGoodCare     = "good-care-details"
	ExtPatient      = "patient-information"
	ExtReporter     = "reporter-information"
	ExtDevice       = "device-information"
	ExtMedication   = "medication-information"
)

// sections are the AdverseEvent extensions that hold the answers of the
// top-level questions, by LFPSE element name.
var sections = map[string]string{
	"TimeOfDay": ExtEventDetails, "ServiceArea": ExtEventDetails, "Specialty": ExtEventDetails,
	"InvolvedAgents": ExtEventDetails, "PatientsAffected": ExtEventDetails, "LevelOfConcern": ExtEventDetails,
	"ImmediateActions": ExtEventDetails, "ProcessStage": ExtEventDetails, "DetectionPoint": ExtEventDetails,
	"OutcomeType": ExtEventDetails,
	"ITSystem":    ExtIT, "ITInvolvementFactors": ExtIT, "ITProblemDescription": ExtIT,
	"RiskTheme": ExtRisk, "RiskImminent": ExtRisk, "RiskTimeframe": ExtRisk,
	"GoodCareLearning": ExtGoodCare, "GoodCareDetection": ExtGoodCare,
}

var sectionOrder = []string{ExtEventDetails, ExtIT, ExtRisk, ExtGoodCare}

// element is the LFPSE element name of question q ("" for those mapped
// to elements of their own).
func element(q events.Question) string {
	if q.ID == events.AnsPatientsSaid {
		return "PatientsAffected"
	}
	if q.LFPSE == "" || !unicode.IsUpper(rune(q.LFPSE[0])) || q.Group != "" {
		return ""
	}
	if _, ok := sections[q.LFPSE]; !ok {
		return ""
	}
	return q.LFPSE
}

// topQuestions are the questions of the standard flow held in the
// section extensions, by element name.
var topQuestions = func() map[string]events.Question {
	m := map[string]events.Question{}
	for _, q := range events.Standard.Questions {
		if e := element(q); e != "" {
			m[e] = q
		}
	}
	return m
}()

func member(group, id string) events.Question {
	for q := range events.Standard.Members(group) {
		if q.ID == id {
			return q
		}
	}
	return events.Question{}
}

func ptr[T any](v T) *T { return &v }

func codeExt(url, v string) Extension   { return Extension{URL: url, ValueCode: &v} }
func stringExt(url, v string) Extension { return Extension{URL: url, ValueString: &v} }
func boolExt(url string, v bool) Extension {
	return Extension{URL: url, ValueBoolean: &v}
}

// answerExts are the sub-extensions of answer vs to q named name.
func answerExts(name string, q events.Question, vs []string) []Extension {
	var out []Extension
	for _, v := range vs {
		switch q.Kind {
		case events.KindChoice, events.KindMulti:
			out = append(out, codeExt(name, v))
		case events.KindDate:
			out = append(out, Extension{URL: name, ValueDate: ptr(v)})
		default:
			out = append(out, stringExt(name, v))
		}
	}
	return out
}

func instant(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Instant is t as a FHIR instant.
func Instant(t time.Time) string { return instant(t) }

// AdverseEventFromEvent maps a stored event to its LFPSE AdverseEvent.
func AdverseEventFromEvent(cfg Config, in EventInput) (AdverseEvent, error) {
	rec := in.Record
	if !rec.Type.Valid() {
		return AdverseEvent{}, fmt.Errorf("fhir: event %s: record type %q", in.ID, rec.Type)
	}
	ae := AdverseEvent{ResourceType: "AdverseEvent", Actuality: "actual", Meta: &Meta{Profile: []string{cfg.Profile()}}}
	if rec.Type == events.Risk {
		ae.Actuality = "potential"
	}
	if !cfg.Submission {
		ae.ID = in.ID
		if in.Version > 0 {
			ae.Meta.VersionID = strconv.Itoa(in.Version)
		}
		if !in.UpdatedAt.IsZero() {
			ae.Meta.LastUpdated = instant(in.UpdatedAt)
		}
		if in.Ref != "" {
			ae.Identifier = &Identifier{System: cfg.ReferenceSystem(), Value: in.Ref}
		}
	}
	typ := Coding{System: cfg.EventTypeSystem(), Code: string(rec.Type), Display: rec.Type.Label()}
	// R4 has no AdverseEvent.description: what happened is the text of
	// the event, beside the coding of its type.
	ae.Event = &CodeableConcept{Coding: []Coding{typ}, Text: rec.Answers.Get(events.AnsDescription)}
	ae.Category = []CodeableConcept{{Coding: []Coding{typ}}}
	reported := in.CreatedAt
	if in.SubmittedAt != nil {
		reported = *in.SubmittedAt
		ae.RecordedDate = instant(*in.SubmittedAt)
	}
	if rec.Type != events.Risk {
		ae.Date = occurrence(rec, reported)
	}

	// The answers of the section extensions, in the flow's order.
	bySection := map[string][]Extension{}
	for _, q := range events.Standard.Questions {
		e := element(q)
		if e == "" {
			continue
		}
		if vs := rec.Answers[q.ID]; len(vs) > 0 {
			bySection[sections[e]] = append(bySection[sections[e]], answerExts(e, q, vs)...)
		}
	}
	for _, s := range sectionOrder {
		if len(bySection[s]) > 0 {
			ae.Extension = append(ae.Extension, Extension{URL: cfg.Ext(s), Extension: bySection[s]})
		}
	}

	// Where.
	if loc := rec.Answers.Get(events.AnsLocation); loc != "" {
		ae.Contained = append(ae.Contained, &Location{ResourceType: "Location", ID: "location", Name: loc})
		ae.Location = &Reference{Reference: "#location"}
	}

	// Patients.
	graded := map[int]Grading{}
	for _, g := range in.Gradings {
		graded[g.Patient] = g
	}
	patients := rec.Groups[events.GroupPatients]
	for i, p := range patients {
		id := fmt.Sprintf("patient%d", i+1)
		info := []Extension{{URL: "PatientSequence", ValueInteger: ptr(i + 1)}}
		phys, psych := p.Get(events.PatPhysical), p.Get(events.PatPsych)
		g, isGraded := graded[i]
		if isGraded && g.Physical != "" && g.Physical != phys {
			info = append(info, codeExt("PhysicalHarm", g.Physical), codeExt("ReportedPhysicalHarm", phys))
		} else if phys != "" {
			info = append(info, codeExt("PhysicalHarm", phys))
		}
		if isGraded && g.Psychological != "" && g.Psychological != psych {
			info = append(info, codeExt("PsychologicalHarm", g.Psychological), codeExt("ReportedPsychologicalHarm", psych))
		} else if psych != "" {
			info = append(info, codeExt("PsychologicalHarm", psych))
		}
		if v := p.Get(events.PatAge); v != "" {
			info = append(info, codeExt("AgeBracket", v))
		}
		if v := p.Get(events.PatAssociation); v != "" {
			info = append(info, codeExt("StrengthOfAssociation", v))
		}
		ae.Contained = append(ae.Contained, &Patient{ResourceType: "Patient", ID: id, Extension: []Extension{{URL: cfg.Ext(ExtPatient), Extension: info}}})
	}
	switch {
	case len(patients) == 1:
		ae.Subject = Reference{Reference: "#patient1"}
	case len(patients) > 1:
		g := &Group{ResourceType: "Group", ID: "patients", Type: "person", Actual: true, Quantity: ptr(len(patients))}
		for i := range patients {
			g.Member = append(g.Member, GroupMember{Entity: Reference{Reference: fmt.Sprintf("#patient%d", i+1)}})
		}
		ae.Contained = append(ae.Contained, g)
		ae.Subject = Reference{Reference: "#patients"}
	default:
		ae.Subject = Reference{Display: noPatient(rec)}
	}

	// Devices and medicines.
	for i, d := range rec.Groups[events.GroupDevices] {
		id := fmt.Sprintf("device%d", i+1)
		dev := &Device{ResourceType: "Device", ID: id, Manufacturer: d.Get(events.DevManufacturer), ModelNumber: d.Get(events.DevModel),
			SerialNumber: d.Get(events.DevSerial), LotNumber: d.Get(events.DevLot)}
		if raw := d.Get(events.DevBarcode); raw != "" {
			dev.UDICarrier = []UDICarrier{CarrierOf(raw)}
		}
		var info []Extension
		if v := d.Get(events.DevType); v != "" {
			info = append(info, codeExt("DeviceType", v))
		}
		for _, f := range d[events.DevFactors] {
			info = append(info, codeExt("DeviceInvolvementFactors", f))
		}
		if len(info) > 0 {
			dev.Extension = []Extension{{URL: cfg.Ext(ExtDevice), Extension: info}}
		}
		ae.Contained = append(ae.Contained, dev)
		ae.SuspectEntity = append(ae.SuspectEntity, SuspectEntity{Instance: Reference{Reference: "#" + id}})
	}
	for i, m := range rec.Groups[events.GroupMedicines] {
		id := fmt.Sprintf("medication%d", i+1)
		med := &Medication{ResourceType: "Medication", ID: id}
		if n := m.Get("name"); n != "" {
			med.Code = &CodeableConcept{Text: n}
		}
		if p := m.Get("problem"); p != "" {
			med.Extension = []Extension{{URL: cfg.Ext(ExtMedication), Extension: []Extension{stringExt("MedicationProblem", p)}}}
		}
		ae.Contained = append(ae.Contained, med)
		ae.SuspectEntity = append(ae.SuspectEntity, SuspectEntity{Instance: Reference{Reference: "#" + id}})
	}

	// The reporter.
	rep := &Practitioner{ResourceType: "Practitioner", ID: "reporter"}
	var info []Extension
	if in.OrgODS != "" {
		info = append(info, codeExt("ReporterOrganisation", in.OrgODS))
	}
	rt := rec.Answers.Get(events.AnsReporterType)
	if rt == "" && in.Audience != events.Public {
		rt = "staff"
	}
	if rt != "" {
		info = append(info, codeExt("ReporterType", rt))
	}
	if v := rec.Answers.Get(events.AnsReporterRole); v != "" {
		info = append(info, codeExt("ReporterRole", v))
	}
	info = append(info, boolExt("Anonymous", in.Anonymous))
	// The reporter's data sharing answer. A record reported before
	// clinsafe asked has none: the submission carries the LFPSE default
	// (not opted out); clinsafe's own FHIR leaves it out, so that the
	// record reads back unanswered.
	if rec.DataSharingAnswered() || cfg.Submission {
		info = append(info, boolExt("DataSharingOptOut", rec.DataSharingOptOut()))
	}
	rep.Extension = []Extension{{URL: cfg.Ext(ExtReporter), Extension: info}}
	if !in.Anonymous && !in.Confidential && !cfg.Submission && in.ReporterID != "" {
		rep.Identifier = []Identifier{{System: cfg.UserSystem(), Value: in.ReporterID}}
		if in.ReporterName != "" {
			rep.Name = []HumanName{{Text: in.ReporterName}}
		}
	}
	ae.Contained = append(ae.Contained, rep)
	ae.Recorder = &Reference{Reference: "#reporter"}

	// clinsafe's own: how the date was given, the workflow status, local
	// answers.
	if !cfg.Submission {
		var own []Extension
		if v := rec.Answers.Get(events.AnsWhenKind); v != "" {
			own = append(own, codeExt("WhenKind", v))
		}
		if in.Status != "" {
			own = append(own, codeExt("Status", string(in.Status)))
		}
		if in.Audience != "" {
			own = append(own, codeExt("Audience", string(in.Audience)))
		}
		if in.Confidential {
			own = append(own, boolExt("Confidential", true))
		}
		if in.NationalRef != "" {
			own = append(own, stringExt("NationalReference", in.NationalRef))
		}
		if rec.TaxonomyVersion != "" {
			own = append(own, stringExt("TaxonomyVersion", rec.TaxonomyVersion))
		}
		var locals []string
		for id := range rec.Answers {
			if strings.HasPrefix(id, "local.") {
				locals = append(locals, id)
			}
		}
		slices.Sort(locals)
		for _, id := range locals {
			l := Extension{URL: "Local", Extension: []Extension{stringExt("question", strings.TrimPrefix(id, "local."))}}
			for _, v := range rec.Answers[id] {
				l.Extension = append(l.Extension, stringExt("answer", v))
			}
			own = append(own, l)
		}
		if len(own) > 0 {
			ae.Extension = append(ae.Extension, Extension{URL: cfg.EventExt(), Extension: own})
		}
	}
	return ae, nil
}

func noPatient(rec events.Record) string {
	switch {
	case rec.Type == events.Risk || rec.Type == events.GoodCare:
		return "No patient: " + strings.ToLower(rec.Type.Label()) + " record"
	case rec.Answers.Get(events.AnsPatientsSaid) == "n":
		return "No patient was involved"
	}
	return "Not known whether a patient was affected"
}

// occurrence is AdverseEvent.date: the day and time when known exactly
// (with the London offset of that day), else the day.
func occurrence(rec events.Record, reported time.Time) string {
	day, _ := rec.OccurredOn(reported)
	if rec.Answers.Get(events.AnsWhenKind) == "exact" {
		if t := rec.Answers.Get(events.AnsTime); t != "" {
			// The first reading of a time in the hour that happens twice,
			// as the reporting flow checks it (not after the report).
			if at, err := clock.Earliest("2006-01-02 15:04", day+" "+t); err == nil {
				return at.Format("2006-01-02T15:04:05-07:00")
			}
		}
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return ""
	}
	return day
}

// CarrierOf is the udiCarrier of a barcode as scanned: the raw string
// as carrierHRF and, when it parses as GS1 or HIBC, the device
// identifier and its issuer.
func CarrierOf(raw string) UDICarrier {
	u := UDICarrier{CarrierHRF: raw, EntryType: "barcode"}
	r, err := gs1.Parse(raw, gs1.Options{Lenient: true, TextGS: true})
	if err != nil || r == nil {
		return u
	}
	if r.HIBC != nil {
		if r.HIBC.Labeler != "" && r.HIBC.Product != "" {
			u.DeviceIdentifier = r.HIBC.Labeler + r.HIBC.Product + strconv.Itoa(r.HIBC.UnitOfMeasure)
			u.Issuer = IssuerHIBC
		}
		return u
	}
	if g, ok := r.Get("01"); ok {
		u.DeviceIdentifier, u.Issuer = g, IssuerGS1
	}
	return u
}
