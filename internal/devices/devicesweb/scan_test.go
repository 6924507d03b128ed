package devicesweb_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/gs1"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// newScanProcedure records a procedure through the form and returns its
// page's path.
func newScanProcedure(t *testing.T, c *http.Client, base string, form url.Values) string {
	t.Helper()
	resp, body := webtest.Do(t, c, "POST", base+"/devices/procedures", form.Encode())
	m := locProc.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != 303 || m == nil {
		t.Fatalf("create procedure: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return m[0]
}

func implantCount(t *testing.T, st *store.DB, procPath string) int {
	t.Helper()
	var n int
	if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM implants WHERE procedure_id = $1`, strings.TrimPrefix(procPath, "/devices/procedures/")).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The scan page stops an expired device, a serial already implanted, the
// same product and lot twice and a device under open recall before they
// are added: an NHS.UK warning that is announced (role=alert), and the
// device is added only on an override with a reason, which is audited.
func TestDevicesScanStopAndOverride(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/devices")
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
		db := devicesdb.New(st)
		if _, err := db.ImportCatalogue(ctx, f.OrgA.ID, []devices.Product{{GTIN: webtest.GTIN(1), Manufacturer: "Fictional Ortho", Brand: "Strata", Model: "Knee K2", DeviceType: 89}}); err != nil {
			t.Fatal(err)
		}
		page := newScanProcedure(t, c, f.Srv.URL, procForm)
		scan := func(barcode string, extra url.Values, hdr ...string) (int, string) {
			v := url.Values{"barcode": {barcode}}
			for k, vs := range extra {
				v[k] = vs
			}
			resp, body := webtest.Do(t, c, "POST", f.Srv.URL+page+"/scan", v.Encode(), hdr...)
			return resp.StatusCode, body
		}

		// Expired: stopped, nothing written, the warning names the problem.
		expired := "(01)" + webtest.GTIN(1) + "(17)250101(10)OLD"
		code, body := scan(expired, nil)
		if code != 409 || !strings.Contains(body, "nhsuk-warning-callout") || !strings.Contains(body, `role="alert"`) ||
			!strings.Contains(body, "expired on 1 January 2025") || !strings.Contains(body, `name="override_reason"`) {
			t.Fatalf("expired scan: %d\n%s", code, body)
		}
		if n := implantCount(t, st, page); n != 0 {
			t.Fatalf("a stopped device was written: %d implants", n)
		}
		// As the script asks: the warning alone, not a line.
		code, body = scan(expired, nil, "X-Clinsafe-Fragment", "scan")
		if code != 409 || strings.Contains(body, "<html") || strings.Contains(body, "<tr") || !strings.Contains(body, `role="alert"`) {
			t.Fatalf("expired fragment scan: %d\n%s", code, body)
		}
		// An override without a reason is refused; with one it is added and audited.
		code, body = scan(expired, url.Values{"override": {"yes"}, "override_reason": {"  "}})
		if code != 422 || !strings.Contains(body, `href="#override_reason"`) || implantCount(t, st, page) != 0 {
			t.Fatalf("override without a reason: %d\n%s", code, body)
		}
		code, _ = scan(expired, url.Values{"override": {"yes"}, "override_reason": {"Device lead approved: only stock"}})
		if code != 303 || implantCount(t, st, page) != 1 {
			t.Fatalf("override with a reason: %d, %d implants", code, implantCount(t, st, page))
		}
		var summary string
		if err := st.SQL().QueryRow(`SELECT summary FROM audit_log WHERE action = 'implant.create' ORDER BY seq DESC LIMIT 1`).Scan(&summary); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(summary, "Device lead approved: only stock") || !strings.Contains(summary, "expired") {
			t.Errorf("audit of the override = %q, want the reason and what was overridden", summary)
		}

		// The same product and lot (no serial) twice in the procedure.
		lot := "(01)" + webtest.GTIN(1) + "(17)291231(10)LOTX"
		if code, body = scan(lot, nil); code != 303 {
			t.Fatalf("first lot scan: %d\n%s", code, body)
		}
		if code, body = scan(lot, nil); code != 409 || !strings.Contains(body, "lot LOTX is already recorded in this procedure") {
			t.Fatalf("second lot scan: %d\n%s", code, body)
		}

		// A serial already implanted in another patient.
		other := url.Values{}
		for k, v := range procForm {
			other[k] = v
		}
		other.Set("patient_nhs_number", "401 023 2137")
		other.Set("patient_name", "Bea Other")
		page2 := newScanProcedure(t, c, f.Srv.URL, other)
		if resp, body := webtest.Do(t, c, "POST", f.Srv.URL+page2+"/scan", url.Values{"barcode": {"(01)" + webtest.GTIN(1) + "(17)291231(21)SN77"}}.Encode()); resp.StatusCode != 303 {
			t.Fatalf("serial in the other procedure: %d\n%s", resp.StatusCode, body)
		}
		if code, body = scan("(01)"+webtest.GTIN(1)+"(17)291231(21)SN77", nil); code != 409 || !strings.Contains(body, "already recorded as implanted in another procedure") {
			t.Fatalf("serial implanted elsewhere: %d\n%s", code, body)
		}

		// An open recall of the device.
		if _, err := db.CreateRecall(ctx, f.OrgA.ID, devices.RecallInput{Reference: "FSN-9", Kind: "fsn", Issuer: "Maker", IssuedOn: "2026-11-01", Manufacturer: "Fictional Ortho",
			ActionRequired: "Quarantine stock", Affects: webtest.GTIN(3) + " all"}); err != nil {
			t.Fatal(err)
		}
		before := implantCount(t, st, page)
		if code, body = scan("(01)"+webtest.GTIN(3)+"(17)291231(10)R1", nil); code != 409 || !strings.Contains(body, "open recall FSN-9") {
			t.Fatalf("recalled device: %d\n%s", code, body)
		}
		if implantCount(t, st, page) != before {
			t.Fatal("a recalled device was written without an override")
		}
		// Manual entry stops the same way, and the override form posts its fields again.
		resp, body := webtest.Do(t, c, "POST", f.Srv.URL+page+"/manual", url.Values{"gtin": {webtest.GTIN(3)}, "lot": {"R2"}}.Encode())
		if resp.StatusCode != 409 || !strings.Contains(body, "open recall FSN-9") || !strings.Contains(body, `name="lot" value="R2"`) {
			t.Fatalf("manual recalled device: %d\n%s", resp.StatusCode, body)
		}
	})
}

// An ambiguous scan lists its readings in words; the chosen one is read
// strictly. Scan errors are plain words, the scanned text stays in the box,
// and text spellings of GS are separators only when the setting says so.
func TestDevicesScanReadingsAndWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/devices")
		page := newScanProcedure(t, c, f.Srv.URL, procForm)
		raw := "01" + webtest.GTIN(1) + "10ABC12317291231"
		resp, body := webtest.Do(t, c, "POST", f.Srv.URL+page+"/scan", url.Values{"barcode": {raw}}.Encode())
		if resp.StatusCode != 409 || !strings.Contains(body, `name="reading"`) || !strings.Contains(body, "Lot ABC123, expiry 31 December 2029, serial none") ||
			implantCount(t, st, page) != 0 {
			t.Fatalf("ambiguous scan: %d\n%s", resp.StatusCode, body)
		}
		// The form posts the reading's element string: take it from the
		// radio labelled with lot ABC123.
		m := regexp.MustCompile(`value="([^"]*)">\s*<label class="nhsuk-label nhsuk-radios__label" for="reading-\d+">Lot ABC123,`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no radio for lot ABC123:\n%s", body)
		}
		pick := html.UnescapeString(m[1])
		resp, body = webtest.Do(t, c, "POST", f.Srv.URL+page+"/scan", url.Values{"barcode": {raw}, "reading": {pick}}.Encode())
		if resp.StatusCode != 303 {
			t.Fatalf("chosen reading: %d\n%s", resp.StatusCode, body)
		}
		var lot, expiry string
		if err := st.SQL().QueryRow(`SELECT lot, expiry FROM implants WHERE procedure_id = $1`, strings.TrimPrefix(page, "/devices/procedures/")).Scan(&lot, &expiry); err != nil || lot != "ABC123" || expiry != "2029-12-31" {
			t.Fatalf("stored reading: lot %q expiry %q (%v)", lot, expiry, err)
		}

		// A check digit error in words, the text kept in the box.
		bad := "0109521234543214"
		resp, body = webtest.Do(t, c, "POST", f.Srv.URL+page+"/scan", url.Values{"barcode": {bad}}.Encode())
		if resp.StatusCode != 422 || !strings.Contains(body, "fails its check digit") || strings.Contains(body, "position") || !strings.Contains(body, `value="`+bad+`"`) {
			t.Fatalf("check digit error: %d\n%s", resp.StatusCode, body)
		}
		// Text GS: data by default, the separator with the setting.
		gs := "01" + webtest.GTIN(2) + "17291231" + "10LOT7{GS}21SER1"
		if resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+page+"/scan", url.Values{"barcode": {gs}}.Encode()); resp.StatusCode != 422 {
			t.Errorf("{GS} without the scanner setting: %d, want 422", resp.StatusCode)
		}
		if resp, body = webtest.Do(t, c, "POST", f.Srv.URL+page+"/scan", url.Values{"barcode": {gs}, "text_gs": {"yes"}}.Encode()); resp.StatusCode != 303 {
			t.Errorf("{GS} with the scanner setting: %d\n%s", resp.StatusCode, body)
		}
	})
}

