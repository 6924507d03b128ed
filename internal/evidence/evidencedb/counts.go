// Package evidencedb keeps the evidence wing's tables: counts of safety
// events per organisation, day and dimension (kept in the transaction of
// every event change by a follower of "event", and rebuilt from scratch by
// Rebuild), the bed days an organisation enters, and the digital changes
// marked on measures. It reads hazards and actions through riskdb and
// eventsdb, training through trainingdb; nothing reads its tables but
// itself.
package evidencedb

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
)

// DB is the evidence wing's database access on the kernel store.
type DB struct {
	*store.DB
	risk     *riskdb.DB
	events   *eventsdb.DB
	training *trainingdb.DB
}

// New returns the evidence wing's DB on st.
func New(st *store.DB) *DB {
	return &DB{DB: st, risk: riskdb.New(st), events: eventsdb.New(st), training: trainingdb.New(st)}
}

// Content lists the evidence wing's audited entities for store.Open: the
// follower of safety events that keeps the counts (its tables derived),
// the bed days an organisation enters and the changes marked on measures.
func Content() []store.Entity {
	return []store.Entity{
		{Name: "evidence_counts", Follows: []string{"event"}, OnChange: onEventChange, OnChanges: onEventChanges,
			Derived: []string{"evidence_counts", "evidence_event_counts"}},
		{Name: "evidence_bed_days", Parts: []store.Part{{Table: "evidence_bed_days", Key: []string{"org_id"}}}},
		{Name: "evidence_change", Parts: []store.Part{{Table: "evidence_changes", Key: []string{"id"}}}},
	}
}

// factsCols are the columns of events scanFacts reads.
const factsCols = `id, org_id, status, record_type, harm, reported_harm, agents, location, service_area, COALESCE(system_id, ''), submitted_at, first_feedback_at`

type factsRow struct {
	id, org string
	f       evidence.EventFacts
}

func scanFacts(r interface{ Scan(...any) error }) (factsRow, error) {
	var x factsRow
	var sub, fb sql.NullTime
	var status, typ string
	if err := r.Scan(&x.id, &x.org, &status, &typ, &x.f.Harm, &x.f.ReportedHarm, &x.f.Agents, &x.f.Location, &x.f.ServiceArea, &x.f.SystemID, &sub, &fb); err != nil {
		return x, err
	}
	x.f.Status, x.f.Type = events.Status(status), events.RecordType(typ)
	if sub.Valid {
		t := sub.Time.UTC()
		x.f.SubmittedAt = &t
	}
	if fb.Valid {
		t := fb.Time.UTC()
		x.f.FirstFeedbackAt = &t
	}
	return x, nil
}

// factsOf is what scanFacts reads of event e.
func factsOf(e eventsdb.Event) factsRow {
	return factsRow{id: e.ID, org: string(e.OrgID), f: evidence.EventFacts{Status: e.Status, Type: e.Type, Harm: e.Harm, ReportedHarm: e.ReportedHarm,
		Agents: e.Agents, Location: e.Location, ServiceArea: e.ServiceArea, SystemID: e.SystemID, SubmittedAt: e.SubmittedAt, FirstFeedbackAt: e.FirstFeedbackAt}}
}

// contribution is what the event of x adds to the counts.
func (x factsRow) contribution() contribution {
	day, keys := evidence.Contribution(x.f)
	return contribution{x.org, day, keys}
}

// contribution is what one event adds to the counts: its organisation,
// the day it was reported and its keys (no day and no keys for a draft or
// an event that is gone).
type contribution struct {
	org, day string
	keys     []evidence.Key
}

// parseKeys reads the keys an event contributed, as evidence_event_counts
// keeps them.
func parseKeys(id, b string) ([]evidence.Key, error) {
	if b == "" {
		return nil, nil
	}
	var keys []evidence.Key
	if err := json.Unmarshal([]byte(b), &keys); err != nil {
		return nil, fmt.Errorf("counts of event %s: %w", id, err)
	}
	return keys, nil
}

