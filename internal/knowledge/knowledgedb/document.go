// Package knowledgedb is the SQL of the knowledge hub on the kernel's
// store.DB: documents and their versions, publication, sharing and the
// full-text search index. It is the only writer of the knowledge tables;
// it reads safety events (for lessons learned) through eventsdb.
package knowledgedb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/knowledge"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/google/uuid"
)

// DB is the knowledge hub's view of the database.
type DB struct {
	*store.DB
	ev *eventsdb.DB
}

// Events is the safety events wing's SQL the hub reads lessons from.
func (s *DB) Events() *eventsdb.DB { return s.ev }

// New returns the hub's SQL on db.
func New(db *store.DB) *DB { return &DB{DB: db, ev: eventsdb.New(db)} }

// Content lists the hub's audited entities and the tables that hold their
// content, for store.Open. The search index is derived from them.
func Content() []store.Entity {
	return []store.Entity{
		{Name: "knowledge_document", Parts: []store.Part{
			{Table: "knowledge_documents", Key: []string{"id"}},
			{Table: "knowledge_versions", Key: []string{"document_id"}},
		}, Derived: []string{"knowledge_search", "knowledge_search_fts", "knowledge_search_fts_data", "knowledge_search_fts_idx",
			"knowledge_search_fts_docsize", "knowledge_search_fts_config"}},
	}
}

// Document is a knowledge document: its settings, the version it shows
// (Shown) and the list of its versions.
type Document struct {
	ID          string            `json:"id"`
	OrgID       store.OrgID       `json:"-"`
	OrgName     string            `json:"organisation"`
	OrgODS      string            `json:"ods_code"`
	Ref         string            `json:"reference"`
	Kind        knowledge.Kind    `json:"kind"`
	Sharing     knowledge.Sharing `json:"sharing"`
	OwnerID     string            `json:"owner_id,omitempty"`
	OwnerName   string            `json:"owner_name,omitempty"`
	ReviewOn    string            `json:"review_on,omitempty"`
	Tags        []string          `json:"tags"`
	SystemTypes []string          `json:"system_types"`
	Links       []knowledge.Link  `json:"links"`
	Source      string            `json:"source,omitempty"`
	// Published is the number of the version readers see (0 for none
	// yet); Latest the newest, a draft when it is larger.
	Published int       `json:"published_version"`
	Latest    int       `json:"latest_version"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	Shown    *Version  `json:"shown,omitempty"`
	Versions []Version `json:"versions,omitempty"`
}

// HasDraft reports whether the newest version is not yet published.
func (d Document) HasDraft() bool { return d.Latest > d.Published }

// ReviewOverdue reports whether the document's review date has passed.
func (d Document) ReviewOverdue(now time.Time) bool {
	day, err := time.Parse(time.DateOnly, d.ReviewOn)
	return err == nil && d.Published > 0 && day.Before(clock.Today(now))
}

// Draft is the document's settings with the content of version v, as an
// editor's form starts.
func (d Document) Draft(v Version) knowledge.Draft {
	return knowledge.Draft{Kind: d.Kind, Title: v.Title, Summary: v.Summary, Body: v.Body, Sharing: d.Sharing, OwnerID: d.OwnerID,
		ReviewOn: d.ReviewOn, Tags: d.Tags, SystemTypes: d.SystemTypes, Links: d.Links, Confirmed: v.Confirmed}
}

// Version is one version of a document.
type Version struct {
	Number         int        `json:"number"`
	Title          string     `json:"title"`
	Summary        string     `json:"summary"`
	Body           string     `json:"body,omitempty"`
	Note           string     `json:"note,omitempty"`
	AuthorID       string     `json:"author_id,omitempty"`
	AuthorName     string     `json:"author_name,omitempty"`
	Confirmed      []string   `json:"confirmed,omitempty"`
	ApprovedBy     string     `json:"approved_by,omitempty"`
	ApprovedByName string     `json:"approved_by_name,omitempty"`
	PublishedAt    *time.Time `json:"published_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	// Status is draft, published (the one readers see) or superseded.
	Status string `json:"status"`
}

