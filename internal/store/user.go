package store

import (
	"context"
	"database/sql"
	"net/mail"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
)

// User is a person who signs in. Roles are held per organisation.
type User struct {
	ID            string     `json:"id"`
	Email         string     `json:"email"`
	Name          string     `json:"name"`
	PlatformAdmin bool       `json:"platform_admin"`
	Disabled      bool       `json:"disabled"`
	CreatedAt     time.Time  `json:"created_at"`
	LastLoginAt   *time.Time `json:"last_login_at,omitempty"`
	// Roles in the organisation the user was read for (ListUsers, UserInOrg).
	Roles []auth.Role `json:"roles,omitempty"`
}

// NewUser is the input to CreateUser.
type NewUser struct {
	Email, Name, Password string
	OrgID                 OrgID       // organisation to grant Roles in
	Roles                 []auth.Role // at least one
	PlatformAdmin         bool
}

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func validateEmailName(f *apperr.Fields, email, name string) {
	a, err := mail.ParseAddress(email)
	f.Check(email == "", "email", "Enter an email address")
	f.Check(email != "" && (err != nil || a.Address != email || len(email) > 254), "email", "Enter an email address in the correct format, like name@example.nhs.uk")
	f.Check(strings.TrimSpace(name) == "", "name", "Enter the person's full name")
	f.Check(len(name) > 200, "name", "Name must be 200 characters or fewer")
}

// CreateUser adds a user with roles in one organisation. Invalid on bad
// fields (per-field messages), including an email already in use.
func (s *DB) CreateUser(ctx context.Context, in NewUser) (User, error) {
	in.Email, in.Name = normEmail(in.Email), strings.TrimSpace(in.Name)
	var f apperr.Fields
	validateEmailName(&f, in.Email, in.Name)
	if msg := auth.CheckPasswordStrength(in.Password); msg != "" {
		f.Add("password", msg)
	}
	f.Check(len(in.Roles) == 0, "roles", "Select at least one role")
	f.Check(in.OrgID == "", "org", "Select an organisation")
	if err := f.Err(); err != nil {
		return User{}, err
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return User{}, err
	}
	u := User{ID: NewID(), Email: in.Email, Name: in.Name, PlatformAdmin: in.PlatformAdmin, CreatedAt: s.now(), Roles: in.Roles}
	err = s.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, password_hash, platform_admin, disabled, created_at, last_org_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			u.ID, u.Email, u.Name, hash, u.PlatformAdmin, false, u.CreatedAt, in.OrgID); err != nil {
			if apperr.Is(s.MapErr(err), apperr.Conflict) {
				return apperr.Field("email", "A user with this email address already exists")
			}
			return s.Wrap(err, "create user")
		}
		if err := s.setRoles(ctx, tx, in.OrgID, u.ID, in.Roles); err != nil {
			return err
		}
		return tx.Audit(ctx, Change{OrgID: in.OrgID, Action: "user.create", Entity: "user", EntityID: u.ID,
			Summary: audit.Summarise("email", u.Email, "name", u.Name, "roles", rolesString(in.Roles), "platform_admin", YesNo(u.PlatformAdmin))})
	})
	return u, err
}

func rolesString(rs []auth.Role) string {
	if len(rs) == 0 {
		return "(none)"
	}
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func YesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (s *DB) setRoles(ctx context.Context, tx *Tx, orgID OrgID, userID string, roles []auth.Role) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_roles WHERE org_id = $1 AND user_id = $2`, orgID, userID); err != nil {
		return s.Wrap(err, "clear roles")
	}
	for _, r := range roles {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_roles (org_id, user_id, role) VALUES ($1, $2, $3)`, orgID, userID, string(r)); err != nil {
			return s.Wrap(err, "grant role %s", r)
		}
	}
	return nil
}

