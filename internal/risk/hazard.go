// Package hazard is the pure domain layer of clinsafe's clinical risk module
// (DCB0129 for manufacturers, DCB0160 for deploying health organisations):
// severity and likelihood categories, the risk matrix, hazard log entries and
// their rules, edit and version diffs, issued hazard logs with a content
// hash, hazard templates, compliance checklists and the Clinical Safety Case
// Report model. It does no I/O; the store, web and exchange packages build on
// it.
package risk

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/clock"
)

// Hazard is one entry in a hazard log. Its JSON form is the documented
// exchange and API shape (see internal/hazard/exchange/README.md).
type Hazard struct {
	// ID is the store's identifier (a UUIDv7); empty before the hazard is saved.
	ID string `json:"id,omitempty"`
	// Ref is the human-facing reference, FormatRef(Number), e.g. "HAZ-001".
	Ref string `json:"ref,omitempty"`
	// Number is the hazard number within the organisation's log (1, 2, ...).
	Number int `json:"number"`

	Name             string   `json:"name"`
	Description      string   `json:"description,omitempty"`
	ClinicalImpact   string   `json:"clinical_impact,omitempty"`
	Causes           []string `json:"causes,omitempty"`
	ExistingControls string   `json:"existing_controls,omitempty"`

	InitialSeverity    Severity   `json:"initial_severity"`
	InitialLikelihood  Likelihood `json:"initial_likelihood"`
	ResidualSeverity   Severity   `json:"residual_severity,omitempty"`
	ResidualLikelihood Likelihood `json:"residual_likelihood,omitempty"`

	Status      Status      `json:"status"`
	RiskBenefit RiskBenefit `json:"risk_benefit,omitzero"`
	Controls    []Control   `json:"controls,omitempty"`
	Actions     []Action    `json:"actions,omitempty"`
	Provenance  Provenance  `json:"provenance,omitzero"`

	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Version counts saved edits, for optimistic locking and edit history.
	Version int `json:"version,omitempty"`
}

// RiskBenefit records the justification for accepting a residual risk that
// the matrix rates at or above Matrix.JustifyFrom. ByUserID/ByName identify
// the Clinical Safety Officer who recorded it; whether that user really holds
// the CSO role is checked by the caller (the store or handler), which knows
// the user's roles. This package only checks that the fields are filled in.
type RiskBenefit struct {
	Justification string    `json:"justification,omitempty"`
	ByUserID      string    `json:"by_user_id,omitempty"`
	ByName        string    `json:"by_name,omitempty"`
	At            time.Time `json:"at,omitzero"`
}

// IsZero reports whether nothing has been recorded.
func (r RiskBenefit) IsZero() bool {
	return r.Justification == "" && r.ByUserID == "" && r.ByName == "" && r.At.IsZero()
}

// Provenance says where a hazard came from when it was not written here, for
// example copied from a supplier's DCB0129 hazard log.
type Provenance struct {
	// Source names the origin, e.g. the supplier "Acme Health Ltd".
	Source string `json:"source,omitempty"`
	// Document names the source document, e.g. "Acme EPR hazard log".
	Document string `json:"document,omitempty"`
	// Version is the issued version of the source document, e.g. "3.1".
	Version string `json:"version,omitempty"`
	// Ref is the hazard's reference in the source document.
	Ref string `json:"ref,omitempty"`
	// ImportedAt is when the hazard was brought in.
	ImportedAt time.Time `json:"imported_at,omitzero"`
}

// IsZero reports whether no provenance is recorded.
func (p Provenance) IsZero() bool {
	return p.Source == "" && p.Document == "" && p.Version == "" && p.Ref == "" && p.ImportedAt.IsZero()
}

