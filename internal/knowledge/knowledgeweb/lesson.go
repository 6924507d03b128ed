package knowledgeweb

import (
	"net/http"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/knowledge"
	"github.com/clinsafe/clinsafe/internal/knowledge/knowledgedb"
	"github.com/clinsafe/clinsafe/internal/web"
)

// lessonPage drafts a lesson learned from a closed event (?event=ID) or a
// completed learning response (?response=ID), with its de-identification
// check.
func (s *Module) lessonPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	q := r.URL.Query()
	if q.Get("event") == "" && q.Get("response") == "" {
		// Without a source: the form asks for the closed event's reference.
		f, err := s.formPage(w, r, "Publish a lesson learned", "/knowledge/lessons", nil, knowledge.Draft{Kind: knowledge.Lesson, Sharing: knowledge.Private})
		if err != nil {
			return err
		}
		return s.k.Render(w, http.StatusOK, "knowledge/knowledge_form", f)
	}
	start, err := s.kb.StartLesson(r.Context(), p.Org.ID, q.Get("event"), q.Get("response"))
	if err != nil {
		return err
	}
	if old, ok, err := s.kb.BySource(r.Context(), p.Org.ID, start.Source); err != nil {
		return err
	} else if ok {
		return s.k.Redirect(w, r, "/knowledge/documents/"+old.ID, "A lesson learned from "+start.From+" is already written: this is it.")
	}
	f, err := s.formPage(w, r, "Publish a lesson learned from "+start.From, "/knowledge/lessons", nil, start.Draft)
	if err != nil {
		return err
	}
	f.Source, f.From = start.Source, start.From
	return s.k.Render(w, http.StatusOK, "knowledge/knowledge_form", f)
}

func (s *Module) lessonCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	d, typed, msg := draftOf(r.PostForm)
	d.Kind = knowledge.Lesson
	source := r.PostForm.Get("source")
	if ref := r.PostForm.Get("from"); source == "" && ref != "" {
		e, err := s.kb.Events().ByRef(r.Context(), p.Org.ID, ref)
		if apperr.Is(err, apperr.NotFound) {
			return apperr.Field("from", "No event "+ref+" in this organisation: check the reference")
		}
		if err != nil {
			return err
		}
		source = "event:" + e.ID
	}
	var doc knowledgedb.Document
	var err error
	if msg != "" {
		err = apperr.Field("review_on", msg)
	} else {
		doc, err = s.kb.CreateLesson(r.Context(), p.Org.ID, source, d)
	}
	if apperr.Is(err, apperr.Invalid) && apperr.FieldsOf(err) == nil {
		return err // the source is not a closed event or a completed response of this organisation
	}
	if refusable(err) {
		f, ferr := s.formPage(w, r, "Publish a lesson learned", "/knowledge/lessons", nil, d)
		if ferr != nil {
			return ferr
		}
		f.Source = source
		return s.refuse(w, r, err, f, typed)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/knowledge/documents/"+doc.ID, doc.Ref+" saved as a draft. Someone other than you must approve it before it is published.")
}
