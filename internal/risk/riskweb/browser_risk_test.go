package riskweb_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/webtest"

	"github.com/chromedp/chromedp"

	"github.com/clinsafe/clinsafe/internal/browsertest"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// TestBrowserRisk walks the demo CSO through the clinical risk module in
// Chromium: register a system, add hazards with controls (one from a
// template), approve the hazard log, issue the safety case report and check
// its PDF, and round-trip the log through XLSX. axe-core runs on every page.
func TestBrowserRisk(t *testing.T) {
	browsertest.Enabled(t)
	start := time.Now()
	st, _ := storetest.Open(t, "sqlite")
	base, orgs := webtest.BrowserDemoServer(t, st)
	ctx := browsertest.New(t)
	t.Cleanup(func() { t.Logf("browser risk test took %s", time.Since(start).Round(time.Millisecond)) })
	var trust store.Org
	for _, o := range orgs {
		if o.ODSCode == demo.TrustODS {
			trust = o
		}
	}

	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, "cso@demo.clinsafe.test")
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "overdue actions") {
		t.Errorf("the CSO's home page does not show hazards with overdue actions")
	}

	// The demo's pages.
	browsertest.Visit(t, ctx, base+"/risk", http.StatusOK)
	for _, p := range []string{"/risk/plan", "/risk/compliance?standard=DCB0160", "/risk/transferred"} {
		browsertest.Visit(t, ctx, base+p, http.StatusOK)
	}
	browsertest.Visit(t, ctx, base+"/risk", http.StatusOK)
	browsertest.ClickNav(t, ctx, `a[href^="/risk/systems/0"]`, http.StatusOK)
	browsertest.Screenshot(t, ctx, "risk-system")
	// Each part of the system is its own page, reached by the sub-navigation.
	for _, part := range []string{"/heatmaps", "/issues", "/releases", "/cscr", "/hazards"} {
		browsertest.ClickNav(t, ctx, `.app-subnav a[href$="`+part+`"]`, http.StatusOK)
	}
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('.app-hazard-table tbody tr').length`); n < 25 {
		t.Errorf("demo hazard log has %d hazards, want about 30", n)
	}
	// The log's filters narrow it, as a GET form.
	browsertest.Select(t, ctx, "#status", "closed")
	browsertest.ClickNav(t, ctx, `form[role=search] button[type=submit]`, http.StatusOK)
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('.app-hazard-table tbody tr').length`); n == 0 || n >= 25 {
		t.Errorf("closed hazards of the demo log: %d rows", n)
	}
	sysPath := browsertest.Eval[string](t, ctx, `location.pathname.replace(/\/hazards$/, '')`)
	// At 320 px the system's pages and the hazard form fit without
	// scrolling sideways (WCAG 1.4.10).
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"", "/hazards", "/heatmaps", "/issues", "/releases", "/hazards/new"} {
		browsertest.Visit(t, ctx, base+sysPath+p, http.StatusOK)
		browsertest.Fits(t, ctx, 320, sysPath+p)
	}
	browsertest.Screenshot(t, ctx, "risk-hazard-form-320")
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(1024, 800)); err != nil {
		t.Fatal(err)
	}
	browsertest.Visit(t, ctx, base+sysPath+"/hazards", http.StatusOK)
	browsertest.Screenshot(t, ctx, "risk-hazard-log")
	browsertest.ClickNav(t, ctx, `.app-hazard-table a`, http.StatusOK)
	browsertest.Screenshot(t, ctx, "risk-hazard")
	browsertest.ClickNav(t, ctx, `a[href$="/history"]`, http.StatusOK)

	// Register a system, with a form error first.
	browsertest.Visit(t, ctx, base+"/risk/systems/new", http.StatusOK)
	browsertest.ClickNav(t, ctx, "main form button[type=submit]", http.StatusUnprocessableEntity)
	browsertest.Fill(t, ctx, "#name", "Theatre scheduling")
	browsertest.Fill(t, ctx, "#manufacturer", "Acme Health")
	browsertest.Fill(t, ctx, "#intended_use", "Scheduling of theatre lists")
	browsertest.Click(t, ctx, "#standard-DCB0160")
	browsertest.Fill(t, ctx, "#phases", "Configuration")
	browsertest.Click(t, ctx, "#csos")
	browsertest.ClickNav(t, ctx, "main form button[type=submit]", http.StatusOK)
	sysURL := browsertest.Location(t, ctx)
	if got := browsertest.Text(t, ctx, "h1"); got != "Theatre scheduling" {
		t.Fatalf("system page h1 = %q", got)
	}

	// A hazard with a control and an action, by the form, after a rule
	// break (closed with an open action) shown in the error summary.
	browsertest.ClickNav(t, ctx, `.app-subnav a[href$="/hazards"]`, http.StatusOK)
	browsertest.ClickNav(t, ctx, `a[href$="/hazards/new"]`, http.StatusOK)
	browsertest.Fill(t, ctx, `[id="actions.0.summary"]`, "x")
	browsertest.Click(t, ctx, "#status-closed")
	browsertest.ClickNav(t, ctx, "#save-hazard", http.StatusUnprocessableEntity)
	if got := browsertest.Text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(got, "Enter a hazard name") {
		t.Errorf("error summary = %q", got)
	}
	browsertest.Click(t, ctx, "#status")
	browsertest.Fill(t, ctx, "#name", "Patient listed for the wrong procedure BROWSERHAZ")
	browsertest.Click(t, ctx, "#initial_severity-major")
	browsertest.Click(t, ctx, "#initial_likelihood-medium")
	browsertest.Fill(t, ctx, `[id="controls.0.description"]`, "Check the consent form against the list")
	browsertest.Select(t, ctx, `[id="controls.0.type"]`, "business_process_change")
	browsertest.Fill(t, ctx, `[id="controls.0.owner"]`, "Theatre manager")
	browsertest.Click(t, ctx, "#residual_severity-major")
	browsertest.Click(t, ctx, "#residual_likelihood-low")
	// A residual rating of 3 needs the CSO's risk-benefit rationale.
	browsertest.Fill(t, ctx, "#risk_benefit", "Listing errors remain possible, but the check catches them before anaesthesia.")
	browsertest.Fill(t, ctx, `[id="actions.0.summary"]`, "Add the check to the WHO checklist")
	browsertest.Fill(t, ctx, `[id="actions.0.owner"]`, "Theatre manager")
	browsertest.Fill(t, ctx, `[id="actions.0.due-day"]`, "31")
	browsertest.Fill(t, ctx, `[id="actions.0.due-month"]`, "3")
	browsertest.Fill(t, ctx, `[id="actions.0.due-year"]`, "2027")
	browsertest.ClickNav(t, ctx, "#save-hazard", http.StatusOK)
	if got := browsertest.Text(t, ctx, "h1"); !strings.Contains(got, "BROWSERHAZ") {
		t.Fatalf("hazard page h1 = %q", got)
	}

	// One from a template, in one step, then saved unchanged.
	browsertest.Visit(t, ctx, sysURL+"/hazards", http.StatusOK)
	tpl := risk.Templates()[2]
	browsertest.Select(t, ctx, "#template", tpl.Key)
	browsertest.ClickNav(t, ctx, `form[action$="/hazards/template"] button`, http.StatusOK)
	browsertest.ClickNav(t, ctx, "#save-hazard", http.StatusOK)

	// Approve the hazard log: check what changed, then sign.
	browsertest.Visit(t, ctx, sysURL+"/issues", http.StatusOK)
	browsertest.ClickNav(t, ctx, "#approve", http.StatusOK)
	if got := browsertest.Text(t, ctx, "#next-version"); got != "Version 1" {
		t.Errorf("check page: version to be issued %q", got)
	}
	browsertest.Fill(t, ctx, "#comment", "Approved in the browser test")
	browsertest.Fill(t, ctx, "#password", webtest.BrowserPassword)
	// While the CSO reads, someone else renames a hazard: the signature
	// is refused, and the check page shows the log as it now is.
	rk := riskdb.New(st)
	sysID := sysURL[strings.LastIndex(sysURL, "/")+1:]
	hs, err := rk.ListHazards(context.Background(), trust.ID, sysID)
	if err != nil || len(hs) == 0 {
		t.Fatalf("hazards of the new system: %d, %v", len(hs), err)
	}
	renamed := hs[len(hs)-1]
	renamed.Name += " RENAMEDMEANWHILE"
	if _, err := rk.UpdateHazard(storetest.As(webtest.UserByEmail(t, st, "admin@demo.clinsafe.test")), trust.ID, renamed); err != nil {
		t.Fatal(err)
	}
	browsertest.ClickNav(t, ctx, "#issue-log", http.StatusConflict)
	if got := browsertest.Text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(got, "changed since you checked it") {
		t.Errorf("signing a log changed since it was shown: error summary %q", got)
	}
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "RENAMEDMEANWHILE") {
		t.Error("the check page shown again does not show the change made meanwhile")
	}
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	browsertest.Fits(t, ctx, 320, "the check page after a refused signature")
	browsertest.Screenshot(t, ctx, "issue-refused-320")
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(1024, 800)); err != nil {
		t.Fatal(err)
	}
	browsertest.Fill(t, ctx, "#password", webtest.BrowserPassword)
	browsertest.ClickNav(t, ctx, "#issue-log", http.StatusOK)
	if got := browsertest.Text(t, ctx, "h1"); got != "Hazard log version 1" {
		t.Errorf("issued page h1 = %q", got)
	}
	if got := browsertest.Text(t, ctx, ".app-signature"); !strings.Contains(got, "password re-entered at signing") {
		t.Errorf("issued page signature = %q", got)
	}
	browsertest.Screenshot(t, ctx, "issued-signed")
	// Nothing changed since: the check page says so and offers no signature.
	browsertest.Visit(t, ctx, sysURL+"/issues", http.StatusOK)
	browsertest.ClickNav(t, ctx, "#approve", http.StatusOK)
	if got := browsertest.Text(t, ctx, "#nothing-changed"); !strings.Contains(got, "Nothing has changed since version 1") {
		t.Errorf("check page of an unchanged log: %q", got)
	}
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('#issue-log').length`); n != 0 {
		t.Error("an unchanged log can still be issued")
	}

	// The safety case report: issuing it unwritten is refused and says what
	// is missing; written, it issues.
	browsertest.Visit(t, ctx, sysURL+"/cscr", http.StatusOK)
	browsertest.Fill(t, ctx, "#password", webtest.BrowserPassword)
	browsertest.ClickNav(t, ctx, "#issue-cscr", http.StatusUnprocessableEntity)
	if got := browsertest.Text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(got, "author") && !strings.Contains(got, "Author") {
		t.Errorf("refused report: error summary %q, want the missing author named", got)
	}
	browsertest.Fill(t, ctx, "#author", "Browser Author")
	browsertest.Fill(t, ctx, "#cso_registration", "GMC 1234567")
	browsertest.Eval[bool](t, ctx, `(document.querySelectorAll('textarea[id^="section-"]').forEach(e => { e.value = 'Written by the CSO for ' + e.id + '.' }), true)`)
	browsertest.ClickNav(t, ctx, `form[action$="/cscr"] button[type=submit]`, http.StatusOK)
	browsertest.Fill(t, ctx, "#password", webtest.BrowserPassword)
	browsertest.ClickNav(t, ctx, "#issue-cscr", http.StatusOK)
	pdfURL := base + browsertest.Eval[string](t, ctx, `document.querySelector('a[href$="/pdf"]').getAttribute('href')`)
	pdf := webtest.BrowserGet(t, ctx, pdfURL)
	if !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("the report is not a PDF: %q", pdf[:min(len(pdf), 20)])
	}
	text := webtest.PDFText(pdf)
	for _, want := range []string{"BROWSERHAZ", tpl.Name[:20]} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not contain %q", want)
		}
	}

	// XLSX export, then import into a new system: nothing lost.
	xlsx := webtest.BrowserGet(t, ctx, sysURL+"/export?format=xlsx")
	file := filepath.Join(t.TempDir(), "log.xlsx")
	if err := os.WriteFile(file, xlsx, 0o644); err != nil {
		t.Fatal(err)
	}
	browsertest.Visit(t, ctx, base+"/risk/systems/new", http.StatusOK)
	browsertest.Fill(t, ctx, "#name", "Theatre scheduling copy")
	browsertest.Fill(t, ctx, "#manufacturer", "Acme Health")
	browsertest.Fill(t, ctx, "#intended_use", "Scheduling of theatre lists")
	browsertest.Click(t, ctx, "#standard-DCB0160")
	browsertest.ClickNav(t, ctx, "main form button[type=submit]", http.StatusOK)
	copyURL := browsertest.Location(t, ctx)
	browsertest.Visit(t, ctx, copyURL+"/hazards", http.StatusOK)
	browsertest.ClickNav(t, ctx, `a[href$="/import"]`, http.StatusOK)
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file})); err != nil {
		t.Fatal(err)
	}
	browsertest.ClickNav(t, ctx, "main form button[type=submit]", http.StatusOK)
	copyID := copyURL[strings.LastIndex(copyURL, "/")+1:]
	a, _ := riskdb.New(st).ListHazards(context.Background(), trust.ID, sysID)
	b, _ := riskdb.New(st).ListHazards(context.Background(), trust.ID, copyID)
	if len(a) != 2 || len(b) != 2 {
		t.Fatalf("round trip: %d hazards became %d", len(a), len(b))
	}
	for i := range a {
		if cs := risk.Diff(a[i], b[i]); len(cs) > 0 {
			t.Errorf("round trip changed %s: %+v", a[i].Ref, cs)
		}
	}
}

// TestBrowserImportMapping imports a CSO's own spreadsheet through the
// column-mapping step: the columns clinsafe cannot guess are chosen, the
// preview shows the hazards as they would be read, the import adds them,
// and the second file with the same columns comes with the mapping
// remembered. axe-core runs on every page; the mapping page fits 320 px.
func TestBrowserImportMapping(t *testing.T) {
	browsertest.Enabled(t)
	st, _ := storetest.Open(t, "sqlite")
	base, orgs := webtest.BrowserDemoServer(t, st)
	ctx := browsertest.New(t)
	var trust store.Org
	for _, o := range orgs {
		if o.ODSCode == demo.TrustODS {
			trust = o
		}
	}
	rk := riskdb.New(st)
	sys, err := rk.CreateSystem(storetest.Operator, trust.ID, riskdb.System{Name: "Ward whiteboard", Manufacturer: "Acme Health", IntendedUse: "Showing the ward's patients", Standard: risk.DCB0160})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "our-hazards.csv")
	own := "Ref,Title,Notes,Sev,Lik,Mitigation,Mitigation type,Side\n" +
		"1,Wrong bed shown MAPPEDHAZ,Bed moves not synced,Major,Low,Nurse in charge checks the board each shift,Business process change,Deployer\n" +
		"2,Allergy flag hidden,,Catastrophic,Very low,,,\n"
	if err := os.WriteFile(file, []byte(own), 0o644); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		t.Helper()
		hs, err := rk.ListHazards(context.Background(), trust.ID, sys.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(hs)
	}
	upload := func(want int) {
		t.Helper()
		browsertest.Visit(t, ctx, base+"/risk/systems/"+sys.ID+"/import", http.StatusOK)
		if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file})); err != nil {
			t.Fatal(err)
		}
		browsertest.ClickNav(t, ctx, "main form button[type=submit]", want)
		if got := browsertest.Text(t, ctx, "h1"); got != "Match the columns of your hazard log" {
			t.Fatalf("after uploading a file in a layout of its own: h1 %q, want the mapping step", got)
		}
	}

	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, "cso@demo.clinsafe.test")

	// First time: clinsafe guesses the name and number, not "Sev" and
	// "Lik", so the step asks for them and imports nothing yet.
	upload(http.StatusUnprocessableEntity)
	if got := browsertest.Eval[string](t, ctx, `document.querySelector('#map-name').value`); got != "1" {
		t.Errorf("guessed column for the hazard name = %q, want 1 (Title)", got)
	}
	if got := browsertest.Text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(strings.ToLower(got), "initial severity") {
		t.Errorf("error summary %q, want the unmapped initial severity named", got)
	}
	browsertest.Select(t, ctx, "#map-initial_severity", "3")
	browsertest.Select(t, ctx, "#map-initial_likelihood", "4")
	browsertest.Select(t, ctx, "#map-description", "2")
	// The preview is drawn at 320 px: it fits without scrolling sideways.
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	browsertest.ClickNav(t, ctx, `button[name=step][value=preview]`, http.StatusOK)
	browsertest.Fits(t, ctx, 320, "the mapping step")
	browsertest.Screenshot(t, ctx, "risk-import-mapping-320")
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(1024, 800)); err != nil {
		t.Fatal(err)
	}
	preview := browsertest.Text(t, ctx, "#import-preview")
	for _, want := range []string{"MAPPEDHAZ", "Allergy flag hidden", "1 controls"} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview %q does not show %q", preview, want)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("the preview stored %d hazards", n)
	}
	browsertest.ClickNav(t, ctx, "#import-mapped", http.StatusOK)
	if got := browsertest.Text(t, ctx, ".nhsuk-notification-banner, .app-flash, main"); !strings.Contains(got, "remembered") {
		t.Errorf("after the import: %q, want it to say the mapping is remembered", got)
	}
	hs, err := rk.ListHazards(context.Background(), trust.ID, sys.ID)
	if err != nil || len(hs) != 2 {
		t.Fatalf("after the import: %d hazards, %v; want 2", len(hs), err)
	}
	var mapped bool
	for _, h := range hs {
		mapped = mapped || (strings.Contains(h.Name, "MAPPEDHAZ") && h.Description == "Bed moves not synced" && h.InitialSeverity == risk.Major && len(h.Controls) == 1)
	}
	if !mapped {
		t.Errorf("the mapped hazard was not stored with its description, severity and control: %+v", hs)
	}

	// Second time: the same columns come with the mapping remembered, ready
	// to import.
	upload(http.StatusOK)
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "chose the last time") {
		t.Errorf("second upload does not say the mapping is remembered: %q", got)
	}
	if got := browsertest.Eval[string](t, ctx, `document.querySelector('#map-initial_likelihood').value`); got != "4" {
		t.Errorf("remembered column for the initial likelihood = %q, want 4 (Lik)", got)
	}
	browsertest.ClickNav(t, ctx, "#import-mapped", http.StatusOK)
	if n := count(); n != 4 {
		t.Errorf("after the second import: %d hazards, want 4", n)
	}
}
