package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
)

// Principal is an authenticated user acting within one organisation.
type Principal struct {
	User  User
	Org   Org
	Roles []auth.Role
	// TokenID is set when the request authenticated with an API token.
	TokenID string
	// SessionHash is set when the request authenticated with a session.
	SessionHash string
}

// Sign-in throttling: failures within throttleWindow above these limits are
// refused until the window passes.
const (
	throttleWindow   = 15 * time.Minute
	maxEmailFailures = 5
	maxIPFailures    = 30
)

// ErrBadCredentials is the one message for an unknown email, a wrong
// password or a disabled account, so that none can be told apart.
var ErrBadCredentials = apperr.New(apperr.Unauthenticated, "The email address or password is not right")

// Authenticate checks an email and password, applying throttling by email
// and by client address. It returns TooMany when throttled and
// ErrBadCredentials on any failure.
func (s *Store) Authenticate(ctx context.Context, email, password, ip string) (User, error) {
	email = normEmail(email)
	since := s.now().Add(-throttleWindow)
	var byEmail, byIP int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at > $2`, email, since).Scan(&byEmail); err != nil {
		return User{}, s.wrap(err, "count sign-in failures")
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures WHERE ip = $1 AND at > $2`, ip, since).Scan(&byIP); err != nil {
		return User{}, s.wrap(err, "count sign-in failures")
	}
	if byEmail >= maxEmailFailures || byIP >= maxIPFailures {
		return User{}, apperr.New(apperr.TooMany, "There have been too many failed attempts to sign in. Wait 15 minutes and try again.")
	}
	var hash string
	var u User
	row := s.db.QueryRowContext(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE email = $1`, email)
	var last sql.NullTime
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PlatformAdmin, &u.Disabled, &u.CreatedAt, &last, &hash)
	if err != nil && err != sql.ErrNoRows {
		return User{}, s.wrap(err, "read user")
	}
	if err == sql.ErrNoRows {
		hash = auth.DummyHash
	}
	ok, herr := auth.CheckPassword(hash, password)
	if err == sql.ErrNoRows || herr != nil || !ok || u.Disabled {
		if _, ferr := s.db.ExecContext(ctx, `INSERT INTO login_failures (id, email, ip, at) VALUES ($1, $2, $3, $4)`, NewID(), truncate(email, 254), ip, s.now()); ferr != nil {
			return User{}, s.wrap(ferr, "record sign-in failure")
		}
		return User{}, ErrBadCredentials
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE email = $1`, email); err != nil {
		return User{}, s.wrap(err, "clear sign-in failures")
	}
	return u, nil
}

// truncate shortens s to at most n bytes, cutting between characters.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// StartSession records a session for the user and returns the Principal.
// The session starts in preferOrg when given, otherwise in the organisation
// the user last worked in (at first, the one their account was made in),
// provided they still hold a role there; else in their first organisation
// by name. hash is the stored form of the session token.
func (s *Store) StartSession(ctx context.Context, userID, hash, preferOrg string, maxAge time.Duration) (Principal, error) {
	orgs, err := s.OrgsOfUser(ctx, userID)
	if err != nil {
		return Principal{}, err
	}
	if preferOrg == "" {
		var last sql.NullString
		if err := s.db.QueryRowContext(ctx, `SELECT last_org_id FROM users WHERE id = $1`, userID).Scan(&last); err != nil {
			return Principal{}, s.wrap(err, "read last organisation")
		}
		preferOrg = last.String
	}
	if len(orgs) == 0 {
		return Principal{}, apperr.New(apperr.Forbidden, "Your account has no role in any organisation. Ask an administrator to give you one.")
	}
	org := orgs[0]
	for _, o := range orgs {
		if o.ID == preferOrg {
			org = o
		}
	}
	now := s.now()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, org_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			hash, userID, org.ID, now, now, now.Add(maxAge)); err != nil {
			return s.wrap(err, "start session")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_login_at = $1 WHERE id = $2`, now, userID); err != nil {
			return s.wrap(err, "record sign-in")
		}
		return s.appendAudit(ctx, tx, Change{OrgID: org.ID, Action: "session.start", Entity: "user", EntityID: userID, Summary: "signed in"})
	})
	if err != nil {
		return Principal{}, err
	}
	return s.Session(ctx, hash, maxAge)
}

// Session returns the Principal for a stored session hash, ending the
// session when it has been idle longer than idle or has passed its absolute
// expiry. Unauthenticated when there is no live session.
func (s *Store) Session(ctx context.Context, hash string, idle time.Duration) (Principal, error) {
	var userID, orgID string
	var lastSeen, expires time.Time
	err := s.db.QueryRowContext(ctx, `SELECT user_id, org_id, last_seen_at, expires_at FROM sessions WHERE token_hash = $1`, hash).Scan(&userID, &orgID, &lastSeen, &expires)
	if err == sql.ErrNoRows {
		return Principal{}, apperr.New(apperr.Unauthenticated, "Sign in to continue")
	}
	if err != nil {
		return Principal{}, s.wrap(err, "read session")
	}
	now := s.now()
	if now.After(expires) || now.Sub(lastSeen) > idle {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash); err != nil {
			return Principal{}, s.wrap(err, "end session")
		}
		return Principal{}, apperr.New(apperr.Unauthenticated, "Your session has ended. Sign in again.")
	}
	p, err := s.principal(ctx, userID, orgID)
	if err != nil {
		return Principal{}, err
	}
	p.SessionHash = hash
	if now.Sub(lastSeen) > time.Minute {
		if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2`, now, hash); err != nil {
			return Principal{}, s.wrap(err, "touch session")
		}
	}
	return p, nil
}

