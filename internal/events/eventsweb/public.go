package eventsweb

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// publicRoutes are the routes of the conversation with the reporter: the
// handler's side, the staff reporter's side in My reports, and the
// follow-up pages where a public or anonymous reporter enters their code.
func (s *Module) publicRoutes() []web.Route {
	return []web.Route{
		{Method: "GET", Path: "/events/review/{id}/conversation", Roles: evHandle, Handle: s.conversation},
		{Method: "POST", Path: "/events/review/{id}/messages", Roles: evHandle, Handle: s.ask},
		{Method: "GET", Path: "/events/mine/{id}/messages", Roles: web.Anyone, Handle: s.mineMessages},
		{Method: "POST", Path: "/events/mine/{id}/messages", Roles: web.Anyone, Handle: s.mineAnswer},
		{Method: "GET", Path: "/report/{ods}/follow-up", Public: true, Handle: s.followUpCode},
		{Method: "POST", Path: "/report/{ods}/follow-up", Public: true, Handle: s.followUpEnter},
		{Method: "GET", Path: "/report/{ods}/follow-up/thread", Public: true, Handle: s.followUpThread},
		{Method: "POST", Path: "/report/{ods}/follow-up/thread", Public: true, Handle: s.followUpAnswer},
		{Method: "POST", Path: "/report/{ods}/follow-up/email", Public: true, Handle: s.followUpEmail},

		{Method: "GET", Path: "/api/v1/events/records/{id}/messages", Roles: evHandle, API: true, Handle: s.apiMessages},
		{Method: "POST", Path: "/api/v1/events/records/{id}/messages", Roles: evHandle, API: true, Handle: s.apiAsk},
		{Method: "POST", Path: "/api/v1/public/{ods}/follow-up", Public: true, API: true, Handle: s.apiFollowUp},
		{Method: "POST", Path: "/api/v1/public/{ods}/follow-up/messages", Public: true, API: true, Handle: s.apiFollowUpAnswer},
	}
}

// publicWords are the words of this part's audit actions.
var publicWords = map[string]string{
	"event.question":        "Question sent to the reporter",
	"event.answer":          "Answer from the reporter",
	"event.notify":          "Reporter told of progress",
	"event.contact":         "Reporter left an email address for updates",
	"event.contact_removed": "Reporter removed their email address",
}

// followupAttention tells a reporter of the updates on their reports they
// have not read.
func (s *Module) followupAttention(ctx context.Context, p *store.Principal) ([]web.Attention, error) {
	n, err := s.ev.Updates(ctx, p.Org.ID)
	if err != nil || n == 0 {
		return nil, err
	}
	text := strconv.Itoa(n) + " updates on your reports"
	if n == 1 {
		text = "1 update on your reports"
	}
	return []web.Attention{{Title: text, Detail: "The patient safety team has told you how your reports are going, or asked you something.",
		Href: "/events/mine", Link: "Read the updates"}}, nil
}

// The throttle of follow-up code guesses. Past addressFree wrong codes
// from one client address in window (or orgFree at one organisation),
// each further attempt waits a delay after the latest wrong code that
// doubles with each one. Addresses are kept only as HMACs under a key
// made at start-up, in memory: never stored, never logged.
const (
	guessWindow      = time.Hour
	guessAddressFree = 5
	guessAddressWait = time.Minute
	guessOrgFree     = 100
	guessOrgWait     = time.Second
	guessMaxWait     = time.Hour
	guessMaxKeys     = 100_000
	followUpTTL      = 30 * time.Minute
	followUpCookie   = "clinsafe_followup"
)

// followUp is the in-memory state of the follow-up pages: the guess
// throttle and the short-lived sessions that hold a checked code.
type followUp struct {
	mu       sync.Mutex
	key      []byte
	fails    map[string][]time.Time
	sessions map[string]followSession
}

// followSession is what a follow-up cookie's key opens: one event.
type followSession struct {
	org     store.OrgID
	event   string
	expires time.Time
}

func newFollowUp() *followUp {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &followUp{key: key, fails: map[string][]time.Time{}, sessions: map[string]followSession{}}
}

func (f *followUp) mac(kind, v string) string {
	m := hmac.New(sha256.New, f.key)
	m.Write([]byte(kind + "\x00" + v))
	return hex.EncodeToString(m.Sum(nil))
}

