package devicesweb_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clinsafe/clinsafe/gs1"
	"github.com/clinsafe/clinsafe/internal/browsertest"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// devicesScan types a barcode into the scan field as a keyboard-wedge
// scanner does, characters then Enter, and waits until the page shows want
// device lines (or an error).
func devicesScan(t *testing.T, ctx context.Context, data string, want int, wantError bool) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.SendKeys(chromedp.CSS("#barcode"), data+"\n", chromedp.NodeVisible)); err != nil {
		t.Fatalf("scan %q: %v", data, err)
	}
	for {
		rows := browsertest.Eval[int](t, ctx, `document.querySelectorAll('#implant-lines tr').length`)
		shown := browsertest.Eval[bool](t, ctx, `!document.getElementById('barcode-error').hidden`)
		if rows == want && shown == wantError && (wantError || strings.Contains(browsertest.Eval[string](t, ctx, `document.getElementById('scan-status').textContent`), "Device added")) {
			return
		}
		select {
		case <-sctx.Done():
			t.Fatalf("after scanning %q: %d lines (want %d), error shown %v (want %v): %s", data, rows, want, shown, wantError, browsertest.Text(t, ctx, "main"))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// devicesStop types a barcode as devicesScan does and waits for the stop
// warning, without a line added.
func devicesStop(t *testing.T, ctx context.Context, data string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.SendKeys(chromedp.CSS("#barcode"), data+"\n", chromedp.NodeVisible)); err != nil {
		t.Fatalf("scan %q: %v", data, err)
	}
	if err := chromedp.Do(sctx, chromedp.WaitVisible(chromedp.CSS(`#scan-stop [role="alert"]`))); err != nil {
		t.Fatalf("after scanning %q, no stop shown: %v: %s", data, err, browsertest.Text(t, ctx, "main"))
	}
}

// devicesFillDate types a date into the NHS.UK date input id.
func devicesFillDate(t *testing.T, ctx context.Context, id, day, month, year string) {
	t.Helper()
	browsertest.Fill(t, ctx, "#"+id+"-day", day)
	browsertest.Fill(t, ctx, "#"+id+"-month", month)
	browsertest.Fill(t, ctx, "#"+id+"-year", year)
}

func devicesSetValue(t *testing.T, ctx context.Context, sel, value string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(sel), value, chromedp.NodeVisible)); err != nil {
		t.Fatalf("set %s: %v", sel, err)
	}
}

