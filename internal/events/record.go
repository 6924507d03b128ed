package events

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/clock"
)

// RecordType is one of the four LFPSE record types (its code is the LFPSE
// event type code).
type RecordType string

// The record types.
const (
	Incident RecordType = "1"
	Outcome  RecordType = "2"
	Risk     RecordType = "3"
	GoodCare RecordType = "4"
)

// RecordTypes are the record types in the order people choose them.
var RecordTypes = []RecordType{Incident, Outcome, Risk, GoodCare}

// Valid reports whether t is a record type.
func (t RecordType) Valid() bool { return slices.Contains(RecordTypes, t) }

// Label is the record type in words.
func (t RecordType) Label() string { return LFPSE.Label(ListRecordType, string(t)) }

// Status is where an event is in its life. A draft is the reporter's
// alone; every other status is a submitted, acknowledged report, which is
// never deleted.
type Status string

// The statuses.
const (
	Draft        Status = "draft"
	Submitted    Status = "submitted"
	InReview     Status = "in_review"
	AwaitingInfo Status = "awaiting_information"
	Closed       Status = "closed"
	Duplicate    Status = "duplicate"
	NotPSE       Status = "not_patient_safety"
)

// Statuses are the statuses of submitted events, in order.
var Statuses = []Status{Submitted, InReview, AwaitingInfo, Closed, Duplicate, NotPSE}

// Label is the status in words.
func (s Status) Label() string {
	switch s {
	case Draft:
		return "Draft"
	case Submitted:
		return "Submitted"
	case InReview:
		return "In review"
	case AwaitingInfo:
		return "Awaiting information"
	case Closed:
		return "Closed"
	case Duplicate:
		return "Duplicate"
	case NotPSE:
		return "Not a patient safety event"
	}
	return string(s)
}

// Open reports whether the event still needs a handler's work.
func (s Status) Open() bool { return s == Submitted || s == InReview || s == AwaitingInfo }

// The ids of answers that other parts of clinsafe read: the filters of the
// review queue, the triage of IT incidents, the links to devices.
const (
	AnsType         = "type" // answered by Record.Type
	AnsDescription  = "description"
	AnsWhenKind     = "when.kind"
	AnsDate         = "when.date"
	AnsTime         = "when.time"
	AnsShift        = "when.shift"
	AnsLocation     = "where.location"
	AnsServiceArea  = "where.service_area"
	AnsSpecialty    = "where.specialty"
	AnsAgents       = "agents"
	AnsSystem       = "it.system"
	AnsITFactors    = "it.factors"
	AnsITProblem    = "it.problem"
	AnsPatientsSaid = "patients.affected"
	AnsConcern      = "concern"
	AnsReporterType = "reporter.type"
	AnsReporterRole = "reporter.role"
	// AnsDataSharing is the reporter's answer to whether the national
	// service may share the report for learning: DataShare or
	// DataOptOut (the LFPSE DataSharingOptOut flag). A record reported
	// before the question has no answer, which is not an opt-out.
	AnsDataSharing = "reporter.data_sharing"

	GroupPatients  = "patients"
	GroupDevices   = "devices"
	GroupMedicines = "medicines"

	// Members of the patients group.
	PatPhysical    = "physical_harm"
	PatPsych       = "psychological_harm"
	PatAge         = "age_bracket"
	PatAssociation = "association"

	// Members of the devices group.
	DevType         = "type"
	DevFactors      = "factors"
	DevBarcode      = "barcode"
	DevManufacturer = "manufacturer"
	DevModel        = "model"
	DevSerial       = "serial"
	DevLot          = "lot"

	// Answers to AnsDataSharing.
	DataShare  = "y" // the report may be shared, de-identified, for learning
	DataOptOut = "n" // the reporter opts out of sharing

	// Agent codes.
	AgentMedication = "4"
	AgentDevice     = "3"
	AgentIT         = "9"
)

var (
	notRisk    = []RecordType{Incident, Outcome, GoodCare}
	harmTypes  = []RecordType{Incident, Outcome}
	agentTypes = []RecordType{Incident, Outcome, Risk}
)

