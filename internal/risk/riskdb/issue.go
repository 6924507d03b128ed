package riskdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/store"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/risk"
)

// LogIssue is an issued version of a system's hazard log: a snapshot
// approved by a clinical safety officer. It is written once and has no
// update path.
type LogIssue struct {
	ID             string    `json:"id"`
	SystemID       string    `json:"system_id"`
	Seq            int       `json:"seq"`
	Version        string    `json:"version"`
	ContentHash    string    `json:"content_hash"`
	ApprovedByID   string    `json:"approved_by_id"`
	ApprovedByName string    `json:"approved_by_name"`
	IssuedAt       time.Time `json:"issued_at"`
	Comment        string    `json:"comment"`
	Log            risk.Log  `json:"log"`
	// store.Signature is the CSO's electronic signature (read by LogIssue).
	Signature store.Signature `json:"signature"`
}

// requireCSO returns Forbidden unless the actor in ctx holds the cso role
// in orgID, and the actor otherwise.
func (s *DB) requireCSO(ctx context.Context, q store.Querier, orgID store.OrgID, what string) (audit.Actor, error) {
	a := audit.ActorFrom(ctx)
	roles, err := s.MemberRoles(ctx, q, orgID, a.UserID)
	if err != nil {
		return a, err
	}
	if a.UserID == "" || !auth.HasAny(roles, auth.CSO) {
		return a, apperr.New(apperr.Forbidden, "Only a clinical safety officer can %s", what)
	}
	return a, nil
}

// CurrentLog returns a system's hazard log as it stands now, unissued.
func (s *DB) CurrentLog(ctx context.Context, org store.Org, systemID string) (System, risk.Log, error) {
	sys, err := s.System(ctx, org.ID, systemID)
	if err != nil {
		return System{}, risk.Log{}, err
	}
	hs, err := s.ListHazards(ctx, org.ID, systemID)
	if err != nil {
		return System{}, risk.Log{}, err
	}
	return sys, risk.Log{System: sys.Info(org.Name), Hazards: hs}, nil
}

// LogChanges is what issuing a system's hazard log now would change, for
// the check-your-answers step before issuing.
type LogChanges struct {
	System System `json:"system"`
	// Log is the log as it would be issued, with the rating basis from the
	// plan as it stands (Version, IssuedAt and ApprovedBy are not set).
	Log risk.Log `json:"log"`
	// Last is the latest issued version (its Signature is not read); nil
	// when none has been issued.
	Last *LogIssue `json:"last,omitempty"`
	// NextVersion is the version number issuing would give.
	NextVersion string `json:"next_version"`
	// Diff lists the changes since Last (every hazard added when nil).
	Diff risk.LogDiff `json:"diff"`
	// Changed is false when the log has the same content as Last, and
	// issuing would be refused.
	Changed bool `json:"changed"`
	// Reviewed identifies the content of Log: given to IssueReviewedLog,
	// it issues the log only while the log still holds what was checked.
	Reviewed string `json:"reviewed"`
}

// LogChanges returns what changed in a system's hazard log since its last
// issued version. NotFound for another organisation's system.
func (s *DB) LogChanges(ctx context.Context, org store.Org, systemID string) (LogChanges, error) {
	return s.logChanges(ctx, s.SQL(), org, systemID)
}

func (s *DB) logChanges(ctx context.Context, q store.Querier, org store.Org, systemID string) (LogChanges, error) {
	sys, err := s.system(ctx, q, org.ID, systemID)
	if err != nil {
		return LogChanges{}, err
	}
	hs, err := s.listHazards(ctx, q, org.ID, systemID)
	if err != nil {
		return LogChanges{}, err
	}
	pl, err := s.plan(ctx, q, org.ID)
	if err != nil {
		return LogChanges{}, err
	}
	basis := risk.CurrentBasis(pl.Matrix)
	ch := LogChanges{System: sys, Log: risk.Log{System: sys.Info(org.Name), Basis: &basis, Hazards: hs}, NextVersion: "1", Changed: true}
	if ch.Reviewed, err = ch.Log.ContentHash(); err != nil {
		return LogChanges{}, err
	}
	last, err := scanIssue(q.QueryRowContext(ctx, `SELECT `+issueCols+` FROM hazard_log_issues WHERE org_id = $1 AND system_id = $2 ORDER BY seq DESC LIMIT 1`, org.ID, systemID))
	switch {
	case store.NoRows(err):
		ch.Diff = risk.DiffLogs(risk.Log{System: ch.Log.System, Basis: &basis}, ch.Log)
		return ch, nil
	case err != nil:
		return LogChanges{}, s.Wrap(err, "latest issue")
	}
	ch.Last, ch.NextVersion = &last, fmt.Sprint(last.Seq+1)
	ch.Diff = risk.DiffLogs(last.Log, ch.Log)
	ch.Changed = !last.Log.SameContent(ch.Log)
	return ch, nil
}

