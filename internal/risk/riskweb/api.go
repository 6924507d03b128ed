package riskweb

import (
	"bytes"
	"net/http"

	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/web"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/exchange"
	"github.com/clinsafe/clinsafe/internal/risk/report"
)

func (s *Module) apiSystems(w http.ResponseWriter, r *http.Request) error {
	list, err := s.risk.ListSystems(r.Context(), web.PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(list))
}

// apiSystemIn is the body of POST and PUT /api/v1/systems.
type apiSystemIn struct {
	Name              string           `json:"name"`
	Manufacturer      string           `json:"manufacturer"`
	IntendedUse       string           `json:"intended_use"`
	ClinicalScope     string           `json:"clinical_scope"`
	DeploymentContext string           `json:"deployment_context"`
	Standard          string           `json:"standard"`
	Phases            []string         `json:"phases"`
	CSOIDs            []string         `json:"cso_ids"`
	Releases          []riskdb.Release `json:"releases"`
}

func (in apiSystemIn) system() riskdb.System {
	sys := riskdb.System{Name: in.Name, Manufacturer: in.Manufacturer, IntendedUse: in.IntendedUse, ClinicalScope: in.ClinicalScope,
		DeploymentContext: in.DeploymentContext, Phases: in.Phases, Releases: in.Releases}
	sys.Standard, _ = risk.ParseStandard(in.Standard)
	if in.Standard != "" && sys.Standard == "" {
		sys.Standard = risk.Standard(in.Standard)
	}
	for _, id := range in.CSOIDs {
		sys.CSOs = append(sys.CSOs, riskdb.Person{ID: id})
	}
	return sys
}

func (s *Module) apiCreateSystem(w http.ResponseWriter, r *http.Request) error {
	var in apiSystemIn
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	sys, err := s.risk.CreateSystem(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, in.system())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/systems/"+sys.ID)
	return web.WriteJSON(w, http.StatusCreated, sys)
}

func (s *Module) apiSystem(w http.ResponseWriter, r *http.Request) error {
	sys, err := s.risk.System(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, sys)
}

func (s *Module) apiUpdateSystem(w http.ResponseWriter, r *http.Request) error {
	var in apiSystemIn
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	sys := in.system()
	sys.ID = r.PathValue("id")
	sys, err := s.risk.UpdateSystem(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, sys)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, sys)
}

