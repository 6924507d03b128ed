// Package browsertest drives a real headless Chromium against a test server
// and checks every page it visits with axe-core.
//
// A browser test starts with Enabled (or New, which calls it), then uses the
// context that New returns with the helpers of this package:
//
//	browsertest.Enabled(t)
//	ctx := browsertest.New(t)
//	browsertest.Visit(t, ctx, srv.URL+"/login", http.StatusOK) // also runs axe
//	browsertest.Fill(t, ctx, "#email", "someone@example.com")
//	browsertest.ClickNav(t, ctx, "main button[type=submit]", http.StatusOK) // also runs axe
//	got := browsertest.Text(t, ctx, "h1")
//
// The browser tests run when Chromium and axe-core are both present, and are
// skipped with a loud message otherwise. With CLINSAFE_TEST_BROWSER=1 they
// must run: a missing Chromium or axe-core fails the test.
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Environment variables the package reads.
const (
	// EnvRequired set to 1 makes a missing Chromium or axe-core a failure.
	EnvRequired = "CLINSAFE_TEST_BROWSER"
	// EnvChromium names the browser binary; otherwise PATH is searched.
	EnvChromium = "CLINSAFE_CHROMIUM"
	// EnvAxe names axe.min.js; otherwise node_modules/axe-core/axe.min.js
	// at the module root (the nearest directory with a go.mod) is used.
	EnvAxe = "CLINSAFE_AXE"
	// EnvScreenshots is a directory that Screenshot writes to instead of a
	// temporary directory.
	EnvScreenshots = "CLINSAFE_SCREENSHOTS"
)

// Timeouts. The whole browser session of one test is bounded by
// SessionTimeout; each single step (a navigation, a query, an axe run) by
// StepTimeout, so that a selector that never matches fails fast and says
// which one it was.
var (
	SessionTimeout = 2 * time.Minute
	StepTimeout    = 20 * time.Second
)

// browserNames are the executables searched for on PATH, in order.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless-shell"}

// Required reports whether EnvRequired asks for the browser tests to run.
func Required() bool { return os.Getenv(EnvRequired) == "1" }

// ChromiumPath returns the browser executable to use.
func ChromiumPath() (string, error) {
	if p := os.Getenv(EnvChromium); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvChromium, p, err)
		}
		return p, nil
	}
	for _, n := range browserNames {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Chromium found on PATH (looked for %s; on Debian: apt-get install chromium)", strings.Join(browserNames, ", "))
}

// AxePath returns the path of axe.min.js.
func AxePath() (string, error) {
	if p := os.Getenv(EnvAxe); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvAxe, p, err)
		}
		return p, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, "node_modules", "axe-core", "axe.min.js")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("axe-core not found at %s (run npm ci at %s)", p, root)
	}
	return p, nil
}

// ModuleRoot walks up from the working directory to the nearest go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Enabled skips the test, loudly, when Chromium or axe-core is missing, or
// fails it when EnvRequired is 1.
func Enabled(t testing.TB) {
	t.Helper()
	var problems []string
	if _, err := ChromiumPath(); err != nil {
		problems = append(problems, err.Error())
	}
	if _, err := AxePath(); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) == 0 {
		return
	}
	msg := strings.Join(problems, "; ")
	if Required() {
		t.Fatalf("browser tests required (%s=1) but cannot run: %s", EnvRequired, msg)
	}
	t.Skipf("\n*** browser tests SKIPPED: %s. Set %s=1 to make this a failure. ***", msg, EnvRequired)
}

type axeKey struct{}

// New starts one headless Chromium for the test and returns the context of
// its first tab. The browser is stopped, and its profile removed, when the
// test ends; the whole session is bounded by SessionTimeout. New calls
// Enabled, so it skips or fails the test when the browser cannot run.
func New(t testing.TB) context.Context {
	t.Helper()
	Enabled(t)
	chromium, _ := ChromiumPath()
	axePath, _ := AxePath()
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatalf("browsertest: read axe-core: %v", err)
	}

	out := &tailBuffer{max: 8 << 10}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.CombinedOutput(out),
	}
	sessCtx, sessCancel := context.WithTimeout(context.Background(), SessionTimeout)
	allocCtx, allocCancel := chromedp.NewExecAllocator(sessCtx, opts...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancel()
		allocCancel() // waits for the browser to exit
		sessCancel()
	})
	ctx = context.WithValue(ctx, axeKey{}, string(axe))
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("browsertest: start %s: %v\nbrowser output:\n%s", chromium, err, out.String())
	}
	return ctx
}

// step bounds one action by StepTimeout.
func step(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, StepTimeout)
}

// Visit navigates to url, waits for the page to load, checks that the HTML
// document came back with wantStatus (after any redirects) and runs
// CheckA11y on it.
func Visit(t testing.TB, ctx context.Context, url string, wantStatus int) {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	resp, err := chromedp.Run(sctx, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatalf("browsertest: visit %s: %v", url, err)
	}
	afterLoad(t, ctx, "visit "+url, resp.URL, resp.Status, wantStatus)
}

