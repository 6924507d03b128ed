package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
)

// Change describes an audited state change written with Tx.Audit.
type Change struct {
	OrgID    OrgID  // empty for instance-wide changes
	Action   string // e.g. "user.create"
	Entity   string // e.g. "user"
	EntityID string
	Summary  string // never a password or token; see audit.Summarise
	// Actor, when set, made the change; else the actor is the one in the
	// context of the audit call. A transaction that writes the changes of
	// several requests at once (a batch of FHIR creates) names each one's.
	Actor *audit.Actor

	// BulkContent, set only by bulk writers, is the content hash to record
	// as it is (the BulkSet terms of a bulk write); Before is the entity's
	// content hash before the change, for a row a bulk write may have
	// added (see DB.BulkBefore). noContent records none (an action that
	// changes nothing).
	BulkContent string
	noContent   bool
	Before      string
}

// appendAudit makes the audit entry for c in tx and keeps it until the
// transaction commits (see chainAudit). The actor comes from ctx and the
// time is now. The entry records the content hash of the changed entity
// as it stands in tx (see DB.content), so call it after the change's last
// write to that entity.
func (s *DB) appendAudit(ctx context.Context, tx *Tx, c Change) error {
	contents, err := s.changeContents(ctx, tx, []Change{c})
	if err != nil {
		return err
	}
	tx.keep(ctx, c, contents[0])
	return tx.chainIfLong(ctx)
}

// chainAudit writes tx's kept audit entries, in the order they were
// made: the last step before the commit. On SQLite, the one writer chains
// them onto the log itself (see chainOnto), as does PostgreSQL before
// migration 0029 and a long transaction (see chainIfLong). Otherwise, on
// PostgreSQL they go to the queue, and the sealer chains them once the
// transaction has committed (see audit_seal.go), so that writers do not
// wait for each other's commits. A transaction that keeps auditChainAt entries writes them
// there and then (see chainIfLong), so that its memory stays bounded.
func (tx *Tx) chainAudit(ctx context.Context) error {
	if len(tx.pending) == 0 {
		return nil
	}
	queue, err := tx.s.queueing(ctx, tx)
	if err != nil {
		return err
	}
	if queue && !tx.direct {
		return tx.queueAudit(ctx)
	}
	if err := tx.s.dialect.lockAudit(ctx, tx.Tx); err != nil {
		return tx.s.Wrap(err, "lock audit log")
	}
	if err := tx.chainOnto(ctx, tx.pending); err != nil {
		return err
	}
	tx.pending = nil
	return nil
}

// chainOnto chains entries, in order, to the last entry of the log and
// writes them, many to an INSERT. The caller holds the log (SQLite's one
// writer, or the sealer's lock).
func (tx *Tx) chainOnto(ctx context.Context, entries []audit.Entry) error {
	s := tx.s
	prev := audit.Genesis
	var seq int64
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if err != nil && !NoRows(err) {
		return s.Wrap(err, "read audit chain head")
	}
	for i := range entries {
		e := &entries[i]
		seq++
		e.Seq, e.PrevHash = seq, prev
		e.Hash = audit.ComputeHash(*e)
		prev = e.Hash
	}
	if err := tx.writeAudit(ctx, entries); err != nil {
		return s.Wrap(err, "append audit entries")
	}
	return nil
}

// audited reports whether entity id has an audit entry with content,
// in the log or among tx's kept entries.
func (tx *Tx) audited(ctx context.Context, entity, id string) (bool, error) {
	for _, e := range tx.pending {
		if e.Entity == entity && e.EntityID == id && e.ContentHash != "" {
			return true, nil
		}
	}
	var audited bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM audit_log WHERE entity = $1 AND entity_id = $2 AND content_hash <> '')
		OR EXISTS (SELECT 1 FROM audit_queue WHERE entity = $1 AND entity_id = $2 AND content_hash <> '')`, entity, id).Scan(&audited)
	return audited, err
}

func Nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// AuditFilter narrows an audit listing. OrgID is required except for
// instance-wide verification.
type AuditFilter struct {
	OrgID    OrgID
	ActorID  string
	Action   string // prefix match, e.g. "user."
	Entity   string
	EntityID string
	From, To time.Time
	Before   int64 // seq cursor: entries with seq < Before (0 = newest)
	Limit    int
}

const auditCols = `seq, id, at, COALESCE(org_id, ''), COALESCE(actor_id, ''), actor_name, action, entity, entity_id, summary, request_id, prev_hash, content_hash, hash`

func scanAudit(sc interface{ Scan(...any) error }) (audit.Entry, error) {
	var e audit.Entry
	err := sc.Scan(&e.Seq, &e.ID, &e.At, &e.OrgID, &e.ActorID, &e.ActorName, &e.Action, &e.Entity, &e.EntityID, &e.Summary, &e.RequestID, &e.PrevHash, &e.ContentHash, &e.Hash)
	e.At = e.At.UTC()
	return e, err
}

// ListAudit returns an organisation's audit entries, newest first. An
// action prefix over MaxSearchText is Invalid.
func (s *DB) ListAudit(ctx context.Context, f AuditFilter) ([]audit.Entry, error) {
	if f.OrgID == "" {
		return nil, fmt.Errorf("store: list audit: organisation required")
	}
	where := []string{"org_id = $1"}
	args := []any{f.OrgID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.ActorID != "" {
		add("actor_id = $%d", f.ActorID)
	}
	if err := CheckSearch("action", f.Action); err != nil {
		return nil, err
	}
	if f.Action != "" {
		add(`action LIKE $%d ESCAPE '\'`, EscapeLike(f.Action)+"%")
	}
	if f.Entity != "" {
		add("entity = $%d", f.Entity)
	}
	if f.EntityID != "" {
		add("entity_id = $%d", f.EntityID)
	}
	if !f.From.IsZero() {
		add("at >= $%d", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("at < $%d", f.To.UTC())
	}
	if f.Before > 0 {
		add("seq < $%d", f.Before)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := `SELECT ` + auditCols + ` FROM audit_log WHERE ` + strings.Join(where, " AND ") + fmt.Sprintf(` ORDER BY seq DESC LIMIT %d`, f.Limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.Wrap(err, "list audit")
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, s.Wrap(err, "scan audit")
		}
		out = append(out, e)
	}
	return out, s.Wrap(rows.Err(), "list audit")
}

// MaxSearchText bounds search text (in characters): longer is Invalid, so a
// LIKE pattern never nears what an engine refuses (SQLite: 50,000 bytes).
const MaxSearchText = 200

// checkSearch refuses search text longer than MaxSearchText, naming field.
func CheckSearch(field, q string) error {
	if n := utf8.RuneCountInString(q); n > MaxSearchText {
		return &apperr.Error{Kind: apperr.Invalid, Message: "The search text is too long",
			Fields: map[string]string{field: fmt.Sprintf("Search text must be %d characters or fewer (it has %d)", MaxSearchText, n)}}
	}
	return nil
}

func EscapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// VerifyResult is the outcome of checking the whole audit chain.
type VerifyResult struct {
	Checked int64
	Break   *audit.Break
}

// VerifyAudit walks the whole chain in order and reports the first broken
// link, if any.
func (s *DB) VerifyAudit(ctx context.Context) (VerifyResult, error) {
	return s.verifyChain(ctx, 0, audit.Genesis)
}
