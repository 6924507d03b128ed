// Package evidenceweb serves the evidence wing: the dashboard of measures
// read as statistical process control charts, each with its filters,
// reading in plain words, data table and downloads; the before-and-after
// statement of a digital change; the bed days an organisation enters; a
// network analyst's view of every member side by side; and the JSON API
// (docs/api-evidence.md).
package evidenceweb

import (
	"context"
	"embed"
	"html/template"
	"io/fs"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

//go:embed templates
var templateFS embed.FS

// Who may do what in the evidence wing:
//
//   - analysts, CSOs, handlers and admins read the measures of their
//     organisation (aggregate counts, never records);
//   - CSOs and analysts mark a digital change on a measure; a CSO
//     attaches its statement to the system's safety case;
//   - admins and analysts enter the bed days;
//   - a network's analysts (store.IsNetworkAnalyst) read its members'
//     measures side by side, whatever their roles in their own organisation.
var (
	evRead   = web.Roles(auth.Analyst, auth.CSO, auth.Handler, auth.Admin)
	evMark   = web.Roles(auth.CSO, auth.Analyst)
	evAttach = web.Roles(auth.CSO)
	evBeds   = web.Roles(auth.Admin, auth.Analyst)
)

// Module is the evidence wing on the HTTP kernel.
type Module struct {
	k  *web.Server
	ev *evidencedb.DB
}

// New makes the wing on kernel k (a web.ModuleFunc).
func New(k *web.Server) web.Module { return &Module{k: k, ev: evidencedb.New(k.Store())} }

// Pillar is the evidence card of the home page and navigation.
func (s *Module) Pillar() web.PillarCard {
	return web.PillarCard{Area: "evidence", Nav: "Evidence", Title: "Evidence", Href: "/evidence",
		Summary: "Statistical process control and before-and-after analysis."}
}

// Templates are the wing's pages and partials.
func (s *Module) Templates() fs.FS {
	sub, _ := fs.Sub(templateFS, "templates")
	return sub
}

// Funcs are the evidence pages' template functions.
func (s *Module) Funcs() template.FuncMap {
	return template.FuncMap{
		"evNum":      evidence.Num,
		"dimLabel":   func(d string) string { return evidence.DimLabels[d] },
		"valueLabel": evidence.ValueLabel,
		// evOptions makes choices from value, label pairs.
		"evOptions": func(kv ...string) []web.Option {
			var out []web.Option
			for i := 0; i+1 < len(kv); i += 2 {
				out = append(out, web.Option{Value: kv[i], Label: kv[i+1]})
			}
			return out
		},
	}
}

// Routes are the evidence wing's routes.
func (s *Module) Routes() []web.Route {
	return []web.Route{
		{Method: "GET", Path: "/evidence", Roles: web.Anyone, Handle: s.dashboard},
		{Method: "GET", Path: "/evidence/measures/{code}", Roles: evRead, Handle: s.measurePage},
		{Method: "GET", Path: "/evidence/measures/{code}/data.csv", Roles: evRead, Handle: s.measureCSV},
		{Method: "GET", Path: "/evidence/measures/{code}/data.xlsx", Roles: evRead, Handle: s.measureXLSX},
		{Method: "POST", Path: "/evidence/measures/{code}/changes", Roles: evMark, Handle: s.markChange},
		{Method: "POST", Path: "/evidence/changes/{id}/attach", Roles: evAttach, Handle: s.attachChange},
		{Method: "GET", Path: "/evidence/bed-days", Roles: evBeds, Handle: s.bedDaysPage},
		{Method: "POST", Path: "/evidence/bed-days", Roles: evBeds, Handle: s.saveBedDays},
		{Method: "GET", Path: "/evidence/board", Roles: evRead, Handle: s.boardPage},
		{Method: "GET", Path: "/evidence/board.pdf", Roles: evRead, Handle: s.boardPDF},
		{Method: "GET", Path: "/evidence/networks/{id}", Roles: web.Anyone, Handle: s.networkPage},

		{Method: "GET", Path: "/api/v1/evidence/measures", Roles: evRead, API: true, Handle: s.apiMeasures},
		{Method: "GET", Path: "/api/v1/evidence/measures/{code}/series", Roles: evRead, API: true, Handle: s.apiSeries},
		{Method: "GET", Path: "/api/v1/evidence/measures/{code}/spc", Roles: evRead, API: true, Handle: s.apiSPC},
		{Method: "GET", Path: "/api/v1/evidence/networks/{id}/measures/{code}", Roles: web.Anyone, API: true, Handle: s.apiNetwork},
	}
}

// Attention: the evidence wing asks nothing of anyone.
func (s *Module) Attention(context.Context, *store.Principal) ([]web.Attention, error) {
	return nil, nil
}

// AuditWords are the words of the evidence wing's audit actions.
func (s *Module) AuditWords() map[string]string {
	return map[string]string{
		"evidence_bed_days":      "Bed days",
		"evidence_change":        "Change marked on a measure",
		"evidence.bed_days":      "Bed days entered",
		"evidence.change_mark":   "Digital change marked on a measure",
		"evidence.change_attach": "Before-and-after statement attached to the safety case",
	}
}
