package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The content registry says, for each audited entity, which rows hold its
// content. appendAudit records a hash of that content in every entry, and
// VerifyContent compares every live row with the hash of its last audited
// change, so a change made to a table directly, outside the store, is found
// and named.

// Part is one table's share of an entity's content.
type Part struct {
	Table string
	// Key names the column that identifies the entity in this table: its
	// own id in the entity's table, the parent id in a child table; for an
	// org-scoped entity, org_id and then that column.
	Key []string
	// Exclude names columns that change without an audit entry (sign-in
	// times, a token's last use, a flag derived from another table).
	Exclude []string
	// OmitEmpty names columns added after rows of the table were audited:
	// a value is hashed only when it is not empty ('' or NULL), so a row
	// written before the column existed keeps the hash recorded for it.
	OmitEmpty []string
}

// Entity is one audited entity: the Entity of the Changes that write it,
// and the rows that hold its content.
type Entity struct {
	Name string
	// OrgScoped: the entity id is unique only within its organisation, so
	// the key is (organisation id, entity id).
	OrgScoped bool
	// Parts[0] holds the entity's own rows: none means it was deleted.
	Parts []Part
	// Bulk: rows may be written many at once under one audit entry
	// (devicesdb's ImportImplants). Such a row, until it gets an entry of
	// its own, is checked as part of its organisation's bulk set: a sum of
	// row hashes recorded by the bulk entries. A bulk entity has one part.
	Bulk bool
	// NoContent names the entity's actions that change none of its
	// content, so they record no content hash: recording one would make a
	// direct edit made before them look audited.
	NoContent []string

	// Follows makes the entity a follower: OnChange runs inside the
	// transaction of every audited change (Tx.Audit) of each entity named
	// here, just after that change's audit entry, so data derived from the
	// change (counts, an outbox of submissions) commits or rolls back with
	// it. A follower is how one wing keeps up with another's changes without
	// the other knowing of it. A follower needs no Parts; its derived,
	// unaudited tables are listed in Derived.
	Follows  []string
	OnChange func(ctx context.Context, tx *Tx, c Change) error
	// OnChanges, optional, is OnChange for the changes of one
	// Tx.AuditBatch at once, with the same result as OnChange for each in
	// turn; a follower without it gets OnChange for each.
	OnChanges func(ctx context.Context, tx *Tx, cs []Change) error
	// Derived lists tables holding only data derived from audited content
	// and rewritten as it changes (by OnChange, triggers or a rebuild):
	// they need no audit entries of their own, and the deep check skips them.
	Derived []string
}

// kernelContent lists the kernel's own audited entities. Each wing's db
// package lists its own (riskdb.Content, devicesdb.Content), and whoever
// opens the DB passes them to Open: a table that belongs to no entity
// must be in unauditedTables (a test checks every table is in one).
func kernelContent() []Entity {
	return []Entity{
		{Name: "organisation", Parts: []Part{{Table: "organisations", Key: []string{"id"}}}},
		{Name: "user", NoContent: []string{"session.start", "session.switch_org", "session.end"}, Parts: []Part{
			{Table: "users", Key: []string{"id"}, Exclude: []string{"last_login_at", "last_org_id"}},
			{Table: "user_roles", Key: []string{"user_id"}},
		}},
		{Name: "api_token", Parts: []Part{{Table: "api_tokens", Key: []string{"id"}, Exclude: []string{"last_used_at"}, OmitEmpty: []string{"scopes"}}}},
		{Name: "invitation", Parts: []Part{{Table: "invitations", Key: []string{"id"}}}},
		{Name: "network", Parts: []Part{
			{Table: "networks", Key: []string{"id"}},
			{Table: "network_members", Key: []string{"network_id"}},
			{Table: "network_analysts", Key: []string{"network_id"}},
		}},
	}
}

// unauditedTables change without audit entries by design: the trail
// itself, the schema version, sessions and sign-in throttling, and the
// reference counters (each number is recorded with the entity it names),
// and mail_outbox, which holds delivery records: the change that causes a
// message is audited in the transaction that enqueues it; sending,
// retrying and marking it sent or failed change only the record of
// delivery. The full-text index of safety events (event_search, rewritten
// from the audited event in each change's transaction, and SQLite's FTS5
// tables) and their counts per status (kept by triggers on events) are
// derived from audited content. Only kernel tables and derived indexes
// belong here: a wing's tables are in its own Content.
var unauditedTables = []string{"audit_log", "audit_queue", "schema_migrations", "sessions", "login_failures", "ref_counters", "mail_outbox",
	"event_status_counts", "event_search", "event_search_fts", "event_search_fts_data", "event_search_fts_idx", "event_search_fts_docsize", "event_search_fts_config"}

