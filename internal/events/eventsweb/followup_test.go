package eventsweb_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// publicRecord is a complete report from the public page.
func publicRecord() events.Record {
	return events.Record{Type: events.Incident, Answers: events.Answers{
		events.AnsDescription: {"My father was given his tablets twice"}, events.AnsWhenKind: {"today"}, events.AnsLocation: {"Ward 3"},
		events.AnsAgents: {events.AgentMedication}, events.AnsPatientsSaid: {"u"}, events.AnsConcern: {"5"}, events.AnsReporterType: {"carer"}, events.AnsDataSharing: {events.DataShare}},
		Groups: map[string][]events.Answers{events.GroupMedicines: {{"name": {"Warfarin"}}}}}
}

// staffRecord is a complete staff report.
func staffRecord() events.Record {
	return events.Record{Type: events.Incident, Answers: events.Answers{
		events.AnsDescription: {"Two doses of warfarin charted"}, events.AnsWhenKind: {"exact"},
		events.AnsDate: {"2026-11-23"}, events.AnsTime: {"08:40"}, events.AnsLocation: {"Ward 7"}, events.AnsServiceArea: {"acute"},
		events.AnsAgents: {events.AgentMedication}, events.AnsPatientsSaid: {"y"}, events.AnsConcern: {"4"}, events.AnsReporterRole: {"nurse"}, events.AnsDataSharing: {events.DataShare},
	}, Groups: map[string][]events.Answers{events.GroupPatients: {{events.PatPhysical: {"4"}, events.PatPsych: {"4"}, events.PatAssociation: {"5"}}},
		events.GroupMedicines: {{"name": {"Warfarin"}}}}}
}

func reportPublic(t *testing.T, f *webtest.Fixture, org store.Org) (eventsdb.Event, string) {
	t.Helper()
	e, code, err := eventsdb.New(f.St).ReportPublic(storetest.Operator, org.ID, publicRecord())
	if err != nil {
		t.Fatal(err)
	}
	return e, code
}

