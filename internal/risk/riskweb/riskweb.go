// Package riskweb serves the clinical risk pillar (DCB0129 and DCB0160):
// the register of health IT systems, hazard logs, CSO approval and safety
// case reports, as pages and as the JSON API.
package riskweb

import (
	"embed"
	"html/template"
	"io/fs"

	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/web"
)

//go:embed templates
var templateFS embed.FS

// Module is the clinical risk wing on the HTTP kernel.
type Module struct {
	k    *web.Server
	risk *riskdb.DB
}

// New makes the wing on kernel k (a web.ModuleFunc).
func New(k *web.Server) web.Module { return &Module{k: k, risk: riskdb.New(k.Store())} }

// Pillar is the clinical risk card of the home page and navigation.
func (s *Module) Pillar() web.PillarCard {
	return web.PillarCard{Area: "risk", Nav: "Clinical risk", Title: "Clinical risk", Href: "/risk",
		Summary: "Hazard logs, CSO approval and safety case reports."}
}

// Templates are the wing's pages and partials.
func (s *Module) Templates() fs.FS {
	sub, _ := fs.Sub(templateFS, "templates")
	return sub
}

// Funcs are the risk pages' template functions beyond the kernel's:
// riskRatingLabel shows a rating with its words ("4 High").
func (s *Module) Funcs() template.FuncMap {
	return template.FuncMap{"riskRatingLabel": risk.RatingLabel}
}

// AuditWords are the words of the clinical risk wing's audit actions.
func (s *Module) AuditWords() map[string]string {
	return map[string]string{
		"system": "Health IT system", "hazard": "Hazard", "hazardlog": "Hazard log", "cscr": "Safety case report",
		"plan": "Clinical risk management plan", "compliance": "Compliance checklist",
		"system.release":  "Release added to a system",
		"hazardlog.issue": "Hazard log approved and issued",
		"cscr.draft":      "Safety case report draft saved",
	}
}
