package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/text"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var baseFuncs = template.FuncMap{
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(clock.London).Format("2 Jan 2006 15:04")
	},
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(clock.London).Format("2 January 2006")
	},
	"isodate": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(clock.London).Format("2006-01-02")
	},
	// day shows a stored YYYY-MM-DD date as "1 December 2026" (anything
	// else as it is).
	"day": text.Day,
	"deref": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
	"hasRole": func(held []auth.Role, r string) bool { return auth.HasAny(held, auth.Role(r)) },
	"join":    strings.Join,
	// dateParts fills the boxes of the "dateInput" partial.
	"dateParts": PartsOf,
	"add":       func(a, b int) int { return a + b },

	// dict builds the parameters of a partial: dict "Key" value ...
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
}

type pages struct {
	sets map[string]*template.Template
}

// kernelFiles are the layout and the kernel's partials, in every page set.
var kernelFiles = []string{"templates/layout.html", "templates/partials/*.html"}

// parsePages parses each page into its own set: the kernel's pages (named
// after their file) with the layout and kernel partials, and each wing's
// pages (named "area/page") with the layout, kernel partials and that
// wing's partials only, so two wings can never replace each other's blocks.
// A missing or broken template fails start-up.
func parsePages(mods []Module, funcs template.FuncMap) (*pages, error) {
	p := &pages{sets: map[string]*template.Template{}}
	files, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("web: no page templates found")
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, append(slices.Clone(kernelFiles), f)...)
		if err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", name, err)
		}
		p.sets[name] = t
	}
	for _, m := range mods {
		if err := p.parseModule(m, funcs); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// parseModule adds the page sets of one wing.
func (p *pages) parseModule(m Module, funcs template.FuncMap) error {
	area := m.Pillar().Area
	mfs := m.Templates()
	if area == "" || strings.Contains(area, "/") || mfs == nil {
		return fmt.Errorf("web: a module needs an area name without slashes and its templates")
	}
	fm := template.FuncMap{}
	maps.Copy(fm, funcs)
	for k, f := range m.Funcs() {
		if _, ok := funcs[k]; ok {
			return fmt.Errorf("web: module %s: template function %q is the kernel's", area, k)
		}
		fm[k] = f
	}
	partials, err := fs.Glob(mfs, "partials/*.html")
	if err != nil {
		return fmt.Errorf("web: module %s: %w", area, err)
	}
	if len(partials) > 0 {
		// A wing's own blocks are area-qualified, so that they can never
		// replace the kernel's or another wing's.
		t, err := template.New("").Funcs(fm).ParseFS(mfs, partials...)
		if err != nil {
			return fmt.Errorf("web: module %s: parse partials: %w", area, err)
		}
		files := map[string]bool{"": true}
		for _, f := range partials {
			files[path.Base(f)] = true // the file itself, outside its blocks
		}
		for _, d := range t.Templates() {
			if n := d.Name(); !files[n] && !strings.HasPrefix(n, area+"/") {
				return fmt.Errorf("web: module %s: partial %q must be named %s/NAME", area, n, area)
			}
		}
	}
	files, err := fs.Glob(mfs, "pages/*.html")
	if err != nil || len(files) == 0 {
		return fmt.Errorf("web: module %s: no page templates found", area)
	}
	for _, f := range files {
		name := area + "/" + strings.TrimSuffix(path.Base(f), ".html")
		t, err := template.New(name).Funcs(fm).ParseFS(templateFS, kernelFiles...)
		if err == nil && len(partials) > 0 {
			t, err = t.ParseFS(mfs, partials...)
		}
		if err == nil {
			t, err = t.ParseFS(mfs, f)
		}
		if err != nil {
			return fmt.Errorf("web: parse template %s: %w", name, err)
		}
		p.sets[name] = t
	}
	return nil
}

// PageNames lists every page set ("home", "risk/hazard", ...), sorted.
func (s *Server) PageNames() []string { return slices.Sorted(maps.Keys(s.pages.sets)) }

// ExecutePage renders page name with data into w, as Render does, so that a
// wing's test can execute every page with typed sample data.
func (s *Server) ExecutePage(w io.Writer, name string, data any) error {
	t, ok := s.pages.sets[name]
	if !ok {
		return fmt.Errorf("web: no template %q", name)
	}
	return t.ExecuteTemplate(w, "layout", data)
}

// Base is embedded in every page's data.
type Base struct {
	Title     string
	P         *store.Principal
	Orgs      []store.Org
	Nav       []NavItem
	Flash     string
	Path      string
	Errors    map[string]string // per-field messages
	ErrorList []FieldError      // the error summary, in field order
	Version   string
}

// NavItem is one entry of the header navigation.
type NavItem struct {
	Label, Href string
	Current     bool
}

// FieldError links an error summary entry to its field: to the anchor
// #Field on the page, or, when the field is on another page (a question
// flow's later page), to Href.
type FieldError struct {
	Field, Message string
	Href           string
}

// SetErrors fills the per-field messages and the summary from err, in the
// order fields appear in order.
func (b *Base) SetErrors(err error, order ...string) {
	fields := apperr.FieldsOf(err)
	b.Errors = fields
	seen := map[string]bool{}
	for _, f := range order {
		if m, ok := fields[f]; ok {
			b.ErrorList = append(b.ErrorList, FieldError{Field: f, Message: m})
			seen[f] = true
		}
	}
	for f, m := range fields {
		if !seen[f] {
			b.ErrorList = append(b.ErrorList, FieldError{Field: f, Message: m})
		}
	}
	if len(fields) == 0 && err != nil {
		b.ErrorList = append(b.ErrorList, FieldError{Message: apperr.MessageOf(err)})
	}
}

// HasErrors reports whether the page shows an error summary.
func (b Base) HasErrors() bool { return len(b.ErrorList) > 0 }

// navItems is the header navigation: the pillars, then Admin.
func navItems(ps []PillarCard) []NavItem {
	var out []NavItem
	for _, p := range ps {
		out = append(out, NavItem{Label: p.Nav, Href: p.Href})
	}
	return append(out, NavItem{Label: "Admin", Href: "/admin"})
}

// Base builds the common page data for r.
func (s *Server) Base(w http.ResponseWriter, r *http.Request, title string) Base {
	b := Base{Title: title, P: PrincipalFrom(r.Context()), Path: r.URL.Path, Version: s.version}
	if b.P != nil {
		for _, n := range s.nav {
			if n.Href == "/admin" && !auth.HasAny(b.P.Roles, auth.Admin) {
				continue
			}
			n.Current = r.URL.Path == n.Href || strings.HasPrefix(r.URL.Path, n.Href+"/")
			b.Nav = append(b.Nav, n)
		}
		orgs, err := s.store.OrgsOfUser(r.Context(), b.P.User.ID)
		if err != nil && r.Context().Err() == nil {
			// The organisation switcher is not worth failing the page for.
			s.log.Error("list organisations for the switcher", "err", err, "request_id", RequestIDFrom(r.Context()))
		}
		b.Orgs = orgs
	}
	b.Flash = takeFlash(w, r)
	return b
}

// Render executes page name ("home", "risk/hazard") with data and writes
// it with status.
func (s *Server) Render(w http.ResponseWriter, status int, name string, data any) error {
	return s.RenderFragment(w, status, name, "layout", data)
}

// RenderFragment executes one block of page name's set (a line of a list
// answered to a script, say) and writes it with status.
func (s *Server) RenderFragment(w http.ResponseWriter, status int, name, block string, data any) error {
	t, ok := s.pages.sets[name]
	if !ok {
		return fmt.Errorf("web: no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		return fmt.Errorf("web: render %s (%s): %w", name, block, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// ErrorPage is the data of the error page.
type ErrorPage struct {
	Base
	Status    int
	Heading   string
	Message   string
	RequestID string
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, err error) {
	heading := map[int]string{
		400: "There is a problem with the request",
		401: "You need to sign in",
		403: "You do not have access to this page",
		404: "Page not found",
		409: "That conflicts with a change already made",
		413: "That is too large",
		422: "There is a problem with what was entered",
		429: "Too many requests",
		500: "Sorry, there is a problem with the service",
	}[status]
	if heading == "" {
		heading = http.StatusText(status)
	}
	msg := apperr.MessageOf(err)
	if status == http.StatusNotFound && !errors.Is(err, notFoundErr) && apperr.KindOf(err) != apperr.NotFound {
		msg = "If you typed the web address, check it is correct."
	} else if status == http.StatusNotFound && errors.Is(err, notFoundErr) {
		msg = "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address."
	}
	d := ErrorPage{Base: s.Base(w, r, heading), Status: status, Heading: heading, Message: msg, RequestID: RequestIDFrom(r.Context())}
	if rerr := s.Render(w, status, "error", d); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		http.Error(w, heading, status)
	}
}

// Flash messages travel in a short-lived cookie across the redirect of
// POST-redirect-GET.
const flashCookie = "clinsafe_flash"

func (s *Server) setFlash(w http.ResponseWriter, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.cfg.Secure(), MaxAge: 60})
}

func takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1})
	v, err := url.QueryUnescape(c.Value)
	if err != nil {
		return ""
	}
	return v
}