// IssueLog approves the system's hazard log as it stands and stores it as
// the next issued version ("1", "2", ...) with its content hash, signed by
// sg (see VerifySigner). The issued log carries the matrix and scales it
// was rated with (risk.Log.Basis). Forbidden unless the actor is a CSO of
// the organisation and sg is their fresh signature; Invalid when the log is
// empty or the comment too long; Conflict when nothing has changed since the
// last issued version.
func (s *DB) IssueLog(ctx context.Context, org store.Org, systemID, comment string, sg store.Signer) (LogIssue, error) {
	return s.IssueReviewedLog(ctx, org, systemID, comment, "", sg)
}

// IssueReviewedLog is IssueLog of the log the CSO checked: reviewed, when
// not "", is LogChanges.Reviewed as they were shown it, and the log is
// issued only if it still holds exactly that (Conflict when it has been
// changed since, by anyone), so that a signature never approves hazards
// or ratings its signer did not see.
func (s *DB) IssueReviewedLog(ctx context.Context, org store.Org, systemID, comment, reviewed string, sg store.Signer) (LogIssue, error) {
	if err := s.CheckSigner(ctx, sg); err != nil {
		return LogIssue{}, err
	}
	comment = strings.TrimSpace(comment)
	if len(comment) > risk.MaxLongText {
		return LogIssue{}, apperr.Field("comment", "Comment must be 10,000 characters or fewer")
	}
	var li LogIssue
	err := s.Tx(ctx, func(tx *store.Tx) error {
		ch, err := s.logChanges(ctx, tx, org, systemID)
		if err != nil {
			return err
		}
		sys := ch.System
		a, err := s.requireCSO(ctx, tx, org.ID, "approve a hazard log")
		if err != nil {
			return err
		}
		hs := ch.Log.Hazards
		if len(hs) == 0 {
			return apperr.New(apperr.Invalid, "Add at least one hazard before issuing the hazard log")
		}
		if !ch.Changed {
			return apperr.New(apperr.Conflict, "Nothing has changed since version %s was issued, so there is no new version to issue", ch.Last.Version)
		}
		if reviewed != "" && reviewed != ch.Reviewed {
			return apperr.New(apperr.Conflict, "The hazard log has changed since you checked it, so it has not been issued: check what it holds now before you sign")
		}
		li.Seq = 1
		if ch.Last != nil {
			li.Seq = ch.Last.Seq + 1
		}
		li.ID, li.SystemID, li.Version, li.IssuedAt, li.Comment = store.NewID(), systemID, fmt.Sprint(li.Seq), s.Now(), comment
		li.ApprovedByID, li.ApprovedByName = a.UserID, a.Name
		li.Log = ch.Log
		li.Log.Version, li.Log.IssuedAt, li.Log.ApprovedBy = li.Version, li.IssuedAt, a.Name
		snap, err := li.Log.Canonical()
		if err != nil {
			return err
		}
		if li.ContentHash, err = li.Log.ContentHash(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO hazard_log_issues (id, org_id, system_id, seq, version, snapshot, content_hash, approved_by_id, approved_by_name, issued_at, comment)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, li.ID, org.ID, systemID, li.Seq, li.Version, string(snap), li.ContentHash,
			li.ApprovedByID, li.ApprovedByName, li.IssuedAt, li.Comment); err != nil {
			return s.Wrap(err, "issue hazard log")
		}
		if li.Signature, err = s.Sign(ctx, tx, org.ID, systemID, sg, "hazard_log_issue", li.ID, "Approved and issued hazard log version "+li.Version+" of "+sys.Name, li.ContentHash); err != nil {
			return err
		}
		return tx.Audit(ctx, store.Change{OrgID: org.ID, Action: "hazardlog.issue", Entity: "system", EntityID: systemID,
			Summary: audit.Summarise("system", sys.Name, "version", li.Version, "hazards", fmt.Sprint(len(hs)), "hash", li.ContentHash, "signed_by", li.Signature.SignerName, "comment", comment)})
	})
	return li, err
}

