package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/app"
	"github.com/clinsafe/clinsafe/internal/config"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// serverWith starts a second server on the fixture's store with extra
// settings (e.g. trusted proxies).
func serverWith(t *testing.T, st *store.DB, kv ...string) string {
	t.Helper()
	set := map[string]string{"CLINSAFE_SESSION_KEY": strings.Repeat("k", 32)}
	for i := 0; i+1 < len(kv); i += 2 {
		set[kv[i]] = kv[i+1]
	}
	cfg, err := config.Load(nil, func(k string) (string, bool) { v, ok := set[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	s, err := app.NewServer(web.Options{Store: st, Config: cfg, Version: "test", Logger: webtest.QuietLog})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL
}

func loginBody(email, pw string) string {
	return url.Values{"email": {email}, "password": {pw}}.Encode()
}

// wantThrottled checks a 429 that says how long to wait, in the body and
// in Retry-After.
func wantThrottled(t *testing.T, resp *http.Response, body, what string) {
	t.Helper()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("%s: status %d, want 429", what, resp.StatusCode)
	}
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("%s: Retry-After %q, want a number of seconds", what, resp.Header.Get("Retry-After"))
	}
	if !strings.Contains(body, "Wait 1 second and try again") {
		t.Fatalf("%s: body does not say how long to wait", what)
	}
}

// Thirty failures through one proxy: without trusted proxies everyone
// behind it shares its address (and a client's own X-Forwarded-For is
// ignored); with the proxy trusted, each client is counted on its own.
func TestSignInThrottleBehindProxy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		admin := f.Users["A/admin"].Email
		c := f.Client(t, "")

		// Not trusted: the header is a client's claim and is ignored.
		for i := range 30 {
			resp, _ := webtest.Do(t, c, "POST", f.Srv.URL+"/login", loginBody("nobody"+strconv.Itoa(i)+"@example.com", "wrong"),
				"X-Forwarded-For", "203.0.113."+strconv.Itoa(i))
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d: status %d, want 401", i, resp.StatusCode)
			}
		}
		resp, body := webtest.Do(t, c, "POST", f.Srv.URL+"/login", loginBody(admin, webtest.Password), "X-Forwarded-For", "198.51.100.99")
		wantThrottled(t, resp, body, "right password through an untrusted proxy after 30 failures")

		// Trusted: the client address comes from X-Forwarded-For.
		trusted := serverWith(t, st, "CLINSAFE_TRUSTED_PROXIES", "127.0.0.1/32, ::1")
		for i := range 30 {
			resp, _ := webtest.Do(t, c, "POST", trusted+"/login", loginBody("nobody"+strconv.Itoa(i)+"@example.com", "wrong"),
				"X-Forwarded-For", "203.0.113.7")
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("trusted failure %d: status %d, want 401", i, resp.StatusCode)
			}
		}
		resp, _ = webtest.Do(t, c, "POST", trusted+"/login", loginBody(admin, webtest.Password), "X-Forwarded-For", "203.0.113.8")
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("another client behind the trusted proxy: status %d, want 303", resp.StatusCode)
		}
		// The attacker cannot step aside by claiming an address: walking
		// from the right, the first untrusted address is theirs.
		resp, body = webtest.Do(t, c, "POST", trusted+"/login", loginBody(admin, webtest.Password), "X-Forwarded-For", "198.51.100.1, 203.0.113.7")
		wantThrottled(t, resp, body, "spoofed X-Forwarded-For from the throttled address")
		// A chain of trusted proxies is walked past.
		resp, _ = webtest.Do(t, c, "POST", trusted+"/login", loginBody(admin, webtest.Password), "X-Forwarded-For", "203.0.113.9, 127.0.0.1")
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("client behind two trusted proxies: status %d, want 303", resp.StatusCode)
		}
	})
}

// The owner signs in from another address after five failures elsewhere;
// the failing address gets a short wait, not a lock.
func TestSignInThrottleOwnerElsewhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		admin := f.Users["A/admin"].Email
		trusted := serverWith(t, st, "CLINSAFE_TRUSTED_PROXIES", "127.0.0.1")
		c := f.Client(t, "")
		for i := range 5 {
			if resp, _ := webtest.Do(t, c, "POST", trusted+"/login", loginBody(admin, "wrong"), "X-Forwarded-For", "198.51.100.7"); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d: status %d", i, resp.StatusCode)
			}
		}
		resp, body := webtest.Do(t, c, "POST", trusted+"/login", loginBody(admin, webtest.Password), "X-Forwarded-For", "198.51.100.7")
		wantThrottled(t, resp, body, "right password from the failing address")
		if resp, _ := webtest.Do(t, c, "POST", trusted+"/login", loginBody(admin, webtest.Password), "X-Forwarded-For", "203.0.113.5"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("owner from another address: status %d, want 303", resp.StatusCode)
		}
	})
}

// Wrong current passwords on the change-password page do not count toward
// sign-in throttling, and are limited on their own.
func TestChangePasswordThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/reporter")
		form := url.Values{"current_password": {"wrong"}, "new_password": {"a brand new password"}, "confirm_password": {"a brand new password"}}.Encode()
		for i := range 5 {
			resp, body := webtest.Do(t, c, "POST", f.Srv.URL+"/account/password", form)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Your current password is not right") {
				t.Fatalf("wrong current password %d: status %d", i, resp.StatusCode)
			}
		}
		resp, body := webtest.Do(t, c, "POST", f.Srv.URL+"/account/password", form)
		wantThrottled(t, resp, body, "sixth wrong current password")
		// Signing in from the same address is not held up.
		other := f.Client(t, "")
		if resp, _ := webtest.Do(t, other, "POST", f.Srv.URL+"/login", loginBody(f.Users["A/reporter"].Email, webtest.Password)); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in after wrong current passwords: status %d, want 303", resp.StatusCode)
		}
	})
}
