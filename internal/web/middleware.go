package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyPrincipal
	keyPlace
)

const sessionCookie = "clinsafe_session"

// Body limits: forms and JSON are small; uploads (spreadsheets) get more.
const (
	maxBody   = 1 << 20
	maxUpload = 20 << 20
)

var (
	notFoundErr          = apperr.New(apperr.NotFound, "Page not found")
	forbiddenCrossOrigin = apperr.New(apperr.Forbidden, "This request came from another site and was refused")
)

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// RequestIDFrom is the id the server gave the request (also its X-Request-Id).
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// PrincipalFrom is who is acting: set by the guard from the session or token,
// nil on a public route.
func PrincipalFrom(ctx context.Context) *store.Principal {
	p, _ := ctx.Value(keyPrincipal).(*store.Principal)
	return p
}

// LeavePlace gives up the request's place among those served at once
// (see admit), for a handler that will now only wait, with no CPU and no
// database connection of its own, for work done elsewhere: a create
// queued for a batched write. Another request is admitted in its place,
// and the rest of this one runs without a place. It does nothing when the
// request holds none, and may be called more than once.
func LeavePlace(ctx context.Context) {
	if leave, ok := ctx.Value(keyPlace).(func()); ok {
		leave()
	}
}

func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newRequestID()
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyRequestID, id)))
	})
}

// securityHeaders sets a strict Content-Security-Policy (no inline script
// or style) and the usual hardening headers on every response.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	csp := strings.Join([]string{
		"default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
		"font-src 'self'", "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'",
		"base-uri 'self'", "object-src 'none'",
	}, "; ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.cfg.Secure() {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs method, path (never the query string, which may hold
// search terms about patients), status and duration.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if strings.HasPrefix(r.URL.Path, "/assets/") {
			return
		}
		s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"ms", time.Since(start).Milliseconds(), "request_id", RequestIDFrom(r.Context()))
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "value", v, "path", r.URL.Path, "request_id", RequestIDFrom(r.Context()))
				s.fail(w, r, isAPI(r), errors.New("panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// authenticate resolves the principal from a bearer token (API) or the
// session cookie. It returns nil, nil when the request carries neither.
func (s *Server) authenticate(r *http.Request) (*store.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, apperr.New(apperr.Unauthenticated, "Authorization must be a Bearer token")
		}
		p, err := s.store.TokenPrincipal(r.Context(), strings.TrimSpace(tok))
		if err != nil {
			return nil, err
		}
		return &p, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	p, err := s.store.Session(r.Context(), auth.HashToken(s.sessionKey, c.Value), s.cfg.IdleTimeout)
	if err != nil {
		if apperr.Is(err, apperr.Unauthenticated) {
			return nil, nil
		}
		return nil, err
	}
	return &p, nil
}

// guard wraps a route: body limit, authentication, the route's role check,
// the check of path values and query text, a slot for an upload (import)
// route, and error rendering.
func (s *Server) guard(rt Route) http.Handler {
	params := pathParams(rt.Path)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(w http.ResponseWriter, r *http.Request, api bool, err error) {
			if rt.Fail == nil {
				s.fail(w, r, api, err)
				return
			}
			setRetryAfter(w, err)
			rt.Fail(w, r, statusOf(apperr.KindOf(err)), err)
		}
		limit := int64(maxBody)
		if rt.Upload {
			limit = maxUpload
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		// Uploads (large, rare) and the liveness check (no database) do
		// not queue; everything else waits for a place (see admit).
		if !rt.Upload && rt.Path != "/healthz" {
			done, ok := s.admit(r)
			if !ok {
				return
			}
			leave := sync.OnceFunc(done)
			defer leave()
			r = r.WithContext(context.WithValue(r.Context(), keyPlace, leave))
		}
		api := rt.API
		p, err := s.authenticate(r)
		if err != nil {
			if api || !apperr.Is(err, apperr.Unauthenticated) {
				fail(w, r, api, err)
				return
			}
		}
		ctx := r.Context()
		if p != nil {
			ctx = context.WithValue(ctx, keyPrincipal, p)
			ctx = audit.WithActor(ctx, audit.Actor{UserID: p.User.ID, Name: p.User.Name, RequestID: RequestIDFrom(ctx), ViaToken: p.TokenID != ""})
		} else {
			ctx = audit.WithActor(ctx, audit.Actor{Name: "anonymous", RequestID: RequestIDFrom(ctx)})
		}
		r = r.WithContext(ctx)
		if !rt.Public {
			if p == nil {
				if api {
					fail(w, r, true, apperr.New(apperr.Unauthenticated, "Sign in or send a Bearer API token"))
					return
				}
				next := r.URL.Path
				if r.Method != http.MethodGet {
					next = "/"
				} else if r.URL.RawQuery != "" {
					next += "?" + r.URL.RawQuery
				}
				http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
				return
			}
			info := RouteInfo{Roles: rt.Roles, PlatformAdmin: rt.PlatformAdmin, PlatformOnly: rt.PlatformOnly}
			if !info.Allows(p.Roles, p.User.PlatformAdmin) {
				fail(w, r, api, apperr.New(apperr.Forbidden, "You do not have a role that allows this. Ask your organisation's administrator if you need it."))
				return
			}
		}
		if err := checkPathValues(r, params); err != nil {
			fail(w, r, api, err)
			return
		}
		if err := checkQueryText(r.URL.RawQuery); err != nil {
			fail(w, r, api, err)
			return
		}
		if rt.Upload {
			release, err := s.ImportSlot()
			if err != nil {
				fail(w, r, api, err)
				return
			}
			defer release()
		}
		if err := rt.Handle(w, r); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				err = apperr.New(apperr.TooLarge, "The request is too large (limit %d MB)", mbe.Limit>>20)
			}
			fail(w, r, api, err)
		}
	})
}

// fail renders err once: as the JSON error shape for the API, or as an
// NHS.UK error page. Internal errors are logged once with the request id.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, api bool, err error) {
	kind := apperr.KindOf(err)
	status := statusOf(kind)
	setRetryAfter(w, err)
	if kind == apperr.Internal {
		s.log.Error("request failed", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", RequestIDFrom(r.Context()))
	}
	if api {
		WriteJSONError(w, status, err)
		return
	}
	s.renderError(w, r, status, err)
}

func statusOf(k apperr.Kind) int {
	switch k {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.BadRequest:
		return http.StatusBadRequest
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.TooMany:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// clientIP is the address of the client. It is the peer's address unless
// the peer is a trusted proxy (CLINSAFE_TRUSTED_PROXIES); then
// X-Forwarded-For is walked from the right, past trusted proxies, and the
// first address that is not one is the client. Entries to its left are
// the client's own claims and are ignored. An entry that is not an address
// stops the walk at the proxy that passed it on.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !s.trusted(peer) {
		return peer.String()
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = a.Unmap()
		if !s.trusted(client) {
			break
		}
	}
	return client.String()
}

// ClientIP is the address of the client of r, as clientIP finds it, for
// a wing's own throttles (which must not store it).
func (s *Server) ClientIP(r *http.Request) string { return s.clientIP(r) }

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// setRetryAfter tells the client how long to wait when err says so (a
// sign-in throttle, the import slots).
func setRetryAfter(w http.ResponseWriter, err error) {
	var e *apperr.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
}
