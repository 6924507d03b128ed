package riskweb

import (
	"cmp"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/web"
)

// A system's pages share a sub-navigation: the overview (/risk/systems/{id}),
// the hazard log (/hazards), the heat maps (/heatmaps), the issued versions
// (/issues), the safety case report (/cscr) and the releases (/releases).
// SystemNav names the current one for the "risk/system_nav" partial.
const (
	NavOverview = "overview"
	NavLog      = "hazards"
	NavHeatMaps = "heatmaps"
	NavIssues   = "issues"
	NavCSCR     = "cscr"
	NavReleases = "releases"
)

// SystemPage is a system's overview: its details, its CSOs and a summary
// of each of its other pages.
type SystemPage struct {
	web.Base
	System riskdb.System
	// Summary of the log: hazards, not closed, overdue actions.
	Hazards, NotClosed, Overdue int
	LastIssue                   *riskdb.LogIssue
	Reports                     int
	CanEdit                     bool
	// LapsedCSOs are the system's CSOs whose competency has lapsed.
	LapsedCSOs []trainingdb.CSO
}

// HazardRow is a line of the hazard log table.
type HazardRow struct {
	ID, Ref, Name string
	// Href is the page of the hazard ("" for none).
	Href                    string
	Initial, Residual       int
	Status                  risk.Status
	Overdue, Open, Deployer int
	Imported                bool
}

// CountRow counts hazards of one status or rating.
type CountRow struct {
	Label string
	N     int
}

// hazardRows makes the log table's rows; href gives each hazard's page.
func hazardRows(hs []risk.Hazard, m risk.Matrix, now time.Time, href func(*risk.Hazard) string) []HazardRow {
	out := make([]HazardRow, len(hs))
	for i := range hs {
		h := &hs[i]
		row := HazardRow{ID: h.ID, Ref: h.Ref, Name: h.Name, Href: href(h), Status: h.Status, Overdue: len(h.OverdueActions(now)), Open: len(h.OpenActions()), Imported: !h.Provenance.IsZero()}
		row.Initial, _ = h.InitialRating(m)
		row.Residual, _ = h.ResidualRating(m)
		for _, c := range h.Controls {
			if c.Side == risk.Deployer {
				row.Deployer++
			}
		}
		out[i] = row
	}
	return out
}

// currentRating is the residual rating, or the initial one where the
// residual risk is not estimated yet (0 when neither is).
func currentRating(h risk.Hazard, m risk.Matrix) int {
	if v, _ := h.ResidualRating(m); v > 0 {
		return v
	}
	v, _ := h.InitialRating(m)
	return v
}

func countRows(hs []risk.Hazard, m risk.Matrix) []CountRow {
	var out []CountRow
	for _, st := range risk.AllStatuses() {
		n := 0
		for _, h := range hs {
			if h.Status == st {
				n++
			}
		}
		out = append(out, CountRow{Label: st.Label(), N: n})
	}
	for r := 5; r >= 1; r-- {
		n := 0
		for _, h := range hs {
			if currentRating(h, m) == r {
				n++
			}
		}
		out = append(out, CountRow{Label: "Current rating " + risk.RatingLabel(r) + " (residual, or initial where not yet estimated)", N: n})
	}
	return out
}

func (s *Module) riskSystemPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	ctx := r.Context()
	sys, err := s.risk.System(ctx, p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := SystemPage{Base: s.k.Base(w, r, sys.Name), System: sys, CanEdit: canEdit(p)}
	if d.LapsedCSOs, _, err = s.csoCompetency(ctx, p.Org.ID, sys); err != nil {
		return err
	}
	sums, err := s.risk.ListSystems(ctx, p.Org.ID)
	if err != nil {
		return err
	}
	for _, y := range sums {
		if y.ID == sys.ID {
			d.Hazards, d.NotClosed, d.Overdue = y.Hazards, y.OpenHazards, y.OverdueActions
		}
	}
	issues, err := s.risk.LogIssues(ctx, p.Org.ID, sys.ID)
	if err != nil {
		return err
	}
	if len(issues) > 0 {
		d.LastIssue = &issues[0]
	}
	reports, err := s.risk.CSCRIssues(ctx, p.Org.ID, sys.ID)
	if err != nil {
		return err
	}
	d.Reports = len(reports)
	return s.k.Render(w, http.StatusOK, "risk/system", d)
}

// LogFilter is what the hazard log page is narrowed and ordered by, read
// from the query string of its GET form. Every field is optional.
type LogFilter struct {
	// Status is a status code.
	Status string
	// Initial and Residual are a rating "1" to "5", or "none" for not
	// estimated.
	Initial, Residual string
	// Owner is the owner of one of a hazard's controls or actions.
	Owner string
	// Actions is "yes" (has open actions) or "no" (none open).
	Actions string
	// Q is searched for in names, descriptions and causes: every word must
	// be found, ignoring case.
	Q string
	// Sort is "ref" (the default), "rating" (highest current rating
	// first), "status" (lifecycle order) or "updated" (latest first).
	Sort string
}