const issueCols = `id, system_id, seq, version, snapshot, content_hash, approved_by_id, approved_by_name, issued_at, comment`

func scanIssue(sc interface{ Scan(...any) error }) (LogIssue, error) {
	var li LogIssue
	var snap string
	if err := sc.Scan(&li.ID, &li.SystemID, &li.Seq, &li.Version, &snap, &li.ContentHash, &li.ApprovedByID, &li.ApprovedByName, &li.IssuedAt, &li.Comment); err != nil {
		return li, err
	}
	li.IssuedAt = li.IssuedAt.UTC()
	return li, json.Unmarshal([]byte(snap), &li.Log)
}

// LogIssues returns a system's issued hazard log versions, newest first.
func (s *DB) LogIssues(ctx context.Context, orgID store.OrgID, systemID string) ([]LogIssue, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT `+issueCols+` FROM hazard_log_issues WHERE org_id = $1 AND system_id = $2 ORDER BY seq DESC`, orgID, systemID)
	if err != nil {
		return nil, s.Wrap(err, "list issues")
	}
	defer rows.Close()
	var out []LogIssue
	for rows.Next() {
		li, err := scanIssue(rows)
		if err != nil {
			return nil, s.Wrap(err, "scan issue")
		}
		out = append(out, li)
	}
	return out, s.Wrap(rows.Err(), "list issues")
}

// LogIssue returns one issued hazard log version; store.NotFound for another
// organisation's.
func (s *DB) LogIssue(ctx context.Context, orgID store.OrgID, id string) (LogIssue, error) {
	return s.logIssue(ctx, s.SQL(), orgID, id)
}

func (s *DB) logIssue(ctx context.Context, q store.Querier, orgID store.OrgID, id string) (LogIssue, error) {
	li, err := scanIssue(q.QueryRowContext(ctx, `SELECT `+issueCols+` FROM hazard_log_issues WHERE org_id = $1 AND id = $2`, orgID, id))
	if err != nil {
		return LogIssue{}, s.One(err, "Issued hazard log", "get issue")
	}
	li.Signature, err = s.signatureOf(ctx, q, orgID, "hazard_log_issue", li.ID)
	return li, err
}

// signatureOf returns the signature on a subject; the zero store.Signature for
// versions issued before signatures were recorded.
func (s *DB) signatureOf(ctx context.Context, q store.Querier, orgID store.OrgID, subject, id string) (store.Signature, error) {
	var sig store.Signature
	err := q.QueryRowContext(ctx, `SELECT id, subject, subject_id, meaning, signer_id, signer_name, content_hash, method, signed_at
		FROM signatures WHERE org_id = $1 AND subject = $2 AND subject_id = $3 ORDER BY signed_at DESC, id DESC LIMIT 1`, orgID, subject, id).
		Scan(&sig.ID, &sig.Subject, &sig.SubjectID, &sig.Meaning, &sig.SignerID, &sig.SignerName, &sig.ContentHash, &sig.Method, &sig.SignedAt)
	if store.NoRows(err) {
		return store.Signature{}, nil
	}
	sig.SignedAt = sig.SignedAt.UTC()
	return sig, s.Wrap(err, "read signature")
}

// CSCRDraft is the editable state of a system's Clinical Safety Case
// Report: document version, phase and the narrative of each section (keys
// from risk.SectionKeys; blank means the generated default).
type CSCRDraft struct {
	DocumentVersion string `json:"document_version"`
	Phase           string `json:"phase"`
	// Author names who wrote the report; the approver is the CSO who signs
	// it when it is issued, and may be someone else.
	Author string `json:"author"`
	// CSORegistration is the approving CSO's professional registration,
	// e.g. "GMC 1234567" (DCB0129/DCB0160 2.3.2).
	CSORegistration string            `json:"cso_registration"`
	Narratives      map[string]string `json:"narratives"`
	UpdatedAt       time.Time         `json:"updated_at,omitzero"`
	// Reviewed identifies the draft's content as read (see
	// CSCRReviewed); it is not saved.
	Reviewed string `json:"reviewed,omitempty"`
}

// content identifies what the draft says (not when it was saved).
func (d CSCRDraft) content() string {
	d.UpdatedAt, d.Reviewed = time.Time{}, ""
	b, _ := json.Marshal(d)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// CSCRDraft returns the system's report draft (empty when none is saved).
func (s *DB) CSCRDraft(ctx context.Context, orgID store.OrgID, systemID string) (CSCRDraft, error) {
	return s.cscrDraft(ctx, s.SQL(), orgID, systemID)
}

func (s *DB) cscrDraft(ctx context.Context, q store.Querier, orgID store.OrgID, systemID string) (CSCRDraft, error) {
	if _, err := s.system(ctx, q, orgID, systemID); err != nil {
		return CSCRDraft{}, err
	}
	d := CSCRDraft{DocumentVersion: "1.0", Narratives: map[string]string{}}
	var n string
	err := q.QueryRowContext(ctx, `SELECT document_version, phase, author, cso_registration, narratives, updated_at FROM cscr_drafts WHERE org_id = $1 AND system_id = $2`, orgID, systemID).
		Scan(&d.DocumentVersion, &d.Phase, &d.Author, &d.CSORegistration, &n, &d.UpdatedAt)
	if store.NoRows(err) {
		d.Reviewed = d.content()
		return d, nil
	}
	if err != nil {
		return CSCRDraft{}, s.Wrap(err, "get report draft")
	}
	if err := json.Unmarshal([]byte(n), &d.Narratives); err != nil {
		return CSCRDraft{}, s.Wrap(err, "read report draft")
	}
	d.Reviewed = d.content()
	return d, nil
}

// SaveCSCRDraft stores the report draft. Invalid on unknown sections or
// text that is too long. The author and registration may be left blank
// while drafting; issuing needs them.
func (s *DB) SaveCSCRDraft(ctx context.Context, orgID store.OrgID, systemID string, d CSCRDraft) (CSCRDraft, error) {
	var f apperr.Fields
	d.DocumentVersion, d.Phase = strings.TrimSpace(d.DocumentVersion), strings.TrimSpace(d.Phase)
	d.Author, d.CSORegistration = strings.Join(strings.Fields(d.Author), " "), strings.Join(strings.Fields(d.CSORegistration), " ")
	f.Check(d.DocumentVersion == "", "document_version", "Enter the document version, like 1.0")
	f.Check(len(d.DocumentVersion) > 50, "document_version", "Document version must be 50 characters or fewer")
	f.Check(len(d.Phase) > risk.MaxName, "phase", "Phase must be 200 characters or fewer")
	f.Check(len(d.Author) > risk.MaxName, "author", "Author must be 200 characters or fewer")
	f.Check(len(d.CSORegistration) > 100, "cso_registration", "Professional registration must be 100 characters or fewer")
	known := map[string]bool{}
	for _, k := range risk.SectionKeys() {
		known[k] = true
	}
	clean := map[string]string{}
	for k, v := range d.Narratives {
		switch {
		case !known[k]:
			f.Add("section-"+k, "There is no report section "+k)
		case len(v) > risk.MaxLongText:
			f.Add("section-"+k, "Each section must be 10,000 characters or fewer")
		case strings.TrimSpace(v) != "":
			clean[k] = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
		}
	}
	if err := f.Err(); err != nil {
		return d, err
	}
	d.Narratives, d.UpdatedAt = clean, s.Now()
	d.Reviewed = d.content()
	n, _ := json.Marshal(clean)
	err := s.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.system(ctx, tx, orgID, systemID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM cscr_drafts WHERE org_id = $1 AND system_id = $2`, orgID, systemID); err != nil {
			return s.Wrap(err, "replace report draft")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cscr_drafts (system_id, org_id, document_version, phase, author, cso_registration, narratives, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			systemID, orgID, d.DocumentVersion, d.Phase, d.Author, d.CSORegistration, string(n), d.UpdatedAt); err != nil {
			return s.Wrap(err, "save report draft")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "cscr.draft", Entity: "system", EntityID: systemID,
			Summary: audit.Summarise("document_version", d.DocumentVersion, "phase", d.Phase, "author", d.Author, "cso_registration", d.CSORegistration)})
	})
	return d, err
}