func (s *Module) apiAddRelease(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Version string `json:"version"`
		Date    string `json:"date"`
		Notes   string `json:"notes"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	d, err := web.ParseDate("date", in.Date)
	if err != nil {
		return err
	}
	rel := riskdb.Release{Version: in.Version, Notes: in.Notes}
	if d != nil {
		rel.Date = *d
	}
	rel, err = s.risk.AddRelease(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), rel)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, rel)
}

func (s *Module) apiHazards(w http.ResponseWriter, r *http.Request) error {
	hs, err := s.risk.ListHazards(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(hs))
}

// apiHazardIn is a hazard as the API accepts it: the categories are read
// as text so that an unknown value is a per-field error, not a broken body.
type apiHazardIn struct {
	risk.Hazard
	InitialSeverity    string `json:"initial_severity"`
	InitialLikelihood  string `json:"initial_likelihood"`
	ResidualSeverity   string `json:"residual_severity"`
	ResidualLikelihood string `json:"residual_likelihood"`
	// RiskBenefitJustification sets the justification, recorded as the
	// caller's (who must be a CSO) when it changes.
	RiskBenefitJustification *string `json:"risk_benefit_justification"`
	// Template creates the hazard from a built-in template instead.
	Template string `json:"template"`
	// Reason is why an update is made, kept with the version it makes.
	Reason string `json:"reason"`
}

func (in apiHazardIn) hazard() (risk.Hazard, error) {
	h := in.Hazard
	text := map[string]string{"initial_severity": in.InitialSeverity, "initial_likelihood": in.InitialLikelihood,
		"residual_severity": in.ResidualSeverity, "residual_likelihood": in.ResidualLikelihood}
	var f apperr.Fields
	readRatings(&h, func(field string) string { return text[field] }, &f, "", "")
	return h, f.Err()
}

func (s *Module) apiCreateHazard(w http.ResponseWriter, r *http.Request) error {
	var in apiHazardIn
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	sys, err := s.risk.System(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	h, err := in.toSave(true)
	if err != nil {
		return err
	}
	h.Provenance = risk.Provenance{}
	e, err := s.risk.CreateHazard(r.Context(), p.Org.ID, sys.ID, h)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/hazards/"+e.ID)
	return web.WriteJSON(w, http.StatusCreated, e)
}

// toSave is the hazard a create or update body asks for: the categories
// parsed, or (creating, withTemplate) a built-in template's hazard, and of
// the risk-benefit justification only its text, since the store records
// who wrote it.
func (in apiHazardIn) toSave(withTemplate bool) (risk.Hazard, error) {
	var h risk.Hazard
	if withTemplate && in.Template != "" {
		t, err := risk.TemplateByKey(in.Template)
		if err != nil {
			return h, &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: map[string]string{"template": apperr.MessageOf(err)}}
		}
		h = t.Hazard(0)
	} else {
		var err error
		if h, err = in.hazard(); err != nil {
			return h, err
		}
	}
	just := h.RiskBenefit.Justification
	if in.RiskBenefitJustification != nil {
		just = *in.RiskBenefitJustification
	}
	h.RiskBenefit = risk.RiskBenefit{Justification: just}
	return h, nil
}

func (s *Module) apiHazard(w http.ResponseWriter, r *http.Request) error {
	e, err := s.risk.Hazard(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, e)
}

func (s *Module) apiUpdateHazard(w http.ResponseWriter, r *http.Request) error {
	var in apiHazardIn
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	old, err := s.risk.Hazard(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	h, err := in.toSave(false)
	if err != nil {
		return err
	}
	// Without the version it was read at, a change would overwrite
	// whatever someone else saved meanwhile, unseen.
	if h.Version <= 0 {
		return apperr.Field("version", "Send the hazard's version as you read it, so that a change saved by someone else meanwhile is not overwritten")
	}
	h.ID = old.ID
	e, err := s.risk.UpdateHazardWithReason(r.Context(), p.Org.ID, h, in.Reason)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, e)
}

func (s *Module) apiHazardHistory(w http.ResponseWriter, r *http.Request) error {
	vs, err := s.risk.HazardHistory(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(vs))
}

// apiIssueSummary is an issued version without its snapshot.
type apiIssueSummary struct {
	ID             string `json:"id"`
	SystemID       string `json:"system_id"`
	Version        string `json:"version"`
	ContentHash    string `json:"content_hash"`
	ApprovedByID   string `json:"approved_by_id"`
	ApprovedByName string `json:"approved_by_name"`
	IssuedAt       string `json:"issued_at"`
	Comment        string `json:"comment"`
	Hazards        int    `json:"hazards"`
}

func (s *Module) apiIssues(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	if _, err := s.risk.System(r.Context(), p.Org.ID, r.PathValue("id")); err != nil {
		return err
	}
	lis, err := s.risk.LogIssues(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	var out []apiIssueSummary
	for _, li := range lis {
		out = append(out, apiIssueSummary{ID: li.ID, SystemID: li.SystemID, Version: li.Version, ContentHash: li.ContentHash, ApprovedByID: li.ApprovedByID,
			ApprovedByName: li.ApprovedByName, IssuedAt: li.IssuedAt.Format("2006-01-02T15:04:05Z07:00"), Comment: li.Comment, Hazards: len(li.Log.Hazards)})
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(out))
}

// apiIssueCheck is what issuing the log would approve: the log as it
// stands, the changes since the last issued version, and the "reviewed"
// to give back when issuing it.
func (s *Module) apiIssueCheck(w http.ResponseWriter, r *http.Request) error {
	ch, err := s.risk.LogChanges(r.Context(), web.PrincipalFrom(r.Context()).Org, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, ch)
}

func (s *Module) apiIssueLog(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Comment  string `json:"comment"`
		Password string `json:"password"`
		// Reviewed is the "reviewed" of the log's changes as checked
		// (GET .../issue-check); when given, a log changed since is
		// refused (409).
		Reviewed string `json:"reviewed"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	sg, err := s.k.Store().VerifySigner(r.Context(), in.Password)
	if err != nil {
		return err
	}
	li, err := s.risk.IssueReviewedLog(r.Context(), p.Org, r.PathValue("id"), in.Comment, in.Reviewed, sg)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/issues/"+li.ID)
	return web.WriteJSON(w, http.StatusCreated, li)
}

func (s *Module) apiIssue(w http.ResponseWriter, r *http.Request) error {
	li, err := s.risk.LogIssue(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") != "" {
		return s.sendLog(w, r, li.Log, li.Log.System.Name+" hazard log version "+li.Version)
	}
	return web.WriteJSON(w, http.StatusOK, li)
}

func (s *Module) apiDiff(w http.ResponseWriter, r *http.Request) error {
	_, _, a, b, ok, err := s.diffOf(r)
	if err != nil {
		return err
	}
	if !ok {
		return &apperr.Error{Kind: apperr.Invalid, Message: "Give two issued versions to compare", Fields: map[string]string{"from": "required", "to": "required"}}
	}
	return web.WriteJSON(w, http.StatusOK, struct {
		From string       `json:"from"`
		To   string       `json:"to"`
		Diff risk.LogDiff `json:"diff"`
	}{a.ID, b.ID, risk.DiffLogs(a.Log, b.Log)})
}

func (s *Module) apiCSCRDraft(w http.ResponseWriter, r *http.Request) error {
	d, err := s.risk.CSCRDraft(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, d)
}

