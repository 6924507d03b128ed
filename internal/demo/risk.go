package demo

import (
	"context"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/store"
)

// bespoke is a demo hazard written for an electronic prescribing and
// medicines administration (ePMA) system; the wording is our own.
type bespoke struct {
	name, desc, impact string
	causes             []string
	is                 risk.Severity
	il                 risk.Likelihood
	rs                 risk.Severity
	rl                 risk.Likelihood
	controls           []risk.Control
}

func c(t risk.ControlType, s risk.Side, owner, d string) risk.Control {
	return risk.Control{Type: t, Side: s, Owner: owner, Description: d}
}

// supplierHazards are in Meridian's DCB0129 hazard log for its ePMA product.
var supplierHazards = []bespoke{
	{"Dose given twice because administration was not recorded in time", "A dose is given but recorded late, so a second nurse gives it again.", "Double dose; harm depends on the medicine, e.g. opioids or insulin.",
		[]string{"Recording after the drug round", "Device not to hand at the bedside"}, risk.Major, risk.Medium, risk.Major, risk.Low,
		[]risk.Control{c(risk.Design, risk.Manufacturer, "Meridian product team", "Show doses given in the last hours on the administration screen"), c(risk.BusinessProcessChange, risk.Deployer, "", "Record administration at the bedside at the time of giving")}},
	{"Infusion rate shown in the wrong units", "Rates entered in mL/hour are displayed in mg/hour on some screens.", "Under- or over-infusion of high-risk medicines.",
		[]string{"Unit conversion defect", "Inconsistent unit labels"}, risk.Major, risk.Low, risk.Major, risk.VeryLow,
		[]risk.Control{c(risk.Design, risk.Manufacturer, "Meridian product team", "Show units beside every rate and convert in one place"), c(risk.Test, risk.Manufacturer, "Meridian test team", "Automated tests of every infusion screen against reference units")}},
	{"Discontinued medicine still appears on the administration chart", "A stopped prescription stays on the chart after a synchronisation delay.", "A medicine that was stopped for a reason, e.g. bleeding, is given.",
		[]string{"Cache not refreshed", "Offline device"}, risk.Considerable, risk.Medium, risk.Considerable, risk.Low,
		[]risk.Control{c(risk.Design, risk.Manufacturer, "Meridian product team", "Refresh the chart before each administration and mark stale data")}},
	{"Prescription for a patient with the same name selected", "Prescriber picks the wrong patient from a search list.", "Medicines prescribed for the wrong patient.",
		[]string{"Similar names", "Search results without date of birth"}, risk.Major, risk.Medium, risk.Major, risk.Low,
		[]risk.Control{c(risk.Design, risk.Manufacturer, "Meridian product team", "Show NHS number and date of birth in search results and warn on similar names"), c(risk.Training, risk.Deployer, "", "Train prescribers to check two identifiers before prescribing")}},
	{"Allergy alert not shown for combination products", "Allergy checking misses an allergen inside a combination product.", "Allergic reaction, possibly anaphylaxis.",
		[]string{"Ingredient mapping incomplete"}, risk.Catastrophic, risk.Low, risk.Catastrophic, risk.VeryLow,
		[]risk.Control{c(risk.Design, risk.Manufacturer, "Meridian product team", "Check allergies against every ingredient of a product"), c(risk.Test, risk.Manufacturer, "Meridian test team", "Test allergy checks against a set of combination products each release")}},
	{"Paediatric dose calculated from an out-of-date weight", "The calculator uses the last recorded weight however old it is.", "Under- or overdose in children.",
		[]string{"Weight not updated on admission"}, risk.Major, risk.Medium, risk.Considerable, risk.Low,
		[]risk.Control{c(risk.Design, risk.Manufacturer, "Meridian product team", "Show the age of the weight and ask for a new one when older than the set limit"), c(risk.BusinessProcessChange, risk.Deployer, "", "Weigh children on admission and record it before prescribing")}},
	{"Controlled drug register and chart disagree", "Electronic chart and the paper register record different amounts.", "Missed or duplicated doses of controlled drugs; diversion undetected.",
		[]string{"Dual recording"}, risk.Considerable, risk.Low, risk.Significant, risk.Low,
		[]risk.Control{c(risk.BusinessProcessChange, risk.Deployer, "", "Reconcile the controlled drug register with the chart at each shift change")}},
	{"Time-critical medicines not flagged", "Parkinson's and other time-critical medicines look like any other dose.", "Delayed doses causing deterioration.",
		[]string{"No time-critical marker in configuration"}, risk.Considerable, risk.Medium, risk.Considerable, risk.Low,
		[]risk.Control{c(risk.Design, risk.Manufacturer, "Meridian product team", "Provide a time-critical marker and an overdue-dose alert"), c(risk.BusinessProcessChange, risk.Deployer, "", "Configure the local list of time-critical medicines and keep it reviewed")}},
}