// A device without a GTIN is typed by manufacturer and catalogue number;
// its line, flash and history page name it by them, never "GTIN " with
// nothing after it. An expiry date is typed in day, month and year.
func TestDevicesManualWithoutGTIN(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/devices")
		page := newScanProcedure(t, c, f.Srv.URL, procForm)
		resp, body := webtest.Do(t, c, "POST", f.Srv.URL+page+"/manual", url.Values{"manufacturer": {"Northwind Ortho"}, "catalogue": {"REF-77"}, "lot": {"L9"}, "serial": {"S9"},
			"expiry-day": {"30"}, "expiry-month": {"6"}, "expiry-year": {"2029"}}.Encode())
		if resp.StatusCode != 303 {
			t.Fatalf("manual without a GTIN: %d\n%s", resp.StatusCode, body)
		}
		_, body = webtest.Do(t, c, "GET", f.Srv.URL+page, "")
		if !strings.Contains(body, "Device added: Northwind Ortho, catalogue number REF-77, lot L9, serial S9. Check the warnings") || strings.Contains(body, "GTIN ,") || strings.Contains(body, "GTIN </") ||
			!strings.Contains(body, "30 June 2029") || !strings.Contains(body, `href="/devices/products?catalogue=REF-77&amp;manufacturer=Northwind&#43;Ortho"`) {
			t.Fatalf("scan page after manual entry:\n%s", body)
		}
		resp, body = webtest.Do(t, c, "GET", f.Srv.URL+"/devices/products?catalogue=REF-77&manufacturer=northwind+ortho", "")
		if resp.StatusCode != 200 || !strings.Contains(body, "Ada Patient") || !strings.Contains(body, "Northwind Ortho, catalogue number REF-77") {
			t.Fatalf("product history: %d\n%s", resp.StatusCode, body)
		}
		for _, q := range []string{"", "?catalogue=REF-77", "?manufacturer=X&catalogue=NONE", "?manufacturer=%01&catalogue=REF-77"} {
			if resp, _ := webtest.Do(t, c, "GET", f.Srv.URL+"/devices/products"+q, ""); resp.StatusCode != 404 {
				t.Errorf("product history %q: %d, want 404", q, resp.StatusCode)
			}
		}
		if resp, body := webtest.Do(t, f.Client(t, "B/devices"), "GET", f.Srv.URL+"/devices/products?catalogue=REF-77&manufacturer=Northwind+Ortho", ""); resp.StatusCode != 404 || strings.Contains(body, "Ada Patient") {
			t.Errorf("org B reads org A's product history: %d", resp.StatusCode)
		}
		resp, body = webtest.Do(t, c, "POST", f.Srv.URL+page+"/manual", url.Values{"manufacturer": {"Northwind Ortho"}, "lot": {"L9"}, "expiry-day": {"31"}, "expiry-month": {"2"}, "expiry-year": {"2029"}}.Encode())
		if resp.StatusCode != 422 || !strings.Contains(body, `href="#catalogue"`) || !strings.Contains(body, `href="#expiry"`) {
			t.Fatalf("bad manual entry: %d\n%s", resp.StatusCode, body)
		}
	})
}

