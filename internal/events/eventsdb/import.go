package eventsdb

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Historical is an event reported before clinsafe held it: brought over
// from an organisation's previous risk management system, or demo data.
type Historical struct {
	Record      events.Record
	Audience    events.Audience
	ReporterID  string // "" for anonymous and public reports
	SubmittedAt time.Time
	// Status is where the event is now; the history records the
	// submission and, for any other status, the move to it at ChangedAt.
	Status    events.Status
	ChangedAt time.Time
	// Reason is the reason of a final status that needs one.
	Reason string

	// derived is what the row of the event holds besides the answers,
	// and event the event stored (see importedEvent), worked out by
	// Importer.Check (on the caller's goroutine) when it was given.
	derived *derived
	event   *Event
}

// importBatch is how many historical events one transaction of
// ImportHistorical writes, and how many events one batch of the import
// writer (importWriter) holds.
var importBatch = 500

// ImportHistorical adds already-reported events to orgID, oldest first,
// each checked against the flow as it stood on its day (a date is "in the
// future" relative to its submission) and audited as event.import. A bad
// event is Invalid naming its position (from 1), and its batch is not
// written. It returns how many were added.
func (s *DB) ImportHistorical(ctx context.Context, orgID store.OrgID, hs []Historical) (int, error) {
	flow, err := s.Flow(ctx, orgID)
	if err != nil {
		return 0, err
	}
	flow = flow.Historical()
	cc, err := s.CheckContext(ctx, orgID)
	if err != nil {
		return 0, err
	}
	order := make([]int, len(hs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return hs[a].SubmittedAt.Compare(hs[b].SubmittedAt) })
	done := 0
	for start := 0; start < len(order); start += importBatch {
		batch := order[start:min(start+importBatch, len(order))]
		err := s.Tx(ctx, func(tx *store.Tx) error {
			w := s.newImportWriter(tx, orgID)
			defer w.close()
			for _, i := range batch {
				h := hs[i]
				if h.Audience != events.Public {
					h.Audience = events.Staff
				}
				if h.SubmittedAt.IsZero() || h.SubmittedAt.After(s.Now()) {
					return apperr.New(apperr.Invalid, "event %d: the date reported must be in the past", i+1)
				}
				if h.Status == "" {
					h.Status = events.Submitted
				}
				if !slices.Contains(events.Statuses, h.Status) {
					return apperr.New(apperr.Invalid, "event %d: unknown status %q", i+1, h.Status)
				}
				rec := h.Record
				flow.Prune(&rec, h.Audience)
				c := cc
				c.Now = h.SubmittedAt
				if err := flow.Check(rec, h.Audience, c); err != nil {
					return apperr.New(apperr.Invalid, "event %d: %s", i+1, firstField(err))
				}
				h.Record = rec
				if err := w.add(ctx, h); err != nil {
					return err
				}
			}
			return w.flush(ctx)
		})
		if err != nil {
			return done, err
		}
		done += len(batch)
	}
	return done, nil
}

func firstField(err error) string {
	fs := apperr.FieldsOf(err)
	keys := make([]string, 0, len(fs))
	for k := range fs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return apperr.MessageOf(err)
	}
	return keys[0] + ": " + fs[keys[0]]
}

// importWriter writes checked historical events in one transaction, a
// batch of importBatch at a time: the references of a batch with one
// statement per year, its events and their history with multi-row
// INSERTs, and its audit entries (event.import, one per event) with one
// AuditBatch. ImportHistorical and Importer both write through it.
type importWriter struct {
	s       *DB
	tx      *store.Tx
	orgID   store.OrgID
	queue   []Historical
	events  *store.Batcher
	history *store.Batcher
	search  *store.Batcher
}

// importCols are the columns of events an import writes.
const importCols = `id, org_id, ref, record_type, status, audience, taxonomy_version, record, reporter_id,
	occurred_on, occurred_estimate, location, service_area, agents, system_id, reported_harm, harm, version, created_at, updated_at, submitted_at, closed_at`

func (s *DB) newImportWriter(tx *store.Tx, orgID store.OrgID) *importWriter {
	return &importWriter{s: s, tx: tx, orgID: orgID,
		events:  store.NewBatcher(tx, "events", importCols, 22, importBatch),
		history: store.NewBatcher(tx, "event_status_history", "id, event_id, org_id, status, reason, at", 6, 2*importBatch),
		search:  store.NewBatcher(tx, "event_search", "event_id, org_id, body", 3, importBatch)}
}

// add queues h, checked, and writes the batch once it is full.
func (w *importWriter) add(ctx context.Context, h Historical) error {
	w.queue = append(w.queue, h)
	if len(w.queue) >= importBatch {
		return w.flush(ctx)
	}
	return nil
}

// close releases the writer's prepared statements.
func (w *importWriter) close() {
	w.events.Close()
	w.history.Close()
	w.search.Close()
}

