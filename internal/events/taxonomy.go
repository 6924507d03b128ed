// Package events is the pure domain of the safety events pillar: the four
// LFPSE record types, the LFPSE taxonomy codes (as data, with their
// version), the declarative question flow that the reporting pages, the
// check-your-answers summary, validation and the API all come from, and
// the rules of review.
//
// The record is the LFPSE record: every answer is held under the id of
// the question that asked it, and each question names the LFPSE element it
// fills, so the mapping to the national FHIR AdverseEvent is one to one.
package events

import "slices"

// Entry is one code of a code list, with the words people see.
type Entry struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Hint  string `json:"hint,omitempty"`
}

// CodeList is a list of codes that answer one kind of question. LFPSE is
// the LFPSE extension or element the codes come from ("" for lists of
// clinsafe's own, such as when an event happened).
type CodeList struct {
	Name    string  `json:"name"`
	LFPSE   string  `json:"lfpse,omitempty"`
	Entries []Entry `json:"entries"`
}

// Has reports whether code is in the list.
func (l CodeList) Has(code string) bool {
	return slices.ContainsFunc(l.Entries, func(e Entry) bool { return e.Code == code })
}

// Label is the words of code, or code itself when the list lacks it.
func (l CodeList) Label(code string) string {
	for _, e := range l.Entries {
		if e.Code == code {
			return e.Label
		}
	}
	return code
}

// Taxonomy is one version of the code lists. A new LFPSE taxonomy version
// is a new Taxonomy value: data, not code. Each record carries the version
// it was made with.
type Taxonomy struct {
	Version string
	Lists   map[string]CodeList
}

// List returns the named list; an unknown name is an empty list (a
// programming error that the flow test catches).
func (t Taxonomy) List(name string) CodeList { return t.Lists[name] }

// Label is the words of code in the named list.
func (t Taxonomy) Label(list, code string) string { return t.List(list).Label(code) }

// Names of the code lists.
const (
	ListRecordType     = "record_type"
	ListWhen           = "when_kind"
	ListShift          = "shift"
	ListServiceArea    = "service_area"
	ListSpecialty      = "specialty"
	ListAgent          = "involved_agent"
	ListITFactor       = "it_involvement_factor"
	ListDeviceFactor   = "device_involvement_factor"
	ListDeviceType     = "device_type"
	ListPhysicalHarm   = "physical_harm"
	ListPsychHarm      = "psychological_harm"
	ListAgeBracket     = "age_bracket"
	ListAssociation    = "strength_of_association"
	ListConcern        = "level_of_concern"
	ListProcessStage   = "process_stage"
	ListDetection      = "detection_point"
	ListRiskTheme      = "risk_theme"
	ListYesNoUnknown   = "yes_no_unknown"
	ListRiskTimeframe  = "risk_timeframe"
	ListOutcomeType    = "outcome_type"
	ListReporterType   = "reporter_type"
	ListReporterRole   = "reporter_role"
	ListPatientsKnown  = "patients_affected"
	ListNeverEventType = "never_event_type"
	ListDataSharing    = "data_sharing"
)

// TaxonomyVersion is the LFPSE taxonomy version of LFPSE, the code lists
// clinsafe records with today.
const TaxonomyVersion = "5"

