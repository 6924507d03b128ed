package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/store"
)

// AdminHome links to the admin pages.
type AdminHome struct{ Base }

func (s *Server) adminHome(w http.ResponseWriter, r *http.Request) error {
	return s.Render(w, http.StatusOK, "admin", AdminHome{Base: s.Base(w, r, "Admin")})
}

// UsersPage lists the organisation's people and its invitations.
type UsersPage struct {
	Base
	Users       []store.User
	Invitations []InvitationRow
}

// InvitationRow is an invitation with its status now.
type InvitationRow struct {
	store.Invitation
	Status string
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	users, err := s.store.ListUsers(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	invs, err := s.store.ListInvitations(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	d := UsersPage{Base: s.Base(w, r, "Users"), Users: users}
	now := s.store.Now()
	for _, inv := range invs {
		d.Invitations = append(d.Invitations, InvitationRow{Invitation: inv, Status: inv.Status(now)})
	}
	return s.Render(w, http.StatusOK, "users", d)
}

// RoleOption is a role checkbox.
type RoleOption struct {
	Role    auth.Role
	Checked bool
}

func roleOptions(held []auth.Role) []RoleOption {
	out := make([]RoleOption, len(auth.AllRoles))
	for i, r := range auth.AllRoles {
		out[i] = RoleOption{Role: r, Checked: auth.HasAny(held, r)}
	}
	return out
}

// NewUserPage is the form to invite a person.
type NewUserPage struct {
	Base
	Email, Name string
	Roles       []RoleOption
}

func (s *Server) adminNewUserPage(w http.ResponseWriter, r *http.Request) error {
	return s.Render(w, http.StatusOK, "user_new", NewUserPage{Base: s.Base(w, r, "Add a user"), Roles: roleOptions([]auth.Role{auth.Reporter})})
}

// formRoles reads the role checkboxes; unknown values are an error.
func formRoles(r *http.Request) ([]auth.Role, error) {
	return auth.ParseRoles(strings.Join(r.PostForm["roles"], ","))
}

// adminCreateUser invites a person to the organisation. Whether or not the
// email already has an account, the answer is the same: an invitation
// link to give them.
func (s *Server) adminCreateUser(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	if err := ParseForm(r); err != nil {
		return err
	}
	email, name := r.PostForm.Get("email"), r.PostForm.Get("name")
	rs, rerr := formRoles(r)
	var inv store.Invitation
	var code string
	var err error
	if rerr != nil {
		err = &apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"roles": "Select roles from the list"}}
	} else {
		inv, code, err = s.store.Invite(r.Context(), p.Org.ID, email, name, rs)
	}
	if apperr.Is(err, apperr.Invalid) {
		d := NewUserPage{Base: s.Base(w, r, "Add a user"), Email: email, Name: name, Roles: roleOptions(rs)}
		d.SetErrors(err, "name", "email", "roles")
		return s.Render(w, http.StatusUnprocessableEntity, "user_new", d)
	}
	if err != nil {
		return err
	}
	return s.Render(w, http.StatusCreated, "user_invited", InvitedPage{Base: s.Base(w, r, "Invitation created"), Invitation: inv, Link: s.inviteLink(code)})
}

// UserPage shows and edits one member of the organisation.
type UserPage struct {
	Base
	User  store.User
	Email string
	Name  string
	Roles []RoleOption
	Audit []audit.Entry
	// CanManage is set when the administrator may change the person's
	// account (name, email, password, disabled), not only their roles here.
	CanManage bool
}

func (s *Server) userPage(w http.ResponseWriter, r *http.Request, id string) (UserPage, error) {
	p := PrincipalFrom(r.Context())
	u, err := s.store.UserInOrg(r.Context(), p.Org.ID, id)
	if err != nil {
		return UserPage{}, err
	}
	entries, err := s.store.ListAudit(r.Context(), store.AuditFilter{OrgID: p.Org.ID, EntityID: id, Limit: 20})
	if err != nil {
		return UserPage{}, err
	}
	can, err := s.store.CanManageAccount(r.Context(), p.Org.ID, id)
	if err != nil {
		return UserPage{}, err
	}
	return UserPage{Base: s.Base(w, r, u.Name), User: u, Email: u.Email, Name: u.Name, Roles: roleOptions(u.Roles), Audit: entries, CanManage: can}, nil
}