const docCols = `d.id, d.org_id, o.name, o.ods_code, d.ref, d.kind, d.sharing, COALESCE(d.owner_id, ''), COALESCE(u.name, ''), d.review_on,
	d.tags, d.system_types, d.links, d.source, d.published, d.latest, d.version, d.created_at, d.updated_at`

const docFrom = ` FROM knowledge_documents d JOIN organisations o ON o.id = d.org_id LEFT JOIN users u ON u.id = d.owner_id`

type scanner interface{ Scan(...any) error }

func scanDoc(sc scanner) (Document, error) {
	var d Document
	var tags, types, links string
	err := sc.Scan(&d.ID, &d.OrgID, &d.OrgName, &d.OrgODS, &d.Ref, &d.Kind, &d.Sharing, &d.OwnerID, &d.OwnerName, &d.ReviewOn,
		&tags, &types, &links, &d.Source, &d.Published, &d.Latest, &d.Version, &d.CreatedAt, &d.UpdatedAt)
	if err != nil {
		return d, err
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	d.Tags, d.SystemTypes = knowledge.Unbar(tags), knowledge.Unbar(types)
	if err := json.Unmarshal([]byte(links), &d.Links); err != nil {
		return d, fmt.Errorf("knowledge document %s: links: %w", d.ID, err)
	}
	return d, nil
}

const versionCols = `v.number, v.title, v.summary, v.body, v.note, COALESCE(v.author_id, ''), COALESCE(a.name, ''), v.confirmed,
	COALESCE(v.approved_by, ''), COALESCE(p.name, ''), v.published_at, v.created_at, v.updated_at`

const versionFrom = ` FROM knowledge_versions v LEFT JOIN users a ON a.id = v.author_id LEFT JOIN users p ON p.id = v.approved_by`

func scanVersion(sc scanner, published int) (Version, error) {
	var v Version
	var confirmed string
	var pub sql.NullTime
	err := sc.Scan(&v.Number, &v.Title, &v.Summary, &v.Body, &v.Note, &v.AuthorID, &v.AuthorName, &confirmed, &v.ApprovedBy, &v.ApprovedByName,
		&pub, &v.CreatedAt, &v.UpdatedAt)
	if err != nil {
		return v, err
	}
	v.CreatedAt, v.UpdatedAt = v.CreatedAt.UTC(), v.UpdatedAt.UTC()
	if pub.Valid {
		t := pub.Time.UTC()
		v.PublishedAt = &t
	}
	v.Confirmed = knowledge.Unbar(confirmed)
	switch {
	case v.Number == published:
		v.Status = "published"
	case v.Number > published:
		v.Status = "draft"
	default:
		v.Status = "superseded"
	}
	return v, nil
}

// audience is who reads: the organisation of a signed-in person, or
// nobody's (the public pages).
type audience struct {
	org    store.OrgID
	public bool
}

// visible is the SQL condition on d (knowledge_documents) for what a
// reader sees, with the reader's organisation as $n: their own
// organisation's documents, and the published documents shared with a
// network it belongs to or with everyone.
func visible(n int) string {
	return fmt.Sprintf(`(d.org_id = $%[1]d OR (d.published > 0 AND (d.sharing = 'public' OR (d.sharing = 'network' AND d.org_id IN
		(SELECT b.org_id FROM network_members a JOIN network_members b ON b.network_id = a.network_id WHERE a.org_id = $%[1]d)))))`, n)
}

// Get returns document id as a member of orgID sees it: any document of
// orgID, or a published document another organisation shares with it.
// The shown version is n (0 for the published one, or the draft when
// nothing is published yet). NotFound otherwise.
func (s *DB) Get(ctx context.Context, orgID store.OrgID, id string, n int) (Document, error) {
	return s.get(ctx, audience{org: orgID}, id, n)
}

// GetPublic returns a public document of the organisation with ODS code
// ods, showing its published version (or n, when n is published or older):
// what anyone may read without signing in.
func (s *DB) GetPublic(ctx context.Context, ods, id string, n int) (Document, error) {
	d, err := s.get(ctx, audience{public: true}, id, n)
	if err == nil && !strings.EqualFold(d.OrgODS, ods) {
		return Document{}, store.NotFound("Document")
	}
	return d, err
}

func (s *DB) get(ctx context.Context, a audience, id string, n int) (Document, error) {
	if uuid.Validate(id) != nil || n < 0 || n > 1_000_000 {
		return Document{}, store.NotFound("Document")
	}
	q, args := `SELECT `+docCols+docFrom+` WHERE d.id = $1 AND `+visible(2), []any{id, a.org}
	if a.public {
		q, args = `SELECT `+docCols+docFrom+` WHERE d.id = $1 AND d.sharing = 'public' AND d.published > 0`, []any{id}
	}
	d, err := scanDoc(s.SQL().QueryRowContext(ctx, q, args...))
	if err != nil {
		return d, s.One(err, "Document", "read knowledge document %s", id)
	}
	own := !a.public && d.OrgID == a.org
	if err := s.loadVersions(ctx, s.SQL(), &d, own); err != nil {
		return d, err
	}
	if n == 0 {
		n = d.Published
		if n == 0 {
			n = d.Latest
		}
	}
	if !own && n > d.Published {
		return d, store.NotFound("Version")
	}
	v, err := s.version(ctx, s.SQL(), d, n)
	if err != nil {
		return d, err
	}
	d.Shown = &v
	return d, nil
}

// loadVersions lists d's versions (without bodies), newest first; another
// organisation's readers see only published ones.
func (s *DB) loadVersions(ctx context.Context, q store.Querier, d *Document, own bool) error {
	rows, err := q.QueryContext(ctx, `SELECT `+strings.Replace(versionCols, "v.body", "''", 1)+versionFrom+
		` WHERE v.document_id = $1 AND v.org_id = $2 ORDER BY v.number DESC`, d.ID, d.OrgID)
	if err != nil {
		return s.Wrap(err, "list versions of %s", d.ID)
	}
	defer rows.Close()
	d.Versions = nil
	for rows.Next() {
		v, err := scanVersion(rows, d.Published)
		if err != nil {
			return s.Wrap(err, "list versions of %s", d.ID)
		}
		if own || v.Number <= d.Published {
			d.Versions = append(d.Versions, v)
		}
	}
	return s.Wrap(rows.Err(), "list versions of %s", d.ID)
}

func (s *DB) version(ctx context.Context, q store.Querier, d Document, n int) (Version, error) {
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionCols+versionFrom+` WHERE v.document_id = $1 AND v.org_id = $2 AND v.number = $3`,
		d.ID, d.OrgID, n), d.Published)
	return v, s.One(err, "Version", "read version %d of %s", n, d.ID)
}