// wait is how long key must still wait at now (under f.mu).
func (f *followUp) wait(key string, now time.Time, free int, first time.Duration) time.Duration {
	var kept []time.Time
	for _, t := range f.fails[key] {
		if now.Sub(t) < guessWindow {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		delete(f.fails, key)
		return 0
	}
	f.fails[key] = kept
	if len(kept) < free {
		return 0
	}
	d := first
	for i := free; i < len(kept) && d < guessMaxWait; i++ {
		d *= 2
	}
	return max(0, kept[len(kept)-1].Add(min(d, guessMaxWait)).Sub(now))
}

// check refuses a guess from addr at org while either is throttled.
func (f *followUp) check(addr string, org store.OrgID, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := max(f.wait(f.mac("addr", addr), now, guessAddressFree, guessAddressWait), f.wait(f.mac("org", string(org)), now, guessOrgFree, guessOrgWait))
	if w == 0 {
		return nil
	}
	w = max(w.Round(time.Second), time.Second)
	e := apperr.New(apperr.TooMany, "There have been too many wrong follow-up codes. Wait %s and try again.", waitWords(w))
	e.RetryAfter = w
	return e
}

// fail counts a wrong code from addr at org.
func (f *followUp) fail(addr string, org store.OrgID, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.fails) > guessMaxKeys {
		for k, ts := range f.fails {
			if now.Sub(ts[len(ts)-1]) >= guessWindow {
				delete(f.fails, k)
			}
		}
	}
	for _, k := range []string{f.mac("addr", addr), f.mac("org", string(org))} {
		f.fails[k] = append(f.fails[k], now)
	}
}

// start opens a session on event id of org and returns its cookie value.
func (f *followUp) start(org store.OrgID, id string, now time.Time) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, s := range f.sessions {
		if !now.Before(s.expires) {
			delete(f.sessions, k)
		}
	}
	f.sessions[f.mac("session", v)] = followSession{org: org, event: id, expires: now.Add(followUpTTL)}
	return v
}