// ClickNav clicks the element that the CSS selector sel finds, waits for the
// navigation it starts (a link or a form submission, following redirects),
// checks the final status and runs CheckA11y on the new page.
func ClickNav(t testing.TB, ctx context.Context, sel string, wantStatus int) {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("browsertest: click %q and wait for a page: %v", sel, err)
	}
	afterLoad(t, ctx, "click "+sel, resp.URL, resp.Status, wantStatus)
}

func afterLoad(t testing.TB, ctx context.Context, what, url string, got int64, want int) {
	t.Helper()
	if got != int64(want) {
		t.Fatalf("browsertest: %s: got HTTP %d from %s, want %d", what, got, url, want)
	}
	sctx, cancel := step(ctx)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatalf("browsertest: %s: wait for body: %v", what, err)
	}
	CheckA11y(t, ctx)
}

// Fill replaces the value of the input that the CSS selector sel finds by
// typing value into it.
func Fill(t testing.TB, ctx context.Context, sel, value string) {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	// Empty the field by script rather than chromedp.Clear, which needs a
	// text node that an empty textarea does not have.
	q, _ := json.Marshal(sel)
	if err := chromedp.Do(sctx,
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+string(q)+`).value = ""; void 0`),
		chromedp.SendKeys(chromedp.CSS(sel), value, chromedp.NodeVisible),
	); err != nil {
		t.Fatalf("browsertest: fill %q: %v", sel, err)
	}
}

// Select chooses the option with the given value in the select element that
// the CSS selector sel finds.
func Select(t testing.TB, ctx context.Context, sel, value string) {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.SetValue(chromedp.CSS(sel), value, chromedp.NodeVisible)); err != nil {
		t.Fatalf("browsertest: select %q in %q: %v", value, sel, err)
	}
	got, err := chromedp.Run(sctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil || got != value {
		t.Fatalf("browsertest: select %q in %q: value is %q (%v); is there such an option?", value, sel, got, err)
	}
}

// Click clicks the visible element that the CSS selector sel finds, and does
// not wait for a navigation (use ClickNav for that).
func Click(t testing.TB, ctx context.Context, sel string) {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		t.Fatalf("browsertest: click %q: %v", sel, err)
	}
}

// Text returns the visible text of the element that the CSS selector sel
// finds, with surrounding space trimmed. It waits for the element to be
// visible.
func Text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("browsertest: text of %q: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// Eval evaluates a JavaScript expression in the page and decodes its result.
func Eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("browsertest: eval %q: %v", expr, err)
	}
	return v
}

// Location returns the URL of the current page.
func Location(t testing.TB, ctx context.Context) string {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	u, err := chromedp.Run(sctx, chromedp.Location())
	if err != nil {
		t.Fatalf("browsertest: location: %v", err)
	}
	return u
}

// Screenshot saves a full-page PNG of the current page as name (".png" is
// added when missing) in EnvScreenshots, or in a temporary directory of the
// test, and returns its path.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	dir := os.Getenv(EnvScreenshots)
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: screenshot dir: %v", err)
	}
	name = unsafeName.ReplaceAllString(name, "_")
	if !strings.HasSuffix(name, ".png") {
		name += ".png"
	}
	sctx, cancel := step(ctx)
	defer cancel()
	buf, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browsertest: screenshot: %v", err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatalf("browsertest: screenshot: %v", err)
	}
	t.Logf("browsertest: screenshot %s", path)
	return path
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// tailBuffer keeps the last max bytes written to it: the browser's output,
// shown when it fails to start.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (w *tailBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, p...)
	if len(w.b) > w.max {
		w.b = w.b[len(w.b)-w.max:]
	}
	return len(p), nil
}

func (w *tailBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.b)
}

// Fits reports a test error when the page is wider than width CSS pixels
// (WCAG 1.4.10: content reflows at 320 px without scrolling sideways);
// where names the page in the message, with the first elements that
// stick out. A viewport change is laid out asynchronously, so it looks
// again for up to two seconds, until the viewport is width wide and the
// page fits, before it calls the page too wide.
func Fits(t testing.TB, ctx context.Context, width int, where string) {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	fits := fmt.Sprintf(`window.innerWidth === %d && document.documentElement.scrollWidth <= %d`, width, width)
	_, err := chromedp.Run(sctx, chromedp.Poll[bool](fits, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(2*time.Second)))
	if err == nil {
		return
	}
	if !errors.Is(err, chromedp.ErrPollingTimeout) {
		t.Fatalf("browsertest: %s: wait for the page to fit %d px: %v", where, width, err)
	}
	got := Eval[struct {
		Page, Window int
		Wide         string
	}](t, ctx, fmt.Sprintf(`({
		Page: document.documentElement.scrollWidth,
		Window: window.innerWidth,
		Wide: Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > %d).slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40)).join(' | '),
	})`, width))
	t.Errorf("%s: page is %d px wide at a %d px viewport (the window is %d px; wide: %s)", where, got.Page, width, got.Window, got.Wide)
}
