package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
)

// A person's account (name, email, password, disabled) is shared across the
// instance; their memberships (roles) are held per organisation. The rules:
//
//   - an organisation's administrator manages memberships of their own
//     organisation only: the roles of people who are already members, and
//     removing them; a new member joins by accepting an invitation;
//   - an account can be changed by its owner, by an instance (platform)
//     administrator, or by an organisation's administrator when the person
//     belongs to that organisation alone and is not an instance
//     administrator;
//   - the command line acts as the instance operator.

// accountAuthority returns Forbidden unless the actor in ctx may change
// the account of target, acting from orgID. orgID empty is an
// instance-level change and needs the operator, the owner or an instance
// administrator.
func (s *DB) accountAuthority(ctx context.Context, q Querier, orgID OrgID, target User) error {
	a := audit.ActorFrom(ctx)
	if a.Operator || (a.UserID != "" && a.UserID == target.ID) {
		return nil
	}
	if a.UserID == "" {
		return apperr.New(apperr.Forbidden, "Sign in to change an account")
	}
	actor, err := s.UserQ(ctx, q, a.UserID)
	if err != nil {
		return apperr.New(apperr.Forbidden, "Sign in to change an account")
	}
	if actor.PlatformAdmin {
		return nil
	}
	if orgID == "" {
		return apperr.New(apperr.Forbidden, "Only the person themselves or an instance administrator can change this account")
	}
	held, err := s.MemberRoles(ctx, q, orgID, a.UserID)
	if err != nil {
		return err
	}
	if !auth.HasAny(held, auth.Admin) {
		return apperr.New(apperr.Forbidden, "Only an administrator of the organisation can change its members' accounts")
	}
	if target.PlatformAdmin {
		return apperr.New(apperr.Forbidden, "%s is an instance administrator: only they or another instance administrator can change their account", target.Name)
	}
	var others int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT org_id) FROM user_roles WHERE user_id = $1 AND org_id <> $2`, target.ID, orgID).Scan(&others); err != nil {
		return s.Wrap(err, "count memberships")
	}
	if others > 0 {
		return apperr.New(apperr.Forbidden, "%s also belongs to other organisations: only they or an instance administrator can change their name, email, password or account status. You can change their roles here, or remove them from this organisation.", target.Name)
	}
	return nil
}

// CanManageAccount reports whether the actor in ctx may change the account
// (name, email, password, disabled) of a member of orgID, so that pages
// offer only what will be allowed.
func (s *DB) CanManageAccount(ctx context.Context, orgID OrgID, userID string) (bool, error) {
	u, err := s.UserQ(ctx, s.db, userID)
	if err != nil {
		return false, err
	}
	err = s.accountAuthority(ctx, s.db, orgID, u)
	if apperr.Is(err, apperr.Forbidden) {
		return false, nil
	}
	return err == nil, err
}

// AddMember gives an existing user roles in an organisation they may not
// yet belong to. It is for the instance operator (command line, demo), for
// the creator of a new organisation and for accepting an invitation; an
// organisation's administrator adds people by invitation instead, and
// changes the roles of existing members with SetRoles.
func (s *DB) AddMember(ctx context.Context, orgID OrgID, userID string, roles []auth.Role) error {
	if len(roles) == 0 {
		return apperr.Field("roles", "Select at least one role")
	}
	auth.SortRoles(roles)
	return s.Tx(ctx, func(tx *Tx) error {
		u, err := s.UserQ(ctx, tx, userID)
		if err != nil {
			return err
		}
		old, err := s.MemberRoles(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if err := s.setRoles(ctx, tx, orgID, userID, roles); err != nil {
			return err
		}
		return tx.Audit(ctx, Change{OrgID: orgID, Action: "user.member", Entity: "user", EntityID: userID,
			Summary: audit.Summarise("email", u.Email, "roles", rolesString(old)+" → "+rolesString(roles))})
	})
}

// Invitation is an offer to join an organisation with roles. Its code is
// shown once to the administrator who makes it and stored only as a hash.
type Invitation struct {
	ID         string      `json:"id"`
	OrgID      OrgID       `json:"org_id"`
	OrgName    string      `json:"org_name,omitempty"`
	Email      string      `json:"email"`
	Name       string      `json:"name"`
	Roles      []auth.Role `json:"roles"`
	CreatedAt  time.Time   `json:"created_at"`
	ExpiresAt  time.Time   `json:"expires_at"`
	AcceptedAt *time.Time  `json:"accepted_at,omitempty"`
	RevokedAt  *time.Time  `json:"revoked_at,omitempty"`
}

// Status is "pending", "accepted", "revoked" or "expired".
func (i Invitation) Status(now time.Time) string {
	switch {
	case i.AcceptedAt != nil:
		return "accepted"
	case i.RevokedAt != nil:
		return "revoked"
	case !now.Before(i.ExpiresAt):
		return "expired"
	}
	return "pending"
}

// InvitationTTL is how long an invitation can be accepted.
const InvitationTTL = 7 * 24 * time.Hour

const inviteCodePrefix = "csi_"

// Invite makes an invitation to join orgID with roles and returns it with
// its one-time code. It behaves the same whether or not an account with
// the email exists, so that making an invitation reveals nothing about
// other organisations' people. Invalid on bad fields.
func (s *DB) Invite(ctx context.Context, orgID OrgID, email, name string, roles []auth.Role) (Invitation, string, error) {
	email, name = normEmail(email), strings.TrimSpace(name)
	var f apperr.Fields
	validateEmailName(&f, email, name)
	f.Check(len(roles) == 0, "roles", "Select at least one role")
	if err := f.Err(); err != nil {
		return Invitation{}, "", err
	}
	auth.SortRoles(roles)
	code := inviteCodePrefix + auth.NewSecret(24)
	now := s.now()
	inv := Invitation{ID: NewID(), OrgID: orgID, Email: email, Name: name, Roles: roles, CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)}
	a := audit.ActorFrom(ctx)
	err := s.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO invitations (id, org_id, email, name, roles, code_hash, created_by_id, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, inv.ID, orgID, email, name, rolesString(roles), auth.HashToken(nil, code),
			Nullable(a.UserID), now, inv.ExpiresAt); err != nil {
			return s.Wrap(err, "create invitation")
		}
		return tx.Audit(ctx, Change{OrgID: orgID, Action: "invitation.create", Entity: "invitation", EntityID: inv.ID,
			Summary: audit.Summarise("email", email, "name", name, "roles", rolesString(roles))})
	})
	return inv, code, err
}

const invitationCols = `i.id, i.org_id, o.name, i.email, i.name, i.roles, i.created_at, i.expires_at, i.accepted_at, i.revoked_at`

func scanInvitation(sc interface{ Scan(...any) error }) (Invitation, error) {
	var inv Invitation
	var roles string
	var acc, rev sql.NullTime
	if err := sc.Scan(&inv.ID, &inv.OrgID, &inv.OrgName, &inv.Email, &inv.Name, &roles, &inv.CreatedAt, &inv.ExpiresAt, &acc, &rev); err != nil {
		return inv, err
	}
	inv.CreatedAt, inv.ExpiresAt = inv.CreatedAt.UTC(), inv.ExpiresAt.UTC()
	inv.AcceptedAt, inv.RevokedAt = TimePtr(acc), TimePtr(rev)
	inv.Roles, _ = auth.ParseRoles(roles)
	return inv, nil
}

// ListInvitations returns the organisation's invitations, newest first.
func (s *DB) ListInvitations(ctx context.Context, orgID OrgID) ([]Invitation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+invitationCols+` FROM invitations i JOIN organisations o ON o.id = i.org_id
		WHERE i.org_id = $1 ORDER BY i.created_at DESC, i.id DESC LIMIT 200`, orgID)
	if err != nil {
		return nil, s.Wrap(err, "list invitations")
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, s.Wrap(err, "scan invitation")
		}
		out = append(out, inv)
	}
	return out, s.Wrap(rows.Err(), "list invitations")
}

// RevokeInvitation withdraws one of the organisation's pending invitations.
func (s *DB) RevokeInvitation(ctx context.Context, orgID OrgID, id string) error {
	return s.Tx(ctx, func(tx *Tx) error {
		var email string
		err := tx.QueryRowContext(ctx, `UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL AND accepted_at IS NULL RETURNING email`,
			s.now(), id, orgID).Scan(&email)
		if err != nil {
			return s.One(err, "Pending invitation", "revoke invitation")
		}
		return tx.Audit(ctx, Change{OrgID: orgID, Action: "invitation.revoke", Entity: "invitation", EntityID: id, Summary: audit.Summarise("email", email)})
	})
}

var errInvitation = apperr.New(apperr.NotFound, "This invitation link is not valid. It may have been used, withdrawn or mistyped: ask the administrator who invited you for a new one.")

// InvitationByCode returns the pending invitation for a code. NotFound when
// the code is unknown, used, withdrawn or expired (one message for all).
func (s *DB) InvitationByCode(ctx context.Context, code string) (Invitation, error) {
	return s.invitationByCode(ctx, s.db, code)
}

func (s *DB) invitationByCode(ctx context.Context, q Querier, code string) (Invitation, error) {
	code = strings.TrimSpace(code)
	if !strings.HasPrefix(code, inviteCodePrefix) || len(code) > 100 {
		return Invitation{}, errInvitation
	}
	inv, err := scanInvitation(q.QueryRowContext(ctx, `SELECT `+invitationCols+` FROM invitations i JOIN organisations o ON o.id = i.org_id WHERE i.code_hash = $1`,
		auth.HashToken(nil, code)))
	if NoRows(err) {
		return Invitation{}, errInvitation
	}
	if err != nil {
		return Invitation{}, s.Wrap(err, "read invitation")
	}
	if inv.Status(s.now()) != "pending" {
		return Invitation{}, errInvitation
	}
	return inv, nil
}

// AcceptInvitation adds the signed-in user (the actor in ctx) to the
// invitation's organisation with its roles. The user's email must be the
// one invited: Forbidden otherwise.
func (s *DB) AcceptInvitation(ctx context.Context, code string) (Invitation, error) {
	a := audit.ActorFrom(ctx)
	var inv Invitation
	err := s.Tx(ctx, func(tx *Tx) error {
		var err error
		if inv, err = s.invitationByCode(ctx, tx, code); err != nil {
			return err
		}
		u, err := s.UserQ(ctx, tx, a.UserID)
		if err != nil {
			return apperr.New(apperr.Unauthenticated, "Sign in to accept the invitation")
		}
		if u.Email != inv.Email {
			return apperr.New(apperr.Forbidden, "This invitation is for %s, but you are signed in as %s. Sign out, then sign in as %s to accept it.", inv.Email, u.Email, inv.Email)
		}
		return s.acceptInTx(ctx, tx, inv, u)
	})
	return inv, err
}

func (s *DB) acceptInTx(ctx context.Context, tx *Tx, inv Invitation, u User) error {
	old, err := s.MemberRoles(ctx, tx, inv.OrgID, u.ID)
	if err != nil {
		return err
	}
	merged := append(append([]auth.Role{}, old...), inv.Roles...)
	merged = uniqueRoles(merged)
	if err := s.setRoles(ctx, tx, inv.OrgID, u.ID, merged); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE invitations SET accepted_at = $1, accepted_user_id = $2 WHERE id = $3`, s.now(), u.ID, inv.ID); err != nil {
		return s.Wrap(err, "accept invitation")
	}
	// Two entries: the invitation is used, and the person is a member.
	if err := tx.Audit(ctx, Change{OrgID: inv.OrgID, Action: "invitation.accept", Entity: "invitation", EntityID: inv.ID,
		Summary: audit.Summarise("email", u.Email)}); err != nil {
		return err
	}
	return tx.Audit(ctx, Change{OrgID: inv.OrgID, Action: "user.member", Entity: "user", EntityID: u.ID,
		Summary: audit.Summarise("email", u.Email, "invitation", inv.ID, "roles", rolesString(old)+" → "+rolesString(merged))})
}