// SetRoles replaces the roles of a member of an organisation; no roles
// removes them from it. NotFound when the user is not already a member
// (people join by invitation, see Invite, or through AddMember). It refuses
// to remove the organisation's last admin.
func (s *DB) SetRoles(ctx context.Context, orgID OrgID, userID string, roles []auth.Role) error {
	auth.SortRoles(roles)
	return s.Tx(ctx, func(tx *Tx) error {
		u, err := s.memberInTx(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		old := u.Roles
		if auth.HasAny(old, auth.Admin) && !auth.HasAny(roles, auth.Admin) {
			var admins int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.org_id = $1 AND r.role = 'admin' AND NOT u.disabled`, orgID).Scan(&admins); err != nil {
				return s.Wrap(err, "count admins")
			}
			if admins <= 1 {
				return apperr.Field("roles", "The organisation must keep at least one administrator")
			}
		}
		if err := s.setRoles(ctx, tx, orgID, userID, roles); err != nil {
			return err
		}
		action := "user.roles"
		if len(roles) == 0 {
			action = "user.remove"
		}
		return tx.Audit(ctx, Change{OrgID: orgID, Action: action, Entity: "user", EntityID: userID,
			Summary: audit.Summarise("email", u.Email, "roles", rolesString(old)+" → "+rolesString(roles))})
	})
}

func (s *DB) MemberRoles(ctx context.Context, q Querier, orgID OrgID, userID string) ([]auth.Role, error) {
	rows, err := q.QueryContext(ctx, `SELECT role FROM user_roles WHERE org_id = $1 AND user_id = $2`, orgID, userID)
	if err != nil {
		return nil, s.Wrap(err, "read roles")
	}
	defer rows.Close()
	var out []auth.Role
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, s.Wrap(err, "scan role")
		}
		out = append(out, auth.Role(r))
	}
	auth.SortRoles(out)
	return out, s.Wrap(rows.Err(), "read roles")
}

// RolesIn returns the roles the user holds in the organisation.
func (s *DB) RolesIn(ctx context.Context, orgID OrgID, userID string) ([]auth.Role, error) {
	return s.MemberRoles(ctx, s.db, orgID, userID)
}

const userCols = `id, email, name, platform_admin, disabled, created_at, last_login_at`

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var last sql.NullTime
	err := sc.Scan(userDest(&u, &last)...)
	u.setLastLogin(last)
	return u, err
}

// userDest are the scan destinations of userCols into u, the last login
// into last (see setLastLogin), for a query that reads more than a user.
func userDest(u *User, last *sql.NullTime) []any {
	return []any{&u.ID, &u.Email, &u.Name, &u.PlatformAdmin, &u.Disabled, &u.CreatedAt, last}
}

// setLastLogin sets u's last login from the column scanned by userDest.
func (u *User) setLastLogin(last sql.NullTime) {
	if last.Valid {
		t := last.Time.UTC()
		u.LastLoginAt = &t
	}
}

func (s *DB) UserQ(ctx context.Context, q Querier, id string) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	return u, s.One(err, "User", "get user")
}

// User returns a user by id, without roles (instance-level lookups).
func (s *DB) User(ctx context.Context, id string) (User, error) { return s.UserQ(ctx, s.db, id) }

// UserInOrg returns a user who holds a role in orgID, with those roles.
// NotFound when the user is not a member: this is how one organisation is
// kept from reading another's people.
func (s *DB) UserInOrg(ctx context.Context, orgID OrgID, id string) (User, error) {
	u, err := s.UserQ(ctx, s.db, id)
	if err != nil {
		return User{}, err
	}
	if u.Roles, err = s.MemberRoles(ctx, s.db, orgID, id); err != nil {
		return User{}, err
	}
	if len(u.Roles) == 0 {
		return User{}, NotFound("User")
	}
	return u, nil
}

// UserByEmail returns a user by email address.
func (s *DB) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email = $1`, normEmail(email)))
	return u, s.One(err, "User "+email, "get user by email")
}

// ListUsers returns the members of an organisation with their roles there.
func (s *DB) ListUsers(ctx context.Context, orgID OrgID) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT u.id, u.email, u.name, u.platform_admin, u.disabled, u.created_at, u.last_login_at, r.role
		FROM users u JOIN user_roles r ON r.user_id = u.id WHERE r.org_id = $1 ORDER BY u.name, u.id`, orgID)
	if err != nil {
		return nil, s.Wrap(err, "list users")
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var last sql.NullTime
		var role string
		if err := rows.Scan(&u.ID, &u.Email, &u.Name, &u.PlatformAdmin, &u.Disabled, &u.CreatedAt, &last, &role); err != nil {
			return nil, s.Wrap(err, "scan user")
		}
		if last.Valid {
			t := last.Time.UTC()
			u.LastLoginAt = &t
		}
		if n := len(out); n > 0 && out[n-1].ID == u.ID {
			out[n-1].Roles = append(out[n-1].Roles, auth.Role(role))
			continue
		}
		u.Roles = []auth.Role{auth.Role(role)}
		out = append(out, u)
	}
	for i := range out {
		auth.SortRoles(out[i].Roles)
	}
	return out, s.Wrap(rows.Err(), "list users")
}

// ListAllUsers returns every user (command line).
func (s *DB) ListAllUsers(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY email`)
	if err != nil {
		return nil, s.Wrap(err, "list users")
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, s.Wrap(err, "scan user")
		}
		out = append(out, u)
	}
	return out, s.Wrap(rows.Err(), "list users")
}