// TestBrowserDevices records a procedure at the point of care by typing
// scans into the scan field, as a wedge scanner does, then records a recall
// and finds the patient through it. axe-core runs on every page, and again
// on the scan page after lines and an error were added without a reload.
func TestBrowserDevices(t *testing.T) {
	browsertest.Enabled(t)
	st, _ := storetest.Open(t, "sqlite")
	base, _ := webtest.BrowserDemoServer(t, st)
	ctx := browsertest.New(t)

	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, "theatre@demo.clinsafe.test")
	browsertest.Visit(t, ctx, base+"/devices", http.StatusOK)
	browsertest.ClickNav(t, ctx, `a[href="/devices/procedures/new"]`, http.StatusOK)

	// The procedure form, first with a bad NHS number.
	browsertest.Fill(t, ctx, "#patient_nhs_number", "943 476 5918")
	browsertest.Fill(t, ctx, "#patient_name", "Rowan Browser")
	devicesFillDate(t, ctx, "patient_birth_date", "9", "4", "1961")
	devicesFillDate(t, ctx, "performed_on", "23", "11", "2026")
	browsertest.Fill(t, ctx, "#site", "Orthopaedic theatre 3")
	browsertest.Select(t, ctx, "#laterality", "left")
	browsertest.Fill(t, ctx, "#clinician", "Ms R Achebe")
	devicesSetValue(t, ctx, "#description", "Total hip replacement")
	browsertest.ClickNav(t, ctx, "#procedure-submit", http.StatusUnprocessableEntity)
	if got := browsertest.Text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(got, "check digit") {
		t.Errorf("error summary = %q, want the NHS number's check digit", got)
	}
	browsertest.Fill(t, ctx, "#patient_nhs_number", "943 476 5919")
	browsertest.ClickNav(t, ctx, "#procedure-submit", http.StatusOK)
	if got := browsertest.Text(t, ctx, "h1"); got != "Total hip replacement" {
		t.Fatalf("scan page h1 = %q", got)
	}
	if id := browsertest.Eval[string](t, ctx, `document.activeElement && document.activeElement.id`); id != "barcode" {
		t.Errorf("focus is on %q, want the scan field", id)
	}

	// Scans, typed as a wedge scanner types them, each followed by Enter,
	// from a scanner set to type the separator as text.
	browsertest.Click(t, ctx, "#text_gs")
	// The stem is under the demo's open recall: it stops before it is
	// added, with a warning announced as an alert, until overridden with a
	// reason. axe-core checks the warning, and it fits 320 px.
	stem := "]d20105099990000010172912311" + "0HS24041<GS>21BRW0001"
	devicesStop(t, ctx, stem)
	if got := browsertest.Text(t, ctx, "#scan-stop-callout"); !strings.Contains(got, "open recall") || !strings.Contains(got, "has not been added") {
		t.Errorf("stop = %q, want the recall named", got)
	}
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('#implant-lines tr').length`); n != 0 {
		t.Fatalf("a stopped device was added: %d lines", n)
	}
	browsertest.CheckA11y(t, ctx)
	devicesAt320(t, ctx, "scan page with a stop", "devices-scan-stop-320")
	browsertest.ClickNav(t, ctx, "#override-submit", http.StatusUnprocessableEntity)
	if got := browsertest.Text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(got, "Enter why") {
		t.Errorf("override without a reason: error summary %q", got)
	}
	browsertest.CheckA11y(t, ctx)
	devicesSetValue(t, ctx, "#override_reason", "Device lead checked: this stem is not in the recalled range")
	browsertest.ClickNav(t, ctx, "#override-submit", http.StatusOK)
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('#implant-lines tr').length`); n != 1 {
		t.Fatalf("after the override, %d lines, want 1", n)
	}
	browsertest.Click(t, ctx, "#text_gs")
	devicesScan(t, ctx, "0105099990000034173001311"+"0AC26101{GS}21BRW0002", 2, false)
	devicesScan(t, ctx, "not a barcode", 2, true)
	if got := browsertest.Text(t, ctx, "#barcode-error"); !strings.Contains(got, "could not be read") {
		t.Errorf("scan error = %q", got)
	}
	devicesScan(t, ctx, "(01)05099990000041(10)LN2610", 3, false)
	// The live region reads the new line as a sentence.
	if got := browsertest.Text(t, ctx, "#scan-status"); !strings.Contains(got, "Meridia Liner 52 mm, Highly") || !strings.Contains(got, "lot LN2610, serial none.") {
		t.Errorf("scan status = %q, want the product and \"serial none.\"", got)
	}
	if id := browsertest.Eval[string](t, ctx, `document.activeElement.id`); id != "barcode" {
		t.Errorf("after scanning, focus is on %q, want the scan field", id)
	}
	// The stem is under the demo's open recall: its line warns.
	if got := browsertest.Text(t, ctx, "#implant-lines tr:first-child"); !strings.Contains(got, "Recall") || !strings.Contains(got, "Meridia Hip stem size 3") {
		t.Errorf("first line = %q, want the product and a recall warning", got)
	}
	browsertest.CheckA11y(t, ctx)
	browsertest.Screenshot(t, ctx, "devices-scan")

	// Reload: the lines were saved, the warnings are still shown.
	loc, _, _ := strings.Cut(browsertest.Location(t, ctx), "#")
	browsertest.Visit(t, ctx, loc, http.StatusOK)
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('#implant-lines tr').length`); n != 3 {
		t.Errorf("after reload, %d lines, want 3", n)
	}

	// A recall of one serial number finds this patient.
	browsertest.Visit(t, ctx, base+"/devices/recalls", http.StatusOK)
	browsertest.ClickNav(t, ctx, `a[href="/devices/recalls/new"]`, http.StatusOK)
	browsertest.Fill(t, ctx, "#reference", "FSN-BROWSER-1")
	browsertest.Select(t, ctx, "#kind", "fsn")
	browsertest.Fill(t, ctx, "#issuer", "Northwind Orthopaedics (fictional)")
	browsertest.Fill(t, ctx, "#issued_on-day", "23")
	browsertest.Fill(t, ctx, "#issued_on-month", "11")
	browsertest.Fill(t, ctx, "#issued_on-year", "2026")
	browsertest.Fill(t, ctx, "#manufacturer", "Northwind Orthopaedics (fictional)")
	devicesSetValue(t, ctx, "#action_required", "Review in clinic")
	devicesSetValue(t, ctx, "#affects", "05099990000034 serials BRW0002")
	browsertest.ClickNav(t, ctx, "main form button[type=submit]", http.StatusOK)
	if got := browsertest.Text(t, ctx, "#recall-counts"); !strings.HasPrefix(got, "1 patient has 1 affected device") {
		t.Errorf("recall counts = %q", got)
	}
	if got := browsertest.Text(t, ctx, "#affected-patients"); !strings.Contains(got, "Rowan Browser") || !strings.Contains(got, "943 476 5919") {
		t.Fatalf("affected patients = %q", got)
	}
	browsertest.ClickNav(t, ctx, "main form[action$='/match'] button", http.StatusOK)
	browsertest.ClickNav(t, ctx, "#affected-patients a", http.StatusOK)
	if got := browsertest.Text(t, ctx, "h1"); got != "Rowan Browser" {
		t.Errorf("patient page h1 = %q", got)
	}
	if got := browsertest.Text(t, ctx, "main"); !strings.Contains(got, "FSN-BROWSER-1") || !strings.Contains(got, "To contact") {
		t.Errorf("patient page lacks the recall: %q", got)
	}
	// The device page, the catalogue and the procedures list.
	browsertest.Visit(t, ctx, base+"/devices/gtin/05099990000034/serial/BRW0002", http.StatusOK)
	if got := browsertest.Text(t, ctx, "main table"); !strings.Contains(got, "Rowan Browser") {
		t.Errorf("device history = %q", got)
	}
	browsertest.Visit(t, ctx, base+"/devices/catalogue", http.StatusOK)
	browsertest.Visit(t, ctx, base+"/devices/procedures", http.StatusOK)
	browsertest.Visit(t, ctx, base+"/devices/recalls", http.StatusOK)

	// The same NHS number with another name: the form stops, shows the
	// patient on file and offers the deliberate update.
	browsertest.Visit(t, ctx, base+"/devices/procedures/new", http.StatusOK)
	browsertest.Fill(t, ctx, "#patient_nhs_number", "943 476 5919")
	browsertest.ClickNav(t, ctx, "#find-patient", http.StatusOK)
	if got := browsertest.Text(t, ctx, "#patient-on-file"); !strings.Contains(got, "Rowan Browser") || !strings.Contains(got, "9 April 1961") {
		t.Errorf("patient on file = %q", got)
	}
	browsertest.Fill(t, ctx, "#patient_name", "Robin Browser")
	devicesFillDate(t, ctx, "patient_birth_date", "9", "4", "1961")
	devicesFillDate(t, ctx, "performed_on", "24", "11", "2026")
	browsertest.Fill(t, ctx, "#site", "Orthopaedic theatre 3")
	browsertest.Select(t, ctx, "#laterality", "right")
	browsertest.Fill(t, ctx, "#clinician", "Ms R Achebe")
	devicesSetValue(t, ctx, "#description", "Total hip replacement")
	browsertest.ClickNav(t, ctx, "#procedure-submit", http.StatusUnprocessableEntity)
	if got := browsertest.Text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(got, "does not match the patient on file") {
		t.Errorf("mismatch error summary = %q", got)
	}
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('#update_details').length`); n != 1 {
		t.Errorf("no choice to update the patient's details (%d)", n)
	}
	browsertest.CheckA11y(t, ctx)
	devicesAt320(t, ctx, "procedure form with the mismatch", "devices-patient-mismatch-320")
}