// String renders the provenance for people, e.g. "Acme Health Ltd, Acme EPR
// hazard log version 3.1, ref H12".
func (p Provenance) String() string {
	var parts []string
	if p.Source != "" {
		parts = append(parts, p.Source)
	}
	doc := p.Document
	if p.Version != "" {
		doc = strings.TrimSpace(doc + " version " + p.Version)
	}
	if doc != "" {
		parts = append(parts, doc)
	}
	if p.Ref != "" {
		parts = append(parts, "ref "+p.Ref)
	}
	if !p.ImportedAt.IsZero() {
		parts = append(parts, "imported "+p.ImportedAt.UTC().Format("2006-01-02"))
	}
	return strings.Join(parts, ", ")
}

// Control is an additional risk control on a hazard.
type Control struct {
	ID          string      `json:"id,omitempty"`
	Description string      `json:"description"`
	Type        ControlType `json:"type"`
	// Owner names the person or team responsible, on Side.
	Owner string `json:"owner,omitempty"`
	Side  Side   `json:"side"`
	// ImplementationEvidence points to where the control is shown to be in
	// place (e.g. a release note or procedure).
	ImplementationEvidence string `json:"implementation_evidence,omitempty"`
	// VerificationEvidence points to where the control is shown to work
	// (e.g. a test report).
	VerificationEvidence string `json:"verification_evidence,omitempty"`
}

// Action is a piece of work needed on a hazard.
type Action struct {
	ID      string `json:"id,omitempty"`
	Summary string `json:"summary"`
	Owner   string `json:"owner"`
	// Due is a date (midnight UTC).
	Due    time.Time `json:"due"`
	Done   bool      `json:"done,omitempty"`
	DoneAt time.Time `json:"done_at,omitzero"`
}

// Overdue reports whether the action is not done and its due date has passed
// (the whole due day, in London, counts as in time).
func (a Action) Overdue(now time.Time) bool {
	if a.Done || a.Due.IsZero() {
		return false
	}
	return clock.Today(now).After(dateOf(a.Due))
}

func dateOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// OpenActions returns the actions not yet done, in their recorded order.
func (h *Hazard) OpenActions() []Action {
	var out []Action
	for _, a := range h.Actions {
		if !a.Done {
			out = append(out, a)
		}
	}
	return out
}

// OverdueActions returns the open actions whose due date has passed.
func (h *Hazard) OverdueActions(now time.Time) []Action {
	var out []Action
	for _, a := range h.Actions {
		if a.Overdue(now) {
			out = append(out, a)
		}
	}
	return out
}

// InitialRating returns the initial risk rating by m, or an Invalid error
// when the initial severity or likelihood is not set.
func (h *Hazard) InitialRating(m Matrix) (int, error) {
	return m.Rate(h.InitialSeverity, h.InitialLikelihood)
}

// HasResidual reports whether a residual risk has been estimated.
func (h *Hazard) HasResidual() bool {
	return h.ResidualSeverity != 0 || h.ResidualLikelihood != 0
}

// ResidualRating returns the residual risk rating by m. It returns 0 and no
// error when no residual risk has been estimated, and an Invalid error when
// only one of the two categories is set or either is not valid.
func (h *Hazard) ResidualRating(m Matrix) (int, error) {
	if !h.HasResidual() {
		return 0, nil
	}
	return m.Rate(h.ResidualSeverity, h.ResidualLikelihood)
}

// FormatRef returns the human reference for hazard number n: "HAZ-" and at
// least three digits ("HAZ-007", "HAZ-1234").
func FormatRef(n int) string {
	return fmt.Sprintf("HAZ-%03d", n)
}

// ParseRef reads a reference made by FormatRef, ignoring case and
// surrounding space; a bare number is accepted too. It returns an Invalid
// error for anything else or a number below 1.
func ParseRef(s string) (int, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimPrefix(t, "HAZ-")
	n, err := strconv.Atoi(t)
	if err != nil || n < 1 || strings.HasPrefix(t, "+") || strings.HasPrefix(t, "-") {
		return 0, apperr.New(apperr.Invalid, "%q is not a hazard reference like HAZ-001", strings.TrimSpace(s))
	}
	return n, nil
}
