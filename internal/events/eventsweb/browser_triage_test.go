package eventsweb_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/browsertest"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestBrowserTriage: a CSO links an IT incident to a new hazard and sees it
// in the hazard's incident log, at 320 px, with axe-core on every page.
func TestBrowserTriage(t *testing.T) {
	browsertest.Enabled(t)
	st, _ := storetest.Open(t, "sqlite")
	base, orgs := webtest.BrowserDemoServer(t, st)
	var trust store.Org
	for _, o := range orgs {
		if o.ODSCode == demo.TrustODS {
			trust = o
		}
	}
	ss, err := riskdb.New(st).ListSystems(context.Background(), trust.ID)
	if err != nil {
		t.Fatal(err)
	}
	sysID := ""
	for _, s := range ss {
		if s.Name == "MedChart ePMA" {
			sysID = s.ID
		}
	}
	rep := webtest.UserByEmail(t, st, "reporter@demo.clinsafe.test")
	rec := itIncident(sysID)
	rec.Answers[events.AnsITProblem] = []string{"Drug chart not refreshed on the ward tablet"}
	e, err := eventsdb.New(st).Report(audit.WithActor(context.Background(), audit.Actor{UserID: rep.ID, Name: rep.Name}), trust.ID, rec,
		eventsdb.Submission{Audience: events.Staff, ReporterID: rep.ID})
	if err != nil {
		t.Fatal(err)
	}

	ctx := browsertest.New(t)
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	narrow := func(what string) {
		t.Helper()
		browsertest.Fits(t, ctx, 320, what)
	}
	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, "cso@demo.clinsafe.test")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "about your systems need triage") {
		t.Errorf("the CSO's home page does not ask for triage")
	}
	browsertest.Visit(t, ctx, base+"/events/triage", http.StatusOK)
	narrow("triage list")
	browsertest.ClickNav(t, ctx, `a[href="/events/triage/`+e.ID+`"]`, http.StatusOK)
	narrow("incident")
	browsertest.ClickNav(t, ctx, `a[href$="/hazards/new"]`, http.StatusOK)
	narrow("new hazard")
	if got := browsertest.Eval[string](t, ctx, `document.querySelector('#name').value`); !strings.Contains(got, "ward tablet") {
		t.Errorf("new hazard name = %q, want it from the incident", got)
	}
	browsertest.ClickNav(t, ctx, "main form button[type=submit]", http.StatusUnprocessableEntity)
	if got := browsertest.Text(t, ctx, ".nhsuk-error-summary"); got == "" {
		t.Error("no error summary for a hazard without ratings")
	}
	browsertest.Select(t, ctx, "#initial_severity", risk.Considerable.Code())
	browsertest.Select(t, ctx, "#initial_likelihood", risk.Low.Code())
	browsertest.ClickNav(t, ctx, "main form button[type=submit]", http.StatusOK)
	hazURL := browsertest.Location(t, ctx)
	narrow("hazard")
	if !strings.Contains(hazURL, "/risk/hazards/") {
		t.Errorf("after adding the hazard, at %s, want the hazard page", hazURL)
	}
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "Incident log") || !strings.Contains(got, e.Ref) {
		t.Errorf("hazard page does not show %s in its incident log", e.Ref)
	}
	browsertest.ClickNav(t, ctx, `a[href="/events/triage/`+e.ID+`"]`, http.StatusOK)
	browsertest.ClickNav(t, ctx, `a[href="/events/systems/`+sysID+`"]`, http.StatusOK)
	narrow("system incident log")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, e.Ref) {
		t.Errorf("system log lacks %s", e.Ref)
	}
	browsertest.ClickNav(t, ctx, `a[href="/events/triage"]`, http.StatusOK)
}
