// Package knowledgeweb serves the knowledge hub: the organisation's
// library of standards, guidance, hazard blueprints, lessons learned and
// safety alerts, with search, versions and their differences, lessons
// learned published from safety events, the public library pages, and the
// JSON API (docs/api-knowledge.md).
package knowledgeweb

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/knowledge"
	"github.com/clinsafe/clinsafe/internal/knowledge/knowledgedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/text"
	"github.com/clinsafe/clinsafe/internal/web"
)

//go:embed templates
var templateFS embed.FS

// Who may do what in the knowledge hub: every member reads the
// organisation's documents and those shared with it; editors (admin, cso,
// educator, handler: knowledge.Editors) write, version and publish; a
// handler publishes lessons learned from safety events, which another
// editor approves. Anyone reads the public library without signing in.
var (
	kbEdit   = web.Roles(knowledge.Editors...)
	kbLesson = web.Roles(auth.Handler)
)

// Module is the knowledge hub wing on the HTTP kernel.
type Module struct {
	k  *web.Server
	kb *knowledgedb.DB
}

// New makes the wing on kernel k (a web.ModuleFunc).
func New(k *web.Server) web.Module { return &Module{k: k, kb: knowledgedb.New(k.Store())} }

// Pillar is the knowledge hub's card of the home page and navigation.
func (s *Module) Pillar() web.PillarCard {
	return web.PillarCard{Area: "knowledge", Nav: "Knowledge", Title: "Knowledge hub", Href: "/knowledge",
		Summary: "Standards, guidance, hazard blueprints and lessons learned."}
}

// Templates are the wing's pages and partials.
func (s *Module) Templates() fs.FS {
	sub, _ := fs.Sub(templateFS, "templates")
	return sub
}

// Funcs are the knowledge pages' template functions.
func (s *Module) Funcs() template.FuncMap {
	return template.FuncMap{
		"markdown":   knowledge.Render,
		"kindLabel":  func(k knowledge.Kind) string { return k.Label() },
		"shareLabel": func(sh knowledge.Sharing) string { return sh.Label() },
		"tagLabel":   knowledge.TagLabel,
		"typeLabel":  knowledge.SystemTypeLabel,
	}
}

// Routes are the knowledge hub's routes.
func (s *Module) Routes() []web.Route {
	return []web.Route{
		{Method: "GET", Path: "/knowledge", Roles: web.Anyone, Handle: s.home},
		{Method: "POST", Path: "/knowledge/builtin", Roles: kbEdit, Handle: s.installBuiltIns},
		{Method: "GET", Path: "/knowledge/new", Roles: kbEdit, Handle: s.newPage},
		{Method: "POST", Path: "/knowledge/documents", Roles: kbEdit, Handle: s.create},
		{Method: "GET", Path: "/knowledge/documents/{id}", Roles: web.Anyone, Handle: s.document},
		{Method: "GET", Path: "/knowledge/documents/{id}/edit", Roles: kbEdit, Handle: s.editPage},
		{Method: "POST", Path: "/knowledge/documents/{id}", Roles: kbEdit, Handle: s.save},
		{Method: "POST", Path: "/knowledge/documents/{id}/publish", Roles: kbEdit, Handle: s.publish},
		{Method: "GET", Path: "/knowledge/documents/{id}/diff", Roles: web.Anyone, Handle: s.diff},
		{Method: "GET", Path: "/knowledge/lessons/new", Roles: kbLesson, Handle: s.lessonPage},
		{Method: "POST", Path: "/knowledge/lessons", Roles: kbLesson, Handle: s.lessonCreate},

		// The public library: no sign-in, read-only, indexable.
		{Method: "GET", Path: "/library", Public: true, Handle: s.library},
		{Method: "GET", Path: "/library/{ods}", Public: true, Handle: s.library},
		{Method: "GET", Path: "/library/{ods}/documents/{id}", Public: true, Handle: s.publicDocument},

		// JSON API: see docs/api-knowledge.md.
		{Method: "GET", Path: "/api/v1/knowledge/documents", Roles: web.Anyone, API: true, Handle: s.apiSearch},
		{Method: "POST", Path: "/api/v1/knowledge/documents", Roles: kbEdit, API: true, Handle: s.apiCreate},
		{Method: "GET", Path: "/api/v1/knowledge/documents/{id}", Roles: web.Anyone, API: true, Handle: s.apiGet},
		{Method: "PATCH", Path: "/api/v1/knowledge/documents/{id}", Roles: kbEdit, API: true, Handle: s.apiSave},
		{Method: "POST", Path: "/api/v1/knowledge/documents/{id}/publish", Roles: kbEdit, API: true, Handle: s.apiPublish},
		{Method: "GET", Path: "/api/v1/knowledge/documents/{id}/versions", Roles: web.Anyone, API: true, Handle: s.apiVersions},
		{Method: "GET", Path: "/api/v1/knowledge/documents/{id}/versions/{number}", Roles: web.Anyone, API: true, Handle: s.apiVersion},
	}
}

// AuditWords are the words of the knowledge hub's audit actions.
func (s *Module) AuditWords() map[string]string {
	return map[string]string{
		"knowledge_document":         "Knowledge document",
		"knowledge_document.create":  "Knowledge document written",
		"knowledge_document.draft":   "Knowledge document draft saved",
		"knowledge_document.publish": "Knowledge document version published",
	}
}

