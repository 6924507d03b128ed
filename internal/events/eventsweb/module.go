// Package eventsweb serves the safety events pillar: reporting by staff,
// patients and anonymous reporters, review and feedback, PSIRF learning
// responses and the triage of digital incidents to the system's clinical
// safety officer, as pages and as the JSON API (docs/api-events.md).
package eventsweb

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"maps"
	"net/http"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

//go:embed templates
var templateFS embed.FS

// Who may do what in the safety events module.
//
//   - everyone signed in reports, and reads their own reports and drafts;
//   - handler (the patient safety team) reviews, grades, closes and runs
//     learning responses;
//   - cso sees the IT incidents about the systems they are CSO for, and
//     links them to hazards;
//   - admin adds the organisation's local questions.
var (
	evHandle = web.Roles(auth.Handler)
	evTriage = web.Roles(auth.CSO, auth.Handler)
	evAdmin  = web.Roles(auth.Admin)
)

// Module is the safety events wing on the HTTP kernel.
type Module struct {
	k  *web.Server
	ev *eventsdb.DB
	fu *followUp // the follow-up pages' throttle and sessions (public.go)
}

// New makes the wing on kernel k (a web.ModuleFunc).
func New(k *web.Server) web.Module {
	return &Module{k: k, ev: eventsdb.New(k.Store()), fu: newFollowUp()}
}

// Pillar is the safety events card of the home page and navigation.
func (s *Module) Pillar() web.PillarCard {
	return web.PillarCard{Area: "events", Nav: "Events", Title: "Safety events", Href: "/events",
		Summary: "Report and learn from incidents, outcomes, risks and good care."}
}

// Templates are the wing's pages and partials.
func (s *Module) Templates() fs.FS {
	sub, _ := fs.Sub(templateFS, "templates")
	return sub
}

// Funcs are the event pages' template functions.
func (s *Module) Funcs() template.FuncMap {
	fm := template.FuncMap{
		"eventStatus": func(st events.Status) string { return st.Label() },
		"recordType":  func(t events.RecordType) string { return t.Label() },
		"harmLabel":   func(code string) string { return harmWords(code) },
	}
	maps.Copy(fm, learningFuncs)
	return fm
}

// harmWords is a physical harm code in words, "Not graded" when empty.
func harmWords(code string) string {
	if code == "" {
		return "No patient harm recorded"
	}
	return events.LFPSE.Label(events.ListPhysicalHarm, code)
}

// Routes are the routes of the safety events module: each part of the
// pillar lists its own.
func (s *Module) Routes() []web.Route {
	rs := []web.Route{{Method: "GET", Path: "/events", Roles: web.Anyone, Handle: s.eventsHome}}
	for _, part := range [][]web.Route{s.reportRoutes(), s.reviewRoutes(), s.publicRoutes(), s.learningRoutes(), s.triageRoutes()} {
		rs = append(rs, part...)
	}
	return rs
}

// Attention gathers what each part of the pillar asks of the person.
func (s *Module) Attention(ctx context.Context, p *store.Principal) ([]web.Attention, error) {
	var out []web.Attention
	for _, part := range []func(context.Context, *store.Principal) ([]web.Attention, error){
		s.reportAttention, s.reviewAttention, s.learningAttention, s.triageAttention, s.followupAttention,
	} {
		as, err := part(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	return out, nil
}

// AuditWords are the words of the safety events wing's audit actions.
func (s *Module) AuditWords() map[string]string {
	w := map[string]string{
		"event": "Safety event", "event_question": "Local question",
		"event.draft":           "Draft report saved",
		"event.submit":          "Safety event reported",
		"event.followup":        "Follow-up code issued to an anonymous reporter",
		"event.import":          "Safety event brought over from an earlier system",
		"event_question.create": "Local question added",
		"event_question.retire": "Local question retired",
	}
	for _, part := range []map[string]string{reportWords, reviewWords, publicWords, learningWords, triageWords} {
		maps.Copy(w, part)
	}
	return w
}

// EventsHome is the pillar's landing page.
type EventsHome struct {
	web.Base
	Drafts    []eventsdb.Event
	Mine      []eventsdb.Event
	CanHandle bool
	CanTriage bool
	CanAdmin  bool
}

func (s *Module) eventsHome(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	drafts, err := s.ev.Drafts(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	mine, err := s.ev.Mine(r.Context(), p.Org.ID, 5)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "events/home", EventsHome{Base: s.k.Base(w, r, "Safety events"), Drafts: drafts, Mine: mine,
		CanHandle: auth.HasAny(p.Roles, evHandle...), CanTriage: auth.HasAny(p.Roles, auth.CSO), CanAdmin: auth.HasAny(p.Roles, evAdmin...)})
}