func (s *Store) principal(ctx context.Context, userID, orgID string) (Principal, error) {
	u, err := s.getUser(ctx, s.db, userID)
	if err != nil {
		return Principal{}, err
	}
	if u.Disabled {
		return Principal{}, apperr.New(apperr.Unauthenticated, "Your account is disabled")
	}
	org, err := s.Org(ctx, orgID)
	if err != nil {
		return Principal{}, err
	}
	roles, err := s.rolesIn(ctx, s.db, orgID, userID)
	if err != nil {
		return Principal{}, err
	}
	if len(roles) == 0 {
		return Principal{}, apperr.New(apperr.Unauthenticated, "You no longer have a role in this organisation. Sign in again.")
	}
	u.Roles = roles
	return Principal{User: u, Org: org, Roles: roles}, nil
}

// SwitchOrg moves a session to another organisation in which the user holds
// a role. Forbidden otherwise.
func (s *Store) SwitchOrg(ctx context.Context, hash, userID, orgID string) error {
	roles, err := s.rolesIn(ctx, s.db, orgID, userID)
	if err != nil {
		return err
	}
	if len(roles) == 0 {
		return apperr.New(apperr.Forbidden, "You do not have a role in that organisation")
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET org_id = $1 WHERE token_hash = $2 AND user_id = $3`, orgID, hash, userID)
		if err != nil {
			return s.wrap(err, "switch organisation")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Unauthenticated, "Sign in to continue")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_org_id = $1 WHERE id = $2`, orgID, userID); err != nil {
			return s.wrap(err, "remember organisation")
		}
		return s.appendAudit(ctx, tx, Change{OrgID: orgID, Action: "session.switch_org", Entity: "user", EntityID: userID, Summary: "switched organisation"})
	})
}

// EndSession deletes a session (sign out).
func (s *Store) EndSession(ctx context.Context, hash string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var userID, orgID string
		err := tx.QueryRowContext(ctx, `DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id, org_id`, hash).Scan(&userID, &orgID)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return s.wrap(err, "end session")
		}
		return s.appendAudit(ctx, tx, Change{OrgID: orgID, Action: "session.end", Entity: "user", EntityID: userID, Summary: "signed out"})
	})
}

// PurgeExpired deletes expired sessions and old sign-in failures.
func (s *Store) PurgeExpired(ctx context.Context) error {
	now := s.now()
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1`, now); err != nil {
		return s.wrap(err, "purge sessions")
	}
	_, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE at < $1`, now.Add(-24*time.Hour))
	return s.wrap(err, "purge sign-in failures")
}

