package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/config"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// When the organisations for the switcher cannot be read the page still
// renders (without the switcher) and the failure is logged once with the
// request id.
func TestBaseLogsSwitcherFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		cfg, err := config.Load(nil, func(k string) (string, bool) {
			if k == "CLINSAFE_SESSION_KEY" {
				return strings.Repeat("k", 32), true
			}
			return "", false
		})
		if err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		s, err := New(Options{Store: st, Config: cfg, Version: "test", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		p := &store.Principal{User: store.User{ID: store.NewID(), Name: "A person"}, Org: store.Org{ID: store.OrgID(store.NewID()), Name: "Alpha"}, Roles: []auth.Role{auth.Admin}}
		ctx := context.WithValue(context.WithValue(context.Background(), keyPrincipal, p), keyRequestID, "req-switcher-1")
		r := httptest.NewRequest("GET", "/", nil).WithContext(ctx)

		st.Close() // every query fails from here
		b := s.Base(httptest.NewRecorder(), r, "Home")
		if b.P != p || b.Orgs != nil || len(b.Nav) == 0 {
			t.Errorf("base = %+v, want the principal and navigation, no organisations", b)
		}
		got := logs.String()
		if strings.Count(got, "level=ERROR") != 1 || !strings.Contains(got, "request_id=req-switcher-1") || !strings.Contains(got, "switcher") {
			t.Errorf("log = %q, want one error naming the switcher and request id req-switcher-1", got)
		}
	})
}
