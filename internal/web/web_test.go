package web_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/config"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/web"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const password = "correct horse battery"

// fixture is a server with two organisations, each with a user per role.
type fixture struct {
	st    *store.DB
	web   *web.Server
	srv   *httptest.Server
	orgA  store.Org
	orgB  store.Org
	users map[string]store.User // key: "A/role" or "B/role"
	// markers are strings that only org B's pages may show.
	markersB []string
}

func newFixture(t *testing.T, st *store.DB) *fixture {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "fixture", Operator: true})
	cfg := testConfig(t)
	s, err := web.New(web.Options{Store: st, Config: cfg, Version: "test", Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, web: s, users: map[string]store.User{}}
	f.srv = httptest.NewServer(s)
	t.Cleanup(f.srv.Close)
	if f.orgA, err = st.CreateOrg(ctx, store.Org{ODSCode: "RAA", Name: "Alpha Trust", Kind: "trust"}); err != nil {
		t.Fatal(err)
	}
	if f.orgB, err = st.CreateOrg(ctx, store.Org{ODSCode: "RBB", Name: "Bravo Trust SECRETORG", Kind: "trust"}); err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		key string
		org store.Org
	}{{"A", f.orgA}, {"B", f.orgB}} {
		for _, r := range auth.AllRoles {
			u, err := st.CreateUser(ctx, store.NewUser{Email: o.key + "-" + string(r) + "@example.com", Name: o.key + " " + string(r) + " person",
				Password: password, OrgID: o.org.ID, Roles: []auth.Role{r}})
			if err != nil {
				t.Fatal(err)
			}
			f.users[o.key+"/"+string(r)] = u
		}
	}
	// Org B data that must never show in org A.
	bAdmin := f.users["B/admin"]
	if _, _, err := st.CreateToken(ctx, f.orgB.ID, bAdmin.ID, "Bravo token SECRETTOKEN", nil, nil); err != nil {
		t.Fatal(err)
	}
	f.markersB = []string{"SECRETORG", "SECRETTOKEN", "b-reporter@example.com", "B admin person", string(f.orgB.ID)}
	return f
}

