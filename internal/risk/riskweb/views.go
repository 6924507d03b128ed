package riskweb

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/web"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/text"
	"github.com/clinsafe/clinsafe/internal/web/chart"
)

// HeatMap is a 5×5 grid of hazard counts by severity and likelihood, drawn
// as SVG on the server (by package chart), with a data table as its text
// alternative.
type HeatMap struct {
	ID, Title string
	SVG       template.HTML
	// Rows are likelihoods from very high to very low; cells are severities
	// from minor to catastrophic.
	Rows    []HeatRow
	Severes []string
	Total   int
	Missing int
}

// HeatRow is one likelihood of a heat map.
type HeatRow struct {
	Likelihood string
	Cells      []HeatCell
}

// HeatCell is one severity × likelihood cell.
type HeatCell struct {
	Severity      string
	Rating, Count int
}

var ratingFill = [6]string{"#ffffff", "#cce5d6", "#e6efc2", "#fff0b3", "#fbd3b5", "#f5c2c0"}

func heatMap(id, title string, hs []risk.Hazard, m risk.Matrix, residual bool) HeatMap {
	hm := HeatMap{ID: id, Title: title}
	var counts [6][6]int
	for _, h := range hs {
		sev, lik := h.InitialSeverity, h.InitialLikelihood
		if residual {
			sev, lik = h.ResidualSeverity, h.ResidualLikelihood
		}
		if !sev.Valid() || !lik.Valid() {
			hm.Missing++
			continue
		}
		counts[sev][lik]++
		hm.Total++
	}
	for _, s := range risk.AllSeverities() {
		hm.Severes = append(hm.Severes, s.String())
	}
	ch := chart.HeatMap{ID: id, Title: title, RowAxis: "Likelihood", ColumnAxis: "Severity", Columns: hm.Severes}
	var desc []string
	lk := risk.AllLikelihoods()
	for row := 0; row < 5; row++ {
		l := lk[4-row]
		hr := HeatRow{Likelihood: l.String()}
		var cells []chart.Cell
		for _, sev := range risk.AllSeverities() {
			rating, _ := m.Rate(sev, l)
			n := counts[sev][l]
			hr.Cells = append(hr.Cells, HeatCell{Severity: sev.String(), Rating: rating, Count: n})
			cells = append(cells, chart.Cell{Count: n, Tag: risk.RatingLabel(rating), Fill: ratingFill[rating]})
			if n > 0 {
				desc = append(desc, fmt.Sprintf("%d with %s severity and %s likelihood (rating %s)", n, strings.ToLower(sev.String()), strings.ToLower(l.String()), risk.RatingLabel(rating)))
			}
		}
		hm.Rows = append(hm.Rows, hr)
		ch.Rows, ch.Cells = append(ch.Rows, hr.Likelihood), append(ch.Cells, cells)
	}
	ch.Desc = "No hazards have a " + strings.ToLower(title) + " estimate."
	if len(desc) > 0 {
		ch.Desc = "Hazards: " + strings.Join(desc, "; ") + "."
	}
	hm.SVG = ch.SVG()
	return hm
}

// Attention tells clinical safety officers about hazards with overdue
// actions, each a link, and clinical safety officers and administrators
// about transferred (deployer-side) controls that nobody owns yet.
func (s *Module) Attention(ctx context.Context, p *store.Principal) ([]web.Attention, error) {
	var out []web.Attention
	if auth.HasAny(p.Roles, auth.CSO) {
		od, err := s.risk.OverdueActions(ctx, p.Org.ID, "")
		if err != nil {
			return nil, err
		}
		hazards := map[string]bool{}
		var items []web.AttentionItem
		for _, o := range od {
			if hazards[o.HazardID] {
				continue
			}
			hazards[o.HazardID] = true
			if len(items) < web.MaxAttentionItems {
				items = append(items, web.AttentionItem{Text: o.SystemName + " " + o.Ref + ": " + o.HazardName +
					" (due " + o.Action.Due.In(clock.London).Format("2 January 2006") + ")", Href: "/risk/hazards/" + o.HazardID})
			}
		}
		if len(od) > 0 {
			out = append(out, web.Attention{Title: text.Count(len(hazards), "hazard has", "hazards have") + " overdue actions",
				Warning: true, Urgency: web.UrgencySoon, Items: items,
				Detail: text.Count(len(od), "action is", "actions are") + " past the due date.",
				Href:   "/risk#overdue", Link: "See every overdue hazard action"})
		}
	}
	if auth.HasAny(p.Roles, auth.CSO) {
		changed, err := s.changedSinceIssue(ctx, p)
		if err != nil {
			return nil, err
		}
		if len(changed) > 0 {
			items := changed[:min(len(changed), web.MaxAttentionItems)]
			out = append(out, web.Attention{Title: text.Count(len(changed), "hazard log has", "hazard logs have") + " changed since last issued",
				Urgency: web.UrgencySoon, Items: items,
				Detail: "The issued version, and any safety case report built on it, no longer shows the log as it is. Check the changes and issue a new version."})
		}
	}
	if canEdit(p) {
		tcs, err := s.risk.TransferredControls(ctx, p.Org.ID)
		if err != nil {
			return nil, err
		}
		var items []web.AttentionItem
		n := 0
		for _, t := range tcs {
			if strings.TrimSpace(t.Control.Owner) != "" || t.Status == risk.Closed {
				continue
			}
			n++
			if len(items) < web.MaxAttentionItems {
				items = append(items, web.AttentionItem{Text: t.SystemName + " " + t.Ref + ": " + t.Control.Description, Href: "/risk/hazards/" + t.HazardID})
			}
		}
		if n > 0 {
			out = append(out, web.Attention{Title: text.Count(n, "transferred control has", "transferred controls have") + " no owner",
				Warning: true, Urgency: web.UrgencySoon, Items: items,
				Detail: "A supplier's hazard log leaves these controls to " + p.Org.Name + ". Name who is responsible for each.",
				Href:   "/risk/transferred", Link: "See transferred controls"})
		}
	}
	return out, nil
}

