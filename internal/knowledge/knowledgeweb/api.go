package knowledgeweb

import (
	"net/http"

	"github.com/clinsafe/clinsafe/internal/knowledge"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// The JSON API (docs/api-knowledge.md).

func (s *Module) apiSearch(w http.ResponseWriter, r *http.Request) error {
	f := filterOf(r)
	if err := f.Check(); err != nil {
		return err
	}
	page, err := s.kb.Search(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, f)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, page)
}

func (s *Module) apiCreate(w http.ResponseWriter, r *http.Request) error {
	var in knowledge.Draft
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	doc, err := s.kb.Create(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/knowledge/documents/"+doc.ID)
	return web.WriteJSON(w, http.StatusCreated, doc)
}

func (s *Module) apiGet(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	doc, err := s.kb.Get(r.Context(), p.Org.ID, r.PathValue("id"), number(r.URL.Query().Get("version")))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, doc)
}

type apiDraft struct {
	knowledge.Draft
	Version int `json:"version"`
}

func (s *Module) apiSave(w http.ResponseWriter, r *http.Request) error {
	var in apiDraft
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	orgID := web.PrincipalFrom(r.Context()).Org.ID
	if in.Kind == "" {
		old, err := s.kb.Own(r.Context(), orgID, r.PathValue("id"))
		if err != nil {
			return err
		}
		in.Kind = old.Kind
	}
	doc, err := s.kb.SaveDraft(r.Context(), orgID, r.PathValue("id"), in.Version, in.Draft)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, doc)
}

func (s *Module) apiPublish(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Version int `json:"version"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	doc, err := s.kb.Publish(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), in.Version)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, doc)
}

func (s *Module) apiVersions(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.kb.Get(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), 0)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(doc.Versions))
}

func (s *Module) apiVersion(w http.ResponseWriter, r *http.Request) error {
	n := number(r.PathValue("number"))
	if n <= 0 {
		return store.NotFound("Version")
	}
	v, err := s.kb.Version(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), n)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, v)
}