// BuildCSCR builds the report from the draft and an issued hazard log, as
// cso would issue it at at: the hazards are rated with the matrix the log
// was issued with (the plan's current matrix only for a log issued before
// issued logs carried one). The result's ReadyToIssue says what stops it
// being issued.
func (s *DB) BuildCSCR(ctx context.Context, org store.Org, systemID string, li LogIssue, d CSCRDraft, cso string, at time.Time) (risk.CSCR, error) {
	m, err := s.Matrix(ctx, org.ID)
	if err != nil {
		return risk.CSCR{}, err
	}
	return buildCSCR(li, d, cso, at, m), nil
}

func buildCSCR(li LogIssue, d CSCRDraft, cso string, at time.Time, planMatrix risk.Matrix) risk.CSCR {
	return risk.BuildCSCR(li.Log.System, li.Log, d.Narratives, risk.IssueInfo{DocumentVersion: d.DocumentVersion, Phase: d.Phase,
		Date: at, Author: d.Author, CSOName: cso, CSORegistration: d.CSORegistration, ApprovedAt: at,
		Matrix: li.Log.RatingMatrix(planMatrix), LogHash: li.ContentHash})
}

// CSCRIssue is an issued Clinical Safety Case Report, immutable and tied to
// the issued hazard log it was built from.
type CSCRIssue struct {
	ID              string    `json:"id"`
	SystemID        string    `json:"system_id"`
	LogIssueID      string    `json:"log_issue_id"`
	DocumentVersion string    `json:"document_version"`
	IssuedByID      string    `json:"issued_by_id"`
	IssuedByName    string    `json:"issued_by_name"`
	IssuedAt        time.Time `json:"issued_at"`
	Report          risk.CSCR `json:"report"`
	// store.Signature is the CSO's electronic signature (read by CSCRIssue).
	Signature store.Signature `json:"signature"`
}

