package riskweb

import (
	"cmp"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/web"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
)

// HazardForm adds or edits a hazard.
type HazardForm struct {
	web.Base
	System      riskdb.System
	Hazard      risk.Hazard
	Causes      string
	Action      string
	Severities  []web.Option
	Likelihoods []web.Option
	Statuses    []web.Option
	Types       []web.Option
	Sides       []web.Option
	Controls    []ControlSlot
	Actions     []ActionSlot
	Matrix      risk.Matrix
	IsCSO       bool
	// MatrixSeverities, MatrixGrid and Wording show the risk matrix next
	// to the scales, as the plan and the heat maps lay it out.
	MatrixSeverities []string
	MatrixGrid       []PlanRow
	Wording          []PlanWording
	// Reason is the reason for the change (edits only).
	Reason string
	// Cancel is where the cancel link goes: the hazard, or the log for a
	// new one.
	Cancel string
}

// ControlSlot is one row of control fields (filled or blank).
type ControlSlot struct {
	I int
	risk.Control
}

// ActionSlot is one row of action fields (filled or blank).
type ActionSlot struct {
	I   int
	Due web.DateParts
	risk.Action
}

// blankSlots is how many empty control and action rows the form offers.
const blankSlots = 2

func severityOptions() []web.Option {
	out := []web.Option{{Value: "", Label: "Not estimated"}}
	for _, s := range risk.AllSeverities() {
		out = append(out, web.Option{Value: s.Code(), Label: s.String(), Hint: s.Description()})
	}
	return out
}

func likelihoodOptions() []web.Option {
	out := []web.Option{{Value: "", Label: "Not estimated"}}
	for _, l := range risk.AllLikelihoods() {
		out = append(out, web.Option{Value: l.Code(), Label: l.String(), Hint: l.Description()})
	}
	return out
}

func (s *Module) hazardForm(w http.ResponseWriter, r *http.Request, title, action string, sys riskdb.System, h risk.Hazard, dueText map[int]web.DateParts) (HazardForm, error) {
	p := web.PrincipalFrom(r.Context())
	m, err := s.risk.Matrix(r.Context(), p.Org.ID)
	if err != nil {
		return HazardForm{}, err
	}
	d := HazardForm{Base: s.k.Base(w, r, title), System: sys, Hazard: h, Causes: strings.Join(h.Causes, "\n"), Action: action,
		Severities: severityOptions(), Likelihoods: likelihoodOptions(), Matrix: m, IsCSO: canApprove(p), Cancel: "/risk/systems/" + sys.ID + "/hazards"}
	if h.ID != "" {
		d.Cancel = "/risk/hazards/" + h.ID
	}
	d.MatrixSeverities, d.MatrixGrid = matrixGrid(m)
	for i := range 5 {
		d.Wording = append(d.Wording, PlanWording{Rating: i + 1, Text: m.Acceptability(i + 1)})
	}
	for _, st := range risk.AllStatuses() {
		d.Statuses = append(d.Statuses, web.Option{Value: string(st), Label: st.Label(), Selected: h.Status == st || (h.Status == "" && st == risk.Open)})
	}
	for _, t := range risk.AllControlTypes() {
		d.Types = append(d.Types, web.Option{Value: string(t), Label: t.Label()})
	}
	d.Sides = []web.Option{{Value: string(risk.Manufacturer), Label: "Manufacturer"}, {Value: string(risk.Deployer), Label: "Deployer"}}
	for i, c := range h.Controls {
		d.Controls = append(d.Controls, ControlSlot{I: i, Control: c})
	}
	side := sys.Standard.Side()
	for i := 0; i < blankSlots; i++ {
		d.Controls = append(d.Controls, ControlSlot{I: len(h.Controls) + i, Control: risk.Control{Side: side, Type: risk.Design}})
	}
	for i, a := range h.Actions {
		due := web.PartsOf(a.Due)
		if t, ok := dueText[i]; ok {
			due = t
		}
		d.Actions = append(d.Actions, ActionSlot{I: i, Due: due, Action: a})
	}
	for i := 0; i < blankSlots; i++ {
		d.Actions = append(d.Actions, ActionSlot{I: len(h.Actions) + i})
	}
	return d, nil
}