// APIToken is a bearer token for the JSON API. It acts as its user, with
// the user's roles in the token's organisation.
type APIToken struct {
	ID         string     `json:"id"`
	OrgID      string     `json:"org_id"`
	UserID     string     `json:"user_id"`
	UserName   string     `json:"user_name"`
	Name       string     `json:"name"`
	Hint       string     `json:"hint"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// CreateToken makes an API token for a member of orgID and returns it with
// the secret, which is shown once and stored only as a hash.
func (s *Store) CreateToken(ctx context.Context, orgID, userID, name string, expires *time.Time) (APIToken, string, error) {
	name = strings.TrimSpace(name)
	var f apperr.Fields
	f.Check(name == "", "name", "Enter a name that says what the token is for")
	f.Check(len(name) > 100, "name", "Name must be 100 characters or fewer")
	f.Check(expires != nil && !expires.After(s.now()), "expires", "Expiry date must be in the future")
	if err := f.Err(); err != nil {
		return APIToken{}, "", err
	}
	secret := auth.NewAPIToken()
	t := APIToken{ID: NewID(), OrgID: orgID, UserID: userID, Name: name, Hint: secret[len(secret)-4:], CreatedAt: s.now(), ExpiresAt: expires}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		u, err := s.memberInTx(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		t.UserName = u.Name
		var exp any
		if expires != nil {
			exp = expires.UTC()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, org_id, user_id, name, token_hash, hint, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			t.ID, orgID, userID, name, auth.HashToken(nil, secret), t.Hint, t.CreatedAt, exp); err != nil {
			return s.wrap(err, "create token")
		}
		return s.appendAudit(ctx, tx, Change{OrgID: orgID, Action: "token.create", Entity: "api_token", EntityID: t.ID,
			Summary: audit.Summarise("name", name, "acts_as", u.Email)})
	})
	return t, secret, err
}

// RevokeToken revokes one of the organisation's tokens.
func (s *Store) RevokeToken(ctx context.Context, orgID, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var name string
		err := tx.QueryRowContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL RETURNING name`, s.now(), id, orgID).Scan(&name)
		if err == sql.ErrNoRows {
			return notFound("Active API token")
		}
		if err != nil {
			return s.wrap(err, "revoke token")
		}
		return s.appendAudit(ctx, tx, Change{OrgID: orgID, Action: "token.revoke", Entity: "api_token", EntityID: id, Summary: audit.Summarise("name", name)})
	})
}

// ListTokens returns the organisation's API tokens, newest first.
func (s *Store) ListTokens(ctx context.Context, orgID string) ([]APIToken, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.org_id, t.user_id, u.name, t.name, t.hint, t.created_at, t.expires_at, t.last_used_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.org_id = $1 ORDER BY t.created_at DESC, t.id DESC`, orgID)
	if err != nil {
		return nil, s.wrap(err, "list tokens")
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var exp, used, rev sql.NullTime
		if err := rows.Scan(&t.ID, &t.OrgID, &t.UserID, &t.UserName, &t.Name, &t.Hint, &t.CreatedAt, &exp, &used, &rev); err != nil {
			return nil, s.wrap(err, "scan token")
		}
		t.ExpiresAt, t.LastUsedAt, t.RevokedAt = timePtr(exp), timePtr(used), timePtr(rev)
		out = append(out, t)
	}
	return out, s.wrap(rows.Err(), "list tokens")
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// TokenPrincipal authenticates an API token secret. Unauthenticated when
// the token is unknown, revoked, expired or its user is disabled.
func (s *Store) TokenPrincipal(ctx context.Context, secret string) (Principal, error) {
	fail := apperr.New(apperr.Unauthenticated, "The API token is not valid")
	if !strings.HasPrefix(secret, auth.TokenPrefix) {
		return Principal{}, fail
	}
	var id, orgID, userID string
	var exp, rev, used sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT id, org_id, user_id, expires_at, revoked_at, last_used_at FROM api_tokens WHERE token_hash = $1`,
		auth.HashToken(nil, secret)).Scan(&id, &orgID, &userID, &exp, &rev, &used)
	if err == sql.ErrNoRows {
		return Principal{}, fail
	}
	if err != nil {
		return Principal{}, s.wrap(err, "read token")
	}
	now := s.now()
	if rev.Valid || (exp.Valid && now.After(exp.Time)) {
		return Principal{}, fail
	}
	p, err := s.principal(ctx, userID, orgID)
	if err != nil {
		return Principal{}, fail
	}
	p.TokenID = id
	if !used.Valid || now.Sub(used.Time) > time.Minute {
		if _, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now, id); err != nil {
			return Principal{}, s.wrap(err, "touch token")
		}
	}
	return p, nil
}

// RecordAction writes an audit entry for an action that changes nothing
// else in the database (for example an export).
func (s *Store) RecordAction(ctx context.Context, c Change) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.appendAudit(ctx, tx, c) })
}
