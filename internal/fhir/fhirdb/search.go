package fhirdb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/store"
)

// DayRange is a half-open range [From, To) of days (YYYY-MM-DD);
// an empty bound is open.
type DayRange struct{ From, To string }

// TimeRange is a half-open range of instants; a zero bound is open.
type TimeRange struct{ From, To time.Time }

// EventQuery is a search of AdverseEvents. Every condition given must
// hold; a list matches any of its values.
type EventQuery struct {
	IDs      []string
	Refs     []string // clinsafe references
	Idents   []fhir.Identifier
	Types    []events.RecordType
	Statuses []events.Status
	Occurred []DayRange
	Updated  []TimeRange
	// Location is the name of the place (case-insensitive).
	Locations []string
	// Subjects are patients of the implant register the event concerns
	// (through its devices linked to their implants).
	Subjects []string
	Count    int
	// After is the reference of the last event of the page before; Upto
	// the highest reference when the first page was read (the snapshot
	// that keeps later pages free of events made since).
	After, Upto string
}

// SearchEvents returns the submitted events of orgID matching q in
// order of reference (the order they were submitted in), at most q.Count,
// and whether more follow. References are given in commit order under
// the reference counter's lock, so paging after a reference, up to the
// highest at the first page, neither skips nor repeats an event while
// others are written.
func (s *DB) SearchEvents(ctx context.Context, orgID store.OrgID, q EventQuery) ([]fhir.EventInput, bool, error) {
	args := []any{orgID, string(events.Draft)}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	anyOf := func(col string, vs []string) string {
		var ors []string
		for _, v := range vs {
			ors = append(ors, col+" = "+arg(v))
		}
		return "(" + strings.Join(ors, " OR ") + ")"
	}
	where := []string{"org_id = $1", "status <> $2", "ref IS NOT NULL"}
	if len(q.IDs) > 0 {
		where = append(where, anyOf("id", q.IDs))
	}
	if len(q.Refs) > 0 {
		where = append(where, anyOf("ref", q.Refs))
	}
	if len(q.Idents) > 0 {
		var ors []string
		for _, id := range q.Idents {
			ors = append(ors, fmt.Sprintf("id IN (SELECT f.event_id FROM fhir_identifiers f WHERE f.org_id = $1 AND f.system = %s AND f.value = %s)", arg(id.System), arg(id.Value)))
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	if len(q.Types) > 0 {
		var vs []string
		for _, t := range q.Types {
			vs = append(vs, string(t))
		}
		where = append(where, anyOf("record_type", vs))
	}
	if len(q.Statuses) > 0 {
		var vs []string
		for _, t := range q.Statuses {
			vs = append(vs, string(t))
		}
		where = append(where, anyOf("status", vs))
	}
	for _, r := range q.Occurred {
		if r.From != "" {
			where = append(where, "occurred_on >= "+arg(r.From))
		}
		if r.To != "" {
			where = append(where, "occurred_on < "+arg(r.To))
		}
	}
	for _, r := range q.Updated {
		if !r.From.IsZero() {
			where = append(where, "updated_at >= "+arg(r.From.UTC()))
		}
		if !r.To.IsZero() {
			where = append(where, "updated_at < "+arg(r.To.UTC()))
		}
	}
	if len(q.Locations) > 0 {
		var ors []string
		for _, l := range q.Locations {
			ors = append(ors, "lower(location) = "+arg(strings.ToLower(l)))
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	if len(q.Subjects) > 0 {
		var ors []string
		for _, p := range q.Subjects {
			ors = append(ors, "i.patient_id = "+arg(p))
		}
		where = append(where, `id IN (SELECT l.event_id FROM event_implant_links l JOIN implants i ON i.id = l.implant_id AND i.org_id = l.org_id
			WHERE l.org_id = $1 AND l.removed_at IS NULL AND (`+strings.Join(ors, " OR ")+`))`)
	}
	if q.After != "" {
		where = append(where, "ref > "+arg(q.After))
	}
	if q.Upto != "" {
		where = append(where, "ref <= "+arg(q.Upto))
	}
	n := q.Count
	if n <= 0 {
		n = 20
	}
	query := `SELECT ` + eventsdb.EventCols + ` FROM events WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ref LIMIT ` + arg(n+1)
	rows, err := s.SQL().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, false, s.Wrap(err, "search events")
	}
	var found []eventsdb.Event
	for rows.Next() {
		e, err := eventsdb.ScanEvent(rows)
		if err != nil {
			rows.Close()
			return nil, false, s.Wrap(err, "search events")
		}
		found = append(found, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, s.Wrap(err, "search events")
	}
	more := len(found) > n
	if more {
		found = found[:n]
	}
	out := make([]fhir.EventInput, 0, len(found))
	for _, e := range found {
		in, err := inputOf(ctx, s.SQL(), e)
		if err != nil {
			return nil, false, err
		}
		out = append(out, in)
	}
	return out, more, nil
}

// HighestRef is the highest reference of orgID's submitted events now
// ("" when there are none): the snapshot bound of a search's pages.
func (s *DB) HighestRef(ctx context.Context, orgID store.OrgID) (string, error) {
	var ref *string
	err := s.SQL().QueryRowContext(ctx, `SELECT MAX(ref) FROM events WHERE org_id = $1 AND status <> $2`, orgID, string(events.Draft)).Scan(&ref)
	if err != nil || ref == nil {
		return "", s.Wrap(err, "highest reference")
	}
	return *ref, nil
}
