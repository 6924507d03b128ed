package evidenceweb_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/evidence/evidenceweb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/training/trainingtest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// Training coverage on the evidence pages: "no training assigned yet"
// before anything is assigned, then the monthly shares with their
// numerators and denominators, narrowed by role, and a clear 422 for a
// role or course that is not one, on both engines.
func TestTrainingCoveragePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		base := f.Srv.URL
		page := base + "/evidence/measures/training_coverage"
		for _, u := range []string{base + "/evidence", page, page + "?period=month"} {
			if body := webtest.Get(t, cso, u, 200); !strings.Contains(body, evidenceweb.NoTrainingAssigned) || strings.Contains(body, "Training coverage comes with") {
				t.Errorf("%s before any training is assigned lacks %q", u, evidenceweb.NoTrainingAssigned)
			}
		}
		// On 1 September the course is assigned to the Reporter and CSO
		// roles (one person each), due 30 September; the CSO completes it
		// on 20 September, the reporter late, on 15 October.
		tr := trainingdb.New(st)
		defer st.SetClock(func() time.Time { return storetest.FixedTime })
		trainingtest.At(st, "2026-09-01")
		edu := storetest.As(f.Users["A/educator"])
		c, err := tr.CreateCourse(edu, f.OrgA.ID, trainingtest.Course("Safety basics", 12), "")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []auth.Role{auth.Reporter, auth.CSO} {
			if _, err := tr.Assign(edu, f.OrgA.ID, trainingdb.NewAssignment{CourseID: c.ID, Role: r, DueOn: "2026-09-30"}); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range []struct{ day, who string }{{"2026-09-20", "A/cso"}, {"2026-10-15", "A/reporter"}} {
			trainingtest.At(st, d.day)
			trainingtest.Pass(t, tr, f.OrgA.ID, f.Users[d.who], c.ID)
		}
		st.SetClock(func() time.Time { return storetest.FixedTime })
		// Up to October (the last complete month on 24 November): 30
		// September 1 of 2 in date = 50%; 31 October 2 of 2 = 100%.
		body := webtest.Get(t, cso, page+"?period=month", 200)
		for _, want := range []string{"50 (1 of 2)", "100 (2 of 2)", "<svg", "app-reading", "last day of each period"} {
			if !strings.Contains(body, want) {
				t.Errorf("monthly training coverage lacks %q", want)
			}
		}
		if body := webtest.Get(t, cso, page+"?period=month&filter=role:cso", 200); !strings.Contains(body, "100 (1 of 1)") || strings.Contains(body, "(1 of 2)") {
			t.Errorf("coverage of CSOs: want 100%% (1 of 1) each month")
		}
		if body := webtest.Get(t, cso, page+"?period=month&filter=course:"+c.ID, 200); !strings.Contains(body, "50 (1 of 2)") || !strings.Contains(body, "Safety basics") {
			t.Errorf("coverage of the course: want its title among the choices and 50%% in September")
		}
		resp, got := webtest.Do(t, cso, "GET", base+"/api/v1/evidence/measures/training_coverage/spc?period=month", "")
		var a struct {
			Points []struct {
				Value float64 `json:"value"`
				Num   float64 `json:"numerator"`
				Den   float64 `json:"denominator"`
			} `json:"points"`
			Mean []float64 `json:"mean"`
		}
		if err := json.Unmarshal([]byte(got), &a); err != nil || resp.StatusCode != 200 || len(a.Points) != 2 || a.Points[0].Value != 50 || a.Points[1].Den != 2 || len(a.Mean) != 2 {
			t.Errorf("API: %d %v %s", resp.StatusCode, err, got[:min(len(got), 400)])
		}
		for q, want := range map[string]string{"?filter=role:wizard": "Select a staff role from the list", "?dim=course&value=nope": "Select a course from the list",
			"?filter=type:1": "cannot be narrowed"} {
			if resp, got := webtest.Do(t, cso, "GET", page+q, ""); resp.StatusCode != 422 || !strings.Contains(got, want) {
				t.Errorf("GET %s: %d, want 422 with %q", q, resp.StatusCode, want)
			}
		}
		// Organisation B assigned nothing.
		if body := webtest.Get(t, f.Client(t, "B/cso"), page, 200); !strings.Contains(body, evidenceweb.NoTrainingAssigned) {
			t.Errorf("B's training coverage lacks %q", evidenceweb.NoTrainingAssigned)
		}
	})
}
