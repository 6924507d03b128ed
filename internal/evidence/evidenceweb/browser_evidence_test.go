package evidenceweb_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clinsafe/clinsafe/internal/browsertest"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestBrowserMarkChange is the journey "a CSO opens the dashboard, opens
// a chart, marks a digital change and reads the statement", at 320 px
// with axe-core on every page, on the demo data.
func TestBrowserMarkChange(t *testing.T) {
	browsertest.Enabled(t)
	st, _ := storetest.Open(t, "sqlite")
	base, _ := webtest.BrowserDemoServer(t, st)
	ctx := browsertest.New(t)
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, "cso@demo.clinsafe.test")

	browsertest.Visit(t, ctx, base+"/evidence", http.StatusOK)
	browsertest.Fits(t, ctx, 320, "dashboard")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "IT-system incidents") || !strings.Contains(got, "Training coverage") {
		t.Errorf("dashboard shows %q", got[:min(len(got), 300)])
	}
	browsertest.ClickNav(t, ctx, `main a[href="/evidence/measures/events"]`, http.StatusOK)
	browsertest.Fits(t, ctx, 320, "measure page")
	if got := browsertest.Text(t, ctx, ".app-reading"); got == "" {
		t.Errorf("measure page has no reading")
	}
	on := time.Now().AddDate(0, 0, -56)
	browsertest.Fill(t, ctx, "#title", "Electronic observations go-live")
	browsertest.Fill(t, ctx, "#changed_on-day", on.Format("2"))
	browsertest.Fill(t, ctx, "#changed_on-month", on.Format("1"))
	browsertest.Fill(t, ctx, "#changed_on-year", on.Format("2006"))
	browsertest.ClickNav(t, ctx, `form[action$="/changes"] button[type=submit]`, http.StatusOK)
	browsertest.Fits(t, ctx, 320, "measure page after marking a change")
	if got := browsertest.Text(t, ctx, ".nhsuk-notification-banner--success"); !strings.Contains(got, "Change marked") {
		t.Errorf("after marking: banner %q", got)
	}
	statement := browsertest.Text(t, ctx, ".app-statement")
	if !strings.Contains(statement, "Electronic observations go-live") || !strings.Contains(statement, "special cause") {
		t.Errorf("statement %q", statement)
	}
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "weeks since the change: the reference needs at least 13 points") {
		t.Errorf("no caveat of too few points since the change in %q", got)
	}
}
