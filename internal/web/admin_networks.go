package web

import (
	"net/http"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/store"
)

// NetworksPage lists the networks of organisations, with the form that
// adds one (instance administrators).
type NetworksPage struct {
	Base
	Networks []store.Network
	Kinds    []Option
	New      store.Network
}

// NetworkPage is one network: its members and analysts, and the forms
// that add and remove them.
type NetworkPage struct {
	Base
	Network  store.Network
	Members  []store.Org
	Analysts []store.User
	ODSCode  string
	Email    string
}

func networkKinds(selected string) []Option {
	return Choices(store.NetworkKinds, func(k struct{ Code, Label string }) (string, string) { return k.Code, k.Label }, selected)
}

func (s *Server) adminNetworks(w http.ResponseWriter, r *http.Request) error {
	return s.renderNetworks(w, r, http.StatusOK, store.Network{Kind: "ics"}, nil)
}

func (s *Server) renderNetworks(w http.ResponseWriter, r *http.Request, status int, n store.Network, ferr error) error {
	ns, err := s.store.ListNetworks(r.Context())
	if err != nil {
		return err
	}
	d := NetworksPage{Base: s.Base(w, r, "Networks of organisations"), Networks: ns, Kinds: networkKinds(n.Kind), New: n}
	if ferr != nil {
		d.SetErrors(ferr, "name", "kind")
	}
	return s.Render(w, status, "networks", d)
}

func (s *Server) adminCreateNetwork(w http.ResponseWriter, r *http.Request) error {
	if err := ParseForm(r); err != nil {
		return err
	}
	n := store.Network{Name: r.PostForm.Get("name"), Kind: r.PostForm.Get("kind")}
	created, err := s.store.CreateNetwork(r.Context(), n)
	if apperr.Is(err, apperr.Invalid) {
		return s.renderNetworks(w, r, http.StatusUnprocessableEntity, n, err)
	}
	if err != nil {
		return err
	}
	return s.Redirect(w, r, "/admin/networks/"+created.ID, "Added "+created.Name)
}

func (s *Server) adminNetwork(w http.ResponseWriter, r *http.Request) error {
	return s.renderNetwork(w, r, http.StatusOK, "", "", nil)
}

func (s *Server) renderNetwork(w http.ResponseWriter, r *http.Request, status int, ods, email string, ferr error) error {
	n, err := s.store.Network(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	d := NetworkPage{Base: s.Base(w, r, n.Name), Network: n, ODSCode: ods, Email: email}
	if d.Members, err = s.store.NetworkMembers(r.Context(), n.ID); err != nil {
		return err
	}
	if d.Analysts, err = s.store.NetworkAnalysts(r.Context(), n.ID); err != nil {
		return err
	}
	if ferr != nil {
		d.SetErrors(ferr, "ods_code", "email")
	}
	return s.Render(w, status, "network", d)
}

// adminNetworkMember adds the organisation with the ODS code given, or
// removes the one given by id (remove).
func (s *Server) adminNetworkMember(w http.ResponseWriter, r *http.Request) error {
	if err := ParseForm(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if rm := r.PostForm.Get("remove"); rm != "" {
		if err := s.store.SetNetworkMember(r.Context(), store.OrgID(rm), id, false); err != nil {
			return err
		}
		return s.Redirect(w, r, "/admin/networks/"+id, "Member removed")
	}
	ods := strings.TrimSpace(r.PostForm.Get("ods_code"))
	o, err := s.store.OrgByODS(r.Context(), ods)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return s.renderNetwork(w, r, http.StatusUnprocessableEntity, ods, "", apperr.Field("ods_code", "Enter the ODS code of an organisation on this clinsafe"))
		}
		return err
	}
	if err := s.store.SetNetworkMember(r.Context(), o.ID, id, true); err != nil {
		return err
	}
	return s.Redirect(w, r, "/admin/networks/"+id, o.Name+" added")
}

// adminNetworkAnalyst adds the user with the email given, or removes the
// one given by id (remove).
func (s *Server) adminNetworkAnalyst(w http.ResponseWriter, r *http.Request) error {
	if err := ParseForm(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if rm := r.PostForm.Get("remove"); rm != "" {
		if err := s.store.SetNetworkAnalyst(r.Context(), id, rm, false); err != nil {
			return err
		}
		return s.Redirect(w, r, "/admin/networks/"+id, "Analyst removed")
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	u, err := s.store.UserByEmail(r.Context(), email)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return s.renderNetwork(w, r, http.StatusUnprocessableEntity, "", email, apperr.Field("email", "Enter the email address of a person on this clinsafe"))
		}
		return err
	}
	if err := s.store.SetNetworkAnalyst(r.Context(), id, u.ID, true); err != nil {
		return err
	}
	return s.Redirect(w, r, "/admin/networks/"+id, u.Name+" is now an analyst of the network")
}
