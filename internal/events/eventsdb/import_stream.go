package eventsdb

import (
	"context"
	"slices"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Importer adds historical events one at a time inside the caller's
// transaction, so that a whole file streamed in is stored all or nothing
// (FHIR Bulk Data import). Check validates without writing.
type Importer struct {
	s     *DB
	orgID store.OrgID
	flow  events.Flow
	cc    events.Context
}

// NewImporter prepares an importer for orgID.
func (s *DB) NewImporter(ctx context.Context, orgID store.OrgID) (*Importer, error) {
	flow, err := s.Flow(ctx, orgID)
	if err != nil {
		return nil, err
	}
	flow = flow.Historical()
	cc, err := s.CheckContext(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return &Importer{s: s, orgID: orgID, flow: flow, cc: cc}, nil
}

// Check validates h as ImportHistorical does and returns it ready to
// add; Invalid with the first field's message.
func (im *Importer) Check(h Historical) (Historical, error) {
	if h.Audience != events.Public {
		h.Audience = events.Staff
	}
	if h.SubmittedAt.IsZero() || h.SubmittedAt.After(im.s.Now()) {
		return h, apperr.New(apperr.Invalid, "the date reported must be in the past")
	}
	if h.Status == "" {
		h.Status = events.Submitted
	}
	if !slices.Contains(events.Statuses, h.Status) {
		return h, apperr.New(apperr.Invalid, "unknown status %q", h.Status)
	}
	im.flow.Prune(&h.Record, h.Audience)
	c := im.cc
	c.Now = h.SubmittedAt
	if err := im.flow.Check(h.Record, h.Audience, c); err != nil {
		return h, apperr.New(apperr.Invalid, "%s", firstField(err))
	}
	return h, nil
}

// Add writes h, checked by Check, in tx, audited as event.import.
func (im *Importer) Add(ctx context.Context, tx *store.Tx, h Historical) error {
	return im.s.importOne(ctx, tx, im.orgID, h.Record, h)
}