// onEventChange moves the counts of the changed event: it takes away what
// the event contributed before (evidence_event_counts) and adds what it
// contributes now, in the change's transaction (see moveCounts).
func onEventChange(ctx context.Context, tx *store.Tx, c store.Change) error {
	if c.EntityID == "" {
		return nil
	}
	now := map[string]contribution{}
	old := map[string]contribution{}
	if w, ok := eventsdb.WrittenIn(tx, c); ok {
		// As its writer gave it.
		now[c.EntityID] = factsOf(w.Event).contribution()
	} else {
		x, err := scanFacts(tx.QueryRowContext(ctx, `SELECT `+factsCols+` FROM events WHERE id = $1`, c.EntityID))
		switch {
		case err == nil:
			now[c.EntityID] = x.contribution()
		case store.NoRows(err):
		default:
			return fmt.Errorf("read event %s: %w", c.EntityID, err)
		}
	}
	var o contribution
	var b string
	err := tx.QueryRowContext(ctx, `SELECT org_id, day, keys FROM evidence_event_counts WHERE event_id = $1`, c.EntityID).Scan(&o.org, &o.day, &b)
	switch {
	case err == nil:
		if o.keys, err = parseKeys(c.EntityID, b); err != nil {
			return err
		}
		old[c.EntityID] = o
	case store.NoRows(err):
	default:
		return fmt.Errorf("read counts of event %s: %w", c.EntityID, err)
	}
	return moveCounts(ctx, tx, []string{c.EntityID}, old, now)
}

// onEventChanges is onEventChange for the changes of one AuditBatch, with
// the same result: the batch's events and their past contributions are
// read with one query each (per 500 events), and moveCounts writes them
// all. An event changed twice in cs goes through onEventChange, one change
// at a time.
func onEventChanges(ctx context.Context, tx *store.Tx, cs []store.Change) error {
	ids, done, err := store.OneByOne(ctx, tx, cs, func(c store.Change) bool { return c.EntityID != "" }, onEventChange)
	if done || err != nil {
		return err
	}
	now := map[string]contribution{}
	old := map[string]contribution{}
	// An event its writer gave (eventsdb.WrittenIn) is counted as given;
	// the others are read. What each contributed before is read for all
	// (a new event may have been counted by an earlier change of its
	// transaction).
	read := make([]string, 0, len(ids))
	for _, id := range ids {
		w, ok := eventsdb.WrittenIn(tx, store.Change{Entity: "event", EntityID: id})
		if !ok {
			read = append(read, id)
			continue
		}
		now[id] = factsOf(w.Event).contribution()
	}
	for start := 0; start < len(read); start += 500 {
		part := read[start:min(start+500, len(read))]
		in, args := idsIn(tx, part)
		rows, err := tx.QueryContext(ctx, `SELECT `+factsCols+` FROM events WHERE id IN (`+in+`)`, args...)
		if err != nil {
			return fmt.Errorf("read %d events: %w", len(part), err)
		}
		for rows.Next() {
			x, err := scanFacts(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("read %d events: %w", len(part), err)
			}
			now[x.id] = x.contribution()
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read %d events: %w", len(part), err)
		}
	}
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		in, args := idsIn(tx, part)
		rows, err := tx.QueryContext(ctx, `SELECT event_id, org_id, day, keys FROM evidence_event_counts WHERE event_id IN (`+in+`)`, args...)
		if err != nil {
			return fmt.Errorf("read counts of %d events: %w", len(part), err)
		}
		for rows.Next() {
			var id, b string
			var c contribution
			if err := rows.Scan(&id, &c.org, &c.day, &b); err != nil {
				rows.Close()
				return fmt.Errorf("read counts of %d events: %w", len(part), err)
			}
			if c.keys, err = parseKeys(id, b); err != nil {
				rows.Close()
				return err
			}
			old[id] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read counts of %d events: %w", len(part), err)
		}
	}
	return moveCounts(ctx, tx, ids, old, now)
}

// countKey names one count, over all its shards.
type countKey struct{ org, dim, value, day string }

func (a countKey) compare(b countKey) int {
	return cmp.Or(strings.Compare(a.org, b.org), strings.Compare(a.dim, b.dim), strings.Compare(a.value, b.value), strings.Compare(a.day, b.day))
}

