package risk

import "github.com/clinsafe/clinsafe/internal/apperr"

// Template is a hazard common to health IT systems that a CSO can add to a
// log in one step and then tailor. The wording is clinsafe's own.
type Template struct {
	// Key is stable and used in URLs and the API, e.g. "wrong-patient".
	Key               string     `json:"key"`
	Name              string     `json:"name"`
	Description       string     `json:"description"`
	ClinicalImpact    string     `json:"clinical_impact"`
	Causes            []string   `json:"causes"`
	ExistingControls  string     `json:"existing_controls"`
	Controls          []Control  `json:"controls"`
	InitialSeverity   Severity   `json:"initial_severity"`
	InitialLikelihood Likelihood `json:"initial_likelihood"`
}

// Hazard returns a new Open hazard filled in from the template, with the
// given number. The suggested controls are copied, so editing the hazard
// never changes the template.
func (t Template) Hazard(number int) Hazard {
	h := Hazard{
		Number:            number,
		Name:              t.Name,
		Description:       t.Description,
		ClinicalImpact:    t.ClinicalImpact,
		Causes:            append([]string(nil), t.Causes...),
		ExistingControls:  t.ExistingControls,
		InitialSeverity:   t.InitialSeverity,
		InitialLikelihood: t.InitialLikelihood,
		Status:            Open,
		Controls:          append([]Control(nil), t.Controls...),
	}
	if number > 0 {
		h.Ref = FormatRef(number)
	}
	return h
}

// TemplateByKey returns the template with the given key, or a NotFound error.
func TemplateByKey(key string) (Template, error) {
	for _, t := range Templates() {
		if t.Key == key {
			return t, nil
		}
	}
	return Template{}, apperr.New(apperr.NotFound, "there is no hazard template %q", key)
}

func ctl(t ControlType, s Side, d string) Control { return Control{Type: t, Side: s, Description: d} }

