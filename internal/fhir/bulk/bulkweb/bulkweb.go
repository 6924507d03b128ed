// Package bulkweb serves FHIR Bulk Data (the Bulk Data Access IG) under
// /fhir/R4: asynchronous $export of AdverseEvents and Devices with status,
// NDJSON files and cancel, and an NDJSON $import of AdverseEvents.
package bulkweb

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/bulk"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// typeRoles are the roles that may export each type, as for the rest of
// the API: safety events for handlers, the implant register for those
// who read it.
var typeRoles = map[string][]auth.Role{
	"AdverseEvent": {auth.Handler},
	"Device":       {auth.Devices, auth.CSO, auth.Handler},
}

// Module serves FHIR Bulk Data under /fhir/R4: $export kick-off, status,
// files and cancel, and AdverseEvent $import. It is no pillar.
type Module struct {
	k   *web.Server
	cfg fhir.Config

	mu     sync.Mutex
	cancel map[string]context.CancelFunc
}

// NewModule makes the module on kernel k (a web.ModuleFunc).
func NewModule(k *web.Server) web.Module {
	return &Module{k: k, cfg: fhir.DefaultConfig(), cancel: map[string]context.CancelFunc{}}
}

// Pillar names the module; no Href, so no card or navigation item.
func (m *Module) Pillar() web.PillarCard { return web.PillarCard{Area: "bulk"} }

//go:embed templates
var templateFS embed.FS

// Templates are the module's one page, the list of exports.
func (m *Module) Templates() fs.FS {
	sub, _ := fs.Sub(templateFS, "templates")
	return sub
}

// Funcs are none.
func (m *Module) Funcs() template.FuncMap { return nil }

// Attention adds nothing to the home page.
func (m *Module) Attention(context.Context, *store.Principal) ([]web.Attention, error) {
	return nil, nil
}

// AuditWords word the module's audit actions.
func (m *Module) AuditWords() map[string]string {
	return map[string]string{"bulk_job": "Bulk Data export", "bulk_job.export": "Bulk Data export started", "bulk_job.cancel": "Bulk Data export cancelled"}
}

var anyExporter = web.Roles(auth.Handler, auth.Devices, auth.CSO)

// Routes are the module's routes: literal $export and $import paths and
// /fhir/R4/bulk/..., beside the FHIR server's /fhir/R4/{type} routes.
func (m *Module) Routes() []web.Route {
	api := func(method, path string, roles []auth.Role, h func(http.ResponseWriter, *http.Request) error) web.Route {
		return web.Route{Method: method, Path: "/fhir/R4" + path, API: true, Roles: roles, Handle: h, Fail: m.guardFail}
	}
	imp := api("POST", "/AdverseEvent/$import", web.Roles(auth.Handler), m.scoped("AdverseEvent", "write", m.importNDJSON))
	imp.Upload = true
	return []web.Route{
		api("GET", "/$export", anyExporter, m.kickOff("")),
		api("GET", "/AdverseEvent/$export", web.Roles(auth.Handler), m.kickOff("AdverseEvent")),
		api("GET", "/Device/$export", web.Roles(auth.Devices, auth.CSO, auth.Handler), m.kickOff("Device")),
		api("GET", "/bulk/{id}", anyExporter, m.status),
		api("DELETE", "/bulk/{id}", anyExporter, m.cancelJob),
		api("GET", "/bulk/{id}/{file}", anyExporter, m.file),
		{Method: "GET", Path: "/admin/exports", Roles: web.Roles(auth.Admin), Handle: m.exportsPage},
		imp,
	}
}

// guardFail writes the guard's and the handlers' errors as an
// OperationOutcome, as the FHIR server does.
func (m *Module) guardFail(w http.ResponseWriter, r *http.Request, status int, err error) {
	if status >= 500 {
		m.k.Log().Error("request failed", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", web.RequestIDFrom(r.Context()))
	}
	code := map[int]string{401: "login", 403: "forbidden", 404: "not-found", 413: "too-long", 429: "throttled"}[status]
	if code == "" {
		code = "processing"
		if status < 500 {
			code = "invalid"
		}
	}
	msg := apperr.MessageOf(err)
	if status >= 500 {
		msg = "The request could not be completed"
	}
	_ = outcome(w, status, code, "", msg)
}

// tokenScopes checks that a request made with an API token holds the FHIR
// scope op on each of types (an administrator grants scopes when making a
// token); a signed-in person's roles alone decide, as for the pages.
func tokenScopes(p *store.Principal, op string, types ...string) error {
	if p.TokenID == "" {
		return nil
	}
	for _, t := range types {
		if !store.HasScope(p.Scopes, t, op) {
			return apperr.New(apperr.Forbidden, "This token has no %s.%s scope: an administrator grants FHIR scopes when making a token", t, op)
		}
	}
	return nil
}

// scoped wraps h with tokenScopes for typ and op.
func (m *Module) scoped(typ, op string, h func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := tokenScopes(web.PrincipalFrom(r.Context()), op, typ); err != nil {
			return fail(w, err)
		}
		return h(w, r)
	}
}

