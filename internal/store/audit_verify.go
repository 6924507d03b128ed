package store

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/clinsafe/clinsafe/internal/audit"
)

// AuditHead returns the sequence number and hash of the newest audit entry
// (0 and audit.Genesis when there is none).
func (s *DB) AuditHead(ctx context.Context) (int64, string, error) {
	seq, head := int64(0), audit.Genesis
	err := s.db.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &head)
	if err != nil && !NoRows(err) {
		return 0, "", s.Wrap(err, "read audit chain head")
	}
	return seq, head, nil
}

// verifyChain walks the entries after seq (whose hash is hash) in order and
// reports the first broken link.
func (s *DB) verifyChain(ctx context.Context, seq int64, hash string) (VerifyResult, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+auditCols+` FROM audit_log WHERE seq > $1 ORDER BY seq`, seq)
	if err != nil {
		return VerifyResult{}, s.Wrap(err, "verify audit")
	}
	defer rows.Close()
	v := audit.NewVerifierAfter(seq, hash)
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return VerifyResult{}, s.Wrap(err, "scan audit")
		}
		if b := v.Next(e); b != nil {
			return VerifyResult{Checked: v.Count(), Break: b}, nil
		}
	}
	return VerifyResult{Checked: v.Count()}, s.Wrap(rows.Err(), "verify audit")
}

