package evidenceweb_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// reportIncidents has A's reporter report an incident with severe
// reported harm (2) at each of locs, on 10 November 2026.
func reportIncidents(t *testing.T, st *store.DB, f *webtest.Fixture, locs ...string) {
	t.Helper()
	u := f.Users["A/reporter"]
	st.SetClock(func() time.Time { return storetest.FixedTime.AddDate(0, 0, -14) })
	defer st.SetClock(func() time.Time { return storetest.FixedTime })
	for _, loc := range locs {
		if _, err := eventsdb.New(st).Report(storetest.As(u), f.OrgA.ID, incident("Wrong dose", loc, ""), eventsdb.Submission{Audience: events.Staff, ReporterID: u.ID}); err != nil {
			t.Fatalf("Report: %v (%v)", err, apperr.FieldsOf(err))
		}
	}
}

// Combined filters on the measure page and the API, on both engines:
// record type and location and reported harm count only the events that
// hold them all, the page says how it counts and offers no change to
// mark, and bad filters get a 422 with a message.
func TestCombinedFiltersPageAndAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		// Three at Ward 7 and two at Ward 9.
		reportIncidents(t, st, f, "Ward 7", "Ward 7", "Ward 9", "Ward 7", "Ward 9")
		cso := f.Client(t, "A/cso")
		base := f.Srv.URL
		query := func(filters ...string) string {
			v := url.Values{"period": {"month"}, "to": {"2026-11-30"}, "filter": filters}
			return v.Encode()
		}
		november := func(filters ...string) float64 {
			t.Helper()
			resp, got := webtest.Do(t, cso, "GET", base+"/api/v1/evidence/measures/events/series?"+query(filters...), "")
			var a struct {
				Filters []struct{ Dim, Value string } `json:"filters"`
				Points  []struct {
					Label string  `json:"label"`
					Value float64 `json:"value"`
				} `json:"points"`
			}
			if err := json.Unmarshal([]byte(got), &a); err != nil || resp.StatusCode != 200 || len(a.Points) == 0 {
				t.Fatalf("series %v: %d %v %.300s", filters, resp.StatusCode, err, got)
			}
			if len(filters) > 1 && len(a.Filters) != len(filters) {
				t.Errorf("series %v: the answer names filters %v", filters, a.Filters)
			}
			last := a.Points[len(a.Points)-1]
			if last.Label != "November 2026" {
				t.Fatalf("series %v ends with %s", filters, last.Label)
			}
			return last.Value
		}
		for _, c := range []struct {
			filters []string
			want    float64
		}{
			{nil, 5},
			{[]string{"location:Ward 7"}, 3},
			{[]string{"type:1", "location:Ward 7", "reported_harm:2"}, 3},
			{[]string{"type:1", "location:Ward 9", "reported_harm:2"}, 2},
			{[]string{"type:1", "location:Ward 7", "reported_harm:3"}, 0},
			{[]string{"location:Ward 7", "location:Ward 9", "type:1"}, 5},
			{[]string{"type:3", "location:Ward 7"}, 0},
			// Incidents at Ward 7 with harm moderate or worse (severe is).
			{[]string{"type:1", "location:Ward 7", "reported_harm:3+"}, 3},
			{[]string{"reported_harm:2+"}, 5},
		} {
			if got := november(c.filters...); got != c.want {
				t.Errorf("events in November with %v: %v, want %v", c.filters, got, c.want)
			}
		}
		page := base + "/evidence/measures/events"
		body := webtest.Get(t, cso, page+"?"+query("type:1", "location:Ward 7", "reported_harm:2"), 200)
		for _, want := range []string{"Record type Patient safety incident and Location Ward 7 and Reported harm Severe physical harm by month", "app-counting",
			"each safety event&#39;s own counts", "200,000 events", `value="location:Ward 7" selected`} {
			if !strings.Contains(body, want) {
				t.Errorf("combined chart page lacks %q", want)
			}
		}
		if body := webtest.Get(t, cso, page+"?"+query("reported_harm:3+"), 200); !strings.Contains(body, "Reported harm Moderate physical harm or worse by month") ||
			!strings.Contains(body, `value="reported_harm:3&#43;" selected`) && !strings.Contains(body, `value="reported_harm:3+" selected`) {
			t.Errorf("harm moderate or worse: title or choice missing")
		}
		if strings.Contains(body, "Mark a digital change") {
			t.Errorf("a chart of combined filters offers to mark a change")
		}
		resp, got := webtest.Do(t, cso, "POST", page+"/changes", webtest.Form("title", "ePMA", "changed_on-day", "1", "changed_on-month", "10", "changed_on-year", "2026",
			"query", query("type:1", "location:Ward 7")))
		if resp.StatusCode != 422 || !strings.Contains(got, "one filter at most") {
			t.Errorf("marking a change on combined filters: %d", resp.StatusCode)
		}
		for q, want := range map[string]string{
			query("type:99", "location:Ward 7"):                                    "Select a record type from the list",
			query("type:1", "location:Ward 7", "reported_harm:2", "status:closed"): "Choose at most 3 filters",
			query("type:1", "nonsense"):                                            "Select a filter from the list",
			query("type:1", "colour:red"):                                          "cannot be narrowed",
			query("type:1", "reported_harm:moderate"):                              "Select a reported harm from the list",
		} {
			for _, u := range []string{page + "?" + q, base + "/api/v1/evidence/measures/events/spc?" + q} {
				if resp, got := webtest.Do(t, cso, "GET", u, ""); resp.StatusCode != 422 || !strings.Contains(got, want) {
					t.Errorf("GET %s: %d, want 422 with %q", u, resp.StatusCode, want)
				}
			}
		}
	})
}