// client returns an HTTP client signed in as key ("A/admin"), or anonymous
// for "".
func (f *fixture) client(t *testing.T, key string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if key == "" {
		return c
	}
	u := f.users[key]
	resp, err := c.PostForm(f.srv.URL+"/login", url.Values{"email": {u.Email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d", key, resp.StatusCode)
	}
	return c
}

func do(t *testing.T, c *http.Client, method, u, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		if strings.HasPrefix(body, "{") {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestSecurityHeadersAndErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := newFixture(t, st)
		c := f.client(t, "A/reporter")
		resp, body := do(t, c, "GET", f.srv.URL+"/", "")
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
		resp, body = do(t, c, "GET", f.srv.URL+"/no/such/page", "")
		if resp.StatusCode != 404 || !strings.Contains(body, "Page not found") || !strings.Contains(body, "nhsuk-header") {
			t.Errorf("404 page: status %d", resp.StatusCode)
		}
		resp, body = do(t, c, "GET", f.srv.URL+"/admin/users", "")
		if resp.StatusCode != 403 || !strings.Contains(body, "You do not have access") {
			t.Errorf("403 page: status %d", resp.StatusCode)
		}
		// Cross-site form posts are refused by CrossOriginProtection.
		resp, _ = do(t, c, "POST", f.srv.URL+"/logout", "x=1", "Sec-Fetch-Site", "cross-site")
		if resp.StatusCode != 403 {
			t.Errorf("cross-site POST: status %d, want 403", resp.StatusCode)
		}
		// Session cookie attributes.
		jar := f.client(t, "")
		r2, _ := do(t, jar, "POST", f.srv.URL+"/login", "email=A-reporter%40example.com&password="+url.QueryEscape(password))
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
		f := newFixture(t, st)
		c := f.client(t, "")
		resp, body := do(t, c, "POST", f.srv.URL+"/login", "email=&password=")
		if resp.StatusCode != 422 || !strings.Contains(body, "nhsuk-error-summary") || !strings.Contains(body, "Enter your email address") {
			t.Fatalf("empty login: status %d", resp.StatusCode)
		}
		resp, body = do(t, c, "POST", f.srv.URL+"/login", "email=A-admin%40example.com&password=wrong")
		if resp.StatusCode != 401 || !strings.Contains(body, "email address or password is not right") {
			t.Fatalf("wrong password: status %d", resp.StatusCode)
		}
		for range 5 {
			do(t, c, "POST", f.srv.URL+"/login", "email=A-admin%40example.com&password=wrong")
		}
		resp, body = do(t, c, "POST", f.srv.URL+"/login", "email=A-admin%40example.com&password="+url.QueryEscape(password))
		if resp.StatusCode != 429 || !strings.Contains(body, "too many failed attempts") {
			t.Fatalf("throttled login: status %d", resp.StatusCode)
		}
	})
}

func TestAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := newFixture(t, st)
		anon := f.client(t, "")
		resp, body := do(t, anon, "GET", f.srv.URL+"/api/v1/me", "")
		if resp.StatusCode != 401 || !strings.Contains(body, `"kind": "unauthenticated"`) {
			t.Fatalf("anonymous /me: %d %s", resp.StatusCode, body)
		}
		admin := f.client(t, "A/admin")
		// Create a token through the API and use it.
		resp, body = do(t, admin, "POST", f.srv.URL+"/api/v1/tokens", `{"name":"integration"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("create token: %d %s", resp.StatusCode, body)
		}
		i := strings.Index(body, `"token": "`)
		if i < 0 {
			t.Fatalf("no token in %s", body)
		}
		tok := body[i+10:]
		tok = tok[:strings.Index(tok, `"`)]
		resp, body = do(t, anon, "GET", f.srv.URL+"/api/v1/users", "", "Authorization", "Bearer "+tok)
		if resp.StatusCode != 200 || !strings.Contains(body, "a-reporter@example.com") || strings.Contains(body, "b-reporter") {
			t.Fatalf("users by token: %d %s", resp.StatusCode, body)
		}
		resp, _ = do(t, anon, "GET", f.srv.URL+"/api/v1/users", "", "Authorization", "Bearer cs_nonsense")
		if resp.StatusCode != 401 {
			t.Fatalf("bad token: %d", resp.StatusCode)
		}
		// Validation: per-field messages, unknown fields rejected, oversize bodies 413.
		resp, body = do(t, admin, "POST", f.srv.URL+"/api/v1/users", `{"email":"bad","name":"","roles":["reporter"]}`)
		if resp.StatusCode != 422 || !strings.Contains(body, `"email"`) || !strings.Contains(body, `"name"`) {
			t.Fatalf("invalid user: %d %s", resp.StatusCode, body)
		}
		resp, body = do(t, admin, "POST", f.srv.URL+"/api/v1/users", `{"email":"a@b.com","nickname":"x"}`)
		if resp.StatusCode != 422 || !strings.Contains(body, `"nickname": "unknown field"`) {
			t.Fatalf("unknown field: %d %s", resp.StatusCode, body)
		}
		resp, body = do(t, admin, "POST", f.srv.URL+"/api/v1/users", `{"email":"a@b.com","roles":["wizard"]}`)
		if resp.StatusCode != 422 || !strings.Contains(body, "unknown role") {
			t.Fatalf("unknown role: %d %s", resp.StatusCode, body)
		}
		resp, _ = do(t, admin, "POST", f.srv.URL+"/api/v1/users", `{"name":"`+strings.Repeat("x", 2<<20)+`"}`)
		if resp.StatusCode != 413 {
			t.Fatalf("oversize body: %d, want 413", resp.StatusCode)
		}
		resp, _ = do(t, admin, "POST", f.srv.URL+"/api/v1/users", `{"email":`)
		if resp.StatusCode != 422 {
			t.Fatalf("broken JSON: %d, want 422", resp.StatusCode)
		}
		// Adding a person is an invitation, the same whether or not the
		// email has an account (here: one of organisation B's people).
		resp, body = do(t, admin, "POST", f.srv.URL+"/api/v1/users", `{"email":"new@example.com","name":"New Person","roles":["reporter","cso"]}`)
		resp2, body2 := do(t, admin, "POST", f.srv.URL+"/api/v1/users", `{"email":"b-reporter@example.com","name":"New Person","roles":["reporter","cso"]}`)
		if resp.StatusCode != 201 || resp2.StatusCode != 201 || !strings.Contains(body, `"cso"`) || !strings.Contains(body, "/invite?code=csi_") {
			t.Fatalf("invite: %d %s / %d", resp.StatusCode, body, resp2.StatusCode)
		}
		if shape(body) != shape(body2) {
			t.Errorf("inviting an existing and a new email differ:\n%s\n%s", shape(body), shape(body2))
		}
		// A token that says it acts as someone else is refused.
		resp, body = do(t, admin, "POST", f.srv.URL+"/api/v1/tokens", `{"name":"as the CSO","user_id":"`+f.users["A/cso"].ID+`"}`)
		if resp.StatusCode != 403 {
			t.Fatalf("token acting as another person: %d %s", resp.StatusCode, body)
		}
		// Another organisation's user is not found.
		resp, _ = do(t, admin, "GET", f.srv.URL+"/api/v1/users/"+f.users["B/admin"].ID, "")
		if resp.StatusCode != 404 {
			t.Fatalf("other org's user: %d, want 404", resp.StatusCode)
		}
		resp, _ = do(t, anon, "GET", f.srv.URL+"/healthz", "")
		if resp.StatusCode != 200 {
			t.Fatalf("healthz: %d", resp.StatusCode)
		}
		resp, body = do(t, anon, "GET", f.srv.URL+"/readyz", "")
		if resp.StatusCode != 200 || !strings.Contains(body, "ready") {
			t.Fatalf("readyz: %d %s", resp.StatusCode, body)
		}
	})
}

func TestAdminUserFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := newFixture(t, st)
		admin := f.client(t, "A/admin")
		resp, body := do(t, admin, "POST", f.srv.URL+"/admin/users", "name=&email=bad&password=short")
		if resp.StatusCode != 422 || !strings.Contains(body, "nhsuk-error-summary") || !strings.Contains(body, `href="#email"`) || !strings.Contains(body, "Select at least one role") {
			t.Fatalf("invalid new user form: %d", resp.StatusCode)
		}
		resp, body = do(t, admin, "POST", f.srv.URL+"/admin/users", "name=Nia+Jones&email=nia%40example.com&roles=reporter&roles=cso")
		if resp.StatusCode != 201 || !strings.Contains(body, "Invitation created") {
			t.Fatalf("invite user: %d", resp.StatusCode)
		}
		// The link names the configured base URL; this test server has its own.
		link := strings.Replace(inviteLink(t, body), "http://localhost:8080", f.srv.URL, 1)
		resp, body = do(t, admin, "GET", f.srv.URL+"/admin/users", "")
		if resp.StatusCode != 200 || strings.Contains(body, ">Nia Jones</a>") || !strings.Contains(body, "nia@example.com") || !strings.Contains(body, "Pending") {
			t.Fatalf("users list shows the pending invitation: %d", resp.StatusCode)
		}
		// Nia opens the link, chooses a password and is signed in.
		nia := f.client(t, "")
		resp, body = do(t, nia, "GET", link, "")
		if resp.StatusCode != 200 || !strings.Contains(body, "Join Alpha Trust") {
			t.Fatalf("invitation page: %d", resp.StatusCode)
		}
		code := link[strings.Index(link, "code=")+5:]
		resp, body = do(t, nia, "POST", f.srv.URL+"/invite", "code="+code+"&name=Nia+Jones&password=a+long+enough+password&confirm_password=different")
		if resp.StatusCode != 422 || !strings.Contains(body, "The passwords do not match") {
			t.Fatalf("mismatched passwords: %d", resp.StatusCode)
		}
		resp, _ = do(t, nia, "POST", f.srv.URL+"/invite", "code="+code+"&name=Nia+Jones&password=a+long+enough+password&confirm_password=a+long+enough+password")
		if resp.StatusCode != 303 {
			t.Fatalf("accept invitation: %d", resp.StatusCode)
		}
		resp, body = do(t, nia, "GET", f.srv.URL+"/api/v1/me", "")
		if resp.StatusCode != 200 || !strings.Contains(body, "nia@example.com") || !strings.Contains(body, `"cso"`) {
			t.Fatalf("Nia signed in: %d %s", resp.StatusCode, body)
		}
		resp, _ = do(t, f.client(t, ""), "GET", link, "")
		if resp.StatusCode != 404 {
			t.Fatalf("used invitation: %d, want 404", resp.StatusCode)
		}
		resp, body = do(t, admin, "GET", f.srv.URL+"/admin/users", "")
		if resp.StatusCode != 200 || !strings.Contains(body, ">Nia Jones</a>") || !strings.Contains(body, "Accepted") {
			t.Fatalf("users list after accepting: %d", resp.StatusCode)
		}
		resp, body = do(t, admin, "GET", f.srv.URL+"/admin/audit?action=user.create", "")
		if resp.StatusCode != 200 || !strings.Contains(body, "nia@example.com") {
			t.Fatalf("audit page: %d", resp.StatusCode)
		}
		resp, body = do(t, admin, "GET", f.srv.URL+"/admin/audit?from=notadate", "")
		if resp.StatusCode != 422 || !strings.Contains(body, "Enter a real date") {
			t.Fatalf("audit bad filter: %d", resp.StatusCode)
		}
		// Token created on the page is shown once.
		resp, body = do(t, admin, "POST", f.srv.URL+"/admin/tokens", "name=Theatre+feed&user="+f.users["A/admin"].ID)
		if resp.StatusCode != 201 || !strings.Contains(body, auth.TokenPrefix) {
			t.Fatalf("token page create: %d", resp.StatusCode)
		}
		_, body = do(t, admin, "GET", f.srv.URL+"/admin/tokens", "")
		if strings.Contains(body, `class="app-token"`) {
			t.Fatal("token secret shown again")
		}
	})
}

