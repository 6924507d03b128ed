package eventsweb_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clinsafe/clinsafe/internal/browsertest"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestBrowserAfterActionReview: a handler at 320 px opens an after action
// review from a demo event's page, tries to complete it empty (the four
// questions are named), answers them, adds an action, marks it done and
// completes the review, then goes back to the event and closes it with the
// review's summary as its learning summary. Every page fits the screen;
// axe-core runs on each.
func TestBrowserAfterActionReview(t *testing.T) {
	browsertest.Enabled(t)
	st, _ := storetest.Open(t, "sqlite")
	base, _ := webtest.BrowserDemoServer(t, st)
	var id, ref string
	if err := st.SQL().QueryRow(`SELECT e.id, e.ref FROM events e JOIN organisations o ON o.id = e.org_id WHERE o.ods_code = $1 AND e.record LIKE '%insulin%'
		AND e.status IN ('submitted', 'in_review') AND NOT EXISTS (SELECT 1 FROM event_reviews r WHERE r.event_id = e.id AND r.learning_summary <> '')
		ORDER BY e.submitted_at DESC LIMIT 1`, demo.TrustODS).Scan(&id, &ref); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	fits := func(where string) { t.Helper(); browsertest.Fits(t, ctx, 320, where) }
	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, "handler@demo.clinsafe.test")
	browsertest.Visit(t, ctx, base+"/events/review/"+id, http.StatusOK)
	fits("the event")
	browsertest.ClickNav(t, ctx, `main a[href="/events/learning/new?event=`+id+`"]`, http.StatusOK)
	fits("open a response")
	if got := browsertest.Eval[string](t, ctx, `document.querySelector('#events').value`); strings.TrimSpace(got) != ref {
		t.Errorf("events of the new response = %q, want the event's reference %s", got, ref)
	}
	browsertest.Click(t, ctx, `#type`) // after action review
	browsertest.Fill(t, ctx, "#title", "Insulin dose missed at lunchtime")
	browsertest.ClickNav(t, ctx, `main form button[type=submit]`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "h1"); got != "Insulin dose missed at lunchtime" {
		t.Fatalf("response page h1 = %q", got)
	}
	fits("the response")
	browsertest.Screenshot(t, ctx, "aar-320")

	// Completing it empty names the four questions.
	browsertest.Select(t, ctx, "#status", "completed")
	browsertest.ClickNav(t, ctx, `form[action^="/events/learning/"]:not([action$="/actions"]) button[type=submit]`, http.StatusUnprocessableEntity)
	if got := browsertest.Text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(got, "what was supposed to happen") || !strings.Contains(got, "findings") {
		t.Errorf("error summary = %q", got)
	}
	fits("completion refused")
	for id, v := range map[string]string{"#aar\\.expected": "Insulin given with lunch", "#aar\\.actual": "The dose was missed",
		"#aar\\.difference": "The patient was off the ward at lunchtime", "#aar\\.learning": "Check missed doses when patients return",
		"#findings": "No prompt for doses missed while off the ward", "#summary": "Missed doses are now checked when patients return to the ward"} {
		browsertest.Fill(t, ctx, id, v)
	}
	browsertest.Select(t, ctx, "#status", "in_progress")
	browsertest.ClickNav(t, ctx, `form[action^="/events/learning/"]:not([action$="/actions"]) button[type=submit]`, http.StatusOK)

	// An action, then done.
	browsertest.Fill(t, ctx, "#description", "Add a returned-to-ward check to the drug round")
	browsertest.Select(t, ctx, "#owner_id", browsertest.Eval[string](t, ctx, `document.querySelector('#owner_id option:nth-child(2)').value`))
	browsertest.Fill(t, ctx, "form[action$='/actions'] #due_on-day", "31")
	browsertest.Fill(t, ctx, "form[action$='/actions'] #due_on-month", "1")
	browsertest.Fill(t, ctx, "form[action$='/actions'] #due_on-year", "2027")
	browsertest.Fill(t, ctx, "#measure", "Audit of missed doses")
	browsertest.ClickNav(t, ctx, `form[action$="/actions"] button[type=submit]`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "#actions + table, table"); !strings.Contains(got, "returned-to-ward check") {
		t.Errorf("actions table = %q", got)
	}
	fits("with an action")
	browsertest.Click(t, ctx, "details.nhsuk-details summary")
	browsertest.Fill(t, ctx, "details #evidence", "Drug round checklist version 3")
	browsertest.ClickNav(t, ctx, `details form input[value=done] ~ button, details form:first-of-type button[type=submit]`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "Action marked done.") || !strings.Contains(got, "Drug round checklist version 3") {
		t.Errorf("after marking done the page lacks the flash or the evidence")
	}
	browsertest.Select(t, ctx, "#status", "completed")
	browsertest.ClickNav(t, ctx, `form[action^="/events/learning/"]:not([action$="/actions"]) button[type=submit]`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "completed. Its summary can now be used") {
		t.Errorf("after completing, the page lacks the flash: %.300q", got)
	}
	fits("completed")
	browsertest.Screenshot(t, ctx, "aar-completed-320")

	// Back to the event: the response is listed and its summary offered
	// as the learning summary; closing tells the reporter.
	browsertest.Visit(t, ctx, base+"/events/review/"+id, http.StatusOK)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "Insulin dose missed at lunchtime") {
		t.Errorf("the event page does not list its learning response")
	}
	if got := browsertest.Eval[string](t, ctx, `document.querySelector('#learning_summary').value`); got != "Missed doses are now checked when patients return to the ward" {
		t.Errorf("learning summary offered on closing = %q", got)
	}
	browsertest.Select(t, ctx, "#status", "closed")
	browsertest.ClickNav(t, ctx, `form[action$="/status"] button[type=submit]`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "Status changed to closed.") {
		t.Errorf("after closing, the page lacks the flash: %.300q", got)
	}
	if got := browsertest.Text(t, ctx, "h1"); !strings.Contains(got, "Closed") {
		t.Errorf("event h1 = %q, want it closed", got)
	}
	fits("closed")
}