func (s *Server) adminUserPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.userPage(w, r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.Render(w, http.StatusOK, "user", d)
}

// userForm runs a change to a user and re-renders the user page with the
// field errors when it is Invalid.
func (s *Server) userForm(w http.ResponseWriter, r *http.Request, flash string, change func(p *store.Principal, id string) error, fill func(d *UserPage)) error {
	p := PrincipalFrom(r.Context())
	if err := ParseForm(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	err := change(p, id)
	if apperr.Is(err, apperr.Invalid) {
		d, derr := s.userPage(w, r, id)
		if derr != nil {
			return derr
		}
		if fill != nil {
			fill(&d)
		}
		d.SetErrors(err, "name", "email", "roles", "password")
		return s.Render(w, http.StatusUnprocessableEntity, "user", d)
	}
	if err != nil {
		return err
	}
	return s.Redirect(w, r, "/admin/users/"+id, flash)
}

func (s *Server) adminUpdateUser(w http.ResponseWriter, r *http.Request) error {
	return s.userForm(w, r, "Details saved.", func(p *store.Principal, id string) error {
		return s.store.UpdateUser(r.Context(), p.Org.ID, store.User{ID: id, Email: r.PostForm.Get("email"), Name: r.PostForm.Get("name")})
	}, func(d *UserPage) { d.Email, d.Name = r.PostForm.Get("email"), r.PostForm.Get("name") })
}

func (s *Server) adminSetRoles(w http.ResponseWriter, r *http.Request) error {
	return s.userForm(w, r, "Roles saved.", func(p *store.Principal, id string) error {
		rs, err := formRoles(r)
		if err != nil {
			return &apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"roles": "Select roles from the list"}}
		}
		if len(rs) == 0 {
			return &apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"roles": "Select at least one role. To remove someone, disable their account."}}
		}
		return s.store.SetRoles(r.Context(), p.Org.ID, id, rs)
	}, nil)
}

func (s *Server) adminSetPassword(w http.ResponseWriter, r *http.Request) error {
	return s.userForm(w, r, "Password set. Their other sessions have been signed out.", func(p *store.Principal, id string) error {
		return s.store.SetPassword(r.Context(), p.Org.ID, id, r.PostForm.Get("password"))
	}, nil)
}

func (s *Server) adminDisable(w http.ResponseWriter, r *http.Request) error {
	disable := r.FormValue("disabled") != "false"
	msg := "Account disabled. They have been signed out."
	if !disable {
		msg = "Account enabled."
	}
	return s.userForm(w, r, msg, func(p *store.Principal, id string) error {
		if disable && id == p.User.ID {
			return apperr.New(apperr.Invalid, "You cannot disable your own account")
		}
		return s.store.SetDisabled(r.Context(), p.Org.ID, id, disable)
	}, nil)
}

// OrgsPage lists organisations and lets instance administrators add one.
type OrgsPage struct {
	Base
	// Directory is the list shown: every organisation for instance
	// administrators, otherwise the user's own. (Not named Orgs, which is
	// the switcher's list in Base.)
	Directory []store.Org
	Kinds     []Option
	New       store.Org
	Edit      store.Org
	CanAdd    bool
	CanEdit   bool
}

func (s *Server) orgsPage(w http.ResponseWriter, r *http.Request) (OrgsPage, error) {
	p := PrincipalFrom(r.Context())
	d := OrgsPage{Base: s.Base(w, r, "Organisations"), Kinds: Choices(store.OrgKinds, CodeLabel, ""), Edit: p.Org,
		CanAdd: p.User.PlatformAdmin, CanEdit: auth.HasAny(p.Roles, auth.Admin), New: store.Org{Kind: "trust"}}
	var err error
	if p.User.PlatformAdmin {
		d.Directory, err = s.store.ListOrgs(r.Context())
	} else {
		d.Directory = d.Base.Orgs
	}
	return d, err
}