// trustHazards are the trust's own DCB0160 hazards for its deployment.
var trustHazards = []bespoke{
	{"Wards without enough devices for bedside recording", "Too few handheld devices and workstations on wheels on some wards.", "Late or missed recording of administration; missed doses.",
		[]string{"Device count set before bed numbers rose"}, risk.Considerable, risk.High, risk.Considerable, risk.Low,
		[]risk.Control{c(risk.BusinessProcessChange, risk.Deployer, "Digital services", "Audit device numbers per ward quarterly and buy to the agreed ratio")}},
	{"Wi-Fi dead spots on older wards", "Devices lose connection in side rooms of the older wings.", "Administration not recorded or chart not current at the bedside.",
		[]string{"Thick walls", "Access points too few"}, risk.Significant, risk.High, risk.Significant, risk.Low,
		[]risk.Control{c(risk.Design, risk.Deployer, "Network team", "Survey and add access points before go-live on each ward")}},
	{"Paper and electronic charts in use at the same time during roll-out", "Patients moving between live and not-yet-live wards have two charts.", "Duplicate or omitted doses at transfer.",
		[]string{"Phased roll-out"}, risk.Major, risk.Medium, risk.Considerable, risk.Low,
		[]risk.Control{c(risk.BusinessProcessChange, risk.Deployer, "Chief pharmacist", "Transfer checklist: close one chart and reconcile before the patient moves")}},
	{"Locum and agency staff without log-ins", "Temporary staff cannot sign in on their first shift.", "Shared log-ins or unrecorded doses.",
		[]string{"Account requests take days"}, risk.Significant, risk.High, risk.Significant, risk.Medium,
		[]risk.Control{c(risk.BusinessProcessChange, risk.Deployer, "Workforce team", "Same-day temporary accounts issued by the site manager")}},
	{"Local order sets built with wrong default doses", "Order sets configured by the trust contain a wrong default.", "Wrong dose prescribed for many patients.",
		[]string{"No second check of configuration"}, risk.Major, risk.Medium, risk.Major, risk.Low,
		[]risk.Control{c(risk.BusinessProcessChange, risk.Deployer, "Medication safety officer", "Pharmacist second check of every order set before release"), c(risk.Test, risk.Deployer, "Digital services", "Test order sets in the training environment with scenarios")}},
	{"Discharge prescriptions not reaching community pharmacy", "Electronic discharge summaries fail to send for some practices.", "Medicines stopped or changed in hospital continue at home.",
		[]string{"Interface mapping", "Practice codes out of date"}, risk.Considerable, risk.Medium, risk.Considerable, risk.Low,
		[]risk.Control{c(risk.BusinessProcessChange, risk.Deployer, "Integration team", "Daily check of failed discharge messages with a named owner")}},
	{"Insulin sliding scales transcribed as free text", "Variable insulin prescriptions entered as free text notes.", "Wrong insulin dose; hypoglycaemia.",
		[]string{"No structured protocol configured"}, risk.Major, risk.Medium, risk.Major, risk.Low,
		[]risk.Control{c(risk.Design, risk.Deployer, "Diabetes team", "Build structured variable-rate insulin protocols")}},
	{"Downtime charts out of date when the system fails", "Printed downtime charts are hours old at the time of an outage.", "Doses given twice or missed during an outage.",
		[]string{"Print schedule too infrequent"}, risk.Considerable, risk.Low, risk.Significant, risk.Low,
		[]risk.Control{c(risk.BusinessProcessChange, risk.Deployer, "Digital services", "Print downtime reports every four hours to a ward printer")}},
	{"Override reasons not reviewed", "Alert override reasons are recorded but nobody looks at them.", "Unsafe patterns go unnoticed.",
		[]string{"No reporting owner"}, risk.Significant, risk.Medium, risk.Minor, risk.Medium,
		[]risk.Control{c(risk.BusinessProcessChange, risk.Deployer, "Medication safety committee", "Monthly review of overrides by the medication safety committee")}},
	{"Oxygen not prescribed because it is not on the chart", "Oxygen prescribing was left out of the configured chart.", "Oxygen given without target saturations.",
		[]string{"Configuration gap"}, risk.Considerable, risk.Medium, risk.Significant, risk.Low,
		[]risk.Control{c(risk.Design, risk.Deployer, "Respiratory team", "Configure oxygen prescribing with target saturation ranges")}},
}