// session is the event a cookie value opens at org, if any.
func (f *followUp) session(v string, org store.OrgID, now time.Time) (string, bool) {
	if v == "" || len(v) > 100 {
		return "", false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[f.mac("session", v)]
	if !ok || s.org != org || !now.Before(s.expires) {
		return "", false
	}
	return s.event, true
}

// waitWords says a wait in whole seconds or, from a minute, whole minutes
// (rounded up).
func waitWords(d time.Duration) string {
	unit, n := "second", int((d+time.Second-1)/time.Second)
	if d >= time.Minute {
		unit, n = "minute", int((d+time.Minute-1)/time.Minute)
	}
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// ThreadView is the data of the "events/followup_thread" partial: a
// conversation as one side sees it.
type ThreadView struct {
	Messages []eventsdb.Message
	// Team is the patient safety team's view (the handler's name on its
	// own messages).
	Team bool
}

// ConversationPage is the handler's page of the conversation with the
// reporter of one event.
type ConversationPage struct {
	web.Base
	Event eventsdb.Event
	// Reporter is who reported, as this handler may know it ("" when they
	// may not: shown as "The reporter").
	Reporter string
	Thread   ThreadView
	Body     string
	CanAsk   bool
	// Lead: the reader is the patient safety lead, who alone sees who
	// made a confidential report.
	Lead bool
}

func (s *Module) conversationPage(w http.ResponseWriter, r *http.Request, status int, body string, err error) error {
	ctx, org := r.Context(), web.PrincipalFrom(r.Context()).Org.ID
	e, gerr := s.ev.Get(ctx, org, r.PathValue("id"))
	if gerr != nil {
		return gerr
	}
	name, gerr := s.ev.ReporterName(ctx, e)
	if gerr != nil {
		return gerr
	}
	ms, gerr := s.ev.Thread(ctx, org, e.ID, eventsdb.TeamView)
	if gerr != nil {
		return gerr
	}
	if err == nil {
		if gerr := s.ev.MarkRead(ctx, org, e.ID, eventsdb.TeamView); gerr != nil {
			return gerr
		}
	}
	d := ConversationPage{Base: s.k.Base(w, r, "Conversation with the reporter of "+e.Ref), Event: e, Reporter: name,
		Thread: ThreadView{Messages: ms, Team: true}, Body: body, CanAsk: e.Status.Open(),
		Lead: isLead(web.PrincipalFrom(ctx))}
	if err != nil {
		d.SetErrors(err, "body")
	}
	return s.k.Render(w, status, "events/followup_conversation", d)
}

func (s *Module) conversation(w http.ResponseWriter, r *http.Request) error {
	return s.conversationPage(w, r, http.StatusOK, "", nil)
}

func (s *Module) ask(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id, body := r.PathValue("id"), r.PostFormValue("body")
	_, err := s.ev.Ask(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, id, body)
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
		return s.conversationPage(w, r, statusOf(err), body, err)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/events/review/"+id+"/conversation", "Your question was sent to the reporter")
}

// statusOf is the status of a form re-shown with err.
func statusOf(err error) int {
	switch apperr.KindOf(err) {
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.TooMany:
		return http.StatusTooManyRequests
	}
	return http.StatusUnprocessableEntity
}

// MineMessagesPage is a staff reporter's conversation about their own
// report.
type MineMessagesPage struct {
	web.Base
	Event     eventsdb.Event
	Thread    ThreadView
	Body      string
	CanAnswer bool
}

func (s *Module) minePage(w http.ResponseWriter, r *http.Request, status int, body string, err error) error {
	ctx, org := r.Context(), web.PrincipalFrom(r.Context()).Org.ID
	e, ms, gerr := s.ev.MineThread(ctx, org, r.PathValue("id"))
	if gerr != nil {
		return gerr
	}
	if err == nil {
		if gerr := s.ev.MarkRead(ctx, org, e.ID, eventsdb.ReporterView); gerr != nil {
			return gerr
		}
	}
	d := MineMessagesPage{Base: s.k.Base(w, r, "Messages about "+e.Ref), Event: e, Thread: ThreadView{Messages: ms}, Body: body,
		CanAnswer: e.Status.Open()}
	if err != nil {
		d.SetErrors(err, "body")
	}
	return s.k.Render(w, status, "events/followup_mine", d)
}

func (s *Module) mineMessages(w http.ResponseWriter, r *http.Request) error {
	return s.minePage(w, r, http.StatusOK, "", nil)
}

func (s *Module) mineAnswer(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id, body := r.PathValue("id"), r.PostFormValue("body")
	_, err := s.ev.AnswerMine(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, id, body)
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
		return s.minePage(w, r, statusOf(err), body, err)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/events/mine/"+id+"/messages", "Your answer was sent to the patient safety team")
}

// anonymous is r's context acting for the holder of a follow-up code,
// who is nobody: even a signed-in member of staff stays unnamed here.
func anonymous(r *http.Request) context.Context {
	return audit.WithActor(r.Context(), audit.Actor{Name: "anonymous", RequestID: web.RequestIDFrom(r.Context())})
}

// FollowUpCodePage asks a public or anonymous reporter for their code.
type FollowUpCodePage struct {
	web.Base
	Org store.Org
}

func (s *Module) org(r *http.Request) (store.Org, error) {
	return s.k.Store().OrgByODS(r.Context(), r.PathValue("ods"))
}

func (s *Module) codePage(w http.ResponseWriter, r *http.Request, status int, org store.Org, err error) error {
	d := FollowUpCodePage{Base: s.k.Base(w, r, "Follow up your report to "+org.Name), Org: org}
	if err != nil {
		d.SetErrors(&apperr.Error{Kind: apperr.KindOf(err), Message: apperr.MessageOf(err), Fields: map[string]string{"code": apperr.MessageOf(err)}}, "code")
	}
	return s.k.Render(w, status, "events/followup_code", d)
}

func (s *Module) followUpCode(w http.ResponseWriter, r *http.Request) error {
	org, err := s.org(r)
	if err != nil {
		return err
	}
	return s.codePage(w, r, http.StatusOK, org, nil)
}

// openCode checks code from r's client at org through the throttle.
func (s *Module) openCode(r *http.Request, org store.Org, code string) (eventsdb.Event, error) {
	addr, now := s.k.ClientIP(r), s.ev.Now()
	if err := s.fu.check(addr, org.ID, now); err != nil {
		return eventsdb.Event{}, err
	}
	e, err := s.ev.FollowUp(anonymous(r), org.ID, code)
	if err == eventsdb.ErrWrongCode {
		s.fu.fail(addr, org.ID, now)
	}
	return e, err
}

func (s *Module) followUpEnter(w http.ResponseWriter, r *http.Request) error {
	org, err := s.org(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	e, err := s.openCode(r, org, r.PostFormValue("code"))
	if apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.TooMany) {
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(ae.RetryAfter/time.Second)))
		}
		return s.codePage(w, r, statusOf(err), org, err)
	}
	if err != nil {
		return err
	}
	v := s.fu.start(org.ID, e.ID, s.ev.Now())
	http.SetCookie(w, &http.Cookie{Name: followUpCookie, Value: v, Path: "/report/" + org.ODSCode + "/follow-up", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.k.Config().Secure(), MaxAge: int(followUpTTL / time.Second)})
	return s.k.Redirect(w, r, "/report/"+org.ODSCode+"/follow-up/thread", "")
}

