package app_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/app"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/config"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

// TestRouteRoleMatrix walks every route of the table with every role of
// organisation A, an instance administrator and an anonymous visitor. Path
// parameters name organisation B's records, so any answer other than "not
// found" or "forbidden" would be a leak. No response may show B's data.
func TestRouteRoleMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
		platform, err := st.CreateUser(ctx, store.NewUser{Email: "platform@example.com", Name: "Platform Admin", Password: webtest.Password,
			OrgID: f.OrgA.ID, Roles: []auth.Role{auth.Reporter}, PlatformAdmin: true})
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := config.Load(nil, func(string) (string, bool) { return "", false })
		srv, err := app.NewServer(web.Options{Store: st, Config: cfg})
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
			u := f.Users["A/"+string(r)]
			actors = append(actors, actor{name: string(r), user: &u, roles: []auth.Role{r}})
		}
		actors = append(actors, actor{name: "platform-admin", user: &platform, roles: []auth.Role{auth.Reporter}, platform: true})
		bID := f.Users["B/admin"].ID
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
					hdr = []string{"Cookie", "clinsafe_session=" + webtest.SessionFor(t, st, *a.user)}
				}
				resp, got := webtest.Do(t, client, rt.Method, f.Srv.URL+path, body, hdr...)
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
				markers := f.MarkersB
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
