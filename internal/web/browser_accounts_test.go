package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clinsafe/clinsafe/internal/browsertest"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestBrowserInvitation drives, at 320 px wide, an administrator inviting
// a new person, the person accepting the link and choosing a password, and
// the administrator's view of a member who also works elsewhere (roles
// only), with axe-core on every page.
func TestBrowserInvitation(t *testing.T) {
	browsertest.Enabled(t)
	st, _ := storetest.Open(t, "sqlite")
	base, _ := webtest.BrowserDemoServer(t, st)
	ctx := browsertest.New(t)
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	fits := func(where string) { t.Helper(); browsertest.Fits(t, ctx, 320, where) }

	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, demo.AdminEmail)
	browsertest.Visit(t, ctx, base+"/admin/users/new", http.StatusOK)
	fits("add a user")
	browsertest.ClickNav(t, ctx, "main form button[type=submit]", http.StatusUnprocessableEntity)
	if got := browsertest.Text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(got, "Enter the person's full name") {
		t.Errorf("error summary = %q", got)
	}
	browsertest.Fill(t, ctx, "#name", "Nia Jones")
	browsertest.Fill(t, ctx, "#email", "nia.jones@example.nhs.uk")
	browsertest.ClickNav(t, ctx, "main form button[type=submit]", http.StatusCreated)
	link := browsertest.Text(t, ctx, "#invite-link")
	if !strings.Contains(link, "/invite?code=csi_") {
		t.Fatalf("invitation link = %q", link)
	}
	fits("invitation created")
	browsertest.Screenshot(t, ctx, "invitation-created-320")
	browsertest.Visit(t, ctx, base+"/admin/users", http.StatusOK)
	if got := browsertest.Text(t, ctx, "#invitations + table"); !strings.Contains(got, "nia.jones@example.nhs.uk") || !strings.Contains(got, "Pending") {
		t.Errorf("invitations table = %q", got)
	}

	// The supplier's administrator (not an instance administrator) sees
	// the demo admin, an instance administrator who also works for the
	// trust, with roles only; and a person of the supplier alone in full.
	browsertest.ClickNav(t, ctx, ".nhsuk-header__account button", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, "cso@meridian.clinsafe.test")
	accountForms := `document.querySelectorAll('form[action$="/password"], form[action$="/disable"]').length`
	browsertest.Visit(t, ctx, base+"/admin/users/"+webtest.UserByEmail(t, st, demo.AdminEmail).ID, http.StatusOK)
	if n := browsertest.Eval[int](t, ctx, accountForms); n != 0 {
		t.Errorf("an instance administrator's page offers %d account forms to an organisation admin", n)
	}
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "Only they or an instance administrator can change") {
		t.Errorf("the page does not say why the account cannot be changed here")
	}
	browsertest.Screenshot(t, ctx, "user-roles-only-320")
	browsertest.Visit(t, ctx, base+"/admin/users/"+webtest.UserByEmail(t, st, "cso@meridian.clinsafe.test").ID, http.StatusOK)
	if n := browsertest.Eval[int](t, ctx, accountForms); n != 2 {
		t.Errorf("own page (a member of this organisation alone): %d account forms, want 2", n)
	}

	// Nia opens the link signed out, chooses a password and is in.
	browsertest.ClickNav(t, ctx, ".nhsuk-header__account button", http.StatusOK)
	browsertest.Visit(t, ctx, strings.Replace(link, "http://localhost:8080", base, 1), http.StatusOK)
	if got := browsertest.Text(t, ctx, "h1"); !strings.HasPrefix(got, "Join ") {
		t.Errorf("invitation page h1 = %q", got)
	}
	fits("invitation page")
	browsertest.Screenshot(t, ctx, "invitation-accept-320")
	browsertest.Fill(t, ctx, "#password", "nia's own long password")
	browsertest.Fill(t, ctx, "#confirm_password", "a different one")
	browsertest.ClickNav(t, ctx, `form[action="/invite"] button`, http.StatusUnprocessableEntity)
	browsertest.Fill(t, ctx, "#password", "nia's own long password")
	browsertest.Fill(t, ctx, "#confirm_password", "nia's own long password")
	browsertest.ClickNav(t, ctx, `form[action="/invite"] button`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "h1"); got != "Hello, Nia Jones" {
		t.Errorf("after accepting, h1 = %q", got)
	}
	fits("home")

	// The tokens page says what a token can do.
	browsertest.Visit(t, ctx, base+"/account", http.StatusOK)
	browsertest.ClickNav(t, ctx, ".nhsuk-header__account button", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, demo.AdminEmail)
	browsertest.Visit(t, ctx, base+"/admin/tokens", http.StatusOK)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "cannot approve or issue") {
		t.Errorf("tokens page does not say a token cannot sign")
	}
}
