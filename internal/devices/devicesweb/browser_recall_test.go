package devicesweb_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clinsafe/clinsafe/internal/browsertest"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestBrowserRecallWork works the demo's open recall at 320 px wide: a
// bulk status change of two ticked patients (first with none ticked),
// then closing the recall with patients still open through the
// confirmation page (first without ticking the confirmation). Every page
// must fit the screen; axe-core runs on each.
func TestBrowserRecallWork(t *testing.T) {
	browsertest.Enabled(t)
	st, _ := storetest.Open(t, "sqlite")
	base, _ := webtest.BrowserDemoServer(t, st)
	ctx := browsertest.New(t)
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	fits := func(where string) { t.Helper(); browsertest.Fits(t, ctx, 320, where) }

	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, "theatre@demo.clinsafe.test")
	browsertest.Visit(t, ctx, base+"/devices/recalls", http.StatusOK)
	browsertest.ClickNav(t, ctx, `main a[href^="/devices/recalls/0"]`, http.StatusOK)
	if got := browsertest.Text(t, ctx, "h1"); !strings.Contains(got, demo.DemoRecall) {
		t.Fatalf("recall page h1 = %q", got)
	}
	recall := strings.SplitN(browsertest.Location(t, ctx), "?", 2)[0]
	recall = strings.SplitN(recall, "#", 2)[0]
	fits("recall page")
	browsertest.Screenshot(t, ctx, "recall-320")

	// Bulk: nothing ticked is refused with the error summary.
	browsertest.Select(t, ctx, "#status", "contacted")
	browsertest.ClickNav(t, ctx, "#bulk button[type=submit]", http.StatusUnprocessableEntity)
	if got := browsertest.Text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(got, "Select at least one patient") {
		t.Errorf("error summary = %q", got)
	}
	fits("bulk change refused")
	names := browsertest.Eval[[]string](t, ctx, `[...document.querySelectorAll('#patient-list tbody tr')].slice(0, 2).map(r => r.querySelector('td:nth-child(2) a').textContent)`)
	if len(names) != 2 {
		t.Fatalf("patient list has %d rows, want at least 2", len(names))
	}
	browsertest.Click(t, ctx, `#patient-list tbody tr:nth-child(1) input[name=patient_ids]`)
	browsertest.Click(t, ctx, `#patient-list tbody tr:nth-child(2) input[name=patient_ids]`)
	browsertest.Select(t, ctx, "#status", "contacted")
	browsertest.Fill(t, ctx, "#note", "Clinic letter sent")
	browsertest.ClickNav(t, ctx, "#bulk button[type=submit]", http.StatusOK)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "2 patients marked contacted.") {
		t.Errorf("after the bulk change the page lacks the flash")
	}
	for i, n := range names {
		row := browsertest.Eval[string](t, ctx, `(() => { for (const r of document.querySelectorAll('#patient-list tbody tr')) { if (r.querySelector('td:nth-child(2) a').textContent === `+jsString(n)+`) return r.textContent } return '' })()`)
		if !strings.Contains(row, "Contacted") || !strings.Contains(row, "Clinic letter sent") {
			t.Errorf("patient %d (%s) after the bulk change: %q", i, n, row)
		}
	}

	// Close: the confirmation page names the open patients.
	browsertest.ClickNav(t, ctx, "#close-recall", http.StatusOK)
	fits("close confirmation")
	browsertest.Screenshot(t, ctx, "recall-close-320")
	label := browsertest.Text(t, ctx, `label[for=confirm_open]`)
	m := regexp.MustCompile(`^I confirm (\d+) patients are still open$`).FindStringSubmatch(strings.TrimSpace(label))
	if m == nil {
		t.Fatalf("confirmation label = %q", label)
	}
	if got := browsertest.Text(t, ctx, "#open-work"); !strings.Contains(got, m[1]) {
		t.Errorf("open work = %q, want %s", got, m[1])
	}
	devicesSetValue(t, ctx, "#reason", "Manufacturer withdrew the notice")
	browsertest.ClickNav(t, ctx, "main form button[type=submit]", http.StatusUnprocessableEntity)
	if got := browsertest.Text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(got, "Confirm that you are closing this recall with "+m[1]+" patients") {
		t.Errorf("error summary = %q", got)
	}
	fits("close refused")
	browsertest.Click(t, ctx, "#confirm_open")
	browsertest.ClickNav(t, ctx, "main form button[type=submit]", http.StatusOK)
	if got := browsertest.Text(t, ctx, "h1"); !strings.Contains(got, "Closed") {
		t.Errorf("after closing, h1 = %q", got)
	}
	if got := browsertest.Text(t, ctx, "#recall-closed"); !strings.Contains(got, "Manufacturer withdrew the notice") {
		t.Errorf("closed row = %q", got)
	}
	if loc := strings.SplitN(browsertest.Location(t, ctx), "?", 2)[0]; strings.SplitN(loc, "#", 2)[0] != recall {
		t.Errorf("after closing, at %s, want the recall page %s", loc, recall)
	}
	fits("closed recall")
}

// jsString quotes s for a script.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
