package trainingweb_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/clinsafe/clinsafe/internal/browsertest"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/training"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// browserPost posts an empty form to u from Go with the browser's cookies
// (so as the signed-in person) and returns the body: how a certificate is
// downloaded.
func browserPost(t *testing.T, ctx context.Context, u string) ([]byte, string) {
	t.Helper()
	cs, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{u}})
	if err != nil {
		t.Fatalf("cookies: %v", err)
	}
	req, _ := http.NewRequest("POST", u, strings.NewReader("x=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cs.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("POST %s: %d", u, resp.StatusCode)
	}
	return b, resp.Header.Get("Content-Type")
}

// answerQuiz ticks, on the quiz page, the right answers of every question
// asked (or one wrong answer of each) and submits.
func answerQuiz(t *testing.T, ctx context.Context, c training.Course, right bool) {
	t.Helper()
	ids := browsertest.Eval[[]string](t, ctx, `[...new Set([...document.querySelectorAll('input[name^="q-"]')].map(e => e.name.slice(2)))]`)
	if len(ids) != c.Draw {
		t.Fatalf("quiz asks %d questions, want %d", len(ids), c.Draw)
	}
	for _, id := range ids {
		q, ok := c.Question(id)
		if !ok {
			t.Fatalf("quiz asks %s", id)
		}
		for j, a := range q.Answers {
			if a.Correct == right {
				browsertest.Click(t, ctx, "#q-"+id+"-"+strings.TrimSpace(string(rune('0'+j))))
				if !right {
					break
				}
			}
		}
	}
	browsertest.ClickNav(t, ctx, "#submit-quiz", http.StatusOK)
}

