// Package devicesdb is the SQL of the implanted devices pillar: the product
// catalogue, patients, procedures, implants, recalls and their patient
// actions, on the kernel's store.DB. It is the only writer of those
// tables; other pillars read them through its methods.
package devicesdb

import "github.com/clinsafe/clinsafe/internal/store"

// DB is the devices pillar's view of the database.
type DB struct{ *store.DB }

// New returns the pillar's SQL on db.
func New(db *store.DB) *DB { return &DB{db} }
