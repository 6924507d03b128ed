package eventsweb

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// The public page's limits: new drafts and submissions per client address
// and per organisation, each hour.
const (
	PublicPerAddress = 20
	PublicPerOrg     = 500
	publicWindow     = time.Hour
)

// publicCookie holds a public reporter's draft key: a random value whose
// hash finds the draft. It is a session cookie, sent only to the
// organisation's own report pages.
const publicCookie = "clinsafe_report"

// limiter counts actions per key in fixed windows, in memory only. Client
// addresses are keyed by an HMAC with a per-process random key, so the
// process never holds an address it could give away, and nothing is
// stored.
type limiter struct {
	mu     sync.Mutex
	secret []byte
	counts map[string]*window
	now    func() time.Time
}

type window struct {
	start time.Time
	n     int
}

func newLimiter() *limiter {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return &limiter{secret: b, counts: map[string]*window{}, now: time.Now}
}

// addressKey is the limiter's key of a client address.
func (l *limiter) addressKey(addr string) string {
	m := hmac.New(sha256.New, l.secret)
	m.Write([]byte(addr))
	return "a:" + hex.EncodeToString(m.Sum(nil))
}

// allow counts one action against every key, unless any key is at its
// limit; then it returns how long until the oldest window ends.
func (l *limiter) allow(keys []string, limits []int) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.counts) > 100000 {
		for k, w := range l.counts {
			if now.Sub(w.start) >= publicWindow {
				delete(l.counts, k)
			}
		}
	}
	for i, k := range keys {
		if w := l.counts[k]; w != nil && now.Sub(w.start) < publicWindow && w.n >= limits[i] {
			return false, publicWindow - now.Sub(w.start)
		}
	}
	for _, k := range keys {
		w := l.counts[k]
		if w == nil || now.Sub(w.start) >= publicWindow {
			w = &window{start: now}
			l.counts[k] = w
		}
		w.n++
	}
	return true, 0
}

var (
	limitersMu sync.Mutex
	limiters   = map[*Module]*limiter{}
)

// publicLimiter is the module's limiter (one per server).
func (s *Module) publicLimiter() *limiter {
	limitersMu.Lock()
	defer limitersMu.Unlock()
	l := limiters[s]
	if l == nil {
		l = newLimiter()
		limiters[s] = l
	}
	return l
}

// throttle counts a new public draft or submission from r's address at
// orgID; TooMany in words past either limit.
func (s *Module) throttle(r *http.Request, orgID store.OrgID) error {
	l := s.publicLimiter()
	ok, wait := l.allow([]string{l.addressKey(s.k.ClientIP(r)), "o:" + string(orgID)}, []int{PublicPerAddress, PublicPerOrg})
	if ok {
		return nil
	}
	return &apperr.Error{Kind: apperr.TooMany, RetryAfter: wait,
		Message: "Too many reports have been started from here in the last hour. Please wait an hour and try again. If someone is at risk now, call 999 or speak to the staff caring for them."}
}

func (s *Module) reportPublicRoutes() []web.Route {
	return []web.Route{
		{Method: "GET", Path: "/report/{ods}", Public: true, Handle: s.publicStart},
		{Method: "POST", Path: "/report/{ods}", Public: true, Handle: s.publicCreate},
		{Method: "GET", Path: "/report/{ods}/check", Public: true, Handle: s.publicCheck},
		{Method: "POST", Path: "/report/{ods}/check", Public: true, Handle: s.publicSubmit},
		{Method: "GET", Path: "/report/{ods}/{page}", Public: true, Handle: s.publicPage},
		{Method: "POST", Path: "/report/{ods}/{page}", Public: true, Handle: s.publicPage},
		{Method: "GET", Path: "/report/{ods}/{page}/{item}", Public: true, Handle: s.publicItem},
		{Method: "POST", Path: "/report/{ods}/{page}/{item}", Public: true, Handle: s.publicItem},
		{Method: "POST", Path: "/report/{ods}/{page}/{item}/remove", Public: true, Handle: s.publicRemove},
	}
}

// publicOrg is the organisation of the page's ODS code; NotFound in words.
func (s *Module) publicOrg(r *http.Request) (store.Org, error) {
	o, err := s.k.Store().OrgByODS(r.Context(), r.PathValue("ods"))
	if apperr.Is(err, apperr.NotFound) {
		return o, apperr.New(apperr.NotFound, "There is no organisation with the code %s on clinsafe. Check the web address you were given.", r.PathValue("ods"))
	}
	return o, err
}

func draftKey(r *http.Request) string {
	if c, err := r.Cookie(publicCookie); err == nil {
		return c.Value
	}
	return ""
}

