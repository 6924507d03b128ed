package webtest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/app"
	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// OneErrorSummary draws every page of area, with the sample data that
// EveryPage takes, for someone signed in whose last submission had a
// field in error, and reports a test error for each page that shows the
// error summary other than once. The layout draws it above every page:
// a page that draws its own as well shows the problem twice, under two
// headings of the same id.
func OneErrorSummary(t *testing.T, area string, samples func(web.Base) map[string]any) {
	t.Helper()
	srv, err := app.NewServer(web.Options{Config: TestConfig(t), Logger: QuietLog})
	if err != nil {
		t.Fatal(err)
	}
	b := web.Base{Title: "T", Path: "/", P: &store.Principal{User: store.User{ID: "u", Name: "Sam", Email: "sam@example.com"},
		Org: store.Org{ID: "o", Name: "Org", ODSCode: "X1"}, Roles: auth.AllRoles}}
	b.SetErrors(apperr.Field("field", "Enter the field"))
	data := samples(b)
	pages := 0
	for _, name := range srv.PageNames() {
		short, ok := pageOf(area, name)
		if !ok {
			continue
		}
		pages++
		var buf bytes.Buffer
		if err := srv.ExecutePage(&buf, name, data[short]); err != nil {
			t.Errorf("page %s with an error: %v", name, err)
			continue
		}
		if n := strings.Count(buf.String(), `class="nhsuk-error-summary"`); n != 1 {
			t.Errorf("page %s with an error shows the error summary %d times, want once", name, n)
		}
	}
	if pages == 0 {
		t.Errorf("no pages of %q to check", area)
	}
}