// Version returns version n of a document orgID may read (another
// organisation's readers only published and older versions).
func (s *DB) Version(ctx context.Context, orgID store.OrgID, id string, n int) (Version, error) {
	if n <= 0 {
		return Version{}, store.NotFound("Version")
	}
	d, err := s.Get(ctx, orgID, id, n)
	if err != nil {
		return Version{}, err
	}
	return *d.Shown, nil
}

// checkOwner checks the owner is a member of orgID; the actor by default.
func (s *DB) checkOwner(ctx context.Context, q store.Querier, orgID store.OrgID, d *knowledge.Draft) error {
	if d.OwnerID == "" {
		d.OwnerID = audit.ActorFrom(ctx).UserID
	}
	if d.OwnerID == "" {
		return nil
	}
	if uuid.Validate(d.OwnerID) != nil {
		return apperr.Field("owner_id", "Select an owner from this organisation's people")
	}
	roles, err := s.MemberRoles(ctx, q, orgID, d.OwnerID)
	if err != nil {
		return err
	}
	if len(roles) == 0 {
		return apperr.Field("owner_id", "Select an owner from this organisation's people")
	}
	return nil
}

func nullID(id string) any {
	if id == "" {
		return nil
	}
	return id
}

// Create adds a document of orgID whose first version is a draft of d.
// source is "" for a document written here (see CreateLesson and
// InstallBuiltIns for the others). TooLarge for an oversize body; Invalid
// with per-field messages.
func (s *DB) Create(ctx context.Context, orgID store.OrgID, d knowledge.Draft) (Document, error) {
	if d.Kind == knowledge.Lesson {
		return Document{}, apperr.Field("kind", "A lesson learned is published from a closed event or a completed learning response")
	}
	return s.create(ctx, orgID, d, "", false)
}

