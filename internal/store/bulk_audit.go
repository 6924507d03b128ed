package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
)

// auditChainAt bounds the audit entries a transaction keeps in memory:
// once it keeps this many, they are written there and then (chained to the
// log on SQLite, queued for the sealer on PostgreSQL: see chainAudit), so that a transaction of a million changes (a bulk import)
// does not hold a million entries.
var auditChainAt = 10_000

// contentChunk bounds the ids one content query asks for.
const contentChunk = 500

// auditRows is how many audit entries one INSERT writes.
const auditRows = 100

// AuditBatch makes the audit entries of cs in the transaction, in order:
// the same entries Audit makes one by one, each with the content hash of
// its entity as it stands now, but hashed for many ids of one entity at
// once (one query per content part per chunk of ids). Call it after the
// last write of every change in cs; an entity may be in cs only once (its
// content is read once, after all the writes), and twice is an error.
//
// Then the followers of each entity changed run in the same transaction:
// a follower with OnChanges gets the entity's changes of cs in one call,
// one without gets OnChange for each, in order. The followers of one
// change run after every entry of cs is made, each follower over the
// whole batch in turn, so a follower's own audited changes come after
// the batch's entries.
func (tx *Tx) AuditBatch(ctx context.Context, cs []Change) error {
	return tx.AuditBatchWith(ctx, cs, nil)
}

// AuditBatchWith is AuditBatch for a writer that holds the entities of
// cs as they stand after the batch's writes (the rows its writes
// returned, or made): states[i], when not nil, is the state of cs[i]'s
// entity, as AuditWith's state is for one change, and State returns it
// while the batch's followers run. states is nil or as long as cs.
func (tx *Tx) AuditBatchWith(ctx context.Context, cs []Change, states []any) error {
	if len(cs) == 0 {
		return nil
	}
	if states != nil && len(states) != len(cs) {
		return fmt.Errorf("store: audit %s: %d states for %d changes", cs[0].Action, len(states), len(cs))
	}
	tx.forgetStates(cs...)
	contents, err := tx.s.changeContents(ctx, tx, cs)
	if err != nil {
		return err
	}
	for i, c := range cs {
		tx.keep(ctx, c, contents[i])
	}
	if err := tx.chainIfLong(ctx); err != nil {
		return err
	}
	var order []string
	byEntity := map[string][]Change{}
	for _, c := range cs {
		if len(tx.s.content.followers[c.Entity]) == 0 {
			continue
		}
		if _, ok := byEntity[c.Entity]; !ok {
			order = append(order, c.Entity)
		}
		byEntity[c.Entity] = append(byEntity[c.Entity], c)
	}
	if len(order) == 0 {
		return nil
	}
	if tx.depth >= 4 {
		return fmt.Errorf("store: audit %s: followers nested too deep (a loop of followers?)", cs[0].Action)
	}
	tx.depth++
	n := len(tx.states)
	defer func() { tx.depth--; tx.states = tx.states[:n] }()
	byKind := map[string]map[string]any{}
	for i, st := range states {
		if st == nil || cs[i].EntityID == "" {
			continue
		}
		m := byKind[cs[i].Entity]
		if m == nil {
			m = map[string]any{}
			byKind[cs[i].Entity] = m
			tx.states = append(tx.states, txState{entity: cs[i].Entity, many: m})
		}
		m[cs[i].EntityID] = st
	}
	for _, name := range order {
		group := byEntity[name]
		for _, f := range tx.s.content.followers[name] {
			if f.OnChanges != nil {
				if err := f.OnChanges(ctx, tx, group); err != nil {
					return fmt.Errorf("store: %s after %d changes of %s (%s...): %w", f.Name, len(group), name, group[0].Action, err)
				}
				continue
			}
			for _, c := range group {
				if err := f.OnChange(ctx, tx, c); err != nil {
					return fmt.Errorf("store: %s after %s: %w", f.Name, c.Action, err)
				}
			}
		}
	}
	return nil
}

// keep makes the audit entry of c, with content hash content, and keeps
// it until it is chained (see chainAudit). The actor is c.Actor, else
// the one in ctx, and the time is now.
func (tx *Tx) keep(ctx context.Context, c Change, content string) {
	a := audit.ActorFrom(ctx)
	if c.Actor != nil {
		a = *c.Actor
	}
	tx.pending = append(tx.pending, audit.Entry{
		ID: NewID(), At: tx.s.now().Truncate(time.Microsecond), OrgID: string(c.OrgID),
		ActorID: a.UserID, ActorName: a.Name, Action: c.Action, Entity: c.Entity, EntityID: c.EntityID,
		Summary: c.Summary, RequestID: a.RequestID, ContentHash: content,
	})
}

