// Package riskdb is the SQL of the clinical risk pillar: systems, hazard
// logs, issued versions, safety case reports, the risk management plan and
// the compliance checklists, on the kernel's store.DB. It is the only
// writer of those tables; other pillars read them through its methods.
package riskdb

import "github.com/clinsafe/clinsafe/internal/store"

// DB is the clinical risk pillar's view of the database.
type DB struct{ *store.DB }

// New returns the pillar's SQL on db.
func New(db *store.DB) *DB { return &DB{db} }