func (s *DB) create(ctx context.Context, orgID store.OrgID, d knowledge.Draft, source string, publish bool) (Document, error) {
	if err := d.Check(); err != nil {
		return Document{}, err
	}
	id := store.NewID()
	var out Document
	err := s.Tx(ctx, func(tx *store.Tx) error {
		if err := s.checkOwner(ctx, tx, orgID, &d); err != nil {
			return err
		}
		n, err := s.NextRef(ctx, tx, orgID, "knowledge")
		if err != nil {
			return err
		}
		now := s.Now()
		links, _ := json.Marshal(orEmpty(d.Links))
		if _, err := tx.ExecContext(ctx, `INSERT INTO knowledge_documents (id, org_id, ref, kind, sharing, owner_id, review_on, tags, system_types, links,
			source, published, latest, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, 1, 1, $12, $12)`,
			id, orgID, fmt.Sprintf("KD-%03d", n), string(d.Kind), string(d.Sharing), nullID(d.OwnerID), d.ReviewOn, knowledge.Bar(d.Tags),
			knowledge.Bar(d.SystemTypes), string(links), source, now); err != nil {
			return s.Wrap(err, "create knowledge document")
		}
		if err := s.insertVersion(ctx, tx, orgID, id, 1, d); err != nil {
			return err
		}
		if err := tx.Audit(ctx, store.Change{OrgID: orgID, Action: "knowledge_document.create", Entity: "knowledge_document", EntityID: id,
			Summary: audit.Summarise("kind", string(d.Kind), "title", d.Title, "sharing", string(d.Sharing))}); err != nil {
			return err
		}
		if publish {
			if err := s.publish(ctx, tx, orgID, id, ""); err != nil {
				return err
			}
		}
		out, err = s.own(ctx, tx, orgID, id)
		return err
	})
	return out, err
}

func orEmpty(ls []knowledge.Link) []knowledge.Link {
	if ls == nil {
		return []knowledge.Link{}
	}
	return ls
}

