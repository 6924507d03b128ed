package risk

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

// SystemInfo describes the health IT system a hazard log is about.
type SystemInfo struct {
	Name string `json:"name"`
	// Version is the release of the system the log covers, e.g. "4.2.0".
	Version string `json:"version,omitempty"`
	// Organisation is the manufacturer (DCB0129) or deploying health
	// organisation (DCB0160) keeping the log.
	Organisation string `json:"organisation,omitempty"`
	// Supplier names the manufacturer when the log is kept by a deployer.
	Supplier      string   `json:"supplier,omitempty"`
	Standard      Standard `json:"standard,omitempty"`
	IntendedUse   string   `json:"intended_use,omitempty"`
	ClinicalScope string   `json:"clinical_scope,omitempty"`
	Configuration string   `json:"configuration,omitempty"`
}

// Log is an issued (or exported) version of a hazard log: the system it is
// about and a snapshot of its hazards. An issued Log is approved by the CSO
// and identified by ContentHash.
type Log struct {
	System SystemInfo `json:"system"`
	// Version is the hazard log's own issue number, e.g. "1.3".
	Version  string    `json:"version,omitempty"`
	IssuedAt time.Time `json:"issued_at,omitzero"`
	// ApprovedBy names the CSO who approved this version.
	ApprovedBy string `json:"approved_by,omitempty"`
	// Basis is what the hazards were rated with when the log was issued:
	// the matrix and the severity and likelihood scales. An issued log
	// carries it so that a later change to the plan cannot re-rate it under
	// the same content hash; it is nil in logs issued before it was kept
	// and in exported working copies.
	Basis   *RatingBasis `json:"rating_basis,omitempty"`
	Hazards []Hazard     `json:"hazards"`
}

