package web

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/text"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	return WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the database is reachable and its schema is
// current, 503 otherwise.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
	}
	st, err := s.store.Status(ctx)
	if err != nil || len(st.Pending) > 0 {
		return WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "schema not current"})
	}
	return WriteJSON(w, http.StatusOK, map[string]any{"status": "ready", "engine": s.store.Engine(), "schema": st.Current})
}

// StatusPage is the service status page of the footer, for people:
// /healthz and /readyz answer load balancers.
type StatusPage struct {
	Base
	DatabaseOK    bool
	SchemaCurrent bool
	Schema        int
	Engine        string
	Checked       time.Time
}

func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	d := StatusPage{Base: s.Base(w, r, "Service status"), Engine: s.store.Engine(), Checked: s.store.Now()}
	status := http.StatusOK
	if err := s.store.Ping(ctx); err == nil {
		d.DatabaseOK = true
		if st, err := s.store.Status(ctx); err == nil {
			d.SchemaCurrent, d.Schema = len(st.Pending) == 0, st.Current
		}
	}
	if !d.DatabaseOK || !d.SchemaCurrent {
		status = http.StatusServiceUnavailable
	}
	return s.Render(w, status, "status", d)
}

// LoginPage is the sign-in form.
type LoginPage struct {
	Base
	Email string
	Next  string
}

// safeNext keeps only local paths as a post-sign-in destination: one that
// starts with a single "/" (not "//" or "/\\", which browsers read as another
// host) and holds no control characters (browsers drop a tab or newline, so
// "/\t/host" would become "//host") and no bytes that are not UTF-8.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		!utf8.ValidString(next) || strings.ContainsFunc(next, isControl) {
		return "/"
	}
	return next
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	if PrincipalFrom(r.Context()) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	return s.Render(w, http.StatusOK, "login", LoginPage{Base: s.Base(w, r, "Sign in"), Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := ParseForm(r); err != nil {
		return err
	}
	email, pw := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("password")
	d := LoginPage{Base: s.Base(w, r, "Sign in"), Email: email, Next: safeNext(r.PostForm.Get("next"))}
	var f apperr.Fields
	f.Check(email == "", "email", "Enter your email address")
	f.Check(pw == "", "password", "Enter your password")
	if err := f.Err(); err != nil {
		d.SetErrors(err, "email", "password")
		return s.Render(w, http.StatusUnprocessableEntity, "login", d)
	}
	u, err := s.store.Authenticate(r.Context(), email, pw, s.clientIP(r))
	if err != nil {
		k := apperr.KindOf(err)
		if k != apperr.Unauthenticated && k != apperr.TooMany {
			return err
		}
		d.SetErrors(&apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"email": apperr.MessageOf(err)}}, "email")
		status := http.StatusUnauthorized
		if k == apperr.TooMany {
			status = http.StatusTooManyRequests
			setRetryAfter(w, err)
		}
		return s.Render(w, status, "login", d)
	}
	if err := s.signIn(w, r, u, ""); err != nil {
		if apperr.KindOf(err) == apperr.Forbidden {
			d.SetErrors(&apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"email": apperr.MessageOf(err)}}, "email")
			return s.Render(w, http.StatusForbidden, "login", d)
		}
		return err
	}
	return s.Redirect(w, r, d.Next, "")
}

// signIn starts a session for u (preferring orgID) and sets its cookie.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, u store.User, orgID store.OrgID) error {
	token := auth.NewSecret(32)
	if _, err := s.store.StartSession(withActorUser(r, u), orgID, u.ID, auth.HashToken(s.sessionKey, token), s.cfg.MaxSession); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.cfg.Secure(),
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.cfg.MaxSession.Seconds())})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if p := PrincipalFrom(r.Context()); p != nil && p.SessionHash != "" {
		if err := s.store.EndSession(r.Context(), p.SessionHash); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.Secure(), SameSite: http.SameSiteLaxMode})
	return s.Redirect(w, r, "/login", "You have signed out.")
}

