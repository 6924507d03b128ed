package eventsweb_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/browsertest"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestBrowserReviewToClosure: a handler at 320 px, by keyboard-reachable
// forms, opens an anonymous report from the queue, takes it into review,
// is told a never event needs its type, grades the harm and closes the
// event with a learning summary. Every page fits; axe runs on each.
func TestBrowserReviewToClosure(t *testing.T) {
	browsertest.Enabled(t)
	st, _ := storetest.Open(t, "sqlite")
	f := webtest.NewFixture(t, st)
	if _, err := st.CreateUser(storetest.Operator, store.NewUser{Email: "handler@browser.test", Name: "Hana Handler", Password: webtest.BrowserPassword,
		OrgID: f.OrgA.ID, Roles: []auth.Role{auth.Handler}}); err != nil {
		t.Fatal(err)
	}
	e, _, err := eventsdb.New(st).ReportPublic(storetest.Operator, f.OrgA.ID, reviewIncident("My mother was given warfarin twice", "Ward 3"))
	if err != nil {
		t.Fatalf("%v (%v)", err, apperr.FieldsOf(err))
	}
	ctx := browsertest.New(t)
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	fits := func(where string) { t.Helper(); browsertest.Fits(t, ctx, 320, where) }
	browsertest.Visit(t, ctx, f.Srv.URL+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, "handler@browser.test")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "1 new report to review") {
		t.Errorf("home page lacks the new report: %.300s", got)
	}
	browsertest.Visit(t, ctx, f.Srv.URL+"/events/queue", http.StatusOK)
	fits("queue")
	browsertest.ClickNav(t, ctx, `main a[href="/events/review/`+e.ID+`"]`, http.StatusOK)
	fits("event page")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "Anonymous") {
		t.Error("event page does not say the report is anonymous")
	}
	browsertest.Select(t, ctx, "#status", "in_review")
	browsertest.ClickNav(t, ctx, `form[action$="/status"] button[type=submit]`, http.StatusOK)

	browsertest.Click(t, ctx, "#never_event")
	browsertest.ClickNav(t, ctx, `form[action$="/governance"] button[type=submit]`, http.StatusUnprocessableEntity)
	if got := browsertest.Text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(got, "Select the type of never event") {
		t.Errorf("error summary = %q", got)
	}
	fits("governance refused")
	browsertest.Select(t, ctx, "#never_event_type", "other")
	browsertest.ClickNav(t, ctx, `form[action$="/governance"] button[type=submit]`, http.StatusOK)

	browsertest.Select(t, ctx, `[id="gradings.0.physical_harm"]`, "3")
	browsertest.ClickNav(t, ctx, `form[action$="/grading"] button[type=submit]`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "Moderate physical harm") {
		t.Error("the grading is not shown")
	}
	browsertest.Select(t, ctx, "#status", "closed")
	browsertest.Fill(t, ctx, "#learning_summary", "Two nurses now check warfarin against the chart.")
	browsertest.ClickNav(t, ctx, `form[action$="/status"] button[type=submit]`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "h1"); !strings.Contains(got, "Closed") {
		t.Errorf("after closing, h1 = %q", got)
	}
	fits("closed event")
}