// ScaleLevel is one category of a severity or likelihood scale as it was
// worded when a log was issued.
type ScaleLevel struct {
	Value       int    `json:"value"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// RatingBasis is everything a hazard log's ratings are read with: the
// organisation's matrix (ratings, acceptability wording and the rating that
// needs a risk-benefit justification) and the severity and likelihood
// scales with their words.
type RatingBasis struct {
	Matrix      Matrix       `json:"matrix"`
	Severities  []ScaleLevel `json:"severities"`
	Likelihoods []ScaleLevel `json:"likelihoods"`
}

// CurrentBasis returns the rating basis of matrix m (the zero Matrix means
// DefaultMatrix) with the scales as clinsafe words them now.
func CurrentBasis(m Matrix) RatingBasis {
	b := RatingBasis{Matrix: m.orDefault()}
	for _, v := range AllSeverities() {
		b.Severities = append(b.Severities, ScaleLevel{Value: int(v), Code: v.Code(), Name: v.String(), Description: v.Description()})
	}
	for _, v := range AllLikelihoods() {
		b.Likelihoods = append(b.Likelihoods, ScaleLevel{Value: int(v), Code: v.Code(), Name: v.String(), Description: v.Description()})
	}
	return b
}

// RatingMatrix returns the matrix the log was issued with, or fallback (in
// practice the plan's current matrix) for a log that carries none.
func (l Log) RatingMatrix(fallback Matrix) Matrix {
	if l.Basis != nil {
		return l.Basis.Matrix.orDefault()
	}
	return fallback.orDefault()
}

// SeverityName returns the name of severity v in the log's own scale,
// falling back to clinsafe's current wording.
func (l Log) SeverityName(v Severity) string {
	if l.Basis != nil {
		for _, s := range l.Basis.Severities {
			if s.Value == int(v) {
				return s.Name
			}
		}
	}
	return v.String()
}

// LikelihoodName returns the name of likelihood v in the log's own scale,
// falling back to clinsafe's current wording.
func (l Log) LikelihoodName(v Likelihood) string {
	if l.Basis != nil {
		for _, s := range l.Basis.Likelihoods {
			if s.Value == int(v) {
				return s.Name
			}
		}
	}
	return v.String()
}

// SameContent reports whether l and o hold the same hazard log: the same
// system, rating basis and hazards, ignoring what only says when and by whom
// it was issued (Version, IssuedAt, ApprovedBy) and the store's bookkeeping
// on each hazard (created and updated times and edit count). Issuing a log
// with the same content as the last issued version is refused.
func (l Log) SameContent(o Log) bool {
	a, errA := l.contentOnly().Canonical()
	b, errB := o.contentOnly().Canonical()
	return errA == nil && errB == nil && string(a) == string(b)
}

func (l Log) contentOnly() Log {
	c := l
	c.Version, c.IssuedAt, c.ApprovedBy = "", time.Time{}, ""
	c.Hazards = make([]Hazard, len(l.Hazards))
	for i, h := range l.Hazards {
		h.CreatedAt, h.UpdatedAt, h.Version = time.Time{}, time.Time{}, 0
		c.Hazards[i] = h
	}
	return c
}

// Sorted returns a copy of the hazards ordered by number, then reference.
func (l Log) Sorted() []Hazard {
	hs := append([]Hazard(nil), l.Hazards...)
	sort.SliceStable(hs, func(i, j int) bool {
		if hs[i].Number != hs[j].Number {
			return hs[i].Number < hs[j].Number
		}
		return hs[i].Ref < hs[j].Ref
	})
	return hs
}

// Canonical returns a deterministic JSON encoding of l: hazards in number
// order, every time in UTC, struct fields in declaration order, no
// insignificant white space. Causes, controls and actions keep their
// recorded order, which is meaningful. Two logs with the same content give
// the same bytes however they were built, so the bytes can be hashed and
// signed. It returns an Invalid error if a category value cannot be encoded.
func (l Log) Canonical() ([]byte, error) {
	c := l
	c.IssuedAt = utc(l.IssuedAt)
	c.Hazards = l.Sorted()
	for i := range c.Hazards {
		h := &c.Hazards[i]
		h.CreatedAt, h.UpdatedAt = utc(h.CreatedAt), utc(h.UpdatedAt)
		h.RiskBenefit.At = utc(h.RiskBenefit.At)
		h.Provenance.ImportedAt = utc(h.Provenance.ImportedAt)
		if len(h.Causes) == 0 {
			h.Causes = nil
		}
		if len(h.Controls) == 0 {
			h.Controls = nil
		}
		acts := h.Actions
		h.Actions = nil
		for _, a := range acts {
			a.Due, a.DoneAt = utc(a.Due), utc(a.DoneAt)
			h.Actions = append(h.Actions, a)
		}
	}
	if c.Hazards == nil {
		c.Hazards = []Hazard{}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid, err, "the hazard log cannot be encoded")
	}
	return b, nil
}

// ContentHash returns the hex SHA-256 of l.Canonical().
func (l Log) ContentHash() (string, error) {
	b, err := l.Canonical()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// Change is one field that differs between two versions of a hazard, with
// both values rendered for people.
type Change struct {
	// Field is the form field name, e.g. "initial_severity" or "controls.1".
	Field string `json:"field"`
	// Label is the field's display name, e.g. "Initial severity", "Control 2".
	Label string `json:"label"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Diff lists the fields that differ from a to b, in form order, for the edit
// history. Store metadata (ID, timestamps, Version) is not compared.
func Diff(a, b Hazard) []Change {
	var out []Change
	add := func(field, label, o, n string) {
		if o != n {
			out = append(out, Change{Field: field, Label: label, Old: o, New: n})
		}
	}
	add("ref", "Reference", refOf(a), refOf(b))
	add("name", "Name", a.Name, b.Name)
	add("description", "Description", a.Description, b.Description)
	add("clinical_impact", "Potential clinical impact", a.ClinicalImpact, b.ClinicalImpact)
	add("causes", "Possible causes", strings.Join(a.Causes, "\n"), strings.Join(b.Causes, "\n"))
	add("existing_controls", "Existing controls", a.ExistingControls, b.ExistingControls)
	add("initial_severity", "Initial severity", a.InitialSeverity.String(), b.InitialSeverity.String())
	add("initial_likelihood", "Initial likelihood", a.InitialLikelihood.String(), b.InitialLikelihood.String())
	add("residual_severity", "Residual severity", a.ResidualSeverity.String(), b.ResidualSeverity.String())
	add("residual_likelihood", "Residual likelihood", a.ResidualLikelihood.String(), b.ResidualLikelihood.String())
	add("status", "Status", a.Status.Label(), b.Status.Label())
	add("risk_benefit", "Risk-benefit justification", riskBenefitText(a.RiskBenefit), riskBenefitText(b.RiskBenefit))
	for i := 0; i < max(len(a.Controls), len(b.Controls)); i++ {
		var o, n string
		if i < len(a.Controls) {
			o = ControlText(a.Controls[i])
		}
		if i < len(b.Controls) {
			n = ControlText(b.Controls[i])
		}
		add(fmt.Sprintf("controls.%d", i), fmt.Sprintf("Control %d", i+1), o, n)
	}
	for i := 0; i < max(len(a.Actions), len(b.Actions)); i++ {
		var o, n string
		if i < len(a.Actions) {
			o = ActionText(a.Actions[i])
		}
		if i < len(b.Actions) {
			n = ActionText(b.Actions[i])
		}
		add(fmt.Sprintf("actions.%d", i), fmt.Sprintf("Action %d", i+1), o, n)
	}
	add("provenance", "Provenance", a.Provenance.String(), b.Provenance.String())
	return out
}

func refOf(h Hazard) string {
	if h.Ref != "" {
		return h.Ref
	}
	if h.Number > 0 {
		return FormatRef(h.Number)
	}
	return ""
}

// ControlText renders a control on one line for people, e.g.
// "Design (deployer: Pharmacy team): Dose range check; implemented: CR-12;
// verified: TR-4".
func ControlText(c Control) string {
	who := c.Side.Label()
	if c.Owner != "" {
		who += ": " + c.Owner
	}
	s := fmt.Sprintf("%s (%s): %s", c.Type.Label(), who, c.Description)
	if c.ImplementationEvidence != "" {
		s += "; implemented: " + c.ImplementationEvidence
	}
	if c.VerificationEvidence != "" {
		s += "; verified: " + c.VerificationEvidence
	}
	return s
}

// ActionText renders an action on one line for people, e.g. "Update guide
// (owner: J Bloggs; due 2026-12-31; done 2026-11-02)".
func ActionText(a Action) string {
	s := fmt.Sprintf("%s (owner: %s; due %s", a.Summary, a.Owner, a.Due.UTC().Format("2006-01-02"))
	if a.Done {
		s += "; done"
		if !a.DoneAt.IsZero() {
			s += " " + a.DoneAt.UTC().Format("2006-01-02")
		}
	}
	return s + ")"
}

func riskBenefitText(r RiskBenefit) string {
	if r.IsZero() {
		return ""
	}
	by := r.ByName
	if by == "" {
		by = r.ByUserID
	}
	s := r.Justification + " (by " + by
	if !r.At.IsZero() {
		s += ", " + r.At.UTC().Format("2006-01-02")
	}
	return s + ")"
}

// basisText renders a rating basis for the diff: the matrix rows, the
// acceptability wording and the scale words, or "(not recorded)".
func basisText(b *RatingBasis) string {
	if b == nil {
		return "(not recorded)"
	}
	var w strings.Builder
	for i, row := range b.Matrix.Ratings {
		fmt.Fprintf(&w, "%s: %v\n", Severity(i+1), row)
	}
	for i, t := range b.Matrix.Wording {
		fmt.Fprintf(&w, "Rating %d: %s\n", i+1, t)
	}
	fmt.Fprintf(&w, "Risk-benefit justification needed from rating %d\n", b.Matrix.JustifyFrom)
	for _, l := range append(append([]ScaleLevel(nil), b.Severities...), b.Likelihoods...) {
		fmt.Fprintf(&w, "%s: %s\n", l.Name, l.Description)
	}
	return strings.TrimSpace(w.String())
}

// HazardSummary identifies a hazard in a LogDiff.
type HazardSummary struct {
	Ref  string `json:"ref"`
	Name string `json:"name"`
}

// HazardChanges lists the changes to one hazard between two log versions.
type HazardChanges struct {
	Ref     string   `json:"ref"`
	Name    string   `json:"name"`
	Changes []Change `json:"changes"`
}

// LogDiff is the difference between two issued versions of a hazard log.
type LogDiff struct {
	System  []Change        `json:"system,omitempty"`
	Added   []HazardSummary `json:"added,omitempty"`
	Removed []HazardSummary `json:"removed,omitempty"`
	Changed []HazardChanges `json:"changed,omitempty"`
}

// Empty reports whether the two versions have the same content.
func (d LogDiff) Empty() bool {
	return len(d.System) == 0 && len(d.Added) == 0 && len(d.Removed) == 0 && len(d.Changed) == 0
}

// DiffLogs compares two versions of a hazard log. Hazards are matched by
// reference (or number), which stays fixed for the life of a hazard; the
// results are in reference order.
func DiffLogs(a, b Log) LogDiff {
	var d LogDiff
	sys := func(field, label, o, n string) {
		if o != n {
			d.System = append(d.System, Change{Field: field, Label: label, Old: o, New: n})
		}
	}
	sys("system.name", "System name", a.System.Name, b.System.Name)
	sys("system.version", "System version", a.System.Version, b.System.Version)
	sys("system.organisation", "Organisation", a.System.Organisation, b.System.Organisation)
	sys("system.supplier", "Supplier", a.System.Supplier, b.System.Supplier)
	sys("system.standard", "Standard", string(a.System.Standard), string(b.System.Standard))
	sys("system.intended_use", "Intended use", a.System.IntendedUse, b.System.IntendedUse)
	sys("system.clinical_scope", "Clinical scope", a.System.ClinicalScope, b.System.ClinicalScope)
	sys("system.configuration", "Configuration", a.System.Configuration, b.System.Configuration)
	sys("rating_basis", "Risk matrix and scales", basisText(a.Basis), basisText(b.Basis))

	old := map[string]Hazard{}
	for _, h := range a.Sorted() {
		old[refOf(h)] = h
	}
	seen := map[string]bool{}
	for _, h := range b.Sorted() {
		k := refOf(h)
		seen[k] = true
		o, ok := old[k]
		if !ok {
			d.Added = append(d.Added, HazardSummary{Ref: k, Name: h.Name})
			continue
		}
		if cs := Diff(o, h); len(cs) > 0 {
			d.Changed = append(d.Changed, HazardChanges{Ref: k, Name: h.Name, Changes: cs})
		}
	}
	for _, h := range a.Sorted() {
		if k := refOf(h); !seen[k] {
			d.Removed = append(d.Removed, HazardSummary{Ref: k, Name: h.Name})
		}
	}
	return d
}