// flush writes the queued events.
func (w *importWriter) flush(ctx context.Context) error {
	if len(w.queue) == 0 {
		return nil
	}
	s, tx, orgID := w.s, w.tx, w.orgID
	defer func() { w.queue = w.queue[:0] }()
	// The references, in queue order within each year, reserved with
	// one statement per year.
	years := map[string]int{}
	var order []string
	for i := range w.queue {
		y := w.queue[i].SubmittedAt.UTC().Format("2006") // as importedEvent
		if years[y] == 0 {
			order = append(order, y)
		}
		years[y]++
	}
	next := map[string]int64{}
	for _, y := range order {
		first, err := s.NextRefs(ctx, tx, orgID, "PSE-"+y, years[y])
		if err != nil {
			return err
		}
		next[y] = first
	}
	changes := make([]store.Change, 0, len(w.queue))
	states := make([]any, 0, len(w.queue))
	for i := range w.queue {
		h := &w.queue[i]
		d := h.derived
		if d == nil {
			dv, err := derive(h.Record, h.SubmittedAt)
			if err != nil {
				return err
			}
			d = &dv
		}
		var e Event
		if h.event != nil {
			e = *h.event
		} else {
			var err error
			if e, err = importedEvent(h, d); err != nil {
				return err
			}
		}
		year := e.CreatedAt.Format("2006")
		e.ID, e.OrgID, e.Ref = store.NewID(), orgID, eventRef(year, next[year])
		next[year]++
		var reporter, closed any
		if e.ReporterID != "" {
			reporter = e.ReporterID
		}
		if e.ClosedAt != nil {
			closed = *e.ClosedAt
		}
		if err := w.events.Add(ctx, e.ID, orgID, e.Ref, string(e.Type), string(e.Status), string(e.Audience), e.Record.TaxonomyVersion, d.record, reporter,
			d.occurred, d.estimate, d.location, d.area, d.agents, d.system, d.harm, d.harm, e.Version, e.CreatedAt, e.UpdatedAt, *e.SubmittedAt, closed); err != nil {
			return s.Wrap(err, "import event")
		}
		if err := w.history.Add(ctx, store.NewID(), e.ID, orgID, string(events.Submitted), "", e.CreatedAt); err != nil {
			return s.Wrap(err, "import event history")
		}
		if e.Status != events.Submitted {
			if err := w.history.Add(ctx, store.NewID(), e.ID, orgID, string(e.Status), h.Reason, e.UpdatedAt); err != nil {
				return s.Wrap(err, "import event history")
			}
		}
		// Its search document, as a report's (writeIndex): an imported
		// event has no review and no addenda yet.
		if err := w.search.Add(ctx, e.ID, orgID, searchBody(Event{Ref: e.Ref, Record: h.Record, Location: d.location}, Review{}, nil)); err != nil {
			return s.Wrap(err, "import event search")
		}
		changes = append(changes, store.Change{OrgID: orgID, Action: "event.import", Entity: "event", EntityID: e.ID, Summary: e.Ref + " imported"})
		states = append(states, Written{Event: e, New: true})
	}
	if err := w.events.Flush(ctx); err != nil {
		return s.Wrap(err, "import events")
	}
	if err := w.history.Flush(ctx); err != nil {
		return s.Wrap(err, "import event history")
	}
	if err := w.search.Flush(ctx); err != nil {
		return s.Wrap(err, "import event search")
	}
	// The followers take each event as written (see importedEvent).
	return tx.AuditBatchWith(ctx, changes, states)
}

// importedEvent is the event that the import writer stores for h, with
// derived columns d, exactly as ScanEvent would read it back (the
// followers of its audit entry take it so, see Written), but for its id,
// organisation and reference, which the writer gives it. Its times are
// kept in UTC to the microsecond, which both engines store exactly; the
// status history and the row take them from it.
func importedEvent(h *Historical, d *derived) (Event, error) {
	rec, err := storedRecord(d.record, h.Record.Type, events.TaxonomyVersion)
	if err != nil {
		return Event{}, fmt.Errorf("eventsdb: import: record: %w", err)
	}
	sub := h.SubmittedAt.UTC().Truncate(time.Microsecond)
	changed := h.ChangedAt.UTC().Truncate(time.Microsecond)
	if changed.Before(sub) {
		changed = sub
	}
	e := Event{Type: h.Record.Type, Status: h.Status, Audience: h.Audience, Record: rec,
		OccurredOn: d.occurred, OccurredEstimate: d.estimate, Location: d.location, ServiceArea: d.area, Agents: d.agents,
		ReportedHarm: d.harm, Harm: d.harm, Version: 1, CreatedAt: sub, UpdatedAt: changed, SubmittedAt: &sub}
	if h.ReporterID != "" && h.Audience == events.Staff {
		e.ReporterID = h.ReporterID
	}
	if id, ok := d.system.(string); ok {
		e.SystemID = id
	}
	if !h.Status.Open() {
		e.ClosedAt = &changed
	}
	return e, nil
}
