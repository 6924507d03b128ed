package knowledge

import (
	"fmt"
	"strings"
)

// BlueprintSet is a library of hazards common to one kind of health IT
// system, written by clinsafe in its own words, for a clinical safety
// officer to import into a system's hazard log and then tailor. A change
// to a set's hazards gives it a new Version; an imported hazard records
// the set and version it came from.
type BlueprintSet struct {
	Code       string            `json:"code"` // stable, in URLs: "eprescribing"
	Title      string            `json:"title"`
	SystemType string            `json:"system_type"` // a SystemTypes code
	Version    string            `json:"version"`
	Intro      string            `json:"intro"`
	Hazards    []BlueprintHazard `json:"hazards"`
}

// BlueprintHazard is one hazard of a set, with its usual causes, its
// effects on patients and controls that reduce it. Severity and Likelihood
// are the initial rating suggested (the clinical risk wing's codes), for
// the CSO to judge again for their own system.
type BlueprintHazard struct {
	Key         string             `json:"key"` // stable within the set, e.g. "EP-01"
	Name        string             `json:"name"`
	Description string             `json:"description"`
	Causes      []string           `json:"causes"`
	Effects     string             `json:"effects"`
	Controls    []SuggestedControl `json:"controls"`
	Severity    string             `json:"severity"`
	Likelihood  string             `json:"likelihood"`
}

// SuggestedControl is a control measure a blueprint suggests: its type
// (design, business_process_change, training or test) and which side
// usually puts it in place (manufacturer or deployer).
type SuggestedControl struct {
	Description string `json:"description"`
	Type        string `json:"type"`
	Side        string `json:"side"`
}

// BlueprintOf returns the set with code; false when there is none.
func BlueprintOf(code string) (BlueprintSet, bool) {
	for _, b := range Blueprints {
		if b.Code == code {
			return b, true
		}
	}
	return BlueprintSet{}, false
}

// Hazard returns the set's hazard with key; false when there is none.
func (b BlueprintSet) Hazard(key string) (BlueprintHazard, bool) {
	for _, h := range b.Hazards {
		if h.Key == key {
			return h, true
		}
	}
	return BlueprintHazard{}, false
}

// DocumentTitle is the title of the set's knowledge document, and the
// document an imported hazard names in its provenance.
func (b BlueprintSet) DocumentTitle() string { return "Hazard blueprint: " + b.Title }

var controlWords = map[string]string{"design": "Design", "business_process_change": "Business process change", "training": "Training", "test": "Test"}

// Markdown is the set as the body of a knowledge document.
func (b BlueprintSet) Markdown() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s\n\nVersion %s. A clinical safety officer can import these hazards into a system's hazard log in one step (from the hazard log, choose \"Import from a blueprint\"), then judge each for their own system.\n", b.Intro, b.Version)
	for _, h := range b.Hazards {
		fmt.Fprintf(&s, "\n## %s %s\n\n%s\n\n**Causes**\n\n", h.Key, h.Name, h.Description)
		for _, c := range h.Causes {
			fmt.Fprintf(&s, "- %s\n", c)
		}
		fmt.Fprintf(&s, "\n**Effects on patients**\n\n%s\n\n**Suggested controls**\n\n", h.Effects)
		for _, c := range h.Controls {
			fmt.Fprintf(&s, "- %s (%s, %s)\n", c.Description, controlWords[c.Type], c.Side)
		}
		fmt.Fprintf(&s, "\nSuggested initial rating: severity %s, likelihood %s.\n", strings.ReplaceAll(h.Severity, "_", " "), strings.ReplaceAll(h.Likelihood, "_", " "))
	}
	return s.String()
}

func ctl(desc, typ, side string) SuggestedControl {
	return SuggestedControl{Description: desc, Type: typ, Side: side}
}

const (
	mfr = "manufacturer"
	dep = "deployer"
)

