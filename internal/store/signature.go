package store

import (
	"context"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
)

// Approving and issuing (hazard logs, safety case reports, and later the
// closing of events and learning responses where approval is required) is
// an electronic signature. The person signing is signed in, re-enters their
// password at the moment of signing, and the signature records who, when,
// what it means and the SHA-256 of the content signed. No API token can
// sign.

// Signature is a recorded electronic signature.
type Signature struct {
	ID          string    `json:"id"`
	Subject     string    `json:"subject"` // e.g. "hazard_log_issue"
	SubjectID   string    `json:"subject_id"`
	Meaning     string    `json:"meaning"` // e.g. "Approved hazard log version 3"
	SignerID    string    `json:"signer_id"`
	SignerName  string    `json:"signer_name"`
	ContentHash string    `json:"content_hash"`
	Method      string    `json:"method"`
	SignedAt    time.Time `json:"signed_at"`
}

// SignMethodPassword is the method of a signature made by re-entering the
// account password.
const SignMethodPassword = "password re-entered at signing"

// Signer is proof that the actor re-entered their password just now. Only
// VerifySigner makes one; the zero value signs nothing.
type Signer struct {
	userID string
	name   string
	at     time.Time
}

// signerTTL is how long a verified password counts as "at the moment of
// signing".
const signerTTL = 2 * time.Minute

// VerifySigner checks the password of the person in ctx so that they can
// sign. Forbidden when the request came with an API token or has no
// signed-in person; Invalid (field "password") when the password is wrong.
func (s *DB) VerifySigner(ctx context.Context, password string) (Signer, error) {
	a := audit.ActorFrom(ctx)
	if a.ViaToken {
		return Signer{}, apperr.New(apperr.Forbidden, "An API token cannot sign. Approving and issuing is an electronic signature: sign in to clinsafe and enter your password to sign.")
	}
	if a.UserID == "" {
		return Signer{}, apperr.New(apperr.Forbidden, "Sign in to sign")
	}
	if password == "" {
		return Signer{}, apperr.Field("password", "Enter your password to sign")
	}
	var u User
	var disabled bool
	err := s.db.QueryRowContext(ctx, `SELECT id, name, disabled FROM users WHERE id = $1`, a.UserID).Scan(&u.ID, &u.Name, &disabled)
	if NoRows(err) || disabled {
		return Signer{}, apperr.New(apperr.Forbidden, "Sign in to sign")
	}
	if err != nil {
		return Signer{}, s.Wrap(err, "read signer")
	}
	// The same check, and the same growing wait after repeated failures,
	// as a change of password.
	if err := s.CheckCurrentPassword(ctx, u.ID, password, ""); err != nil {
		if apperr.Is(err, apperr.Invalid) {
			return Signer{}, apperr.Field("password", "The password is not right. Enter the password you sign in with.")
		}
		return Signer{}, err
	}
	return Signer{userID: u.ID, name: u.Name, at: s.now()}, nil
}

// check returns Forbidden unless sg was made for the actor in ctx within
// signerTTL.
func (s *DB) CheckSigner(ctx context.Context, sg Signer) error {
	a := audit.ActorFrom(ctx)
	if sg.userID == "" || a.ViaToken || sg.userID != a.UserID || s.now().Sub(sg.at) > signerTTL {
		return apperr.New(apperr.Forbidden, "Enter your password to sign: approving and issuing is an electronic signature")
	}
	return nil
}

// sign records a signature inside tx, before the audit entry of parentID
// (the audited entity the subject belongs to) is written.
func (s *DB) Sign(ctx context.Context, tx *Tx, orgID OrgID, parentID string, sg Signer, subject, subjectID, meaning, contentHash string) (Signature, error) {
	sig := Signature{ID: NewID(), Subject: subject, SubjectID: subjectID, Meaning: meaning, SignerID: sg.userID, SignerName: sg.name,
		ContentHash: contentHash, Method: SignMethodPassword, SignedAt: s.now().Truncate(time.Microsecond)}
	if _, err := tx.ExecContext(ctx, `INSERT INTO signatures (id, org_id, subject, subject_id, parent_id, meaning, signer_id, signer_name, content_hash, method, signed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, sig.ID, orgID, subject, subjectID, parentID, meaning, sig.SignerID, sig.SignerName, contentHash, sig.Method, sig.SignedAt); err != nil {
		return Signature{}, s.Wrap(err, "record signature")
	}
	return sig, nil
}