// hibcLabel appends the HIBC check character to data.
func hibcLabel(t *testing.T, data string) string {
	t.Helper()
	c, err := gs1.HIBCCheck(data)
	if err != nil {
		t.Fatal(err)
	}
	return data + string(c)
}

// An HIBC implant with its data on two labels: the primary label scanned
// on its own is kept (a hidden field) with a plain message, and the next
// scan of its secondary label is combined with it, checked by the link
// character, and stops like any scan; a secondary without a primary, or
// of another product, is a clear error. The primary can be added alone.
// The scanner setting is checked on the same page (checkTextGSSetting).
func TestDevicesScanHIBCPair(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/devices")
		page := newScanProcedure(t, c, f.Srv.URL, procForm)
		scan := func(v url.Values, hdr ...string) (int, string) {
			resp, body := webtest.Do(t, c, "POST", f.Srv.URL+page+"/scan", v.Encode(), hdr...)
			return resp.StatusCode, body
		}
		checkTextGSSetting(t, st, f, c, page)
		primary, secondary := "+A123BJC5D6E71G", hibcLabel(t, "+$$+3291231SER1G")
		other := hibcLabel(t, "+$$+3291231SER1H") // links to another primary

		code, body := scan(url.Values{"barcode": {primary}})
		if code != 200 || !strings.Contains(body, "Primary label read: labeler A123, product BJC5D6E7. Scan the second label (lot, serial, expiry), or add without it") ||
			!strings.Contains(body, `name="hibc_primary" value="`+attrValue(primary)+`"`) || implantCount(t, st, page) != 0 {
			t.Fatalf("primary label alone: %d\n%s", code, body)
		}
		code, body = scan(url.Values{"barcode": {primary}}, "X-Clinsafe-Fragment", "scan")
		if code != 202 || strings.Contains(body, "<html") || !strings.Contains(body, `data-hibc-primary="`+attrValue(primary)+`"`) || !strings.Contains(body, "Primary label read") {
			t.Fatalf("primary label alone, as the script asks: %d\n%s", code, body)
		}

		// A secondary with no primary kept, and one of another product.
		code, body = scan(url.Values{"barcode": {secondary}})
		if code != 422 || !strings.Contains(body, "no product code") || implantCount(t, st, page) != 0 {
			t.Fatalf("secondary label alone: %d\n%s", code, body)
		}
		code, body = scan(url.Values{"barcode": {other}, "hibc_primary": {primary}})
		if code != 422 || !strings.Contains(body, "do not belong together") || !strings.Contains(body, `name="hibc_primary" value="`+attrValue(primary)+`"`) ||
			implantCount(t, st, page) != 0 {
			t.Fatalf("secondary of another product: %d\n%s", code, body)
		}

		// The pair: one device with the primary's product and the secondary's serial and expiry.
		if code, body = scan(url.Values{"barcode": {secondary}, "hibc_primary": {primary}}); code != 303 {
			t.Fatalf("the pair: %d\n%s", code, body)
		}
		var labeler, catalogue, serial, expiry, raw string
		if err := st.SQL().QueryRow(`SELECT labeler, catalogue, serial, expiry, raw FROM implants WHERE procedure_id = $1`, strings.TrimPrefix(page, "/devices/procedures/")).
			Scan(&labeler, &catalogue, &serial, &expiry, &raw); err != nil {
			t.Fatal(err)
		}
		if labeler != "A123" || catalogue != "BJC5D6E7" || serial != "SER1" || expiry != "2029-12-31" || raw != primary+" "+secondary {
			t.Errorf("stored pair: %q %q %q %q %q", labeler, catalogue, serial, expiry, raw)
		}
		// The same pair again stops (the serial is recorded), and the
		// override form posts both labels again.
		code, body = scan(url.Values{"barcode": {secondary}, "hibc_primary": {primary}})
		if code != 409 || !strings.Contains(body, `name="hibc_primary" value="`+attrValue(primary)+`"`) || !strings.Contains(body, `name="override_reason"`) {
			t.Fatalf("the pair again: %d\n%s", code, body)
		}
		if code, body = scan(url.Values{"barcode": {secondary}, "hibc_primary": {primary}, "override": {"yes"}, "override_reason": {"Second side, same device type"}}); code != 303 || implantCount(t, st, page) != 2 {
			t.Fatalf("the pair overridden: %d, %d implants\n%s", code, implantCount(t, st, page), body)
		}

		// Another device scanned while a primary label is kept: added, and
		// the practitioner is told the primary label was not.
		if code, body = scan(url.Values{"barcode": {"(01)" + webtest.GTIN(2) + "(17)291231(10)LOTP"}, "hibc_primary": {primary}}); code != 303 || implantCount(t, st, page) != 3 {
			t.Fatalf("GS1 scan with a primary kept: %d\n%s", code, body)
		}
		if body := webtest.Get(t, c, f.Srv.URL+page, 200); !strings.Contains(body, "The HIBC label with the product code scanned before it (labeler A123, product BJC5D6E7) was not added") {
			t.Errorf("no word that the kept primary label was not added\n%s", body)
		}
		resp, _ := webtest.Do(t, c, "POST", f.Srv.URL+page+"/scan", url.Values{"barcode": {"(01)" + webtest.GTIN(2) + "(17)291231(10)LOTQ"}, "hibc_primary": {primary}}.Encode(), "X-Clinsafe-Fragment", "scan")
		if resp.StatusCode != 201 || !strings.Contains(resp.Header.Get("X-Clinsafe-Scan-Note"), "was not added") {
			t.Errorf("fragment scan with a primary kept: %d, note %q", resp.StatusCode, resp.Header.Get("X-Clinsafe-Scan-Note"))
		}

		// Added without the second label.
		if code, body = scan(url.Values{"barcode": {hibcLabel(t, "+A123XYZ0")}, "primary_only": {"yes"}}); code != 303 || implantCount(t, st, page) != 5 {
			t.Fatalf("primary added alone: %d\n%s", code, body)
		}
		// primary_only with a label that is not a primary on its own.
		if code, body = scan(url.Values{"barcode": {secondary}, "primary_only": {"yes"}}); code != 422 || implantCount(t, st, page) != 5 {
			t.Fatalf("primary_only with a secondary label: %d\n%s", code, body)
		}

		// The JSON API takes the two labels as barcode and secondary_barcode.
		api := f.Client(t, "A/devices")
		id := strings.TrimPrefix(page, "/devices/procedures/")
		resp, body = webtest.Do(t, api, "POST", f.Srv.URL+"/api/v1/devices/procedures/"+id+"/implants",
			`{"barcode":"+A123BJC5D6E71G","secondary_barcode":"`+hibcLabel(t, "+$$+3291231SER2G")+`"}`)
		if resp.StatusCode != 201 || !strings.Contains(body, `"serial": "SER2"`) || !strings.Contains(body, `"labeler": "A123"`) {
			t.Fatalf("API pair: %d\n%s", resp.StatusCode, body)
		}
		for _, b := range []string{
			`{"barcode":"+A123BJC5D6E71G"}`,
			`{"barcode":"+A123BJC5D6E71G","secondary_barcode":"` + other + `"}`,
			`{"secondary_barcode":"` + secondary + `"}`,
			`{"barcode":"0109521234543213","secondary_barcode":"` + secondary + `"}`,
		} {
			if resp, body := webtest.Do(t, api, "POST", f.Srv.URL+"/api/v1/devices/procedures/"+id+"/implants", b); resp.StatusCode != 422 {
				t.Errorf("API %s: %d, want 422\n%s", b, resp.StatusCode, body)
			}
		}
	})
}

// attrValue is s as html/template writes it in an attribute.
func attrValue(s string) string { return strings.ReplaceAll(html.EscapeString(s), "+", "&#43;") }