var logSorts = []web.Option{{Value: "ref", Label: "Reference"}, {Value: "rating", Label: "Current rating, highest first"},
	{Value: "status", Label: "Status"}, {Value: "updated", Label: "Last updated, latest first"}}

func validRating(v string) bool {
	if v == "" || v == "none" {
		return true
	}
	n, err := strconv.Atoi(v)
	return err == nil && n >= 1 && n <= 5 && strconv.Itoa(n) == v
}

// parseLogFilter reads the filter; an unknown value is a BadRequest error
// saying which.
func parseLogFilter(q url.Values) (LogFilter, error) {
	f := LogFilter{Status: q.Get("status"), Initial: q.Get("initial"), Residual: q.Get("residual"), Owner: strings.TrimSpace(q.Get("owner")),
		Actions: q.Get("actions"), Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort")}
	bad := func(what string) error {
		return apperr.New(apperr.BadRequest, "The hazard log cannot be filtered by that %s. Choose one from the list.", what)
	}
	if f.Status != "" && !risk.Status(f.Status).Valid() {
		return f, bad("status")
	}
	if !validRating(f.Initial) {
		return f, bad("initial rating")
	}
	if !validRating(f.Residual) {
		return f, bad("residual rating")
	}
	if f.Actions != "" && f.Actions != "yes" && f.Actions != "no" {
		return f, bad("choice of actions")
	}
	if f.Sort != "" && !slices.ContainsFunc(logSorts, func(o web.Option) bool { return o.Value == f.Sort }) {
		return f, bad("order")
	}
	if len(f.Q) > 200 {
		return f, apperr.New(apperr.BadRequest, "Search for 200 characters or fewer.")
	}
	return f, nil
}

// Active reports whether any filter narrows the log.
func (f LogFilter) Active() bool {
	return f.Status != "" || f.Initial != "" || f.Residual != "" || f.Owner != "" || f.Actions != "" || f.Q != ""
}

func ratingMatches(want string, got int) bool {
	switch want {
	case "":
		return true
	case "none":
		return got == 0
	}
	return want == strconv.Itoa(got)
}

func hazardOwners(h risk.Hazard) []string {
	var out []string
	for _, c := range h.Controls {
		out = append(out, strings.TrimSpace(c.Owner))
	}
	for _, a := range h.Actions {
		out = append(out, strings.TrimSpace(a.Owner))
	}
	return out
}

// apply returns the hazards that match f, in f's order. It works on the
// log as loaded (one query for the hazards, one each for their controls
// and actions), so its cost does not grow with queries per hazard.
func (f LogFilter) apply(hs []risk.Hazard, m risk.Matrix) []risk.Hazard {
	words := strings.Fields(strings.ToLower(f.Q))
	var out []risk.Hazard
	for _, h := range hs {
		if f.Status != "" && string(h.Status) != f.Status {
			continue
		}
		ini, _ := h.InitialRating(m)
		res, _ := h.ResidualRating(m)
		if !ratingMatches(f.Initial, ini) || !ratingMatches(f.Residual, res) {
			continue
		}
		if f.Owner != "" && !slices.ContainsFunc(hazardOwners(h), func(o string) bool { return strings.EqualFold(o, f.Owner) }) {
			continue
		}
		if open := len(h.OpenActions()) > 0; (f.Actions == "yes" && !open) || (f.Actions == "no" && open) {
			continue
		}
		if len(words) > 0 {
			text := strings.ToLower(h.Name + "\n" + h.Description + "\n" + strings.Join(h.Causes, "\n"))
			if !all(words, func(w string) bool { return strings.Contains(text, w) }) {
				continue
			}
		}
		out = append(out, h)
	}
	rank := func(st risk.Status) int { return slices.Index(risk.AllStatuses(), st) }
	slices.SortStableFunc(out, func(a, b risk.Hazard) int {
		var c int
		switch f.Sort {
		case "rating":
			c = cmp.Compare(currentRating(b, m), currentRating(a, m))
		case "status":
			c = cmp.Compare(rank(a.Status), rank(b.Status))
		case "updated":
			c = b.UpdatedAt.Compare(a.UpdatedAt)
		}
		return cmp.Or(c, cmp.Compare(a.Number, b.Number))
	})
	return out
}

func all(ws []string, ok func(string) bool) bool {
	for _, w := range ws {
		if !ok(w) {
			return false
		}
	}
	return true
}

// HazardLogPage is a system's hazard log, filtered, sorted and searched.
type HazardLogPage struct {
	web.Base
	System    riskdb.System
	Filter    LogFilter
	Hazards   []HazardRow
	Total     int
	Statuses  []web.Option
	Initial   []web.Option
	Residual  []web.Option
	Owners    []web.Option
	Actions   []web.Option
	Sorts     []web.Option
	CanEdit   bool
	Templates []risk.Template
}

func ratingFilterOptions(sel string) []web.Option {
	out := []web.Option{{Value: "", Label: "Any rating", Selected: sel == ""}}
	for r := 5; r >= 1; r-- {
		v := strconv.Itoa(r)
		out = append(out, web.Option{Value: v, Label: risk.RatingLabel(r), Selected: sel == v})
	}
	return append(out, web.Option{Value: "none", Label: "Not estimated", Selected: sel == "none"})
}

func selectOne(opts []web.Option, sel string) []web.Option {
	out := slices.Clone(opts)
	for i := range out {
		out[i].Selected = out[i].Value == sel
	}
	return out
}

func (s *Module) riskHazardLogPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	ctx := r.Context()
	f, err := parseLogFilter(r.URL.Query())
	if err != nil {
		return err
	}
	sys, err := s.risk.System(ctx, p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	hs, err := s.risk.ListHazards(ctx, p.Org.ID, sys.ID)
	if err != nil {
		return err
	}
	m, err := s.risk.Matrix(ctx, p.Org.ID)
	if err != nil {
		return err
	}
	d := HazardLogPage{Base: s.k.Base(w, r, "Hazard log of "+sys.Name), System: sys, Filter: f, Total: len(hs),
		Hazards: hazardRows(f.apply(hs, m), m, s.k.Store().Now(), func(h *risk.Hazard) string { return "/risk/hazards/" + h.ID }), CanEdit: canEdit(p), Templates: risk.Templates(),
		Initial: ratingFilterOptions(f.Initial), Residual: ratingFilterOptions(f.Residual)}
	if f.Sort == "" {
		f.Sort = "ref"
	}
	d.Sorts = selectOne(logSorts, f.Sort)
	d.Statuses = []web.Option{{Value: "", Label: "Any status", Selected: f.Status == ""}}
	for _, st := range risk.AllStatuses() {
		d.Statuses = append(d.Statuses, web.Option{Value: string(st), Label: st.Label(), Selected: f.Status == string(st)})
	}
	d.Actions = selectOne([]web.Option{{Value: "", Label: "With or without"}, {Value: "yes", Label: "Has open actions"}, {Value: "no", Label: "No open actions"}}, f.Actions)
	owners := map[string]string{}
	for _, h := range hs {
		for _, o := range hazardOwners(h) {
			if o != "" {
				owners[strings.ToLower(o)] = o
			}
		}
	}
	d.Owners = []web.Option{{Value: "", Label: "Anyone", Selected: f.Owner == ""}}
	for _, k := range slices.Sorted(maps.Keys(owners)) {
		d.Owners = append(d.Owners, web.Option{Value: owners[k], Label: owners[k], Selected: strings.EqualFold(owners[k], f.Owner)})
	}
	return s.k.Render(w, http.StatusOK, "risk/hazard_log", d)
}

// HeatMapsPage shows a system's hazards by severity and likelihood,
// before and after controls, with counts and overdue actions.
type HeatMapsPage struct {
	web.Base
	System   riskdb.System
	Initial  HeatMap
	Residual HeatMap
	Counts   []CountRow
	Overdue  []riskdb.OverdueAction
}

func (s *Module) riskHeatMapsPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	ctx := r.Context()
	sys, err := s.risk.System(ctx, p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	hs, err := s.risk.ListHazards(ctx, p.Org.ID, sys.ID)
	if err != nil {
		return err
	}
	m, err := s.risk.Matrix(ctx, p.Org.ID)
	if err != nil {
		return err
	}
	od, err := s.risk.OverdueActions(ctx, p.Org.ID, sys.ID)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/heatmaps", HeatMapsPage{Base: s.k.Base(w, r, "Heat maps of "+sys.Name), System: sys,
		Initial: heatMap("initial", "Initial risk", hs, m, false), Residual: heatMap("residual", "Residual risk", hs, m, true),
		Counts: countRows(hs, m), Overdue: od})
}