// IssueCSCR issues the system's report from its draft and the latest issued
// hazard log, signed by sg: the signer is the approving CSO, the draft names
// the author. Forbidden unless the actor is a CSO and sg is their fresh
// signature; Invalid when the hazard log has never been issued, when the
// report is not ready (risk.CSCR.ReadyToIssue: per-field messages for
// unedited or empty sections, author and registration) or when its document
// version has been issued before (field "document_version").
func (s *DB) IssueCSCR(ctx context.Context, org store.Org, systemID string, sg store.Signer) (CSCRIssue, error) {
	return s.IssueCSCRWith(ctx, org, systemID, sg, nil)
}

// IssueCSCRWith is IssueCSCR recording regs, the registrations of the
// system's CSOs from the competency register, in the issued report.
func (s *DB) IssueCSCRWith(ctx context.Context, org store.Org, systemID string, sg store.Signer, regs []risk.CSORegistration) (CSCRIssue, error) {
	return s.IssueReviewedCSCR(ctx, org, systemID, CSCRReviewed{}, sg, regs)
}

// CSCRReviewed says what a CSO checked before signing a report: the
// issued hazard log version it was built from, and the draft as saved
// (its Reviewed). The zero value checks nothing.
type CSCRReviewed struct {
	LogIssueID string
	Draft      string
}