// moveCounts moves the counts of the events ids from what each
// contributed before (old, from evidence_event_counts; absent when it
// contributed nothing) to what it contributes now (now), and records what
// each contributes now. The moves are summed per count, over the whole
// transaction (countMoves, written just before it commits), so that a
// count many changes of a transaction move (every event of a bulk import
// reported on one day) is written once rather than once per batch.
func moveCounts(ctx context.Context, tx *store.Tx, ids []string, old, now map[string]contribution) error {
	moves := tx.Defer("evidence_counts", func() store.Deferred { return &countMoves{sums: map[countKey]*countSum{}} }).(*countMoves)
	var forget []string
	rows := store.NewBatcher(tx, "evidence_event_counts", "event_id, org_id, day, keys", 4, 500)
	defer rows.Close()
	for _, id := range ids {
		o, n := old[id], now[id]
		if o.org == n.org && o.day == n.day && slices.Equal(o.keys, n.keys) {
			continue
		}
		for _, k := range o.keys {
			moves.move(o.org, o.day, k, -1)
		}
		for _, k := range n.keys {
			moves.move(n.org, n.day, k, 1)
		}
		if _, had := old[id]; had {
			forget = append(forget, id)
		}
		if n.day == "" {
			continue
		}
		b, _ := json.Marshal(n.keys)
		if err := rows.Add(ctx, id, n.org, n.day, string(b)); err != nil {
			return fmt.Errorf("record counts of event %s: %w", id, err)
		}
	}
	for start := 0; start < len(forget); start += 500 {
		in, args := idsIn(tx, forget[start:min(start+500, len(forget))])
		if _, err := tx.ExecContext(ctx, `DELETE FROM evidence_event_counts WHERE event_id IN (`+in+`)`, args...); err != nil {
			return fmt.Errorf("forget counts of %d events: %w", len(args), err)
		}
	}
	if err := rows.Flush(ctx); err != nil {
		return fmt.Errorf("record counts of %d events: %w", len(ids), err)
	}
	return nil
}

// countMoves are the moves of the counts a transaction's changes made,
// summed per count.
type countMoves struct {
	sums  map[countKey]*countSum
	order []countKey
}

type countSum struct{ n, minutes int64 }

func (m *countMoves) move(org, day string, k evidence.Key, sign int64) {
	key := countKey{org, k.Dim, k.Value, day}
	v := m.sums[key]
	if v == nil {
		v = &countSum{}
		m.sums[key] = v
		m.order = append(m.order, key)
	}
	v.n += sign
	v.minutes += sign * k.Minutes
}

// Write writes each count moved, on the writer's own shard, many to an
// INSERT, in the order of their keys (so that two writers on one shard
// lock its rows in the same order); a shard whose count falls to exactly
// nothing is deleted (a shard below zero is kept: the count is the sum
// over the shards).
func (m *countMoves) Write(ctx context.Context, tx *store.Tx) error {
	sums := m.sums
	order := slices.DeleteFunc(m.order, func(k countKey) bool { return sums[k].n == 0 && sums[k].minutes == 0 })
	slices.SortFunc(order, countKey.compare)
	type shardKey struct {
		countKey
		shard int
	}
	var empty []shardKey
	for start := 0; start < len(order); start += 200 {
		part := order[start:min(start+200, len(order))]
		var sb strings.Builder
		args := make([]any, 0, 6*len(part))
		for i, key := range part {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			for k := 1; k <= 6; k++ {
				if k > 1 {
					sb.WriteString(", ")
				}
				sb.WriteString(tx.Placeholder(len(args) + k))
			}
			sb.WriteByte(')')
			v := sums[key]
			args = append(args, key.org, key.dim, key.value, key.day, v.n, v.minutes)
		}
		// The shard is the column's default: the writer's own.
		res, err := tx.QueryContext(ctx, `INSERT INTO evidence_counts (org_id, dim, value, day, n, minutes) VALUES `+sb.String()+`
			ON CONFLICT (org_id, dim, value, day, shard) DO UPDATE SET n = evidence_counts.n + excluded.n, minutes = evidence_counts.minutes + excluded.minutes
			RETURNING org_id, dim, value, day, shard, n, minutes`, args...)
		if err != nil {
			return fmt.Errorf("count %d keys: %w", len(part), err)
		}
		for res.Next() {
			var k shardKey
			var n, minutes int64
			if err := res.Scan(&k.org, &k.dim, &k.value, &k.day, &k.shard, &n, &minutes); err != nil {
				res.Close()
				return fmt.Errorf("count %d keys: %w", len(part), err)
			}
			if n == 0 && minutes == 0 {
				empty = append(empty, k)
			}
		}
		res.Close()
		if err := res.Err(); err != nil {
			return fmt.Errorf("count %d keys: %w", len(part), err)
		}
	}
	for _, k := range empty {
		if _, err := tx.ExecContext(ctx, `DELETE FROM evidence_counts WHERE org_id = $1 AND dim = $2 AND value = $3 AND day = $4 AND shard = $5 AND n = 0 AND minutes = 0`,
			k.org, k.dim, k.value, k.day, k.shard); err != nil {
			return fmt.Errorf("drop count %s=%s on %s: %w", k.dim, k.value, k.day, err)
		}
	}
	return nil
}

