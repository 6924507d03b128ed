package eventsweb_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clinsafe/clinsafe/internal/browsertest"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestBrowserFollowUp is the whole journey of an anonymous report, in the
// browser at 320 px with axe-core on every page: a carer reports on the
// trust's public page without signing in and writes down the follow-up
// code; a handler finds the report in the queue, takes it into review and
// asks a question; the carer comes back with the code, reads the status
// and the question and answers it; the handler reads the answer.
func TestBrowserFollowUp(t *testing.T) {
	browsertest.Enabled(t)
	st, _ := storetest.Open(t, "sqlite")
	base, orgs := webtest.BrowserDemoServer(t, st)
	var trust store.Org
	for _, o := range orgs {
		if o.ODSCode == demo.TrustODS {
			trust = o
		}
	}
	ctx := browsertest.New(t)
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	narrow := func(what string) {
		t.Helper()
		browsertest.Fits(t, ctx, 320, what)
	}

	// 1. The carer reports on the public page and gets the code.
	browsertest.Visit(t, ctx, base+"/report/"+trust.ODSCode, http.StatusOK)
	narrow("public start page")
	browsertest.ClickNav(t, ctx, `main button[type=submit]`, http.StatusOK)
	const what = "My mother was given her evening tablets twice"
	for _, p := range []struct {
		path, click, fill, value string
	}{
		{"/type", "#type", "", ""},
		{"/description", "", "#description", what},
		{"/when.kind", "#when-kind-2", "", ""},
		{"/where.location", "", "#where-location", "Ward 3"},
		{"/agents", "#agents-9", "", ""},
		{"/patients.affected", "#patients-affected-3", "", ""},
		{"/concern", "#concern", "", ""},
		{"/reporter.type", "#reporter-type-3", "", ""},
		{"/reporter.data_sharing", "#reporter-data_sharing-2", "", ""},
		{"/check", "", "", ""},
	} {
		if loc := browsertest.Location(t, ctx); !strings.HasSuffix(loc, p.path) {
			t.Fatalf("on %s, want the public page %s: %s", loc, p.path, browsertest.Text(t, ctx, "main"))
		}
		if p.click != "" {
			browsertest.Click(t, ctx, p.click)
		}
		if p.fill != "" {
			browsertest.Fill(t, ctx, p.fill, p.value)
		}
		browsertest.ClickNav(t, ctx, `main button.nhsuk-button:not(.nhsuk-button--secondary)`, http.StatusOK)
		narrow("public page " + p.path)
	}
	code := browsertest.Text(t, ctx, "#follow-up-code")
	if len(strings.ReplaceAll(code, "-", "")) < 20 || !strings.Contains(browsertest.Text(t, ctx, "main"), "Write down your follow-up code") {
		t.Fatalf("the public report ends without its follow-up code: %q", code)
	}

	// 2. A handler finds it by its words, takes it into review and asks.
	handler := webtest.UserByEmail(t, st, "handler@demo.clinsafe.test")
	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, handler.Email)
	browsertest.Visit(t, ctx, base+"/events/queue", http.StatusOK)
	browsertest.Click(t, ctx, "main details summary")
	browsertest.Fill(t, ctx, "#q", "evening tablets twice")
	browsertest.ClickNav(t, ctx, `main form[action="/events/queue"] button[type=submit]`, http.StatusOK)
	narrow("review queue searched")
	browsertest.ClickNav(t, ctx, `main table a[href^="/events/review/"]`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, what) {
		t.Fatalf("the handler opened another event: %s", got)
	}
	id := strings.TrimPrefix(browsertest.Location(t, ctx), base+"/events/review/")
	ev := eventsdb.New(st)
	e, err := ev.Get(storetest.Operator, trust.ID, id)
	if err != nil || e.Audience != events.Public {
		t.Fatalf("the event opened (%s): %+v, %v; want the public report", id, e, err)
	}
	browsertest.Select(t, ctx, "#status", string(events.InReview))
	browsertest.ClickNav(t, ctx, `form[action$="/status"] button[type=submit]`, http.StatusOK)
	narrow("event in review")
	browsertest.Visit(t, ctx, base+"/events/review/"+id+"/conversation", http.StatusOK)
	browsertest.Fill(t, ctx, "#body", "Which ward was your mother on?")
	browsertest.ClickNav(t, ctx, `form[action$="/messages"] button[type=submit]`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "Your question was sent to the reporter") {
		t.Errorf("after asking, the conversation shows %q", got)
	}
	narrow("handler's conversation")
	browsertest.ClickNav(t, ctx, `form[action="/logout"] button`, http.StatusOK)

	// 3. The carer comes back with the code: a wrong code first.
	browsertest.Visit(t, ctx, base+"/report/"+trust.ODSCode+"/follow-up", http.StatusOK)
	narrow("follow-up code page")
	browsertest.Fill(t, ctx, "#code", "ABCD-EFGH")
	browsertest.ClickNav(t, ctx, "main button[type=submit]", http.StatusUnprocessableEntity)
	if got := browsertest.Text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(got, "That follow-up code is not right") {
		t.Errorf("wrong code: error summary %q", got)
	}
	narrow("follow-up code page with an error")
	browsertest.Fill(t, ctx, "#code", strings.ToLower(code))
	browsertest.ClickNav(t, ctx, "main button[type=submit]", http.StatusOK)
	if loc := browsertest.Location(t, ctx); !strings.HasSuffix(loc, "/follow-up/thread") {
		t.Fatalf("after the code: at %s, want the thread", loc)
	}
	narrow("follow-up thread")
	main := browsertest.Text(t, ctx, "main")
	for _, want := range []string{e.Ref, "Which ward was your mother on?", "The patient safety team"} {
		if !strings.Contains(main, want) {
			t.Errorf("thread does not show %q: %s", want, main)
		}
	}
	if strings.Contains(main, handler.Name) {
		t.Errorf("thread names the handler")
	}
	// An empty answer is refused with a message; then the answer goes.
	browsertest.ClickNav(t, ctx, `form[action$="/follow-up/thread"] button[type=submit]`, http.StatusUnprocessableEntity)
	if got := browsertest.Text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(got, "Enter your message") {
		t.Errorf("empty answer: error summary %q", got)
	}
	browsertest.Fill(t, ctx, "#body", "Ward 3, in the bay by the window")
	browsertest.ClickNav(t, ctx, `form[action$="/follow-up/thread"] button[type=submit]`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "Ward 3, in the bay by the window") || !strings.Contains(got, "Your answer was sent") {
		t.Errorf("after answering, the thread shows %q", got)
	}
	narrow("follow-up thread after answering")

	// 4. The handler reads the answer from "The reporter".
	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, handler.Email)
	browsertest.Visit(t, ctx, base+"/events/review/"+id+"/conversation", http.StatusOK)
	narrow("handler's conversation with the answer")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "Ward 3, in the bay by the window") || !strings.Contains(got, "The reporter") {
		t.Errorf("handler's conversation shows %q", got)
	}
}