// changedSinceIssue lists the organisation's systems whose hazard log has
// been issued and has changed since, each a link to the check before
// issuing.
func (s *Module) changedSinceIssue(ctx context.Context, p *store.Principal) ([]web.AttentionItem, error) {
	sys, err := s.risk.ListSystems(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	var out []web.AttentionItem
	for _, y := range sys {
		ch, err := s.risk.LogChanges(ctx, p.Org, y.ID)
		if err != nil {
			return nil, err
		}
		if ch.Last != nil && ch.Changed {
			out = append(out, web.AttentionItem{Text: y.Name + ": changed since version " + ch.Last.Version, Href: "/risk/systems/" + y.ID + "/issue"})
		}
	}
	return out, nil
}

// TransferredPage lists the deployer-side controls of imported hazards.
type TransferredPage struct {
	web.Base
	Controls []riskdb.TransferredControl
}

func (s *Module) riskTransferredPage(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.risk.TransferredControls(r.Context(), web.PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/transferred", TransferredPage{Base: s.k.Base(w, r, "Controls transferred to us"), Controls: cs})
}

// PlanPage shows and edits the Clinical Risk Management Plan.
type PlanPage struct {
	web.Base
	Plan riskdb.Plan
	// Severities head the matrix's columns; Grid is its rows, one a
	// likelihood: the same axes as the heat maps.
	Severities []string
	Grid       []PlanRow
	Wording    []PlanWording
	CanEdit    bool
}

// PlanRow is one likelihood of the matrix (very high first), with a cell
// for each severity (minor first).
type PlanRow struct {
	Likelihood string
	Cells      []PlanCell
}

// PlanCell is one editable rating.
type PlanCell struct {
	Name, Label string
	Value       int
}

// PlanWording is the acceptability wording of one rating.
type PlanWording struct {
	Rating int
	Text   string
}

// matrixGrid lays a matrix out as the heat maps do: likelihood down from
// very high, severity across from minor. Cell names stay r-{severity}-{likelihood}.
func matrixGrid(m risk.Matrix) ([]string, []PlanRow) {
	var sevs []string
	for _, sev := range risk.AllSeverities() {
		sevs = append(sevs, sev.String())
	}
	var grid []PlanRow
	lk := risk.AllLikelihoods()
	for i := len(lk) - 1; i >= 0; i-- {
		l := lk[i]
		row := PlanRow{Likelihood: l.String()}
		for _, sev := range risk.AllSeverities() {
			row.Cells = append(row.Cells, PlanCell{Name: fmt.Sprintf("r-%d-%d", sev, l), Label: sev.String() + " severity, " + strings.ToLower(l.String()) + " likelihood", Value: m.Ratings[sev-1][l-1]})
		}
		grid = append(grid, row)
	}
	return sevs, grid
}

func planPage(b web.Base, p riskdb.Plan, edit bool) PlanPage {
	d := PlanPage{Base: b, Plan: p, CanEdit: edit}
	d.Severities, d.Grid = matrixGrid(p.Matrix)
	for i, w := range p.Matrix.Wording {
		d.Wording = append(d.Wording, PlanWording{Rating: i + 1, Text: w})
	}
	return d
}

func (s *Module) riskPlanPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	pl, err := s.risk.Plan(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/plan", planPage(s.k.Base(w, r, "Clinical risk management plan"), pl, canEdit(p)))
}

func (s *Module) riskSavePlan(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	pl := riskdb.Plan{Roles: r.PostForm.Get("roles"), Phases: r.PostForm.Get("phases")}
	var f apperr.Fields
	for si := range 5 {
		for li := range 5 {
			v := strings.TrimSpace(r.PostForm.Get(fmt.Sprintf("r-%d-%d", si+1, li+1)))
			n := 0
			if _, err := fmt.Sscanf(v, "%d", &n); err != nil || n < 1 || n > 5 {
				f.Add("ratings", "Enter every rating as a whole number from 1 to 5")
			}
			pl.Matrix.Ratings[si][li] = n
		}
	}
	for i := range 5 {
		pl.Matrix.Wording[i] = strings.TrimSpace(r.PostForm.Get(fmt.Sprintf("wording-%d", i+1)))
	}
	fmt.Sscanf(r.PostForm.Get("justify_from"), "%d", &pl.Matrix.JustifyFrom)
	err := f.Err()
	if err == nil {
		_, err = s.risk.SavePlan(r.Context(), p.Org.ID, pl)
	}
	if apperr.Is(err, apperr.Invalid) {
		d := planPage(s.k.Base(w, r, "Clinical risk management plan"), pl, true)
		d.SetErrors(err, "ratings", "acceptability", "justify_from", "roles", "phases")
		return s.k.Render(w, http.StatusUnprocessableEntity, "risk/plan", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/risk/plan", "The clinical risk management plan has been saved.")
}

// CompliancePage is the checklist for one standard.
type CompliancePage struct {
	web.Base
	Standard risk.Standard
	// Source names the published documents the checklist follows.
	Source  string
	Groups  []ComplianceGroup
	Answers []web.Option
	CanEdit bool
	// Old are the answers given to clinsafe's earlier, coarser checklist:
	// kept, with where each was carried to, for the CSO to review.
	Old []riskdb.OldComplianceAnswer
}

// ComplianceGroup is a clause group with its items and answers.
type ComplianceGroup struct {
	risk.ClauseGroup
	Rows []ComplianceRow
}

// ComplianceRow is one clause with its answer.
type ComplianceRow struct {
	risk.ClauseItem
	Answer   risk.Answer
	Evidence string
	Links    []string
	// CarriedFrom names the old clause an answer was carried over from,
	// until someone saves it.
	CarriedFrom string
	// NewHeading is set on the first row of a sub-section.
	NewHeading bool
}

func (s *Module) compliancePage(w http.ResponseWriter, r *http.Request, std risk.Standard, answers map[string]riskdb.ComplianceAnswer) CompliancePage {
	p := web.PrincipalFrom(r.Context())
	d := CompliancePage{Base: s.k.Base(w, r, "Compliance with "+string(std)), Standard: std, CanEdit: canEdit(p), Source: risk.ChecklistSource(std)}
	for _, a := range risk.AllAnswers() {
		d.Answers = append(d.Answers, web.Option{Value: string(a), Label: a.Label()})
	}
	for _, g := range risk.ClauseGroups(std) {
		cg := ComplianceGroup{ClauseGroup: g}
		heading := ""
		for _, it := range g.Items {
			a := answers[it.Clause]
			row := ComplianceRow{ClauseItem: it, Answer: a.Answer, Evidence: a.Evidence, CarriedFrom: a.CarriedFrom,
				NewHeading: it.Heading != "" && it.Heading != heading}
			heading = it.Heading
			for _, f := range strings.Fields(a.Evidence) {
				if strings.HasPrefix(f, "https://") || strings.HasPrefix(f, "http://") {
					row.Links = append(row.Links, f)
				}
			}
			cg.Rows = append(cg.Rows, row)
		}
		d.Groups = append(d.Groups, cg)
	}
	return d
}

func standardParam(v string) risk.Standard {
	if st, err := risk.ParseStandard(v); err == nil {
		return st
	}
	return risk.DCB0160
}

func (s *Module) riskCompliancePage(w http.ResponseWriter, r *http.Request) error {
	std := standardParam(r.URL.Query().Get("standard"))
	org := web.PrincipalFrom(r.Context()).Org.ID
	answers, err := s.risk.Compliance(r.Context(), org, std)
	if err != nil {
		return err
	}
	d := s.compliancePage(w, r, std, answers)
	if d.Old, err = s.risk.OldComplianceAnswers(r.Context(), org, std); err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/compliance", d)
}

func (s *Module) riskSaveCompliance(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	std := standardParam(r.PostForm.Get("standard"))
	var in []riskdb.ComplianceAnswer
	form := map[string]riskdb.ComplianceAnswer{}
	for _, g := range risk.ClauseGroups(std) {
		for _, it := range g.Items {
			a := riskdb.ComplianceAnswer{Clause: it.Clause, Answer: risk.Answer(r.PostForm.Get("answer-" + it.Clause)), Evidence: r.PostForm.Get("evidence-" + it.Clause)}
			in = append(in, a)
			form[it.Clause] = a
		}
	}
	err := s.risk.SaveCompliance(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, std, in)
	if apperr.Is(err, apperr.Invalid) {
		d := s.compliancePage(w, r, std, form)
		d.SetErrors(err)
		return s.k.Render(w, http.StatusUnprocessableEntity, "risk/compliance", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/risk/compliance?standard="+string(std), "Compliance answers saved.")
}