// IssueReviewedCSCR is IssueCSCRWith of the report the CSO checked
// (rv, when its LogIssueID is set): Conflict when another hazard log
// version has been issued since, or the draft has been saved again, so
// that a signature never approves a report built on content its signer
// did not see.
func (s *DB) IssueReviewedCSCR(ctx context.Context, org store.Org, systemID string, rv CSCRReviewed, sg store.Signer, regs []risk.CSORegistration) (CSCRIssue, error) {
	if err := s.CheckSigner(ctx, sg); err != nil {
		return CSCRIssue{}, err
	}
	var ci CSCRIssue
	err := s.Tx(ctx, func(tx *store.Tx) error {
		sys, err := s.system(ctx, tx, org.ID, systemID)
		if err != nil {
			return err
		}
		a, err := s.requireCSO(ctx, tx, org.ID, "issue a safety case report")
		if err != nil {
			return err
		}
		li, err := scanIssue(tx.QueryRowContext(ctx, `SELECT `+issueCols+` FROM hazard_log_issues WHERE org_id = $1 AND system_id = $2 ORDER BY seq DESC LIMIT 1`, org.ID, systemID))
		if store.NoRows(err) {
			return apperr.New(apperr.Invalid, "Issue the hazard log before issuing the safety case report")
		}
		if err != nil {
			return s.Wrap(err, "latest issue")
		}
		d, err := s.cscrDraft(ctx, tx, org.ID, systemID)
		if err != nil {
			return err
		}
		if rv.LogIssueID != "" {
			if rv.LogIssueID != li.ID {
				return apperr.New(apperr.Conflict, "Hazard log version %s has been issued since you checked this report, so the report has not been issued: check it again, built from version %s, before you sign", li.Version, li.Version)
			}
			if rv.Draft != d.Reviewed {
				return apperr.New(apperr.Conflict, "The report draft has been saved again since you checked it, so the report has not been issued: check what it says now before you sign")
			}
		}
		pl, err := s.plan(ctx, tx, org.ID)
		if err != nil {
			return err
		}
		now := s.Now()
		ci = CSCRIssue{ID: store.NewID(), SystemID: systemID, LogIssueID: li.ID, DocumentVersion: d.DocumentVersion, IssuedByID: a.UserID, IssuedByName: a.Name, IssuedAt: now}
		ci.Report = buildCSCR(li, d, a.Name, now, pl.Matrix)
		ci.Report.Issue.CSORegistrations = regs
		if err := ci.Report.ReadyToIssue(); err != nil {
			return err
		}
		var prev string
		err = tx.QueryRowContext(ctx, `SELECT cscr_issue_id FROM cscr_versions WHERE org_id = $1 AND system_id = $2 AND document_version = $3`, org.ID, systemID, d.DocumentVersion).Scan(&prev)
		if err == nil {
			return &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: map[string]string{
				"document_version": "Report version " + d.DocumentVersion + " has already been issued: enter a new document version"}}
		}
		if !store.NoRows(err) {
			return s.Wrap(err, "check report version")
		}
		snap, err := json.Marshal(ci.Report)
		if err != nil {
			return s.Wrap(err, "encode report")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cscr_issues (id, org_id, system_id, log_issue_id, document_version, snapshot, issued_by_id, issued_by_name, issued_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, ci.ID, org.ID, systemID, li.ID, ci.DocumentVersion, string(snap), a.UserID, a.Name, now); err != nil {
			return s.Wrap(err, "issue report")
		}
		sum := sha256.Sum256(snap)
		if ci.Signature, err = s.Sign(ctx, tx, org.ID, systemID, sg, "cscr_issue", ci.ID, "Approved and issued clinical safety case report "+ci.DocumentVersion+" of "+sys.Name, hex.EncodeToString(sum[:])); err != nil {
			return err
		}
		return tx.Audit(ctx, store.Change{OrgID: org.ID, Action: "cscr.issue", Entity: "system", EntityID: systemID,
			Summary: audit.Summarise("system", sys.Name, "document_version", ci.DocumentVersion, "hazard_log_version", li.Version, "hash", li.ContentHash, "signed_by", ci.Signature.SignerName)})
	})
	return ci, err
}

const cscrCols = `id, system_id, log_issue_id, document_version, snapshot, issued_by_id, issued_by_name, issued_at`

