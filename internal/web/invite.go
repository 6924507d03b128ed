package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/store"
)

// People join an organisation by invitation: an administrator invites an
// email address with roles, and the person accepts with the one-time link,
// by signing in to the account they have or by creating one. Making an
// invitation looks the same whether or not the email has an account, so it
// reveals nothing about other organisations' people.

// InvitedPage shows a new invitation's link once.
type InvitedPage struct {
	Base
	Invitation store.Invitation
	Link       string
}

func (s *Server) inviteLink(code string) string {
	return s.cfg.BaseURL + "/invite?code=" + url.QueryEscape(code)
}

// InvitePage is the invitee's page: accept (signed in) or create an
// account (not signed in).
type InvitePage struct {
	Base
	Invitation store.Invitation
	Code       string
	Name       string
	// WrongUser is set when the signed-in account is not the one invited.
	WrongUser bool
	LoginHref string
}

func (s *Server) invitePage(w http.ResponseWriter, r *http.Request, status int, code string, fill func(*InvitePage)) error {
	inv, err := s.store.InvitationByCode(r.Context(), code)
	if err != nil {
		return err
	}
	d := InvitePage{Base: s.Base(w, r, "Join "+inv.OrgName), Invitation: inv, Code: code, Name: inv.Name,
		LoginHref: "/login?next=" + url.QueryEscape("/invite?code="+code)}
	if d.P != nil && d.P.User.Email != inv.Email {
		d.WrongUser = true
	}
	if fill != nil {
		fill(&d)
	}
	return s.Render(w, status, "invite", d)
}

func (s *Server) inviteGet(w http.ResponseWriter, r *http.Request) error {
	return s.invitePage(w, r, http.StatusOK, r.URL.Query().Get("code"), nil)
}

// inviteCreateAccount accepts an invitation by creating an account, and
// signs the new person in.
func (s *Server) inviteCreateAccount(w http.ResponseWriter, r *http.Request) error {
	if err := ParseForm(r); err != nil {
		return err
	}
	code, name, pw := r.PostForm.Get("code"), r.PostForm.Get("name"), r.PostForm.Get("password")
	var f apperr.Fields
	f.Check(pw != r.PostForm.Get("confirm_password"), "confirm_password", "The passwords do not match")
	var u store.User
	var inv store.Invitation
	err := f.Err()
	if err == nil {
		u, inv, err = s.store.AcceptInvitationNew(r.Context(), code, name, pw)
	}
	if apperr.Is(err, apperr.Invalid) {
		return s.invitePage(w, r, http.StatusUnprocessableEntity, code, func(d *InvitePage) {
			d.Name = name
			d.SetErrors(err, "name", "password", "confirm_password")
		})
	}
	if err != nil {
		return err
	}
	if err := s.signIn(w, r, u, inv.OrgID); err != nil {
		return err
	}
	return s.Redirect(w, r, "/", "Welcome to clinsafe. You are now a member of "+inv.OrgName+".")
}

// inviteAccept accepts an invitation as the signed-in person.
func (s *Server) inviteAccept(w http.ResponseWriter, r *http.Request) error {
	if err := ParseForm(r); err != nil {
		return err
	}
	inv, err := s.store.AcceptInvitation(r.Context(), r.PostForm.Get("code"))
	if err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	if p.SessionHash != "" {
		if err := s.store.SwitchOrg(r.Context(), inv.OrgID, p.SessionHash, p.User.ID); err != nil {
			return err
		}
	}
	return s.Redirect(w, r, "/", "You are now a member of "+inv.OrgName+". Use the organisation switcher to move between your organisations.")
}

func (s *Server) adminRevokeInvitation(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	if err := s.store.RevokeInvitation(r.Context(), p.Org.ID, r.PathValue("id")); err != nil {
		return err
	}
	return s.Redirect(w, r, "/admin/users", "Invitation withdrawn. Its link no longer works.")
}

func (s *Server) adminRemoveMember(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	id := r.PathValue("id")
	u, err := s.store.UserInOrg(r.Context(), p.Org.ID, id)
	if err != nil {
		return err
	}
	if id == p.User.ID {
		err = &apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"remove": "You cannot remove yourself. Ask another administrator."}}
	} else {
		err = s.store.RemoveMember(r.Context(), p.Org.ID, id)
	}
	if apperr.Is(err, apperr.Invalid) {
		d, derr := s.userPage(w, r, id)
		if derr != nil {
			return derr
		}
		if f := apperr.FieldsOf(err); f["roles"] != "" {
			err = &apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"remove": f["roles"]}}
		}
		d.SetErrors(err, "remove")
		return s.Render(w, http.StatusUnprocessableEntity, "user", d)
	}
	if err != nil {
		return err
	}
	return s.Redirect(w, r, "/admin/users", strings.TrimSpace(u.Name)+" no longer has a role in "+p.Org.Name+". Their account is otherwise unchanged.")
}
