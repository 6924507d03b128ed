package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/clinsafe/clinsafe/internal/browsertest"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/mail"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestBrowserFoundation drives the real server in headless Chromium through
// sign-in, the organisation switcher, the admin pages and a refused page,
// and runs axe-core on every page it sees.
func TestBrowserFoundation(t *testing.T) {
	browsertest.Enabled(t)
	start := time.Now()
	st, _ := storetest.Open(t, "sqlite")
	base, demoOrgs := webtest.BrowserDemoServer(t, st)
	ctx := browsertest.New(t)
	t.Cleanup(func() { t.Logf("browser test took %s", time.Since(start).Round(time.Millisecond)) })

	orgByODS := map[string]store.Org{}
	for _, o := range demoOrgs {
		orgByODS[o.ODSCode] = o
	}
	trust, supplier := orgByODS[demo.TrustODS], orgByODS[demo.SupplierODS]
	if trust.ID == "" || supplier.ID == "" {
		t.Fatalf("demo data lacks org %s or %s: %+v", demo.TrustODS, demo.SupplierODS, demoOrgs)
	}

	// The sign-in page, and its error state.
	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	if got := browsertest.Text(t, ctx, "h1"); got != "Sign in to clinsafe" {
		t.Errorf("login h1 = %q", got)
	}
	browsertest.ClickNav(t, ctx, "main button[type=submit]", http.StatusUnprocessableEntity)
	if got := browsertest.Text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(got, "Enter your email address") {
		t.Errorf("error summary = %q, want it to say %q", got, "Enter your email address")
	}
	if title := browsertest.Eval[string](t, ctx, "document.title"); !strings.HasPrefix(title, "Error: ") {
		t.Errorf("title of the page with errors = %q, want it to start with \"Error: \"", title)
	}

	// Sign in as the demo admin.
	webtest.BrowserSignIn(t, ctx, demo.AdminEmail)
	if got := browsertest.Text(t, ctx, "h1"); got != "Hello, Alex Admin" {
		t.Errorf("home h1 = %q, want %q", got, "Hello, Alex Admin")
	}
	if got := browsertest.Text(t, ctx, "#current-org"); got != trust.Name {
		t.Errorf("current org = %q, want the admin's home organisation %q", got, trust.Name)
	}
	browsertest.Screenshot(t, ctx, "home-signed-in")

	// Switch organisation with the header switcher.
	webtest.BrowserSwitchOrg(t, ctx, supplier)
	if got := browsertest.Text(t, ctx, "#current-org"); got != "Meridian Clinical Software Ltd (demo)" {
		t.Errorf("current org = %q, want the demo supplier", got)
	}

	// The admin pages, and the account page; the outbox with a message.
	if err := st.Tx(storetest.Operator, func(tx *store.Tx) error {
		return mail.Enqueue(storetest.Operator, tx, mail.Message{OrgID: supplier.ID, Kind: "events.feedback", To: "a.very.long.mailbox.name@supplier.example.co.uk",
			Subject: "Your report PSE-2026-000123 was reviewed and the learning summary is now available", Body: "Thank you."})
	}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/admin", "/admin/users", "/admin/tokens", "/admin/audit", "/admin/orgs", "/admin/mail", "/account"} {
		browsertest.Visit(t, ctx, base+p, http.StatusOK)
		if got := browsertest.Text(t, ctx, "h1"); got == "" || strings.Contains(got, "You do not have access") {
			t.Errorf("%s: h1 = %q", p, got)
		}
	}

	// At 320 px (WCAG 1.4.10) the organisation switcher of someone in
	// several organisations, and the kernel's pages, fit without scrolling
	// sideways.
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/", "/account", "/admin", "/admin/users", "/admin/tokens", "/admin/audit", "/admin/orgs", "/admin/mail", "/status"} {
		browsertest.Visit(t, ctx, base+p, http.StatusOK)
		browsertest.Fits(t, ctx, 320, p)
	}
	browsertest.Screenshot(t, ctx, "home-320")
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(1024, 800)); err != nil {
		t.Fatal(err)
	}

	// A pillar page.
	browsertest.Visit(t, ctx, base+"/events", http.StatusOK)
	if got := browsertest.Text(t, ctx, "h1"); got == "" {
		t.Errorf("/events has an empty h1")
	}

	// Sign out, then a reporter is refused the admin pages.
	browsertest.ClickNav(t, ctx, ".nhsuk-header__account button", http.StatusOK)
	if u := browsertest.Location(t, ctx); !strings.HasSuffix(u, "/login") {
		t.Errorf("after sign out, at %s, want /login", u)
	}
	if got := browsertest.Text(t, ctx, ".nhsuk-notification-banner--success"); !strings.Contains(got, "You have signed out") {
		t.Errorf("after sign out, banner = %q", got)
	}
	webtest.BrowserSignIn(t, ctx, "reporter@demo.clinsafe.test")
	if got := browsertest.Text(t, ctx, "h1"); got != "Hello, Jo Evans" {
		t.Errorf("reporter home h1 = %q", got)
	}
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('#org-switch').length`); n != 0 {
		t.Errorf("a reporter in one organisation sees the organisation switcher")
	}
	browsertest.Visit(t, ctx, base+"/admin/users", http.StatusForbidden)
	if got := browsertest.Text(t, ctx, "h1"); got != "You do not have access to this page" {
		t.Errorf("403 page h1 = %q", got)
	}
}