func TestFollowUpConversation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		ts := f.Srv.URL
		e, code := reportPublic(t, f, f.OrgA)
		handler, handlerB := f.Client(t, "A/handler"), f.Client(t, "B/handler")
		webtest.Get(t, f.Client(t, "A/reporter"), ts+"/events/review/"+e.ID+"/conversation", http.StatusForbidden)
		webtest.Get(t, handlerB, ts+"/events/review/"+e.ID+"/conversation", http.StatusNotFound)
		if resp, _ := webtest.Do(t, handlerB, "POST", ts+"/events/review/"+e.ID+"/messages", webtest.Form("body", "x")); resp.StatusCode != http.StatusNotFound {
			t.Errorf("question from organisation B: %d, want 404", resp.StatusCode)
		}
		if resp, body := webtest.Do(t, handler, "POST", ts+"/events/review/"+e.ID+"/messages", webtest.Form("body", " ")); resp.StatusCode != 422 || !strings.Contains(body, "Enter your message") {
			t.Errorf("empty question: %d, want 422 with a message", resp.StatusCode)
		}
		resp, _ := webtest.Do(t, handler, "POST", ts+"/events/review/"+e.ID+"/messages", webtest.Form("body", "Which ward was your father on?"))
		webtest.Location(t, resp, "/events/review/"+e.ID+"/conversation")

		// The reporter, with the code and nothing else.
		anon := f.Client(t, "")
		if body := webtest.Get(t, anon, ts+"/report/RAA/follow-up", 200); !strings.Contains(body, "Alpha Trust") {
			t.Errorf("follow-up page does not name the organisation")
		}
		webtest.Get(t, anon, ts+"/report/RZZ/follow-up", http.StatusNotFound)
		webtest.Get(t, anon, ts+"/report/RAA/follow-up/thread", http.StatusSeeOther)
		var first string
		// The code with its last character changed (to one it is not:
		// a code ending in Q once made this test pass the right code).
		last := "Q"
		if strings.HasSuffix(code, last) {
			last = "R"
		}
		for i, bad := range []string{"", code[:len(code)-1] + last} {
			resp, body := webtest.Do(t, anon, "POST", ts+"/report/RAA/follow-up", webtest.Form("code", bad))
			i0, i1 := strings.Index(body, "<title>"), strings.Index(body, "</title>")
			if i0 < 0 || i1 < i0 {
				t.Fatalf("code %q: status %d, a page without a title: %.300s", bad, resp.StatusCode, body)
			}
			msg := body[i0:i1]
			if resp.StatusCode != 422 || !strings.Contains(body, "That follow-up code is not right") {
				t.Errorf("code %q: %d, want 422 and the one wrong-code message", bad, resp.StatusCode)
			}
			if i == 0 {
				first = msg
			} else if msg != first {
				t.Errorf("code %q answers %q, want the same page as any other wrong code (%q)", bad, msg, first)
			}
		}
		if resp, _ := webtest.Do(t, anon, "POST", ts+"/report/RBB/follow-up", webtest.Form("code", code)); resp.StatusCode != 422 {
			t.Errorf("the code at another organisation: %d, want 422", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, anon, "POST", ts+"/report/RAA/follow-up", webtest.Form("code", strings.ToLower(code)))
		webtest.Location(t, resp, "/report/RAA/follow-up/thread")
		loc := resp.Header.Get("Location")
		var cookie *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "clinsafe_followup" {
				cookie = c
			}
		}
		bare := strings.ReplaceAll(code, "-", "")
		if cookie == nil || !cookie.HttpOnly || cookie.MaxAge <= 0 || cookie.MaxAge > 3600 || strings.Contains(strings.ToUpper(cookie.Value), bare) || strings.Contains(strings.ToUpper(loc), bare) {
			t.Fatalf("follow-up cookie %+v, location %q: want a short-lived HttpOnly key that is not the code", cookie, loc)
		}
		body := webtest.Get(t, anon, ts+"/report/RAA/follow-up/thread", 200)
		if !strings.Contains(body, "Which ward was your father on?") || !strings.Contains(body, "The patient safety team") || strings.Contains(body, "A handler person") {
			t.Errorf("reporter's thread: want the question from the patient safety team and never the handler's name")
		}
		if resp, body := webtest.Do(t, anon, "POST", ts+"/report/RAA/follow-up/thread", webtest.Form("body", strings.Repeat("x", 5001))); resp.StatusCode != 422 || !strings.Contains(body, "5,000 characters") {
			t.Errorf("oversize answer: %d, want 422", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, anon, "POST", ts+"/report/RAA/follow-up/thread", webtest.Form("body", "Ward 3, by the window"))
		webtest.Location(t, resp, "/report/RAA/follow-up/thread")
		// The cookie opens this organisation's follow-up only.
		resp, _ = webtest.Do(t, anon, "GET", ts+"/report/RBB/follow-up/thread", "", "Cookie", "clinsafe_followup="+cookie.Value)
		webtest.Location(t, resp, "/report/RBB/follow-up")

		if resp, body := webtest.Do(t, anon, "POST", ts+"/report/RAA/follow-up/email", webtest.Form("email", "not-an-address")); resp.StatusCode != 422 || !strings.Contains(body, "correct format") {
			t.Errorf("bad email: %d, want 422", resp.StatusCode)
		}
		webtest.Do(t, anon, "POST", ts+"/report/RAA/follow-up/email", webtest.Form("email", "carer@example.com"))
		if got, _ := eventsdb.New(st).ContactEmail(storetest.Operator, f.OrgA.ID, e.ID); got != "carer@example.com" {
			t.Errorf("contact email = %q", got)
		}
		webtest.Do(t, anon, "POST", ts+"/report/RAA/follow-up/email", webtest.Form("email", "carer@example.com", "remove", "1"))
		if got, _ := eventsdb.New(st).ContactEmail(storetest.Operator, f.OrgA.ID, e.ID); got != "" {
			t.Errorf("contact email after removal = %q", got)
		}

		// The handler sees the answer from "The reporter".
		body = webtest.Get(t, handler, ts+"/events/review/"+e.ID+"/conversation", 200)
		if !strings.Contains(body, "Ward 3, by the window") || !strings.Contains(body, "The reporter") || strings.Contains(body, "carer@example.com") {
			t.Errorf("handler's conversation: want the answer from the reporter and no contact address")
		}
		got, _ := eventsdb.New(st).Get(storetest.Operator, f.OrgA.ID, e.ID)
		if got.Status != events.InReview || got.FirstFeedbackAt == nil {
			t.Errorf("event after the answer: %s, first feedback %v; want in review with a first feedback time", got.Status, got.FirstFeedbackAt)
		}

		// The same as JSON.
		if resp, _ := webtest.Do(t, anon, "POST", ts+"/api/v1/public/RAA/follow-up", `{"code":"AAAA"}`); resp.StatusCode != 404 {
			t.Errorf("API wrong code: %d, want 404", resp.StatusCode)
		}
		resp, body = webtest.Do(t, anon, "POST", ts+"/api/v1/public/RAA/follow-up/messages", `{"code":"`+code+`","body":"One more thing"}`)
		var th struct {
			Reference string
			Messages  []eventsdb.Message
		}
		if err := json.Unmarshal([]byte(body), &th); err != nil || resp.StatusCode != 201 || th.Reference != e.Ref || len(th.Messages) != 3 || th.Messages[0].AuthorName != "" {
			t.Errorf("API answer: %d %s; want 201 and the thread of three messages without names", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, handler, "GET", ts+"/api/v1/events/records/"+e.ID+"/messages", "")
		if resp.StatusCode != 200 || !strings.Contains(body, `"reporter": "The reporter"`) || !strings.Contains(body, "One more thing") {
			t.Errorf("API thread for the handler: %d %s", resp.StatusCode, body)
		}
		if resp, _ := webtest.Do(t, handler, "POST", ts+"/api/v1/events/records/"+e.ID+"/messages", `{"body":""}`); resp.StatusCode != 422 {
			t.Errorf("API empty question: %d, want 422", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, handler, "POST", ts+"/api/v1/events/records/"+e.ID+"/messages", `{"body":"Anything else?"}`); resp.StatusCode != 201 {
			t.Errorf("API question: %d, want 201", resp.StatusCode)
		}
		if fs := storetest.Findings(t, st); len(fs) != 0 {
			t.Errorf("audit findings: %v", fs)
		}
	})
}

func TestFollowUpCodeThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		now := storetest.FixedTime
		st.SetClock(func() time.Time { return now })
		f := webtest.NewFixture(t, st)
		ts := f.Srv.URL
		_, code := reportPublic(t, f, f.OrgA)
		anon := f.Client(t, "")
		for i := range 5 {
			if resp, _ := webtest.Do(t, anon, "POST", ts+"/report/RAA/follow-up", webtest.Form("code", "WRONG-CODE")); resp.StatusCode != 422 {
				t.Fatalf("wrong code %d: %d, want 422", i+1, resp.StatusCode)
			}
		}
		// Past five, even the right code waits: a minute, then doubling.
		resp, body := webtest.Do(t, anon, "POST", ts+"/report/RAA/follow-up", webtest.Form("code", code))
		if resp.StatusCode != 429 || !strings.Contains(body, "Wait 1 minute and try again") || resp.Header.Get("Retry-After") != "60" {
			t.Errorf("sixth try: %d, Retry-After %q; want 429 with a wait of 1 minute", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if resp, body := webtest.Do(t, anon, "POST", ts+"/api/v1/public/RAA/follow-up", `{"code":"`+code+`"}`); resp.StatusCode != 429 || !strings.Contains(body, "1 minute") {
			t.Errorf("API while throttled: %d %s, want 429", resp.StatusCode, body)
		}
		now = now.Add(61 * time.Second)
		if resp, _ := webtest.Do(t, anon, "POST", ts+"/report/RAA/follow-up", webtest.Form("code", "WRONG-AGAIN")); resp.StatusCode != 422 {
			t.Errorf("after the wait: %d, want the code checked (422)", resp.StatusCode)
		}
		if resp, body := webtest.Do(t, anon, "POST", ts+"/report/RAA/follow-up", webtest.Form("code", code)); resp.StatusCode != 429 || !strings.Contains(body, "Wait 2 minutes") {
			t.Errorf("after a sixth wrong code: %d, want a wait of 2 minutes", resp.StatusCode)
		}
		now = now.Add(guessHour)
		resp, _ = webtest.Do(t, anon, "POST", ts+"/report/RAA/follow-up", webtest.Form("code", code))
		webtest.Location(t, resp, "/report/RAA/follow-up/thread")
	})
}

const guessHour = time.Hour