func (s *Module) publicFlow(r *http.Request, o store.Org) flowPart {
	key := draftKey(r)
	base := "/report/" + o.ODSCode
	return flowPart{audience: events.Public, orgID: o.ID, base: base, exit: base,
		load: func(ctx context.Context) (eventsdb.Event, error) {
			e, err := s.ev.PublicDraft(ctx, o.ID, key)
			if apperr.Is(err, apperr.NotFound) {
				return e, apperr.New(apperr.NotFound, "Your report was not found. It may have been sent already, or your browser was closed. Start again from %s.", base)
			}
			return e, err
		},
		save: func(ctx context.Context, v int, rec events.Record, pages ...string) (eventsdb.Event, error) {
			return s.ev.SavePublicDraft(ctx, o.ID, key, false, v, rec, pages...)
		}}
}

// PublicStartPage is the public report page of an organisation.
type PublicStartPage struct {
	web.Base
	Org    store.Org
	Action string
	Resume string
}

func (s *Module) publicStart(w http.ResponseWriter, r *http.Request) error {
	o, err := s.publicOrg(r)
	if err != nil {
		return err
	}
	data := PublicStartPage{Base: s.k.Base(w, r, "Tell "+o.Name+" about a patient safety concern"), Org: o, Action: "/report/" + o.ODSCode}
	if d, err := s.ev.PublicDraft(r.Context(), o.ID, draftKey(r)); err == nil {
		flow, cc, err := s.flowOf(r.Context(), o.ID)
		if err != nil {
			return err
		}
		data.Resume = data.Action + "/" + firstUnanswered(flow, d.Record, events.Public, cc)
	}
	return s.k.Render(w, http.StatusOK, "events/report_public_start", data)
}

// publicCreate starts a public draft held by a new random key in a
// session cookie.
func (s *Module) publicCreate(w http.ResponseWriter, r *http.Request) error {
	o, err := s.publicOrg(r)
	if err != nil {
		return err
	}
	if err := s.throttle(r, o.ID); err != nil {
		return err
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	key := hex.EncodeToString(b)
	if _, err := s.ev.SavePublicDraft(r.Context(), o.ID, key, true, 0, events.Record{}); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: publicCookie, Value: key, Path: "/report/" + o.ODSCode, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.k.Config().Secure()})
	return s.k.Redirect(w, r, "/report/"+o.ODSCode+"/"+events.AnsType, "")
}

func (s *Module) publicPage(w http.ResponseWriter, r *http.Request) error {
	o, err := s.publicOrg(r)
	if err != nil {
		return err
	}
	return s.flowPage(w, r, s.publicFlow(r, o), r.PathValue("page"))
}

func (s *Module) publicItem(w http.ResponseWriter, r *http.Request) error {
	o, err := s.publicOrg(r)
	if err != nil {
		return err
	}
	return s.flowItem(w, r, s.publicFlow(r, o), r.PathValue("page"), r.PathValue("item"))
}

func (s *Module) publicRemove(w http.ResponseWriter, r *http.Request) error {
	o, err := s.publicOrg(r)
	if err != nil {
		return err
	}
	return s.flowRemove(w, r, s.publicFlow(r, o), r.PathValue("page"), r.PathValue("item"))
}

func (s *Module) publicCheck(w http.ResponseWriter, r *http.Request) error {
	o, err := s.publicOrg(r)
	if err != nil {
		return err
	}
	fl := s.publicFlow(r, o)
	d, err := fl.load(r.Context())
	if err != nil {
		return err
	}
	return s.renderCheck(w, r, fl, d, "", nil)
}

// publicSubmit sends the public report and shows its follow-up code,
// once.
func (s *Module) publicSubmit(w http.ResponseWriter, r *http.Request) error {
	o, err := s.publicOrg(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	fl := s.publicFlow(r, o)
	d, err := fl.load(r.Context())
	if err != nil {
		return err
	}
	if err := s.throttle(r, o.ID); err != nil {
		return err
	}
	e, code, err := s.ev.SubmitPublicDraft(r.Context(), o.ID, draftKey(r), version)
	if apperr.Is(err, apperr.Invalid) {
		return s.faultPage(w, r, fl, d, err)
	}
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: publicCookie, Value: "", Path: "/report/" + o.ODSCode, MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.k.Config().Secure()})
	return s.k.Render(w, http.StatusOK, "events/report_public_done", ReportDonePage{Base: s.k.Base(w, r, "Your report has been sent"),
		Ref: e.Ref, Code: code, Public: true, Anonymous: true, FollowUpHref: "/report/" + o.ODSCode + "/follow-up", OrgName: o.Name})
}
