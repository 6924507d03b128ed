package eventsweb_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// setStatus posts a status change on the handler's event page and wants
// the redirect back to it.
func setStatus(t *testing.T, f *webtest.Fixture, c *http.Client, id string, kv ...string) {
	t.Helper()
	e, err := eventsdb.New(f.St).Get(storetest.Operator, f.OrgA.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	resp, body := webtest.Do(t, c, "POST", f.Srv.URL+"/events/review/"+id+"/status", webtest.Form(append([]string{"version", strconv.Itoa(e.Version)}, kv...)...))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status change %v: %d\n%s", kv, resp.StatusCode, body)
	}
}

// TestReviewTellsTheReporter: each status change of the review part tells
// the reporter, staff or public, in the same transaction, with the
// learning summary on closure; the first one records the first feedback.
func TestReviewTellsTheReporter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		ts := f.Srv.URL
		ev := eventsdb.New(st)
		nurse := f.Users["A/reporter"]
		staff, err := ev.Report(storetest.As(nurse), f.OrgA.ID, staffRecord(), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
		if err != nil {
			t.Fatal(err)
		}
		public, code := reportPublic(t, f, f.OrgA)
		handler, reporter := f.Client(t, "A/handler"), f.Client(t, "A/reporter")
		const learned = "Warfarin is now charted once, on the anticoagulant chart only."

		for _, e := range []eventsdb.Event{staff, public} {
			if e.FirstFeedbackAt != nil {
				t.Fatalf("%s has feedback before any review", e.Ref)
			}
			setStatus(t, f, handler, e.ID, "status", string(events.InReview))
			got, _ := ev.Get(storetest.Operator, f.OrgA.ID, e.ID)
			if got.FirstFeedbackAt == nil {
				t.Fatalf("%s: first_feedback_at not set when taken into review", e.Ref)
			}
			first := *got.FirstFeedbackAt
			setStatus(t, f, handler, e.ID, "status", string(events.AwaitingInfo), "reason", "Which ward?")
			setStatus(t, f, handler, e.ID, "status", string(events.InReview))
			setStatus(t, f, handler, e.ID, "status", string(events.Closed), "learning_summary", learned)
			got, _ = ev.Get(storetest.Operator, f.OrgA.ID, e.ID)
			if got.FirstFeedbackAt == nil || !got.FirstFeedbackAt.Equal(first) {
				t.Errorf("%s: first_feedback_at moved from %v to %v", e.Ref, first, got.FirstFeedbackAt)
			}
			ms, err := ev.Thread(storetest.Operator, f.OrgA.ID, e.ID, eventsdb.ReporterView)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 4 {
				t.Errorf("%s: %d messages to the reporter, want 4 (in review, awaiting information, in review, closed)", e.Ref, len(ms))
			}
		}

		if body := webtest.Get(t, reporter, ts+"/", 200); !strings.Contains(body, "4 updates on your reports") {
			t.Errorf("home page does not tell the staff reporter of the updates")
		}
		body := webtest.Get(t, reporter, ts+"/events/mine/"+staff.ID+"/messages", 200)
		for _, want := range []string{"reviewing your report", "more information", learned} {
			if !strings.Contains(body, want) {
				t.Errorf("staff reporter's messages lack %q", want)
			}
		}
		if strings.Contains(body, "A handler person") {
			t.Errorf("staff reporter's messages name the handler")
		}

		anon := f.Client(t, "")
		resp, _ := webtest.Do(t, anon, "POST", ts+"/report/RAA/follow-up", webtest.Form("code", code))
		webtest.Location(t, resp, "/report/RAA/follow-up/thread")
		body = webtest.Get(t, anon, ts+"/report/RAA/follow-up/thread", 200)
		for _, want := range []string{"reviewing your report", learned} {
			if !strings.Contains(body, want) {
				t.Errorf("public reporter's follow-up thread lacks %q", want)
			}
		}

		// A duplicate and a not-a-patient-safety-event tell the reporter too.
		dup, err := ev.Report(storetest.As(nurse), f.OrgA.ID, staffRecord(), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
		if err != nil {
			t.Fatal(err)
		}
		notPSE, err := ev.Report(storetest.As(nurse), f.OrgA.ID, staffRecord(), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
		if err != nil {
			t.Fatal(err)
		}
		resp, _ = webtest.Do(t, handler, "POST", ts+"/events/review/"+dup.ID+"/merge", webtest.Form("version", strconv.Itoa(dup.Version), "duplicate_of", staff.Ref))
		webtest.Location(t, resp, "/events/review/"+dup.ID)
		setStatus(t, f, handler, notPSE.ID, "status", string(events.NotPSE), "reason", "A staffing matter")
		// A learning summary longer than a message still closes the event:
		// the reporter is told the start of it.
		long, err := ev.Report(storetest.As(nurse), f.OrgA.ID, staffRecord(), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
		if err != nil {
			t.Fatal(err)
		}
		setStatus(t, f, handler, long.ID, "status", string(events.Closed), "learning_summary", "Learned: "+strings.Repeat("x", eventsdb.MaxMessage+1000))
		for _, c := range []struct {
			e    eventsdb.Event
			want string
		}{{dup, "already reported"}, {notPSE, "not a patient safety event"}, {long, "Learned: xxx"}} {
			body := webtest.Get(t, reporter, ts+"/events/mine/"+c.e.ID+"/messages", 200)
			if !strings.Contains(body, c.want) {
				t.Errorf("%s: reporter's messages lack %q", c.e.Ref, c.want)
			}
		}
	})
}

// TestEventPageJoinsTheParts: the handler's event page shows the
// conversation with its unread answers, what the response plan expects,
// the learning responses with a button to open one, the triage links of
// an IT or device event, and offers a completed response's summary as the
// learning summary; the staff reporter's check-answers page shows similar
// events without their free text, and My reports the conversation.
func TestEventPageJoinsTheParts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		ts := f.Srv.URL
		ev := eventsdb.New(st)
		sys := ePMA(t, f)
		nurse := f.Users["A/reporter"]
		rec := itIncident(sys.ID)
		rec.Answers[events.AnsAgents] = []string{events.AgentIT, events.AgentDevice}
		rec.Groups[events.GroupDevices] = []events.Answers{{events.DevBarcode: {"(01)" + webtest.GTIN(1) + "(10)LOT7(21)SER1"}, events.DevFactors: {"1"}}}
		e, err := ev.Report(storetest.As(nurse), f.OrgA.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
		if err != nil {
			t.Fatal(err)
		}
		handler, reporter := f.Client(t, "A/handler"), f.Client(t, "A/reporter")
		webtest.Do(t, handler, "POST", ts+"/events/review/"+e.ID+"/messages", webtest.Form("body", "Which ward round?"))
		webtest.Do(t, reporter, "POST", ts+"/events/mine/"+e.ID+"/messages", webtest.Form("body", "The morning one"))

		body := webtest.Get(t, handler, ts+"/events/review/"+e.ID, 200)
		for _, want := range []string{
			`href="/events/review/` + e.ID + `/conversation"`, "1 unread answer",
			"Your response plan expects",
			`href="/events/learning/new?event=` + e.ID + `"`, "Open a learning response",
			`href="/events/triage/` + e.ID + `"`, "Not yet linked to a hazard",
			`href="/events/devices/` + e.ID + `"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("event page lacks %q", want)
			}
		}

		// A completed learning response's summary is offered on closing.
		hc := storetest.As(f.Users["A/handler"])
		lr, err := ev.OpenResponse(hc, f.OrgA.ID, events.Response{Title: "Stale results list", Type: events.AAR, LeadID: f.Users["A/handler"].ID}, []string{e.ID})
		if err != nil {
			t.Fatal(err)
		}
		const learned = "The results list now refreshes before every ward round."
		up := lr.Response
		up.Status, up.Findings, up.Summary = events.ResponseCompleted, "The cache was not cleared", learned
		up.Content = map[string]string{"aar.expected": "Today's results", "aar.actual": "Yesterday's", "aar.difference": "Cache", "aar.learning": "Refresh"}
		if _, err := ev.UpdateResponse(hc, f.OrgA.ID, lr.ID, lr.Version, up); err != nil {
			t.Fatalf("complete the response: %v %v", err, apperr.FieldsOf(err))
		}
		body = webtest.Get(t, handler, ts+"/events/review/"+e.ID, 200)
		if !strings.Contains(body, `href="/events/learning/`+lr.ID+`"`) || !strings.Contains(body, lr.Ref) {
			t.Errorf("event page does not list its learning response %s", lr.Ref)
		}
		if !strings.Contains(body, ">"+learned+"</textarea>") {
			t.Errorf("the completed response's summary is not offered as the learning summary")
		}

		// My reports shows the conversation on the report's page.
		body = webtest.Get(t, reporter, ts+"/events/mine/"+e.ID, 200)
		if !strings.Contains(body, "Which ward round?") || !strings.Contains(body, `href="/events/mine/`+e.ID+`/messages"`) {
			t.Errorf("My reports page of %s lacks the conversation", e.Ref)
		}
		if strings.Contains(body, "A handler person") {
			t.Errorf("My reports names the handler")
		}

		// Check your answers: similar events of the organisation, their
		// reference, date and location, never their text to a reporter.
		d, err := ev.SaveDraft(storetest.As(nurse), f.OrgA.ID, "", 0, itIncident(sys.ID))
		if err != nil {
			t.Fatal(err)
		}
		body = webtest.Get(t, reporter, ts+"/events/report/"+d.ID+"/check", 200)
		if !strings.Contains(body, "Is this the same as one of these?") || !strings.Contains(body, e.Ref) || !strings.Contains(body, "Ward 7") {
			t.Errorf("check answers lacks the similar event %s", e.Ref)
		}
		if n := strings.Count(body, "yesterday&#39;s results"); n != 1 {
			t.Errorf("check answers shows the text %d times, want once (the reporter's own answer only)", n)
		}
		if !strings.Contains(body, "Send report") {
			t.Errorf("similar events block the submission")
		}
		// A handler, who reads reports anyway, sees what they describe.
		hd, err := ev.SaveDraft(hc, f.OrgA.ID, "", 0, itIncident(sys.ID))
		if err != nil {
			t.Fatal(err)
		}
		body = webtest.Get(t, handler, ts+"/events/report/"+hd.ID+"/check", 200)
		if n := strings.Count(body, "yesterday&#39;s results"); n != 2 || !strings.Contains(body, `href="/events/review/`+e.ID+`"`) {
			t.Errorf("a handler's check answers shows the similar event's text %d times (want 2, theirs and the similar event's) or no link to it", n)
		}
	})
}