var hazardFieldOrder = []string{"name", "description", "clinical_impact", "causes", "existing_controls", "initial_severity", "initial_likelihood", "controls",
	"residual_severity", "residual_likelihood", "status", "risk_benefit", "reason"}

// formHazard reads the hazard form. Blank control and action rows are
// skipped; the returned maps give each kept row's index in the form, so
// that error keys can point at the right fields.
type formHazard struct {
	h                   risk.Hazard
	ctlIdx, actIdx      []int
	dueText             map[int]web.DateParts
	errs                apperr.Fields
	justificationInForm string
}

func readHazardForm(r *http.Request) formHazard {
	f := r.PostForm
	fh := formHazard{dueText: map[int]web.DateParts{}}
	h := &fh.h
	h.Name, h.Description, h.ClinicalImpact = f.Get("name"), f.Get("description"), f.Get("clinical_impact")
	h.ExistingControls = f.Get("existing_controls")
	h.Causes = strings.Split(strings.ReplaceAll(f.Get("causes"), "\r\n", "\n"), "\n")
	h.Status = risk.Status(f.Get("status"))
	if v, _ := strconv.Atoi(f.Get("version")); v > 0 {
		h.Version = v
	}
	readRatings(h, f.Get, &fh.errs, "Select a severity from the list", "Select a likelihood from the list")
	fh.justificationInForm = strings.TrimSpace(f.Get("risk_benefit"))
	for i := 0; i < risk.MaxItems+blankSlots; i++ {
		k := fmt.Sprintf("controls.%d.", i)
		if _, ok := f[k+"description"]; !ok {
			break
		}
		c := risk.Control{Description: f.Get(k + "description"), Type: risk.ControlType(f.Get(k + "type")), Owner: f.Get(k + "owner"),
			Side: risk.Side(f.Get(k + "side")), ImplementationEvidence: f.Get(k + "implementation_evidence"), VerificationEvidence: f.Get(k + "verification_evidence")}
		if strings.TrimSpace(c.Description+c.Owner+c.ImplementationEvidence+c.VerificationEvidence) == "" {
			continue
		}
		h.Controls = append(h.Controls, c)
		fh.ctlIdx = append(fh.ctlIdx, i)
	}
	for i := 0; i < risk.MaxItems+blankSlots; i++ {
		k := fmt.Sprintf("actions.%d.", i)
		if _, ok := f[k+"summary"]; !ok {
			break
		}
		a := risk.Action{Summary: f.Get(k + "summary"), Owner: f.Get(k + "owner"), Done: f.Get(k+"done") == "yes"}
		due, typed, msg := web.FormDate(f, k+"due", fmt.Sprintf("the due date of action %d", len(h.Actions)+1))
		if strings.TrimSpace(a.Summary+a.Owner+due) == "" && msg == "" && typed == (web.DateParts{}) {
			continue
		}
		if msg != "" {
			fh.errs.Add(k+"due", msg)
		} else if due != "" {
			a.Due, _ = time.Parse("2006-01-02", due)
		}
		fh.dueText[len(h.Actions)] = typed
		h.Actions = append(h.Actions, a)
		fh.actIdx = append(fh.actIdx, i)
	}
	return fh
}

// readRatings reads a hazard's initial and residual severity and
// likelihood from their text, as the form and the API both send them
// (blank: not estimated). An unreadable value is a problem under its
// field's name: sevMsg or likMsg, or when those are empty what the parser
// says.
func readRatings(h *risk.Hazard, text func(field string) string, errs *apperr.Fields, sevMsg, likMsg string) {
	h.InitialSeverity = readCategory(text, "initial_severity", risk.ParseSeverity, errs, sevMsg)
	h.InitialLikelihood = readCategory(text, "initial_likelihood", risk.ParseLikelihood, errs, likMsg)
	h.ResidualSeverity = readCategory(text, "residual_severity", risk.ParseSeverity, errs, sevMsg)
	h.ResidualLikelihood = readCategory(text, "residual_likelihood", risk.ParseLikelihood, errs, likMsg)
}