// FollowUpThreadPage is a public or anonymous reporter's conversation.
type FollowUpThreadPage struct {
	web.Base
	Org       store.Org
	Event     eventsdb.Event
	Thread    ThreadView
	Body      string
	Email     string
	CanAnswer bool
}

// followUpEvent is the event r's follow-up cookie opens at org; when it
// opens none, the reporter is sent to enter their code.
func (s *Module) followUpEvent(w http.ResponseWriter, r *http.Request, org store.Org) (eventsdb.Event, bool, error) {
	var v string
	if c, err := r.Cookie(followUpCookie); err == nil {
		v = c.Value
	}
	id, ok := s.fu.session(v, org.ID, s.ev.Now())
	if !ok {
		return eventsdb.Event{}, false, s.k.Redirect(w, r, "/report/"+org.ODSCode+"/follow-up", "Enter your follow-up code to read the messages about your report")
	}
	e, err := s.ev.Get(anonymous(r), org.ID, id)
	return e, err == nil, err
}

func (s *Module) threadPage(w http.ResponseWriter, r *http.Request, status int, form FollowUpThreadPage, err error) error {
	org, oerr := s.org(r)
	if oerr != nil {
		return oerr
	}
	e, ok, oerr := s.followUpEvent(w, r, org)
	if !ok {
		return oerr
	}
	ctx := anonymous(r)
	ms, oerr := s.ev.Thread(ctx, org.ID, e.ID, eventsdb.ReporterView)
	if oerr != nil {
		return oerr
	}
	email, oerr := s.ev.ContactEmail(ctx, org.ID, e.ID)
	if oerr != nil {
		return oerr
	}
	if err == nil {
		if oerr := s.ev.MarkRead(ctx, org.ID, e.ID, eventsdb.ReporterView); oerr != nil {
			return oerr
		}
	} else if form.Email != "" {
		email = form.Email
	}
	d := FollowUpThreadPage{Base: s.k.Base(w, r, "Your report "+e.Ref), Org: org, Event: e, Thread: ThreadView{Messages: ms},
		Body: form.Body, Email: email, CanAnswer: e.Status.Open()}
	if err != nil {
		d.SetErrors(err, "body", "email")
	}
	return s.k.Render(w, status, "events/followup_report", d)
}

func (s *Module) followUpThread(w http.ResponseWriter, r *http.Request) error {
	return s.threadPage(w, r, http.StatusOK, FollowUpThreadPage{}, nil)
}

// followUpPost runs change on the event r's follow-up cookie opens.
func (s *Module) followUpPost(w http.ResponseWriter, r *http.Request, form FollowUpThreadPage, change func(ctx context.Context, org store.OrgID, id string) (string, error)) error {
	org, err := s.org(r)
	if err != nil {
		return err
	}
	e, ok, err := s.followUpEvent(w, r, org)
	if !ok {
		return err
	}
	flash, err := change(anonymous(r), org.ID, e.ID)
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
		return s.threadPage(w, r, statusOf(err), form, err)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/report/"+org.ODSCode+"/follow-up/thread", flash)
}

func (s *Module) followUpAnswer(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	body := r.PostFormValue("body")
	return s.followUpPost(w, r, FollowUpThreadPage{Body: body}, func(ctx context.Context, org store.OrgID, id string) (string, error) {
		_, err := s.ev.AnswerFollowUp(ctx, org, id, body)
		return "Your answer was sent to the patient safety team", err
	})
}