// Templates returns the built-in hazard templates, in a stable order.
func Templates() []Template {
	return []Template{
		{
			Key:            "wrong-patient",
			Name:           "Information shown or recorded against the wrong patient",
			Description:    "A user sees, or records into, a record that belongs to a different patient from the one in front of them.",
			ClinicalImpact: "Care decisions are made on someone else's history, results or medicines; the right patient's record misses what was done.",
			Causes: []string{
				"Patients with similar names or dates of birth are easy to mix up in search results",
				"Several records left open in tabs or windows at once",
				"Screen not refreshed after switching patient",
				"Duplicate records for the same person",
			},
			ExistingControls: "Patient banner with name, date of birth and NHS number on every screen.",
			Controls: []Control{
				ctl(Design, Manufacturer, "Show a persistent patient banner and warn when similar records match a search"),
				ctl(Design, Manufacturer, "Limit the number of patient records open at once and close the previous one on switching"),
				ctl(Training, Deployer, "Train staff to confirm identity with two identifiers before recording"),
			},
			InitialSeverity: Major, InitialLikelihood: Low,
		},
		{
			Key:            "results-not-delivered",
			Name:           "Test results not delivered or not acknowledged",
			Description:    "A result reaches no clinician, reaches the wrong one, or arrives and is never reviewed.",
			ClinicalImpact: "An abnormal result goes unacted on and diagnosis or treatment is delayed.",
			Causes: []string{
				"Result routed to a clinician who has left or is away",
				"No requester recorded against the order",
				"Results inbox too large to work through",
				"Result filed without a record of who reviewed it",
			},
			ExistingControls: "Laboratory telephones critical results to the ward.",
			Controls: []Control{
				ctl(Design, Manufacturer, "Require an explicit acknowledgement for each result and report unacknowledged results by age"),
				ctl(BusinessProcessChange, Deployer, "Agree a cover rule so results for absent clinicians go to a named team"),
			},
			InitialSeverity: Major, InitialLikelihood: Medium,
		},
		{
			Key:            "duplicate-missing-orders",
			Name:           "Duplicate or missing orders",
			Description:    "An order is placed twice, or an order the user believes was placed was never sent.",
			ClinicalImpact: "Patients receive repeated tests, doses or procedures, or do not receive ones they need.",
			Causes: []string{
				"Unclear confirmation that an order was submitted",
				"Order held as a draft without the user noticing",
				"Orders re-sent after a time-out",
			},
			ExistingControls: "Order history visible on the patient record.",
			Controls: []Control{
				ctl(Design, Manufacturer, "Warn about a matching active order before a new one is placed"),
				ctl(Design, Manufacturer, "Show unsent draft orders prominently on the patient record"),
				ctl(Test, Manufacturer, "Test that an order re-sent after a time-out is recognised and not duplicated"),
			},
			InitialSeverity: Considerable, InitialLikelihood: Medium,
		},
		{
			Key:            "alert-fatigue",
			Name:           "Important alerts missed because of alert fatigue",
			Description:    "So many warnings appear that users dismiss them by habit, including the ones that matter.",
			ClinicalImpact: "A serious interaction, allergy or deterioration warning is overridden and harm follows.",
			Causes: []string{
				"Low-value alerts shown with the same weight as critical ones",
				"Interruptive pop-ups for information that could be passive",
				"Alert rules never reviewed after go-live",
			},
			ExistingControls: "Alerts require a reason when overridden.",
			Controls: []Control{
				ctl(Design, Manufacturer, "Grade alerts by severity and interrupt only for the highest grade"),
				ctl(BusinessProcessChange, Deployer, "Review alert override rates regularly and retire alerts of low value"),
			},
			InitialSeverity: Major, InitialLikelihood: Medium,
		},
		{
			Key:            "downtime",
			Name:           "Unplanned downtime or loss of access",
			Description:    "The system, or part of it, cannot be reached by users when care needs it.",
			ClinicalImpact: "Clinicians cannot see history, medicines or results, or record care, leading to delay and errors.",
			Causes: []string{
				"Hosting, network or power failure",
				"Failed software release",
				"Cyber attack",
				"Expired certificate or licence",
			},
			ExistingControls: "Supplier service level agreement with incident reporting.",
			Controls: []Control{
				ctl(Design, Manufacturer, "Provide resilient hosting with failover and a read-only summary for use during an outage"),
				ctl(BusinessProcessChange, Deployer, "Keep and rehearse a business continuity plan with paper forms"),
				ctl(Training, Deployer, "Train staff in downtime and recovery procedures, including entering data back afterwards"),
			},
			InitialSeverity: Major, InitialLikelihood: Medium,
		},
		{
			Key:            "migration-data-loss",
			Name:           "Data lost or corrupted during migration",
			Description:    "Records moved from an old system arrive incomplete, altered or attached to the wrong patient.",
			ClinicalImpact: "Allergies, alerts, medicines or history are missing or wrong in the new system.",
			Causes: []string{
				"Fields mapped incorrectly between the old and new systems",
				"Codes with no equivalent dropped silently",
				"Character set or date format converted wrongly",
				"Extract taken before the final changes in the old system",
			},
			ExistingControls: "Migration plan agreed with the supplier.",
			Controls: []Control{
				ctl(Test, Manufacturer, "Reconcile record counts and sample records field by field after each trial load"),
				ctl(BusinessProcessChange, Deployer, "Clinically validate a sample of migrated records before go-live"),
			},
			InitialSeverity: Major, InitialLikelihood: Medium,
		},
		{
			Key:            "units-dose-calculation",
			Name:           "Wrong units or dose calculation",
			Description:    "A dose, rate or quantity is calculated, converted or shown in the wrong units or with the wrong result.",
			ClinicalImpact: "A patient receives too much or too little of a medicine or fluid, possibly many times the intended amount.",
			Causes: []string{
				"Weight recorded in pounds treated as kilograms",
				"Ambiguous units such as micrograms and milligrams",
				"Calculation based on an out-of-date weight or renal function",
				"Rounding rules not suited to children or neonates",
			},
			ExistingControls: "Pharmacist verification of prescriptions.",
			Controls: []Control{
				ctl(Design, Manufacturer, "Show units next to every dose and check doses against safe ranges"),
				ctl(Test, Manufacturer, "Test dose calculations against a reference set covering adult and paediatric cases"),
				ctl(Training, Deployer, "Train prescribers on weight entry and dose calculator use"),
			},
			InitialSeverity: Catastrophic, InitialLikelihood: Low,
		},
		{
			Key:            "reference-data",
			Name:           "Incorrect or out-of-date reference data",
			Description:    "Drug dictionaries, code lists, normal ranges or local configuration tables are wrong or not current.",
			ClinicalImpact: "Decision support, results flags or order lists mislead clinicians.",
			Causes: []string{
				"Reference data updates not loaded on time",
				"Local edits overwritten by an update",
				"Configuration changed without clinical review",
			},
			ExistingControls: "Monthly dictionary updates from the supplier.",
			Controls: []Control{
				ctl(Design, Manufacturer, "Show the version and date of loaded reference data and warn when it is out of date"),
				ctl(BusinessProcessChange, Deployer, "Put reference data and configuration changes through clinical change control"),
			},
			InitialSeverity: Considerable, InitialLikelihood: Medium,
		},
		{
			Key:            "interface-failure",
			Name:           "Interface message failure between systems",
			Description:    "Messages between this system and others are lost, delayed, rejected or processed wrongly.",
			ClinicalImpact: "Orders, results, admissions or discharge information do not reach the system that needs them.",
			Causes: []string{
				"Interface engine stopped or queue backed up",
				"Message rejected because of an unexpected format or code",
				"Patient identifiers that do not match between systems",
			},
			ExistingControls: "Interface engine logs errors.",
			Controls: []Control{
				ctl(Design, Manufacturer, "Acknowledge every message and raise an alert on failures and growing queues"),
				ctl(Test, Manufacturer, "Run end-to-end interface tests before each release"),
				ctl(BusinessProcessChange, Deployer, "Monitor interface queues daily and act on failed messages with a named owner"),
			},
			InitialSeverity: Major, InitialLikelihood: Medium,
		},
		{
			Key:            "missed-referrals-tasks",
			Name:           "Delayed or missed referrals or tasks",
			Description:    "A referral or task is created but sits unseen, is assigned to no one, or is closed without being done.",
			ClinicalImpact: "Patients wait longer than is safe for assessment or treatment, or are lost to follow-up.",
			Causes: []string{
				"Work lists not monitored when staff are absent",
				"Tasks assigned to a person rather than a team",
				"No warning when a referral passes its target time",
			},
			ExistingControls: "Referral targets reported monthly.",
			Controls: []Control{
				ctl(Design, Manufacturer, "Highlight referrals and tasks near or past their target time"),
				ctl(BusinessProcessChange, Deployer, "Assign work lists to teams with cover arrangements"),
			},
			InitialSeverity: Considerable, InitialLikelihood: Medium,
		},
		{
			Key:            "misleading-display",
			Name:           "Misleading display or truncated information",
			Description:    "Information is cut short, hidden off-screen, badly laid out or shown out of order, so that users misread it.",
			ClinicalImpact: "A clinician acts on part of the information, such as a medicine name without its modifier or an old result thought to be new.",
			Causes: []string{
				"Long text truncated without any indication",
				"Lists sorted differently in different screens",
				"Small screens or zoom levels hiding columns",
			},
			ExistingControls: "User acceptance testing of main screens.",
			Controls: []Control{
				ctl(Design, Manufacturer, "Show a clear marker wherever text is shortened and give access to the full text"),
				ctl(Test, Manufacturer, "Test key screens at the supported screen sizes with realistic long data"),
			},
			InitialSeverity: Considerable, InitialLikelihood: Medium,
		},
		{
			Key:            "access-permissions",
			Name:           "Incorrect access permissions",
			Description:    "Users can do more, or less, than their role requires.",
			ClinicalImpact: "Staff cannot reach information needed for care, or unqualified users can order or change clinical data.",
			Causes: []string{
				"Role templates set up wrongly",
				"Leavers and movers not updated promptly",
				"Shared log-ins",
			},
			ExistingControls: "Smartcard-based sign-on.",
			Controls: []Control{
				ctl(Design, Manufacturer, "Provide role-based access with a report of who holds each permission"),
				ctl(BusinessProcessChange, Deployer, "Review role assignments regularly and act on leavers the same day"),
			},
			InitialSeverity: Considerable, InitialLikelihood: Low,
		},
		{
			Key:            "uncoded-allergies",
			Name:           "Allergies recorded as free text and not coded",
			Description:    "Allergies and adverse reactions are typed as free text, so the system cannot check orders against them.",
			ClinicalImpact: "A patient is prescribed or given a medicine they are known to react to, without a warning.",
			Causes: []string{
				"Free text allowed where a coded entry is needed",
				"Migrated allergies left uncoded",
				"Coded list hard to search",
			},
			ExistingControls: "Allergy status is asked at admission.",
			Controls: []Control{
				ctl(Design, Manufacturer, "Require coded allergy entries and flag any remaining free-text entries on the record"),
				ctl(BusinessProcessChange, Deployer, "Code free-text allergies during medicines reconciliation"),
			},
			InitialSeverity: Major, InitialLikelihood: Medium,
		},
	}
}