func fits(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	// The page reflows at the new width after the emulation returns:
	// measure once it has (the viewport and the layout at 320 px).
	for range 50 {
		if browsertest.Eval[bool](t, ctx, `window.innerWidth === 320 && document.body.getBoundingClientRect().width <= 320`) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	browsertest.Fits(t, ctx, 320, where)
}

// TestBrowserTraining: a learner takes the level 1 course, fails the quiz
// once, passes, downloads the certificate, and the public page verifies
// its code; an educator assigns a course by role and sees coverage.
// axe-core runs on every page; the pages fit 320 px.
func TestBrowserTraining(t *testing.T) {
	browsertest.Enabled(t)
	st, _ := storetest.Open(t, "sqlite")
	base, _ := webtest.BrowserDemoServer(t, st)
	ctx := browsertest.New(t)
	c := builtin(t, "essentials")

	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, "reporter@demo.clinsafe.test")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, c.Title+": due by") {
		t.Errorf("home page does not list the assigned course: %.500s", got)
	}
	browsertest.Visit(t, ctx, base+"/training/courses", http.StatusOK)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "Not for your role") {
		t.Errorf("the catalogue does not mark the courses not for a reporter: %.500s", got)
	}
	fits(t, ctx, "course catalogue")
	browsertest.Visit(t, ctx, base+"/training", http.StatusOK)
	fits(t, ctx, "my training")
	// At 320 px each row's heading keeps its words whole ("Course", not
	// "Cour" over "se"): a line of its text per word at most.
	if broken := browsertest.Eval[string](t, ctx, `[...document.querySelectorAll('main .nhsuk-table-responsive__heading')].filter(e => e.offsetParent).map(e => {
		const r = document.createRange(); r.selectNodeContents(e);
		return r.getClientRects().length > e.textContent.trim().split(/\s+/).length ? e.textContent.trim() : '' }).filter(Boolean).join(', ')`); broken != "" {
		t.Errorf("my training at 320 px breaks the table headings %s within a word", broken)
	}
	browsertest.ClickNav(t, ctx, `main a[href^="/training/courses/"]`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "h1"); got != c.Title {
		t.Fatalf("course page h1 = %q", got)
	}
	browsertest.ClickNav(t, ctx, `form[action$="/start"] button`, http.StatusOK)
	fits(t, ctx, "course modules")
	browsertest.ClickNav(t, ctx, `form[action$="/attempts"] button`, http.StatusOK)
	if html := browsertest.Eval[string](t, ctx, `document.documentElement.outerHTML`); strings.Contains(strings.ToLower(html), "correct") {
		t.Errorf("quiz page holds a marker of the answers")
	}
	fits(t, ctx, "quiz")
	answerQuiz(t, ctx, c, false)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "Not passed") || !strings.Contains(got, "Wrong") {
		t.Fatalf("after a failed attempt: %.500s", got)
	}
	fits(t, ctx, "quiz result")
	browsertest.ClickNav(t, ctx, `.nhsuk-warning-callout a`, http.StatusOK)
	browsertest.ClickNav(t, ctx, `form[action$="/attempts"] button`, http.StatusOK)
	answerQuiz(t, ctx, c, true)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "You passed") {
		t.Fatalf("after a passing attempt: %.500s", got)
	}
	action := browsertest.Eval[string](t, ctx, `document.querySelector('form[action$="/certificate"]').getAttribute('action')`)
	pdf, ct := browserPost(t, ctx, base+action)
	code := certCode.FindString(webtest.PDFText(pdf))
	if ct != "application/pdf" || code == "" {
		t.Fatalf("certificate: %s, code %q", ct, code)
	}
	// The public page, signed out.
	browsertest.ClickNav(t, ctx, `form[action="/logout"] button`, http.StatusOK)
	browsertest.Visit(t, ctx, base+"/training/verify", http.StatusOK)
	browsertest.Fill(t, ctx, "#code", strings.ToLower(code))
	browsertest.ClickNav(t, ctx, "main button[type=submit]", http.StatusOK)
	if got := browsertest.Text(t, ctx, "#verification"); !strings.Contains(got, "Valid") || !strings.Contains(got, "Jo Evans") || !strings.Contains(got, c.Title) {
		t.Errorf("verification = %q", got)
	}
	fits(t, ctx, "verification")
	browsertest.Visit(t, ctx, base+"/training/verify?code="+url.QueryEscape("AAAAA-BBBBB-CCCCC-DDDDD"), http.StatusNotFound)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "No certificate was found") || strings.Contains(got, "Jo Evans") {
		t.Errorf("forged code page = %q", got)
	}

	// An educator assigns a course by role and sees coverage.
	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, "educator@demo.clinsafe.test")
	browsertest.Visit(t, ctx, base+"/training/assignments", http.StatusOK)
	fits(t, ctx, "assignments")
	harm := builtin(t, "harm-and-psirf")
	courseID := browsertest.Eval[string](t, ctx, `[...document.querySelectorAll('#course_id option')].find(o => o.textContent === `+jsString(harm.Title)+`).value`)
	browsertest.Select(t, ctx, "#course_id", courseID)
	browsertest.Select(t, ctx, "#who", "devices")
	browsertest.Fill(t, ctx, "#due_on-day", "31")
	browsertest.Fill(t, ctx, "#due_on-month", "1")
	browsertest.Fill(t, ctx, "#due_on-year", "2027")
	browsertest.ClickNav(t, ctx, `form[action="/training/assignments"] button[type=submit]`, http.StatusOK)
	if got := browsertest.Text(t, ctx, ".nhsuk-notification-banner"); !strings.Contains(got, "assigned to everyone with the Devices and theatres role") {
		t.Errorf("after assigning: %q", got)
	}
	browsertest.Visit(t, ctx, base+"/training/coverage", http.StatusOK)
	row := browsertest.Eval[string](t, ctx, `[...document.querySelectorAll('#coverage tbody tr')].map(r => r.textContent.replace(/\s+/g, ' ')).find(t => t.includes(`+jsString(harm.Title)+`) && t.includes('Devices and theatres')) || ''`)
	if !strings.Contains(row, "Assigned 2") {
		t.Errorf("coverage row = %q, want 2 people with the devices role assigned", row)
	}
	fits(t, ctx, "coverage")
	if csv := string(webtest.BrowserGet(t, ctx, base+"/training/coverage.csv")); !strings.Contains(csv, harm.Title+",devices,2,0,0,0") {
		t.Errorf("coverage CSV:\n%s", csv)
	}
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