// chainIfLong chains tx's kept entries once there are auditChainAt of
// them. A transaction this long (a bulk import) chains its own entries
// from then on, holding the log until it commits, rather than queueing
// them all to be copied again by the sealer: other writers are not held
// up by it, for they only queue, but the sealer waits for it, so they
// return after sealWait without seeing their entries chained (see
// awaitSeal). A transaction makes this choice at its first write of
// entries, so none of its entries is queued behind one it chained.
func (tx *Tx) chainIfLong(ctx context.Context) error {
	if len(tx.pending) < auditChainAt {
		return nil
	}
	if !tx.queued {
		tx.direct = true
	}
	return tx.chainAudit(ctx)
}

// writeAudit inserts entries, already chained, auditRows to a statement.
func (tx *Tx) writeAudit(ctx context.Context, entries []audit.Entry) error {
	b := NewBatcher(tx, "audit_log", "seq, id, at, org_id, actor_id, actor_name, action, entity, entity_id, summary, request_id, prev_hash, content_hash, hash", 14, auditRows)
	defer b.Close()
	for start := 0; start < len(entries); start += auditRows {
		for _, e := range entries[start:min(start+auditRows, len(entries))] {
			if err := b.Add(ctx, e.Seq, e.ID, e.At, Nullable(e.OrgID), Nullable(e.ActorID), e.ActorName, e.Action, e.Entity, e.EntityID,
				e.Summary, e.RequestID, e.PrevHash, e.ContentHash, e.Hash); err != nil {
				return err
			}
		}
		if err := b.Flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// changeContents returns the content_hash value of each change of cs
// (see changeContent), hashing the entities of cs that need it together,
// by entity (and organisation, for an org-scoped entity). A change to an
// entity the DB was opened without is refused: recorded without its
// content, a later direct edit of the entity would pass the deep check.
func (s *DB) changeContents(ctx context.Context, tx *Tx, cs []Change) ([]string, error) {
	out := make([]string, len(cs))
	type group struct {
		d     *Entity
		orgID OrgID
		ids   []string
		at    []int
	}
	var groups []*group
	byKey := map[string]*group{}
	var seen map[string]bool
	if len(cs) > 1 {
		seen = make(map[string]bool, len(cs))
	}
	for i, c := range cs {
		if c.noContent {
			continue
		}
		d := s.entity(c.Entity)
		if d == nil {
			return nil, notRegistered("audit "+c.Action, c.Entity)
		}
		if c.BulkContent != "" {
			out[i] = c.BulkContent
			continue
		}
		if c.EntityID == "" || slices.Contains(d.NoContent, c.Action) {
			continue
		}
		key := d.Name
		if d.OrgScoped {
			key += "|" + string(c.OrgID)
		}
		if seen != nil {
			k := d.contentKey(string(c.OrgID), c.EntityID)
			if seen[k] {
				return nil, fmt.Errorf("store: audit %s: %s %s is changed twice in one batch", c.Action, c.Entity, c.EntityID)
			}
			seen[k] = true
		}
		g := byKey[key]
		if g == nil {
			g = &group{d: d, orgID: c.OrgID}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.ids = append(g.ids, c.EntityID)
		g.at = append(g.at, i)
	}
	for _, g := range groups {
		hs, err := s.contentHashes(ctx, tx, g.orgID, g.d, g.ids)
		if err != nil {
			return nil, err
		}
		for k, i := range g.at {
			c := cs[i]
			h := hs[g.ids[k]]
			if g.d.Bulk && c.Before != "" && c.Before != deletedContent {
				audited, err := tx.audited(ctx, c.Entity, c.EntityID)
				if err != nil {
					return nil, s.Wrap(err, "find audit entries of %s %s", c.Entity, c.EntityID)
				}
				if !audited {
					h += " -" + c.Entity + ":1:" + c.Before
				}
			}
			out[i] = h
		}
	}
	return out, nil
}

// contentHashes returns the content hash of each of ids of entity d (in
// orgID for an org-scoped entity) as q sees it now: one query per part
// for each contentChunk ids. An id without rows in the entity's own table
// has deletedContent.
func (s *DB) contentHashes(ctx context.Context, q Querier, orgID OrgID, d *Entity, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for start := 0; start < len(ids); start += contentChunk {
		if err := s.hashChunk(ctx, q, orgID, d, ids[start:min(start+contentChunk, len(ids))], out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// hashChunk adds the content hashes of ids to out (see contentHashes).
func (s *DB) hashChunk(ctx context.Context, q Querier, orgID OrgID, d *Entity, ids []string, out map[string]string) error {
	what := d.Name + " " + ids[0]
	if len(ids) > 1 {
		what = fmt.Sprintf("%d of %s", len(ids), d.Name)
	}
	parts := make(map[string][][][32]byte, len(ids))
	live := ids
	var filled map[int]bool
	for i, p := range d.Parts {
		if len(live) == 0 {
			break
		}
		if i == 1 && len(d.Parts) > 2 {
			// Most of an entity's parts are empty for most of its ids (a
			// new event has no messages, links or reviews): one query
			// finds the parts with rows, and only those are read.
			var err error
			if filled, err = s.filledParts(ctx, q, orgID, d, live); err != nil {
				return s.Wrap(err, "hash %s", what)
			}
		}
		if filled != nil && !filled[i] {
			continue
		}
		var args []any
		col := p.Key[len(p.Key)-1]
		rows, err := q.QueryContext(ctx, `SELECT * FROM `+p.Table+` WHERE `+s.partWhere(orgID, d, p, live, &args), args...)
		if err != nil {
			return s.Wrap(err, "hash %s", what)
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return s.Wrap(err, "hash %s", what)
		}
		ki := slices.IndexFunc(cols, func(c string) bool { return strings.EqualFold(strings.TrimSpace(c), col) })
		if ki < 0 {
			rows.Close()
			return fmt.Errorf("store: hash %s: table %s has no column %s", what, p.Table, col)
		}
		h := newRowHasher(p.Table, cols, p)
		for rows.Next() {
			vals, err := scanAny(rows, len(cols))
			if err != nil {
				rows.Close()
				return s.Wrap(err, "hash %s", what)
			}
			id := keyString(vals[ki])
			ps := parts[id]
			if ps == nil {
				if i > 0 {
					continue // not asked for (cannot happen: the id is live)
				}
				ps = make([][][32]byte, len(d.Parts))
				parts[id] = ps
			}
			ps[i] = append(ps[i], h.sum(vals))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.Wrap(err, "hash %s", what)
		}
		if i == 0 {
			var found []string
			for _, id := range live {
				if parts[id] == nil {
					out[id] = deletedContent
				} else {
					found = append(found, id)
				}
			}
			live = found
		}
	}
	for _, id := range live {
		out[id] = entityHash(d.Name, parts[id])
	}
	return nil
}

// partWhere is the condition that selects the rows of part p (of entity
// d, in orgID when it is org-scoped) of ids, its arguments appended to
// args.
func (s *DB) partWhere(orgID OrgID, d *Entity, p Part, ids []string, args *[]any) string {
	var sb strings.Builder
	if d.OrgScoped {
		*args = append(*args, orgID)
		sb.WriteString(p.Key[0] + ` = ` + s.dialect.bulkPlaceholder(len(*args)) + ` AND `)
	}
	sb.WriteString(p.Key[len(p.Key)-1] + ` IN (`)
	for k, id := range ids {
		if k > 0 {
			sb.WriteString(", ")
		}
		*args = append(*args, id)
		sb.WriteString(s.dialect.bulkPlaceholder(len(*args)))
	}
	sb.WriteByte(')')
	return sb.String()
}

// filledParts reports which of d's parts after the first have a row for
// any of ids, by index, with one query (its rows are the index of each
// part with rows).
func (s *DB) filledParts(ctx context.Context, q Querier, orgID OrgID, d *Entity, ids []string) (map[int]bool, error) {
	var args []any
	var sb strings.Builder
	for i, p := range d.Parts[1:] {
		if i > 0 {
			sb.WriteString(` UNION ALL `)
		}
		// Not EXISTS: with it the planner counts on meeting a match soon
		// and may scan a whole large table for the few ids.
		fmt.Fprintf(&sb, `SELECT DISTINCT %d FROM %s WHERE %s`, i+1, p.Table, s.partWhere(orgID, d, p, ids, &args))
	}
	rows, err := q.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	filled := map[int]bool{}
	for rows.Next() {
		var i int
		if err := rows.Scan(&i); err != nil {
			return nil, err
		}
		filled[i] = true
	}
	return filled, rows.Err()
}

// OneByOne runs a follower's onChange for each change of cs in order, and
// reports true, when cs changes some entity more than once (or keep is
// false for none): a batch hook that reads each entity's state once can
// then fall back to the one-change-at-a-time path. Otherwise it returns
// the ids of the changes keep accepts, in order, and false.
func OneByOne(ctx context.Context, tx *Tx, cs []Change, keep func(Change) bool, onChange func(context.Context, *Tx, Change) error) ([]string, bool, error) {
	var ids []string
	seen := make(map[string]bool, len(cs))
	for _, c := range cs {
		if !keep(c) {
			continue
		}
		if seen[c.EntityID] {
			for _, c := range cs {
				if err := onChange(ctx, tx, c); err != nil {
					return nil, true, err
				}
			}
			return nil, true, nil
		}
		seen[c.EntityID] = true
		ids = append(ids, c.EntityID)
	}
	return ids, false, nil
}
