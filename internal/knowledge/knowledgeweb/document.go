package knowledgeweb

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/knowledge"
	"github.com/clinsafe/clinsafe/internal/knowledge/knowledgedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// FormPage writes a new document, a new version of one, or a lesson
// learned from a safety event.
type FormPage struct {
	web.Base
	Action  string
	Doc     *knowledgedb.Document // nil for a new document
	Draft   knowledge.Draft
	Links   string // one a line: title | address
	Review  web.DateParts
	Kinds   []web.Option
	Sharing []web.Option
	Owners  []web.Option
	Tags    []web.Option
	Types   []web.Option
	// Flags are the de-identification check's findings (lessons learned),
	// with whether each is confirmed.
	Flags  []FlagRow
	Source string // a lesson's source
	From   string // the event or response it comes from
}

// FlagRow is one de-identification finding on the form.
type FlagRow struct {
	knowledge.Flag
	Confirmed bool
}

func (s *Module) formPage(w http.ResponseWriter, r *http.Request, title, action string, doc *knowledgedb.Document, d knowledge.Draft) (FormPage, error) {
	p := web.PrincipalFrom(r.Context())
	f := FormPage{Base: s.k.Base(w, r, title), Action: action, Doc: doc, Draft: d, Review: web.PartsOf(d.ReviewOn),
		Kinds: kindOptions(string(d.Kind), false), Tags: tagOptions(d.Tags...)}
	f.Sharing = web.Choices(knowledge.Sharings, func(sh knowledge.Sharing) (string, string) { return string(sh), sh.Label() }, string(d.Sharing))
	f.Types = web.Choices(knowledge.SystemTypes, func(t knowledge.SystemType) (string, string) { return t.Code, t.Label }, "")
	for i := range f.Types {
		for _, t := range d.SystemTypes {
			f.Types[i].Selected = f.Types[i].Selected || f.Types[i].Value == t
		}
	}
	var ls []string
	for _, l := range d.Links {
		ls = append(ls, l.Title+" | "+l.URL)
	}
	f.Links = strings.Join(ls, "\n")
	owner := d.OwnerID
	if owner == "" {
		owner = p.User.ID
	}
	us, err := s.kb.ListUsers(r.Context(), p.Org.ID)
	if err != nil {
		return f, err
	}
	f.Owners = web.Choices(us, func(u store.User) (string, string) { return u.ID, u.Name }, owner)
	if d.Kind == knowledge.Lesson {
		var flags []knowledge.Flag
		if doc != nil {
			flags, err = s.kb.Flags(r.Context(), p.Org.ID, *doc, knowledgedb.Version{Title: d.Title, Summary: d.Summary, Body: d.Body})
			if err != nil {
				return f, err
			}
		} else {
			flags = knowledge.CheckDeidentified(knowledge.LessonText(d), nil)
		}
		for _, fl := range flags {
			f.Flags = append(f.Flags, FlagRow{Flag: fl, Confirmed: contains(d.Confirmed, fl.Key)})
		}
	}
	return f, nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// draftOf reads the document form.
func draftOf(form url.Values) (knowledge.Draft, web.DateParts, string) {
	f := form.Get
	review, typed, msg := web.FormDate(form, "review_on", "the review date")
	if form.Get("review_on-day")+form.Get("review_on-month")+form.Get("review_on-year") == "" {
		review, msg = "", ""
	}
	d := knowledge.Draft{Kind: knowledge.Kind(f("kind")), Title: f("title"), Summary: f("summary"), Body: f("body"), Note: f("note"),
		Sharing: knowledge.Sharing(f("sharing")), OwnerID: f("owner_id"), ReviewOn: review, Tags: form["tags"], SystemTypes: form["system_types"],
		Confirmed: form["confirm"]}
	for _, line := range strings.Split(f("links"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		title, addr, ok := strings.Cut(line, "|")
		if !ok {
			title, addr = line, line
		}
		d.Links = append(d.Links, knowledge.Link{Title: strings.TrimSpace(title), URL: strings.TrimSpace(addr)})
	}
	return d, typed, msg
}

var formOrder = []string{"kind", "title", "summary", "body", "note", "sharing", "owner_id", "review_on", "tags", "system_types", "links", "confirm"}

// refuse re-renders the form with err's messages: 422, 409 or 413.
func (s *Module) refuse(w http.ResponseWriter, r *http.Request, err error, f FormPage, typed web.DateParts) error {
	f.Review = typed
	f.SetErrors(err, formOrder...)
	status := http.StatusUnprocessableEntity
	switch apperr.KindOf(err) {
	case apperr.Conflict:
		status = http.StatusConflict
	case apperr.TooLarge:
		status = http.StatusRequestEntityTooLarge
	}
	return s.k.Render(w, status, "knowledge/knowledge_form", f)
}

func refusable(err error) bool {
	return apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) || apperr.Is(err, apperr.TooLarge)
}

func (s *Module) newPage(w http.ResponseWriter, r *http.Request) error {
	d := knowledge.Draft{Kind: knowledge.Kind(r.URL.Query().Get("kind")), Sharing: knowledge.Private}
	if !d.Kind.Valid() || d.Kind == knowledge.Lesson {
		d.Kind = knowledge.Guidance
	}
	f, err := s.formPage(w, r, "Write a document", "/knowledge/documents", nil, d)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "knowledge/knowledge_form", f)
}