// Redirect finishes a successful POST with a flash message.
func (s *Server) Redirect(w http.ResponseWriter, r *http.Request, to, flash string) error {
	if flash != "" {
		s.setFlash(w, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// ParseForm reads a form body (URL-encoded or multipart): an oversize body
// is TooLarge (413), an unreadable one BadRequest (400), and a field that is
// not valid text (checkFormText) Invalid (422).
func ParseForm(r *http.Request) error {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(8 << 20)
	} else {
		err = r.ParseForm()
	}
	if err == nil {
		if err := checkFormText(r.PostForm); err != nil {
			return err
		}
		if r.MultipartForm != nil {
			return checkFormText(r.MultipartForm.Value)
		}
		return nil
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.TooLarge, "The form is too large (limit %d MB)", mbe.Limit>>20)
	}
	return apperr.Wrap(apperr.BadRequest, err, "The form could not be read")
}

// JSON API helpers.

// apiError is the one error shape of the API.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Kind      string            `json:"kind"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// WriteJSONError writes err in the API's one error shape.
func WriteJSONError(w http.ResponseWriter, status int, err error) {
	WriteJSON(w, status, apiError{Error: apiErrorBody{Kind: string(apperr.KindOf(err)), Message: apperr.MessageOf(err),
		Fields: apperr.FieldsOf(err), RequestID: w.Header().Get("X-Request-Id")}})
}

// WriteJSON writes v as indented JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// DecodeJSON reads a JSON body strictly: unknown fields, trailing data,
// wrong types and text that is not valid (checkJSONText) are Invalid errors
// naming the problem; nesting too deep is BadRequest.
func DecodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return apperr.New(apperr.Invalid, "Send the body as application/json")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return apperr.Wrap(apperr.BadRequest, err, "The request body could not be read")
	}
	if err := checkJSONText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &mbe):
			return err
		case errors.Is(err, io.EOF):
			return apperr.New(apperr.Invalid, "The request body is empty; send a JSON object")
		case errors.As(err, &se):
			return apperr.New(apperr.Invalid, "The body is not valid JSON (at byte %d)", se.Offset)
		case errors.As(err, &te):
			return &apperr.Error{Kind: apperr.Invalid, Message: "A field has the wrong type", Fields: map[string]string{te.Field: "must be " + te.Type.String()}}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &apperr.Error{Kind: apperr.Invalid, Message: "The body has a field that is not recognised", Fields: map[string]string{f: "unknown field"}}
		}
		return apperr.New(apperr.Invalid, "The body could not be read as JSON")
	}
	if dec.More() {
		return apperr.New(apperr.Invalid, "The body must hold one JSON object only")
	}
	return nil
}

// assetHandler serves the embedded static files (our own CSS and JS and the
// NHS.UK frontend copied from npm at build time) with long caching.
// A wing's own static files are served under /assets/AREA/.
func assetHandler(prefix string, root fs.FS) http.Handler {
	sub, _ := fs.Sub(root, "static")
	fsrv := http.StripPrefix(prefix, http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}
