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
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/evidence/evidenceweb"
	"github.com/clinsafe/clinsafe/internal/fhir/bulk"
	"github.com/clinsafe/clinsafe/internal/fhir/bulk/bulkweb"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirdb"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirweb"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse/lfpseweb"
	"github.com/clinsafe/clinsafe/internal/knowledge/knowledgedb"
	"github.com/clinsafe/clinsafe/internal/knowledge/knowledgeweb"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/risk/riskweb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/training/trainingweb"
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
		{trainingweb.New, trainingdb.Content},   // training and the CSO competency register
		{fhirweb.New, fhirdb.Content},           // FHIR R4 API
		{lfpseweb.NewModule, lfpse.Content},     // submission to the national LFPSE service
		{bulkweb.NewModule, bulk.Content},       // FHIR Bulk Data export and import
		{evidenceweb.New, evidencedb.Content},   // evidence: SPC measures and the before-and-after of digital change
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