// outcome writes an OperationOutcome of one issue.
func outcome(w http.ResponseWriter, status int, code, expr, msg string) error {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(fhir.NewOutcome(&fhir.Issue{Code: code, Expression: expr, Message: msg}))
}

// fail writes err as an OperationOutcome when it is the caller's fault,
// and returns it to the kernel otherwise.
func fail(w http.ResponseWriter, err error) error {
	switch apperr.KindOf(err) {
	case apperr.NotFound:
		return outcome(w, http.StatusNotFound, "not-found", "", apperr.MessageOf(err))
	case apperr.Invalid, apperr.BadRequest:
		return outcome(w, http.StatusBadRequest, "invalid", "", apperr.MessageOf(err))
	case apperr.Forbidden:
		return outcome(w, http.StatusForbidden, "forbidden", "", apperr.MessageOf(err))
	}
	return err
}

// parseSince reads _since: a FHIR instant (or a date).
func parseSince(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("bad instant")
}

func (m *Module) kickOff(only string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := web.PrincipalFrom(r.Context())
		q := r.URL.Query()
		if !strings.Contains(r.Header.Get("Prefer"), "respond-async") {
			return outcome(w, http.StatusBadRequest, "invalid", "", "A Bulk Data export needs the header Prefer: respond-async")
		}
		if f := q.Get("_outputFormat"); f != "" && f != "application/fhir+ndjson" && f != "application/ndjson" && f != "ndjson" {
			return outcome(w, http.StatusBadRequest, "not-supported", "_outputFormat", "Only application/fhir+ndjson output is supported")
		}
		since, err := parseSince(q.Get("_since"))
		if err != nil {
			return outcome(w, http.StatusBadRequest, "invalid", "_since", "_since must be a FHIR instant such as 2026-11-01T00:00:00Z")
		}
		var types []string
		if only != "" {
			types = []string{only}
		}
		if t := q.Get("_type"); t != "" {
			for _, x := range strings.Split(t, ",") {
				x = strings.TrimSpace(x)
				if !slices.Contains(bulk.Types, x) {
					return outcome(w, http.StatusBadRequest, "not-supported", "_type", fmt.Sprintf("%.40q cannot be exported: choose from %s", x, strings.Join(bulk.Types, ", ")))
				}
				if only != "" && x != only {
					return outcome(w, http.StatusBadRequest, "invalid", "_type", "_type must be "+only+" on this endpoint")
				}
				if !slices.Contains(types, x) {
					types = append(types, x)
				}
			}
		}
		if len(types) == 0 {
			for _, x := range bulk.Types {
				if auth.HasAny(p.Roles, typeRoles[x]...) {
					types = append(types, x)
				}
			}
		}
		for _, x := range types {
			if !auth.HasAny(p.Roles, typeRoles[x]...) {
				return outcome(w, http.StatusForbidden, "forbidden", "_type", "You do not have a role that allows exporting "+x)
			}
		}
		if err := tokenScopes(p, "read", types...); err != nil {
			return fail(w, err)
		}
		id := store.NewID()
		db := m.k.Store()
		var sinceArg any
		if !since.IsZero() {
			sinceArg = since
		}
		err = db.Tx(r.Context(), func(tx *store.Tx) error {
			if _, err := tx.ExecContext(r.Context(), `INSERT INTO bulk_jobs (id, org_id, requested_by, request_url, types, since, status, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, 'running', $7)`, id, p.Org.ID, p.User.ID, r.URL.RequestURI(), strings.Join(types, ","), sinceArg, tx.Now()); err != nil {
				return err
			}
			return tx.Audit(r.Context(), store.Change{OrgID: p.Org.ID, Action: "bulk_job.export", Entity: "bulk_job", EntityID: id,
				Summary: "Bulk Data export of " + strings.Join(types, ", ")})
		})
		if err != nil {
			return db.Wrap(err, "start export")
		}
		ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
		m.mu.Lock()
		m.cancel[id] = cancel
		m.mu.Unlock()
		go m.run(ctx, id, p.Org.ID, types, since)
		w.Header().Set("Content-Location", m.k.Config().BaseURL+"/fhir/R4/bulk/"+id)
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
}

