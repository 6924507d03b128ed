package eventsweb_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/clinsafe/clinsafe/internal/browsertest"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// keys sends key presses (kb.Tab, kb.Enter, " ", text).
func keys(t *testing.T, ctx context.Context, ks ...string) {
	t.Helper()
	for _, k := range ks {
		if _, err := chromedp.Run(ctx, chromedp.KeyEvent(k)); err != nil {
			t.Fatalf("key %q: %v", k, err)
		}
	}
}

// tabTo presses Tab until the focused element matches sel.
func tabTo(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	for range 200 {
		if browsertest.Eval[bool](t, ctx, `!!document.activeElement && document.activeElement.matches(`+jsString(sel)+`)`) {
			return
		}
		keys(t, ctx, kb.Tab)
	}
	t.Fatalf("Tab never reached %s on %s", sel, browsertest.Location(t, ctx))
}

func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// enterTo presses Enter on the focused element, waits for the page it
// loads, and checks it: the status, axe-core and the width at 320 px.
func enterTo(t *testing.T, ctx context.Context, want int) {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(kb.Enter))
	if err != nil {
		t.Fatalf("Enter on %s: %v", browsertest.Location(t, ctx), err)
	}
	if resp.Status != int64(want) {
		t.Fatalf("Enter: HTTP %d from %s, want %d: %s", resp.Status, resp.URL, want, browsertest.Text(t, ctx, "main"))
	}
	if _, err := chromedp.Run(ctx, chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatal(err)
	}
	browsertest.CheckA11y(t, ctx)
	narrow(t, ctx)
}

func narrow(t *testing.T, ctx context.Context) {
	t.Helper()
	browsertest.Fits(t, ctx, 320, browsertest.Location(t, ctx))
}

// next tabs to the page's main button and presses Enter.
func next(t *testing.T, ctx context.Context) {
	t.Helper()
	tabTo(t, ctx, `main button.nhsuk-button:not(.nhsuk-button--secondary)`)
	enterTo(t, ctx, http.StatusOK)
}

// TestBrowserStaffReportByKeyboard: a staff report completed by keyboard
// alone at 320 px, through a repeating group on each of medicines and
// patients, with axe-core on every page. (The public report is the start
// of TestBrowserFollowUp.)
func TestBrowserStaffReportByKeyboard(t *testing.T) {
	browsertest.Enabled(t)
	st, _ := storetest.Open(t, "sqlite")
	base, _ := webtest.BrowserDemoServer(t, st)
	ctx := browsertest.New(t)
	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, "reporter@demo.clinsafe.test")
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	browsertest.Visit(t, ctx, base+"/", http.StatusOK)
	narrow(t, ctx)
	tabTo(t, ctx, `a[href="/events/report"]`)
	enterTo(t, ctx, http.StatusOK)

	type step struct {
		field string   // the field to tab to ("" for none)
		press []string // the keys pressed there
	}
	pages := []struct {
		path  string // the page's path ends so
		steps []step
	}{
		{"/type", []step{{"#type", []string{" "}}}},
		{"/description", []step{{"#description", []string{"The wristband printer printed another patient's label"}}}},
		{"/when.kind", []step{{"#when-kind", []string{kb.ArrowDown}}}},
		{"/where.location", []step{{"#where-location", []string{"Ward 7"}}}},
		{"/where.service_area", []step{{"#where-service_area", []string{" "}}}},
		{"/where.specialty", nil},
		{"/agents", []step{{"#agents", []string{" "}}}},
		{"/medicines", []step{{"#name", []string{"Warfarin"}}}},
		{"/medicines", nil},
		{"/patients.affected", []step{{"#patients-affected", []string{" "}}}},
		{"/patients", []step{{"#physical_harm", []string{" "}}, {"#psychological_harm", []string{" "}}, {"#association", []string{" "}}}},
		{"/patients", nil},
		{"/concern", []step{{"#concern", []string{" "}}}},
		{"/immediate_actions", nil},
		{"/process_stage", nil},
		{"/detection", nil},
		{"/reporter.role", nil},
		{"/reporter.data_sharing", []step{{"#reporter-data_sharing", []string{" "}}}},
		{"/check", nil},
	}
	for _, p := range pages {
		if loc := browsertest.Location(t, ctx); !strings.HasSuffix(loc, p.path) {
			t.Fatalf("on %s, want the page %s: %s", loc, p.path, browsertest.Text(t, ctx, "main"))
		}
		for _, s := range p.steps {
			tabTo(t, ctx, s.field)
			keys(t, ctx, s.press...)
		}
		next(t, ctx)
	}
	done := browsertest.Text(t, ctx, "main")
	if !regexp.MustCompile(`PSE-\d{4}-\d{6}`).MatchString(done) || !strings.Contains(done, "What happens next") {
		t.Fatalf("confirmation page: %s", done)
	}
	tabTo(t, ctx, `main a[href="/events/mine"]`)
	enterTo(t, ctx, http.StatusOK)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "Submitted") {
		t.Errorf("My reports lacks the report: %s", got)
	}
}
