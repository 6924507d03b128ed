// Package webtest holds what the HTTP tests of every package share: a
// server with every wing on a test database, two organisations with a
// person in each role, signed-in clients and small request helpers.
package webtest

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/clinsafe/clinsafe/gs1"
	"github.com/clinsafe/clinsafe/internal/app"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/browsertest"
	"github.com/clinsafe/clinsafe/internal/config"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

const Password = "correct horse battery"

// Fixture is a server with every wing, and two organisations, each with a
// person in every role.
type Fixture struct {
	St    *store.DB
	Web   *web.Server
	Srv   *httptest.Server
	OrgA  store.Org
	OrgB  store.Org
	Users map[string]store.User // key: "A/role" or "B/role"
	// MarkersB are strings that only org B's pages may show.
	MarkersB []string
}

func NewFixture(t *testing.T, st *store.DB) *Fixture {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "fixture", Operator: true})
	cfg := TestConfig(t)
	s, err := app.NewServer(web.Options{Store: st, Config: cfg, Version: "test", Logger: QuietLog})
	if err != nil {
		t.Fatal(err)
	}
	f := &Fixture{St: st, Web: s, Users: map[string]store.User{}}
	f.Srv = httptest.NewServer(s)
	t.Cleanup(f.Srv.Close)
	if f.OrgA, err = st.CreateOrg(ctx, store.Org{ODSCode: "RAA", Name: "Alpha Trust", Kind: "trust"}); err != nil {
		t.Fatal(err)
	}
	if f.OrgB, err = st.CreateOrg(ctx, store.Org{ODSCode: "RBB", Name: "Bravo Trust SECRETORG", Kind: "trust"}); err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		key string
		org store.Org
	}{{"A", f.OrgA}, {"B", f.OrgB}} {
		for _, r := range auth.AllRoles {
			u, err := st.CreateUser(ctx, store.NewUser{Email: o.key + "-" + string(r) + "@example.com", Name: o.key + " " + string(r) + " person",
				Password: Password, OrgID: o.org.ID, Roles: []auth.Role{r}})
			if err != nil {
				t.Fatal(err)
			}
			f.Users[o.key+"/"+string(r)] = u
		}
	}
	// Org B data that must never show in org A.
	bAdmin := f.Users["B/admin"]
	if _, _, err := st.CreateToken(ctx, f.OrgB.ID, bAdmin.ID, "Bravo token SECRETTOKEN", nil, nil); err != nil {
		t.Fatal(err)
	}
	f.MarkersB = []string{"SECRETORG", "SECRETTOKEN", "b-reporter@example.com", "B admin person", string(f.OrgB.ID)}
	return f
}

