package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strconv"
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
	// Scopes are the FHIR API scopes of the token ("AdverseEvent.read");
	// none for a session or a token not granted any.
	Scopes []string
}

// Sign-in throttling. Failures are counted per account and client address
// pair (over a day, cleared by a success) and per address (over an hour,
// so that a busy shared address recovers soon). Past a key's free
// failures, each further attempt waits firstDelay after the latest failure,
// doubling with each failure up to maxDelay: the owner who mistypes is
// slowed, never locked out, and failures from one address never delay the
// owner at another. A wrong current password on the change-password page is
// counted apart, for the account alone.
const (
	pairWindow    = 24 * time.Hour
	addressWindow = time.Hour
	pairFree      = 5  // failures of one account from one address
	addressFree   = 30 // failures from one address, over all accounts
	passwordFree  = 5  // wrong current passwords of one account
	firstDelay    = time.Second
	maxDelay      = 15 * time.Minute
)

// Kinds of login_failures rows.
const (
	failSignIn   = "sign-in"
	failPassword = "password"
)

// ErrBadCredentials is the one message for an unknown email, a wrong
// password or a disabled account, so that none can be told apart.
var ErrBadCredentials = apperr.New(apperr.Unauthenticated, "The email address or password is not right")

// ThrottleError says that an attempt was refused unchecked after too many
// failures, and how long to wait. Its kind is TooMany.
type ThrottleError struct {
	Wait time.Duration
	err  *apperr.Error
}

func newThrottleError(what string, wait time.Duration) *ThrottleError {
	wait = wait.Round(time.Second)
	if wait < time.Second {
		wait = time.Second
	}
	e := apperr.New(apperr.TooMany, "There have been too many failed attempts to %s. Wait %s and try again.", what, waitText(wait))
	e.RetryAfter = wait
	return &ThrottleError{Wait: wait, err: e}
}

func (e *ThrottleError) Error() string { return e.err.Error() }
func (e *ThrottleError) Unwrap() error { return e.err }

// waitText says a wait in whole seconds or, from a minute, whole minutes
// (rounded up).
func waitText(d time.Duration) string {
	if d < time.Minute {
		n := int((d + time.Second - 1) / time.Second)
		if n == 1 {
			return "1 second"
		}
		return strconv.Itoa(n) + " seconds"
	}
	n := int((d + time.Minute - 1) / time.Minute)
	if n == 1 {
		return "1 minute"
	}
	return strconv.Itoa(n) + " minutes"
}

// delayAfter is the wait after n failures of a key that allows free.
func delayAfter(n, free int) time.Duration {
	if n < free {
		return 0
	}
	d := firstDelay
	for i := free; i < n && d < maxDelay; i++ {
		d *= 2
	}
	return min(d, maxDelay)
}

// throttleWait returns how long an attempt on one key must still wait:
// where selects the key's failures, with $1 (at > $1) the window's start.
func (s *DB) throttleWait(ctx context.Context, window time.Duration, free int, where string, args ...any) (time.Duration, error) {
	now := s.now()
	args = append([]any{now.Add(-window)}, args...)
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures WHERE at > $1 AND `+where, args...).Scan(&n); err != nil {
		return 0, s.Wrap(err, "count sign-in failures")
	}
	d := delayAfter(n, free)
	if d == 0 {
		return 0, nil
	}
	var last time.Time
	if err := s.db.QueryRowContext(ctx, `SELECT at FROM login_failures WHERE at > $1 AND `+where+` ORDER BY at DESC LIMIT 1`, args...).Scan(&last); err != nil {
		return 0, s.Wrap(err, "read last sign-in failure")
	}
	return max(0, last.Add(d).Sub(now)), nil
}

func (s *DB) recordFailure(ctx context.Context, kind, email, ip string) error {
	_, err := s.exec(ctx, `INSERT INTO login_failures (id, email, ip, at, kind) VALUES ($1, $2, $3, $4, $5)`,
		NewID(), Truncate(email, 254), Truncate(ip, 64), s.now(), kind)
	return s.Wrap(err, "record sign-in failure")
}

// Authenticate checks an email and password from client address ip. Past
// too many failures of this account from this address, or from this address
// over all accounts, it refuses the attempt unchecked with a *ThrottleError
// (kind TooMany) saying how long to wait. It returns ErrBadCredentials on
// any other failure, which it counts.
func (s *DB) Authenticate(ctx context.Context, email, password, ip string) (User, error) {
	email = normEmail(email)
	pair, err := s.throttleWait(ctx, pairWindow, pairFree, `kind = $2 AND email = $3 AND ip = $4`, failSignIn, Truncate(email, 254), Truncate(ip, 64))
	if err != nil {
		return User{}, err
	}
	addr, err := s.throttleWait(ctx, addressWindow, addressFree, `kind = $2 AND ip = $3`, failSignIn, Truncate(ip, 64))
	if err != nil {
		return User{}, err
	}
	if w := max(pair, addr); w > 0 {
		return User{}, newThrottleError("sign in", w)
	}
	var hash string
	var u User
	row := s.db.QueryRowContext(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE email = $1`, email)
	var last sql.NullTime
	err = row.Scan(&u.ID, &u.Email, &u.Name, &u.PlatformAdmin, &u.Disabled, &u.CreatedAt, &last, &hash)
	if err != nil && !NoRows(err) {
		return User{}, s.Wrap(err, "read user")
	}
	if NoRows(err) {
		hash = auth.DummyHash
	}
	ok, herr := auth.CheckPassword(hash, password)
	if NoRows(err) || herr != nil || !ok || u.Disabled {
		if ferr := s.recordFailure(ctx, failSignIn, email, ip); ferr != nil {
			return User{}, ferr
		}
		return User{}, ErrBadCredentials
	}
	// Only this address's failures for the account are forgiven: the
	// owner signing in elsewhere does not reset an attacker's count.
	if _, err := s.exec(ctx, `DELETE FROM login_failures WHERE kind = $1 AND email = $2 AND ip = $3`, failSignIn, email, Truncate(ip, 64)); err != nil {
		return User{}, s.Wrap(err, "clear sign-in failures")
	}
	return u, nil
}