func (s *DB) insertVersion(ctx context.Context, tx *store.Tx, orgID store.OrgID, id string, n int, d knowledge.Draft) error {
	now := s.Now()
	_, err := tx.ExecContext(ctx, `INSERT INTO knowledge_versions (document_id, org_id, number, title, summary, body, note, author_id, confirmed,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
		id, orgID, n, d.Title, d.Summary, d.Body, d.Note, nullID(audit.ActorFrom(ctx).UserID), knowledge.Bar(d.Confirmed), now)
	return s.Wrap(err, "add version %d of %s", n, id)
}

// own reads a document of orgID with its versions and its newest version
// shown, inside q.
func (s *DB) own(ctx context.Context, q store.Querier, orgID store.OrgID, id string) (Document, error) {
	if uuid.Validate(id) != nil {
		return Document{}, store.NotFound("Document")
	}
	d, err := scanDoc(q.QueryRowContext(ctx, `SELECT `+docCols+docFrom+` WHERE d.id = $1 AND d.org_id = $2`, id, orgID))
	if err != nil {
		return d, s.One(err, "Document", "read knowledge document %s", id)
	}
	if err := s.loadVersions(ctx, q, &d, true); err != nil {
		return d, err
	}
	v, err := s.version(ctx, q, d, d.Latest)
	if err != nil {
		return d, err
	}
	d.Shown = &v
	return d, nil
}

// Own returns a document of orgID with its newest version shown (the
// editor's view); NotFound for another organisation's.
func (s *DB) Own(ctx context.Context, orgID store.OrgID, id string) (Document, error) {
	return s.own(ctx, s.SQL(), orgID, id)
}

// SaveDraft writes d as the newest version of document id of orgID: a new
// draft when the newest is published, else a change to the draft. The
// document's settings (sharing, owner, review date, tags, system types,
// links) change at once. version is the document's version the editor
// read: Conflict when it has changed since. The kind cannot change.
func (s *DB) SaveDraft(ctx context.Context, orgID store.OrgID, id string, version int, d knowledge.Draft) (Document, error) {
	if err := d.Check(); err != nil {
		return Document{}, err
	}
	var out Document
	err := s.Tx(ctx, func(tx *store.Tx) error {
		old, err := s.own(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if d.Kind != old.Kind {
			return apperr.Field("kind", "The kind of a document cannot change: write a new document instead")
		}
		if old.Version != version {
			return apperr.New(apperr.Conflict, "Someone else changed this document while you were editing it. Check the latest version and make your change again.")
		}
		if err := s.checkOwner(ctx, tx, orgID, &d); err != nil {
			return err
		}
		n := old.Latest
		if old.HasDraft() {
			if _, err := tx.ExecContext(ctx, `UPDATE knowledge_versions SET title = $1, summary = $2, body = $3, note = $4, confirmed = $5,
				author_id = $6, updated_at = $7 WHERE document_id = $8 AND org_id = $9 AND number = $10`,
				d.Title, d.Summary, d.Body, d.Note, knowledge.Bar(d.Confirmed), nullID(audit.ActorFrom(ctx).UserID), s.Now(), id, orgID, n); err != nil {
				return s.Wrap(err, "save draft of %s", id)
			}
		} else {
			n++
			if err := s.insertVersion(ctx, tx, orgID, id, n, d); err != nil {
				return err
			}
		}
		links, _ := json.Marshal(orEmpty(d.Links))
		if _, err := tx.ExecContext(ctx, `UPDATE knowledge_documents SET sharing = $1, owner_id = $2, review_on = $3, tags = $4, system_types = $5,
			links = $6, latest = $7, version = version + 1, updated_at = $8 WHERE id = $9 AND org_id = $10`,
			string(d.Sharing), nullID(d.OwnerID), d.ReviewOn, knowledge.Bar(d.Tags), knowledge.Bar(d.SystemTypes), string(links), n, s.Now(), id, orgID); err != nil {
			return s.Wrap(err, "save knowledge document %s", id)
		}
		if err := s.reindex(ctx, tx, orgID, id); err != nil {
			return err
		}
		if err := tx.Audit(ctx, store.Change{OrgID: orgID, Action: "knowledge_document.draft", Entity: "knowledge_document", EntityID: id,
			Summary: audit.Summarise("version", fmt.Sprint(n), "title", d.Title, "sharing", string(d.Sharing))}); err != nil {
			return err
		}
		out, err = s.own(ctx, tx, orgID, id)
		return err
	})
	return out, err
}

// Publish makes the draft of document id the version readers see; the
// version it replaces stays readable. version is the document's version
// the editor read (Conflict when changed). A lesson learned needs every
// de-identification flag edited away or confirmed, and is approved by
// someone other than its draft's author: both are Invalid otherwise.
func (s *DB) Publish(ctx context.Context, orgID store.OrgID, id string, version int) (Document, error) {
	var out Document
	err := s.Tx(ctx, func(tx *store.Tx) error {
		old, err := s.own(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if old.Version != version {
			return apperr.New(apperr.Conflict, "Someone else changed this document since you read it. Read the latest version before publishing it.")
		}
		if !old.HasDraft() {
			return apperr.New(apperr.Invalid, "There is no draft to publish: version %d is already published", old.Published)
		}
		approver := ""
		if old.Kind == knowledge.Lesson {
			actor := audit.ActorFrom(ctx).UserID
			if actor == "" || actor == old.Shown.AuthorID {
				return apperr.New(apperr.Invalid, "Someone other than the author of this draft must approve a lesson learned before it is published")
			}
			flags, err := s.flags(ctx, orgID, old, *old.Shown)
			if err != nil {
				return err
			}
			if n := len(knowledge.Unconfirmed(flags, old.Shown.Confirmed)); n > 0 {
				return apperr.New(apperr.Invalid, "The de-identification check has %d unconfirmed findings: the author must edit them away or confirm each is not patient detail", n)
			}
			approver = actor
		}
		if err := s.publish(ctx, tx, orgID, id, approver); err != nil {
			return err
		}
		out, err = s.own(ctx, tx, orgID, id)
		return err
	})
	return out, err
}

// publish makes the newest version of id the published one, and indexes it.
func (s *DB) publish(ctx context.Context, tx *store.Tx, orgID store.OrgID, id, approver string) error {
	now := s.Now()
	var n int
	if err := tx.QueryRowContext(ctx, `UPDATE knowledge_documents SET published = latest, version = version + 1, updated_at = $1
		WHERE id = $2 AND org_id = $3 RETURNING latest`, now, id, orgID).Scan(&n); err != nil {
		return s.Wrap(err, "publish %s", id)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE knowledge_versions SET published_at = $1, approved_by = $2 WHERE document_id = $3 AND org_id = $4 AND number = $5`,
		now, nullID(approver), id, orgID, n); err != nil {
		return s.Wrap(err, "publish %s", id)
	}
	if err := s.reindex(ctx, tx, orgID, id); err != nil {
		return err
	}
	summary := audit.Summarise("version", fmt.Sprint(n))
	if approver != "" {
		summary = audit.Summarise("version", fmt.Sprint(n), "approved_by", audit.ActorFrom(ctx).Name)
	}
	return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "knowledge_document.publish", Entity: "knowledge_document", EntityID: id, Summary: summary})
}