func TestFollowUpStaffAndConfidential(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		ts := f.Srv.URL
		op := audit.WithActor(context.Background(), audit.Actor{Name: "fixture", Operator: true})
		lead, err := st.CreateUser(op, store.NewUser{Email: "lead@example.com", Name: "Lead person", Password: webtest.Password, OrgID: f.OrgA.ID, Roles: []auth.Role{auth.Handler, auth.Admin}})
		if err != nil {
			t.Fatal(err)
		}
		f.Users["A/lead"] = lead
		nurse := f.Users["A/reporter"]
		ev := eventsdb.New(st)
		conf, err := ev.Report(storetest.As(nurse), f.OrgA.ID, staffRecord(), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID, Confidential: true})
		if err != nil {
			t.Fatal(err)
		}
		anonymous, _ := reportPublic(t, f, f.OrgA)
		handler, leadC, reporter := f.Client(t, "A/handler"), f.Client(t, "A/lead"), f.Client(t, "A/reporter")

		if body := webtest.Get(t, handler, ts+"/events/review/"+conf.ID+"/conversation", 200); strings.Contains(body, nurse.Name) || !strings.Contains(body, "The reporter") {
			t.Errorf("a handler who is not the lead sees the confidential reporter's name")
		}
		if body := webtest.Get(t, leadC, ts+"/events/review/"+conf.ID+"/conversation", 200); !strings.Contains(body, nurse.Name) {
			t.Errorf("the patient safety lead does not see the confidential reporter's name")
		}
		for _, c := range []*http.Client{handler, leadC} {
			body := webtest.Get(t, c, ts+"/events/review/"+anonymous.ID+"/conversation", 200)
			_, api := webtest.Do(t, c, "GET", ts+"/api/v1/events/records/"+anonymous.ID+"/messages", "")
			for _, u := range f.Users {
				if strings.Contains(body, u.Name) && u.ID != lead.ID && u.Name != "A handler person" || strings.Contains(api, u.Email) {
					t.Errorf("an anonymous report's conversation shows %s", u.Email)
				}
			}
			if !strings.Contains(body, "The reporter") || !strings.Contains(api, `"reporter": "The reporter"`) {
				t.Errorf("an anonymous report's reporter is not shown as The reporter")
			}
		}

		webtest.Do(t, handler, "POST", ts+"/events/review/"+conf.ID+"/messages", webtest.Form("body", "What time was the second dose?"))
		if body := webtest.Get(t, reporter, ts+"/", 200); !strings.Contains(body, "1 update on your reports") {
			t.Errorf("home page does not tell the reporter of the update")
		}
		webtest.Get(t, f.Client(t, "A/cso"), ts+"/events/mine/"+conf.ID+"/messages", http.StatusNotFound)
		webtest.Get(t, f.Client(t, "B/reporter"), ts+"/events/mine/"+conf.ID+"/messages", http.StatusNotFound)
		body := webtest.Get(t, reporter, ts+"/events/mine/"+conf.ID+"/messages", 200)
		if !strings.Contains(body, "What time was the second dose?") || strings.Contains(body, "A handler person") {
			t.Errorf("reporter's messages: want the question without the handler's name")
		}
		if body := webtest.Get(t, reporter, ts+"/", 200); strings.Contains(body, "update on your reports") {
			t.Errorf("home page still tells of an update once read")
		}
		if resp, _ := webtest.Do(t, f.Client(t, "A/cso"), "POST", ts+"/events/mine/"+conf.ID+"/messages", webtest.Form("body", "Not mine")); resp.StatusCode != 404 {
			t.Errorf("answer to another's report: %d, want 404", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, reporter, "POST", ts+"/events/mine/"+conf.ID+"/messages", webtest.Form("body", "")); resp.StatusCode != 422 {
			t.Errorf("empty answer: %d, want 422", resp.StatusCode)
		}
		resp, _ := webtest.Do(t, reporter, "POST", ts+"/events/mine/"+conf.ID+"/messages", webtest.Form("body", "About ten o'clock"))
		webtest.Location(t, resp, "/events/mine/"+conf.ID+"/messages")
		if body := webtest.Get(t, handler, ts+"/events/review/"+conf.ID+"/conversation", 200); !strings.Contains(body, "About ten o&#39;clock") || strings.Contains(body, nurse.Name) {
			t.Errorf("handler's conversation: want the answer, still without the name")
		}
	})
}

// TestFollowUpSignedInStaffStayAnonymous: a member of staff who reported
// anonymously and answers with the code while signed in is named nowhere:
// not in the status history, not in the audit trail.
func TestFollowUpSignedInStaffStayAnonymous(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		ts := f.Srv.URL
		e, code := reportPublic(t, f, f.OrgA)
		ev := eventsdb.New(st)
		if _, err := ev.Ask(storetest.As(f.Users["A/handler"]), f.OrgA.ID, e.ID, "Which ward?"); err != nil {
			t.Fatal(err)
		}
		staff, nurse := f.Client(t, "A/reporter"), f.Users["A/reporter"]
		resp, _ := webtest.Do(t, staff, "POST", ts+"/report/RAA/follow-up", webtest.Form("code", code))
		webtest.Location(t, resp, "/report/RAA/follow-up/thread")
		resp, _ = webtest.Do(t, staff, "POST", ts+"/report/RAA/follow-up/thread", webtest.Form("body", "Ward 3"))
		webtest.Location(t, resp, "/report/RAA/follow-up/thread")
		webtest.Do(t, staff, "POST", ts+"/report/RAA/follow-up/email", webtest.Form("email", "someone@example.com"))
		h, _ := ev.History(storetest.Operator, f.OrgA.ID, e.ID)
		if len(h) != 3 || h[2].Status != events.InReview {
			t.Fatalf("history = %+v, want the answer to move the event to in review", h)
		}
		for _, c := range h {
			if c.ActorID == nurse.ID {
				t.Errorf("status history names the anonymous reporter on %s", c.Status)
			}
		}
		var n int
		if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity_id = $1 AND (actor_id = $2 OR actor_name = $3)`, e.ID, nurse.ID, nurse.Name).Scan(&n); err != nil || n != 0 {
			t.Errorf("audit entries of the event naming the reporter: %d, %v; want none", n, err)
		}
	})
}
