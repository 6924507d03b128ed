// Package lfpseweb serves the LFPSE queue: "Mark ready" for handlers
// (page and API) and the queue's admin page at /admin/lfpse.
package lfpseweb

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/config"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

//go:embed templates
var templateFS embed.FS

// Module is the LFPSE queue on the HTTP kernel: "Mark ready" for handlers
// (page and API) and the queue's admin page. It is no pillar: it has no
// card or navigation item of its own.
type Module struct {
	k *web.Server
	q *lfpse.DB
}

// NewModule makes the module on kernel k (a web.ModuleFunc).
func NewModule(k *web.Server) web.Module { return &Module{k: k, q: lfpse.New(k.Store())} }

// Pillar names the module's templates; no Href, so no card.
func (m *Module) Pillar() web.PillarCard { return web.PillarCard{Area: "lfpse"} }

// Templates are the module's pages.
func (m *Module) Templates() fs.FS {
	sub, _ := fs.Sub(templateFS, "templates")
	return sub
}

// Funcs are the module's template functions.
func (m *Module) Funcs() template.FuncMap {
	return template.FuncMap{"lfpseAge": ageWords}
}

// Attention adds nothing to the home page.
func (m *Module) Attention(context.Context, *store.Principal) ([]web.Attention, error) {
	return nil, nil
}

// AuditWords word the module's audit actions.
func (m *Module) AuditWords() map[string]string {
	return map[string]string{
		"lfpse_setting":        "LFPSE submission setting",
		"lfpse_setting.update": "LFPSE submission setting changed",
		"event.lfpse_ready":    "Safety event marked ready for LFPSE",
	}
}

var (
	handlers = web.Roles(auth.Handler)
	admins   = web.Roles(auth.Admin)
)

// Routes are the module's routes.
func (m *Module) Routes() []web.Route {
	return []web.Route{
		{Method: "POST", Path: "/events/review/{id}/lfpse", Roles: handlers, Handle: m.markReady},
		{Method: "GET", Path: "/api/v1/events/records/{id}/lfpse", API: true, Roles: handlers, Handle: m.apiGet},
		{Method: "POST", Path: "/api/v1/events/records/{id}/lfpse", API: true, Roles: handlers, Handle: m.apiMarkReady},
		{Method: "GET", Path: "/admin/lfpse", Roles: admins, Handle: m.adminPage},
		{Method: "POST", Path: "/admin/lfpse/rule", Roles: admins, Handle: m.adminRule},
		{Method: "POST", Path: "/admin/lfpse/{id}/retry", Roles: admins, Handle: m.adminRetry},
	}
}

func (m *Module) markReady(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := m.q.MarkReady(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, id); err != nil {
		return err
	}
	return m.k.Redirect(w, r, "/events/review/"+id, "The event is queued for LFPSE and will be sent shortly.")
}

// APISubmission is an event's LFPSE submission in the API.
type APISubmission struct {
	EventID     string       `json:"event_id"`
	Status      lfpse.Status `json:"status"`
	Operation   string       `json:"operation"`
	Attempts    int          `json:"attempts"`
	NextAttempt *time.Time   `json:"next_attempt_at,omitempty"`
	LastError   string       `json:"last_error,omitempty"`
	NationalRef string       `json:"national_reference,omitempty"`
	QueuedAt    time.Time    `json:"queued_at"`
	SentAt      *time.Time   `json:"sent_at,omitempty"`
}

func apiOf(s lfpse.Submission) APISubmission {
	a := APISubmission{EventID: s.EventID, Status: s.Status, Operation: s.Op, Attempts: s.Attempts, LastError: s.LastError,
		NationalRef: s.NationalRef, QueuedAt: s.QueuedAt, SentAt: s.SentAt}
	if s.Status == lfpse.Pending {
		t := s.NextAttemptAt
		a.NextAttempt = &t
	}
	return a
}

func (m *Module) apiGet(w http.ResponseWriter, r *http.Request) error {
	s, err := m.q.Get(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, apiOf(s))
}