// Client returns an HTTP client signed in as key ("A/admin"), or anonymous
// for "".
func (f *Fixture) Client(t *testing.T, key string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if key == "" {
		return c
	}
	u := f.Users[key]
	resp, err := c.PostForm(f.Srv.URL+"/login", url.Values{"email": {u.Email}, "password": {Password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d", key, resp.StatusCode)
	}
	return c
}

func Do(t *testing.T, c *http.Client, method, u, body string, hdr ...string) (*http.Response, string) {
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

// QuietLog shows only warnings and errors from the server under test.
var QuietLog = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

// InviteLink returns the invitation link shown on the "invitation created"
// page.
func InviteLink(t *testing.T, body string) string {
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

// Shape is a JSON body with its ids, times, codes and email blanked, to
// compare two answers that must not be told apart.
func Shape(body string) string { return volatile.ReplaceAllString(body, `"$1": ""`) }

// TestConfig is the configuration every test server uses: defaults and a
// fixed session key.
func TestConfig(tb testing.TB) *config.Config {
	tb.Helper()
	cfg, err := config.Load(nil, func(k string) (string, bool) {
		if k == "CLINSAFE_SESSION_KEY" {
			return strings.Repeat("k", 32), true
		}
		if k == "CLINSAFE_DATA_DIR" {
			return tb.TempDir(), true
		}
		return "", false
	})
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// PDFText inflates every FlateDecode stream of a PDF and returns the
// concatenated content, so a test can look for words in a compressed PDF.
func PDFText(b []byte) string {
	var out strings.Builder
	for {
		i := bytes.Index(b, []byte("stream"))
		if i < 0 {
			break
		}
		b = b[i+len("stream"):]
		b = bytes.TrimLeft(b, "\r\n")
		end := bytes.Index(b, []byte("endstream"))
		if end < 0 {
			break
		}
		if r, err := zlib.NewReader(bytes.NewReader(b[:end])); err == nil {
			data, _ := io.ReadAll(r)
			out.Write(data)
		}
		b = b[end+len("endstream"):]
	}
	return out.String()
}

func Location(t *testing.T, resp *http.Response, prefix string) string {
	t.Helper()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("status %d to %q, want 303 to %s...", resp.StatusCode, loc, prefix)
	}
	return strings.TrimSuffix(strings.TrimPrefix(loc, prefix), "/edit")
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// FormAsShown is what a browser sends when the form posting to action on
// the page at pageURL (read as c) is submitted as shown: its hidden
// inputs, with kv set, URL-encoded.
func FormAsShown(t *testing.T, c *http.Client, pageURL, action string, kv ...string) string {
	t.Helper()
	body := Get(t, c, pageURL, http.StatusOK)
	i := strings.Index(body, `<form action="`+action+`"`)
	if i < 0 {
		t.Fatalf("%s has no form posting to %s", pageURL, action)
	}
	form, _, _ := strings.Cut(body[i:], "</form>")
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(form, -1) {
		v.Add(m[1], html.UnescapeString(m[2]))
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

func Form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

func Upload(t *testing.T, c *http.Client, u, name string, data []byte, fields ...string) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	mw.Close()
	req, _ := http.NewRequest("POST", u, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func Get(t *testing.T, c *http.Client, u string, want int) string {
	t.Helper()
	resp, body := Do(t, c, "GET", u, "")
	if resp.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d\n%s", u, resp.StatusCode, want, body)
	}
	return body
}

func GTIN(n int) string {
	data := fmt.Sprintf("0509999%06d", n)
	c, _ := gs1.CheckDigit(data)
	return data + string(c)
}

func MultipartFile(t *testing.T, field, name, content string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(content))
	w.Close()
	return buf.String(), w.FormDataContentType()
}

// SessionFor starts a session for u directly in the store and returns the
// cookie value, so that each request of the route walk has its own session
// (some routes, like sign out, end it).
func SessionFor(t testing.TB, st *store.DB, u store.User) string {
	t.Helper()
	token := auth.NewSecret(16)
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
	if _, err := st.StartSession(ctx, "", u.ID, auth.HashToken([]byte(strings.Repeat("k", 32)), token), time.Hour); err != nil {
		t.Fatal(err)
	}
	return token
}

const BrowserPassword = "browser test password 1"

// BrowserSwitchOrg uses the organisation switcher in the org bar to move to org,
// which must not be the current one.
func BrowserSwitchOrg(t *testing.T, ctx context.Context, org store.Org) {
	t.Helper()
	if got := browsertest.Text(t, ctx, "#current-org"); got == org.Name {
		t.Fatalf("browserSwitchOrg: already in %q", got)
	}
	browsertest.Select(t, ctx, "#org-switch", string(org.ID))
	browsertest.ClickNav(t, ctx, "button.app-org-bar__button", http.StatusOK)
	if got := browsertest.Text(t, ctx, "#current-org"); got != org.Name {
		t.Errorf("after switching, current org = %q, want %q", got, org.Name)
	}
	if got := browsertest.Text(t, ctx, ".nhsuk-notification-banner--success"); !strings.Contains(got, org.Name) {
		t.Errorf("after switching to %q, success banner = %q", org.Name, got)
	}
}

// BrowserSignIn fills in the login form (visiting /login first if needed) and
// lands on the home page.
func BrowserSignIn(t *testing.T, ctx context.Context, email string) {
	t.Helper()
	if u := browsertest.Location(t, ctx); !strings.Contains(u, "/login") {
		t.Fatalf("browserSignIn: not on the login page but %s", u)
	}
	browsertest.Fill(t, ctx, "#email", email)
	browsertest.Fill(t, ctx, "#password", BrowserPassword)
	browsertest.ClickNav(t, ctx, "main button[type=submit]", http.StatusOK)
	if u := browsertest.Location(t, ctx); strings.Contains(u, "/login") {
		t.Fatalf("browserSignIn %s: still on %s: %s", email, u, browsertest.Text(t, ctx, "main"))
	}
}

// BrowserDemoServer loads the demo data into st and serves it on loopback.
func BrowserDemoServer(t *testing.T, st *store.DB) (string, []store.Org) {
	t.Helper()
	res, err := demo.Load(context.Background(), st, demo.Options{Password: BrowserPassword})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Loaded {
		t.Fatal("demo data not loaded into a fresh store")
	}
	cfg := TestConfig(t)
	srv, err := app.NewServer(web.Options{Store: st, Config: cfg, Version: "test", Logger: QuietLog})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL, res.Orgs
}

// BrowserGet fetches u from Go with the browser's cookies (so as the
// signed-in user) and returns the body.
func BrowserGet(t *testing.T, ctx context.Context, u string) []byte {
	t.Helper()
	cs, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{u}})
	if err != nil {
		t.Fatalf("cookies: %v", err)
	}
	req, _ := http.NewRequest("GET", u, nil)
	for _, c := range cs.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	return b
}

// EveryPage executes every page of area ("" for the kernel's own pages,
// else a wing's "area/..." pages) with the typed data samples gives, for
// someone signed in and, for the public pages, for someone signed out, so
// that a template error fails the build instead of a person's request. A
// page without a sample, or a sample without a page, fails the test.
func EveryPage(t *testing.T, area string, samples func(web.Base) map[string]any, public ...string) {
	t.Helper()
	srv, err := app.NewServer(web.Options{Config: TestConfig(t), Logger: QuietLog})
	if err != nil {
		t.Fatal(err)
	}
	signedIn := web.Base{Title: "T", Path: "/", P: &store.Principal{User: store.User{ID: "u", Name: "Sam", Email: "sam@example.com"},
		Org: store.Org{ID: "o", Name: "Org", ODSCode: "X1"}, Roles: auth.AllRoles}, Orgs: []store.Org{{ID: "o", Name: "Org"}, {ID: "o2", Name: "Other"}}}
	pages := 0
	for _, name := range srv.PageNames() {
		short, ok := pageOf(area, name)
		if !ok {
			continue
		}
		pages++
		for _, b := range []web.Base{signedIn, {Title: "T", Path: "/"}} {
			data, ok := samples(b)[short]
			if !ok {
				t.Fatalf("page %q has no sample data", name)
			}
			if b.P == nil && !slices.Contains(public, short) {
				continue // pages behind sign-in are only drawn for someone signed in
			}
			if err := srv.ExecutePage(io.Discard, name, data); err != nil {
				t.Errorf("page %s (signed in: %v): %v", name, b.P != nil, err)
			}
		}
	}
	if n := len(samples(web.Base{})); pages != n || pages == 0 {
		t.Errorf("%d pages of area %q, %d samples: every page needs one sample", pages, area, n)
	}
}

func UserByEmail(t *testing.T, st *store.DB, email string) store.User {
	t.Helper()
	u, err := st.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// CSCRDraftJSON is a complete safety case report draft as
// PUT /api/v1/systems/{id}/cscr takes it: an author, the CSO's
// registration and every section written, so that the report can be issued.
func CSCRDraftJSON(version string) string {
	d := map[string]any{"document_version": version, "phase": "Go-live", "author": "Report Author", "cso_registration": "GMC 1234567"}
	narr := map[string]string{}
	for _, k := range risk.SectionKeys() {
		narr[k] = "Written by the CSO for " + k + "."
	}
	d["narratives"] = narr
	b, _ := json.Marshal(d)
	return string(b)
}

// CSCRDraftForm is the same complete draft as the report page's form.
func CSCRDraftForm(version string) string {
	v := url.Values{"document_version": {version}, "phase": {"Go-live"}, "author": {"Report Author"}, "cso_registration": {"GMC 1234567"}}
	for _, k := range risk.SectionKeys() {
		v.Set("section-"+k, "Written by the CSO for "+k+".")
	}
	return v.Encode()
}

// pageOf is page name's short name in area ("" for the kernel's pages,
// which have no area), and whether it is one of area's.
func pageOf(area, name string) (string, bool) {
	if area == "" {
		return name, !strings.Contains(name, "/")
	}
	return strings.CutPrefix(name, area+"/")
}