func (s *Server) adminOrgs(w http.ResponseWriter, r *http.Request) error {
	d, err := s.orgsPage(w, r)
	if err != nil {
		return err
	}
	return s.Render(w, http.StatusOK, "orgs", d)
}

func (s *Server) adminCreateOrg(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	if err := ParseForm(r); err != nil {
		return err
	}
	o := store.Org{ODSCode: r.PostForm.Get("ods_code"), Name: r.PostForm.Get("name"), Kind: r.PostForm.Get("kind")}
	created, err := s.store.CreateOrg(r.Context(), o)
	if err == nil {
		// The creator becomes the new organisation's first administrator.
		err = s.store.AddMember(r.Context(), created.ID, p.User.ID, []auth.Role{auth.Admin})
	}
	if apperr.Is(err, apperr.Invalid) {
		d, derr := s.orgsPage(w, r)
		if derr != nil {
			return derr
		}
		d.New = o
		d.SetErrors(err, "ods_code", "name", "kind")
		return s.Render(w, http.StatusUnprocessableEntity, "orgs", d)
	}
	if err != nil {
		return err
	}
	return s.Redirect(w, r, "/admin/orgs", "Added "+created.Name+". You are its first administrator; switch to it to add people.")
}

func (s *Server) adminUpdateOrg(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	if err := ParseForm(r); err != nil {
		return err
	}
	o := p.Org
	o.Name, o.Kind = r.PostForm.Get("name"), r.PostForm.Get("kind")
	err := s.store.UpdateOrg(r.Context(), o)
	if apperr.Is(err, apperr.Invalid) {
		d, derr := s.orgsPage(w, r)
		if derr != nil {
			return derr
		}
		d.Edit = o
		d.SetErrors(err, "name", "kind")
		return s.Render(w, http.StatusUnprocessableEntity, "orgs", d)
	}
	if err != nil {
		return err
	}
	return s.Redirect(w, r, "/admin/orgs", "Organisation details saved.")
}

// TokensPage lists API tokens and shows a new token once.
type TokensPage struct {
	Base
	Tokens   []store.APIToken
	NewToken string
	Name     string
	Expires  DateParts
	// Scopes are the FHIR API scopes typed for a new token.
	Scopes string
	// Roles are the creator's own roles, to narrow a new token to.
	Roles []RoleOption
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) (TokensPage, error) {
	p := PrincipalFrom(r.Context())
	toks, err := s.store.ListTokens(r.Context(), p.Org.ID)
	if err != nil {
		return TokensPage{}, err
	}
	d := TokensPage{Base: s.Base(w, r, "API tokens"), Tokens: toks}
	for _, role := range p.Roles {
		d.Roles = append(d.Roles, RoleOption{Role: role})
	}
	return d, nil
}

func (s *Server) adminTokens(w http.ResponseWriter, r *http.Request) error {
	d, err := s.tokensPage(w, r)
	if err != nil {
		return err
	}
	return s.Render(w, http.StatusOK, "tokens", d)
}

// ParseDate reads an optional date field (YYYY-MM-DD, London).
func ParseDate(field, v string) (*time.Time, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(v), clock.London)
	if err != nil {
		return nil, &apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{field: "Enter a real date, like 2027-03-31"}}
	}
	return &t, nil
}

