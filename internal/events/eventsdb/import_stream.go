package eventsdb

import (
	"context"
	"errors"
	"slices"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Importer adds historical events inside the caller's transaction, so
// that a whole file streamed in is stored all or nothing (FHIR Bulk Data
// import): Add queues each and writes them in batches (see importWriter),
// Flush writes the rest, Close releases the writer. Check validates
// without writing; it may run on several goroutines at once, Add and
// Flush on one.
type Importer struct {
	s     *DB
	orgID store.OrgID
	flow  events.Flow
	cc    events.Context
	w     *importWriter
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
	d, err := derive(h.Record, h.SubmittedAt)
	if err != nil {
		return h, err
	}
	e, err := importedEvent(&h, &d)
	if err != nil {
		return h, err
	}
	h.derived, h.event = &d, &e
	return h, nil
}

// Add queues h, checked by Check, to be written in tx, audited as
// event.import: a full batch is written at once, the rest by Flush, which
// must be called before tx ends. Every Add and Flush of an Importer is in
// the one transaction.
func (im *Importer) Add(ctx context.Context, tx *store.Tx, h Historical) error {
	if im.w == nil {
		im.w = im.s.newImportWriter(tx, im.orgID)
	} else if im.w.tx != tx {
		return errors.New("eventsdb: import: every event of an import must be added in one transaction")
	}
	return im.w.add(ctx, h)
}

// Flush writes the events Add queued in tx.
func (im *Importer) Flush(ctx context.Context, tx *store.Tx) error {
	if im.w == nil {
		return nil
	}
	if im.w.tx != tx {
		return errors.New("eventsdb: import: every event of an import must be added in one transaction")
	}
	return im.w.flush(ctx)
}

// Close releases what the Importer's writes prepared; call it when the
// transaction has ended (or is about to).
func (im *Importer) Close() {
	if im.w != nil {
		im.w.close()
		im.w = nil
	}
}
