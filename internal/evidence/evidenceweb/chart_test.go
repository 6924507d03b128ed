package evidenceweb_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// spcOf is the part of the SPC answer of the API these tests read.
type spcOf struct {
	Points []struct {
		Start time.Time `json:"start"`
		Label string    `json:"label"`
		Value float64   `json:"value"`
	} `json:"points"`
	Mean       []float64 `json:"mean"`
	Reading    string    `json:"reading"`
	CannotDraw string    `json:"cannot_draw"`
}

// getSPC reads the SPC answer at u, which must be 200.
func getSPC(t *testing.T, c *http.Client, u string) spcOf {
	t.Helper()
	resp, body := webtest.Do(t, c, "GET", u, "")
	var a spcOf
	if err := json.Unmarshal([]byte(body), &a); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v %.300s", u, resp.StatusCode, err, body)
	}
	return a
}

// markChange marks the change "ePMA go-live" on day on, on the IT
// incidents chart, naming system sysID.
func markChange(t *testing.T, c *http.Client, base string, on time.Time, sysID string) {
	t.Helper()
	resp, _ := webtest.Do(t, c, "POST", base+"/evidence/measures/it_incidents/changes", webtest.Form("title", "ePMA go-live", "changed_on-day", on.Format("2"),
		"changed_on-month", on.Format("1"), "changed_on-year", on.Format("2006"), "system_id", sysID))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("mark change on %s: %d", on.Format(time.DateOnly), resp.StatusCode)
	}
}

// A change marked in the latest period of a chart (the go-live was last
// week) leaves the chart drawn, without a new baseline there, and the
// reading says why. Before, the chart was rebased at it, leaving a part
// of one point that spc refuses, so the whole chart was lost with a false
// message: "This chart needs at least 2 points; there are 27".
func TestChangeInLastPeriodDrawsChartWithoutRebase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		sysID := system(t, st, f.OrgA, f.Users["A/cso"])
		seed(t, st, f.OrgA, f.Users["A/reporter"], sysID, "Dose shown twice", 6, 6)
		cso := f.Client(t, "A/cso")
		api := f.Srv.URL + "/api/v1/evidence/measures/it_incidents/spc"
		// Thursday 19 November 2026: in the week of 16 November, the last
		// complete week and so the chart's last point.
		markChange(t, cso, f.Srv.URL, storetest.FixedTime.AddDate(0, 0, -5), sysID)
		a := getSPC(t, cso, api)
		if a.CannotDraw != "" || len(a.Points) < 2 || len(a.Mean) != len(a.Points) {
			t.Errorf("after a change in the last week: %d points, %d means, cannot draw %q; want the chart drawn", len(a.Points), len(a.Mean), a.CannotDraw)
		}
		const why = `The chart is not rebased at "ePMA go-live" on 19 November 2026: each part of a rebased chart needs at least 2 weeks.`
		if !strings.Contains(a.Reading, why) || strings.Contains(a.Reading, "The chart is rebased") {
			t.Errorf("reading %q, want it to say %q", a.Reading, why)
		}
		for _, u := range []string{f.Srv.URL + "/evidence/measures/it_incidents", f.Srv.URL + "/evidence"} {
			if body := webtest.Get(t, cso, u, 200); !strings.Contains(body, `class="app-spc"`) || !strings.Contains(body, "is not rebased at") {
				t.Errorf("%s after a change in the last week has no chart, or does not say why it is not rebased", u)
			}
		}
	})
}

// An end after today is taken as today, and the chart says so: the weeks
// that have not happened are not charted. Before, they were drawn as
// weeks of zero events and entered the mean and limits (here 10 weeks of
// 0, read as special cause).
func TestFutureEndIsTakenAsToday(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		sysID := system(t, st, f.OrgA, f.Users["A/cso"])
		seed(t, st, f.OrgA, f.Users["A/reporter"], sysID, "Dose shown twice", 6, 6)
		cso := f.Client(t, "A/cso")
		today := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
		q := url.Values{"to": {today.AddDate(0, 0, 70).Format(time.DateOnly)}}.Encode()
		a := getSPC(t, cso, f.Srv.URL+"/api/v1/evidence/measures/it_incidents/spc?"+q)
		if n := len(a.Points); n == 0 || a.Points[n-1].Start.After(today) || n != len(a.Mean) {
			t.Errorf("end 10 weeks ahead: %d points, %d means, last %+v; want the chart to end in the week of today", n, len(a.Mean), a.Points[max(0, n-1):])
		}
		if !strings.Contains(a.Reading, "The end chosen, 2027-02-02, is after today, so the chart ends today.") {
			t.Errorf("reading %q does not say the end was taken as today", a.Reading)
		}
		if body := webtest.Get(t, cso, f.Srv.URL+"/evidence/measures/it_incidents?"+q, 200); !strings.Contains(body, `value="2026-11-24"`) {
			t.Errorf("the page's end field does not show today, the end the chart has")
		}
		// A start after today is refused as such, not as a start after
		// the end (the end having been taken as today).
		q = url.Values{"from": {"2027-01-04"}, "to": {"2027-02-01"}}.Encode()
		resp, body := webtest.Do(t, cso, "GET", f.Srv.URL+"/api/v1/evidence/measures/it_incidents/spc?"+q, "")
		if resp.StatusCode != 422 || !strings.Contains(body, "The start must be today or earlier") {
			t.Errorf("a start after today: %d %.300s; want 422 saying the start must be today or earlier", resp.StatusCode, body)
		}
	})
}