// reindex writes the search row of document id from its published
// version and settings (none before the first is published).
func (s *DB) reindex(ctx context.Context, tx *store.Tx, orgID store.OrgID, id string) error {
	var kind, sharing, tags, title, summary, body string
	err := tx.QueryRowContext(ctx, `SELECT d.kind, d.sharing, d.tags, v.title, v.summary, v.body FROM knowledge_documents d
		JOIN knowledge_versions v ON v.document_id = d.id AND v.number = d.published WHERE d.id = $1 AND d.org_id = $2`, id, orgID).
		Scan(&kind, &sharing, &tags, &title, &summary, &body)
	if store.NoRows(err) {
		return nil
	}
	if err != nil {
		return s.Wrap(err, "index %s", id)
	}
	text := strings.TrimSpace(summary + "\n\n" + body)
	_, err = tx.ExecContext(ctx, `INSERT INTO knowledge_search (document_id, org_id, kind, sharing, tags, title, body) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (document_id) DO UPDATE SET kind = excluded.kind, sharing = excluded.sharing, tags = excluded.tags, title = excluded.title, body = excluded.body`,
		id, orgID, kind, sharing, tags, title, text)
	return s.Wrap(err, "index %s", id)
}

// Flags is the de-identification check of a lesson learned's version v:
// what in its text may identify a patient, with the names of the patients
// of the event it came from, when recorded.
func (s *DB) Flags(ctx context.Context, orgID store.OrgID, d Document, v Version) ([]knowledge.Flag, error) {
	return s.flags(ctx, orgID, d, v)
}

func (s *DB) flags(ctx context.Context, orgID store.OrgID, d Document, v Version) ([]knowledge.Flag, error) {
	if d.Kind != knowledge.Lesson {
		return nil, nil
	}
	names, err := s.patientNames(ctx, orgID, d.Source)
	if err != nil {
		return nil, err
	}
	return knowledge.CheckDeidentified(v.Title+"\n"+v.Summary+"\n"+v.Body, names), nil
}

// ListFilter selects an organisation's own documents for its editors'
// lists.
type ListFilter struct {
	Drafts bool // only those with a draft
	Kind   knowledge.Kind
}

