package trainingdb

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/training"
)

// MaxEvidenceFile is the largest upload of evidence.
const MaxEvidenceFile = 5 << 20

// EvidenceRenewalMonths is how long accepted evidence of training done
// elsewhere counts from the date of the training unless the educator who
// accepts it says otherwise (the renewal period of clinsafe's clinical
// safety courses); MaxEvidenceYears is the longest they may say.
const (
	EvidenceRenewalMonths = 36
	MaxEvidenceYears      = 10
)

// Evidence statuses.
const (
	EvidenceSubmitted = "submitted"
	EvidenceAccepted  = "accepted"
	EvidenceRejected  = "rejected"
)

// Evidence is a learner's record of training done elsewhere, with its
// certificate, for an educator to accept or reject.
type Evidence struct {
	ID             string     `json:"id"`
	UserID         string     `json:"user_id"`
	UserName       string     `json:"user_name"`
	Title          string     `json:"title"`
	Provider       string     `json:"provider"`
	CompletedOn    string     `json:"completed_on"`
	ClinicalSafety bool       `json:"clinical_safety"`
	FileName       string     `json:"file_name"`
	ContentType    string     `json:"content_type"`
	FileSize       int        `json:"file_size"`
	Status         string     `json:"status"`
	Reason         string     `json:"reason,omitempty"`
	ReviewedBy     string     `json:"reviewed_by,omitempty"`
	ReviewedAt     *time.Time `json:"reviewed_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	Version        int        `json:"version"`
	// ExpiresAt is when accepted evidence stops counting, as the educator
	// who accepted it set it.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// DefaultExpiresOn is the date (YYYY-MM-DD) accepted evidence counts until
// unless the educator says otherwise: EvidenceRenewalMonths after the
// training.
func (e Evidence) DefaultExpiresOn() string {
	done, err := time.Parse(time.DateOnly, e.CompletedOn)
	if err != nil {
		return ""
	}
	return training.AddMonths(done, EvidenceRenewalMonths).Format(time.DateOnly)
}

// NewEvidence is evidence as a learner records it.
type NewEvidence struct {
	Title, Provider, CompletedOn string
	ClinicalSafety               bool
	FileName                     string
	Data                         []byte
}

// FileType is the type of an uploaded file by its first bytes: PDF, PNG
// or JPEG, or "" for anything else.
func FileType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	}
	return ""
}

// fileExts are the name endings that agree with each FileType, the first
// the usual one; fileWords say the type.
var (
	fileExts  = map[string][]string{"application/pdf": {".pdf"}, "image/png": {".png"}, "image/jpeg": {".jpg", ".jpeg"}}
	fileWords = map[string]string{"application/pdf": "a PDF", "image/png": "a PNG image", "image/jpeg": "a JPEG image"}
)

// nameDisagrees says why a file's name does not agree with its type ct
// (its extension, whatever its case, must be one of ct's), or "".
func nameDisagrees(name, ct string) string {
	ext := strings.ToLower(path.Ext(name))
	if slices.Contains(fileExts[ct], ext) {
		return ""
	}
	ends := "its name has no extension"
	if ext != "" && ext != "." {
		ends = "its name ends " + ext
	}
	return "The file is " + fileWords[ct] + " but " + ends + ": rename it to end " + fileExts[ct][0] + ", or choose the right file"
}

// DownloadName is a safe name to download a file of type ct as, from the
// name it was uploaded with: letters, digits, dots, dashes and
// underscores only, ending with an extension of ct.
func DownloadName(name, ct string) string {
	ext := strings.ToLower(path.Ext(name))
	if !slices.Contains(fileExts[ct], ext) {
		ext = ""
		if es := fileExts[ct]; len(es) > 0 {
			ext = es[0]
		}
	}
	stem := strings.TrimSuffix(name, path.Ext(name))
	var b strings.Builder
	gap := false
	for _, r := range stem {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			gap = false
			continue
		}
		gap = true
	}
	out := strings.Trim(b.String(), "._-")
	if len(out) > 100 {
		out = out[:100]
	}
	if out == "" {
		out = "evidence"
	}
	return out + ext
}

// AddEvidence records learner userID's evidence. Invalid per field
// (title, provider, completed_on, file) for what is missing or wrong;
// TooLarge for a file over MaxEvidenceFile.
func (s *DB) AddEvidence(ctx context.Context, orgID store.OrgID, userID string, n NewEvidence) (Evidence, error) {
	if len(n.Data) > MaxEvidenceFile {
		return Evidence{}, apperr.New(apperr.TooLarge, "The file must be smaller than %d MB", MaxEvidenceFile>>20)
	}
	var f apperr.Fields
	n.Title, n.Provider = strings.Join(strings.Fields(n.Title), " "), strings.Join(strings.Fields(n.Provider), " ")
	f.Check(n.Title == "", "title", "Enter the name of the course or training")
	f.Check(utf8.RuneCountInString(n.Title) > 200, "title", "Name must be 200 characters or fewer")
	f.Check(n.Provider == "", "provider", "Enter who provided the training")
	f.Check(utf8.RuneCountInString(n.Provider) > 200, "provider", "Provider must be 200 characters or fewer")
	if d, err := time.Parse(time.DateOnly, n.CompletedOn); err != nil {
		f.Add("completed_on", "Enter the date you completed the training, like 15 3 2026")
	} else if d.After(clock.Today(s.Now())) {
		f.Add("completed_on", "The date you completed the training must be today or in the past")
	}
	ct := FileType(n.Data)
	name := path.Base(strings.ReplaceAll(n.FileName, `\`, "/"))
	switch {
	case len(n.Data) == 0:
		f.Add("file", "Select the certificate or record of the training")
	case ct == "":
		f.Add("file", "The file must be a PDF, PNG or JPEG")
	case !utf8.ValidString(name):
		f.Add("file", "The file's name must be text: rename the file")
	case len(name) > 200:
		f.Add("file", "The file's name must be 200 characters or fewer")
	default:
		f.Check(nameDisagrees(name, ct) != "", "file", nameDisagrees(name, ct))
	}
	if err := f.Err(); err != nil {
		return Evidence{}, err
	}
	id := store.NewID()
	err := s.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO training_evidence (id, org_id, user_id, title, provider, completed_on, clinical_safety, file_name, content_type, file_size, file_data, status, created_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'submitted', $12, 1)`, id, orgID, userID, n.Title, n.Provider, n.CompletedOn, n.ClinicalSafety,
			name, ct, len(n.Data), base64.StdEncoding.EncodeToString(n.Data), s.Now()); err != nil {
			return s.Wrap(err, "record evidence")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "training_evidence.create", Entity: "training_evidence", EntityID: id,
			Summary: audit.Summarise("title", n.Title, "provider", n.Provider, "file", fmt.Sprintf("%s (%d bytes)", ct, len(n.Data)))})
	})
	if err != nil {
		return Evidence{}, err
	}
	return s.Evidence(ctx, orgID, id)
}