// deletedContent is the content hash of an entity that no longer exists.
const deletedContent = "deleted"

// registry is a DB's content registry: the kernel's entities and those
// the wings passed to Open, checked once and never changed after.
type registry struct {
	entities []Entity
	byName   map[string]*Entity
	// followers[name] are the followers of the entity called name, in
	// the order they were listed.
	followers map[string][]*Entity
}

// plainName matches the table and column names a registry may hold: they
// are put into SQL as they are.
var plainName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// newRegistry checks the kernel's and the wings' entities together: names
// plain and listed once, every table in one entity only and not
// unaudited, keys of the shape contentHash queries by.
func newRegistry(wings []Entity) (*registry, error) {
	r := &registry{byName: map[string]*Entity{}, followers: map[string][]*Entity{}}
	for _, e := range append(kernelContent(), wings...) {
		e.Parts = slices.Clone(e.Parts)
		e.NoContent = slices.Clone(e.NoContent)
		r.entities = append(r.entities, e)
	}
	owner := map[string]string{}
	for _, t := range unauditedTables {
		owner[t] = ""
	}
	for i := range r.entities {
		e := &r.entities[i]
		switch {
		case e.Name == "":
			return nil, errors.New("store: content registry: an entity has no name")
		case r.byName[e.Name] != nil:
			return nil, fmt.Errorf("store: content registry: entity %q is listed twice", e.Name)
		case len(e.Parts) == 0 && len(e.Follows) == 0:
			return nil, fmt.Errorf("store: content registry: entity %q has no tables", e.Name)
		case len(e.Follows) > 0 && e.OnChange == nil:
			return nil, fmt.Errorf("store: content registry: entity %q follows %v but has no OnChange", e.Name, e.Follows)
		case len(e.Follows) == 0 && (e.OnChange != nil || e.OnChanges != nil):
			return nil, fmt.Errorf("store: content registry: entity %q has an OnChange but follows nothing", e.Name)
		case e.Bulk && len(e.Parts) > 1:
			return nil, fmt.Errorf("store: content registry: entity %q is written in bulk, so it can have only one table", e.Name)
		}
		r.byName[e.Name] = e
		for _, t := range e.Derived {
			if !plainName.MatchString(t) {
				return nil, fmt.Errorf("store: content registry: entity %q: derived table %q is not a plain name", e.Name, t)
			}
			if o, ok := owner[t]; ok {
				return nil, fmt.Errorf("store: content registry: derived table %q of entity %q is already listed (by %q)", t, e.Name, o)
			}
			owner[t] = ""
		}
		for _, p := range e.Parts {
			if !plainName.MatchString(p.Table) {
				return nil, fmt.Errorf("store: content registry: entity %q: table %q is not a plain name", e.Name, p.Table)
			}
			for _, c := range slices.Concat(p.Key, p.Exclude, p.OmitEmpty) {
				if !plainName.MatchString(c) {
					return nil, fmt.Errorf("store: content registry: entity %q: table %q: column %q is not a plain name", e.Name, p.Table, c)
				}
			}
			if o, ok := owner[p.Table]; ok {
				if o == "" {
					return nil, fmt.Errorf("store: content registry: entity %q: table %q is unaudited", e.Name, p.Table)
				}
				return nil, fmt.Errorf("store: content registry: table %q is in entities %q and %q", p.Table, o, e.Name)
			}
			owner[p.Table] = e.Name
			if e.OrgScoped && (len(p.Key) != 2 || p.Key[0] != "org_id") {
				return nil, fmt.Errorf("store: content registry: entity %q: table %q needs a key of org_id and 1 column", e.Name, p.Table)
			}
			if !e.OrgScoped && len(p.Key) != 1 {
				return nil, fmt.Errorf("store: content registry: entity %q: table %q needs a key of 1 column", e.Name, p.Table)
			}
		}
	}
	for i := range r.entities {
		e := &r.entities[i]
		for _, f := range e.Follows {
			if r.byName[f] == nil {
				return nil, fmt.Errorf("store: content registry: entity %q follows %q, which is not listed", e.Name, f)
			}
			if f == e.Name {
				return nil, fmt.Errorf("store: content registry: entity %q follows itself", e.Name)
			}
			r.followers[f] = append(r.followers[f], e)
		}
	}
	return r, nil
}

