package eventsweb_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// reportAs submits a complete low-harm incident in org as the user key.
func reportAs(t *testing.T, f *webtest.Fixture, key string, org store.Org) eventsdb.Event {
	t.Helper()
	u := f.Users[key]
	rec := events.Record{Type: events.Incident, Answers: events.Answers{
		events.AnsDescription: {"A time-critical medicine was given two hours late"}, events.AnsWhenKind: {"today"},
		events.AnsLocation: {"Ward 7"}, events.AnsServiceArea: {"acute"}, events.AnsAgents: {events.AgentMedication},
		events.AnsPatientsSaid: {"y"}, events.AnsConcern: {"4"}, events.AnsDataSharing: {events.DataShare}},
		Groups: map[string][]events.Answers{events.GroupMedicines: {{"name": {"Co-careldopa"}}},
			events.GroupPatients: {{events.PatPhysical: {"3"}, events.PatPsych: {"4"}, events.PatAssociation: {"5"}}}}}
	e, err := eventsdb.New(f.St).Report(storetest.As(u), org.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestLearningResponseFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		f := webtest.NewFixture(t, st)
		e := reportAs(t, f, "A/reporter", f.OrgA)
		eb := reportAs(t, f, "B/reporter", f.OrgB)
		h := f.Client(t, "A/handler")

		// The new page shows what the plan expects (moderate harm: AAR).
		page := webtest.Get(t, h, f.Srv.URL+"/events/learning/new?event="+e.ID, 200)
		if !strings.Contains(page, "After action review") || !strings.Contains(page, e.Ref) {
			t.Errorf("new response page lacks the expected AAR or the event reference")
		}
		// Bad input: per-field messages, nothing opened.
		resp, body := webtest.Do(t, h, "POST", f.Srv.URL+"/events/learning", webtest.Form("type", "audit", "events", "PSE-1999-000001", "due_on-day", "31", "due_on-month", "2", "due_on-year", "2027"))
		if resp.StatusCode != 422 || !strings.Contains(body, "No event PSE-1999-000001") || !strings.Contains(body, "real date") {
			i := strings.Index(body, "<main")
			t.Errorf("bad new response: status %d; want 422 naming the reference and the date: %.1500s", resp.StatusCode, body[max(i, 0):])
		}
		// References are per organisation: B's event is only reachable by
		// its id, which A cannot use.
		resp, body = webtest.Do(t, h, "POST", f.Srv.URL+"/api/v1/events/learning", fmt.Sprintf(`{"title":"x","type":"aar","events":[%q]}`, eb.ID))
		if resp.StatusCode != 422 || !strings.Contains(body, "events") {
			t.Errorf("a response on another organisation's event: %d %s, want 422", resp.StatusCode, body)
		}
		resp, _ = webtest.Do(t, h, "POST", f.Srv.URL+"/events/learning", webtest.Form("type", "aar", "title", "Late medicine", "events", strings.ToLower(e.Ref), "lead_id", f.Users["A/handler"].ID))
		id := webtest.Location(t, resp, "/events/learning/")
		loc := "/events/learning/" + id

		// Completing too early names each of the four questions.
		resp, body = webtest.Do(t, h, "POST", f.Srv.URL+loc, webtest.Form("version", "1", "title", "Late medicine", "status", "completed"))
		if resp.StatusCode != 422 || !strings.Contains(body, "what was supposed to happen") || !strings.Contains(body, "summary of the learning") {
			t.Errorf("early completion: status %d, want 422 naming the questions", resp.StatusCode)
		}
		// An action with an owner from this organisation, due yesterday.
		owner := f.Users["A/reporter"]
		resp, _ = webtest.Do(t, h, "POST", f.Srv.URL+loc+"/actions", webtest.Form("description", "Mark time-critical medicines", "owner_id", owner.ID,
			"due_on-day", "23", "due_on-month", "11", "due_on-year", "2026", "measure", "Audit shows none late"))
		webtest.Location(t, resp, loc)
		resp, body = webtest.Do(t, h, "POST", f.Srv.URL+loc+"/actions", webtest.Form("description", "x", "owner_id", f.Users["B/reporter"].ID, "measure", "m",
			"due_on-day", "23", "due_on-month", "12", "due_on-year", "2026"))
		if resp.StatusCode != 422 || !strings.Contains(body, "Select an owner from this organisation") {
			t.Errorf("owner from another organisation: status %d", resp.StatusCode)
		}
		// The owner sees the overdue action on their home page.
		home := webtest.Get(t, f.Client(t, "A/reporter"), f.Srv.URL+"/", 200)
		if !strings.Contains(home, "learning action of yours is overdue") || !strings.Contains(home, "Mark time-critical medicines") {
			t.Error("the owner's home page does not show the overdue action")
		}
		// Complete the review.
		resp, _ = webtest.Do(t, h, "POST", f.Srv.URL+loc, webtest.Form("version", "1", "title", "Late medicine", "status", "completed",
			"aar.expected", "Given on time", "aar.actual", "Two hours late", "aar.difference", "Not marked time-critical", "aar.learning", "Mark them",
			"findings", "The chart did not mark the medicine", "summary", "Time-critical medicines are now marked"))
		webtest.Location(t, resp, loc)
		resp, body = webtest.Do(t, h, "POST", f.Srv.URL+loc, webtest.Form("version", "1", "title", "Again", "status", "planned"))
		if resp.StatusCode != 409 || !strings.Contains(body, "changed by someone else") {
			t.Errorf("stale save: status %d, want 409", resp.StatusCode)
		}
		// JSON: the response with its action; mark the action done.
		resp, body = webtest.Do(t, h, "GET", f.Srv.URL+"/api/v1/events/learning/"+id, "")
		var got eventsdb.LearningResponse
		if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != 200 || got.Status != "completed" || len(got.Actions) != 1 {
			t.Fatalf("GET response: %d %s", resp.StatusCode, body)
		}
		a := got.Actions[0]
		resp, body = webtest.Do(t, h, "PATCH", f.Srv.URL+"/api/v1/events/learning/"+id+"/actions/"+a.ID,
			fmt.Sprintf(`{"description":%q,"owner_id":%q,"due_on":%q,"measure":%q,"status":"done","evidence":"Chart change record","version":%d}`, a.Description, a.OwnerID, a.DueOn, a.Measure, a.Version))
		if resp.StatusCode != 200 || !strings.Contains(body, `"status": "done"`) {
			t.Errorf("PATCH action done: %d %s", resp.StatusCode, body)
		}
		if home := webtest.Get(t, f.Client(t, "A/reporter"), f.Srv.URL+"/", 200); strings.Contains(home, "learning action of yours is overdue") {
			t.Error("a done action is still overdue on the owner's home page")
		}
		// Another organisation's handler gets 404, and reporters 403.
		bh := f.Client(t, "B/handler")
		if resp, _ := webtest.Do(t, bh, "GET", f.Srv.URL+loc, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("B's handler reading A's response: %d, want 404", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, f.Client(t, "A/reporter"), "GET", f.Srv.URL+"/events/learning", ""); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a reporter reading learning responses: %d, want 403", resp.StatusCode)
		}
		// The plan: save a rule, see it expected for the event.
		resp, _ = webtest.Do(t, h, "POST", f.Srv.URL+"/events/learning/plan", webtest.Form("rules.0.name", "All incidents", "rules.0.record_type", "1", "rules.0.response", "swarm",
			"rules.1.name", "", "rules.1.response", ""))
		webtest.Location(t, resp, "/events/learning/plan")
		if page := webtest.Get(t, h, f.Srv.URL+"/events/learning/new?event="+e.ID, 200); !strings.Contains(page, "expects: <strong>SWARM huddle") {
			t.Error("the saved plan is not what the new response page expects")
		}
		resp, body = webtest.Do(t, h, "POST", f.Srv.URL+"/events/learning/plan", webtest.Form("rules.0.name", "x", "rules.0.response", "audit"))
		if resp.StatusCode != 422 || !strings.Contains(body, "Rule 1: select the expected response") {
			t.Errorf("bad plan: status %d", resp.StatusCode)
		}
	})
}