// Standard is the national question flow: every question of every record
// type in the order a reporter meets them, with its branches. Pages,
// check-your-answers, validation and the API come from it; an
// organisation's local questions are added by WithLocal.
var Standard = Flow{Taxonomy: LFPSE, Questions: []Question{
	{ID: AnsType, Kind: KindChoice, List: ListRecordType, Required: true, Public: true, LFPSE: "event.coding",
		Prompt: "What are you reporting?"},
	{ID: AnsDescription, Kind: KindLongText, Required: true, Public: true, LFPSE: "description",
		Prompt: "What happened?", Hint: "Say what happened in your own words, as you know it now. Do not include names or NHS numbers.",
		PromptFor: map[RecordType]string{Risk: "Describe the risk", GoodCare: "What went well?"}},
	{ID: AnsWhenKind, Kind: KindChoice, List: ListWhen, Required: true, Public: true, Types: notRisk, LFPSE: "date",
		Prompt: "When did it happen?"},
	{ID: AnsDate, Kind: KindDate, Required: true, Public: true, Types: notRisk, Page: AnsDate, LFPSE: "date",
		If: &Cond{AnsWhenKind, []string{"exact", "approximate", "shift"}}, Prompt: "Date it happened", Hint: "For example, 27 3 2026"},
	{ID: AnsTime, Kind: KindTime, Required: true, Public: true, Types: notRisk, Page: AnsDate, LFPSE: "date",
		If: &Cond{AnsWhenKind, []string{"exact"}}, Prompt: "Time it happened", Hint: "In 24-hour format, for example 14:30"},
	{ID: AnsShift, Kind: KindChoice, List: ListShift, Required: true, Public: true, Types: notRisk, Page: AnsDate, LFPSE: "TimeOfDay",
		If: &Cond{AnsWhenKind, []string{"shift"}}, Prompt: "Which shift?"},
	{ID: AnsLocation, Kind: KindText, Required: true, Public: true, Prefill: FromLastReport, LFPSE: "Location",
		Prompt: "Where did it happen?", Hint: "The ward, department or place, for example Ward 7, Outpatients or the patient's home"},
	{ID: AnsServiceArea, Kind: KindChoice, List: ListServiceArea, Required: true, Prefill: FromLastReport, LFPSE: "ServiceArea",
		Prompt: "Which service area?"},
	{ID: AnsSpecialty, Kind: KindChoice, List: ListSpecialty, Prefill: FromLastReport, LFPSE: "Specialty",
		Prompt: "Which specialty? (optional)"},
	{ID: AnsAgents, Kind: KindMulti, List: ListAgent, Required: true, Public: true, Types: agentTypes, LFPSE: "InvolvedAgents",
		Prompt: "Were any of these involved?", Hint: "Select all that apply. Choosing IT systems or devices asks a few more questions about them."},
	{ID: AnsSystem, Kind: KindSystem, Required: true, Types: agentTypes, If: &Cond{AnsAgents, []string{AgentIT}}, LFPSE: "ITSystem",
		Prompt: "Which IT system was involved?", Hint: "Systems in your organisation's clinical risk register. Its clinical safety officer will see this report."},
	{ID: AnsITFactors, Kind: KindMulti, List: ListITFactor, Required: true, Types: agentTypes, If: &Cond{AnsAgents, []string{AgentIT}}, LFPSE: "ITInvolvementFactors",
		Prompt: "How was the IT system involved?", Hint: "Select all that apply"},
	{ID: AnsITProblem, Kind: KindLongText, Types: agentTypes, If: &Cond{AnsAgents, []string{AgentIT}}, LFPSE: "ITProblemDescription",
		Prompt: "What went wrong with the system? (optional)", Hint: "For example, the screen showed another patient's results"},
	{ID: GroupDevices, Kind: KindGroup, Min: 1, Max: MaxGroup, Public: true, Types: agentTypes, If: &Cond{AnsAgents, []string{AgentDevice}}, LFPSE: "contained.Device",
		Prompt: "Devices involved"},
	{ID: DevBarcode, Group: GroupDevices, Kind: KindText, LFPSE: "Device.udiCarrier",
		Prompt: "Barcode (optional)", Hint: "Scan the label if you have it: the manufacturer, lot and serial number are read from it"},
	{ID: DevType, Group: GroupDevices, Kind: KindChoice, List: ListDeviceType, LFPSE: "DeviceType", Prompt: "Type of device (optional)"},
	{ID: DevFactors, Group: GroupDevices, Kind: KindMulti, List: ListDeviceFactor, Required: true, Public: true, LFPSE: "DeviceInvolvementFactors",
		Prompt: "How was the device involved?"},
	{ID: DevManufacturer, Group: GroupDevices, Kind: KindText, Public: true, LFPSE: "Device.manufacturer", Prompt: "Manufacturer (optional)"},
	{ID: DevModel, Group: GroupDevices, Kind: KindText, Public: true, LFPSE: "Device.modelNumber", Prompt: "Model or product name (optional)"},
	{ID: DevSerial, Group: GroupDevices, Kind: KindText, LFPSE: "Device.serialNumber", Prompt: "Serial number (optional)"},
	{ID: DevLot, Group: GroupDevices, Kind: KindText, LFPSE: "Device.lotNumber", Prompt: "Batch or lot number (optional)"},
	{ID: GroupMedicines, Kind: KindGroup, Min: 1, Max: MaxGroup, Public: true, Types: agentTypes, If: &Cond{AnsAgents, []string{AgentMedication}}, LFPSE: "contained.Medication",
		Prompt: "Medicines involved"},
	{ID: "name", Group: GroupMedicines, Kind: KindText, Required: true, Public: true, LFPSE: "Medication.code", Prompt: "Name of the medicine"},
	{ID: "problem", Group: GroupMedicines, Kind: KindText, Public: true, LFPSE: "MedicationProblem", Prompt: "What went wrong with it? (optional)", Hint: "For example, wrong dose or given late"},
	{ID: AnsPatientsSaid, Kind: KindChoice, List: ListPatientsKnown, Required: true, Public: true, Types: harmTypes, LFPSE: "subject",
		Prompt: "Was a patient affected?"},
	{ID: GroupPatients, Kind: KindGroup, Min: 1, Max: MaxGroup, Public: true, Types: harmTypes, If: &Cond{AnsPatientsSaid, []string{"y"}}, LFPSE: "contained.Patient",
		Prompt: "Patients affected"},
	{ID: PatPhysical, Group: GroupPatients, Kind: KindChoice, List: ListPhysicalHarm, Required: true, Public: true, LFPSE: "PhysicalHarm",
		Prompt: "Physical harm to this patient", Hint: "As far as you know now. The patient safety team may grade it again after review."},
	{ID: PatPsych, Group: GroupPatients, Kind: KindChoice, List: ListPsychHarm, Required: true, Public: true, LFPSE: "PsychologicalHarm",
		Prompt: "Psychological harm to this patient"},
	{ID: PatAge, Group: GroupPatients, Kind: KindChoice, List: ListAgeBracket, Public: true, LFPSE: "AgeBracket", Prompt: "Age (optional)"},
	{ID: PatAssociation, Group: GroupPatients, Kind: KindChoice, List: ListAssociation, Required: true, LFPSE: "StrengthOfAssociation",
		Prompt: "Did the event cause the harm?"},
	{ID: AnsConcern, Kind: KindChoice, List: ListConcern, Required: true, Public: true, Types: []RecordType{Incident, Risk}, LFPSE: "LevelOfConcern",
		Prompt: "How concerned are you about it?"},
	{ID: "immediate_actions", Kind: KindLongText, Types: []RecordType{Incident, Risk}, LFPSE: "ImmediateActions",
		Prompt: "What was done straight away to make things safe? (optional)"},
	{ID: "process_stage", Kind: KindChoice, List: ListProcessStage, Types: harmTypes, LFPSE: "ProcessStage",
		Prompt: "At what stage of care did it happen? (optional)"},
	{ID: "detection", Kind: KindChoice, List: ListDetection, Types: []RecordType{Incident}, LFPSE: "DetectionPoint",
		Prompt: "When was it noticed? (optional)"},
	{ID: "risk.theme", Kind: KindChoice, List: ListRiskTheme, Required: true, Types: []RecordType{Risk}, LFPSE: "RiskTheme",
		Prompt: "What is the risk about?"},
	{ID: "risk.imminent", Kind: KindChoice, List: ListYesNoUnknown, Required: true, Public: true, Types: []RecordType{Risk}, LFPSE: "RiskImminent",
		Prompt: "Is there an imminent risk of death or severe harm?"},
	{ID: "risk.timeframe", Kind: KindChoice, List: ListRiskTimeframe, Types: []RecordType{Risk}, LFPSE: "RiskTimeframe",
		Prompt: "When could harm happen? (optional)"},
	{ID: "good.again", Kind: KindLongText, Public: true, Types: []RecordType{GoodCare}, LFPSE: "GoodCareLearning",
		Prompt: "How could this happen again? (optional)"},
	{ID: "good.detected", Kind: KindLongText, Types: []RecordType{GoodCare}, LFPSE: "GoodCareDetection",
		Prompt: "How did you notice it? (optional)"},
	{ID: "outcome.type", Kind: KindChoice, List: ListOutcomeType, Required: true, Public: true, Types: []RecordType{Outcome}, LFPSE: "OutcomeType",
		Prompt: "What was the outcome?"},
	// Staff are staff: their type comes from the sign-in, never asked.
	{ID: AnsReporterType, Kind: KindChoice, List: ListReporterType, Required: true, Public: true, Only: Public, LFPSE: "ReporterType",
		Prompt: "Who are you?"},
	{ID: AnsReporterRole, Kind: KindChoice, List: ListReporterRole, Prefill: FromLastReport, LFPSE: "ReporterRole",
		Prompt: "What is your role? (optional)"},
	// Asked of everyone, every time: the choice is about this report.
	{ID: AnsDataSharing, Kind: KindChoice, List: ListDataSharing, Required: true, Public: true, LFPSE: "DataSharingOptOut",
		Prompt: "Can the national patient safety service share your report for learning?",
		Hint: "Every report goes to the NHS national patient safety service, which uses it to keep patients safe. " +
			"If you agree, it may share what you reported, with anything that could identify a person removed, so that others can learn from it. " +
			"If you opt out, your report is still sent and used in the same way, but the service is told not to share it any further."},
}}