// Attention tells an owner of the documents whose review is overdue, and
// editors of the lessons learned waiting for a second person's approval.
func (s *Module) Attention(ctx context.Context, p *store.Principal) ([]web.Attention, error) {
	var out []web.Attention
	due, err := s.kb.OverdueReviews(ctx, p.Org.ID, p.User.ID)
	if err != nil {
		return nil, err
	}
	if len(due) > 0 {
		var items []web.AttentionItem
		for _, d := range due[:min(len(due), web.MaxAttentionItems)] {
			items = append(items, web.AttentionItem{Text: d.Ref + ": " + d.Shown.Title + " (review was due " + text.Day(d.ReviewOn) + ")", Href: "/knowledge/documents/" + d.ID})
		}
		out = append(out, web.Attention{Title: text.Count(len(due), "document you own is", "documents you own are") + " overdue for review",
			Detail: "Check each is still right, then publish a new version with the next review date.", Warning: true, Urgency: web.UrgencySoon, Items: items})
	}
	if !knowledge.CanEdit(p.Roles) {
		return out, nil
	}
	drafts, err := s.kb.List(ctx, p.Org.ID, knowledgedb.ListFilter{Drafts: true, Kind: knowledge.Lesson}, 50)
	if err != nil {
		return nil, err
	}
	var items []web.AttentionItem
	for _, d := range drafts {
		if len(items) < web.MaxAttentionItems {
			items = append(items, web.AttentionItem{Text: d.Ref + ": " + d.Shown.Title, Href: "/knowledge/documents/" + d.ID})
		}
	}
	if len(drafts) > 0 {
		out = append(out, web.Attention{Title: text.Count(len(drafts), "lesson learned is", "lessons learned are") + " waiting for approval",
			Detail: "A lesson learned is published once someone other than its author has approved it.", Urgency: web.UrgencySoon, Items: items})
	}
	return out, nil
}

// filterOf reads the search filters of a query string.
func filterOf(r *http.Request) knowledgedb.Filter {
	q := r.URL.Query()
	f := knowledgedb.Filter{Q: q.Get("q"), Kind: q.Get("kind"), Tag: q.Get("tag")}
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	f.Limit, _ = strconv.Atoi(q.Get("limit"))
	return f
}

// number reads a version number of a query string: 0 when not given, -1
// when it is not a number from 1 to a million (no such version).
func number(s string) int {
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1_000_000 {
		return -1
	}
	return n
}

func kindOptions(selected string, lessons bool) []web.Option {
	var ks []knowledge.Kind
	for _, k := range knowledge.Kinds {
		if lessons || k != knowledge.Lesson {
			ks = append(ks, k)
		}
	}
	return web.Choices(ks, func(k knowledge.Kind) (string, string) { return string(k), k.Label() }, selected)
}

func tagOptions(selected ...string) []web.Option {
	out := web.Choices(knowledge.Tags, func(t knowledge.Tag) (string, string) { return t.Code, t.Label }, "")
	for i := range out {
		for _, s := range selected {
			out[i].Selected = out[i].Selected || out[i].Value == s
		}
	}
	return out
}

// HomePage is the hub's search and, for editors, its drafts.
type HomePage struct {
	web.Base
	Filter  knowledgedb.Filter
	Kinds   []web.Option
	Tags    []web.Option
	Results knowledgedb.Page
	Drafts  []knowledgedb.Document
	CanEdit bool
	// Searched is whether any filter was given.
	Searched bool
}

func (s *Module) home(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	f := filterOf(r)
	d := HomePage{Base: s.k.Base(w, r, "Knowledge hub"), CanEdit: knowledge.CanEdit(p.Roles)}
	status := http.StatusOK
	if err := f.Check(); err != nil {
		d.SetErrors(err, "q", "kind", "tag")
		status = http.StatusUnprocessableEntity
	}
	d.Filter, d.Kinds, d.Tags = f, kindOptions(f.Kind, true), tagOptions(f.Tag)
	d.Searched = f.Q != "" || f.Kind != "" || f.Tag != ""
	if status != http.StatusOK {
		f = knowledgedb.Filter{Limit: knowledgedb.PageSize} // a refused search lists everything
	}
	var err error
	if d.Results, err = s.kb.Search(r.Context(), p.Org.ID, f); err != nil {
		return err
	}
	if d.CanEdit {
		if d.Drafts, err = s.kb.List(r.Context(), p.Org.ID, knowledgedb.ListFilter{Drafts: true}, 50); err != nil {
			return err
		}
	}
	return s.k.Render(w, status, "knowledge/knowledge_home", d)
}

func (s *Module) installBuiltIns(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	n, err := s.kb.InstallBuiltIns(r.Context(), web.PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	msg := "The requirement catalogues and hazard blueprints are up to date."
	if n > 0 {
		msg = text.Count(n, "document", "documents") + " of clinsafe's own added or updated: the DCB0129 and DCB0160 requirement catalogues and the hazard blueprints."
	}
	return s.k.Redirect(w, r, "/knowledge", msg)
}
