// Package fhirweb is the FHIR R4 server of clinsafe at /fhir/R4: the
// CapabilityStatement, AdverseEvent (the safety events, LFPSE-profiled)
// with create, read, vread, update, history and search, the implant
// register's Device, Procedure and Patient, and Bundle transaction and
// batch. It authenticates by API token with FHIR scopes, keeps roles and
// organisation scoping as the rest of the API does, speaks only
// application/fhir+json and answers every error with an
// OperationOutcome naming the element at fault.
package fhirweb

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

//go:embed templates
var templates embed.FS

// Base is the path of the FHIR server.
const Base = "/fhir/R4"

// ContentType is the one media type the server speaks.
const ContentType = "application/fhir+json"

// Module is the FHIR wing's web module.
type Module struct {
	k   *web.Server
	db  *fhirdb.DB
	cfg fhir.Config
	// creates writes the plain creates of many requests together.
	creates *creates
}

// New makes the wing on the kernel k, with the default LFPSE
// configuration.
func New(k *web.Server) web.Module { return NewWith(k, fhir.DefaultConfig()) }

// NewWith makes the wing with LFPSE configuration cfg.
func NewWith(k *web.Server, cfg fhir.Config) *Module {
	m := &Module{k: k, db: fhirdb.New(k.Store()), cfg: cfg}
	m.creates = &creates{s: m}
	return m
}

// Pillar has no navigation card: the wing is an API (its one page is
// reached from the API tokens page and the documentation).
func (s *Module) Pillar() web.PillarCard { return web.PillarCard{Area: "fhir", Href: "/fhir"} }

// Templates are the wing's page.
func (s *Module) Templates() fs.FS {
	sub, err := fs.Sub(templates, "templates")
	if err != nil {
		panic(err)
	}
	return sub
}

// Funcs are none.
func (s *Module) Funcs() template.FuncMap { return nil }

// Attention is none.
func (s *Module) Attention(context.Context, *store.Principal) ([]web.Attention, error) {
	return nil, nil
}

var (
	reporters = web.Anyone
	handlers  = web.Roles(auth.Handler)
	devRead   = web.Roles(auth.Devices, auth.CSO, auth.Handler)
)

// Routes are the FHIR server's.
func (s *Module) Routes() []web.Route {
	api := func(method, path string, roles []auth.Role, h func(http.ResponseWriter, *http.Request) error) web.Route {
		return web.Route{Method: method, Path: Base + path, Roles: roles, API: true, Handle: s.negotiate(h), Fail: s.fail}
	}
	bundle := api("POST", "", reporters, s.bundle)
	bundle.Upload = true
	// Clients post bundles to the base with or without its slash.
	bundleSlash := bundle
	bundleSlash.Path = Base + "/{$}"
	meta := api("GET", "/metadata", nil, s.metadata)
	meta.Public = true
	return []web.Route{
		{Method: "GET", Path: "/fhir", Roles: web.Anyone, Handle: s.about},
		meta,
		bundle,
		bundleSlash,
		api("GET", "/AdverseEvent", handlers, s.searchEvents),
		api("POST", "/AdverseEvent", reporters, s.createEvent),
		api("GET", "/AdverseEvent/{id}", handlers, s.readEvent),
		api("PUT", "/AdverseEvent/{id}", handlers, s.updateEvent),
		api("DELETE", "/AdverseEvent/{id}", handlers, s.deleteEvent),
		api("GET", "/AdverseEvent/{id}/_history", handlers, s.historyEvent),
		api("GET", "/AdverseEvent/{id}/_history/{vid}", handlers, s.vreadEvent),
		api("GET", "/Device", devRead, s.searchDevices),
		api("GET", "/Device/{id}", devRead, s.readDevice),
		api("GET", "/Procedure", devRead, s.searchProcedures),
		api("GET", "/Procedure/{id}", devRead, s.readProcedure),
		api("GET", "/Patient", devRead, s.searchPatients),
		api("GET", "/Patient/{id}", devRead, s.readPatient),
	}
}

// AboutPage is the wing's page: where the API is and how to reach it.
type AboutPage struct {
	web.Base
	URL string
}

func (s *Module) about(w http.ResponseWriter, r *http.Request) error {
	return s.k.Render(w, http.StatusOK, "fhir/about", AboutPage{Base: s.k.Base(w, r, "FHIR API"), URL: s.base(r)})
}

// base is the absolute URL of the FHIR server as the client reached it:
// the configured base URL, or the request's host when the client came
// another way (a test server, a private address).
func (s *Module) base(r *http.Request) string {
	b := strings.TrimRight(s.k.Config().BaseURL, "/")
	if u, err := url.Parse(b); err != nil || u.Host != r.Host {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		b = scheme + "://" + r.Host
	}
	return b + Base
}

// httpError is an error with the HTTP status and OperationOutcome issue
// it is answered with.
type httpError struct {
	status int
	issues []*fhir.Issue
}

func (e *httpError) Error() string { return fhir.Issues(e.issues).Error() }

func fail(status int, code, expr, format string, args ...any) error {
	msg := format
	if len(args) > 0 {
		msg = sprintf(format, args...)
	}
	return &httpError{status: status, issues: []*fhir.Issue{{Code: code, Expression: expr, Message: msg}}}
}

// fail writes err as an OperationOutcome with the status its kind says:
// the guard's errors and the handlers' alike.
func (s *Module) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	st, o := outcomeOf(status, err, fhir.EventMeta{})
	if st >= 500 {
		s.k.Log().Error("request failed", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", web.RequestIDFrom(r.Context()))
	}
	writeResource(w, st, o)
}