// LocalQuestion is a question an organisation's admin adds to a record
// type, carried in the record and its exports under "local.ID".
type LocalQuestion struct {
	ID       string     `json:"id"`
	Type     RecordType `json:"record_type"`
	Kind     Kind       `json:"kind"` // text, choice or date
	Prompt   string     `json:"prompt"`
	Hint     string     `json:"hint,omitempty"`
	Options  []string   `json:"options,omitempty"`
	Required bool       `json:"required"`
}

// LocalKinds are the kinds of local question an admin may add.
var LocalKinds = []Kind{KindText, KindChoice, KindDate}

// Check validates a local question; Invalid with per-field messages.
func (l *LocalQuestion) Check() error {
	l.Prompt, l.Hint = strings.TrimSpace(l.Prompt), strings.TrimSpace(l.Hint)
	var fs apperr.Fields
	fs.Check(!l.Type.Valid(), "record_type", "Select the kind of record that asks the question")
	fs.Check(!slices.Contains(LocalKinds, l.Kind), "kind", "Select text, a choice or a date")
	fs.Check(l.Prompt == "", "prompt", "Enter the question")
	fs.Check(len(l.Prompt) > MaxText, "prompt", "The question must be 200 characters or fewer")
	fs.Check(len(l.Hint) > MaxText, "hint", "The hint must be 200 characters or fewer")
	opts := nonEmpty(l.Options)
	if l.Kind == KindChoice {
		fs.Check(len(opts) < 2, "options", "Enter at least two choices, one a line")
		fs.Check(len(opts) > MaxLocalOpts, "options", fmt.Sprintf("Enter %d choices or fewer", MaxLocalOpts))
		for _, o := range opts {
			if len(o) > MaxText {
				fs.Add("options", "Each choice must be 200 characters or fewer")
				break
			}
		}
		l.Options = opts
	} else {
		l.Options = nil
	}
	return fs.Err()
}

