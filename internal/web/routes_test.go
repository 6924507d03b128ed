package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/config"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/web"
)

// sessionFor starts a session for u directly in the store and returns the
// cookie value, so that each request of the route walk has its own session
// (some routes, like sign out, end it).
func sessionFor(t *testing.T, st *store.DB, u store.User) string {
	t.Helper()
	token := auth.NewSecret(16)
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
	if _, err := st.StartSession(ctx, "", u.ID, auth.HashToken([]byte(strings.Repeat("k", 32)), token), time.Hour); err != nil {
		t.Fatal(err)
	}
	return token
}

var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

// TestRouteRoleMatrix walks every route of the table with every role of
// organisation A, an instance administrator and an anonymous visitor. Path
// parameters name organisation B's records, so any answer other than "not
// found" or "forbidden" would be a leak. No response may show B's data.
func TestRouteRoleMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := newFixture(t, st)
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
		platform, err := st.CreateUser(ctx, store.NewUser{Email: "platform@example.com", Name: "Platform Admin", Password: password,
			OrgID: f.orgA.ID, Roles: []auth.Role{auth.Reporter}, PlatformAdmin: true})
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := config.Load(nil, func(string) (string, bool) { return "", false })
		srv, err := web.New(web.Options{Store: st, Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		routes := srv.Routes()
		if len(routes) < 30 {
			t.Fatalf("only %d routes in the table", len(routes))
		}
		type actor struct {
			name     string
			user     *store.User
			roles    []auth.Role
			platform bool
		}
		actors := []actor{{name: "anonymous"}}
		for _, r := range auth.AllRoles {
			u := f.users["A/"+string(r)]
			actors = append(actors, actor{name: string(r), user: &u, roles: []auth.Role{r}})
		}
		actors = append(actors, actor{name: "platform-admin", user: &platform, roles: []auth.Role{auth.Reporter}, platform: true})
		bID := f.users["B/admin"].ID
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		covered := 0
		for _, rt := range routes {
			// Every path parameter names a record of organisation B.
			path := pathParam.ReplaceAllString(strings.ReplaceAll(rt.Path, "{$}", ""), bID)
			for _, a := range actors {
				body := ""
				if rt.Method != "GET" && rt.Method != "DELETE" {
					if rt.API {
						body = "{}"
					} else {
						body = "x=1"
					}
				}
				var hdr []string
				if a.user != nil {
					hdr = []string{"Cookie", "clinsafe_session=" + sessionFor(t, st, *a.user)}
				}
				resp, got := do(t, client, rt.Method, f.srv.URL+path, body, hdr...)
				code := resp.StatusCode
				where := rt.Method + " " + rt.Path + " as " + a.name
				switch {
				case code >= 500:
					t.Errorf("%s: status %d", where, code)
				case a.user == nil && !rt.Public:
					if rt.API && code != 401 {
						t.Errorf("%s: status %d, want 401", where, code)
					}
					if !rt.API && (code != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login")) {
						t.Errorf("%s: status %d to %q, want 303 to /login", where, code, resp.Header.Get("Location"))
					}
				case a.user != nil && !rt.Allows(a.roles, a.platform):
					if code != 403 {
						t.Errorf("%s: status %d, want 403", where, code)
					}
				case a.user != nil:
					if code == 401 || code == 403 {
						t.Errorf("%s: status %d, want access", where, code)
					}
				}
				markers := f.markersB
				if a.platform && strings.HasPrefix(rt.Path, "/admin/orgs") {
					// Instance administrators see the directory of
					// organisations (name and ODS code), and nothing else.
					markers = markers[1:]
				}
				for _, m := range markers {
					if strings.Contains(got, m) {
						t.Errorf("%s: response shows organisation B's data %q", where, m)
					}
				}
			}
			covered++
		}
		if covered != len(routes) {
			t.Fatalf("covered %d of %d routes", covered, len(routes))
		}
	})
}