func (s *Module) followUpEmail(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	email, flash := r.PostFormValue("email"), "We will email you when there is an update on this report"
	if r.PostFormValue("remove") != "" {
		email, flash = "", "Your email address was removed"
	}
	return s.followUpPost(w, r, FollowUpThreadPage{Email: email}, func(ctx context.Context, org store.OrgID, id string) (string, error) {
		return flash, s.ev.SetContactEmail(ctx, org, id, email)
	})
}

// The JSON API of the conversation (docs/api-events.md).

// apiThread is a conversation as the API answers it.
type apiThread struct {
	ID        string             `json:"id"`
	Reference string             `json:"reference"`
	Status    events.Status      `json:"status"`
	Reporter  string             `json:"reporter"`
	Messages  []eventsdb.Message `json:"messages"`
	Email     *string            `json:"email,omitempty"`
}

func (s *Module) apiMessages(w http.ResponseWriter, r *http.Request) error {
	ctx, org := r.Context(), web.PrincipalFrom(r.Context()).Org.ID
	e, err := s.ev.Get(ctx, org, r.PathValue("id"))
	if err != nil {
		return err
	}
	name, err := s.ev.ReporterName(ctx, e)
	if err != nil {
		return err
	}
	if name == "" {
		name = eventsdb.ReporterWords
	}
	ms, err := s.ev.Thread(ctx, org, e.ID, eventsdb.TeamView)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, apiThread{ID: e.ID, Reference: e.Ref, Status: e.Status, Reporter: name, Messages: nonNil(ms)})
}

func nonNil(ms []eventsdb.Message) []eventsdb.Message {
	if ms == nil {
		return []eventsdb.Message{}
	}
	return ms
}

type apiBody struct {
	Body string `json:"body"`
}

func (s *Module) apiAsk(w http.ResponseWriter, r *http.Request) error {
	var in apiBody
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	m, err := s.ev.Ask(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), in.Body)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, m)
}

type apiCode struct {
	Code string `json:"code"`
	Body string `json:"body,omitempty"`
}

// apiOpen checks the code of a public API request through the throttle.
func (s *Module) apiOpen(w http.ResponseWriter, r *http.Request, in *apiCode) (store.Org, eventsdb.Event, error) {
	org, err := s.org(r)
	if err != nil {
		return store.Org{}, eventsdb.Event{}, err
	}
	if err := web.DecodeJSON(r, in); err != nil {
		return store.Org{}, eventsdb.Event{}, err
	}
	e, err := s.openCode(r, org, in.Code)
	return org, e, err
}

func (s *Module) apiReporterThread(w http.ResponseWriter, r *http.Request, status int, org store.Org, id string) error {
	ctx := anonymous(r)
	e, err := s.ev.Get(ctx, org.ID, id)
	if err != nil {
		return err
	}
	ms, err := s.ev.Thread(ctx, org.ID, e.ID, eventsdb.ReporterView)
	if err != nil {
		return err
	}
	email, err := s.ev.ContactEmail(ctx, org.ID, e.ID)
	if err != nil {
		return err
	}
	if err := s.ev.MarkRead(ctx, org.ID, e.ID, eventsdb.ReporterView); err != nil {
		return err
	}
	return web.WriteJSON(w, status, apiThread{ID: e.ID, Reference: e.Ref, Status: e.Status, Messages: nonNil(ms), Email: &email})
}

func (s *Module) apiFollowUp(w http.ResponseWriter, r *http.Request) error {
	var in apiCode
	org, e, err := s.apiOpen(w, r, &in)
	if err != nil {
		return err
	}
	if in.Body != "" {
		return apperr.New(apperr.Invalid, "To answer, send the code and body to /api/v1/public/%s/follow-up/messages", org.ODSCode)
	}
	return s.apiReporterThread(w, r, http.StatusOK, org, e.ID)
}

func (s *Module) apiFollowUpAnswer(w http.ResponseWriter, r *http.Request) error {
	var in apiCode
	org, e, err := s.apiOpen(w, r, &in)
	if err != nil {
		return err
	}
	if _, err := s.ev.AnswerFollowUp(anonymous(r), org.ID, e.ID, in.Body); err != nil {
		return err
	}
	return s.apiReporterThread(w, r, http.StatusCreated, org, e.ID)
}

// isLead says whether p is the patient safety lead: both handler and
// admin (the pages explain it).
func isLead(p *store.Principal) bool {
	return auth.HasAny(p.Roles, auth.Handler) && auth.HasAny(p.Roles, auth.Admin)
}