// Question is the local question as a question of the flow. A choice's
// codes are its options' positions from 1, so a reworded option keeps
// its answers.
func (l LocalQuestion) Question() Question {
	q := Question{ID: "local." + l.ID, Kind: l.Kind, Prompt: l.Prompt, Hint: l.Hint, Required: l.Required,
		Types: []RecordType{l.Type}, Local: true, LFPSE: "local"}
	if l.Kind == KindChoice {
		for i, o := range l.Options {
			q.Options = append(q.Options, Entry{Code: fmt.Sprint(i + 1), Label: o})
		}
	}
	return q
}

// WithLocal is flow f with an organisation's local questions added before
// the questions about the reporter. Local questions are asked of staff
// only.
func (f Flow) WithLocal(local []LocalQuestion) Flow {
	if len(local) == 0 {
		return f
	}
	i := slices.IndexFunc(f.Questions, func(q Question) bool { return q.ID == AnsReporterType })
	qs := slices.Clone(f.Questions[:i])
	for _, l := range local {
		qs = append(qs, l.Question())
	}
	qs = append(qs, f.Questions[i:]...)
	return Flow{Taxonomy: f.Taxonomy, Questions: qs}
}

// Historical is flow f for an event reported before clinsafe held it
// (an import from an earlier system): the data sharing question, which
// such a report was never asked, is not required, so that the record
// keeps no answer rather than one made up (it is sent to LFPSE with its
// default, not opted out). An answer given is still checked.
func (f Flow) Historical() Flow {
	qs := slices.Clone(f.Questions)
	for i := range qs {
		if qs[i].ID == AnsDataSharing {
			qs[i].Required = false
		}
	}
	return Flow{Taxonomy: f.Taxonomy, Questions: qs}
}

