package web

import (
	"net/http"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
)

// apiMeResponse describes the caller.
type apiMeResponse struct {
	User         store.User  `json:"user"`
	Organisation store.Org   `json:"organisation"`
	Roles        []auth.Role `json:"roles"`
	Via          string      `json:"via"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	via := "session"
	if p.TokenID != "" {
		via = "token"
	}
	return WriteJSON(w, http.StatusOK, apiMeResponse{User: p.User, Organisation: p.Org, Roles: p.Roles, Via: via})
}

// List is the API's shape of a list.
type List[T any] struct {
	Items []T `json:"items"`
}

// Items wraps a list in the API's {"items": [...]} shape (never null).
func Items[T any](v []T) List[T] {
	if v == nil {
		v = []T{}
	}
	return List[T]{Items: v}
}

func (s *Server) apiOrgs(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	orgs, err := s.store.OrgsOfUser(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	if p.TokenID != "" { // a token belongs to one organisation
		orgs = []store.Org{p.Org}
	}
	return WriteJSON(w, http.StatusOK, Items(orgs))
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.store.ListUsers(r.Context(), PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, Items(users))
}

func (s *Server) apiUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.store.UserInOrg(r.Context(), PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, u)
}

type apiNewUser struct {
	Email    string   `json:"email"`
	Name     string   `json:"name"`
	Password string   `json:"password"`
	Roles    []string `json:"roles"`
}

func rolesOf(names []string, field string) ([]auth.Role, error) {
	var out []auth.Role
	for _, n := range names {
		r, err := auth.ParseRole(n)
		if err != nil {
			return nil, &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: map[string]string{field: err.Error()}}
		}
		out = append(out, r)
	}
	auth.SortRoles(out)
	return out, nil
}

type apiInvitation struct {
	Invitation store.Invitation `json:"invitation"`
	// InviteURL is the one-time link to give the person; shown only here.
	InviteURL string `json:"invite_url"`
}

// apiCreateUser invites a person to the organisation (see adminCreateUser):
// the answer is the same whether or not the email has an account.
func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) error {
	var in apiNewUser
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	rs, err := rolesOf(in.Roles, "roles")
	if err != nil {
		return err
	}
	inv, code, err := s.store.Invite(r.Context(), PrincipalFrom(r.Context()).Org.ID, in.Email, in.Name, rs)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusCreated, apiInvitation{Invitation: inv, InviteURL: s.inviteLink(code)})
}

func (s *Server) apiInvitations(w http.ResponseWriter, r *http.Request) error {
	invs, err := s.store.ListInvitations(r.Context(), PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, Items(invs))
}

func (s *Server) apiRevokeInvitation(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.RevokeInvitation(r.Context(), PrincipalFrom(r.Context()).Org.ID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type apiRoles struct {
	Roles []string `json:"roles"`
}

func (s *Server) apiSetRoles(w http.ResponseWriter, r *http.Request) error {
	var in apiRoles
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	rs, err := rolesOf(in.Roles, "roles")
	if err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	id := r.PathValue("id")
	if _, err := s.store.UserInOrg(r.Context(), p.Org.ID, id); err != nil {
		return err
	}
	if err := s.store.SetRoles(r.Context(), p.Org.ID, id, rs); err != nil {
		return err
	}
	if len(rs) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	u, err := s.store.UserInOrg(r.Context(), p.Org.ID, id)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, u)
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) error {
	toks, err := s.store.ListTokens(r.Context(), PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, Items(toks))
}

type apiNewToken struct {
	Name string `json:"name"`
	// UserID, when given, must be the caller's own id: a token acts as the
	// person who creates it.
	UserID    string   `json:"user_id"`
	Roles     []string `json:"roles"`
	ExpiresOn string   `json:"expires_on"`
	// Scopes on the FHIR API, such as ["AdverseEvent.read", "Device.read"].
	Scopes []string `json:"scopes"`
}

type apiCreatedToken struct {
	store.APIToken
	Token string `json:"token"`
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) error {
	var in apiNewToken
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	if in.UserID == "" {
		in.UserID = p.User.ID
	}
	exp, err := ParseDate("expires_on", in.ExpiresOn)
	if err != nil {
		return err
	}
	rs, err := rolesOf(in.Roles, "roles")
	if err != nil {
		return err
	}
	scopes, err := store.ParseScopes(strings.Join(in.Scopes, " "))
	if err != nil {
		return err
	}
	t, secret, err := s.store.CreateScopedToken(r.Context(), p.Org.ID, in.UserID, in.Name, rs, scopes, exp)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusCreated, apiCreatedToken{APIToken: t, Token: secret})
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.RevokeToken(r.Context(), PrincipalFrom(r.Context()).Org.ID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type apiAuditPage struct {
	Items      any    `json:"items"`
	NextBefore *int64 `json:"next_before,omitempty"`
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) error {
	f, err := auditFilter(r, PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	entries, err := s.store.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	out := apiAuditPage{Items: Items(entries).Items}
	if len(entries) == f.Limit {
		n := entries[len(entries)-1].Seq
		out.NextBefore = &n
	}
	return WriteJSON(w, http.StatusOK, out)
}
