package evidenceweb_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// attachForm finds the attach form of each change on a measure page: the
// change's id and the statement the form carries (as shown on the page).
var attachForm = regexp.MustCompile(`<form action="/evidence/changes/([^"/]+)/attach" method="post">\s*<input type="hidden" name="query" value="[^"]*">\s*<input type="hidden" name="statement" value="([^"]*)">`)

// The statement attached to a safety case is exactly the one the CSO was
// shown next to the Attach button, over the chart's span and with its
// options, for the page as it opens and for a chart of chosen dates and
// options; when the data has changed since the page was drawn, attaching
// is refused (409) rather than attaching other words. Before, attaching
// recomputed the statement over the year before the change with the
// measure's default options: a different baseline and different means
// ("the 52 weeks before it" where the page said 17).
func TestAttachedStatementIsTheOneShown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		sysID := system(t, st, f.OrgA, f.Users["A/cso"])
		seed(t, st, f.OrgA, f.Users["A/reporter"], sysID, "Dose shown twice", 6, 1)
		cso := f.Client(t, "A/cso")
		markChange(t, cso, f.Srv.URL, storetest.FixedTime.AddDate(0, 0, -70), sysID)
		page := f.Srv.URL + "/evidence/measures/it_incidents"
		attached := func(id string) string {
			t.Helper()
			var s string
			if err := st.SQL().QueryRow(`SELECT statement FROM evidence_changes WHERE id = $1`, id).Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		for _, c := range []struct {
			what, query string
		}{
			{"the page as it opens", ""},
			{"chosen dates and options", url.Values{"from": {"2026-04-06"}, "shift": {"6"}, "screen": {"off"}}.Encode()},
		} {
			u := page
			if c.query != "" {
				u += "?" + c.query
			}
			body := webtest.Get(t, cso, u, 200)
			m := attachForm.FindStringSubmatchIndex(body)
			if m == nil {
				t.Fatalf("%s: no attach form", c.what)
			}
			id, shown := body[m[2]:m[3]], html.UnescapeString(body[m[4]:m[5]])
			// The statement shown is the last one before the form.
			text := body[strings.LastIndex(body[:m[0]], `<p class="app-statement">`)+len(`<p class="app-statement">`):]
			if text = html.UnescapeString(text[:strings.Index(text, "</p>")]); !strings.HasPrefix(shown, text) {
				t.Fatalf("%s: the form carries %q, not the statement shown, %q", c.what, shown, text)
			}
			// Words other than those the page now shows are refused.
			other := webtest.FormAsShown(t, cso, u, "/evidence/changes/"+id+"/attach", "statement", "After the change, nothing happened.")
			if resp, got := webtest.Do(t, cso, "POST", f.Srv.URL+"/evidence/changes/"+id+"/attach", other); resp.StatusCode != http.StatusConflict ||
				!strings.Contains(got, "The statement has changed since the page was shown") || attached(id) != "" {
				t.Errorf("%s: attach a statement other than the one shown: %d, want 409 with a message and nothing attached", c.what, resp.StatusCode)
			}
			form := webtest.FormAsShown(t, cso, u, "/evidence/changes/"+id+"/attach")
			if resp, _ := webtest.Do(t, cso, "POST", f.Srv.URL+"/evidence/changes/"+id+"/attach", form); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s: attach: %d", c.what, resp.StatusCode)
			}
			if got := attached(id); got != shown {
				t.Errorf("%s: statement shown on the page:\n  %s\nstatement attached to the safety case:\n  %s", c.what, shown, got)
			}
			// The next case attaches a second change of the same day.
			markChange(t, cso, f.Srv.URL, storetest.FixedTime.AddDate(0, 0, -70), sysID)
		}
	})
}