// outcomeOf is the status and OperationOutcome of err; meta names the
// elements of an AdverseEvent whose record the flow refused.
func outcomeOf(status int, err error, meta fhir.EventMeta) (int, fhir.OperationOutcome) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, fhir.NewOutcome(he.issues...)
	}
	if is := fhir.IssuesOf(err); len(is) > 0 {
		st := http.StatusBadRequest
		for _, i := range is {
			if i.Code == fhir.CodeCodeInvalid || i.Code == fhir.CodeBusinessRule || i.Code == fhir.CodeRequired || i.Code == fhir.CodeValue {
				st = http.StatusUnprocessableEntity
			}
		}
		for _, i := range is {
			if i.Code == fhir.CodeTooCostly || i.Code == fhir.CodeTooLong {
				st = http.StatusUnprocessableEntity
			}
			if i.Code == fhir.CodeStructure {
				st = http.StatusBadRequest
			}
		}
		return st, fhir.NewOutcome(is...)
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, fhir.NewOutcome(&fhir.Issue{Code: fhir.CodeTooCostly, Message: sprintf("The request is too large (limit %d MB)", mbe.Limit>>20)})
	}
	kind := apperr.KindOf(err)
	if status == 0 {
		status = map[apperr.Kind]int{apperr.Invalid: http.StatusUnprocessableEntity, apperr.BadRequest: http.StatusBadRequest,
			apperr.NotFound: http.StatusNotFound, apperr.Conflict: http.StatusConflict, apperr.Forbidden: http.StatusForbidden,
			apperr.Unauthenticated: http.StatusUnauthorized, apperr.TooLarge: http.StatusRequestEntityTooLarge, apperr.TooMany: http.StatusTooManyRequests}[kind]
	}
	code := map[apperr.Kind]string{apperr.Invalid: fhir.CodeInvalid, apperr.BadRequest: fhir.CodeInvalid, apperr.NotFound: fhir.CodeNotFound,
		apperr.Conflict: fhir.CodeConflict, apperr.Forbidden: fhir.CodeForbidden, apperr.Unauthenticated: fhir.CodeLogin,
		apperr.TooLarge: fhir.CodeTooCostly, apperr.TooMany: "throttled"}[kind]
	if code == "" {
		return http.StatusInternalServerError, fhir.NewOutcome(&fhir.Issue{Code: fhir.CodeException, Message: "Something went wrong on the server; it has been logged"})
	}
	var is []*fhir.Issue
	var ae *apperr.Error
	msg := err.Error()
	if errors.As(err, &ae) && ae.Message != "" {
		msg = ae.Message
	}
	fields := apperr.FieldsOf(err)
	for _, f := range sortedKeys(fields) {
		is = append(is, &fhir.Issue{Code: fhir.CodeInvariant, Expression: meta.Expression(f), Message: fields[f]})
	}
	if len(is) == 0 {
		is = []*fhir.Issue{{Code: code, Message: msg}}
	}
	return status, fhir.NewOutcome(is...)
}

// negotiate applies the content rules to h: the client must accept
// application/fhir+json (406 otherwise; _format may say json), and a body
// must be application/fhir+json (415 otherwise).
func (s *Module) negotiate(h func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if f := r.URL.Query().Get("_format"); f != "" {
			switch f {
			case "json", ContentType, "application/json", "application/json+fhir":
			default:
				return fail(http.StatusNotAcceptable, fhir.CodeNotSupported, "_format", "_format %q is not served: this server speaks only application/fhir+json (_format=json)", f)
			}
		} else if !acceptable(r.Header.Get("Accept")) {
			return fail(http.StatusNotAcceptable, fhir.CodeNotSupported, "", "Accept %q cannot be served: this server speaks only application/fhir+json", r.Header.Get("Accept"))
		}
		if r.Method == "POST" || r.Method == "PUT" {
			mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != ContentType || (params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8")) {
				return fail(http.StatusUnsupportedMediaType, fhir.CodeNotSupported, "", "Send the resource as Content-Type: application/fhir+json (not %q)", r.Header.Get("Content-Type"))
			}
		}
		return h(w, r)
	}
}

// acceptable reports whether an Accept header admits application/fhir+json.
func acceptable(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if q, ok := params["q"]; ok {
			if v, err := strconv.ParseFloat(q, 64); err != nil || v <= 0 {
				continue
			}
		}
		switch mt {
		case "*/*", "application/*", ContentType, "application/json", "application/json+fhir":
			return true
		}
	}
	return false
}

// authorise checks that the request may do op (read or write) on typ:
// an API token needs that scope; a signed-in session (a browser) may
// read, with its roles, and never write.
func authorise(r *http.Request, typ, op string) (*store.Principal, error) {
	p := web.PrincipalFrom(r.Context())
	if p == nil {
		return nil, fail(http.StatusUnauthorized, fhir.CodeLogin, "", "The FHIR API takes a Bearer API token with FHIR scopes, made on the API tokens page")
	}
	if p.TokenID == "" {
		if op == "read" {
			return p, nil
		}
		return nil, fail(http.StatusForbidden, fhir.CodeForbidden, "", "Changes through the FHIR API need an API token with the %s.%s scope", typ, op)
	}
	if !store.HasScope(p.Scopes, typ, op) {
		return nil, fail(http.StatusForbidden, fhir.CodeForbidden, "", "This token has no %s.%s scope: an administrator grants FHIR scopes when making a token", typ, op)
	}
	return p, nil
}

// writeResource writes r as application/fhir+json.
func writeResource(w http.ResponseWriter, status int, r fhir.Resource) {
	b, err := json.Marshal(r)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception","diagnostics":"The answer could not be encoded"}]}`)
	}
	w.Header().Set("Content-Type", ContentType+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
