package devicesweb

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"strconv"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/text"
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
		"productHref":     productHref,
		"productWords":    productWords,
		"deviceTypeLabel": devices.DeviceTypeLabel,
		"actionLabel":     devices.ActionLabel,
		"lateralityLabel": lateralityLabel,
	}
}

// Attention tells the people who work recalls (devices staff, CSOs and
// handlers) about every open recall, each a link, with how many of its
// patients are still outstanding: patients may be at risk until each is
// followed up, so this comes first on the home page.
func (s *Module) Attention(ctx context.Context, p *store.Principal) ([]web.Attention, error) {
	if !auth.HasAny(p.Roles, devRead...) {
		return nil, nil
	}
	rs, err := s.dev.ListRecalls(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	var items []web.AttentionItem
	open, outstanding := 0, 0
	for _, r := range rs {
		if r.Status == "closed" {
			continue
		}
		open++
		left := r.Patients - r.Done
		outstanding += left
		what := "no patients matched yet"
		if r.Patients > 0 {
			what = text.Count(left, "patient", "patients") + " of " + strconv.Itoa(r.Patients) + " outstanding"
		}
		if len(items) < web.MaxAttentionItems {
			items = append(items, web.AttentionItem{Text: r.Reference + ": " + what, Href: "/devices/recalls/" + r.ID})
		}
	}
	if open == 0 {
		return nil, nil
	}
	return []web.Attention{{Title: text.Count(open, "recall is", "recalls are") + " open", Warning: true, Urgency: web.UrgencyNow,
		Items:  items,
		Detail: text.Count(outstanding, "patient has", "patients have") + " not yet been followed up.",
		Href:   "/devices/recalls", Link: "See recalls"}}, nil
}

// AuditWords are the words of the implanted devices wing's audit actions.
func (s *Module) AuditWords() map[string]string {
	return map[string]string{
		"catalogue": "Product catalogue", "implant": "Implant", "implant_patient": "Patient", "procedure": "Procedure", "recall": "Recall",
		"implant.explant":         "Implant explanted",
		"recall.action":           "Recall patient action recorded",
		"recall.actions":          "Recall patient actions changed together",
		"recall.match":            "Recall matched to patients",
		"recall.close":            "Recall closed",
		"devices_settings":        "Scanner settings",
		"devices_settings.update": "Scanner setting changed for the organisation",
	}
}
