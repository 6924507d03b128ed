package eventsweb_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

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