// CheckCurrentPassword checks the signed-in user's current password before
// a change of password. Wrong answers are counted for the account alone,
// never as sign-in failures; past passwordFree of them it refuses unchecked
// with a *ThrottleError (kind TooMany). A wrong password is Invalid, with
// the message on the current_password field.
func (s *DB) CheckCurrentPassword(ctx context.Context, userID, password, ip string) error {
	var email, hash string
	if err := s.db.QueryRowContext(ctx, `SELECT email, password_hash FROM users WHERE id = $1`, userID).Scan(&email, &hash); err != nil {
		return s.One(err, "User", "read user")
	}
	w, err := s.throttleWait(ctx, pairWindow, passwordFree, `kind = $2 AND email = $3`, failPassword, email)
	if err != nil {
		return err
	}
	if w > 0 {
		return newThrottleError("enter your current password", w)
	}
	ok, herr := auth.CheckPassword(hash, password)
	if herr != nil || !ok {
		if err := s.recordFailure(ctx, failPassword, email, ip); err != nil {
			return err
		}
		return &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem",
			Fields: map[string]string{"current_password": "Your current password is not right"}}
	}
	_, err = s.exec(ctx, `DELETE FROM login_failures WHERE kind = $1 AND email = $2`, failPassword, email)
	return s.Wrap(err, "clear password failures")
}

// truncate shortens s to at most n bytes, cutting between characters.
func Truncate(s string, n int) string {
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
func (s *DB) StartSession(ctx context.Context, preferOrg OrgID, userID, hash string, maxAge time.Duration) (Principal, error) {
	orgs, err := s.OrgsOfUser(ctx, userID)
	if err != nil {
		return Principal{}, err
	}
	if preferOrg == "" {
		var last sql.NullString
		if err := s.db.QueryRowContext(ctx, `SELECT last_org_id FROM users WHERE id = $1`, userID).Scan(&last); err != nil {
			return Principal{}, s.Wrap(err, "read last organisation")
		}
		preferOrg = OrgID(last.String)
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
	err = s.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, org_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			hash, userID, org.ID, now, now, now.Add(maxAge)); err != nil {
			return s.Wrap(err, "start session")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_login_at = $1 WHERE id = $2`, now, userID); err != nil {
			return s.Wrap(err, "record sign-in")
		}
		return tx.Audit(ctx, Change{OrgID: org.ID, Action: "session.start", Entity: "user", EntityID: userID, Summary: "signed in"})
	})
	if err != nil {
		return Principal{}, err
	}
	return s.Session(ctx, hash, maxAge)
}

// Session returns the Principal for a stored session hash, ending the
// session when it has been idle longer than idle or has passed its absolute
// expiry. Unauthenticated when there is no live session.
func (s *DB) Session(ctx context.Context, hash string, idle time.Duration) (Principal, error) {
	var userID string
	var orgID OrgID
	var lastSeen, expires time.Time
	err := s.db.QueryRowContext(ctx, `SELECT user_id, org_id, last_seen_at, expires_at FROM sessions WHERE token_hash = $1`, hash).Scan(&userID, &orgID, &lastSeen, &expires)
	if NoRows(err) {
		return Principal{}, apperr.New(apperr.Unauthenticated, "Sign in to continue")
	}
	if err != nil {
		return Principal{}, s.Wrap(err, "read session")
	}
	now := s.now()
	if now.After(expires) || now.Sub(lastSeen) > idle {
		if _, err := s.exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash); err != nil {
			return Principal{}, s.Wrap(err, "end session")
		}
		return Principal{}, apperr.New(apperr.Unauthenticated, "Your session has ended. Sign in again.")
	}
	p, err := s.principal(ctx, orgID, userID)
	if err != nil {
		return Principal{}, err
	}
	p.SessionHash = hash
	if now.Sub(lastSeen) > time.Minute {
		if _, err := s.exec(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2`, now, hash); err != nil {
			return Principal{}, s.Wrap(err, "touch session")
		}
	}
	return p, nil
}

