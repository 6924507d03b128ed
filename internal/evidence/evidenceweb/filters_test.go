package evidenceweb_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/evidence/evidenceweb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// Filters that nothing holds, and filters that are not right, on the
// measure page and its API, on both engines: three filters that no event
// holds, or a location no event has, say so instead of drawing a chart of
// zeros (which reads as a steady process, "within limits of 0 to 0"); a
// bad filter's message links to the filter select, once; an infinite
// target is refused like any other that is not a number.
func TestFiltersNothingHoldsAndBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		reportIncidents(t, st, f, "Ward 7", "Ward 9")
		cso := f.Client(t, "A/cso")
		page := f.Srv.URL + "/evidence/measures/events"
		api := f.Srv.URL + "/api/v1/evidence/measures/events/spc"
		query := func(filters ...string) string {
			return url.Values{"period": {"month"}, "to": {"2026-11-30"}, "filter": filters}.Encode()
		}

		// A Risk at Ward 7 with severe reported harm: there is none.
		for _, q := range []string{query("type:3", "location:Ward 7", "reported_harm:2"), query("location:Nowhere")} {
			body := webtest.Get(t, cso, page+"?"+q, 200)
			if !strings.Contains(body, evidenceweb.NoMatch) || strings.Contains(body, `class="app-spc"`) || strings.Contains(body, "app-reading") {
				t.Errorf("GET ?%s: want %q and no chart", q, evidenceweb.NoMatch)
			}
			if resp, got := webtest.Do(t, cso, "GET", api+"?"+q, ""); resp.StatusCode != 200 || !strings.Contains(got, evidenceweb.NoMatch) || strings.Contains(got, `"mean"`) {
				t.Errorf("API ?%s: %d %.300s, want cannot_draw %q and no limits", q, resp.StatusCode, got, evidenceweb.NoMatch)
			}
		}
		// What the filters hold is still charted.
		if body := webtest.Get(t, cso, page+"?"+query("type:1", "location:Ward 7"), 200); strings.Contains(body, evidenceweb.NoMatch) {
			t.Errorf("incidents at Ward 7 (one in November) say nothing holds")
		}

		// A bad filter: the error summary's link leads to the filter select.
		for _, q := range []string{query("colour:red"), query("type:99"), query("type:1", "location:Ward 7", "nonsense")} {
			resp, body := webtest.Do(t, cso, "GET", page+"?"+q, "")
			if resp.StatusCode != 422 || strings.Count(body, `class="nhsuk-error-summary"`) != 1 || !strings.Contains(body, `<a href="#filter">`) ||
				!strings.Contains(body, `id="filter" name="filter" aria-describedby="filter-error"`) {
				t.Errorf("GET ?%s: %d, want 422 with one error summary linking to #filter, the select described by its error", q, resp.StatusCode)
			}
		}
		for _, target := range []string{"Inf", "-Inf", "+Inf", "NaN", "1e999"} {
			q := url.Values{"target": {target}}.Encode()
			for _, u := range []string{page + "?" + q, api + "?" + q} {
				if resp, got := webtest.Do(t, cso, "GET", u, ""); resp.StatusCode != 422 || !strings.Contains(got, "Enter the target as a number") {
					t.Errorf("GET %s: %d, want 422 with the target's message", u, resp.StatusCode)
				}
			}
		}
	})
}