const evidenceCols = `e.id, e.user_id, u.name, e.title, e.provider, e.completed_on, e.clinical_safety, e.file_name, e.content_type, e.file_size, e.status, e.reason, e.reviewed_by, e.reviewed_at, e.created_at, e.version, k.expires_at`

const evidenceFrom = ` FROM training_evidence e JOIN users u ON u.id = e.user_id LEFT JOIN training_completions k ON k.evidence_id = e.id AND k.org_id = e.org_id`

func scanEvidence(sc interface{ Scan(...any) error }) (Evidence, error) {
	var e Evidence
	err := sc.Scan(&e.ID, &e.UserID, &e.UserName, &e.Title, &e.Provider, &e.CompletedOn, &e.ClinicalSafety, &e.FileName, &e.ContentType, &e.FileSize,
		&e.Status, &e.Reason, &e.ReviewedBy, &e.ReviewedAt, &e.CreatedAt, &e.Version, &e.ExpiresAt)
	e.ReviewedAt, e.CreatedAt, e.ExpiresAt = utc(e.ReviewedAt), e.CreatedAt.UTC(), utc(e.ExpiresAt)
	return e, err
}

// Evidence returns one record of evidence; NotFound for another
// organisation's. Callers check that the reader is its learner or an
// educator.
func (s *DB) Evidence(ctx context.Context, orgID store.OrgID, id string) (Evidence, error) {
	e, err := scanEvidence(s.SQL().QueryRowContext(ctx, `SELECT `+evidenceCols+evidenceFrom+` WHERE e.org_id = $1 AND e.id = $2`, orgID, id))
	return e, s.One(err, "Evidence", "get evidence")
}