func (m *Module) apiMarkReady(w http.ResponseWriter, r *http.Request) error {
	s, err := m.q.MarkReady(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, apiOf(s))
}

// AdminPage is the organisation's LFPSE queue.
type AdminPage struct {
	web.Base
	// Configured is false when no national service is set
	// (CLINSAFE_LFPSE_URL): queued events then wait.
	Configured      bool
	Stats           lfpse.Stats
	OldestPending   string
	Failed, Pending []lfpse.Item
	Rule            lfpse.Rule
	Rules           []web.Option
}

func (m *Module) adminPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	ctx := r.Context()
	st, err := m.q.Stats(ctx, p.Org.ID)
	if err != nil {
		return err
	}
	d := AdminPage{Base: m.k.Base(w, r, "LFPSE submission"), Configured: m.k.Config().LFPSE.URL != "", Stats: st}
	if st.Pending+st.Sending > 0 {
		d.OldestPending = ageWords(st.OldestPending)
	}
	if d.Failed, err = m.q.List(ctx, p.Org.ID, lfpse.Failed, 100); err != nil {
		return err
	}
	if d.Pending, err = m.q.List(ctx, p.Org.ID, lfpse.Pending, 100); err != nil {
		return err
	}
	if d.Rule, err = m.q.Rule(ctx, p.Org.ID); err != nil {
		return err
	}
	for _, ru := range lfpse.Rules {
		d.Rules = append(d.Rules, web.Option{Value: string(ru), Label: ru.Words(), Selected: ru == d.Rule})
	}
	return m.k.Render(w, http.StatusOK, "lfpse/admin", d)
}

func (m *Module) adminRule(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if err := m.q.SetRule(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, lfpse.Rule(r.PostForm.Get("auto_queue"))); err != nil {
		return err
	}
	return m.k.Redirect(w, r, "/admin/lfpse", "The LFPSE setting is saved.")
}

// adminRetry makes a failed or waiting submission due now. It changes a
// delivery record, not content, so it is logged, not audited.
func (m *Module) adminRetry(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	if err := m.q.Retry(r.Context(), p.Org.ID, id); err != nil {
		return err
	}
	m.k.Log().Info("lfpse: retry requested", "event", id, "org", p.Org.ID, "user", p.User.ID)
	return m.k.Redirect(w, r, "/admin/lfpse", "The event will be sent again shortly.")
}

// ServeOutbox is the outbox serve runs: the configured national service, the
// fhir mapping with its configuration, events' identifiers under the
// instance's base URL.
func ServeOutbox(db *store.DB, base, url, key string, timeout time.Duration, cfg fhir.Config, o lfpse.Options) *lfpse.Outbox {
	o.System = lfpse.IdentifierSystem(base)
	var s lfpse.Sender
	if url != "" {
		s = lfpse.NewClient(url, key, o.System, timeout)
	}
	return lfpse.NewOutbox(db, s, lfpse.FHIREncoder{Config: cfg}, o)
}

// FHIRConfig is the LFPSE mapping's configuration from the settings:
// the fhir package's defaults with what CLINSAFE_LFPSE_* sets.
func FHIRConfig(c *config.Config) fhir.Config {
	fc := fhir.DefaultConfig()
	if c.LFPSE.ProfileBase != "" {
		fc.ProfileBase, fc.ExtensionBase = c.LFPSE.ProfileBase, c.LFPSE.ProfileBase
	}
	if c.LFPSE.CodeSystemBase != "" {
		fc.CodeSystemBase = c.LFPSE.CodeSystemBase
	}
	if c.LFPSE.TaxonomyVersion != "" {
		fc.TaxonomyVersion = c.LFPSE.TaxonomyVersion
	}
	return fc
}

// ageWords says a duration roughly, in its largest unit.
func ageWords(d time.Duration) string {
	n, unit := 0, ""
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		n, unit = int(d/time.Minute), "minute"
	case d < 48*time.Hour:
		n, unit = int(d/time.Hour), "hour"
	default:
		n, unit = int(d/(24*time.Hour)), "day"
	}
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("%d %s", n, unit)
}