func (s *Module) create(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	d, typed, msg := draftOf(r.PostForm)
	var doc knowledgedb.Document
	var err error
	if msg != "" {
		err = apperr.Field("review_on", msg)
	} else {
		doc, err = s.kb.Create(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, d)
	}
	if refusable(err) {
		f, ferr := s.formPage(w, r, "Write a document", "/knowledge/documents", nil, d)
		if ferr != nil {
			return ferr
		}
		return s.refuse(w, r, err, f, typed)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/knowledge/documents/"+doc.ID, doc.Ref+" saved as a draft. Publish it when it is ready.")
}

// DocumentPage shows one version of a document.
type DocumentPage struct {
	web.Base
	Doc     knowledgedb.Document
	Body    template.HTML
	CanEdit bool
	// CanApprove: a lesson learned's draft, and the reader is not its author.
	CanApprove bool
	Flags      []FlagRow
	Overdue    bool
	Public     bool // the public library's page
}

func (s *Module) document(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	n := number(r.URL.Query().Get("v"))
	own := knowledge.CanEdit(p.Roles)
	var doc knowledgedb.Document
	var err error
	if own && n == 0 {
		doc, err = s.kb.Own(r.Context(), p.Org.ID, r.PathValue("id"))
		if apperr.Is(err, apperr.NotFound) {
			doc, err = s.kb.Get(r.Context(), p.Org.ID, r.PathValue("id"), 0)
		}
	} else {
		doc, err = s.kb.Get(r.Context(), p.Org.ID, r.PathValue("id"), n)
	}
	if err != nil {
		return err
	}
	d := DocumentPage{Base: s.k.Base(w, r, doc.Shown.Title), Doc: doc, Body: knowledge.Render(doc.Shown.Body),
		CanEdit: own && doc.OrgID == p.Org.ID, Overdue: doc.ReviewOverdue(s.kb.Now())}
	if d.CanEdit && doc.Kind == knowledge.Lesson && doc.HasDraft() && doc.Shown.Number == doc.Latest {
		flags, err := s.kb.Flags(r.Context(), p.Org.ID, doc, *doc.Shown)
		if err != nil {
			return err
		}
		for _, fl := range flags {
			d.Flags = append(d.Flags, FlagRow{Flag: fl, Confirmed: contains(doc.Shown.Confirmed, fl.Key)})
		}
		d.CanApprove = doc.Shown.AuthorID != p.User.ID
	}
	return s.k.Render(w, http.StatusOK, "knowledge/knowledge_document", d)
}

func (s *Module) editPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	doc, err := s.kb.Own(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := doc.Draft(*doc.Shown)
	if !doc.HasDraft() {
		d.Note, d.Confirmed = "", nil
	}
	f, err := s.formPage(w, r, "Change "+doc.Ref, "/knowledge/documents/"+doc.ID, &doc, d)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "knowledge/knowledge_form", f)
}

func (s *Module) save(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	doc, err := s.kb.Own(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	d, typed, msg := draftOf(r.PostForm)
	d.Kind = doc.Kind
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	var saved knowledgedb.Document
	if msg != "" {
		err = apperr.Field("review_on", msg)
	} else {
		saved, err = s.kb.SaveDraft(r.Context(), p.Org.ID, doc.ID, version, d)
	}
	if refusable(err) {
		f, ferr := s.formPage(w, r, "Change "+doc.Ref, "/knowledge/documents/"+doc.ID, &doc, d)
		if ferr != nil {
			return ferr
		}
		return s.refuse(w, r, err, f, typed)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/knowledge/documents/"+saved.ID, "Draft of version "+strconv.Itoa(saved.Latest)+" saved.")
}

func (s *Module) publish(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	doc, err := s.kb.Publish(r.Context(), p.Org.ID, r.PathValue("id"), version)
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
		old, gerr := s.kb.Own(r.Context(), p.Org.ID, r.PathValue("id"))
		if gerr != nil {
			return gerr
		}
		d := DocumentPage{Base: s.k.Base(w, r, old.Shown.Title), Doc: old, Body: knowledge.Render(old.Shown.Body), CanEdit: true,
			CanApprove: old.Kind == knowledge.Lesson && old.Shown.AuthorID != p.User.ID}
		d.SetErrors(err)
		status := http.StatusUnprocessableEntity
		if apperr.Is(err, apperr.Conflict) {
			status = http.StatusConflict
		}
		return s.k.Render(w, status, "knowledge/knowledge_document", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/knowledge/documents/"+doc.ID, "Version "+strconv.Itoa(doc.Published)+" of "+doc.Ref+" published.")
}

// DiffPage shows what changed between two versions.
type DiffPage struct {
	web.Base
	Doc            knowledgedb.Document
	From, To       knowledgedb.Version
	Lines          []knowledge.DiffLine
	Added, Removed int
}

func (s *Module) diff(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	doc, err := s.kb.Get(r.Context(), p.Org.ID, r.PathValue("id"), 0)
	if err != nil {
		return err
	}
	to, from := number(r.URL.Query().Get("to")), number(r.URL.Query().Get("from"))
	if to == 0 {
		to = doc.Shown.Number
	}
	if from == 0 && to > 0 {
		from = to - 1
	}
	if from <= 0 || to <= 0 {
		return apperr.New(apperr.Invalid, "There is no earlier version to compare this one with")
	}
	a, err := s.kb.Version(r.Context(), p.Org.ID, doc.ID, from)
	if err != nil {
		return err
	}
	b, err := s.kb.Version(r.Context(), p.Org.ID, doc.ID, to)
	if err != nil {
		return err
	}
	lines := knowledge.Diff("# "+a.Title+"\n\n"+a.Body, "# "+b.Title+"\n\n"+b.Body)
	added, removed := knowledge.DiffCounts(lines)
	return s.k.Render(w, http.StatusOK, "knowledge/knowledge_diff", DiffPage{Base: s.k.Base(w, r, "Changes to "+doc.Ref), Doc: doc, From: a, To: b,
		Lines: lines, Added: added, Removed: removed})
}