// EvidenceFile returns the uploaded file of evidence id.
func (s *DB) EvidenceFile(ctx context.Context, orgID store.OrgID, id string) ([]byte, error) {
	var raw string
	if err := s.SQL().QueryRowContext(ctx, `SELECT file_data FROM training_evidence WHERE org_id = $1 AND id = $2`, orgID, id).Scan(&raw); err != nil {
		return nil, s.One(err, "Evidence", "get evidence file")
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	return b, s.Wrap(err, "decode evidence file")
}

// EvidenceList lists the organisation's evidence, newest first: of one
// learner when userID is set, in one status when status is set.
func (s *DB) EvidenceList(ctx context.Context, orgID store.OrgID, userID, status string) ([]Evidence, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT `+evidenceCols+evidenceFrom+`
		WHERE e.org_id = $1 AND ($2 = '' OR e.user_id = $2) AND ($3 = '' OR e.status = $3) ORDER BY e.created_at DESC, e.id DESC`, orgID, userID, status)
	if err != nil {
		return nil, s.Wrap(err, "list evidence")
	}
	defer rows.Close()
	var out []Evidence
	for rows.Next() {
		e, err := scanEvidence(rows)
		if err != nil {
			return nil, s.Wrap(err, "scan evidence")
		}
		out = append(out, e)
	}
	return out, s.Wrap(rows.Err(), "list evidence")
}

// ReviewEvidence accepts or rejects evidence submitted for review;
// accepted evidence counts until its DefaultExpiresOn (ReviewEvidenceUntil).
func (s *DB) ReviewEvidence(ctx context.Context, orgID store.OrgID, id string, version int, accept bool, reason string) (Evidence, error) {
	return s.ReviewEvidenceUntil(ctx, orgID, id, version, accept, reason, "")
}

// ReviewEvidenceUntil accepts or rejects evidence submitted for review;
// accepted evidence counts as a completion (tagged clinical safety when
// the learner said so) from the date the training was done until
// expiresOn (YYYY-MM-DD; empty for DefaultExpiresOn). Invalid (field
// "reason") for a rejection without a reason, (field "expires_on") for an
// expiry that is not a date, not after the training or more than
// MaxEvidenceYears after it; Forbidden for the learner's own evidence;
// Conflict when stale or reviewed already.
func (s *DB) ReviewEvidenceUntil(ctx context.Context, orgID store.OrgID, id string, version int, accept bool, reason, expiresOn string) (Evidence, error) {
	e, err := s.Evidence(ctx, orgID, id)
	if err != nil {
		return e, err
	}
	done, _ := time.Parse(time.DateOnly, e.CompletedOn)
	if expiresOn == "" {
		expiresOn = e.DefaultExpiresOn()
	}
	expires, err := time.Parse(time.DateOnly, expiresOn)
	switch {
	case !accept:
	case err != nil:
		return e, apperr.Field("expires_on", "Enter the date the evidence counts until as a real date, for example 15 3 2029")
	case !expires.After(done):
		return e, apperr.Field("expires_on", "The date the evidence counts until must be after the date the training was done")
	case expires.After(done.AddDate(MaxEvidenceYears, 0, 0)):
		return e, apperr.Field("expires_on", fmt.Sprintf("The date the evidence counts until must be at most %d years after the training", MaxEvidenceYears))
	}
	actor := audit.ActorFrom(ctx)
	if actor.UserID == e.UserID {
		return e, apperr.New(apperr.Forbidden, "Someone else must review your own evidence")
	}
	reason = strings.TrimSpace(reason)
	if !accept && reason == "" {
		return e, apperr.Field("reason", "Enter why the evidence is rejected")
	}
	if utf8.RuneCountInString(reason) > 1000 {
		return e, apperr.Field("reason", "Reason must be 1000 characters or fewer")
	}
	status := EvidenceRejected
	if accept {
		status = EvidenceAccepted
	}
	summary := audit.Summarise("title", e.Title, "reason", reason)
	if accept {
		summary = audit.Summarise("title", e.Title, "counts until", expiresOn)
	}
	err = s.Tx(ctx, func(tx *store.Tx) error {
		now := s.Now()
		r, err := tx.ExecContext(ctx, `UPDATE training_evidence SET status = $1, reason = $2, reviewed_by = $3, reviewed_at = $4, version = version + 1
			WHERE org_id = $5 AND id = $6 AND version = $7 AND status = 'submitted'`, status, reason, actor.Name, now, orgID, id, version)
		if err != nil {
			return s.Wrap(err, "review evidence")
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "This evidence has changed since you opened it: it may have been reviewed already")
		}
		if err := tx.Audit(ctx, store.Change{OrgID: orgID, Action: "training_evidence." + map[bool]string{true: "accept", false: "reject"}[accept], Entity: "training_evidence", EntityID: id,
			Summary: summary}); err != nil {
			return err
		}
		if !accept {
			return nil
		}
		var tags []string
		if e.ClinicalSafety {
			tags = []string{training.ClinicalSafetyTag}
		}
		return s.insertCompletion(ctx, tx, orgID, Completion{ID: store.NewID(), UserID: e.UserID, Title: e.Title + " (" + e.Provider + ")", Tags: tags,
			Source: "evidence", CompletedAt: done, ExpiresAt: &expires}, "", e.ID)
	})
	if err != nil {
		return e, err
	}
	return s.Evidence(ctx, orgID, id)
}
