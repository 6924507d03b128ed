// Package app wires the database kernel and every wing into one HTTP
// server: `clinsafe serve` and the tests that walk the whole route table
// use it. Adding a wing is one line in Wings.
package app

import (
	"github.com/clinsafe/clinsafe/internal/devices/devicesweb"
	"github.com/clinsafe/clinsafe/internal/risk/riskweb"
	"github.com/clinsafe/clinsafe/internal/web"
)

// Wings lists every wing, in the order of their routes and of their items
// in "needs your attention" (navigation follows the pillars' own order).
func Wings() []web.ModuleFunc {
	return []web.ModuleFunc{
		riskweb.New,    // clinical risk: DCB0129 and DCB0160
		devicesweb.New, // implanted devices
	}
}

// NewServer is web.New with every wing.
func NewServer(o web.Options) (*web.Server, error) {
	o.Modules = Wings()
	return web.New(o)
}
