package fhirdb

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/google/uuid"
)

// batchIDs bounds the ids one IN list of keepVersions names, and
// versionRows the versions one INSERT writes.
const (
	batchIDs    = 500
	versionRows = 200
)

// keepVersions is keepVersion for the changes of one AuditBatch: the
// batch's new events that their writer gave (eventsdb.WrittenIn) are
// mapped as given, the others read with a few IN queries per
// organisation, and their versions written many to an INSERT. A change
// made with an identifier (WithIdentifier) goes through keepVersion, one
// at a time.
func keepVersions(ctx context.Context, tx *store.Tx, cs []store.Change) error {
	if _, ok := ctx.Value(identKey{}).(fhir.Identifier); ok {
		for _, c := range cs {
			if err := keepVersion(ctx, tx, c); err != nil {
				return err
			}
		}
		return nil
	}
	type key struct {
		org store.OrgID
		id  string
	}
	ins := map[key]fhir.EventInput{}
	var orgs []store.OrgID
	byOrg := map[store.OrgID][]string{}
	ods := map[store.OrgID]string{}
	for _, c := range cs {
		if _, err := uuid.Parse(c.EntityID); err != nil {
			continue // no such event (see snapshot)
		}
		// A new event its writer gave (see changed) is mapped as it is.
		if w, ok := eventsdb.WrittenIn(tx, c); ok && w.New {
			if resource(w.Event, c) {
				in, err := madeInput(ctx, tx, w.Event, ods)
				if err != nil {
					return err
				}
				ins[key{c.OrgID, in.ID}] = in
			}
			continue
		}
		if _, ok := byOrg[c.OrgID]; !ok {
			orgs = append(orgs, c.OrgID)
		}
		byOrg[c.OrgID] = append(byOrg[c.OrgID], c.EntityID)
	}
	for _, org := range orgs {
		ids := byOrg[org]
		for start := 0; start < len(ids); start += batchIDs {
			got, err := snapshots(ctx, tx, tx.Placeholder, org, ids[start:min(start+batchIDs, len(ids))])
			if err != nil {
				return err
			}
			for _, in := range got {
				ins[key{org, in.ID}] = in
			}
		}
	}
	// One row per (event, version): the last change's, as keepVersion
	// for each change in turn would leave it.
	type row struct {
		org store.OrgID
		in  fhir.EventInput
	}
	var rows []row
	at := map[string]int{}
	for _, c := range cs {
		in, ok := ins[key{c.OrgID, c.EntityID}]
		if !ok {
			continue // a draft: not a FHIR resource until submitted
		}
		k := in.ID + "|" + strconv.Itoa(in.Version)
		if i, seen := at[k]; seen {
			rows[i] = row{c.OrgID, in}
			continue
		}
		at[k] = len(rows)
		rows = append(rows, row{c.OrgID, in})
	}
	for start := 0; start < len(rows); start += versionRows {
		part := rows[start:min(start+versionRows, len(rows))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO fhir_versions (event_id, org_id, version, snapshot, last_updated) VALUES `)
		args := make([]any, 0, 5*len(part))
		ph := tx.Placeholder
		for i, r := range part {
			b, err := json.Marshal(r.in)
			if err != nil {
				return fmt.Errorf("fhirdb: encode version of event %s: %w", r.in.ID, err)
			}
			if i > 0 {
				sb.WriteString(", ")
			}
			n := len(args)
			sb.WriteString("(" + ph(n+1) + ", " + ph(n+2) + ", " + ph(n+3) + ", " + ph(n+4) + ", " + ph(n+5) + ")")
			args = append(args, r.in.ID, r.org, r.in.Version, string(b), r.in.UpdatedAt)
		}
		sb.WriteString(` ON CONFLICT (event_id, version) DO UPDATE SET snapshot = excluded.snapshot, last_updated = excluded.last_updated`)
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("fhirdb: keep versions of %d events: %w", len(part), err)
		}
	}
	return nil
}

// snapshots reads the submitted events of orgID among ids as the mapping
// needs them (snapshot for many ids); an id that is not one is left out.
//
// The rows are found by id alone, and the organisation and status are
// checked here: with them in the WHERE, PostgreSQL's cached plan for the
// statement, made while the events table is nearly empty (a new
// deployment), walks the organisation's events by an (org_id, ...) index
// and filters on id, so that each read grew with the organisation's
// events until the table was next analysed.
func snapshots(ctx context.Context, q store.Querier, ph func(int) string, orgID store.OrgID, ids []string) ([]fhir.EventInput, error) {
	var args []any
	rows, err := q.QueryContext(ctx, `SELECT `+eventsdb.EventCols+` FROM events WHERE id IN (`+params(ph, &args, ids)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("fhirdb: read %d events: %w", len(ids), err)
	}
	var es []eventsdb.Event
	for rows.Next() {
		e, err := eventsdb.ScanEvent(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("fhirdb: read %d events: %w", len(ids), err)
		}
		if e.OrgID != orgID || e.Status == events.Draft {
			continue
		}
		es = append(es, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("fhirdb: read %d events: %w", len(ids), err)
	}
	return inputsOf(ctx, q, ph, es)
}

// params appends ids to args and returns their placeholders (made by
// ph), for IN.
func params(ph func(int) string, args *[]any, ids []string) string {
	var sb strings.Builder
	for i, id := range ids {
		if i > 0 {
			sb.WriteString(", ")
		}
		*args = append(*args, id)
		sb.WriteString(ph(len(*args)))
	}
	return sb.String()
}

// inputsOf maps events es as the FHIR mapping reads them (ph makes the
// placeholders of q's engine, see store.DB.Placeholder): the ODS code of
// each organisation read once, the gradings of the events of one
// organisation with one query per batchIDs events.
func inputsOf(ctx context.Context, q store.Querier, ph func(int) string, es []eventsdb.Event) ([]fhir.EventInput, error) {
	out := make([]fhir.EventInput, len(es))
	ods := map[store.OrgID]string{}
	byOrg := map[store.OrgID][]int{}
	var orgs []store.OrgID
	for i, e := range es {
		out[i] = inputBase(e)
		if _, ok := byOrg[e.OrgID]; !ok {
			orgs = append(orgs, e.OrgID)
		}
		byOrg[e.OrgID] = append(byOrg[e.OrgID], i)
	}
	for _, org := range orgs {
		idx := byOrg[org]
		code, ok := ods[org]
		if !ok {
			var err error
			if code, err = odsCode(ctx, q, org); err != nil {
				return nil, fmt.Errorf("fhirdb: organisation of event %s: %w", es[idx[0]].ID, err)
			}
			ods[org] = code
		}
		for start := 0; start < len(idx); start += batchIDs {
			part := idx[start:min(start+batchIDs, len(idx))]
			if err := gradings(ctx, q, ph, org, es, out, part); err != nil {
				return nil, err
			}
		}
		for _, i := range idx {
			out[i].OrgODS = code
		}
	}
	return out, nil
}

// gradings reads the gradings of es[i] for i in part (all of org) into
// out[i]: the last grading of each patient, patients in the order first
// graded.
func gradings(ctx context.Context, q store.Querier, ph func(int) string, org store.OrgID, es []eventsdb.Event, out []fhir.EventInput, part []int) error {
	what := "event " + es[part[0]].ID
	if len(part) > 1 {
		what = fmt.Sprintf("%d events", len(part))
	}
	ids := make([]string, len(part))
	at := make(map[string]int, len(part))
	for k, i := range part {
		ids[k] = es[i].ID
		at[es[i].ID] = i
	}
	args := []any{org}
	rows, err := q.QueryContext(ctx, `SELECT event_id, patient, physical_harm, psychological_harm FROM event_gradings WHERE org_id = `+ph(1)+` AND event_id IN (`+
		params(ph, &args, ids)+`) ORDER BY at, id`, args...)
	if err != nil {
		return fmt.Errorf("fhirdb: gradings of %s: %w", what, err)
	}
	defer rows.Close()
	type graded struct {
		by    map[int]fhir.Grading
		order []int
	}
	gs := map[string]*graded{}
	for rows.Next() {
		var id string
		var g fhir.Grading
		if err := rows.Scan(&id, &g.Patient, &g.Physical, &g.Psychological); err != nil {
			return fmt.Errorf("fhirdb: gradings of %s: %w", what, err)
		}
		x := gs[id]
		if x == nil {
			x = &graded{by: map[int]fhir.Grading{}}
			gs[id] = x
		}
		if _, seen := x.by[g.Patient]; !seen {
			x.order = append(x.order, g.Patient)
		}
		x.by[g.Patient] = g
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("fhirdb: gradings of %s: %w", what, err)
	}
	for id, x := range gs {
		i := at[id]
		for _, p := range x.order {
			out[i].Gradings = append(out[i].Gradings, x.by[p])
		}
	}
	return nil
}

// dollar makes "$n" placeholders, which both engines take (for
// statements of few arguments).
func dollar(n int) string { return "$" + strconv.Itoa(n) }