func scanCSCR(sc interface{ Scan(...any) error }) (CSCRIssue, error) {
	var ci CSCRIssue
	var snap string
	if err := sc.Scan(&ci.ID, &ci.SystemID, &ci.LogIssueID, &ci.DocumentVersion, &snap, &ci.IssuedByID, &ci.IssuedByName, &ci.IssuedAt); err != nil {
		return ci, err
	}
	ci.IssuedAt = ci.IssuedAt.UTC()
	return ci, json.Unmarshal([]byte(snap), &ci.Report)
}

// CSCRIssues lists a system's issued reports, newest first.
func (s *DB) CSCRIssues(ctx context.Context, orgID store.OrgID, systemID string) ([]CSCRIssue, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT `+cscrCols+` FROM cscr_issues WHERE org_id = $1 AND system_id = $2 ORDER BY issued_at DESC, id DESC`, orgID, systemID)
	if err != nil {
		return nil, s.Wrap(err, "list reports")
	}
	defer rows.Close()
	var out []CSCRIssue
	for rows.Next() {
		ci, err := scanCSCR(rows)
		if err != nil {
			return nil, s.Wrap(err, "scan report")
		}
		out = append(out, ci)
	}
	return out, s.Wrap(rows.Err(), "list reports")
}

// CSCRIssue returns one issued report; store.NotFound for another organisation's.
func (s *DB) CSCRIssue(ctx context.Context, orgID store.OrgID, id string) (CSCRIssue, error) {
	ci, err := scanCSCR(s.SQL().QueryRowContext(ctx, `SELECT `+cscrCols+` FROM cscr_issues WHERE org_id = $1 AND id = $2`, orgID, id))
	if err != nil {
		return CSCRIssue{}, s.One(err, "Safety case report", "get report")
	}
	ci.Signature, err = s.signatureOf(ctx, s.SQL(), orgID, "cscr_issue", ci.ID)
	return ci, err
}

// ImportHazards adds every hazard of l to a system's log in one
// transaction: all or nothing. Hazards get the system's next numbers in
// their source order. With fromSupplier, each hazard without provenance is
// marked as coming from l's organisation, document and issued version,
// keeping its source reference. Invalid with fields "hazards.N.FIELD" when
// a hazard breaks the rules.
func (s *DB) ImportHazards(ctx context.Context, orgID store.OrgID, systemID string, l *risk.Log, fromSupplier bool) (int, error) {
	err := s.Tx(ctx, func(tx *store.Tx) error { return s.importHazards(ctx, tx, orgID, systemID, l, fromSupplier) })
	if err != nil {
		return 0, err
	}
	return len(l.Hazards), nil
}

// importHazards is ImportHazards inside tx.
func (s *DB) importHazards(ctx context.Context, tx *store.Tx, orgID store.OrgID, systemID string, l *risk.Log, fromSupplier bool) error {
	now := s.Now()
	{
		for i, h := range l.Sorted() {
			if fromSupplier && h.Provenance.IsZero() {
				src := l.System.Organisation
				if src == "" {
					src = l.System.Supplier
				}
				h.Provenance = risk.Provenance{Source: src, Document: strings.TrimSpace(l.System.Name + " hazard log"), Version: l.Version, Ref: h.Ref, ImportedAt: now}
			}
			h.ID = ""
			if _, err := s.createHazard(ctx, tx, orgID, systemID, h); err != nil {
				if fs := apperr.FieldsOf(err); len(fs) > 0 {
					out := map[string]string{}
					for k, v := range fs {
						out[fmt.Sprintf("hazards.%d.%s", i, k)] = fmt.Sprintf("%s (%s): %s", h.Ref, h.Name, v)
					}
					return &apperr.Error{Kind: apperr.Invalid, Message: "The hazard log could not be imported", Fields: out}
				}
				return err
			}
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "hazardlog.import", Entity: "system", EntityID: systemID,
			Summary: audit.Summarise("hazards", fmt.Sprint(len(l.Hazards)), "source", l.System.Organisation, "version", l.Version, "supplier", store.YesNo(fromSupplier))})
	}
}