func (s *DB) principal(ctx context.Context, orgID OrgID, userID string) (Principal, error) {
	u, err := s.UserQ(ctx, s.db, userID)
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
	roles, err := s.MemberRoles(ctx, s.db, orgID, userID)
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
func (s *DB) SwitchOrg(ctx context.Context, orgID OrgID, hash, userID string) error {
	roles, err := s.MemberRoles(ctx, s.db, orgID, userID)
	if err != nil {
		return err
	}
	if len(roles) == 0 {
		return apperr.New(apperr.Forbidden, "You do not have a role in that organisation")
	}
	return s.Tx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET org_id = $1 WHERE token_hash = $2 AND user_id = $3`, orgID, hash, userID)
		if err != nil {
			return s.Wrap(err, "switch organisation")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Unauthenticated, "Sign in to continue")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_org_id = $1 WHERE id = $2`, orgID, userID); err != nil {
			return s.Wrap(err, "remember organisation")
		}
		return tx.Audit(ctx, Change{OrgID: orgID, Action: "session.switch_org", Entity: "user", EntityID: userID, Summary: "switched organisation"})
	})
}

// EndSession deletes a session (sign out).
func (s *DB) EndSession(ctx context.Context, hash string) error {
	return s.Tx(ctx, func(tx *Tx) error {
		var userID string
		var orgID OrgID
		err := tx.QueryRowContext(ctx, `DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id, org_id`, hash).Scan(&userID, &orgID)
		if NoRows(err) {
			return nil
		}
		if err != nil {
			return s.Wrap(err, "end session")
		}
		return tx.Audit(ctx, Change{OrgID: orgID, Action: "session.end", Entity: "user", EntityID: userID, Summary: "signed out"})
	})
}

// PurgeExpired deletes expired sessions and sign-in failures too old to
// count, so that login_failures stays small.
func (s *DB) PurgeExpired(ctx context.Context) error {
	now := s.now()
	if _, err := s.exec(ctx, `DELETE FROM sessions WHERE expires_at < $1`, now); err != nil {
		return s.Wrap(err, "purge sessions")
	}
	_, err := s.exec(ctx, `DELETE FROM login_failures WHERE at < $1`, now.Add(-pairWindow))
	return s.Wrap(err, "purge sign-in failures")
}

