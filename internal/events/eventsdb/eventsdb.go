// Package eventsdb is the SQL of the safety events pillar on the kernel's
// store.DB: drafts and submitted records, their status history, review,
// feedback, learning responses and the links to hazards and implants. It
// is the only writer of the events tables; other pillars read them
// through its methods.
package eventsdb

import (
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
)

// DB is the safety events pillar's view of the database.
type DB struct {
	*store.DB
	risk *riskdb.DB
}

// New returns the pillar's SQL on db.
func New(db *store.DB) *DB { return &DB{DB: db, risk: riskdb.New(db)} }
