package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestSecurityHeadersAndErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/reporter")
		resp, body := webtest.Do(t, c, "GET", f.Srv.URL+"/", "")
		if resp.StatusCode != 200 {
			t.Fatalf("home: %d", resp.StatusCode)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP = %q, want strict", csp)
		}
		for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("missing header %s", h)
			}
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
			t.Errorf("page has inline script or style")
		}
		resp, body = webtest.Do(t, c, "GET", f.Srv.URL+"/no/such/page", "")
		if resp.StatusCode != 404 || !strings.Contains(body, "Page not found") || !strings.Contains(body, "nhsuk-header") {
			t.Errorf("404 page: status %d", resp.StatusCode)
		}
		resp, body = webtest.Do(t, c, "GET", f.Srv.URL+"/admin/users", "")
		if resp.StatusCode != 403 || !strings.Contains(body, "You do not have access") {
			t.Errorf("403 page: status %d", resp.StatusCode)
		}
		// Cross-site form posts are refused by CrossOriginProtection.
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+"/logout", "x=1", "Sec-Fetch-Site", "cross-site")
		if resp.StatusCode != 403 {
			t.Errorf("cross-site POST: status %d, want 403", resp.StatusCode)
		}
		// Session cookie attributes.
		jar := f.Client(t, "")
		r2, _ := webtest.Do(t, jar, "POST", f.Srv.URL+"/login", "email=A-reporter%40example.com&password="+url.QueryEscape(webtest.Password))
		var found bool
		for _, ck := range r2.Cookies() {
			if ck.Name == "clinsafe_session" {
				found = true
				if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
					t.Errorf("session cookie HttpOnly=%v SameSite=%v", ck.HttpOnly, ck.SameSite)
				}
			}
		}
		if !found {
			t.Error("no session cookie set")
		}
	})
}

func TestLoginFormErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "")
		resp, body := webtest.Do(t, c, "POST", f.Srv.URL+"/login", "email=&password=")
		if resp.StatusCode != 422 || !strings.Contains(body, "nhsuk-error-summary") || !strings.Contains(body, "Enter your email address") {
			t.Fatalf("empty login: status %d", resp.StatusCode)
		}
		resp, body = webtest.Do(t, c, "POST", f.Srv.URL+"/login", "email=A-admin%40example.com&password=wrong")
		if resp.StatusCode != 401 || !strings.Contains(body, "email address or password is not right") {
			t.Fatalf("wrong password: status %d", resp.StatusCode)
		}
		for range 5 {
			webtest.Do(t, c, "POST", f.Srv.URL+"/login", "email=A-admin%40example.com&password=wrong")
		}
		resp, body = webtest.Do(t, c, "POST", f.Srv.URL+"/login", "email=A-admin%40example.com&password="+url.QueryEscape(webtest.Password))
		if resp.StatusCode != 429 || !strings.Contains(body, "too many failed attempts") {
			t.Fatalf("throttled login: status %d", resp.StatusCode)
		}
	})
}

func TestAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		anon := f.Client(t, "")
		resp, body := webtest.Do(t, anon, "GET", f.Srv.URL+"/api/v1/me", "")
		if resp.StatusCode != 401 || !strings.Contains(body, `"kind": "unauthenticated"`) {
			t.Fatalf("anonymous /me: %d %s", resp.StatusCode, body)
		}
		admin := f.Client(t, "A/admin")
		// Create a token through the API and use it.
		resp, body = webtest.Do(t, admin, "POST", f.Srv.URL+"/api/v1/tokens", `{"name":"integration"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("create token: %d %s", resp.StatusCode, body)
		}
		i := strings.Index(body, `"token": "`)
		if i < 0 {
			t.Fatalf("no token in %s", body)
		}
		tok := body[i+10:]
		tok = tok[:strings.Index(tok, `"`)]
		resp, body = webtest.Do(t, anon, "GET", f.Srv.URL+"/api/v1/users", "", "Authorization", "Bearer "+tok)
		if resp.StatusCode != 200 || !strings.Contains(body, "a-reporter@example.com") || strings.Contains(body, "b-reporter") {
			t.Fatalf("users by token: %d %s", resp.StatusCode, body)
		}
		resp, _ = webtest.Do(t, anon, "GET", f.Srv.URL+"/api/v1/users", "", "Authorization", "Bearer cs_nonsense")
		if resp.StatusCode != 401 {
			t.Fatalf("bad token: %d", resp.StatusCode)
		}
		// Validation: per-field messages, unknown fields rejected, oversize bodies 413.
		resp, body = webtest.Do(t, admin, "POST", f.Srv.URL+"/api/v1/users", `{"email":"bad","name":"","roles":["reporter"]}`)
		if resp.StatusCode != 422 || !strings.Contains(body, `"email"`) || !strings.Contains(body, `"name"`) {
			t.Fatalf("invalid user: %d %s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, admin, "POST", f.Srv.URL+"/api/v1/users", `{"email":"a@b.com","nickname":"x"}`)
		if resp.StatusCode != 422 || !strings.Contains(body, `"nickname": "unknown field"`) {
			t.Fatalf("unknown field: %d %s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, admin, "POST", f.Srv.URL+"/api/v1/users", `{"email":"a@b.com","roles":["wizard"]}`)
		if resp.StatusCode != 422 || !strings.Contains(body, "unknown role") {
			t.Fatalf("unknown role: %d %s", resp.StatusCode, body)
		}
		resp, _ = webtest.Do(t, admin, "POST", f.Srv.URL+"/api/v1/users", `{"name":"`+strings.Repeat("x", 2<<20)+`"}`)
		if resp.StatusCode != 413 {
			t.Fatalf("oversize body: %d, want 413", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, admin, "POST", f.Srv.URL+"/api/v1/users", `{"email":`)
		if resp.StatusCode != 422 {
			t.Fatalf("broken JSON: %d, want 422", resp.StatusCode)
		}
		// Adding a person is an invitation, the same whether or not the
		// email has an account (here: one of organisation B's people).
		resp, body = webtest.Do(t, admin, "POST", f.Srv.URL+"/api/v1/users", `{"email":"new@example.com","name":"New Person","roles":["reporter","cso"]}`)
		resp2, body2 := webtest.Do(t, admin, "POST", f.Srv.URL+"/api/v1/users", `{"email":"b-reporter@example.com","name":"New Person","roles":["reporter","cso"]}`)
		if resp.StatusCode != 201 || resp2.StatusCode != 201 || !strings.Contains(body, `"cso"`) || !strings.Contains(body, "/invite?code=csi_") {
			t.Fatalf("invite: %d %s / %d", resp.StatusCode, body, resp2.StatusCode)
		}
		if webtest.Shape(body) != webtest.Shape(body2) {
			t.Errorf("inviting an existing and a new email differ:\n%s\n%s", webtest.Shape(body), webtest.Shape(body2))
		}
		// A token that says it acts as someone else is refused.
		resp, body = webtest.Do(t, admin, "POST", f.Srv.URL+"/api/v1/tokens", `{"name":"as the CSO","user_id":"`+f.Users["A/cso"].ID+`"}`)
		if resp.StatusCode != 403 {
			t.Fatalf("token acting as another person: %d %s", resp.StatusCode, body)
		}
		// Another organisation's user is not found.
		resp, _ = webtest.Do(t, admin, "GET", f.Srv.URL+"/api/v1/users/"+f.Users["B/admin"].ID, "")
		if resp.StatusCode != 404 {
			t.Fatalf("other org's user: %d, want 404", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, anon, "GET", f.Srv.URL+"/healthz", "")
		if resp.StatusCode != 200 {
			t.Fatalf("healthz: %d", resp.StatusCode)
		}
		resp, body = webtest.Do(t, anon, "GET", f.Srv.URL+"/readyz", "")
		if resp.StatusCode != 200 || !strings.Contains(body, "ready") {
			t.Fatalf("readyz: %d %s", resp.StatusCode, body)
		}
	})
}

func TestAdminUserFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		admin := f.Client(t, "A/admin")
		resp, body := webtest.Do(t, admin, "POST", f.Srv.URL+"/admin/users", "name=&email=bad&password=short")
		if resp.StatusCode != 422 || !strings.Contains(body, "nhsuk-error-summary") || !strings.Contains(body, `href="#email"`) || !strings.Contains(body, "Select at least one role") {
			t.Fatalf("invalid new user form: %d", resp.StatusCode)
		}
		resp, body = webtest.Do(t, admin, "POST", f.Srv.URL+"/admin/users", "name=Nia+Jones&email=nia%40example.com&roles=reporter&roles=cso")
		if resp.StatusCode != 201 || !strings.Contains(body, "Invitation created") {
			t.Fatalf("invite user: %d", resp.StatusCode)
		}
		// The link names the configured base URL; this test server has its own.
		link := strings.Replace(webtest.InviteLink(t, body), "http://localhost:8080", f.Srv.URL, 1)
		resp, body = webtest.Do(t, admin, "GET", f.Srv.URL+"/admin/users", "")
		if resp.StatusCode != 200 || strings.Contains(body, ">Nia Jones</a>") || !strings.Contains(body, "nia@example.com") || !strings.Contains(body, "Pending") {
			t.Fatalf("users list shows the pending invitation: %d", resp.StatusCode)
		}
		// Nia opens the link, chooses a password and is signed in.
		nia := f.Client(t, "")
		resp, body = webtest.Do(t, nia, "GET", link, "")
		if resp.StatusCode != 200 || !strings.Contains(body, "Join Alpha Trust") {
			t.Fatalf("invitation page: %d", resp.StatusCode)
		}
		code := link[strings.Index(link, "code=")+5:]
		resp, body = webtest.Do(t, nia, "POST", f.Srv.URL+"/invite", "code="+code+"&name=Nia+Jones&password=a+long+enough+password&confirm_password=different")
		if resp.StatusCode != 422 || !strings.Contains(body, "The passwords do not match") {
			t.Fatalf("mismatched passwords: %d", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, nia, "POST", f.Srv.URL+"/invite", "code="+code+"&name=Nia+Jones&password=a+long+enough+password&confirm_password=a+long+enough+password")
		if resp.StatusCode != 303 {
			t.Fatalf("accept invitation: %d", resp.StatusCode)
		}
		resp, body = webtest.Do(t, nia, "GET", f.Srv.URL+"/api/v1/me", "")
		if resp.StatusCode != 200 || !strings.Contains(body, "nia@example.com") || !strings.Contains(body, `"cso"`) {
			t.Fatalf("Nia signed in: %d %s", resp.StatusCode, body)
		}
		resp, _ = webtest.Do(t, f.Client(t, ""), "GET", link, "")
		if resp.StatusCode != 404 {
			t.Fatalf("used invitation: %d, want 404", resp.StatusCode)
		}
		resp, body = webtest.Do(t, admin, "GET", f.Srv.URL+"/admin/users", "")
		if resp.StatusCode != 200 || !strings.Contains(body, ">Nia Jones</a>") || !strings.Contains(body, "Accepted") {
			t.Fatalf("users list after accepting: %d", resp.StatusCode)
		}
		resp, body = webtest.Do(t, admin, "GET", f.Srv.URL+"/admin/audit?action=user.create", "")
		if resp.StatusCode != 200 || !strings.Contains(body, "nia@example.com") {
			t.Fatalf("audit page: %d", resp.StatusCode)
		}
		resp, body = webtest.Do(t, admin, "GET", f.Srv.URL+"/admin/audit?from=notadate", "")
		if resp.StatusCode != 422 || !strings.Contains(body, "Enter the first date as a real date") {
			t.Fatalf("audit bad filter: %d", resp.StatusCode)
		}
		// Token created on the page is shown once.
		resp, body = webtest.Do(t, admin, "POST", f.Srv.URL+"/admin/tokens", "name=Theatre+feed&user="+f.Users["A/admin"].ID)
		if resp.StatusCode != 201 || !strings.Contains(body, auth.TokenPrefix) {
			t.Fatalf("token page create: %d", resp.StatusCode)
		}
		_, body = webtest.Do(t, admin, "GET", f.Srv.URL+"/admin/tokens", "")
		if strings.Contains(body, `class="app-token"`) {
			t.Fatal("token secret shown again")
		}
	})
}

func TestOrgSwitch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
		u := f.Users["A/cso"]
		if err := st.AddMember(ctx, f.OrgB.ID, u.ID, []auth.Role{auth.Analyst}); err != nil {
			t.Fatal(err)
		}
		c := f.Client(t, "A/cso")
		_, body := webtest.Do(t, c, "GET", f.Srv.URL+"/", "")
		if !strings.Contains(body, `id="org-switch"`) {
			t.Fatal("no organisation switcher for a member of two organisations")
		}
		resp, _ := webtest.Do(t, c, "POST", f.Srv.URL+"/org", "org="+string(f.OrgB.ID))
		if resp.StatusCode != 303 {
			t.Fatalf("switch: %d", resp.StatusCode)
		}
		_, body = webtest.Do(t, c, "GET", f.Srv.URL+"/", "")
		if !strings.Contains(body, "Bravo Trust") || !strings.Contains(body, "Analyst") {
			t.Fatal("home page does not show the new organisation and role")
		}
		// Switching to an organisation without a role is refused.
		other := f.Client(t, "A/reporter")
		resp, _ = webtest.Do(t, other, "POST", f.Srv.URL+"/org", "org="+string(f.OrgB.ID))
		if resp.StatusCode != 403 {
			t.Fatalf("switch without role: %d, want 403", resp.StatusCode)
		}
	})
}

func TestErrorPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/admin")
		// 400: a form body that cannot be parsed.
		resp, body := webtest.Do(t, c, "POST", f.Srv.URL+"/admin/users", "name=%zz")
		if resp.StatusCode != 400 || !strings.Contains(body, "There is a problem with the request") || !strings.Contains(body, "nhsuk-header") {
			t.Errorf("malformed form: status %d", resp.StatusCode)
		}
		// 413: a form body over the limit.
		resp, body = webtest.Do(t, c, "POST", f.Srv.URL+"/admin/users", "name="+strings.Repeat("x", 2<<20))
		if resp.StatusCode != 413 || !strings.Contains(body, "too large") {
			t.Errorf("oversize form: status %d", resp.StatusCode)
		}
		// 500: the database goes away. The page is the NHS.UK error page with
		// a reference, and carries no SQL or driver detail.
		st.Close()
		resp, body = webtest.Do(t, c, "GET", f.Srv.URL+"/admin/users", "")
		if resp.StatusCode != 500 || !strings.Contains(body, "Sorry, there is a problem with the service") || !strings.Contains(body, resp.Header.Get("X-Request-Id")) {
			t.Errorf("database down: status %d", resp.StatusCode)
		}
		for _, leak := range []string{"sql", "SELECT", "closed", "store:"} {
			if strings.Contains(body, leak) {
				t.Errorf("500 page leaks %q", leak)
			}
		}
		resp, body = webtest.Do(t, c, "GET", f.Srv.URL+"/api/v1/me", "")
		if resp.StatusCode != 500 || !strings.Contains(body, `"kind": "internal"`) || strings.Contains(body, "sql") {
			t.Errorf("API with database down: %d %s", resp.StatusCode, body)
		}
	})
}