// APIToken is a bearer token for the JSON API. It acts as its user, with
// the user's roles in the token's organisation.
type APIToken struct {
	ID         string     `json:"id"`
	OrgID      OrgID      `json:"org_id"`
	UserID     string     `json:"user_id"`
	UserName   string     `json:"user_name"`
	Name       string     `json:"name"`
	Hint       string     `json:"hint"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// Roles the token is narrowed to; empty means all of its creator's.
	Roles []auth.Role `json:"roles,omitempty"`
	// Scopes the token is granted on the FHIR API (see ParseScopes);
	// none means it cannot use the FHIR API.
	Scopes []string `json:"scopes,omitempty"`
}

// scopeRE is one FHIR API scope: a resource type (or * for every type)
// and read or write.
var scopeRE = regexp.MustCompile(`^(\*|[A-Z][A-Za-z]{1,63})\.(read|write)$`)

// ParseScopes reads space-separated FHIR API scopes such as
// "AdverseEvent.read AdverseEvent.write Device.read" or "*.read", sorted
// and without repeats; Invalid naming the one that is not a scope.
func ParseScopes(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Fields(s) {
		if !scopeRE.MatchString(f) {
			return nil, apperr.Field("scopes", fmt.Sprintf("%.40q is not a scope: give a resource type or *, a dot, and read or write, such as AdverseEvent.read", f))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out, nil
}

// HasScope reports whether scopes grant op (read or write) on the FHIR
// resource type typ.
func HasScope(scopes []string, typ, op string) bool {
	return slices.Contains(scopes, typ+"."+op) || slices.Contains(scopes, "*."+op)
}

// CreateToken makes an API token for userID, a member of orgID, and returns
// it with the secret, which is shown once and stored only as a hash. A
// token acts only as the person who creates it (Forbidden otherwise; the
// command line, as the instance operator, may make one for any member),
// with at most their roles: roles narrows it to some of them, and empty
// means all the roles they hold when the token is used. A token can never
// sign (approve or issue).
func (s *DB) CreateToken(ctx context.Context, orgID OrgID, userID, name string, roles []auth.Role, expires *time.Time) (APIToken, string, error) {
	return s.CreateScopedToken(ctx, orgID, userID, name, roles, nil, expires)
}

// CreateScopedToken is CreateToken for a token granted scopes on the FHIR
// API (see ParseScopes).
func (s *DB) CreateScopedToken(ctx context.Context, orgID OrgID, userID, name string, roles []auth.Role, scopes []string, expires *time.Time) (APIToken, string, error) {
	name = strings.TrimSpace(name)
	a := audit.ActorFrom(ctx)
	if !a.Operator && (a.UserID == "" || a.UserID != userID) {
		return APIToken{}, "", apperr.New(apperr.Forbidden, "An API token acts as the person who creates it: you cannot make one for someone else")
	}
	if a.ViaToken {
		return APIToken{}, "", apperr.New(apperr.Forbidden, "An API token cannot make another token: sign in to clinsafe to make one")
	}
	var f apperr.Fields
	f.Check(name == "", "name", "Enter a name that says what the token is for")
	f.Check(len(name) > 100, "name", "Name must be 100 characters or fewer")
	f.Check(expires != nil && !expires.After(s.now()), "expires", "Expiry date must be in the future")
	if err := f.Err(); err != nil {
		return APIToken{}, "", err
	}
	auth.SortRoles(roles)
	roles = uniqueRoles(roles)
	scopes, err := ParseScopes(strings.Join(scopes, " "))
	if err != nil {
		return APIToken{}, "", err
	}
	secret := auth.NewAPIToken()
	t := APIToken{ID: NewID(), OrgID: orgID, UserID: userID, Name: name, Hint: secret[len(secret)-4:], CreatedAt: s.now(), ExpiresAt: expires, Roles: roles, Scopes: scopes}
	err = s.Tx(ctx, func(tx *Tx) error {
		u, err := s.memberInTx(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		for _, r := range roles {
			if !auth.HasAny(u.Roles, r) {
				return apperr.Field("roles", "A token can have only roles you hold yourself")
			}
		}
		t.UserName = u.Name
		var exp any
		if expires != nil {
			exp = expires.UTC()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, org_id, user_id, name, token_hash, hint, created_at, expires_at, roles, scopes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			t.ID, orgID, userID, name, auth.HashToken(nil, secret), t.Hint, t.CreatedAt, exp, tokenRoles(roles), strings.Join(scopes, " ")); err != nil {
			return s.Wrap(err, "create token")
		}
		summary := []string{"name", name, "acts_as", u.Email, "roles", tokenRolesSummary(roles)}
		if len(scopes) > 0 {
			summary = append(summary, "scopes", strings.Join(scopes, " "))
		}
		return tx.Audit(ctx, Change{OrgID: orgID, Action: "token.create", Entity: "api_token", EntityID: t.ID,
			Summary: audit.Summarise(summary...)})
	})
	return t, secret, err
}

// tokenRoles is the stored form of a token's roles: empty for all of its
// creator's.
func tokenRoles(rs []auth.Role) string {
	if len(rs) == 0 {
		return ""
	}
	return rolesString(rs)
}

func tokenRolesSummary(rs []auth.Role) string {
	if len(rs) == 0 {
		return "all of the creator's"
	}
	return rolesString(rs)
}

// RevokeToken revokes one of the organisation's tokens.
func (s *DB) RevokeToken(ctx context.Context, orgID OrgID, id string) error {
	return s.Tx(ctx, func(tx *Tx) error {
		var name string
		err := tx.QueryRowContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL RETURNING name`, s.now(), id, orgID).Scan(&name)
		if err != nil {
			return s.One(err, "Active API token", "revoke token")
		}
		return tx.Audit(ctx, Change{OrgID: orgID, Action: "token.revoke", Entity: "api_token", EntityID: id, Summary: audit.Summarise("name", name)})
	})
}

