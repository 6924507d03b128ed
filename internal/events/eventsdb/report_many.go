package eventsdb

import (
	"context"
	"fmt"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Many is one report of a ReportMany batch: a record checked by the
// Checker of the batch's organisation, who submits it, and the actor of
// the request that sent it (the audit entry and the status history name
// it).
type Many struct {
	Rec   events.Record
	Sub   Submission
	Actor audit.Actor
}

// Checker returns Prepare for the reports of orgID, with the
// organisation's flow and check context read once: a writer of many
// reports at once (ReportMany) checks each with it. It is not safe for
// use by several goroutines at once.
func (s *DB) Checker(ctx context.Context, orgID store.OrgID) (func(rec *events.Record, a events.Audience) error, error) {
	flow, err := s.Flow(ctx, orgID)
	if err != nil {
		return nil, err
	}
	cc, err := s.CheckContext(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return func(rec *events.Record, a events.Audience) error {
		flow.Prune(rec, a)
		if a == events.Staff {
			delete(rec.Answers, events.AnsReporterType)
		}
		return flow.Check(*rec, a, cc)
	}, nil
}

// reportCols are the columns of events a report writes (reportRow),
// reportColsN their number.
const (
	reportCols = `id, org_id, ref, record_type, status, audience, taxonomy_version, record, reporter_id, confidential,
	occurred_on, occurred_estimate, location, service_area, agents, system_id, reported_harm, harm, version, created_at, updated_at, submitted_at`
	reportColsN = 22
)

// eventRef is the reference of the nth safety event reported in year
// (counted per organisation in scope "PSE-"+year).
func eventRef(year string, n int64) string { return fmt.Sprintf("PSE-%s-%06d", year, n) }

// reportRow is the row of reportCols of a new report rec (derived as d),
// submitted by sub at now as event id with reference ref.
func reportRow(id string, orgID store.OrgID, ref string, rec events.Record, d derived, sub Submission, now time.Time) []any {
	var reporterID any
	if sub.ReporterID != "" {
		reporterID = sub.ReporterID
	}
	return []any{id, orgID, ref, string(rec.Type), string(events.Submitted), string(sub.Audience), events.TaxonomyVersion, d.record, reporterID, sub.Confidential,
		d.occurred, d.estimate, d.location, d.area, d.agents, d.system, d.harm, d.harm, 1, now, now, now}
}

// ReportMany writes reports rs of orgID in tx, each exactly as ReportTx
// writes one (staff reports, named or confidential; an anonymous report
// takes ReportAnonymousTx): the same rows, references, audit entries
// (event.submit, each naming its own actor) and followers. It writes them
// with a few statements for all, not a few for each: the references with
// one, the events with one INSERT that returns them as stored, their
// history and search documents with one each, and their audit entries
// with one AuditBatch. It returns the events in the order of rs.
func (s *DB) ReportMany(ctx context.Context, tx *store.Tx, orgID store.OrgID, rs []Many) ([]Event, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	now := s.Now()
	year := now.Format("2006")
	first, err := s.TakeRefs(ctx, tx, orgID, "PSE-"+year, len(rs))
	if err != nil {
		return nil, err
	}
	args := make([]any, 0, reportColsN*len(rs))
	ids := make([]string, len(rs))
	for i, r := range rs {
		if r.Sub.Audience != events.Staff {
			return nil, fmt.Errorf("eventsdb: report many: audience %q", r.Sub.Audience)
		}
		d, err := derive(r.Rec, now)
		if err != nil {
			return nil, err
		}
		ids[i] = store.NewID()
		args = append(args, reportRow(ids[i], orgID, eventRef(year, first+int64(i)), r.Rec, d, r.Sub, now)...)
	}
	rows, err := tx.QueryContext(ctx, tx.InsertSQL("events", reportCols, reportColsN, len(rs))+` RETURNING `+EventCols, args...)
	if err != nil {
		return nil, s.Wrap(err, "create %d events", len(rs))
	}
	byID := make(map[string]Event, len(rs))
	for rows.Next() {
		e, err := ScanEvent(rows)
		if err != nil {
			rows.Close()
			return nil, s.Wrap(err, "create %d events", len(rs))
		}
		byID[e.ID] = e
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.Wrap(err, "create %d events", len(rs))
	}
	history := store.NewBatcher(tx, "event_status_history", "id, event_id, org_id, status, reason, actor_id, at", 7, len(rs))
	defer history.Close()
	search := store.NewBatcher(tx, "event_search", "event_id, org_id, body", 3, len(rs))
	defer search.Close()
	out := make([]Event, len(rs))
	changes := make([]store.Change, len(rs))
	states := make([]any, len(rs))
	for i, id := range ids {
		e, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("eventsdb: create %d events: event %s was not returned", len(rs), id)
		}
		out[i] = e
		var actor any
		if rs[i].Actor.UserID != "" && !rs[i].Sub.Confidential {
			actor = rs[i].Actor.UserID // a confidential reporter is not named, as in submitted
		}
		// As AddHistory and writeIndex write them for one report.
		if err := history.Add(ctx, store.NewID(), id, orgID, string(events.Submitted), "", actor, now); err != nil {
			return nil, err
		}
		if err := search.Add(ctx, id, orgID, searchBody(e, Review{}, nil)); err != nil {
			return nil, err
		}
		changes[i] = store.Change{OrgID: orgID, Action: "event.submit", Entity: "event", EntityID: id,
			Summary: e.Ref + " " + e.Type.Label(), Actor: &rs[i].Actor}
		states[i] = Written{Event: e, New: true}
	}
	if err := history.Flush(ctx); err != nil {
		return nil, s.Wrap(err, "record status of %d events", len(rs))
	}
	if err := search.Flush(ctx); err != nil {
		return nil, s.Wrap(err, "index %d events", len(rs))
	}
	// The followers take each event as returned (see Written).
	if err := tx.AuditBatchWith(ctx, changes, states); err != nil {
		return nil, err
	}
	return out, nil
}