// Blueprints are the hazard libraries, one per kind of system.
var Blueprints = []BlueprintSet{
	{Code: "eprescribing", Title: "Electronic prescribing and medicines administration", SystemType: "eprescribing", Version: "1.0",
		Intro: "Hazards common to electronic prescribing and medicines administration (ePMA) systems in hospitals and the community.",
		Hazards: []BlueprintHazard{
			{"EP-01", "Medicine prescribed for the wrong patient", "A prescription is written against a patient other than the one intended.",
				[]string{"Several patient records open at once", "Similar names in the same ward list", "Banner that does not show enough identifiers"},
				"The wrong patient receives a medicine not meant for them, and the intended patient misses it.",
				[]SuggestedControl{ctl("Patient banner shows name, date of birth and NHS number on every prescribing screen", "design", mfr),
					ctl("Only one patient record can be open for prescribing at a time", "design", mfr),
					ctl("Positive patient identification before prescribing, taught at induction", "training", dep)},
				"major", "low"},
			{"EP-02", "Wrong dose selected from a pick list", "A prescriber picks a dose, strength or unit next to the one intended.",
				[]string{"Long drop-down lists with similar entries", "Units that differ by a factor of 1000 (mg and microgram)", "Order sentences that are out of date"},
				"Overdose or underdose, which for high-risk medicines (insulin, opioids, anticoagulants) can cause serious harm.",
				[]SuggestedControl{ctl("Dose range checking with hard stops for high-risk medicines", "design", mfr),
					ctl("Order sentences reviewed by pharmacy before go-live and after each formulary change", "business_process_change", dep),
					ctl("Dose range checks tested against a set of known overdoses before each release", "test", mfr)},
				"major", "medium"},
			{"EP-03", "Allergy not shown or not checked", "A medicine is prescribed to a patient with a recorded allergy to it, without a warning.",
				[]string{"Allergy recorded as free text, not coded", "Allergy held in another system that does not interface", "Warnings overridden through alert fatigue"},
				"An allergic reaction, up to anaphylaxis.",
				[]SuggestedControl{ctl("Coded allergy recording with a check against every new prescription", "design", mfr),
					ctl("Allergy status must be recorded before the first prescription is allowed", "design", mfr),
					ctl("Regular review of alert override rates by the medication safety group", "business_process_change", dep)},
				"major", "low"},
			{"EP-04", "Dose missed or delayed on the administration chart", "A scheduled dose does not appear as due, or appears late, so it is not given on time.",
				[]string{"Time zone or daylight saving errors in scheduling", "Doses hidden below the visible part of the chart", "Time-critical medicines not marked as such"},
				"Missed or late doses; for time-critical medicines such as Parkinson's treatments, deterioration.",
				[]SuggestedControl{ctl("Overdue doses highlighted at the top of the ward view", "design", mfr),
					ctl("Time-critical medicines flagged and listed first on each drug round", "business_process_change", dep),
					ctl("Scheduling tested across clock changes before each release", "test", mfr)},
				"considerable", "medium"},
			{"EP-05", "Prescriptions lost or changed when a patient moves", "Prescriptions are not carried over, or are duplicated, when a patient is transferred or discharged.",
				[]string{"Transfer workflow that stops or restarts all medicines", "Discharge summary built from a stale list", "Interface failures to the receiving system"},
				"Omitted or duplicated medicines after transfer or discharge.",
				[]SuggestedControl{ctl("Medicines reconciliation step required at transfer and discharge", "business_process_change", dep),
					ctl("Interface messages acknowledged, with failures shown to the sending ward", "design", mfr),
					ctl("Ward staff trained on the transfer workflow", "training", dep)},
				"considerable", "medium"},
		}},
	{Code: "epr", Title: "Electronic patient record", SystemType: "epr", Version: "1.0",
		Intro: "Hazards common to electronic patient records: the core clinical record, results, orders and correspondence.",
		Hazards: []BlueprintHazard{
			{"EPR-01", "Information recorded in the wrong patient's record", "A note, observation or result is filed in another patient's record.",
				[]string{"Record left open between patients", "Search that returns a similarly named patient first", "Shared workstations without session locking"},
				"Care decisions for both patients are made on wrong information.",
				[]SuggestedControl{ctl("Automatic log-off and record closure on idle shared workstations", "design", mfr),
					ctl("Search results show date of birth and NHS number beside the name", "design", mfr),
					ctl("Procedure to correct and notify misfiled entries", "business_process_change", dep)},
				"major", "medium"},
			{"EPR-02", "Abnormal result not seen by the requester", "A result that needs action is filed without anyone responsible seeing it.",
				[]string{"Results routed to a clinician who has left", "No acknowledgement of results", "Too many results to review in the inbox"},
				"Delayed diagnosis or treatment.",
				[]SuggestedControl{ctl("Results need acknowledgement, with unacknowledged abnormal results escalated", "design", mfr),
					ctl("Results routed to a team, not only to a named person", "business_process_change", dep),
					ctl("Monthly report of unacknowledged results to service leads", "business_process_change", dep)},
				"major", "medium"},
			{"EPR-03", "System unavailable during care", "The record cannot be read or written during an outage, planned or not.",
				[]string{"Network or hosting failure", "Upgrade overrunning its window", "Cyber attack"},
				"Care given without the history, allergies and plans; delays to care.",
				[]SuggestedControl{ctl("Read-only downtime copy of key information refreshed at least hourly", "design", mfr),
					ctl("Business continuity plan with paper forms, rehearsed each year", "business_process_change", dep),
					ctl("Failover tested before go-live and after infrastructure changes", "test", mfr)},
				"considerable", "low"},
			{"EPR-04", "Data lost or changed in migration", "Records migrated from a previous system arrive incomplete, in the wrong place or with changed meaning.",
				[]string{"Mapping of codes between systems that loses detail", "Free text truncated", "Records of merged patients split again"},
				"Clinicians act on a record that is missing allergies, alerts or history.",
				[]SuggestedControl{ctl("Reconciliation of record counts and a clinical sample check after each migration load", "test", dep),
					ctl("Migrated data marked as such, with a link to the legacy record", "design", mfr),
					ctl("Clinical safety review of the mapping specification", "business_process_change", dep)},
				"considerable", "medium"},
			{"EPR-05", "Important alert hidden", "A clinical alert (safeguarding, resuscitation status, infection risk) is not visible where decisions are made.",
				[]string{"Alerts on a tab that is not opened", "Too many low-value alerts", "Alerts not carried into the mobile view"},
				"A decision is made without knowing the alert, such as resuscitation against the patient's decision.",
				[]SuggestedControl{ctl("High-priority alerts shown in the patient banner on every view", "design", mfr),
					ctl("Alert types reviewed and rationalised by a clinical group", "business_process_change", dep),
					ctl("Staff shown where alerts appear during system training", "training", dep)},
				"major", "low"},
		}},
	{Code: "pacs", Title: "Picture archiving and communication system", SystemType: "pacs", Version: "1.0",
		Intro: "Hazards common to PACS and imaging reporting: acquiring, storing, showing and reporting images.",
		Hazards: []BlueprintHazard{
			{"PACS-01", "Images attached to the wrong patient or study", "Images are stored against another patient or another examination.",
				[]string{"Manual entry of patient details at the modality", "Worklist not used", "Merging studies incorrectly"},
				"Wrong diagnosis for both patients; unnecessary or missed treatment.",
				[]SuggestedControl{ctl("Modality worklist used for every examination", "business_process_change", dep),
					ctl("Mismatch between image header and order flagged before storage", "design", mfr),
					ctl("Procedure for correcting and tracing misfiled images", "business_process_change", dep)},
				"major", "low"},
			{"PACS-02", "Left and right or orientation markers wrong", "Images are shown flipped or with the wrong side marker.",
				[]string{"Marker added after acquisition by hand", "Display settings that mirror images", "Hanging protocols set up wrongly"},
				"Procedure or surgery on the wrong side.",
				[]SuggestedControl{ctl("Orientation taken from the acquisition, not typed", "design", mfr),
					ctl("Hanging protocols checked by a radiologist before use", "test", dep),
					ctl("Side confirmed against the report in the surgical safety checklist", "business_process_change", dep)},
				"major", "very_low"},
			{"PACS-03", "Report not linked to its images or sent to the wrong clinician", "A report is not delivered, is delayed, or is attached to the wrong examination.",
				[]string{"Interface failure to the record", "Addenda not sent", "Referrer details out of date"},
				"Findings are not acted on; delayed diagnosis.",
				[]SuggestedControl{ctl("Interface monitoring with alerts for undelivered reports", "design", mfr),
					ctl("Unexpected significant findings also communicated directly", "business_process_change", dep),
					ctl("End-to-end test of report delivery after each interface change", "test", dep)},
				"considerable", "low"},
			{"PACS-04", "Prior images not available for comparison", "Earlier images are not shown when a new study is reported.",
				[]string{"Priors held in another organisation's archive", "Patient identifiers that do not match between archives", "Prefetch rules not set"},
				"Change in a lesion is missed; unnecessary repeat imaging and radiation.",
				[]SuggestedControl{ctl("Automatic prefetch of relevant priors", "design", mfr),
					ctl("Image sharing agreed with neighbouring organisations", "business_process_change", dep)},
				"considerable", "medium"},
			{"PACS-05", "Display not fit for diagnosis", "Images are reported on a screen that does not show them faithfully.",
				[]string{"Uncalibrated monitors", "Compression set too high", "Reporting on a web viewer meant for review"},
				"Subtle findings are missed.",
				[]SuggestedControl{ctl("Diagnostic monitors calibrated and quality-checked on a schedule", "business_process_change", dep),
					ctl("Viewer shows whether an image is lossy compressed", "design", mfr),
					ctl("Radiologists trained on which viewers are for diagnosis", "training", dep)},
				"considerable", "low"},
		}},
	{Code: "patient-app", Title: "Patient-facing app", SystemType: "patient-app", Version: "1.0",
		Intro: "Hazards common to apps and portals patients use to see their records, book care, message their team and manage conditions.",
		Hazards: []BlueprintHazard{
			{"APP-01", "Patient sees another person's information", "A patient is shown records, messages or results of someone else.",
				[]string{"Proxy access set up for the wrong person", "Caching on shared devices", "Identity matching on too few details"},
				"A breach of confidentiality; the patient may act on information that is not theirs.",
				[]SuggestedControl{ctl("Identity verified to a recognised standard before records are shown", "design", mfr),
					ctl("Proxy access checked and recorded by the practice", "business_process_change", dep),
					ctl("No caching of clinical data on the device", "design", mfr)},
				"considerable", "low"},
			{"APP-02", "Message needing urgent action goes unread", "A patient reports something urgent through the app and no one reads it in time.",
				[]string{"Messages read only in working hours", "No guidance to patients on urgent symptoms", "Inbox not covered in absences"},
				"Delayed care for a deteriorating patient.",
				[]SuggestedControl{ctl("Clear advice on every message screen to call 999 or 111 for urgent problems", "design", mfr),
					ctl("Inbox covered by a team with agreed response times", "business_process_change", dep),
					ctl("Keywords suggesting an emergency shown to the patient with urgent advice", "design", mfr)},
				"major", "low"},
			{"APP-03", "Result released without context", "A patient sees an abnormal result before a clinician has explained it.",
				[]string{"Results released automatically on arrival", "No explanation of reference ranges", "Serious diagnoses shown without a conversation"},
				"Distress, and decisions made without advice.",
				[]SuggestedControl{ctl("Release rules by test type, with sensitive results held for a clinician", "design", mfr),
					ctl("Plain-language explanations with each result", "design", mfr),
					ctl("Local policy on which results are released and when", "business_process_change", dep)},
				"significant", "medium"},
			{"APP-04", "Wrong medicine information shown", "The medicine list in the app does not match what the patient should take.",
				[]string{"List not refreshed after a change", "Discontinued medicines still shown", "Doses shown without units"},
				"The patient takes the wrong dose or a stopped medicine.",
				[]SuggestedControl{ctl("Medicine list shows when it was last updated and by whom", "design", mfr),
					ctl("Synchronisation failures shown to the patient and the practice", "design", mfr),
					ctl("Tests that compare the app's list with the clinical system's", "test", mfr)},
				"considerable", "low"},
			{"APP-05", "App unusable for some patients", "Patients with low vision, low literacy or limited English cannot use the app safely.",
				[]string{"Not meeting accessibility standards", "Medical jargon", "No other way to reach the service"},
				"Patients miss information or care, widening inequalities.",
				[]SuggestedControl{ctl("Accessibility audit against WCAG 2.2 AA before each major release", "test", mfr),
					ctl("Other ways to reach the service kept and advertised", "business_process_change", dep),
					ctl("Content written in plain English and tested with patients", "design", mfr)},
				"significant", "medium"},
		}},
	{Code: "remote-monitoring", Title: "Remote monitoring", SystemType: "remote-monitoring", Version: "1.0",
		Intro: "Hazards common to remote monitoring of patients at home: devices, readings, thresholds and the team that responds.",
		Hazards: []BlueprintHazard{
			{"RM-01", "Deterioration not noticed", "Readings show the patient is getting worse but no one acts.",
				[]string{"Alerts go to an unstaffed queue", "Thresholds set too wide", "Alerts acknowledged without action"},
				"Delayed treatment of deterioration, up to avoidable admission or death.",
				[]SuggestedControl{ctl("Alerts escalate if not acted on within an agreed time", "design", mfr),
					ctl("Staffed monitoring hours agreed, with patients told who to call outside them", "business_process_change", dep),
					ctl("Thresholds set per patient by a clinician and reviewed", "business_process_change", dep)},
				"major", "medium"},
			{"RM-02", "Readings missing without anyone noticing", "The patient stops sending readings, or they stop arriving, and this is not flagged.",
				[]string{"Device battery or connectivity failure", "Patient unwell and unable to take readings", "Integration failure"},
				"Silence is taken as stability while the patient deteriorates.",
				[]SuggestedControl{ctl("Missing readings raise an alert like an abnormal one", "design", mfr),
					ctl("Contact with the patient after a set period without readings", "business_process_change", dep)},
				"considerable", "medium"},
			{"RM-03", "Inaccurate readings from the device", "A device gives readings that are wrong.",
				[]string{"Device used incorrectly", "Uncalibrated or non-validated device", "Readings from another person in the household"},
				"Wrong decisions: unnecessary treatment, or deterioration missed.",
				[]SuggestedControl{ctl("Only validated devices supplied", "business_process_change", dep),
					ctl("Patients shown how to take readings, with the technique checked", "training", dep),
					ctl("Implausible readings flagged for confirmation", "design", mfr)},
				"considerable", "low"},
			{"RM-04", "Readings attributed to the wrong patient", "A device is registered to, or readings arrive for, the wrong patient.",
				[]string{"Devices reissued without reset", "Manual pairing of devices with records", "Shared devices"},
				"Two patients' care is based on each other's readings.",
				[]SuggestedControl{ctl("Device reset and re-registration required before reissue", "business_process_change", dep),
					ctl("Pairing confirmed with the patient's details on the device", "design", mfr)},
				"major", "very_low"},
			{"RM-05", "Patient unsure what to do when unwell", "The patient relies on monitoring instead of seeking help.",
				[]string{"Unclear expectations of the service", "No advice shown with abnormal readings"},
				"Delay in seeking emergency care.",
				[]SuggestedControl{ctl("Written agreement with the patient on what is monitored, when, and what to do in an emergency", "business_process_change", dep),
					ctl("Abnormal readings show the patient what to do next", "design", mfr)},
				"major", "low"},
		}},
	{Code: "ai-decision-support", Title: "AI decision support", SystemType: "ai-decision-support", Version: "1.0",
		Intro: "Hazards common to clinical decision support that uses machine learning or other AI: triage, risk prediction, image reading and summarisation.",
		Hazards: []BlueprintHazard{
			{"AI-01", "Model performs worse for some groups", "The model is less accurate for patients unlike those in its training data.",
				[]string{"Training data under-representing some ages, ethnicities or conditions", "Different equipment or population at the deploying site"},
				"Missed or wrong decisions concentrated in some groups, widening inequalities.",
				[]SuggestedControl{ctl("Performance reported by subgroup before deployment", "test", mfr),
					ctl("Local validation on the deploying site's own data before go-live", "test", dep),
					ctl("Ongoing monitoring of outcomes by subgroup", "business_process_change", dep)},
				"considerable", "medium"},
			{"AI-02", "Over-reliance on the output", "Clinicians accept the suggestion without their own judgement.",
				[]string{"Output presented as certain", "Time pressure", "Automation bias growing as the tool seems reliable"},
				"Errors of the tool pass into care unchecked.",
				[]SuggestedControl{ctl("Output shown with its confidence and the reasons for it", "design", mfr),
					ctl("Training on the tool's intended use and its limits", "training", dep),
					ctl("Audit of cases where the clinician and the tool disagreed", "business_process_change", dep)},
				"considerable", "medium"},
			{"AI-03", "Performance drifts after deployment", "The model gets less accurate over time.",
				[]string{"Changes in the patient population or clinical practice", "Upstream data changes, such as new codes or equipment", "Unreviewed model updates"},
				"More missed or wrong decisions, unnoticed.",
				[]SuggestedControl{ctl("Performance monitored against agreed thresholds, with a plan to stop using the tool", "business_process_change", dep),
					ctl("Each model update treated as a change with its own safety assessment", "business_process_change", mfr),
					ctl("Inputs checked for changes in distribution", "design", mfr)},
				"considerable", "medium"},
			{"AI-04", "Used outside its intended purpose", "The tool is used for patients, settings or questions it was not designed or validated for.",
				[]string{"Intended use not clear to users", "Tool available in every context of the record"},
				"Unvalidated output guides care.",
				[]SuggestedControl{ctl("Intended use and exclusions shown with every output", "design", mfr),
					ctl("Tool offered only in the pathways it is validated for", "design", dep)},
				"considerable", "low"},
			{"AI-05", "Generated text contains errors", "A summary or letter written by the tool includes wrong or invented information.",
				[]string{"Language models producing plausible but false text", "Source records that are incomplete"},
				"Wrong information enters the record and is acted on.",
				[]SuggestedControl{ctl("Generated text marked as such and reviewed by a clinician before it is filed", "business_process_change", dep),
					ctl("Each statement linked to the source it came from", "design", mfr),
					ctl("Testing against a reference set of records with known content", "test", mfr)},
				"considerable", "medium"},
		}},
}