// ListTokens returns the organisation's API tokens, newest first.
func (s *DB) ListTokens(ctx context.Context, orgID OrgID) ([]APIToken, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.org_id, t.user_id, u.name, t.name, t.hint, t.created_at, t.expires_at, t.last_used_at, t.revoked_at, t.roles, t.scopes
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.org_id = $1 ORDER BY t.created_at DESC, t.id DESC`, orgID)
	if err != nil {
		return nil, s.Wrap(err, "list tokens")
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var exp, used, rev sql.NullTime
		var roles, scopes string
		if err := rows.Scan(&t.ID, &t.OrgID, &t.UserID, &t.UserName, &t.Name, &t.Hint, &t.CreatedAt, &exp, &used, &rev, &roles, &scopes); err != nil {
			return nil, s.Wrap(err, "scan token")
		}
		t.Scopes = strings.Fields(scopes)
		if roles != "" {
			t.Roles, _ = auth.ParseRoles(roles)
		}
		t.ExpiresAt, t.LastUsedAt, t.RevokedAt = TimePtr(exp), TimePtr(used), TimePtr(rev)
		out = append(out, t)
	}
	return out, s.Wrap(rows.Err(), "list tokens")
}

func TimePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// TokenPrincipal authenticates an API token secret. Unauthenticated when
// the token is unknown, revoked, expired or its user is disabled.
func (s *DB) TokenPrincipal(ctx context.Context, secret string) (Principal, error) {
	fail := apperr.New(apperr.Unauthenticated, "The API token is not valid")
	if !strings.HasPrefix(secret, auth.TokenPrefix) {
		return Principal{}, fail
	}
	// The token, its user, its organisation and the user's roles there,
	// in one query: a row for each role (none when the user holds none).
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.expires_at, t.revoked_at, t.last_used_at, t.roles, t.scopes, `+Qualify("u.", userCols)+`, `+
		Qualify("o.", orgCols)+`, COALESCE(r.role, '')
		FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN organisations o ON o.id = t.org_id
		LEFT JOIN user_roles r ON r.org_id = t.org_id AND r.user_id = t.user_id
		WHERE t.token_hash = $1`, auth.HashToken(nil, secret))
	if err != nil {
		return Principal{}, s.Wrap(err, "read token")
	}
	defer rows.Close()
	var id, roles, scopes string
	var exp, rev, used sql.NullTime
	var p Principal
	found := false
	for rows.Next() {
		var u User
		var last sql.NullTime
		var o Org
		var role string
		dest := append([]any{&id, &exp, &rev, &used, &roles, &scopes}, userDest(&u, &last)...)
		if err := rows.Scan(append(append(dest, orgDest(&o)...), &role)...); err != nil {
			return Principal{}, s.Wrap(err, "read token")
		}
		u.setLastLogin(last)
		if !found {
			p, found = Principal{User: u, Org: o}, true
		}
		if role != "" {
			p.Roles = append(p.Roles, auth.Role(role))
		}
	}
	if err := rows.Err(); err != nil {
		return Principal{}, s.Wrap(err, "read token")
	}
	rows.Close()
	if !found {
		return Principal{}, fail
	}
	now := s.now()
	if rev.Valid || (exp.Valid && now.After(exp.Time)) || p.User.Disabled {
		return Principal{}, fail
	}
	auth.SortRoles(p.Roles)
	p.User.Roles = p.Roles
	if roles != "" {
		// Narrowed: the creator's current roles that the token names.
		narrow, _ := auth.ParseRoles(roles)
		var held []auth.Role
		for _, r := range p.Roles {
			if auth.HasAny(narrow, r) {
				held = append(held, r)
			}
		}
		p.Roles = held
	}
	if len(p.Roles) == 0 {
		return Principal{}, fail
	}
	p.TokenID = id
	p.Scopes = strings.Fields(scopes)
	if !used.Valid || now.Sub(used.Time) > time.Minute {
		if _, err := s.exec(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now, id); err != nil {
			return Principal{}, s.Wrap(err, "touch token")
		}
	}
	return p, nil
}

// RecordAction writes an audit entry for an action that changes nothing
// else in the database (for example an export).
func (s *DB) RecordAction(ctx context.Context, c Change) error {
	c.noContent = true
	return s.Tx(ctx, func(tx *Tx) error { return tx.Audit(ctx, c) })
}