// CheckCheckpoint compares the chain with a checkpoint whose signature the
// caller has checked: the entry at the checkpoint's seq must still exist
// and have the signed hash. A missing entry means the trail was truncated
// below the checkpoint; a different hash means the chain was rewritten up
// to it. It returns nil when the chain agrees. Changes after the
// checkpoint's entry that keep the chain valid cannot be seen this way.
func (s *DB) CheckCheckpoint(ctx context.Context, c audit.Checkpoint) (*audit.Break, error) {
	if c.Seq == 0 {
		return nil, nil
	}
	var hash string
	err := s.db.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE seq = $1`, c.Seq).Scan(&hash)
	when := c.At.UTC().Format("2006-01-02 15:04:05Z")
	if NoRows(err) {
		return &audit.Break{Seq: c.Seq, Reason: fmt.Sprintf("entry %d, signed in the checkpoint of %s, is missing (the trail was truncated)", c.Seq, when)}, nil
	}
	if err != nil {
		return nil, s.Wrap(err, "read audit entry %d", c.Seq)
	}
	if hash != c.Head {
		return &audit.Break{Seq: c.Seq, Reason: fmt.Sprintf("entry %d does not have the hash signed in the checkpoint of %s (the trail was rewritten)", c.Seq, when)}, nil
	}
	return nil, nil
}

// WriteCheckpoint signs the chain head with key and stores the checkpoint
// in dir, returning it and its file. It first checks the chain from the
// newest checkpoint already in dir (signed with key), or from the start,
// and refuses to sign a chain that is broken or disagrees with it. With
// onlyIfChanged it writes nothing when that checkpoint already names the
// head (path is then empty).
func (s *DB) WriteCheckpoint(ctx context.Context, key ed25519.PrivateKey, dir string, onlyIfChanged bool) (audit.Checkpoint, string, error) {
	from, fromHash := int64(0), audit.Genesis
	prev, _, err := audit.ReadCheckpoint(dir)
	switch {
	case err == nil && prev.Verify(key.Public().(ed25519.PublicKey)) == nil:
		b, err := s.CheckCheckpoint(ctx, prev)
		if err != nil {
			return audit.Checkpoint{}, "", err
		}
		if b != nil {
			return audit.Checkpoint{}, "", fmt.Errorf("store: checkpoint: not signing: %s", b.Reason)
		}
		from, fromHash = prev.Seq, prev.Head
	case err != nil && !errors.Is(err, fs.ErrNotExist) && !strings.Contains(err.Error(), "no checkpoints"):
		return audit.Checkpoint{}, "", err
	}
	seq, head, err := s.AuditHead(ctx)
	if err != nil {
		return audit.Checkpoint{}, "", err
	}
	res, err := s.verifyChain(ctx, from, fromHash)
	if err != nil {
		return audit.Checkpoint{}, "", err
	}
	if res.Break != nil {
		return audit.Checkpoint{}, "", fmt.Errorf("store: checkpoint: not signing a broken audit trail: entry %d: %s", res.Break.Seq, res.Break.Reason)
	}
	if onlyIfChanged && from == seq && fromHash == head {
		return prev, "", nil
	}
	c := audit.Sign(key, seq, head, s.now())
	path, err := audit.WriteCheckpoint(dir, c)
	return c, path, err
}

// CopyCheckpoints copies every checkpoint file in dir into dst (created).
func CopyCheckpoints(dir, dst string) (int, error) {
	names, err := audit.Checkpoints(dir)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dst, 0o750); err != nil {
		return 0, fmt.Errorf("store: copy checkpoints: %w", err)
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return 0, fmt.Errorf("store: copy checkpoints: %w", err)
		}
		if err := os.WriteFile(dst+string(os.PathSeparator)+baseName(n), b, 0o640); err != nil {
			return 0, fmt.Errorf("store: copy checkpoints: %w", err)
		}
	}
	return len(names), nil
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// Finding is a live row that does not match the audit trail, or an
// audited entity the DB was opened without and so could not check.
type Finding struct {
	Entity  string
	ID      string // the entity's id; for a bulk set or an unknown entity, empty
	OrgID   string
	Seq     int64 // the entity's last audit entry with a content hash; 0 if none
	Problem string
}

func (f Finding) String() string {
	switch {
	case f.ID == "" && f.OrgID == "":
		return fmt.Sprintf("%s: %s", f.Entity, f.Problem)
	case f.ID == "":
		return fmt.Sprintf("%s rows of organisation %s written in bulk: %s", f.Entity, f.OrgID, f.Problem)
	case f.Seq > 0:
		return fmt.Sprintf("%s %s: %s (last audited at entry %d)", f.Entity, f.ID, f.Problem, f.Seq)
	}
	return fmt.Sprintf("%s %s: %s", f.Entity, f.ID, f.Problem)
}

type lastContent struct {
	seq                   int64
	hash, entity, org, id string
	seen                  bool
}

// VerifyContent compares every live row of every registered entity with
// the content hash of its last audited change, in one consistent snapshot.
// It names entities whose content differs (changed outside the audit
// trail), live entities with no audited content hash (added outside it, or
// written before content hashes were recorded) and audited entities that
// no longer exist (deleted outside it). Rows written in bulk without an
// entry of their own are checked as a set per organisation and entity: a
// finding then says the set differs but cannot name the row. An entity
// with audited content that is not in the DB's content registry (its wing
// was not passed to Open) is named as unchecked. It returns the findings
// and how many entities were checked.
func (s *DB) VerifyContent(ctx context.Context) ([]Finding, int64, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, 0, s.Wrap(err, "begin content check")
	}
	defer tx.Rollback()
	last := map[string]*lastContent{}
	expected := map[string]*setSum{} // org|entity -> sum of bulk terms
	unknown := map[string]bool{}     // audited entities the DB was opened without
	// Entries still waiting for the sealer (PostgreSQL) record changes
	// already committed, and come after those on the chain.
	rows, err := tx.QueryContext(ctx, `SELECT seq, COALESCE(org_id, ''), entity, entity_id, content_hash, 0 AS queued, seq AS pos FROM audit_log WHERE content_hash <> ''
		UNION ALL SELECT 0, COALESCE(org_id, ''), entity, entity_id, content_hash, 1, qid FROM audit_queue WHERE content_hash <> ''
		ORDER BY queued, pos`)
	if err != nil {
		return nil, 0, s.Wrap(err, "read audit content hashes")
	}
	for rows.Next() {
		var seq, queued, pos int64
		var org, entity, id, content string
		if err := rows.Scan(&seq, &org, &entity, &id, &content, &queued, &pos); err != nil {
			rows.Close()
			return nil, 0, s.Wrap(err, "read audit content hashes")
		}
		for _, t := range strings.Fields(content) {
			if t[0] == '+' || t[0] == '-' {
				f := strings.Split(t[1:], ":")
				if len(f) != 3 {
					continue
				}
				sum, ok := parseSetSum(f[1], f[2])
				if !ok {
					continue
				}
				if s.entity(f[0]) == nil {
					unknown[f[0]] = true
					continue
				}
				k := org + "|" + f[0]
				if expected[k] == nil {
					expected[k] = &setSum{}
				}
				sign := 1
				if t[0] == '-' {
					sign = -1
				}
				expected[k].addSum(sum, sign)
				continue
			}
			if d := s.entity(entity); d != nil {
				last[d.contentKey(org, id)] = &lastContent{seq: seq, hash: t, entity: entity, org: org, id: id}
			} else {
				unknown[entity] = true
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, s.Wrap(err, "read audit content hashes")
	}
	var out []Finding
	var checked int64
	actual := map[string]*setSum{}
	compare := func(d *Entity, key, org, id, h string) {
		checked++
		lc := last[key]
		switch {
		case lc == nil:
			out = append(out, Finding{Entity: d.Name, ID: id, OrgID: org, Problem: "has no audit entry recording its content (added outside the audit trail, or before content hashes were recorded)"})
		case lc.hash == deletedContent:
			lc.seen = true
			out = append(out, Finding{Entity: d.Name, ID: id, OrgID: org, Seq: lc.seq, Problem: "exists although the audit trail recorded it deleted"})
		case lc.hash != h:
			lc.seen = true
			out = append(out, Finding{Entity: d.Name, ID: id, OrgID: org, Seq: lc.seq, Problem: "changed outside the audit trail"})
		default:
			lc.seen = true
		}
	}
	for e := range unknown {
		out = append(out, Finding{Entity: e, Problem: "has audited content, but is not in the content registry, so its rows were not checked (its wing's content was not passed to store.Open)"})
	}
	for i := range s.content.entities {
		d := &s.content.entities[i]
		var err error
		if d.Bulk {
			err = s.checkBulkEntity(ctx, tx, d, last, actual, compare)
		} else {
			err = s.checkEntity(ctx, tx, d, compare)
		}
		if err != nil {
			return nil, 0, err
		}
	}
	for _, lc := range last {
		if lc.seen || lc.hash == deletedContent {
			continue
		}
		out = append(out, Finding{Entity: lc.entity, ID: lc.id, OrgID: lc.org, Seq: lc.seq, Problem: "no longer exists (deleted outside the audit trail)"})
	}
	for _, a := range actual {
		checked += a.n
	}
	for k := range expected {
		if actual[k] == nil {
			actual[k] = &setSum{}
		}
	}
	for k, a := range actual {
		e := expected[k]
		if e == nil {
			e = &setSum{}
		}
		if a.n == e.n && a.v == e.v {
			continue
		}
		org, entity, _ := strings.Cut(k, "|")
		p := fmt.Sprintf("%d rows found, %d audited", a.n, e.n)
		switch {
		case a.n < e.n:
			p += " (rows were deleted outside the audit trail)"
		case a.n > e.n:
			p += " (rows were added outside the audit trail)"
		default:
			p += ", and their content differs from the audited bulk writes (a row was changed outside the audit trail)"
		}
		out = append(out, Finding{Entity: entity, OrgID: org, Problem: p})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Entity != out[j].Entity {
			return out[i].Entity < out[j].Entity
		}
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].OrgID < out[j].OrgID
	})
	return out, checked, nil
}

// tableRows calls fn with each row of table, its key values and its hash.
func (s *DB) tableRows(ctx context.Context, tx *sql.Tx, p Part, fn func(key []string, org string, h [32]byte)) error {
	rows, err := tx.QueryContext(ctx, `SELECT * FROM `+p.Table)
	if err != nil {
		return s.Wrap(err, "read %s", p.Table)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return s.Wrap(err, "read %s", p.Table)
	}
	keyIdx := make([]int, len(p.Key))
	orgIdx := -1
	for i := range keyIdx {
		keyIdx[i] = -1
	}
	for i, c := range cols {
		c = strings.ToLower(c)
		for k, kc := range p.Key {
			if c == kc {
				keyIdx[k] = i
			}
		}
		if c == "org_id" {
			orgIdx = i
		}
	}
	for _, i := range keyIdx {
		if i < 0 {
			return fmt.Errorf("store: content registry: %s has no column %v", p.Table, p.Key)
		}
	}
	h := newRowHasher(p.Table, cols, p)
	key := make([]string, len(p.Key))
	for rows.Next() {
		vals, err := scanAny(rows, len(cols))
		if err != nil {
			return s.Wrap(err, "read %s", p.Table)
		}
		for k, i := range keyIdx {
			key[k] = keyString(vals[i])
		}
		org := ""
		if orgIdx >= 0 {
			org = keyString(vals[orgIdx])
		}
		fn(key, org, h.sum(vals))
	}
	return s.Wrap(rows.Err(), "read %s", p.Table)
}

func keyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// checkEntity groups each part's rows by entity and compares the entity
// hashes with the trail.
func (s *DB) checkEntity(ctx context.Context, tx *sql.Tx, d *Entity, compare func(d *Entity, key, org, id, h string)) error {
	type group struct {
		org, id string
		parts   [][][32]byte
	}
	groups := map[string]*group{}
	var order []string
	for i, p := range d.Parts {
		err := s.tableRows(ctx, tx, p, func(key []string, org string, h [32]byte) {
			k := strings.Join(key, "|")
			g := groups[k]
			if g == nil {
				if i > 0 {
					return // a child without its entity's row: the foreign keys make this impossible
				}
				g = &group{org: org, id: key[len(key)-1], parts: make([][][32]byte, len(d.Parts))}
				groups[k] = g
				order = append(order, k)
			}
			g.parts[i] = append(g.parts[i], h)
		})
		if err != nil {
			return err
		}
	}
	for _, k := range order {
		g := groups[k]
		compare(d, d.contentKey(g.org, g.id), g.org, g.id, entityHash(d.Name, g.parts))
	}
	return nil
}

// checkBulkEntity streams a bulk-capable table: rows with entries of their
// own are compared one by one, the rest are summed per organisation.
func (s *DB) checkBulkEntity(ctx context.Context, tx *sql.Tx, d *Entity, last map[string]*lastContent, actual map[string]*setSum, compare func(d *Entity, key, org, id, h string)) error {
	return s.tableRows(ctx, tx, d.Parts[0], func(key []string, org string, row [32]byte) {
		id := key[0]
		h := singleHash(d.Name, row)
		k := d.contentKey(org, id)
		if last[k] != nil {
			compare(d, k, org, id, hex.EncodeToString(h[:]))
			return
		}
		sk := org + "|" + d.Name
		if actual[sk] == nil {
			actual[sk] = &setSum{}
		}
		actual[sk].add(h)
	})
}