func (s *Module) apiSaveCSCRDraft(w http.ResponseWriter, r *http.Request) error {
	var in riskdb.CSCRDraft
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	d, err := s.risk.SaveCSCRDraft(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, d)
}

func (s *Module) apiReports(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	if _, err := s.risk.System(r.Context(), p.Org.ID, r.PathValue("id")); err != nil {
		return err
	}
	cs, err := s.risk.CSCRIssues(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(cs))
}

func (s *Module) apiIssueReport(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Password string `json:"password"`
		// LogIssueID and Draft, when given, are the hazard log version
		// and the draft's "reviewed" as checked: a report whose log or
		// draft has changed since is refused (409).
		LogIssueID string `json:"log_issue_id"`
		Draft      string `json:"draft"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	sg, err := s.k.Store().VerifySigner(r.Context(), in.Password)
	if err != nil {
		return err
	}
	regs, err := s.csoRegistrations(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	ci, err := s.risk.IssueReviewedCSCR(r.Context(), p.Org, r.PathValue("id"), riskdb.CSCRReviewed{LogIssueID: in.LogIssueID, Draft: in.Draft}, sg, regs)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/reports/"+ci.ID)
	return web.WriteJSON(w, http.StatusCreated, ci)
}

func (s *Module) apiReport(w http.ResponseWriter, r *http.Request) error {
	ci, err := s.cscrIssue(r)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		return web.WriteJSON(w, http.StatusOK, ci)
	case "pdf":
		var buf bytes.Buffer
		if err := report.PDF(ci.Report, &buf); err != nil {
			return err
		}
		return sendFile(w, "application/pdf", fileName(ci.Report.System.Name+" CSCR "+ci.DocumentVersion, "pdf"), buf.Bytes())
	case "markdown":
		return sendFile(w, "text/markdown; charset=utf-8", fileName(ci.Report.System.Name+" CSCR "+ci.DocumentVersion, "md"), report.Markdown(ci.Report))
	}
	return &apperr.Error{Kind: apperr.Invalid, Message: "Unknown format", Fields: map[string]string{"format": "must be json, pdf or markdown"}}
}

func (s *Module) apiExport(w http.ResponseWriter, r *http.Request) error { return s.riskExport(w, r) }

// apiImportResult answers an import.
type apiImportResult struct {
	Imported int `json:"imported"`
}

// apiImportError is the 422 answer to a failed import: every row that
// could not be read.
type apiImportError struct {
	Error struct {
		Kind    string             `json:"kind"`
		Message string             `json:"message"`
		Rows    exchange.RowErrors `json:"rows"`
	} `json:"error"`
}

func (s *Module) apiImport(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	sys, err := s.risk.System(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	format, err := exchangeFormat(r.URL.Query().Get("format"), "")
	if err != nil {
		return err
	}
	return s.apiImportBody(w, r, sys, format, r.URL.Query().Get("supplier") == "true")
}

func (s *Module) apiTransferred(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.risk.TransferredControls(r.Context(), web.PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(cs))
}

func (s *Module) apiOverdue(w http.ResponseWriter, r *http.Request) error {
	od, err := s.risk.OverdueActions(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, "")
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(od))
}

func (s *Module) apiTemplates(w http.ResponseWriter, r *http.Request) error {
	return web.WriteJSON(w, http.StatusOK, web.Items(risk.Templates()))
}

func (s *Module) apiPlan(w http.ResponseWriter, r *http.Request) error {
	pl, err := s.risk.Plan(r.Context(), web.PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, pl)
}

func (s *Module) apiSavePlan(w http.ResponseWriter, r *http.Request) error {
	var in riskdb.Plan
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	pl, err := s.risk.SavePlan(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, pl)
}

type apiCompliance struct {
	Standard risk.Standard             `json:"standard"`
	Answers  []riskdb.ComplianceAnswer `json:"answers"`
}

func (s *Module) apiCompliance(w http.ResponseWriter, r *http.Request) error {
	std := standardParam(r.URL.Query().Get("standard"))
	m, err := s.risk.Compliance(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, std)
	if err != nil {
		return err
	}
	out := apiCompliance{Standard: std, Answers: []riskdb.ComplianceAnswer{}}
	for _, g := range risk.ClauseGroups(std) {
		for _, it := range g.Items {
			if a, ok := m[it.Clause]; ok {
				out.Answers = append(out.Answers, a)
			}
		}
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (s *Module) apiSaveCompliance(w http.ResponseWriter, r *http.Request) error {
	var in apiCompliance
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Standard == "" {
		in.Standard = risk.DCB0160
	}
	if err := s.risk.SaveCompliance(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, in.Standard, in.Answers); err != nil {
		return err
	}
	r.URL.RawQuery = "standard=" + string(in.Standard)
	return s.apiCompliance(w, r)
}
