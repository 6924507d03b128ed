package browsertest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clinsafe/clinsafe/internal/browsertest"
)

// strictCSP is as strict as clinsafe's own: no inline script at all.
const strictCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'"

const goodPage = `<!DOCTYPE html><html lang="en"><head><title>Good</title></head>
<body><main><h1>Good page</h1><form action="/" method="get"><label for="q">Search</label><input id="q" name="q"><button>Go</button></form></main><script>document.title = 'inline script ran'</script></body></html>`

const badPage = `<!DOCTYPE html><html lang="en"><head><title>Bad</title></head>
<body><main><h1>Bad page</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="no-alt"><button id="empty"></button></main></body></html>`

// TestAxeUnderStrictCSP checks that axe-core is injected and runs on a page
// whose Content-Security-Policy forbids inline script, that it finds nothing
// on a good page and that it reports the failures of a bad one.
func TestAxeUnderStrictCSP(t *testing.T) {
	ctx := browsertest.New(t)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", strictCSP)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/":
			_, _ = w.Write([]byte(goodPage))
		case "/bad":
			w.WriteHeader(http.StatusTeapot)
			_, _ = w.Write([]byte(badPage))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)

	browsertest.Visit(t, ctx, ts.URL+"/", http.StatusOK) // runs CheckA11y
	if got := browsertest.Text(t, ctx, "h1"); got != "Good page" {
		t.Errorf("h1 = %q", got)
	}
	// The page's CSP is in force: its inline script did not run.
	if got := browsertest.Eval[string](t, ctx, `document.title`); got != "Good" {
		t.Errorf("title = %q: the CSP did not block inline script, so this test proves nothing", got)
	}

	browsertest.Fill(t, ctx, "#q", "hello")
	if got := browsertest.Eval[string](t, ctx, `document.getElementById('q').value`); got != "hello" {
		t.Errorf("after Fill, value = %q", got)
	}
	browsertest.ClickNav(t, ctx, "button", http.StatusOK)
	if u := browsertest.Location(t, ctx); !strings.HasSuffix(u, "/?q=hello") {
		t.Errorf("after ClickNav, location = %q", u)
	}

	// Navigate with the checks of Visit by hand, because CheckA11y must fail
	// here and that would fail this test.
	res := visitRaw(t, ctx, ts.URL+"/bad")
	var ids []string
	for _, v := range res.Violations {
		ids = append(ids, v.ID+"/"+v.Impact)
	}
	for _, want := range []string{"image-alt/critical", "button-name/critical"} {
		if !slices.Contains(ids, want) {
			t.Errorf("axe found %v on the bad page, want %s among them", ids, want)
		}
	}
	report := browsertest.FormatViolations(res.Violations)
	for _, want := range []string{"#no-alt", "#empty", "<img", "critical"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if res.Passes == 0 || res.Version == "" {
		t.Errorf("axe result has no passes or version: %+v", res)
	}

	// CheckA11y fails a test on this page.
	rec := &recorder{TB: t}
	browsertest.CheckA11y(rec, ctx)
	if len(rec.errors) == 0 || !strings.Contains(rec.errors[0], "image-alt") {
		t.Errorf("CheckA11y on the bad page reported %q, want a failure naming image-alt", rec.errors)
	}
}

// visitRaw navigates without Visit's checks and runs axe.
func visitRaw(t *testing.T, ctx context.Context, url string) browsertest.AxeResult {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	res, err := browsertest.RunAxe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// recorder is a testing.TB whose Errorf records instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// TestFits checks the reflow check both ways at 320 px, measured at once
// after the viewport changes (the case that used to catch the old width):
// a page that reflows passes, and a page with a fixed 500 px box fails
// with the box named.
func TestFits(t *testing.T) {
	ctx := browsertest.New(t)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		box := `<p>Text that wraps to any width.</p>`
		if r.URL.Path == "/wide" {
			box = `<div id="wide" style="width: 500px">A fixed box</div>`
		}
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>Width</title></head><body><main><h1>Width</h1>%s</main></body></html>`, box)
	}))
	t.Cleanup(ts.Close)

	for _, c := range []struct {
		path string
		fits bool
	}{{"/", true}, {"/wide", false}} {
		for _, a := range []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL + c.path), chromedp.EmulateViewport(320, 800)} {
			if err := chromedp.Do(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		rec := &recorder{TB: t}
		browsertest.Fits(rec, ctx, 320, c.path)
		switch {
		case c.fits && len(rec.errors) > 0:
			t.Errorf("Fits on %s, a page that reflows: %q", c.path, rec.errors)
		case !c.fits && (len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "#wide")):
			t.Errorf("Fits on %s, a page 500 px wide, reported %q, want one error naming #wide", c.path, rec.errors)
		}
	}
}