// LFPSE is the taxonomy clinsafe records with: the LFPSE codes as
// published for taxonomy version 5 (see ../shared/DOMAIN.md section 3),
// with clinsafe's own lists (when, shift, service area) where LFPSE asks
// for free text or a date.
var LFPSE = Taxonomy{Version: TaxonomyVersion, Lists: lists(
	CodeList{Name: ListRecordType, LFPSE: "event.coding", Entries: []Entry{
		{"1", "Patient safety incident", "Something unintended or unexpected happened that could have harmed, or did harm, a patient"},
		{"2", "Poor patient outcome", "A patient had an outcome that may have come from their care, such as an unplanned return to theatre"},
		{"3", "Risk", "Something that could cause harm to patients in future, though no incident has happened"},
		{"4", "Good care", "Care that went well and that others could learn from"},
	}},
	CodeList{Name: ListWhen, Entries: []Entry{
		{"exact", "I know the date and time", ""},
		{"today", "Today, time not known", ""},
		{"approximate", "I know roughly when", "Give the nearest date you can"},
		{"shift", "During a shift", "Give the date and the shift"},
	}},
	CodeList{Name: ListShift, Entries: []Entry{
		{"early", "Early (day)", ""}, {"late", "Late (evening)", ""}, {"night", "Night", ""},
	}},
	CodeList{Name: ListServiceArea, LFPSE: "ServiceArea", Entries: []Entry{
		{"acute", "Acute hospital inpatient", ""}, {"emergency", "Emergency department", ""},
		{"outpatient", "Outpatients", ""}, {"theatres", "Theatres and day surgery", ""},
		{"maternity", "Maternity", ""}, {"mental_health", "Mental health", ""},
		{"community", "Community services", ""}, {"primary_care", "General practice and primary care", ""},
		{"ambulance", "Ambulance service", ""}, {"pharmacy", "Pharmacy", ""},
		{"diagnostics", "Diagnostics (imaging, pathology)", ""}, {"other", "Other", ""},
	}},
	CodeList{Name: ListSpecialty, LFPSE: "Specialty", Entries: []Entry{
		{"medicine", "General medicine", ""}, {"surgery", "General surgery", ""},
		{"orthopaedics", "Trauma and orthopaedics", ""}, {"cardiology", "Cardiology", ""},
		{"paediatrics", "Paediatrics", ""}, {"obstetrics", "Obstetrics and gynaecology", ""},
		{"oncology", "Oncology", ""}, {"critical_care", "Critical care", ""},
		{"psychiatry", "Psychiatry", ""}, {"radiology", "Radiology", ""},
		{"anaesthetics", "Anaesthetics", ""}, {"elderly", "Care of older people", ""},
		{"other", "Other", ""}, {"unknown", "Not known", ""},
	}},
	CodeList{Name: ListAgent, LFPSE: "InvolvedAgents", Entries: []Entry{
		{"4", "Medications", ""}, {"3", "Devices", "Medical devices and equipment, including implants"},
		{"9", "IT systems or software", "Electronic records, prescribing, results, apps and other software"},
		{"13", "Buildings or infrastructure", ""}, {"14", "Estates services", ""},
		{"11", "Blood", ""}, {"12", "Blood products", ""},
		{"8", "Tissues or organs for transplant", ""}, {"10", "None of the above", ""},
	}},
	CodeList{Name: ListITFactor, LFPSE: "ITInvolvementFactors", Entries: []Entry{
		{"1", "The wrong system or software was used", ""},
		{"2", "It was used in a way it was not designed for", ""},
		{"3", "It was not used when it should have been", ""},
		{"4", "It was faulty or malfunctioned", ""},
		{"5", "It was not fit for purpose or did not perform adequately", ""},
		{"6", "Other", ""}, {"7", "Don't know", ""},
	}},
	CodeList{Name: ListDeviceFactor, LFPSE: "DeviceInvolvementFactors", Entries: []Entry{
		{"1", "Used when it should not have been", ""}, {"2", "Not used when it should have been", ""},
		{"3", "Used incorrectly", ""}, {"4", "Broken, unfit or did not perform as expected", ""},
		{"5", "Involved in an accident, trip or collision", ""}, {"6", "Other", ""}, {"7", "Don't know", ""},
	}},
	CodeList{Name: ListDeviceType, LFPSE: "DeviceType", Entries: []Entry{
		{"36", "Breast implants", ""}, {"40", "Implant materials, including mesh and tapes", ""},
		{"89", "Orthopaedic implants (hip, knee)", ""}, {"90", "Gastrointestinal implants", ""},
		{"91", "Neurological implants", ""}, {"92", "Obstetric and gynaecological implants", ""},
		{"93", "Cardiovascular implants (stents)", ""},
		{"94", "Active cardiovascular implants (pacemakers, defibrillators)", ""},
		{"95", "Other non-active implants", ""}, {"96", "Other active implants", ""},
		{"100", "Standalone software and apps that are medical devices", ""},
	}},
	CodeList{Name: ListPhysicalHarm, LFPSE: "PhysicalHarm", Entries: []Entry{
		{"5", "No physical harm", ""}, {"4", "Low physical harm", "Minimal harm that needed extra observation or minor treatment"},
		{"3", "Moderate physical harm", "Needed further treatment or a procedure, or caused short-term harm"},
		{"2", "Severe physical harm", "Permanent or long-term harm"}, {"1", "Fatal", "The patient died as a result"},
	}},
	CodeList{Name: ListPsychHarm, LFPSE: "PsychologicalHarm", Entries: []Entry{
		{"4", "No psychological harm", ""}, {"3", "Low psychological harm", ""},
		{"2", "Moderate psychological harm", ""}, {"1", "Severe psychological harm", ""},
	}},
	CodeList{Name: ListAgeBracket, LFPSE: "AgeBracket", Entries: []Entry{
		{"neonate", "Under 28 days", ""}, {"infant", "28 days to under 1 year", ""},
		{"1-4", "1 to 4 years", ""}, {"5-15", "5 to 15 years", ""}, {"16-17", "16 to 17 years", ""},
		{"18-25", "18 to 25 years", ""}, {"26-35", "26 to 35 years", ""}, {"36-45", "36 to 45 years", ""},
		{"46-55", "46 to 55 years", ""}, {"56-65", "56 to 65 years", ""}, {"66-75", "66 to 75 years", ""},
		{"76-85", "76 to 85 years", ""}, {"86+", "86 years or over", ""}, {"unknown", "Not known", ""},
	}},
	CodeList{Name: ListAssociation, LFPSE: "StrengthOfAssociation", Entries: []Entry{
		{"6", "The incident caused the harm", ""}, {"5", "It probably caused the harm", ""},
		{"4", "It possibly caused the harm", ""}, {"3", "The harm was not related to the incident", ""},
		{"2", "Don't know", ""},
	}},
	CodeList{Name: ListConcern, LFPSE: "LevelOfConcern", Entries: []Entry{
		{"5", "Very concerned", ""}, {"4", "Fairly concerned", ""}, {"3", "Not very concerned", ""}, {"1", "Not at all concerned", ""},
	}},
	CodeList{Name: ListProcessStage, LFPSE: "ProcessStage", Entries: []Entry{
		{"1", "Accessing care", ""}, {"2", "Admission", ""}, {"3", "Assessment", ""}, {"4", "Diagnosis", ""},
		{"5", "Planning or prescribing", ""}, {"6", "Intervention or treatment", ""}, {"7", "Monitoring or follow-up", ""},
		{"8", "Referral or transfer", ""}, {"9", "Discharge", ""}, {"10", "Self-care", ""},
		{"11", "Not part of care delivery", ""}, {"12", "Don't know", ""},
	}},
	CodeList{Name: ListDetection, LFPSE: "DetectionPoint", Entries: []Entry{
		{"1", "Before it reached the patient", ""}, {"2", "When it reached the patient, before harm", ""},
		{"3", "After the patient was affected", ""}, {"4", "At a later review or audit", ""},
		{"5", "Reported by the patient or family", ""}, {"6", "Don't know", ""},
	}},
	CodeList{Name: ListRiskTheme, LFPSE: "RiskTheme", Entries: []Entry{
		{"1", "Staffing or capacity", ""}, {"2", "Medical devices, including supply", ""},
		{"3", "Medication, including supply", ""}, {"4", "Non-medical equipment", ""},
		{"5", "Buildings", ""}, {"6", "IT or the transfer of information", ""},
		{"7", "Administrative or governance processes", ""}, {"8", "Other", ""},
	}},
	CodeList{Name: ListYesNoUnknown, Entries: []Entry{{"y", "Yes", ""}, {"n", "No", ""}, {"u", "Don't know", ""}}},
	CodeList{Name: ListRiskTimeframe, LFPSE: "RiskTimeframe", Entries: []Entry{
		{"1", "Within the next week", ""}, {"2", "Within the next month", ""},
		{"3", "Within the next year", ""}, {"4", "Longer than a year", ""}, {"5", "Don't know", ""},
	}},
	CodeList{Name: ListOutcomeType, LFPSE: "OutcomeType", Entries: []Entry{
		{"1", "Unplanned readmission", ""}, {"2", "Unplanned admission to intensive care", ""},
		{"3", "Unplanned return to theatre", ""}, {"4", "Cardiac arrest or crash call", ""},
		{"5", "Unexpected death", ""}, {"6", "Other poor outcome", ""},
	}},
	CodeList{Name: ListReporterType, LFPSE: "ReporterType", Entries: []Entry{
		{"staff", "Member of staff", ""}, {"patient", "Patient", ""}, {"carer", "Family member or carer", ""}, {"other", "Someone else", ""},
	}},
	CodeList{Name: ListReporterRole, LFPSE: "ReporterRole", Entries: []Entry{
		{"nurse", "Nurse", ""}, {"midwife", "Midwife", ""}, {"doctor", "Doctor", ""},
		{"pharmacy", "Pharmacist or pharmacy technician", ""}, {"ahp", "Allied health professional", ""},
		{"hca", "Healthcare assistant or support worker", ""}, {"admin", "Administrative or clerical", ""},
		{"it", "IT or digital staff", ""}, {"manager", "Manager", ""}, {"other", "Other", ""},
	}},
	CodeList{Name: ListPatientsKnown, Entries: []Entry{
		{"y", "Yes", ""}, {"n", "No patient was involved", ""}, {"u", "Don't know", ""},
	}},
	CodeList{Name: ListNeverEventType, LFPSE: "NeverEventType", Entries: []Entry{
		{"wrong_site", "Wrong site surgery", ""}, {"wrong_implant", "Wrong implant or prosthesis", ""},
		{"retained_object", "Retained foreign object after a procedure", ""},
		{"wrong_route", "Medication given by the wrong route", ""},
		{"overdose_insulin", "Overdose of insulin from an abbreviation or wrong device", ""},
		{"misplaced_tube", "Misplaced naso- or oro-gastric tube", ""},
		{"wrong_blood", "Transfusion or transplantation of incompatible blood or organs", ""},
		{"other", "Another never event on the national list", ""},
	}},
	// LFPSE holds the answer as the reporter's DataSharingOptOut flag.
	CodeList{Name: ListDataSharing, Entries: []Entry{
		{"y", "Yes, it can be shared for learning", ""}, {"n", "No, I opt out of sharing", ""},
	}},
)}

func lists(ls ...CodeList) map[string]CodeList {
	m := make(map[string]CodeList, len(ls))
	for _, l := range ls {
		m[l.Name] = l
	}
	return m
}