// devicesWait types data into the scan field as a wedge scanner does and
// waits until sel is visible (without a new line).
func devicesWait(t *testing.T, ctx context.Context, data, sel string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.SendKeys(chromedp.CSS("#barcode"), data+"\n", chromedp.NodeVisible)); err != nil {
		t.Fatalf("scan %q: %v", data, err)
	}
	if err := chromedp.Do(sctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		t.Fatalf("after scanning %q, no %s shown: %v: %s", data, sel, err, browsertest.Text(t, ctx, "main"))
	}
}

// devicesAt320 checks that the page fits 320 px, then widens it again.
func devicesAt320(t *testing.T, ctx context.Context, what, shot string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	browsertest.Fits(t, ctx, 320, what)
	browsertest.Screenshot(t, ctx, shot)
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserDevicesHIBCPairAndReadings scans an HIBC implant's two labels
// one after the other (the primary is kept and said in words, then the
// secondary completes the device), adds a primary label without its
// second label, and chooses the reading of an ambiguous GS1 scan. axe-core
// checks each state, and each fits 320 px.
func TestBrowserDevicesHIBCPairAndReadings(t *testing.T) {
	browsertest.Enabled(t)
	st, _ := storetest.Open(t, "sqlite")
	base, _ := webtest.BrowserDemoServer(t, st)
	ctx := browsertest.New(t)

	browsertest.Visit(t, ctx, base+"/login", http.StatusOK)
	webtest.BrowserSignIn(t, ctx, "theatre@demo.clinsafe.test")
	browsertest.Visit(t, ctx, base+"/devices/procedures", http.StatusOK)
	browsertest.ClickNav(t, ctx, `main table a[href^="/devices/procedures/"]`, http.StatusOK)
	lines := func() int {
		return browsertest.Eval[int](t, ctx, `document.querySelectorAll('#implant-lines tr').length`)
	}
	n := lines()

	// The primary label: kept, said in words (and in the live region), nothing added.
	primary, secondary := "+A123BJC5D6E71G", "+$$+3291231BRWHIBC1G"+string(mustHIBCCheck(t, "+$$+3291231BRWHIBC1G"))
	devicesWait(t, ctx, primary, "#scan-pending")
	if got := browsertest.Text(t, ctx, "#scan-pending"); !strings.Contains(got, "Primary label read: labeler A123, product BJC5D6E7. Scan the second label (lot, serial, expiry), or add without it") {
		t.Errorf("pending primary = %q", got)
	}
	if got := browsertest.Text(t, ctx, "#scan-status"); !strings.Contains(got, "Primary label read") {
		t.Errorf("live region = %q, want the primary label read", got)
	}
	if got := browsertest.Eval[string](t, ctx, `document.getElementById('hibc_primary').value`); got != primary {
		t.Errorf("kept primary = %q, want %q", got, primary)
	}
	if lines() != n {
		t.Fatalf("the primary label alone added a line")
	}
	browsertest.CheckA11y(t, ctx)
	devicesAt320(t, ctx, "scan page with a primary label kept", "devices-hibc-pending-320")

	// The secondary label completes the device.
	devicesScan(t, ctx, secondary, n+1, false)
	if got := browsertest.Text(t, ctx, "#implant-lines tr:last-child"); !strings.Contains(got, "A123") || !strings.Contains(got, "BRWHIBC1") || !strings.Contains(got, "31 December 2029") {
		t.Errorf("line of the pair = %q", got)
	}
	if got := browsertest.Eval[string](t, ctx, `document.getElementById('hibc_primary').value`); got != "" {
		t.Errorf("after the pair, kept primary = %q, want none", got)
	}
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('#scan-pending').length`); n != 0 {
		t.Errorf("after the pair, the pending message is still shown")
	}

	// A primary label added without its second label (a form post).
	devicesWait(t, ctx, "+A123XYZ0"+string(mustHIBCCheck(t, "+A123XYZ0")), "#scan-pending")
	browsertest.ClickNav(t, ctx, "#primary-only-submit", http.StatusOK)
	loc, _, _ := strings.Cut(browsertest.Location(t, ctx), "#")
	if lines() != n+2 {
		t.Fatalf("after adding the primary alone, %d lines, want %d", lines(), n+2)
	}
	browsertest.CheckA11y(t, ctx)

	// The scanner setting, remembered for the organisation from the scan page.
	browsertest.Click(t, ctx, "#text_gs")
	browsertest.ClickNav(t, ctx, "#text_gs-remember", http.StatusOK)
	if !browsertest.Eval[bool](t, ctx, `document.getElementById('text_gs').checked`) || !strings.Contains(browsertest.Text(t, ctx, "main"), "Setting saved for") {
		t.Errorf("after remembering the setting, the scan page's checkbox is not ticked")
	}
	browsertest.Visit(t, ctx, base+"/devices/settings", http.StatusOK)
	if !browsertest.Eval[bool](t, ctx, `document.getElementById('text_gs').checked`) {
		t.Errorf("settings page: the setting is not ticked")
	}
	browsertest.Click(t, ctx, "#text_gs")
	browsertest.ClickNav(t, ctx, "#settings-submit", http.StatusOK)
	browsertest.Visit(t, ctx, loc, http.StatusOK)
	if browsertest.Eval[bool](t, ctx, `document.getElementById('text_gs').checked`) {
		t.Errorf("after turning the setting off, the scan page's checkbox is ticked")
	}

	// An ambiguous GS1 scan: the readings are listed; the one chosen is added.
	devicesWait(t, ctx, "010952123454321310ABC12317291231", "#scan-choice")
	if got := browsertest.Text(t, ctx, "#scan-choice"); !strings.Contains(got, "Lot ABC123, expiry 31 December 2029, serial none") || !strings.Contains(got, "Lot ABC12317291231") {
		t.Errorf("readings = %q", got)
	}
	if lines() != n+2 {
		t.Fatalf("an ambiguous scan added a line")
	}
	browsertest.CheckA11y(t, ctx)
	devicesAt320(t, ctx, "scan page with readings to choose", "devices-readings-320")
	id := browsertest.Eval[string](t, ctx, `[...document.querySelectorAll('#scan-choice label')].find(l => l.textContent.startsWith('Lot ABC123,')).htmlFor`)
	browsertest.Click(t, ctx, "#"+id)
	browsertest.ClickNav(t, ctx, "#reading-submit", http.StatusOK)
	if lines() != n+3 {
		t.Fatalf("after choosing a reading, %d lines, want %d", lines(), n+3)
	}
	if got := browsertest.Text(t, ctx, "#implant-lines tr:last-child"); !strings.Contains(got, "09521234543213") || !strings.Contains(got, "ABC123") || !strings.Contains(got, "31 December 2029") {
		t.Errorf("line of the chosen reading = %q", got)
	}
	browsertest.CheckA11y(t, ctx)
}

func mustHIBCCheck(t *testing.T, data string) byte {
	t.Helper()
	c, err := gs1.HIBCCheck(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