// idsIn returns placeholders for ids, and ids as arguments, for
// "id IN (...)" (the statement's only arguments).
func idsIn(tx *store.Tx, ids []string) (string, []any) {
	ps := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ps[i], args[i] = tx.Placeholder(i+1), id
	}
	return strings.Join(ps, ", "), args
}

// RebuildResult says what Rebuild counted.
type RebuildResult struct {
	Events int // events counted (drafts are not)
	Rows   int // rows of counts written
}

// Rebuild recounts every organisation's safety events from scratch, in one
// transaction: it is what `clinsafe evidence rebuild` runs, and it must
// give the counts the follower keeps. It is the one place that reads the
// raw events, in batches.
func (s *DB) Rebuild(ctx context.Context) (RebuildResult, error) {
	var res RebuildResult
	err := s.Tx(ctx, func(tx *store.Tx) error {
		res = RebuildResult{}
		if _, err := tx.ExecContext(ctx, `DELETE FROM evidence_counts`); err != nil {
			return s.Wrap(err, "rebuild: clear counts")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM evidence_event_counts`); err != nil {
			return s.Wrap(err, "rebuild: clear event counts")
		}
		type ck struct{ org, dim, value, day string }
		type cv struct{ n, minutes int64 }
		sums := map[ck]*cv{}
		eb := store.NewBatcher(tx, "evidence_event_counts", "event_id, org_id, day, keys", 4, 500)
		defer eb.Close()
		// The events are read in pages by id: a connection cannot write
		// while it streams a result on PostgreSQL.
		last := ""
		for {
			rows, err := tx.QueryContext(ctx, `SELECT `+factsCols+` FROM events WHERE id > $1 AND status <> $2 AND submitted_at IS NOT NULL ORDER BY id LIMIT 5000`, last, string(events.Draft))
			if err != nil {
				return s.Wrap(err, "rebuild: read events")
			}
			page := 0
			for rows.Next() {
				x, err := scanFacts(rows)
				if err != nil {
					rows.Close()
					return s.Wrap(err, "rebuild: read event")
				}
				page++
				last = x.id
				day, keys := evidence.Contribution(x.f)
				if day == "" {
					continue
				}
				res.Events++
				for _, k := range keys {
					key := ck{x.org, k.Dim, k.Value, day}
					v := sums[key]
					if v == nil {
						v = &cv{}
						sums[key] = v
					}
					v.n++
					v.minutes += k.Minutes
				}
				b, _ := json.Marshal(keys)
				if err := eb.Add(ctx, x.id, x.org, day, string(b)); err != nil {
					rows.Close()
					return s.Wrap(err, "rebuild: write event counts")
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return s.Wrap(err, "rebuild: read events")
			}
			if err := eb.Flush(ctx); err != nil {
				return s.Wrap(err, "rebuild: write event counts")
			}
			if page == 0 {
				break
			}
		}
		// Every rebuilt count is on shard 0.
		cb := store.NewBatcher(tx, "evidence_counts", "org_id, dim, value, day, n, minutes, shard", 7, 500)
		defer cb.Close()
		for k, v := range sums {
			res.Rows++
			if err := cb.Add(ctx, k.org, k.dim, k.value, k.day, v.n, v.minutes, 0); err != nil {
				return s.Wrap(err, "rebuild: write counts")
			}
		}
		if err := cb.Flush(ctx); err != nil {
			return s.Wrap(err, "rebuild: write counts")
		}
		return nil
	})
	return res, err
}

// CountRow is one row of the counts, for comparing live and rebuilt counts.
type CountRow struct {
	Org, Dim, Value, Day string
	N, Minutes           int64
}

// AllCounts returns every count that is not nothing, summed over its
// shards, in key order (tests and the rebuild's check): the same rows
// whether the counts were kept live or rebuilt.
func (s *DB) AllCounts(ctx context.Context) ([]CountRow, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT org_id, dim, value, day, SUM(n), SUM(minutes) FROM evidence_counts
		GROUP BY org_id, dim, value, day HAVING SUM(n) <> 0 OR SUM(minutes) <> 0 ORDER BY org_id, dim, value, day`)
	if err != nil {
		return nil, s.Wrap(err, "read counts")
	}
	defer rows.Close()
	var out []CountRow
	for rows.Next() {
		var c CountRow
		if err := rows.Scan(&c.Org, &c.Dim, &c.Value, &c.Day, &c.N, &c.Minutes); err != nil {
			return nil, s.Wrap(err, "read counts")
		}
		out = append(out, c)
	}
	return out, s.Wrap(rows.Err(), "read counts")
}

// dayCount is the count of one day.
type dayCount struct {
	day        time.Time
	n, minutes int64
}

// daily returns the counts of dim=value per day from..to (inclusive) of
// the organisations orgs, summed over them and over the shards.
func (s *DB) daily(ctx context.Context, orgs []store.OrgID, dim, value string, from, to time.Time) ([]dayCount, error) {
	if len(orgs) == 0 {
		return nil, nil
	}
	args := []any{dim, value, from.Format(time.DateOnly), to.Format(time.DateOnly)}
	in, args := orgsIn(args, orgs)
	rows, err := s.SQL().QueryContext(ctx, `SELECT day, SUM(n), SUM(minutes) FROM evidence_counts
		WHERE dim = $1 AND value = $2 AND day >= $3 AND day <= $4 AND org_id IN (`+in+`) GROUP BY day ORDER BY day`, args...)
	if err != nil {
		return nil, s.Wrap(err, "read daily counts")
	}
	defer rows.Close()
	var out []dayCount
	for rows.Next() {
		var d string
		var c dayCount
		if err := rows.Scan(&d, &c.n, &c.minutes); err != nil {
			return nil, s.Wrap(err, "read daily counts")
		}
		if c.day, err = time.Parse(time.DateOnly, d); err != nil {
			return nil, s.Wrap(err, "read daily counts")
		}
		out = append(out, c)
	}
	return out, s.Wrap(rows.Err(), "read daily counts")
}

// Values lists the values dimension dim has in the counts of orgs, most
// counted first (for a filter's choices): a value whose shards sum to
// nothing counts no event and is left out.
func (s *DB) Values(ctx context.Context, orgs []store.OrgID, dim string) ([]string, error) {
	if len(orgs) == 0 {
		return nil, nil
	}
	args := []any{dim}
	in, args := orgsIn(args, orgs)
	rows, err := s.SQL().QueryContext(ctx, `SELECT value FROM evidence_counts WHERE dim = $1 AND org_id IN (`+in+`)
		GROUP BY value HAVING SUM(n) > 0 ORDER BY SUM(n) DESC, value LIMIT 200`, args...)
	if err != nil {
		return nil, s.Wrap(err, "read values")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, s.Wrap(err, "read values")
		}
		out = append(out, v)
	}
	return out, s.Wrap(rows.Err(), "read values")
}

// orgsIn appends orgs to args and returns the placeholders that name
// them, for "org_id IN (...)".
func orgsIn(args []any, orgs []store.OrgID) (string, []any) {
	ps := make([]string, len(orgs))
	for i, o := range orgs {
		args = append(args, string(o))
		ps[i] = fmt.Sprintf("$%d", len(args))
	}
	return strings.Join(ps, ", "), args
}
