// Package app wires the database kernel and every wing into one program:
// `clinsafe` opens the database with every wing's audited content and
// serves every wing's pages, and the tests that walk the whole route table
// use the same wiring. Adding a wing is one line in wings.
package app

import (
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/devices/devicesweb"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/events/eventsweb"
	"github.com/clinsafe/clinsafe/internal/knowledge/knowledgedb"
	"github.com/clinsafe/clinsafe/internal/knowledge/knowledgeweb"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/risk/riskweb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// wing is one pillar as the program sees it: its pages and API, and the
// audited entities of its tables.
type wing struct {
	web     web.ModuleFunc
	content func() []store.Entity
}

// wings lists every wing, in the order of their routes and of their items
// in "needs your attention" (navigation follows the pillars' own order).
func wings() []wing {
	return []wing{
		{eventsweb.New, eventsdb.Content},       // safety events: LFPSE recording and learning
		{riskweb.New, riskdb.Content},           // clinical risk: DCB0129 and DCB0160
		{devicesweb.New, devicesdb.Content},     // implanted devices
		{knowledgeweb.New, knowledgedb.Content}, // the knowledge hub
	}
}

// Wings are the wings' web modules, for web.Options.Modules.
func Wings() []web.ModuleFunc {
	var out []web.ModuleFunc
	for _, w := range wings() {
		out = append(out, w.web)
	}
	return out
}

// Content lists every wing's audited entities, for store.Open: whatever
// opens the database passes it, so the audit trail records and the deep
// check verifies the content of every wing's tables.
func Content() []store.Entity {
	var out []store.Entity
	for _, w := range wings() {
		out = append(out, w.content()...)
	}
	return out
}

// NewServer is web.New with every wing.
func NewServer(o web.Options) (*web.Server, error) {
	o.Modules = Wings()
	return web.New(o)
}