func readCategory[T any](text func(string) string, field string, parse func(string) (T, error), errs *apperr.Fields, msg string) T {
	var c T
	v := text(field)
	if v == "" {
		return c
	}
	c, err := parse(v)
	if err != nil {
		errs.Add(field, cmp.Or(msg, apperr.MessageOf(err)))
	}
	return c
}

// formErr returns the form's own errors (unreadable categories and dates)
// together with every rule the rest of the hazard breaks, so that one
// submission shows every problem; nil when the form could be read.
func (s *Module) formErr(r *http.Request, fh formHazard) error {
	ferr := fh.errs.Err()
	if ferr == nil {
		return nil
	}
	m, err := s.risk.Matrix(r.Context(), web.PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	all := map[string]string{}
	for k, v := range apperr.FieldsOf(fh.h.Validate(m, s.k.Store().Now())) {
		all[k] = v
	}
	for k, v := range apperr.FieldsOf(ferr) {
		all[k] = v
	}
	return &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: all}
}

var itemKey = regexp.MustCompile(`^(controls|actions)\.(\d+)\.(.*)$`)

// remap rewrites item indexes in error keys from kept rows to form rows.
func (fh formHazard) remap(err error) error {
	fs := apperr.FieldsOf(err)
	if len(fs) == 0 {
		return err
	}
	out := map[string]string{}
	for k, v := range fs {
		if m := itemKey.FindStringSubmatch(k); m != nil {
			i, _ := strconv.Atoi(m[2])
			idx := fh.ctlIdx
			if m[1] == "actions" {
				idx = fh.actIdx
			}
			if i < len(idx) {
				k = fmt.Sprintf("%s.%d.%s", m[1], idx[i], m[3])
			}
		}
		out[k] = v
	}
	return &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: out}
}

