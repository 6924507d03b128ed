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

// TestBrowserFollowUp is the journey "an anonymous report, then the
// reporter reads feedback and answers a question with the follow-up
// code", at 320 px with axe-core on every page. The report is made
// through the store (the public reporting pages are another part); the
// reporter starts at the follow-up page.
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
	ev := eventsdb.New(st)
	e, code, err := ev.ReportPublic(storetest.Operator, trust.ID, publicRecord())
	if err != nil {
		t.Fatal(err)
	}
	handler := webtest.UserByEmail(t, st, "handler@demo.clinsafe.test")
	if err := st.Tx(storetest.As(handler), func(tx *store.Tx) error {
		return ev.NotifyStatus(storetest.As(handler), tx, trust.ID, e.ID, events.InReview, "")
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := ev.Ask(storetest.As(handler), trust.ID, e.ID, "Which ward was your father on?"); err != nil {
		t.Fatal(err)
	}

	ctx := browsertest.New(t)
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	narrow := func(what string) {
		t.Helper()
		if w := browsertest.Eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 320 {
			t.Errorf("%s: page is %d px wide at a 320 px viewport", what, w)
		}
	}
	browsertest.Visit(t, ctx, base+"/report/"+trust.ODSCode+"/follow-up", http.StatusOK)
	narrow("follow-up code page")
	// A wrong code first: the one message, on the page.
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
	for _, want := range []string{e.Ref, "The patient safety team is reviewing your report", "Which ward was your father on?", "The patient safety team"} {
		if !strings.Contains(main, want) {
			t.Errorf("thread does not show %q", want)
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
	got, err := ev.Get(storetest.Operator, trust.ID, e.ID)
	if err != nil || got.Status != events.InReview {
		t.Errorf("event after the answer: %s, %v; want in review", got.Status, err)
	}

	// The handler reads the answer from "The reporter".
	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, handler.Email)
	browsertest.Visit(t, ctx, base+"/events/review/"+e.ID+"/conversation", http.StatusOK)
	narrow("handler's conversation")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "Ward 3, in the bay by the window") || !strings.Contains(got, "The reporter") {
		t.Errorf("handler's conversation shows %q", got)
	}
}