func (s *Server) switchOrg(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	if err := ParseForm(r); err != nil {
		return err
	}
	if p.SessionHash == "" {
		return apperr.New(apperr.Invalid, "API tokens belong to one organisation and cannot switch")
	}
	orgID := store.OrgID(r.PostForm.Get("org"))
	if orgID == "" {
		return &apperr.Error{Kind: apperr.Invalid, Message: "Select an organisation", Fields: map[string]string{"org": "Select an organisation"}}
	}
	if err := s.store.SwitchOrg(r.Context(), orgID, p.SessionHash, p.User.ID); err != nil {
		return err
	}
	o, err := s.store.Org(r.Context(), orgID)
	if err != nil {
		return err
	}
	return s.Redirect(w, r, "/", "You are now working in "+o.Name+".")
}

// HomePage shows what needs the user's attention.
type HomePage struct {
	Base
	Attention []Attention
	Pillars   []PillarCard
}

// Attention is one thing on the home page that needs the user.
type Attention struct {
	Title, Detail, Href, Link string
	Warning                   bool
	// Urgency orders the list, most urgent first.
	Urgency Urgency
	// Items name the things concerned, each a link of its own (at most
	// MaxAttentionItems; Href then leads to the rest).
	Items []AttentionItem
}

// AttentionItem is one thing an Attention is about, with its page.
type AttentionItem struct{ Text, Href string }

// MaxAttentionItems is how many things one Attention names.
const MaxAttentionItems = 8

// Urgency ranks what needs attention.
type Urgency int

const (
	// UrgencyInfo: worth knowing (people who never signed in).
	UrgencyInfo Urgency = iota
	// UrgencySoon: work that is due or a gap in the safety process.
	UrgencySoon
	// UrgencyNow: patients may be at risk until someone acts (an open recall).
	UrgencyNow
)

// PillarCard is one area of clinsafe: its navigation label, its card on the
// home page and, until the module is built (Ready), its placeholder page.
type PillarCard struct {
	// Area names a wing's templates and static files (see Module).
	Area                      string
	Nav, Title, Href, Summary string
	// Intro is the placeholder page's introduction.
	Intro string
	Ready bool
}

// plannedPillars lists the pillars in navigation order, as placeholders
// until a wing serves them (see Server.pillars).
var plannedPillars = []PillarCard{
	{Nav: "Events", Title: "Safety events", Href: "/events", Summary: "Report and learn from incidents, outcomes, risks and good care.",
		Intro: "Record patient safety incidents, outcomes, risks and good care, aligned to the national LFPSE taxonomy, and learn from them."},
	{Nav: "Clinical risk", Title: "Clinical risk", Href: "/risk", Summary: "Hazard logs, CSO approval and safety case reports.",
		Intro: "Hazard logs, clinical safety officer approval and safety case reports under DCB0129 and DCB0160."},
	{Nav: "Devices", Title: "Implanted devices", Href: "/devices", Summary: "Scan implants and find affected patients in a recall.",
		Intro: "Scan implants at the point of care and find every affected patient when a recall comes."},
	{Nav: "Training", Title: "Training", Href: "/training", Summary: "Digital clinical safety training and competency records.",
		Intro: "Digital clinical safety training for the whole workforce, and the competency records DCB0129 requires."},
	{Nav: "Knowledge", Title: "Knowledge hub", Href: "/knowledge", Summary: "Standards, guidance and best-practice blueprints.",
		Intro: "One searchable source of standards, guidance and best-practice blueprints."},
	{Nav: "Evidence", Title: "Evidence", Href: "/evidence", Summary: "Statistical process control and before-and-after analysis.",
		Intro: "Statistical process control charts and the before and after effect of digital changes."},
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	d := HomePage{Base: s.Base(w, r, "Home"), Pillars: s.pillars()}
	items, err := s.adminAttention(r.Context(), p)
	if err != nil {
		return err
	}
	d.Attention = items
	// Then each wing's, in the order internal/app lists them, and the
	// whole list by urgency (stable, so that order breaks ties).
	for _, m := range s.modules {
		items, err := m.Attention(r.Context(), p)
		if err != nil {
			return err
		}
		d.Attention = append(d.Attention, items...)
	}
	slices.SortStableFunc(d.Attention, func(a, b Attention) int { return cmp.Compare(b.Urgency, a.Urgency) })
	return s.Render(w, http.StatusOK, "home", d)
}