func (s *Module) riskNewHazardPage(w http.ResponseWriter, r *http.Request) error {
	sys, err := s.risk.System(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	h := risk.Hazard{Status: risk.Open}
	d, err := s.hazardForm(w, r, "Add a hazard to "+sys.Name, "/risk/systems/"+sys.ID+"/hazards", sys, h, nil)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/hazard_form", d)
}

func (s *Module) riskCreateHazard(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	sys, err := s.risk.System(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.submitHazardForm(w, r, sys, nil)
}

// submitHazardForm saves the hazard form: a new hazard in sys when old is
// nil, else a new version of old with the reason given. A form the rules
// refuse (or, editing, one saved over a newer version) is shown again with
// every problem.
func (s *Module) submitHazardForm(w http.ResponseWriter, r *http.Request, sys riskdb.System, old *riskdb.HazardEntry) error {
	p := web.PrincipalFrom(r.Context())
	fh := readHazardForm(r)
	fh.h.RiskBenefit = risk.RiskBenefit{Justification: fh.justificationInForm} // its author is recorded by the store
	title, action, reason := "Add a hazard to "+sys.Name, "/risk/systems/"+sys.ID+"/hazards", ""
	if old != nil {
		fh.h.ID = old.ID
		title, action, reason = "Edit "+old.Ref, "/risk/hazards/"+old.ID, r.PostForm.Get("reason")
	}
	err := s.formErr(r, fh)
	var e riskdb.HazardEntry
	switch {
	case err != nil:
	case old == nil:
		e, err = s.risk.CreateHazard(r.Context(), p.Org.ID, sys.ID, fh.h)
	default:
		e, err = s.risk.UpdateHazardWithReason(r.Context(), p.Org.ID, fh.h, reason)
	}
	conflict := old != nil && apperr.Is(err, apperr.Conflict)
	if apperr.Is(err, apperr.Invalid) || conflict {
		if old != nil {
			fh.h.Ref, fh.h.Number, fh.h.Provenance = old.Ref, old.Number, old.Provenance
		}
		d, derr := s.hazardForm(w, r, title, action, sys, fh.h, fh.dueText)
		if derr != nil {
			return derr
		}
		d.Reason = reason
		d.SetErrors(fh.remap(err), hazardFieldOrder...)
		status := http.StatusUnprocessableEntity
		if conflict {
			status = http.StatusConflict
		}
		return s.k.Render(w, status, "risk/hazard_form", d)
	}
	if err != nil {
		return err
	}
	if old != nil {
		return s.k.Redirect(w, r, "/risk/hazards/"+old.ID, "Saved "+old.Ref+".")
	}
	return s.k.Redirect(w, r, "/risk/hazards/"+e.ID, "Added "+e.Ref+" to the hazard log.")
}

func (s *Module) riskHazardFromTemplate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	sys, err := s.risk.System(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	t, err := risk.TemplateByKey(r.PostForm.Get("template"))
	if err != nil {
		return &apperr.Error{Kind: apperr.Invalid, Message: "Select a hazard template", Fields: map[string]string{"template": "Select a hazard template"}}
	}
	h := t.Hazard(0)
	for i := range h.Controls {
		if sys.Standard == risk.DCB0160 && h.Controls[i].Side == "" {
			h.Controls[i].Side = risk.Deployer
		}
	}
	e, err := s.risk.CreateHazard(r.Context(), p.Org.ID, sys.ID, h)
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/risk/hazards/"+e.ID+"/edit", "Added "+e.Ref+" from the template. Tailor it to "+sys.Name+".")
}

// HazardPage shows one hazard.
type HazardPage struct {
	web.Base
	System     riskdb.System
	Hazard     risk.Hazard
	Initial    int
	Residual   int
	Matrix     risk.Matrix
	Now        time.Time
	CanEdit    bool
	NeedsJust  bool
	Provenance string
	// Incidents is the hazard's Safety Incident Management Log: the
	// safety events linked to it; ReviewLikelihood asks the CSO to review
	// the likelihood when they accumulate (eventsdb.LikelihoodReview).
	Incidents        []eventsdb.LoggedEvent
	ReviewLikelihood bool
}

func (s *Module) riskHazardPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	e, err := s.risk.Hazard(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	sys, err := s.risk.System(r.Context(), p.Org.ID, e.SystemID)
	if err != nil {
		return err
	}
	m, err := s.risk.Matrix(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	d := HazardPage{Base: s.k.Base(w, r, e.Ref+" "+e.Name), System: sys, Hazard: e.Hazard, Matrix: m, Now: s.k.Store().Now(), CanEdit: canEdit(p),
		Provenance: e.Provenance.String()}
	d.Initial, _ = e.InitialRating(m)
	d.Residual, _ = e.ResidualRating(m)
	d.NeedsJust = m.NeedsJustification(d.Residual)
	if d.Incidents, err = eventsdb.New(s.k.Store()).HazardEvents(r.Context(), p.Org.ID, e.ID); err != nil {
		return err
	}
	if len(d.Incidents) > 0 {
		hist, err := s.risk.HazardHistory(r.Context(), p.Org.ID, e.ID)
		if err != nil {
			return err
		}
		d.ReviewLikelihood = eventsdb.LikelihoodReview(d.Incidents, eventsdb.LikelihoodChanged(hist))
	}
	return s.k.Render(w, http.StatusOK, "risk/hazard", d)
}

func (s *Module) riskEditHazardPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	e, err := s.risk.Hazard(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	sys, err := s.risk.System(r.Context(), p.Org.ID, e.SystemID)
	if err != nil {
		return err
	}
	d, err := s.hazardForm(w, r, "Edit "+e.Ref, "/risk/hazards/"+e.ID, sys, e.Hazard, nil)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/hazard_form", d)
}

func (s *Module) riskUpdateHazard(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	old, err := s.risk.Hazard(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	sys, err := s.risk.System(r.Context(), p.Org.ID, old.SystemID)
	if err != nil {
		return err
	}
	return s.submitHazardForm(w, r, sys, &old)
}

// HistoryPage lists every saved version of a hazard with its changes.
type HistoryPage struct {
	web.Base
	Hazard   riskdb.HazardEntry
	Versions []riskdb.HazardVersion
}

func (s *Module) riskHistoryPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	e, err := s.risk.Hazard(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	vs, err := s.risk.HazardHistory(r.Context(), p.Org.ID, e.ID)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/history", HistoryPage{Base: s.k.Base(w, r, "History of "+e.Ref), Hazard: e, Versions: vs})
}
