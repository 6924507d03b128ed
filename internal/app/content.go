// Package app wires the kernel and every wing together.
package app

import (
	"slices"

	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Content lists every wing's audited entities, for store.Open: whatever
// opens the database passes it, so the audit trail records and the deep
// check verifies the content of every wing's tables.
func Content() []store.Entity {
	return slices.Concat(
		riskdb.Content(),
		devicesdb.Content(),
	)
}
