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
}

// importBatch is how many historical events one transaction writes.
const importBatch = 500

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
				if err := s.importOne(ctx, tx, orgID, rec, h); err != nil {
					return err
				}
			}
			return nil
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

func (s *DB) importOne(ctx context.Context, tx *store.Tx, orgID store.OrgID, rec events.Record, h Historical) error {
	d, err := derive(rec, h.SubmittedAt)
	if err != nil {
		return err
	}
	year := h.SubmittedAt.Format("2006")
	n, err := s.NextRef(ctx, tx, orgID, "PSE-"+year)
	if err != nil {
		return err
	}
	id, ref := store.NewID(), fmt.Sprintf("PSE-%s-%06d", year, n)
	var reporter any
	if h.ReporterID != "" && h.Audience == events.Staff {
		reporter = h.ReporterID
	}
	changed := h.ChangedAt
	if changed.Before(h.SubmittedAt) {
		changed = h.SubmittedAt
	}
	var closed any
	if !h.Status.Open() {
		closed = changed
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO events (id, org_id, ref, record_type, status, audience, taxonomy_version, record, reporter_id,
		occurred_on, occurred_estimate, location, service_area, agents, system_id, reported_harm, harm, version, created_at, updated_at, submitted_at, closed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, 1, $17, $18, $17, $19)`,
		id, orgID, ref, string(rec.Type), string(h.Status), string(h.Audience), events.TaxonomyVersion, d.record, reporter,
		d.occurred, d.estimate, d.location, d.area, d.agents, d.system, d.harm, h.SubmittedAt, changed, closed); err != nil {
		return s.Wrap(err, "import event")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO event_status_history (id, event_id, org_id, status, reason, at) VALUES ($1, $2, $3, $4, '', $5)`,
		store.NewID(), id, orgID, string(events.Submitted), h.SubmittedAt); err != nil {
		return s.Wrap(err, "import event history")
	}
	if h.Status != events.Submitted {
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_status_history (id, event_id, org_id, status, reason, at) VALUES ($1, $2, $3, $4, $5, $6)`,
			store.NewID(), id, orgID, string(h.Status), h.Reason, changed); err != nil {
			return s.Wrap(err, "import event history")
		}
	}
	return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event.import", Entity: "event", EntityID: id, Summary: ref + " imported"})
}