func TestOrgSwitch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := newFixture(t, st)
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
		u := f.users["A/cso"]
		if err := st.AddMember(ctx, f.orgB.ID, u.ID, []auth.Role{auth.Analyst}); err != nil {
			t.Fatal(err)
		}
		c := f.client(t, "A/cso")
		_, body := do(t, c, "GET", f.srv.URL+"/", "")
		if !strings.Contains(body, `id="org-switch"`) {
			t.Fatal("no organisation switcher for a member of two organisations")
		}
		resp, _ := do(t, c, "POST", f.srv.URL+"/org", "org="+string(f.orgB.ID))
		if resp.StatusCode != 303 {
			t.Fatalf("switch: %d", resp.StatusCode)
		}
		_, body = do(t, c, "GET", f.srv.URL+"/", "")
		if !strings.Contains(body, "Bravo Trust") || !strings.Contains(body, "Analyst") {
			t.Fatal("home page does not show the new organisation and role")
		}
		// Switching to an organisation without a role is refused.
		other := f.client(t, "A/reporter")
		resp, _ = do(t, other, "POST", f.srv.URL+"/org", "org="+string(f.orgB.ID))
		if resp.StatusCode != 403 {
			t.Fatalf("switch without role: %d, want 403", resp.StatusCode)
		}
	})
}

// quietLog shows only warnings and errors from the server under test.
var quietLog = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

func TestErrorPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := newFixture(t, st)
		c := f.client(t, "A/admin")
		// 400: a form body that cannot be parsed.
		resp, body := do(t, c, "POST", f.srv.URL+"/admin/users", "name=%zz")
		if resp.StatusCode != 400 || !strings.Contains(body, "There is a problem with the request") || !strings.Contains(body, "nhsuk-header") {
			t.Errorf("malformed form: status %d", resp.StatusCode)
		}
		// 413: a form body over the limit.
		resp, body = do(t, c, "POST", f.srv.URL+"/admin/users", "name="+strings.Repeat("x", 2<<20))
		if resp.StatusCode != 413 || !strings.Contains(body, "too large") {
			t.Errorf("oversize form: status %d", resp.StatusCode)
		}
		// 500: the database goes away. The page is the NHS.UK error page with
		// a reference, and carries no SQL or driver detail.
		st.Close()
		resp, body = do(t, c, "GET", f.srv.URL+"/admin/users", "")
		if resp.StatusCode != 500 || !strings.Contains(body, "Sorry, there is a problem with the service") || !strings.Contains(body, resp.Header.Get("X-Request-Id")) {
			t.Errorf("database down: status %d", resp.StatusCode)
		}
		for _, leak := range []string{"sql", "SELECT", "closed", "store:"} {
			if strings.Contains(body, leak) {
				t.Errorf("500 page leaks %q", leak)
			}
		}
		resp, body = do(t, c, "GET", f.srv.URL+"/api/v1/me", "")
		if resp.StatusCode != 500 || !strings.Contains(body, `"kind": "internal"`) || strings.Contains(body, "sql") {
			t.Errorf("API with database down: %d %s", resp.StatusCode, body)
		}
	})
}

// inviteLink returns the invitation link shown on the "invitation created"
// page.
func inviteLink(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `id="invite-link">`)
	if i < 0 {
		t.Fatal("no invitation link on the page")
	}
	link := body[i+len(`id="invite-link">`):]
	link = html.UnescapeString(link[:strings.Index(link, "<")])
	return link
}

var volatile = regexp.MustCompile(`"(id|created_at|expires_at|request_id|invite_url|email)": "[^"]*"`)

// shape is a JSON body with its ids, times, codes and email blanked, to
// compare two answers that must not be told apart.
func shape(body string) string { return volatile.ReplaceAllString(body, `"$1": ""`) }

// testConfig is the configuration every test server uses: defaults and a
// fixed session key.
func testConfig(tb testing.TB) *config.Config {
	tb.Helper()
	cfg, err := config.Load(nil, func(k string) (string, bool) {
		if k == "CLINSAFE_SESSION_KEY" {
			return strings.Repeat("k", 32), true
		}
		return "", false
	})
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}
