package knowledgeweb_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clinsafe/clinsafe/internal/browsertest"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestBrowserLessonLearned is the done-when journey at 320 px: a handler
// publishes the learning of a closed demo event as a lesson learned (the
// de-identification check's findings confirmed, shared publicly), a
// second person (the CSO) approves it, and a reader who is not signed in
// finds it by search on the trust's public library page and reads it.
// axe-core runs on every page; each fits the screen.
func TestBrowserLessonLearned(t *testing.T) {
	browsertest.Enabled(t)
	st, _ := storetest.Open(t, "sqlite")
	base, _ := webtest.BrowserDemoServer(t, st)
	var id, ref string
	if err := st.SQL().QueryRow(`SELECT e.id, e.ref FROM events e JOIN organisations o ON o.id = e.org_id
		WHERE o.ods_code = $1 AND e.status = 'in_review' ORDER BY e.submitted_at DESC LIMIT 1`, demo.TrustODS).Scan(&id, &ref); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	fits := func(where string) { t.Helper(); browsertest.Fits(t, ctx, 320, where) }

	// The handler.
	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, "handler@demo.clinsafe.test")
	browsertest.Visit(t, ctx, base+"/events/review/"+id, http.StatusOK)
	// It closes the event with its learning summary.
	browsertest.Fill(t, ctx, "#learning_summary", "The drug fridge on the ward was found unlocked on 3 March 2026. It now locks itself when closed.")
	browsertest.Select(t, ctx, "#status", "closed")
	browsertest.ClickNav(t, ctx, `form[action$="/status"] button[type=submit]`, http.StatusOK)
	fits("the closed event")
	browsertest.ClickNav(t, ctx, `main a[href="/knowledge/lessons/new?event=`+id+`"]`, http.StatusOK)
	fits("the lesson form")
	browsertest.Fill(t, ctx, "#title", "Fridgelock: keep the drug fridge locked")
	browsertest.Select(t, ctx, "#sharing", "public")
	n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('input[name=confirm]').length`)
	if n == 0 {
		t.Errorf("the de-identification check found nothing in a summary with a date")
	}
	for i := 0; i < n; i++ {
		browsertest.Click(t, ctx, `#confirm-`+strconv.Itoa(i))
	}
	browsertest.ClickNav(t, ctx, `main form[action="/knowledge/lessons"] button[type=submit]`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "Someone other than you must approve it") || !strings.Contains(got, "You wrote this draft") {
		t.Fatalf("after saving the lesson: %.400q", got)
	}
	fits("the draft lesson")
	doc := browsertest.Location(t, ctx)
	browsertest.ClickNav(t, ctx, `form[action="/logout"] button`, http.StatusOK)

	// A second person approves it.
	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, "cso@demo.clinsafe.test")
	browsertest.Visit(t, ctx, doc, http.StatusOK)
	browsertest.ClickNav(t, ctx, `main form[action$="/publish"] button[type=submit]`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "published") || !strings.Contains(got, "approved by Dr Sam Okafor") {
		t.Fatalf("after approval: %.400q", got)
	}
	fits("the published lesson")
	browsertest.ClickNav(t, ctx, `form[action="/logout"] button`, http.StatusOK)

	// A reader who is not signed in finds it on the public library page.
	browsertest.Visit(t, ctx, base+"/library/"+demo.TrustODS, http.StatusOK)
	fits("the public library")
	browsertest.Fill(t, ctx, "#q", "fridgelock")
	browsertest.ClickNav(t, ctx, `main form[role=search] button[type=submit]`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "main mark"); !strings.EqualFold(got, "Fridgelock:") && !strings.EqualFold(got, "Fridgelock") {
		t.Errorf("highlighted word = %q", got)
	}
	fits("the search results")
	browsertest.ClickNav(t, ctx, `main .app-knowledge-results a`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "h1"); got != "Fridgelock: keep the drug fridge locked" {
		t.Errorf("public document h1 = %q", got)
	}
	if got := browsertest.Text(t, ctx, "main"); strings.Contains(got, "Approve") {
		t.Errorf("the public page offers editing")
	}
	fits("the public lesson")
}