func (b bespoke) hazard() risk.Hazard {
	return risk.Hazard{Name: b.name, Description: b.desc, ClinicalImpact: b.impact, Causes: b.causes, InitialSeverity: b.is, InitialLikelihood: b.il,
		ResidualSeverity: b.rs, ResidualLikelihood: b.rl, Status: risk.Open, Controls: append([]risk.Control(nil), b.controls...)}
}

func loadRisk(ctx context.Context, st *store.DB, trust, supplier store.Org, people map[string]store.User, pw string) error {
	rk := riskdb.New(st)
	now := st.Now()
	day := func(d int) time.Time { return clock.Today(now).AddDate(0, 0, d) }
	supCSO, trustCSO := people["cso@meridian.clinsafe.test"], people["cso@demo.clinsafe.test"]
	as := func(u store.User) context.Context {
		return audit.WithActor(ctx, audit.Actor{UserID: u.ID, Name: u.Name, RequestID: "demo"})
	}

	// The supplier's DCB0129 log for its product, issued once.
	product, err := rk.CreateSystem(ctx, supplier.ID, riskdb.System{Name: "Meridian MedChart ePMA", Manufacturer: supplier.Name,
		IntendedUse:   "Electronic prescribing, pharmacist verification and recording of medicines administration for adult and paediatric inpatients.",
		ClinicalScope: "Inpatient wards, day units and discharge prescribing. Not for chemotherapy or neonatal intensive care.", Standard: risk.DCB0129,
		Phases: []string{"Design", "Build and test", "Release", "Live service"}, CSOs: []riskdb.Person{{ID: supCSO.ID}},
		Releases: []riskdb.Release{{Version: "5.0", Date: day(-300), Notes: "First release of the new administration chart."}, {Version: "5.2", Date: day(-60), Notes: "Time-critical medicines marker."}}})
	if err != nil {
		return fmt.Errorf("demo: supplier system: %w", err)
	}
	for i, b := range supplierHazards {
		h := b.hazard()
		if i%3 == 0 {
			h.Status = risk.Transferred
		}
		if !hasDeployer(h) {
			h.Status = risk.Closed
		}
		justify(&h, supCSO, now, "Further reduction is not practicable in this release; the benefit of electronic prescribing and administration records outweighs the residual risk.")
		if _, err := rk.CreateHazard(as(supCSO), supplier.ID, product.ID, h); err != nil {
			return fmt.Errorf("demo: supplier hazard %q: %w", b.name, err)
		}
	}
	sg, err := st.VerifySigner(as(supCSO), pw)
	if err != nil {
		return err
	}
	supIssue, err := rk.IssueLog(as(supCSO), supplier, product.ID, "Issued with release 5.2 for customers.", sg)
	if err != nil {
		return fmt.Errorf("demo: supplier issue: %w", err)
	}

	// The trust's DCB0160 deployment of the product.
	sys, err := rk.CreateSystem(ctx, trust.ID, riskdb.System{Name: "MedChart ePMA", Manufacturer: supplier.Name,
		IntendedUse:       "Electronic prescribing and medicines administration on all adult and children's inpatient wards of the trust.",
		ClinicalScope:     "Inpatient prescribing, administration, pharmacist verification and discharge prescriptions.",
		DeploymentContext: "Hosted by the supplier; integrated with the trust's patient administration system and the discharge summary interface; ward roll-out in four waves.",
		Standard:          risk.DCB0160, Phases: []string{"Procurement", "Configuration", "Testing", "Go-live by wave", "Live service"},
		CSOs: []riskdb.Person{{ID: trustCSO.ID}}, Releases: []riskdb.Release{{Version: "5.2", Date: day(-30), Notes: "Wave 1 go-live: medical wards."}}})
	if err != nil {
		return fmt.Errorf("demo: trust system: %w", err)
	}
	if _, err := rk.ImportHazards(as(trustCSO), trust.ID, sys.ID, &supIssue.Log, true); err != nil {
		return fmt.Errorf("demo: import supplier log: %w", err)
	}
	n := 0
	for _, key := range []string{"wrong-patient", "downtime", "interface-failure", "alert-fatigue", "reference-data", "access-permissions", "uncoded-allergies", "migration-data-loss", "units-dose-calculation", "missed-referrals-tasks", "misleading-display", "results-not-delivered"} {
		t, err := risk.TemplateByKey(key)
		if err != nil {
			return err
		}
		h := t.Hazard(0)
		h.ResidualSeverity, h.ResidualLikelihood = h.InitialSeverity, risk.VeryLow
		for i := range h.Controls {
			if h.Controls[i].Side == risk.Deployer {
				h.Controls[i].Owner = "Digital services"
			}
		}
		n++
		h.Actions = []risk.Action{{Summary: "Confirm the control is in place on every live ward", Owner: "Ward matrons", Due: day(40 - 5*n)}}
		if n%4 == 0 {
			h.Actions[0].Done = true
		}
		justify(&h, trustCSO, now, "The controls make the hazard very unlikely and no further control is practicable; the benefit of the system outweighs the residual risk.")
		if _, err := rk.CreateHazard(as(trustCSO), trust.ID, sys.ID, h); err != nil {
			return fmt.Errorf("demo: template hazard %s: %w", key, err)
		}
	}
	var first riskdb.HazardEntry
	for i, b := range trustHazards {
		h := b.hazard()
		h.Actions = []risk.Action{{Summary: "Evidence the control before the next wave", Owner: "Chief pharmacist", Due: day(60 - 7*i)}}
		if i == 3 {
			h.RiskBenefit = risk.RiskBenefit{Justification: "Temporary accounts carry some risk but the alternative, paper charts for locum shifts, is worse.", ByUserID: trustCSO.ID, ByName: trustCSO.Name, At: now}
		}
		justify(&h, trustCSO, now, "Further reduction is not practicable before the next wave; the benefit of electronic prescribing outweighs the residual risk, which is reviewed at each wave.")
		e, err := rk.CreateHazard(as(trustCSO), trust.ID, sys.ID, h)
		if err != nil {
			return fmt.Errorf("demo: trust hazard %q: %w", b.name, err)
		}
		if i == 0 {
			first = e
		}
	}
	sg, err = st.VerifySigner(as(trustCSO), pw)
	if err != nil {
		return err
	}
	if _, err := rk.IssueLog(as(trustCSO), trust, sys.ID, "Approved for wave 1 go-live.", sg); err != nil {
		return fmt.Errorf("demo: trust issue: %w", err)
	}
	if _, err := rk.SaveCSCRDraft(ctx, trust.ID, sys.ID, riskdb.CSCRDraft{DocumentVersion: "1.0", Phase: "Go-live, wave 1 (medical wards)",
		Author: "Digital services clinical safety team (demo)", CSORegistration: "GMC 0000000 (demo)", Narratives: map[string]string{
			risk.SectionIntroduction:    "This report sets out the clinical safety case for the deployment of MedChart ePMA on the medical wards of Northfield Hospitals (demo), under DCB0160.",
			risk.SectionSystem:          "MedChart ePMA supports prescribing, pharmacist verification and administration on adult and children's inpatient wards, hosted by the supplier.",
			risk.SectionCRMSystem:       "Clinical risk is managed under the trust's clinical risk management system (demo), following DCB0160.",
			risk.SectionRiskAnalysis:    "Hazards were identified in three workshops with ward nurses, pharmacists and the supplier's CSO, and from the supplier's issued hazard log (demo).",
			risk.SectionThirdParty:      "The supplier's DCB0129 safety case and hazard log for release 5.2 were reviewed by the trust CSO (demo).",
			risk.SectionTestIssues:      "Two test issues remain open; neither affects the medical wards in wave 1 (demo).",
			risk.SectionReview:          "A go-live review of release 5.2 as configured for the medical wards was held by the CSO, the chief pharmacist and the ward matrons (demo).",
			risk.SectionSafetyStatement: "The open actions listed below must be completed before wave 2; until then the system is used on the medical wards only (demo).",
		}}); err != nil {
		return err
	}
	if _, err := rk.IssueCSCR(as(trustCSO), trust, sys.ID, sg); err != nil {
		return fmt.Errorf("demo: CSCR: %w", err)
	}
	// Work goes on after the issue: the log has changed since version 1,
	// as a live one would have, so there is something to check and issue.
	if first.ID != "" {
		h := first.Hazard
		h.Actions[0].Done = true
		if _, err := rk.UpdateHazard(as(trustCSO), trust.ID, h); err != nil {
			return fmt.Errorf("demo: trust hazard after the issue: %w", err)
		}
	}
	return rk.SaveCompliance(ctx, trust.ID, risk.DCB0160, []riskdb.ComplianceAnswer{
		{Clause: "2.1.1", Answer: risk.Yes, Evidence: "Clinical risk management process, version 3 (intranet)"},
		{Clause: "2.2.1", Answer: risk.Yes, Evidence: "Dr Sam Okafor nominated CSO by the medical director"},
		{Clause: "2.3.2", Answer: risk.Yes, Evidence: "GMC registration checked on appointment"},
		{Clause: "2.4.1", Answer: risk.Partial, Evidence: "Two of five team members have completed CSO training"},
		{Clause: "2.5.1", Answer: risk.Yes, Evidence: "Supplier's DCB0129 safety case report reviewed at procurement"},
	})
}

// justify records the CSO's risk-benefit rationale on a demo hazard whose
// residual rating needs one (3 and above) and has none.
func justify(h *risk.Hazard, cso store.User, at time.Time, why string) {
	r, err := h.ResidualRating(risk.DefaultMatrix())
	if err != nil || !risk.DefaultMatrix().NeedsJustification(r) || !h.RiskBenefit.IsZero() {
		return
	}
	h.RiskBenefit = risk.RiskBenefit{Justification: why, ByUserID: cso.ID, ByName: cso.Name, At: at}
}

func hasDeployer(h risk.Hazard) bool {
	for _, c := range h.Controls {
		if c.Side == risk.Deployer {
			return true
		}
	}
	return false
}
