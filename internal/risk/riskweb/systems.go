package riskweb

import (
	"net/http"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/web"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Roles of the clinical risk module. Clinical safety officers and
// administrators keep the register and hazard logs; only a CSO approves a
// hazard log or issues a safety case report (the store checks it too).
// Incident handlers and analysts may read everything to inform their work;
// other roles (reporters, device staff, educators) have no access.
var (
	riskView    = web.Roles(auth.CSO, auth.Admin, auth.Handler, auth.Analyst)
	riskEdit    = web.Roles(auth.CSO, auth.Admin)
	riskApprove = web.Roles(auth.CSO)
)

// Routes are the routes of the clinical risk module (DCB0129/DCB0160).
func (s *Module) Routes() []web.Route {
	return []web.Route{
		// The landing page is open to every role (it is in the navigation);
		// it shows the register only to roles that may read it.
		{Method: "GET", Path: "/risk", Roles: web.Anyone, Handle: s.riskHome},
		{Method: "GET", Path: "/risk/systems/new", Roles: riskEdit, Handle: s.riskNewSystemPage},
		{Method: "POST", Path: "/risk/systems", Roles: riskEdit, Handle: s.riskCreateSystem},
		{Method: "GET", Path: "/risk/systems/{id}", Roles: riskView, Handle: s.riskSystemPage},
		{Method: "GET", Path: "/risk/systems/{id}/hazards", Roles: riskView, Handle: s.riskHazardLogPage},
		{Method: "GET", Path: "/risk/systems/{id}/heatmaps", Roles: riskView, Handle: s.riskHeatMapsPage},
		{Method: "GET", Path: "/risk/systems/{id}/issues", Roles: riskView, Handle: s.riskIssuesPage},
		{Method: "GET", Path: "/risk/systems/{id}/releases", Roles: riskView, Handle: s.riskReleasesPage},
		{Method: "GET", Path: "/risk/systems/{id}/edit", Roles: riskEdit, Handle: s.riskEditSystemPage},
		{Method: "POST", Path: "/risk/systems/{id}", Roles: riskEdit, Handle: s.riskUpdateSystem},
		{Method: "POST", Path: "/risk/systems/{id}/releases", Roles: riskEdit, Handle: s.riskAddRelease},
		{Method: "GET", Path: "/risk/systems/{id}/hazards/new", Roles: riskEdit, Handle: s.riskNewHazardPage},
		{Method: "POST", Path: "/risk/systems/{id}/hazards", Roles: riskEdit, Handle: s.riskCreateHazard},
		{Method: "POST", Path: "/risk/systems/{id}/hazards/template", Roles: riskEdit, Handle: s.riskHazardFromTemplate},
		{Method: "GET", Path: "/risk/systems/{id}/blueprints", Roles: riskEdit, Handle: s.riskBlueprintPage},
		{Method: "POST", Path: "/risk/systems/{id}/blueprints", Roles: riskEdit, Handle: s.riskBlueprintImport},
		{Method: "GET", Path: "/risk/hazards/{id}", Roles: riskView, Handle: s.riskHazardPage},
		{Method: "GET", Path: "/risk/hazards/{id}/edit", Roles: riskEdit, Handle: s.riskEditHazardPage},
		{Method: "POST", Path: "/risk/hazards/{id}", Roles: riskEdit, Handle: s.riskUpdateHazard},
		{Method: "GET", Path: "/risk/hazards/{id}/history", Roles: riskView, Handle: s.riskHistoryPage},
		{Method: "GET", Path: "/risk/systems/{id}/issue", Roles: riskApprove, Handle: s.riskIssueCheckPage},
		{Method: "POST", Path: "/risk/systems/{id}/issues", Roles: riskApprove, Handle: s.riskIssueLog},
		{Method: "GET", Path: "/risk/issues/{id}", Roles: riskView, Handle: s.riskIssuePage},
		{Method: "GET", Path: "/risk/issues/{id}/hazards/{ref}", Roles: riskView, Handle: s.riskIssueHazardPage},
		{Method: "GET", Path: "/risk/issues/{id}/export", Roles: riskView, Handle: s.riskExportIssue},
		{Method: "GET", Path: "/risk/systems/{id}/diff", Roles: riskView, Handle: s.riskDiffPage},
		{Method: "GET", Path: "/risk/systems/{id}/cscr", Roles: riskView, Handle: s.riskCSCRPage},
		{Method: "POST", Path: "/risk/systems/{id}/cscr", Roles: riskEdit, Handle: s.riskSaveCSCR},
		{Method: "POST", Path: "/risk/systems/{id}/cscrs", Roles: riskApprove, Handle: s.riskIssueCSCR},
		{Method: "GET", Path: "/risk/cscrs/{id}", Roles: riskView, Handle: s.riskCSCRIssuePage},
		{Method: "GET", Path: "/risk/cscrs/{id}/pdf", Roles: riskView, Handle: s.riskCSCRPDF},
		{Method: "GET", Path: "/risk/cscrs/{id}/markdown", Roles: riskView, Handle: s.riskCSCRMarkdown},
		{Method: "GET", Path: "/risk/systems/{id}/export", Roles: riskView, Handle: s.riskExport},
		{Method: "GET", Path: "/risk/systems/{id}/import", Roles: riskEdit, Handle: s.riskImportPage},
		{Method: "POST", Path: "/risk/systems/{id}/import", Roles: riskEdit, Upload: true, Handle: s.riskImport},
		{Method: "GET", Path: "/risk/transferred", Roles: riskView, Handle: s.riskTransferredPage},
		{Method: "GET", Path: "/risk/plan", Roles: riskView, Handle: s.riskPlanPage},
		{Method: "POST", Path: "/risk/plan", Roles: riskEdit, Handle: s.riskSavePlan},
		{Method: "GET", Path: "/risk/compliance", Roles: riskView, Handle: s.riskCompliancePage},
		{Method: "POST", Path: "/risk/compliance", Roles: riskEdit, Handle: s.riskSaveCompliance},

		// JSON API (docs/api-risk.md).
		{Method: "GET", Path: "/api/v1/systems", Roles: riskView, API: true, Handle: s.apiSystems},
		{Method: "POST", Path: "/api/v1/systems", Roles: riskEdit, API: true, Handle: s.apiCreateSystem},
		{Method: "GET", Path: "/api/v1/systems/{id}", Roles: riskView, API: true, Handle: s.apiSystem},
		{Method: "PUT", Path: "/api/v1/systems/{id}", Roles: riskEdit, API: true, Handle: s.apiUpdateSystem},
		{Method: "POST", Path: "/api/v1/systems/{id}/releases", Roles: riskEdit, API: true, Handle: s.apiAddRelease},
		{Method: "GET", Path: "/api/v1/systems/{id}/hazards", Roles: riskView, API: true, Handle: s.apiHazards},
		{Method: "POST", Path: "/api/v1/systems/{id}/hazards", Roles: riskEdit, API: true, Handle: s.apiCreateHazard},
		{Method: "GET", Path: "/api/v1/hazards/{id}", Roles: riskView, API: true, Handle: s.apiHazard},
		{Method: "PUT", Path: "/api/v1/hazards/{id}", Roles: riskEdit, API: true, Handle: s.apiUpdateHazard},
		{Method: "GET", Path: "/api/v1/hazards/{id}/history", Roles: riskView, API: true, Handle: s.apiHazardHistory},
		{Method: "GET", Path: "/api/v1/systems/{id}/issues", Roles: riskView, API: true, Handle: s.apiIssues},
		{Method: "POST", Path: "/api/v1/systems/{id}/issues", Roles: riskApprove, API: true, Handle: s.apiIssueLog},
		{Method: "GET", Path: "/api/v1/systems/{id}/issue-check", Roles: riskView, API: true, Handle: s.apiIssueCheck},
		{Method: "GET", Path: "/api/v1/issues/{id}", Roles: riskView, API: true, Handle: s.apiIssue},
		{Method: "GET", Path: "/api/v1/systems/{id}/diff", Roles: riskView, API: true, Handle: s.apiDiff},
		{Method: "GET", Path: "/api/v1/systems/{id}/cscr", Roles: riskView, API: true, Handle: s.apiCSCRDraft},
		{Method: "PUT", Path: "/api/v1/systems/{id}/cscr", Roles: riskEdit, API: true, Handle: s.apiSaveCSCRDraft},
		{Method: "GET", Path: "/api/v1/systems/{id}/reports", Roles: riskView, API: true, Handle: s.apiReports},
		{Method: "POST", Path: "/api/v1/systems/{id}/reports", Roles: riskApprove, API: true, Handle: s.apiIssueReport},
		{Method: "GET", Path: "/api/v1/reports/{id}", Roles: riskView, API: true, Handle: s.apiReport},
		{Method: "GET", Path: "/api/v1/systems/{id}/export", Roles: riskView, API: true, Handle: s.apiExport},
		{Method: "POST", Path: "/api/v1/systems/{id}/import", Roles: riskEdit, API: true, Upload: true, Handle: s.apiImport},
		{Method: "GET", Path: "/api/v1/controls/transferred", Roles: riskView, API: true, Handle: s.apiTransferred},
		{Method: "GET", Path: "/api/v1/risk/overdue", Roles: riskView, API: true, Handle: s.apiOverdue},
		{Method: "GET", Path: "/api/v1/risk/templates", Roles: riskView, API: true, Handle: s.apiTemplates},
		{Method: "GET", Path: "/api/v1/risk/plan", Roles: riskView, API: true, Handle: s.apiPlan},
		{Method: "PUT", Path: "/api/v1/risk/plan", Roles: riskEdit, API: true, Handle: s.apiSavePlan},
		{Method: "GET", Path: "/api/v1/risk/compliance", Roles: riskView, API: true, Handle: s.apiCompliance},
		{Method: "PUT", Path: "/api/v1/risk/compliance", Roles: riskEdit, API: true, Handle: s.apiSaveCompliance},
	}
}

// canEdit and canApprove tell templates which buttons to show.
func canEdit(p *store.Principal) bool    { return p != nil && auth.HasAny(p.Roles, riskEdit...) }
func canApprove(p *store.Principal) bool { return p != nil && auth.HasAny(p.Roles, riskApprove...) }

// RiskHome is the clinical risk landing page: the systems register.
type RiskHome struct {
	web.Base
	Systems []riskdb.SystemSummary
	Overdue []riskdb.OverdueAction
	CanEdit bool
	CanView bool
}

func (s *Module) riskHome(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	if !auth.HasAny(p.Roles, riskView...) {
		return s.k.Render(w, http.StatusOK, "risk/home", RiskHome{Base: s.k.Base(w, r, "Clinical risk")})
	}
	systems, err := s.risk.ListSystems(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	od, err := s.risk.OverdueActions(r.Context(), p.Org.ID, "")
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/home", RiskHome{Base: s.k.Base(w, r, "Clinical risk"), Systems: systems, Overdue: od, CanEdit: canEdit(p), CanView: true})
}

// SystemForm adds or edits a system in the register.
type SystemForm struct {
	web.Base
	System   riskdb.System
	Phases   string
	CSOs     []CSOOption
	Action   string
	Standard []web.Option
}

// CSOOption is a checkbox for one of the organisation's CSOs.
type CSOOption struct {
	ID, Name string
	Checked  bool
}

func standardOptions(sel risk.Standard) []web.Option {
	return []web.Option{
		{Value: string(risk.DCB0129), Label: "DCB0129: we make the system (manufacturer)", Selected: sel == risk.DCB0129},
		{Value: string(risk.DCB0160), Label: "DCB0160: we deploy the system (health organisation)", Selected: sel == risk.DCB0160},
	}
}

func (s *Module) systemForm(w http.ResponseWriter, r *http.Request, title, action string, sys riskdb.System) (SystemForm, error) {
	p := web.PrincipalFrom(r.Context())
	users, err := s.k.Store().ListUsers(r.Context(), p.Org.ID)
	if err != nil {
		return SystemForm{}, err
	}
	d := SystemForm{Base: s.k.Base(w, r, title), System: sys, Phases: strings.Join(sys.Phases, "\n"), Action: action, Standard: standardOptions(sys.Standard)}
	held := map[string]bool{}
	for _, c := range sys.CSOs {
		held[c.ID] = true
	}
	for _, u := range users {
		if !u.Disabled && auth.HasAny(u.Roles, auth.CSO) {
			d.CSOs = append(d.CSOs, CSOOption{ID: u.ID, Name: u.Name, Checked: held[u.ID]})
		}
	}
	return d, nil
}

var systemFields = []string{"name", "manufacturer", "intended_use", "clinical_scope", "deployment_context", "standard", "phases", "csos"}

func (s *Module) riskNewSystemPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.systemForm(w, r, "Add a health IT system", "/risk/systems", riskdb.System{})
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/system_form", d)
}

func systemFromForm(r *http.Request) riskdb.System {
	sys := riskdb.System{Name: r.PostForm.Get("name"), Manufacturer: r.PostForm.Get("manufacturer"), IntendedUse: r.PostForm.Get("intended_use"),
		ClinicalScope: r.PostForm.Get("clinical_scope"), DeploymentContext: r.PostForm.Get("deployment_context"),
		Standard: risk.Standard(r.PostForm.Get("standard")), Phases: strings.Split(strings.ReplaceAll(r.PostForm.Get("phases"), "\r\n", "\n"), "\n")}
	for _, id := range r.PostForm["csos"] {
		sys.CSOs = append(sys.CSOs, riskdb.Person{ID: id})
	}
	return sys
}

func (s *Module) riskCreateSystem(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	sys, err := s.risk.CreateSystem(r.Context(), p.Org.ID, systemFromForm(r))
	if apperr.Is(err, apperr.Invalid) {
		d, derr := s.systemForm(w, r, "Add a health IT system", "/risk/systems", systemFromForm(r))
		if derr != nil {
			return derr
		}
		d.SetErrors(err, systemFields...)
		return s.k.Render(w, http.StatusUnprocessableEntity, "risk/system_form", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/risk/systems/"+sys.ID, "Added "+sys.Name+" to the register.")
}

func (s *Module) riskEditSystemPage(w http.ResponseWriter, r *http.Request) error {
	sys, err := s.risk.System(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	d, err := s.systemForm(w, r, "Edit "+sys.Name, "/risk/systems/"+sys.ID, sys)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/system_form", d)
}

func (s *Module) riskUpdateSystem(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	in := systemFromForm(r)
	in.ID = r.PathValue("id")
	sys, err := s.risk.UpdateSystem(r.Context(), p.Org.ID, in)
	if apperr.Is(err, apperr.Invalid) {
		d, derr := s.systemForm(w, r, "Edit system", "/risk/systems/"+in.ID, in)
		if derr != nil {
			return derr
		}
		d.SetErrors(err, systemFields...)
		return s.k.Render(w, http.StatusUnprocessableEntity, "risk/system_form", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/risk/systems/"+sys.ID, "Saved "+sys.Name+".")
}

func (s *Module) riskAddRelease(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	rel := riskdb.Release{Version: r.PostForm.Get("version"), Notes: r.PostForm.Get("notes")}
	var ferr error
	if v, _, msg := web.FormDate(r.PostForm, "date", "the release date"); msg != "" {
		ferr = apperr.Field("date", msg)
	} else if v != "" {
		rel.Date, _ = time.Parse("2006-01-02", v)
	}
	var err error
	if ferr == nil {
		_, err = s.risk.AddRelease(r.Context(), p.Org.ID, id, rel)
	} else {
		err = ferr
	}
	if apperr.Is(err, apperr.Invalid) {
		d, derr := s.releasesPage(w, r, id)
		if derr != nil {
			return derr
		}
		d.Release = rel
		d.SetErrors(err, "version", "date", "notes")
		return s.k.Render(w, http.StatusUnprocessableEntity, "risk/releases", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/risk/systems/"+id+"/releases", "Release "+strings.TrimSpace(rel.Version)+" recorded.")
}
