package knowledgeweb

import (
	"net/http"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/knowledge"
	"github.com/clinsafe/clinsafe/internal/knowledge/knowledgedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// LibraryPage is the public library of one organisation (Org set) or of
// the whole instance: a search, and the list of every public document, so
// that search engines can find them all.
type LibraryPage struct {
	web.Base
	Org     *store.Org
	Action  string
	Filter  knowledgedb.Filter
	Kinds   []web.Option
	Tags    []web.Option
	Results knowledgedb.Page
}

func (s *Module) library(w http.ResponseWriter, r *http.Request) error {
	d := LibraryPage{Base: s.k.Base(w, r, "Digital clinical safety library"), Action: "/library"}
	ods := r.PathValue("ods")
	if ods != "" {
		o, err := s.kb.OrgByODS(r.Context(), ods)
		if err != nil {
			return apperr.New(apperr.NotFound, "There is no organisation with the code %s on clinsafe", ods)
		}
		d.Org, d.Action, d.Title = &o, "/library/"+o.ODSCode, o.Name+": digital clinical safety library"
	}
	f := filterOf(r)
	status := http.StatusOK
	if err := f.Check(); err != nil {
		d.SetErrors(err, "q", "kind", "tag")
		status = http.StatusUnprocessableEntity
	}
	d.Filter, d.Kinds, d.Tags = f, kindOptions(f.Kind, true), tagOptions(f.Tag)
	if status != http.StatusOK {
		f = knowledgedb.Filter{} // a refused search lists everything
	}
	if f.Q == "" && f.Kind == "" && f.Tag == "" && r.URL.Query().Get("limit") == "" {
		f.Limit = knowledgedb.MaxPage // the whole list, for indexing
	}
	var err error
	if d.Results, err = s.kb.SearchPublic(r.Context(), ods, f); err != nil {
		return err
	}
	return s.k.Render(w, status, "knowledge/knowledge_library", d)
}

func (s *Module) publicDocument(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.kb.GetPublic(r.Context(), r.PathValue("ods"), r.PathValue("id"), number(r.URL.Query().Get("v")))
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "knowledge/knowledge_public", DocumentPage{Base: s.k.Base(w, r, doc.Shown.Title), Doc: doc,
		Body: knowledge.Render(doc.Shown.Body), Public: true})
}