// Agents are the codes of the agents involved.
func (r Record) Agents() []string { return r.Answers[AnsAgents] }

// Involves reports whether agent code is among the agents involved.
func (r Record) Involves(code string) bool { return r.Answers.Has(AnsAgents, code) }

// SystemID is the registered Health IT system the event concerns, or "".
func (r Record) SystemID() string {
	if !r.Involves(AgentIT) {
		return ""
	}
	if s := r.Answers.Get(AnsSystem); s != NoSystem {
		return s
	}
	return ""
}

// OccurredOn is the day the event happened (for a risk, or "today", the
// day it was reported) and whether the day is an estimate.
func (r Record) OccurredOn(reported time.Time) (day string, estimate bool) {
	switch r.Answers.Get(AnsWhenKind) {
	case "exact":
		return r.Answers.Get(AnsDate), false
	case "approximate", "shift":
		return r.Answers.Get(AnsDate), true
	}
	return clock.Date(reported), r.Type != Risk
}

// ReportedHarm is the worst physical harm reported for any patient (the
// lowest LFPSE code: 1 is fatal), or "" when no patient was affected.
func (r Record) ReportedHarm() string {
	worst := ""
	for _, p := range r.Groups[GroupPatients] {
		if h := p.Get(PatPhysical); h != "" && (worst == "" || h < worst) {
			worst = h
		}
	}
	return worst
}

// DataSharingOptOut reports whether the reporter opted out of the
// national service sharing the report. A record without the answer
// (reported before clinsafe asked) has not: the LFPSE default.
func (r Record) DataSharingOptOut() bool { return r.Answers.Get(AnsDataSharing) == DataOptOut }

// DataSharingAnswered reports whether the reporter answered the data
// sharing question.
func (r Record) DataSharingAnswered() bool { return r.Answers.Get(AnsDataSharing) != "" }

// Location is where the event happened.
func (r Record) Location() string { return r.Answers.Get(AnsLocation) }