// adminCreateToken makes a token that acts as the administrator who makes
// it, with all or some of their roles here.
func (s *Server) adminCreateToken(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	if err := ParseForm(r); err != nil {
		return err
	}
	name := r.PostForm.Get("name")
	exp, expTyped, msg := FormDate(r.PostForm, "expires", "the expiry date")
	var expires *time.Time
	var err error
	if msg != "" {
		err = &apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"expires": msg}}
	} else {
		expires, err = ParseDate("expires", exp)
	}
	rs, rerr := formRoles(r)
	if err == nil && rerr != nil {
		err = &apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"roles": "Select roles from the list"}}
	}
	scopeText := r.PostForm.Get("scopes")
	scopes, serr := store.ParseScopes(scopeText)
	if err == nil && serr != nil {
		err = serr
	}
	var secret string
	if err == nil {
		_, secret, err = s.store.CreateScopedToken(r.Context(), p.Org.ID, p.User.ID, name, rs, scopes, expires)
	}
	d, derr := s.tokensPage(w, r)
	if derr != nil {
		return derr
	}
	if apperr.Is(err, apperr.Invalid) {
		d.Name, d.Expires, d.Scopes = name, expTyped, scopeText
		for i := range d.Roles {
			d.Roles[i].Checked = auth.HasAny(rs, d.Roles[i].Role)
		}
		d.SetErrors(err, "name", "roles", "scopes", "expires")
		return s.Render(w, http.StatusUnprocessableEntity, "tokens", d)
	}
	if err != nil {
		return err
	}
	// The secret is shown on this response only; it is not stored.
	d.NewToken = secret
	return s.Render(w, http.StatusCreated, "tokens", d)
}

func (s *Server) adminRevokeToken(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	if err := s.store.RevokeToken(r.Context(), p.Org.ID, r.PathValue("id")); err != nil {
		return err
	}
	return s.Redirect(w, r, "/admin/tokens", "Token revoked. Systems using it can no longer sign in with it.")
}

// AuditPage browses the organisation's audit trail with filters.
type AuditPage struct {
	Base
	Entries       []audit.Entry
	Users         []store.User
	Actor, Action string
	Entity        string
	From, To      DateParts
	Next          int64
	NextQuery     string
}

func auditFilter(r *http.Request, orgID store.OrgID) (store.AuditFilter, error) {
	q := r.URL.Query()
	f := store.AuditFilter{OrgID: orgID, ActorID: q.Get("actor"), Action: strings.TrimSpace(q.Get("action")), Entity: q.Get("entity"), Limit: 50}
	var fe apperr.Fields
	if from, _, msg := FormDate(q, "from", "the first date"); msg != "" {
		fe.Add("from", msg)
	} else if t, _ := ParseDate("from", from); t != nil {
		f.From = *t
	}
	if to, _, msg := FormDate(q, "to", "the last date"); msg != "" {
		fe.Add("to", msg)
	} else if t, _ := ParseDate("to", to); t != nil {
		f.To = t.AddDate(0, 0, 1)
	}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		fe.Check(err != nil || n < 1, "before", "Page cursor must be a positive number")
		f.Before = n
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		fe.Check(err != nil || n < 1 || n > 500, "limit", "Limit must be between 1 and 500")
		f.Limit = n
	}
	return f, fe.Err()
}

func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	q := r.URL.Query()
	d := AuditPage{Base: s.Base(w, r, "Audit trail"), Actor: q.Get("actor"), Action: q.Get("action"), Entity: q.Get("entity")}
	_, d.From, _ = FormDate(q, "from", "")
	_, d.To, _ = FormDate(q, "to", "")
	users, err := s.store.ListUsers(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	d.Users = users
	f, err := auditFilter(r, p.Org.ID)
	if err != nil {
		d.SetErrors(err, "from", "to")
		return s.Render(w, http.StatusUnprocessableEntity, "audit", d)
	}
	if d.Entries, err = s.store.ListAudit(r.Context(), f); err != nil {
		if apperr.Is(err, apperr.Invalid) {
			d.SetErrors(err, "action")
			return s.Render(w, http.StatusUnprocessableEntity, "audit", d)
		}
		return err
	}
	if len(d.Entries) == f.Limit {
		d.Next = d.Entries[len(d.Entries)-1].Seq
		nq := r.URL.Query()
		nq.Set("before", strconv.FormatInt(d.Next, 10))
		d.NextQuery = nq.Encode()
	}
	return s.Render(w, http.StatusOK, "audit", d)
}
