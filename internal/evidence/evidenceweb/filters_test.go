package evidenceweb_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
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

// The "No harm recorded" choice of reported harm charts the events with
// no harm recorded, and the chart's title names it. Before, an empty
// value was taken for no filter, so the chart counted every event (5
// here, where 2 have no patient and so no harm) under the title of all
// safety events.
func TestNoHarmRecordedChoiceChartsEventsWithoutHarm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		reportIncidents(t, st, f, "Ward 7", "Ward 7", "Ward 9")
		u := f.Users["A/reporter"]
		st.SetClock(func() time.Time { return storetest.FixedTime.AddDate(0, 0, -14) })
		for range 2 {
			rec := incident("Wrong dose", "Ward 7", "")
			rec.Answers[events.AnsPatientsSaid] = []string{"n"}
			delete(rec.Groups, events.GroupPatients)
			if _, err := eventsdb.New(st).Report(storetest.As(u), f.OrgA.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: u.ID}); err != nil {
				t.Fatalf("Report: %v (%v)", err, apperr.FieldsOf(err))
			}
		}
		st.SetClock(func() time.Time { return storetest.FixedTime })
		cso := f.Client(t, "A/cso")
		q := url.Values{"period": {"month"}, "to": {"2026-11-24"}}
		body := webtest.Get(t, cso, f.Srv.URL+"/evidence/measures/events?"+q.Encode(), 200)
		if !strings.Contains(body, `<option value="reported_harm:">No harm recorded</option>`) {
			t.Fatalf("the page offers no \"No harm recorded\" choice")
		}
		q.Set("filter", "reported_harm:")
		a := getSPC(t, cso, f.Srv.URL+"/api/v1/evidence/measures/events/spc?"+q.Encode())
		if n := len(a.Points); n == 0 || a.Points[n-1].Value != 2 {
			t.Errorf("events with no harm recorded in November: %+v, want 2 (5 is every event)", a.Points[max(0, n-1):])
		}
		body = webtest.Get(t, cso, f.Srv.URL+"/evidence/measures/events?"+q.Encode(), 200)
		if want := "<h2>Safety events reported: Reported harm No harm recorded by month</h2>"; !strings.Contains(body, want) {
			t.Errorf("the chart of no harm recorded is not titled %q", want)
		}
	})
}