// List returns orgID's own documents (newest change first), with their
// newest version's title shown.
func (s *DB) List(ctx context.Context, orgID store.OrgID, f ListFilter, limit int) ([]Document, error) {
	q := `SELECT ` + docCols + `, v.title, v.summary` + docFrom + ` JOIN knowledge_versions v ON v.document_id = d.id AND v.number = d.latest WHERE d.org_id = $1`
	args := []any{orgID}
	if f.Drafts {
		q += ` AND d.latest > d.published`
	}
	if f.Kind != "" {
		args = append(args, string(f.Kind))
		q += fmt.Sprintf(` AND d.kind = $%d`, len(args))
	}
	args = append(args, min(max(limit, 1), 500))
	q += fmt.Sprintf(` ORDER BY d.updated_at DESC, d.id LIMIT $%d`, len(args))
	rows, err := s.SQL().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.Wrap(err, "list knowledge documents")
	}
	defer rows.Close()
	var out []Document
	for rows.Next() {
		var d Document
		var v Version
		var tags, types, links string
		if err := rows.Scan(&d.ID, &d.OrgID, &d.OrgName, &d.OrgODS, &d.Ref, &d.Kind, &d.Sharing, &d.OwnerID, &d.OwnerName, &d.ReviewOn,
			&tags, &types, &links, &d.Source, &d.Published, &d.Latest, &d.Version, &d.CreatedAt, &d.UpdatedAt, &v.Title, &v.Summary); err != nil {
			return nil, s.Wrap(err, "list knowledge documents")
		}
		d.Tags, d.SystemTypes = knowledge.Unbar(tags), knowledge.Unbar(types)
		v.Number = d.Latest
		d.Shown = &v
		out = append(out, d)
	}
	return out, s.Wrap(rows.Err(), "list knowledge documents")
}

// OverdueReviews are the published documents of orgID owned by userID
// whose review date has passed, oldest first.
func (s *DB) OverdueReviews(ctx context.Context, orgID store.OrgID, userID string) ([]Document, error) {
	if uuid.Validate(userID) != nil {
		return nil, nil
	}
	today := clock.Today(s.Now()).Format(time.DateOnly)
	rows, err := s.SQL().QueryContext(ctx, `SELECT `+docCols+`, v.title`+docFrom+` JOIN knowledge_versions v ON v.document_id = d.id AND v.number = d.published
		WHERE d.org_id = $1 AND d.owner_id = $2 AND d.published > 0 AND d.review_on <> '' AND d.review_on < $3 ORDER BY d.review_on, d.id LIMIT 100`,
		orgID, userID, today)
	if err != nil {
		return nil, s.Wrap(err, "overdue reviews")
	}
	defer rows.Close()
	var out []Document
	for rows.Next() {
		var d Document
		var v Version
		var tags, types, links string
		if err := rows.Scan(&d.ID, &d.OrgID, &d.OrgName, &d.OrgODS, &d.Ref, &d.Kind, &d.Sharing, &d.OwnerID, &d.OwnerName, &d.ReviewOn,
			&tags, &types, &links, &d.Source, &d.Published, &d.Latest, &d.Version, &d.CreatedAt, &d.UpdatedAt, &v.Title); err != nil {
			return nil, s.Wrap(err, "overdue reviews")
		}
		d.Shown = &v
		out = append(out, d)
	}
	return out, s.Wrap(rows.Err(), "overdue reviews")
}

// BySource returns orgID's document made from source ("event:ID", ...);
// false when there is none.
func (s *DB) BySource(ctx context.Context, orgID store.OrgID, source string) (Document, bool, error) {
	var id string
	err := s.SQL().QueryRowContext(ctx, `SELECT id FROM knowledge_documents WHERE org_id = $1 AND source = $2 ORDER BY created_at LIMIT 1`, orgID, source).Scan(&id)
	if store.NoRows(err) {
		return Document{}, false, nil
	}
	if err != nil {
		return Document{}, false, s.Wrap(err, "document from %s", source)
	}
	d, err := s.Own(ctx, orgID, id)
	return d, err == nil, err
}