// UpdateUser changes name and email. orgID is the organisation the change is
// made from (for the audit entry and scoping): the user must belong to it.
// Forbidden unless the actor may change the account: its owner, an instance
// administrator, or an admin of orgID when the person belongs to orgID
// alone and is not an instance administrator.
func (s *DB) UpdateUser(ctx context.Context, orgID OrgID, u User) error {
	u.Email, u.Name = normEmail(u.Email), strings.TrimSpace(u.Name)
	var f apperr.Fields
	validateEmailName(&f, u.Email, u.Name)
	if err := f.Err(); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Tx) error {
		old, err := s.memberInTx(ctx, tx, orgID, u.ID)
		if err != nil {
			return err
		}
		if err := s.accountAuthority(ctx, tx, orgID, old); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET email = $1, name = $2 WHERE id = $3`, u.Email, u.Name, u.ID); err != nil {
			if apperr.Is(s.MapErr(err), apperr.Conflict) {
				return apperr.Field("email", "A user with this email address already exists")
			}
			return s.Wrap(err, "update user")
		}
		return tx.Audit(ctx, Change{OrgID: orgID, Action: "user.update", Entity: "user", EntityID: u.ID,
			Summary: audit.Summarise("email", old.Email+" → "+u.Email, "name", old.Name+" → "+u.Name)})
	})
}

func (s *DB) memberInTx(ctx context.Context, tx *Tx, orgID OrgID, userID string) (User, error) {
	u, err := s.UserQ(ctx, tx, userID)
	if err != nil {
		return User{}, err
	}
	roles, err := s.MemberRoles(ctx, tx, orgID, userID)
	if err != nil {
		return User{}, err
	}
	if orgID != "" && len(roles) == 0 {
		return User{}, NotFound("User")
	}
	u.Roles = roles
	return u, nil
}

// SetPassword sets a new password. orgID scopes the change as UpdateUser
// does; empty means an instance-level change (command line, own account).
// Forbidden unless the actor may change the account (see accountAuthority).
func (s *DB) SetPassword(ctx context.Context, orgID OrgID, userID, password string) error {
	if msg := auth.CheckPasswordStrength(password); msg != "" {
		return apperr.Field("password", msg)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Tx) error {
		u, err := s.memberInTx(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if err := s.accountAuthority(ctx, tx, orgID, u); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID); err != nil {
			return s.Wrap(err, "set password")
		}
		// A new password ends every other session.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
			return s.Wrap(err, "end sessions")
		}
		return tx.Audit(ctx, Change{OrgID: orgID, Action: "user.password", Entity: "user", EntityID: userID,
			Summary: audit.Summarise("email", u.Email, "password", "changed")})
	})
}

// SetDisabled disables or re-enables a user. Disabling ends their sessions
// and API tokens stop working.
func (s *DB) SetDisabled(ctx context.Context, orgID OrgID, userID string, disabled bool) error {
	return s.Tx(ctx, func(tx *Tx) error {
		u, err := s.memberInTx(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if err := s.accountAuthority(ctx, tx, orgID, u); err != nil {
			return err
		}
		if disabled && orgID != "" && auth.HasAny(u.Roles, auth.Admin) {
			var admins int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.org_id = $1 AND r.role = 'admin' AND NOT u.disabled AND u.id <> $2`, orgID, userID).Scan(&admins); err != nil {
				return s.Wrap(err, "count admins")
			}
			if admins == 0 {
				return apperr.New(apperr.Invalid, "You cannot disable the organisation's last administrator")
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled = $1 WHERE id = $2`, disabled, userID); err != nil {
			return s.Wrap(err, "disable user")
		}
		if disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
				return s.Wrap(err, "end sessions")
			}
		}
		action := "user.enable"
		if disabled {
			action = "user.disable"
		}
		return tx.Audit(ctx, Change{OrgID: orgID, Action: action, Entity: "user", EntityID: userID, Summary: audit.Summarise("email", u.Email)})
	})
}