// adminAttention warns administrators about gaps in the organisation's
// set-up: no clinical safety officer, people who never signed in, and API
// tokens about to expire.
func (s *Server) adminAttention(ctx context.Context, p *store.Principal) ([]Attention, error) {
	if !auth.HasAny(p.Roles, auth.Admin) {
		return nil, nil
	}
	users, err := s.store.ListUsers(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	var out []Attention
	cso, never := false, 0
	for _, u := range users {
		if !u.Disabled && auth.HasAny(u.Roles, auth.CSO) {
			cso = true
		}
		if !u.Disabled && u.LastLoginAt == nil {
			never++
		}
	}
	if !cso {
		out = append(out, Attention{Title: "No clinical safety officer", Warning: true, Urgency: UrgencySoon,
			Detail: "DCB0129 and DCB0160 need a named clinical safety officer. Nobody in " + p.Org.Name + " holds the CSO role.",
			Href:   "/admin/users", Link: "Give someone the CSO role"})
	}
	if never > 0 {
		out = append(out, Attention{Title: text.Count(never, "person has", "people have") + " never signed in",
			Detail: "Check they received their details.", Href: "/admin/users", Link: "See users"})
	}
	toks, err := s.store.ListTokens(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	soon := 0
	for _, t := range toks {
		if t.RevokedAt == nil && t.ExpiresAt != nil && t.ExpiresAt.After(s.store.Now()) && t.ExpiresAt.Before(s.store.Now().Add(14*24*time.Hour)) {
			soon++
		}
	}
	if soon > 0 {
		out = append(out, Attention{Title: text.Count(soon, "API token expires", "API tokens expire") + " within 14 days", Urgency: UrgencySoon,
			Detail: "Systems using them will stop working.", Href: "/admin/tokens", Link: "See API tokens"})
	}
	return out, nil
}

// PillarPage is the page of a pillar that is not built yet.
type PillarPage struct {
	Base
	Summary string
}

func (s *Server) pillar(p PillarCard) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.Render(w, http.StatusOK, "pillar", PillarPage{Base: s.Base(w, r, p.Title), Summary: p.Intro})
	}
}

// AccountPage shows the signed-in user's details and password form.
type AccountPage struct {
	Base
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) error {
	return s.Render(w, http.StatusOK, "account", AccountPage{Base: s.Base(w, r, "Your account")})
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	if err := ParseForm(r); err != nil {
		return err
	}
	cur, pw, confirm := r.PostForm.Get("current_password"), r.PostForm.Get("new_password"), r.PostForm.Get("confirm_password")
	d := AccountPage{Base: s.Base(w, r, "Your account")}
	var f apperr.Fields
	f.Check(cur == "", "current_password", "Enter your current password")
	if msg := auth.CheckPasswordStrength(pw); msg != "" {
		f.Add("new_password", msg)
	}
	f.Check(pw != confirm, "confirm_password", "The passwords do not match")
	status := http.StatusUnprocessableEntity
	if err := f.Err(); err == nil {
		// Checked apart from sign-in: a wrong current password here is
		// limited for the account, and never counts as a sign-in failure.
		if cerr := s.store.CheckCurrentPassword(r.Context(), p.User.ID, cur, s.clientIP(r)); cerr != nil {
			switch apperr.KindOf(cerr) {
			case apperr.Invalid:
				f.Add("current_password", apperr.FieldsOf(cerr)["current_password"])
			case apperr.TooMany:
				f.Add("current_password", apperr.MessageOf(cerr))
				status = http.StatusTooManyRequests
				setRetryAfter(w, cerr)
			default:
				return cerr
			}
		}
	}
	if err := f.Err(); err != nil {
		d.SetErrors(err, "current_password", "new_password", "confirm_password")
		return s.Render(w, status, "account", d)
	}
	if err := s.store.SetPassword(r.Context(), "", p.User.ID, pw); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1})
	return s.Redirect(w, r, "/login", "Your password has been changed. Sign in with your new password.")
}

// withActorUser names the user who is signing in as the audit actor.
func withActorUser(r *http.Request, u store.User) context.Context {
	return audit.WithActor(r.Context(), audit.Actor{UserID: u.ID, Name: u.Name, RequestID: RequestIDFrom(r.Context())})
}
