package devicesweb

import (
	"context"
	"embed"
	"html/template"
	"io/fs"

	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

//go:embed templates
var templateFS embed.FS

// Module is the implanted devices wing on the HTTP kernel.
type Module struct {
	k   *web.Server
	dev *devicesdb.DB
}

// New makes the wing on kernel k (a web.ModuleFunc).
func New(k *web.Server) web.Module { return &Module{k: k, dev: devicesdb.New(k.Store())} }

// Pillar is the implanted devices card of the home page and navigation.
func (s *Module) Pillar() web.PillarCard {
	return web.PillarCard{Area: "devices", Nav: "Devices", Title: "Implanted devices", Href: "/devices",
		Summary: "Scan implants and find affected patients in a recall."}
}

// Templates are the wing's pages, partials and the scan page's script.
func (s *Module) Templates() fs.FS {
	sub, _ := fs.Sub(templateFS, "templates")
	return sub
}

// Funcs are the device pages' template functions.
func (s *Module) Funcs() template.FuncMap {
	return template.FuncMap{
		"deviceHref":      deviceHref,
		"deviceTypeLabel": devices.DeviceTypeLabel,
		"actionLabel":     devices.ActionLabel,
		"lateralityLabel": lateralityLabel,
	}
}

// Attention: the devices wing adds nothing to the home page yet.
func (s *Module) Attention(context.Context, *store.Principal) ([]web.Attention, error) {
	return nil, nil
}