// dir is where job id's files are written.
func (m *Module) dir(id string) string { return filepath.Join(m.k.Config().DataDir, "bulk", id) }

type outputEntry struct {
	Type  string `json:"type"`
	URL   string `json:"url"`
	Count int    `json:"count"`
}

// run writes the job's files, one per type, then records the manifest.
func (m *Module) run(ctx context.Context, id string, org store.OrgID, types []string, since time.Time) {
	defer func() {
		m.mu.Lock()
		if c := m.cancel[id]; c != nil {
			c()
		}
		delete(m.cancel, id)
		m.mu.Unlock()
	}()
	db := m.k.Store()
	record := func(q string, args ...any) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := db.SQL().ExecContext(rctx, q, args...); err != nil {
			m.k.Log().Error("bulk: record export job", "job", id, "err", err)
		}
	}
	var out []outputEntry
	err := func() error {
		if err := os.MkdirAll(m.dir(id), 0o750); err != nil {
			return err
		}
		for _, t := range types {
			f, err := os.OpenFile(filepath.Join(m.dir(id), t+".ndjson"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
			if err != nil {
				return err
			}
			var n int
			switch t {
			case "AdverseEvent":
				n, err = bulk.ExportAdverseEvents(ctx, db, org, m.cfg, since, f)
			case "Device":
				n, err = bulk.ExportDevices(ctx, db, org, m.cfg, since, f)
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			out = append(out, outputEntry{Type: t, URL: m.k.Config().BaseURL + "/fhir/R4/bulk/" + id + "/" + t + ".ndjson", Count: n})
			record(`UPDATE bulk_jobs SET progress = $1 WHERE id = $2 AND status = 'running'`, fmt.Sprintf("%d of %d types written", len(out), len(types)), id)
		}
		return nil
	}()
	now := db.Now()
	switch {
	case ctx.Err() != nil:
		_ = os.RemoveAll(m.dir(id))
	case err != nil:
		m.k.Log().Error("bulk: export failed", "job", id, "err", err)
		_ = os.RemoveAll(m.dir(id))
		record(`UPDATE bulk_jobs SET status = 'failed', error = 'The export could not be written', finished_at = $1 WHERE id = $2 AND status = 'running'`, now, id)
	default:
		b, _ := json.Marshal(out)
		record(`UPDATE bulk_jobs SET status = 'done', output = $1, progress = 'done', finished_at = $2 WHERE id = $3 AND status = 'running'`, string(b), now, id)
	}
}

type job struct {
	status, progress, output, errText, requestURL, types string
	created                                              time.Time
}

func (m *Module) job(ctx context.Context, org store.OrgID, id string) (job, error) {
	var j job
	db := m.k.Store()
	err := db.SQL().QueryRowContext(ctx, `SELECT status, progress, output, error, request_url, types, created_at FROM bulk_jobs WHERE id = $1 AND org_id = $2`, id, org).
		Scan(&j.status, &j.progress, &j.output, &j.errText, &j.requestURL, &j.types, &j.created)
	if err == nil && j.status == "cancelled" {
		return j, store.NotFound("Export")
	}
	return j, db.One(err, "Export", "read export job %s", id)
}

func (m *Module) status(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	j, err := m.job(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return fail(w, err)
	}
	switch j.status {
	case "running":
		w.Header().Set("X-Progress", "in progress: "+orDash(j.progress))
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(http.StatusAccepted)
		return nil
	case "failed":
		return outcome(w, http.StatusInternalServerError, "exception", "", j.errText)
	}
	var out []outputEntry
	_ = json.Unmarshal([]byte(j.output), &out)
	if out == nil {
		out = []outputEntry{}
	}
	w.Header().Set("Expires", j.created.Add(24*time.Hour).UTC().Format(http.TimeFormat))
	return web.WriteJSON(w, http.StatusOK, map[string]any{
		"transactionTime":     j.created.UTC().Format(time.RFC3339),
		"request":             m.k.Config().BaseURL + j.requestURL,
		"requiresAccessToken": true,
		"output":              out,
		"error":               []any{},
	})
}

func orDash(s string) string {
	if s == "" {
		return "started"
	}
	return s
}

func (m *Module) cancelJob(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	if _, err := m.job(r.Context(), p.Org.ID, id); err != nil {
		return fail(w, err)
	}
	db := m.k.Store()
	err := db.Tx(r.Context(), func(tx *store.Tx) error {
		if _, err := tx.ExecContext(r.Context(), `UPDATE bulk_jobs SET status = 'cancelled', finished_at = $1 WHERE id = $2 AND org_id = $3`, tx.Now(), id, p.Org.ID); err != nil {
			return err
		}
		return tx.Audit(r.Context(), store.Change{OrgID: p.Org.ID, Action: "bulk_job.cancel", Entity: "bulk_job", EntityID: id, Summary: "Bulk Data export cancelled"})
	})
	if err != nil {
		return db.Wrap(err, "cancel export %s", id)
	}
	m.mu.Lock()
	c := m.cancel[id]
	m.mu.Unlock()
	if c != nil {
		c() // the job removes its files as it stops
	} else {
		_ = os.RemoveAll(m.dir(id))
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (m *Module) file(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	id, name := r.PathValue("id"), r.PathValue("file")
	j, err := m.job(r.Context(), p.Org.ID, id)
	if err != nil {
		return fail(w, err)
	}
	typ, ok := strings.CutSuffix(name, ".ndjson")
	if j.status != "done" || !ok || !slices.Contains(strings.Split(j.types, ","), typ) {
		return outcome(w, http.StatusNotFound, "not-found", "", "No such file in this export")
	}
	f, err := os.Open(filepath.Join(m.dir(id), typ+".ndjson"))
	if err != nil {
		return outcome(w, http.StatusNotFound, "not-found", "", "The export's files are no longer kept")
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/fhir+ndjson")
	w.WriteHeader(http.StatusOK)
	_, err = io.Copy(w, f) // streamed from the file, never held
	return err
}

// importNDJSON stores an NDJSON body of AdverseEvents all or nothing.
func (m *Module) importNDJSON(w http.ResponseWriter, r *http.Request) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/fhir+ndjson" && ct != "application/ndjson" && ct != "application/x-ndjson" {
		return outcome(w, http.StatusUnsupportedMediaType, "not-supported", "", "Send AdverseEvents as application/fhir+ndjson, one resource a line")
	}
	p := web.PrincipalFrom(r.Context())
	res, err := bulk.ImportAdverseEvents(r.Context(), m.k.Store(), p.Org.ID, m.cfg, r.Body, nil)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return outcome(w, http.StatusRequestEntityTooLarge, "too-long", "", fmt.Sprintf("The file is larger than %d MB: import it with clinsafe import", mbe.Limit>>20))
	case errors.Is(err, bulk.ErrRefused):
		o := fhir.OperationOutcome{ResourceType: "OperationOutcome"}
		for _, rf := range res.Refused {
			is := fhir.OutcomeIssue{Severity: "error", Code: "invalid", Diagnostics: fmt.Sprintf("line %d: %s", rf.Line, rf.Reason)}
			if rf.Expression != "" {
				is.Expression = []string{rf.Expression}
			}
			o.Issue = append(o.Issue, is)
		}
		o.Issue = append(o.Issue, fhir.OutcomeIssue{Severity: "error", Code: "processing", Diagnostics: apperr.MessageOf(err)})
		w.Header().Set("Content-Type", "application/fhir+json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		return json.NewEncoder(w).Encode(o)
	case err != nil:
		return fail(w, err)
	}
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(http.StatusOK)
	return json.NewEncoder(w).Encode(fhir.Information(fmt.Sprintf("%d AdverseEvents imported", res.Imported)))
}

// ExportsPage lists an organisation's recent exports.
type ExportsPage struct {
	web.Base
	Jobs []ExportRow
}

// ExportRow is one export as the page shows it.
type ExportRow struct {
	Created           time.Time
	Types, Status, By string
}

func (m *Module) exportsPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	db := m.k.Store()
	rows, err := db.SQL().QueryContext(r.Context(), `SELECT j.created_at, j.types, j.status, COALESCE(u.name, '')
		FROM bulk_jobs j LEFT JOIN users u ON u.id = j.requested_by WHERE j.org_id = $1 ORDER BY j.created_at DESC, j.id DESC LIMIT 50`, p.Org.ID)
	if err != nil {
		return db.Wrap(err, "list exports")
	}
	defer rows.Close()
	d := ExportsPage{Base: m.k.Base(w, r, "Bulk Data exports")}
	for rows.Next() {
		var e ExportRow
		if err := rows.Scan(&e.Created, &e.Types, &e.Status, &e.By); err != nil {
			return db.Wrap(err, "list exports")
		}
		d.Jobs = append(d.Jobs, e)
	}
	if err := rows.Err(); err != nil {
		return db.Wrap(err, "list exports")
	}
	return m.k.Render(w, http.StatusOK, "bulk/exports", d)
}