// IssuesPage lists a system's issued hazard log versions.
type IssuesPage struct {
	web.Base
	System     riskdb.System
	Issues     []riskdb.LogIssue
	CanApprove bool
}

func (s *Module) riskIssuesPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	sys, err := s.risk.System(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	issues, err := s.risk.LogIssues(r.Context(), p.Org.ID, sys.ID)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/issues", IssuesPage{Base: s.k.Base(w, r, "Issued versions of the hazard log of "+sys.Name),
		System: sys, Issues: issues, CanApprove: canApprove(p)})
}

// ReleasesPage lists a system's releases and records a new one.
type ReleasesPage struct {
	web.Base
	System  riskdb.System
	Release riskdb.Release
	CanEdit bool
}

func (s *Module) releasesPage(w http.ResponseWriter, r *http.Request, id string) (ReleasesPage, error) {
	p := web.PrincipalFrom(r.Context())
	sys, err := s.risk.System(r.Context(), p.Org.ID, id)
	if err != nil {
		return ReleasesPage{}, err
	}
	return ReleasesPage{Base: s.k.Base(w, r, "Releases of "+sys.Name), System: sys, CanEdit: canEdit(p)}, nil
}

func (s *Module) riskReleasesPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.releasesPage(w, r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/releases", d)
}