func uniqueRoles(rs []auth.Role) []auth.Role {
	auth.SortRoles(rs)
	out := rs[:0]
	for i, r := range rs {
		if i == 0 || r != rs[i-1] {
			out = append(out, r)
		}
	}
	return out
}

// AcceptInvitationNew creates an account for the person invited, with the
// name and password they choose, and makes them a member. When an account
// with the invited email already exists the person must sign in to accept
// instead (Invalid, said only to the holder of the code).
func (s *DB) AcceptInvitationNew(ctx context.Context, code, name, password string) (User, Invitation, error) {
	name = strings.TrimSpace(name)
	inv, err := s.InvitationByCode(ctx, code)
	if err != nil {
		return User{}, Invitation{}, err
	}
	var f apperr.Fields
	validateEmailName(&f, inv.Email, name)
	if msg := auth.CheckPasswordStrength(password); msg != "" {
		f.Add("password", msg)
	}
	if err := f.Err(); err != nil {
		return User{}, inv, err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return User{}, inv, err
	}
	u := User{ID: NewID(), Email: inv.Email, Name: name, CreatedAt: s.now(), Roles: inv.Roles}
	err = s.Tx(ctx, func(tx *Tx) error {
		// Read again inside the transaction: the code is used once.
		if inv, err = s.invitationByCode(ctx, tx, code); err != nil {
			return err
		}
		ctx := audit.WithActor(ctx, audit.Actor{UserID: u.ID, Name: u.Name, RequestID: audit.ActorFrom(ctx).RequestID})
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, password_hash, platform_admin, disabled, created_at, last_org_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			u.ID, u.Email, u.Name, hash, false, false, u.CreatedAt, inv.OrgID); err != nil {
			if apperr.Is(s.MapErr(err), apperr.Conflict) {
				return apperr.New(apperr.Invalid, "You already have a clinsafe account with %s. Sign in to accept the invitation.", inv.Email)
			}
			return s.Wrap(err, "create user")
		}
		if err := tx.Audit(ctx, Change{OrgID: inv.OrgID, Action: "user.create", Entity: "user", EntityID: u.ID,
			Summary: audit.Summarise("email", u.Email, "name", u.Name, "invitation", inv.ID)}); err != nil {
			return err
		}
		return s.acceptInTx(ctx, tx, inv, u)
	})
	return u, inv, err
}

// RemoveMember takes every role in orgID away from a member. It refuses to
// remove the organisation's last administrator.
func (s *DB) RemoveMember(ctx context.Context, orgID OrgID, userID string) error {
	return s.SetRoles(ctx, orgID, userID, nil)
}
