package risk

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/text"
)

// Length limits, in characters (runes).
const (
	MaxName       = 200
	MaxLongText   = 10000
	MaxLineText   = 2000
	MaxOwner      = 200
	MaxItems      = 100
	MaxNumber     = 999999
	maxIdentifier = 100
)

// Validate checks every field of h and the status rules, using m to rate
// risks (a zero Matrix means DefaultMatrix) and now to judge dates. It
// returns nil or an Invalid error whose per-field messages are keyed by form
// field names: "name", "initial_severity", "status", "risk_benefit",
// "controls.0.type", "actions.2.due" and so on (item indexes are 0-based).
//
// Status rules (DCB0129 and DCB0160 6.1.4, 6.2 and 6.3):
//   - a hazard cannot be Closed while any of its actions is open (on "status");
//   - Closed and Transferred need the residual risk estimated (on
//     "residual_severity" and "residual_likelihood"), and Closed needs at
//     least one control behind that estimate (on "controls");
//   - a residual rating of JustifyFloor (3) or more, or from m.JustifyFrom
//     where the plan sets it lower, needs a risk-benefit justification with
//     the recording CSO and time (on "risk_benefit"); whether the recorded
//     user really is a CSO is for the caller to check, as only it knows
//     users' roles;
//   - Transferred needs at least one control owned by the deployer (on "status").
func (h *Hazard) Validate(m Matrix, now time.Time) error {
	m = m.orDefault()
	var f apperr.Fields

	// Identity.
	f.Check(h.Number < 0 || h.Number > MaxNumber, "number", fmt.Sprintf("Hazard number must be between 1 and %d", MaxNumber))
	if h.Ref != "" {
		n, err := ParseRef(h.Ref)
		switch {
		case err != nil:
			f.Add("ref", "Reference must look like HAZ-001")
		case h.Number != 0 && n != h.Number:
			f.Add("ref", fmt.Sprintf("Reference %s does not match hazard number %d", h.Ref, h.Number))
		case h.Ref != FormatRef(n):
			f.Add("ref", fmt.Sprintf("Reference must be written %s", FormatRef(n)))
		}
	}
	checkLen(&f, "id", h.ID, maxIdentifier, false)

	// Text.
	if strings.TrimSpace(h.Name) == "" {
		f.Add("name", "Enter a hazard name")
	}
	checkLen(&f, "name", h.Name, MaxName, false)
	checkLen(&f, "description", h.Description, MaxLongText, true)
	checkLen(&f, "clinical_impact", h.ClinicalImpact, MaxLongText, true)
	checkLen(&f, "existing_controls", h.ExistingControls, MaxLongText, true)
	f.Check(len(h.Causes) > MaxItems, "causes", fmt.Sprintf("A hazard can have at most %d causes", MaxItems))
	for _, c := range h.Causes {
		if strings.TrimSpace(c) == "" {
			f.Add("causes", "Each cause needs some text; remove empty causes")
		}
		checkLen(&f, "causes", c, MaxLineText, false)
	}

	// Risk.
	if !h.InitialSeverity.Valid() {
		f.Add("initial_severity", "Select an initial severity: "+categoryNames(true))
	}
	if !h.InitialLikelihood.Valid() {
		f.Add("initial_likelihood", "Select an initial likelihood: "+categoryNames(false))
	}
	residualOK := false
	switch {
	case h.ResidualSeverity == 0 && h.ResidualLikelihood == 0:
	case h.ResidualSeverity == 0:
		f.Add("residual_severity", "Select a residual severity, or clear the residual likelihood: residual risk needs both")
	case h.ResidualLikelihood == 0:
		f.Add("residual_likelihood", "Select a residual likelihood, or clear the residual severity: residual risk needs both")
	default:
		residualOK = true
		if !h.ResidualSeverity.Valid() {
			f.Add("residual_severity", "Select a residual severity: "+categoryNames(true))
			residualOK = false
		}
		if !h.ResidualLikelihood.Valid() {
			f.Add("residual_likelihood", "Select a residual likelihood: "+categoryNames(false))
			residualOK = false
		}
	}

	// Controls.
	f.Check(len(h.Controls) > MaxItems, "controls", fmt.Sprintf("A hazard can have at most %d controls", MaxItems))
	deployerControls := 0
	for i, c := range h.Controls {
		p := fmt.Sprintf("controls.%d.", i)
		n := i + 1
		if strings.TrimSpace(c.Description) == "" {
			f.Add(p+"description", fmt.Sprintf("Control %d needs a description", n))
		}
		checkLen(&f, p+"description", c.Description, MaxLineText, false)
		if !c.Type.Valid() {
			f.Add(p+"type", fmt.Sprintf("Control %d needs a type: Design, Business Process Change, Training or Test", n))
		}
		if !c.Side.Valid() {
			f.Add(p+"side", fmt.Sprintf("Control %d needs a side: manufacturer or deployer", n))
		}
		if c.Side == Deployer {
			deployerControls++
		}
		checkLen(&f, p+"owner", c.Owner, MaxOwner, false)
		checkLen(&f, p+"implementation_evidence", c.ImplementationEvidence, MaxLineText, false)
		checkLen(&f, p+"verification_evidence", c.VerificationEvidence, MaxLineText, false)
		checkLen(&f, p+"id", c.ID, maxIdentifier, false)
	}

	// Actions.
	f.Check(len(h.Actions) > MaxItems, "actions", fmt.Sprintf("A hazard can have at most %d actions", MaxItems))
	open := 0
	for i, a := range h.Actions {
		p := fmt.Sprintf("actions.%d.", i)
		n := i + 1
		if strings.TrimSpace(a.Summary) == "" {
			f.Add(p+"summary", fmt.Sprintf("Action %d needs a summary", n))
		}
		checkLen(&f, p+"summary", a.Summary, MaxLineText, false)
		if strings.TrimSpace(a.Owner) == "" {
			f.Add(p+"owner", fmt.Sprintf("Action %d needs an owner", n))
		}
		checkLen(&f, p+"owner", a.Owner, MaxOwner, false)
		if a.Due.IsZero() {
			f.Add(p+"due", fmt.Sprintf("Action %d needs a due date", n))
		} else if y := a.Due.Year(); y < 1900 || y > 9999 {
			f.Add(p+"due", fmt.Sprintf("Action %d has a due date outside the years 1900 to 9999", n))
		}
		if !a.DoneAt.IsZero() {
			if !a.Done {
				f.Add(p+"done_at", fmt.Sprintf("Action %d has a completion date but is not marked done", n))
			} else if y := a.DoneAt.Year(); y < 1900 || y > 9999 {
				f.Add(p+"done_at", fmt.Sprintf("Action %d has a completion date outside the years 1900 to 9999", n))
			} else if !now.IsZero() && clock.Today(a.DoneAt).After(clock.Today(now)) {
				f.Add(p+"done_at", fmt.Sprintf("Action %d has a completion date in the future", n))
			}
		}
		checkLen(&f, p+"id", a.ID, maxIdentifier, false)
		if !a.Done {
			open++
		}
	}

	// Risk-benefit record.
	rb := h.RiskBenefit
	checkLen(&f, "risk_benefit", rb.Justification, MaxLongText, true)
	checkLen(&f, "risk_benefit", rb.ByName, MaxOwner, false)
	checkLen(&f, "risk_benefit", rb.ByUserID, maxIdentifier, false)
	if !rb.IsZero() {
		f.Check(strings.TrimSpace(rb.Justification) == "", "risk_benefit", "Write the risk-benefit justification, or clear who recorded it")
		f.Check(rb.ByName == "" && rb.ByUserID == "", "risk_benefit", "Record which Clinical Safety Officer made the risk-benefit decision")
		f.Check(rb.At.IsZero(), "risk_benefit", "Record when the risk-benefit decision was made")
	}

	// Status and its rules.
	if !h.Status.Valid() {
		f.Add("status", "Select a status: Open, Transferred or Closed")
	}
	if h.Status == Closed && open > 0 {
		f.Add("status", fmt.Sprintf("A hazard cannot be closed while %d of its actions %s open", open, text.Plural(open, "is", "are")))
	}
	if h.Status == Transferred && deployerControls == 0 {
		f.Add("status", "A transferred hazard needs at least one control owned by the deployer")
	}
	if h.Status == Closed || h.Status == Transferred {
		st := strings.ToLower(h.Status.Label())
		if h.ResidualSeverity == 0 {
			f.Add("residual_severity", fmt.Sprintf("Select a residual severity: a %s hazard needs its residual risk estimated", st))
		}
		if h.ResidualLikelihood == 0 {
			f.Add("residual_likelihood", fmt.Sprintf("Select a residual likelihood: a %s hazard needs its residual risk estimated", st))
		}
	}
	if h.Status == Closed && len(h.Controls) == 0 {
		f.Add("controls", "Add the controls behind the residual risk: a closed hazard needs at least one control")
	}
	if residualOK {
		justified := strings.TrimSpace(rb.Justification) != "" && (rb.ByName != "" || rb.ByUserID != "") && !rb.At.IsZero()
		r, err := m.Rate(h.ResidualSeverity, h.ResidualLikelihood)
		if err == nil && m.NeedsJustification(r) && !justified {
			f.Add("risk_benefit", fmt.Sprintf("A residual risk rated %d needs a risk-benefit justification recorded by a Clinical Safety Officer", r))
		}
		// The residual risk is what remains after the controls: one above
		// the initial risk says the controls made it worse, which a reader
		// of the log must be told why.
		if ini, ierr := m.Rate(h.InitialSeverity, h.InitialLikelihood); err == nil && ierr == nil && r > ini && !justified && !m.NeedsJustification(r) {
			f.Add("residual_likelihood", fmt.Sprintf("The residual risk (rated %d) is higher than the initial risk (rated %d): check the estimates, or have a Clinical Safety Officer record a risk-benefit justification saying why", r, ini))
		}
	}

	// Provenance.
	pv := h.Provenance
	for _, s := range []string{pv.Source, pv.Document, pv.Version, pv.Ref} {
		checkLen(&f, "provenance", s, MaxOwner, false)
	}
	return f.Err()
}

// checkLen adds a message for field when s is too long, is not UTF-8, or holds
// control characters (line breaks and tabs only where multiline is true).
func checkLen(f *apperr.Fields, field, s string, max int, multiline bool) {
	if !utf8.ValidString(s) {
		f.Add(field, "Text contains characters that are not valid UTF-8")
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		f.Add(field, fmt.Sprintf("Must be %d characters or fewer (it has %d)", max, n))
		return
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			if r == '\n' || r == '\r' {
				f.Add(field, "Must be a single line")
			} else {
				f.Add(field, "Text contains a control character")
			}
			return
		}
	}
}

func categoryNames(sev bool) string {
	var names []string
	if sev {
		for _, s := range AllSeverities() {
			names = append(names, s.String())
		}
	} else {
		for _, l := range AllLikelihoods() {
			names = append(names, l.String())
		}
	}
	return codeList(names)
}
