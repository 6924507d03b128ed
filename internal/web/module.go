package web

import (
	"context"
	"html/template"
	"io/fs"
	"log/slog"
	"slices"

	"github.com/clinsafe/clinsafe/internal/config"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Module is one wing of clinsafe as the HTTP kernel sees it: its place on
// the home page and in the navigation, its routes, its templates and what it
// adds to the home page's "needs your attention". internal/app lists the
// wings; nothing registers itself.
type Module interface {
	// Pillar is the wing's card: Area names its templates ("risk/home")
	// and its static files (/assets/risk/...); Href is its home page.
	Pillar() PillarCard
	// Routes are the wing's entries of the route table.
	Routes() []Route
	// Templates holds pages/*.html, optionally partials/*.html (every
	// {{define}} named "area/..."), and optionally static/ files.
	Templates() fs.FS
	// Funcs are template functions of the wing's own pages (may be nil).
	Funcs() template.FuncMap
	// Attention lists what needs the signed-in person on the home page.
	Attention(ctx context.Context, p *store.Principal) ([]Attention, error)
}

// ModuleFunc makes a wing on the kernel that will serve it: a wing keeps k
// to render, redirect and read the kernel's store.
type ModuleFunc func(k *Server) Module

// Store is the database kernel, for wings to build their db packages on.
func (s *Server) Store() *store.DB { return s.store }

// Log is the server's logger.
func (s *Server) Log() *slog.Logger { return s.log }

// Config is the server's configuration.
func (s *Server) Config() *config.Config { return s.cfg }

// pillars is the navigation and home-page order of the six pillars: a wing
// takes the place of the planned card with its Href, and a pillar no wing
// serves yet keeps a placeholder page that says so.
func (s *Server) pillars() []PillarCard {
	out := slices.Clone(plannedPillars)
	for _, m := range s.modules {
		c := m.Pillar()
		if c.Nav == "" {
			continue // an API wing: no card, not in the navigation
		}
		c.Ready = true
		if i := slices.IndexFunc(out, func(p PillarCard) bool { return p.Href == c.Href }); i >= 0 {
			out[i] = c
		} else {
			out = append(out, c)
		}
	}
	return out
}
