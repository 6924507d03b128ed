// Package web serves clinsafe's pages (server-rendered html/template with
// the NHS.UK design system) and its JSON API under /api/v1.
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"runtime"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/config"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Server is the HTTP side of clinsafe.
type Server struct {
	store      *store.DB
	cfg        *config.Config
	log        *slog.Logger
	pages      *pages
	sessionKey []byte
	// modules are the wings, in the order internal/app lists them.
	modules []Module
	nav     []NavItem
	// auditWords says audit actions in words (see actionWords).
	auditWords map[string]string
	handler    http.Handler
	version    string
	imports    *importSlots // bounds the imports running at once
	// active admits a bounded number of requests at once (see admit).
	active chan struct{}
}

// Options configure a Server.
type Options struct {
	Store   *store.DB
	Config  *config.Config
	Logger  *slog.Logger
	Version string
	// Modules make the wings served beside the kernel (see internal/app).
	Modules []ModuleFunc
}

// New builds a Server with its wings: it parses every template (failing on
// a missing one) and assembles the route table.
func New(o Options) (*Server, error) {
	key := o.Config.SessionKey
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("web: session key: %w", err)
		}
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{store: o.Store, cfg: o.Config, log: log, sessionKey: key, version: o.Version,
		imports: newImportSlots(maxImports), active: make(chan struct{}, maxActive())}
	areas := map[string]bool{"": true, "vendor": true, "images": true}
	for _, mf := range o.Modules {
		m := mf(s)
		if a := m.Pillar().Area; areas[a] {
			return nil, fmt.Errorf("web: module area %q is taken", a)
		}
		areas[m.Pillar().Area] = true
		s.modules = append(s.modules, m)
	}
	s.auditWords = auditWords(s.modules)
	fm := maps.Clone(baseFuncs)
	fm["actionWords"] = s.actionWords
	p, err := parsePages(s.modules, fm)
	if err != nil {
		return nil, err
	}
	s.pages = p
	s.nav = navItems(s.pillars())
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.Method+" "+rt.Path, s.guard(rt))
	}
	mux.Handle("GET /assets/", assetHandler("/assets/", staticFS))
	for _, m := range s.modules {
		a := m.Pillar().Area
		mux.Handle("GET /assets/"+a+"/", assetHandler("/assets/"+a+"/", m.Templates()))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// The page not found keeps the header of whoever is signed in.
		if p, err := s.authenticate(r); err == nil && p != nil {
			r = r.WithContext(context.WithValue(r.Context(), keyPrincipal, p))
		}
		s.fail(w, r, false, notFoundErr)
	})
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, isAPI(r), forbiddenCrossOrigin)
	}))
	s.handler = s.recoverer(s.requestID(s.securityHeaders(s.logRequests(cop.Handler(mux)))))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Run serves on the configured address until ctx ends, then shuts down
// gracefully.
func (s *Server) Run(ctx context.Context) error {
	srv := &http.Server{
		Addr:              s.cfg.Listen,
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	go s.housekeeping(ctx)
	select {
	case err := <-errc:
		return fmt.Errorf("web: listen on %s: %w", s.cfg.Listen, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// maxActive is how many requests are served at once; the rest queue in
// arrival order. Requests are CPU-bound on a few database connections, so
// more at once only makes each slower; and a request waiting for a pooled
// connection is handed one at random among all waiters (database/sql),
// which under a crowd of clients gives some of them waits of seconds. The
// SQLite pool (store.Open) is twice this, so no admitted request waits.
func maxActive() int { return max(16, 4*runtime.GOMAXPROCS(0)) }

// MaxActive is how many requests are served at once (see LeavePlace).
func MaxActive() int { return maxActive() }

// admit waits for one of the maxActive places, in arrival order, and
// returns the function that frees it; false when the client went away
// first. A form or JSON body (at most maxBody) is read before queueing,
// so that a slow client holds no place while it sends.
func (s *Server) admit(r *http.Request) (func(), bool) {
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		rest := io.Reader(bytes.NewReader(b))
		if err != nil {
			rest = io.MultiReader(rest, errReader{err})
		}
		r.Body = io.NopCloser(rest)
	}
	select {
	case s.active <- struct{}{}:
		return func() { <-s.active }, true
	case <-r.Context().Done():
		return nil, false
	}
}

// errReader returns err, so that a body that failed while being read
// ahead fails the same way for the handler (e.g. too large).
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func (s *Server) housekeeping(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	every := s.cfg.Audit.CheckpointEvery
	if every <= 0 {
		every = time.Hour
	}
	cp := time.NewTicker(every)
	defer cp.Stop()
	s.checkpoint(ctx)
	for {
		if err := s.store.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("purge expired sessions", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-cp.C:
			s.checkpoint(ctx)
		}
	}
}

// checkpoint signs the audit trail's head into the checkpoint directory
// when it has grown since the last checkpoint (see store.WriteCheckpoint).
// A trail that no longer matches its last checkpoint is logged as an error
// each time and not signed.
func (s *Server) checkpoint(ctx context.Context) {
	if s.cfg.Audit.KeyFile == "" || s.cfg.Audit.CheckpointDir == "" {
		return
	}
	key, created, err := audit.LoadKey(s.cfg.Audit.KeyFile, true)
	if err != nil {
		s.log.Error("audit checkpoint: signing key", "err", err)
		return
	}
	if created {
		s.log.Warn("audit checkpoint: made a new signing key; keep a copy of its .pub file apart from the database", "file", s.cfg.Audit.KeyFile)
	}
	c, path, err := s.store.WriteCheckpoint(ctx, key, s.cfg.Audit.CheckpointDir, true)
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Error("audit checkpoint", "err", err)
	case path != "":
		s.log.Info("audit checkpoint written", "seq", c.Seq, "file", path)
	}
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