// The page not found keeps the signed-in header, and the footer's service
// status is a page for people (and says when the database is down).
func TestNotFoundAndStatusPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/reporter")
		resp, body := webtest.Do(t, c, "GET", f.Srv.URL+"/no/such/page", "")
		if resp.StatusCode != 404 || !strings.Contains(body, "Page not found") {
			t.Errorf("404 signed in: status %d, want the page with the signed-in header", resp.StatusCode)
		}
		if !strings.Contains(body, `action="/logout"`) {
			t.Error("404 page signed in has no sign-out button")
		}
		resp, body = webtest.Do(t, f.Client(t, ""), "GET", f.Srv.URL+"/status", "")
		if resp.StatusCode != 200 || !strings.Contains(body, `id="service-ok"`) || !strings.Contains(body, "Service status") || strings.HasPrefix(body, "{") {
			t.Errorf("status page: %d", resp.StatusCode)
		}
		if !strings.Contains(body, `href="/status"`) {
			t.Error("footer does not link to the status page")
		}
		st.Close()
		resp, body = webtest.Do(t, f.Client(t, ""), "GET", f.Srv.URL+"/status", "")
		if resp.StatusCode != 503 || !strings.Contains(body, `id="service-problem"`) {
			t.Errorf("status page with the database down: %d", resp.StatusCode)
		}
	})
}

// The audit page says each action in words, keeping the code beside it.
func TestAuditActionsInWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		body := webtest.Get(t, f.Client(t, "A/admin"), f.Srv.URL+"/admin/audit", 200)
		for _, want := range []string{"Person added", "Signed in", "(user.create)"} {
			if !strings.Contains(body, want) {
				t.Errorf("audit page lacks %q", want)
			}
		}
		if strings.Contains(body, "<code>user.create</code>") {
			t.Error("audit page shows the bare action code")
		}
	})
}