// entity returns the registered entity called name, or nil.
func (s *DB) entity(name string) *Entity { return s.content.byName[name] }

// notRegistered is the error for a change or bulk write of an entity the
// DB was opened without.
func notRegistered(what, entity string) error {
	return fmt.Errorf("store: %s: entity %q is not in the content registry (its wing's content was not passed to store.Open)", what, entity)
}

// contentKey identifies an entity in VerifyContent's maps.
func (d *Entity) contentKey(orgID, entityID string) string {
	if d.OrgScoped {
		return d.Name + "|" + orgID + "|" + entityID
	}
	return d.Name + "|" + entityID
}

// canonValue encodes one column value the same way whichever engine or Go
// type it comes from: SQLite and PostgreSQL return booleans, integers and
// times differently, and the bulk import hashes the Go values it writes.
// Times are in UTC to the microsecond, the precision both engines keep.
func canonValue(b []byte, v any) []byte {
	if dv, ok := v.(driver.Valuer); ok {
		if x, err := dv.Value(); err == nil {
			v = x
		}
	}
	switch x := v.(type) {
	case nil:
		return append(b, 'n')
	case string:
		b = append(b, 's')
		return append(b, x...)
	case []byte:
		b = append(b, 's')
		return append(b, x...)
	case bool:
		if x {
			return append(b, 'i', '1')
		}
		return append(b, 'i', '0')
	case int64:
		return strconv.AppendInt(append(b, 'i'), x, 10)
	case int:
		return strconv.AppendInt(append(b, 'i'), int64(x), 10)
	case float64:
		return strconv.AppendFloat(append(b, 'f'), x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Truncate(time.Microsecond).AppendFormat(append(b, 't'), time.RFC3339Nano)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return append(append(b, 's'), rv.String()...)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(append(b, 'i'), rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.AppendUint(append(b, 'i'), rv.Uint(), 10)
	case reflect.Bool:
		return canonValue(b, rv.Bool())
	}
	return fmt.Appendf(append(b, '?'), "%v", v)
}

// rowHasher hashes rows of one table: the columns, less the excluded ones,
// in name order, each as length-prefixed name and value.
type rowHasher struct {
	table string
	names []string
	idx   []int  // positions of names in the row's column order
	omit  []bool // hash the value only when it is not empty (Part.OmitEmpty)
	buf   []byte
	val   []byte
}

func newRowHasher(table string, cols []string, p Part) *rowHasher {
	h := &rowHasher{table: table}
	type col struct {
		name string
		i    int
	}
	var cs []col
	for i, c := range cols {
		c = strings.ToLower(strings.TrimSpace(c))
		if !slices.Contains(p.Exclude, c) {
			cs = append(cs, col{c, i})
		}
	}
	sort.Slice(cs, func(a, b int) bool { return cs[a].name < cs[b].name })
	for _, c := range cs {
		h.names = append(h.names, c.name)
		h.idx = append(h.idx, c.i)
		h.omit = append(h.omit, slices.Contains(p.OmitEmpty, c.name))
	}
	return h
}

func (h *rowHasher) sum(vals []any) [32]byte {
	b := append(h.buf[:0], h.table...)
	b = append(b, 0)
	for k, i := range h.idx {
		h.val = canonValue(h.val[:0], vals[i])
		if h.omit[k] && (string(h.val) == "s" || string(h.val) == "n") {
			continue
		}
		b = strconv.AppendInt(b, int64(len(h.names[k])), 10)
		b = append(b, ':')
		b = append(b, h.names[k]...)
		b = strconv.AppendInt(b, int64(len(h.val)), 10)
		b = append(b, ':')
		b = append(b, h.val...)
	}
	h.buf = b
	return sha256.Sum256(b)
}

// entityHash combines the row hashes of each part (in any order) into the
// entity's content hash; no rows in parts[0] means deletedContent.
func entityHash(entity string, parts [][][32]byte) string {
	if len(parts) == 0 || len(parts[0]) == 0 {
		return deletedContent
	}
	h := sha256.New()
	h.Write([]byte(entity))
	h.Write([]byte{0})
	for i, rows := range parts {
		sort.Slice(rows, func(a, b int) bool { return string(rows[a][:]) < string(rows[b][:]) })
		fmt.Fprintf(h, "part%d:%d", i, len(rows))
		h.Write([]byte{0})
		for _, r := range rows {
			h.Write(r[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// setSum is an order-independent sum of entity hashes modulo 2^256, with a
// count, for the rows a bulk entry writes.
type setSum struct {
	n int64
	v [4]uint64 // little-endian limbs
}

func (s *setSum) add(h [32]byte) {
	var c uint64
	for i := 0; i < 4; i++ {
		s.v[i], c = bits.Add64(s.v[i], binary.BigEndian.Uint64(h[24-8*i:32-8*i]), c)
	}
	s.n++
}

func (s *setSum) addSum(o setSum, sign int) {
	var c uint64
	for i := 0; i < 4; i++ {
		if sign > 0 {
			s.v[i], c = bits.Add64(s.v[i], o.v[i], c)
		} else {
			s.v[i], c = bits.Sub64(s.v[i], o.v[i], c)
		}
	}
	s.n += int64(sign) * o.n
}

func (s setSum) hex() string {
	var b [32]byte
	for i := 0; i < 4; i++ {
		binary.BigEndian.PutUint64(b[24-8*i:32-8*i], s.v[i])
	}
	return hex.EncodeToString(b[:])
}

func parseSetSum(n, hx string) (setSum, bool) {
	var s setSum
	b, err := hex.DecodeString(hx)
	cnt, cerr := strconv.ParseInt(n, 10, 64)
	if err != nil || len(b) != 32 || cerr != nil {
		return s, false
	}
	for i := 0; i < 4; i++ {
		s.v[i] = binary.BigEndian.Uint64(b[24-8*i : 32-8*i])
	}
	s.n = cnt
	return s, true
}

// bulkSet collects, per entity, the sum of the rows a bulk write adds.
type BulkSet struct {
	order []string
	sums  map[string]*setSum
}

func NewBulkSet() *BulkSet { return &BulkSet{sums: map[string]*setSum{}} }

func (b *BulkSet) Add(entity string, row [32]byte) {
	s, ok := b.sums[entity]
	if !ok {
		s = &setSum{}
		b.sums[entity] = s
		b.order = append(b.order, entity)
	}
	s.add(singleHash(entity, row))
}

// terms renders the set as content-hash terms "+ENTITY:COUNT:SUM".
func (b *BulkSet) Terms() string {
	var t []string
	for _, e := range b.order {
		s := b.sums[e]
		t = append(t, "+"+e+":"+strconv.FormatInt(s.n, 10)+":"+s.hex())
	}
	return strings.Join(t, " ")
}

// singleHash is entityHash of a one-part entity with one row, as raw
// bytes, without entityHash's allocations (it runs for every bulk row).
func singleHash(entity string, row [32]byte) [32]byte {
	b := make([]byte, 0, len(entity)+1+8+32)
	b = append(b, entity...)
	b = append(b, 0)
	b = append(b, "part0:1"...)
	b = append(b, 0)
	b = append(b, row[:]...)
	return sha256.Sum256(b)
}

// TrackBulk makes the batcher add each row it queues to set under entity,
// hashed as the content registry hashes the table's rows. If the DB was
// opened without entity, or entity is not bulk or not this table's, Add
// fails.
func (b *Batcher) TrackBulk(set *BulkSet, entity string) {
	d := b.tx.s.entity(entity)
	switch {
	case d == nil:
		b.err = notRegistered("bulk write to "+b.table, entity)
		return
	case !d.Bulk || d.Parts[0].Table != b.table:
		b.err = fmt.Errorf("store: bulk write to %s: entity %q is not written in bulk to that table", b.table, entity)
		return
	}
	b.set, b.entity = set, entity
	b.hasher = newRowHasher(b.table, strings.Split(b.cols, ","), d.Parts[0])
}

// scanAny reads the current row as generic values.
func scanAny(rows *sql.Rows, n int) ([]any, error) {
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return vals, rows.Scan(ptrs...)
}

// contentHash returns the content hash of entity id (in orgID for an
// org-scoped entity) as q sees it now (contentHashes of one id).
func (s *DB) contentHash(ctx context.Context, q Querier, orgID OrgID, d *Entity, id string) (string, error) {
	hs, err := s.contentHashes(ctx, q, orgID, d, []string{id})
	if err != nil {
		return "", err
	}
	return hs[id], nil
}

// BulkBefore returns the content hash of a bulk-capable entity before a
// change, for Change.before: if the row came from a bulk import and has no
// entry of its own yet, appendAudit takes it out of its bulk set.
func (s *DB) BulkBefore(ctx context.Context, tx *Tx, orgID OrgID, entity, id string) (string, error) {
	d := s.entity(entity)
	if d == nil {
		return "", notRegistered("hash "+entity+" "+id, entity)
	}
	return s.contentHash(ctx, tx, orgID, d, id)
}
