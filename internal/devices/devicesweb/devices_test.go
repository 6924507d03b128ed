package devicesweb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/webtest"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

var procForm = url.Values{
	"patient_nhs_number": {"943 476 5919"}, "patient_name": {"Ada Patient"}, "patient_birth_date": {"1950-01-02"},
	"performed_on": {"2026-11-20"}, "site": {"Theatre 2"}, "laterality": {"right"}, "clinician": {"Mr B Surgeon"}, "description": {"Right knee replacement"},
}

var locProc = regexp.MustCompile(`^/devices/procedures/([0-9a-f-]{36})$`)

func TestDevicesScanFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/devices")
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
		if _, err := devicesdb.New(st).ImportCatalogue(ctx, f.OrgA.ID, []devices.Product{{GTIN: webtest.GTIN(1), Manufacturer: "Fictional Ortho", Brand: "Strata", Model: "Knee K2", DeviceType: 89}}); err != nil {
			t.Fatal(err)
		}
		// Bad input: per-field errors, 422, NHS.UK error summary.
		bad := url.Values{"patient_nhs_number": {"943 476 5918"}, "patient_birth_date": {"1950-02-30"}, "performed_on": {"2026-13-01"}}
		resp, body := webtest.Do(t, c, "POST", f.Srv.URL+"/devices/procedures", bad.Encode())
		if resp.StatusCode != 422 || !strings.Contains(body, "nhsuk-error-summary") || !strings.Contains(body, `href="#patient_nhs_number"`) ||
			!strings.Contains(body, "check digit") || !strings.Contains(body, `href="#performed_on"`) || !strings.Contains(body, `href="#laterality"`) {
			t.Fatalf("bad procedure: %d\n%s", resp.StatusCode, body)
		}
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+"/devices/procedures", procForm.Encode())
		m := locProc.FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != 303 || m == nil {
			t.Fatalf("create procedure: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		page := m[0]
		resp, body = webtest.Do(t, c, "GET", f.Srv.URL+page, "")
		if resp.StatusCode != 200 || !strings.Contains(body, `id="barcode"`) || !strings.Contains(body, "autofocus") || !strings.Contains(body, "/assets/devices/devices.js") {
			t.Fatalf("scan page: %d", resp.StatusCode)
		}
		// A scan without JavaScript: POST, redirect back to the scan field.
		scan := "]d201" + webtest.GTIN(1) + "17271231" + "10LOT7{GS}21SER1"
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+page+"/scan", url.Values{"barcode": {scan}, "text_gs": {"yes"}}.Encode())
		if resp.StatusCode != 303 || resp.Header.Get("Location") != page+"#barcode" {
			t.Fatalf("scan: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body = webtest.Do(t, c, "GET", f.Srv.URL+page, "")
		if !strings.Contains(body, "Device added: GTIN "+webtest.GTIN(1)+", lot LOT7, serial SER1") || !strings.Contains(body, "Strata Knee K2") || !strings.Contains(body, "31 December 2027") {
			t.Fatalf("after scan, page lacks the line or flash:\n%s", body)
		}
		// The same scan again, as the script sends it: stopped, not added.
		resp, body = webtest.Do(t, c, "POST", f.Srv.URL+page+"/scan", url.Values{"barcode": {scan}, "text_gs": {"yes"}}.Encode(), "X-Clinsafe-Fragment", "scan")
		if resp.StatusCode != 409 || strings.Contains(body, "<tr") || !strings.Contains(body, "already recorded in this procedure") {
			t.Fatalf("fragment scan: %d %s", resp.StatusCode, body)
		}
		// Unknown GTIN: recorded, flagged, as the script sends it.
		resp, body = webtest.Do(t, c, "POST", f.Srv.URL+page+"/scan", url.Values{"barcode": {"(01)" + webtest.GTIN(2) + "(17)290101(10)NEW"}}.Encode(), "X-Clinsafe-Fragment", "scan")
		if resp.StatusCode != 201 || !strings.HasPrefix(strings.TrimSpace(body), "<tr") || !strings.Contains(body, "Not in catalogue") {
			t.Fatalf("unknown GTIN: %d %s", resp.StatusCode, body)
		}
		// Malformed barcodes: 422 with the reason, page and fragment, never 500.
		for _, b := range []string{"0109999999999999", "hello", "01" + webtest.GTIN(1) + "17261341", "", strings.Repeat("9", 600), "\xff\xfe", "+A99912341/$$52001510X3"} {
			resp, body = webtest.Do(t, c, "POST", f.Srv.URL+page+"/scan", url.Values{"barcode": {b}}.Encode())
			if resp.StatusCode != 422 || !strings.Contains(body, `href="#barcode"`) {
				t.Errorf("scan %q: %d", b, resp.StatusCode)
			}
			resp, body = webtest.Do(t, c, "POST", f.Srv.URL+page+"/scan", url.Values{"barcode": {b}}.Encode(), "X-Clinsafe-Fragment", "scan")
			if resp.StatusCode != 422 || strings.Contains(body, "<html") {
				t.Errorf("fragment scan %q: %d %s", b, resp.StatusCode, body)
			}
		}
		// Manual entry, with errors first.
		resp, body = webtest.Do(t, c, "POST", f.Srv.URL+page+"/manual", url.Values{"gtin": {"12345"}, "expiry": {"2027-02-31"}}.Encode())
		if resp.StatusCode != 422 || !strings.Contains(body, `href="#gtin"`) || !strings.Contains(body, `href="#expiry"`) || !strings.Contains(body, `href="#lot"`) {
			t.Fatalf("bad manual: %d", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+page+"/manual", url.Values{"gtin": {webtest.GTIN(1)}, "lot": {"LOT8"}, "serial": {"SER9"}}.Encode())
		if resp.StatusCode != 303 {
			t.Fatalf("manual: %d", resp.StatusCode)
		}
		// Device pages.
		resp, body = webtest.Do(t, c, "GET", f.Srv.URL+"/devices/gtin/"+webtest.GTIN(1)+"/serial/SER1", "")
		if resp.StatusCode != 200 || strings.Count(body, "Ada Patient") != 1 {
			t.Errorf("device page: %d, %d mentions", resp.StatusCode, strings.Count(body, "Ada Patient"))
		}
		resp, _ = webtest.Do(t, c, "GET", f.Srv.URL+"/devices/gtin/123", "")
		if resp.StatusCode != 404 {
			t.Errorf("bad GTIN device page: %d", resp.StatusCode)
		}
		// Find the patient by NHS number.
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+"/devices/patients", "nhs_number=943+476+5919")
		if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/devices/patients/") {
			t.Errorf("find patient: %d", resp.StatusCode)
		}
		resp, body = webtest.Do(t, c, "POST", f.Srv.URL+"/devices/patients", "nhs_number=123")
		if resp.StatusCode != 422 || !strings.Contains(body, `href="#nhs_number"`) {
			t.Errorf("find bad number: %d", resp.StatusCode)
		}
		// Roles: a reporter cannot scan; an analyst cannot read patients.
		if resp, _ := webtest.Do(t, f.Client(t, "A/reporter"), "POST", f.Srv.URL+page+"/scan", "barcode=x"); resp.StatusCode != 403 {
			t.Errorf("reporter scan: %d", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, f.Client(t, "A/analyst"), "GET", f.Srv.URL+page, ""); resp.StatusCode != 403 {
			t.Errorf("analyst procedure: %d", resp.StatusCode)
		}
		resp, body = webtest.Do(t, f.Client(t, "A/cso"), "GET", f.Srv.URL+page, "")
		if resp.StatusCode != 200 || strings.Contains(body, `id="scan-form"`) {
			t.Errorf("CSO reads the procedure without a scan form: %d", resp.StatusCode)
		}
	})
}

func TestDevicesCatalogueAndRecall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/devices")
		// A file with bad rows imports nothing and lists each problem.
		csv := "gtin,manufacturer,brand,model,description,device_type\n" + webtest.GTIN(1) + ",Fictional Ortho,Strata,K2,Knee,89\n05099990000019,X,,Y,,89\n" + webtest.GTIN(3) + ",,,Z,,12\n"
		body, ct := webtest.MultipartFile(t, "file", "cat.csv", csv)
		resp, got := webtest.Do(t, c, "POST", f.Srv.URL+"/devices/catalogue", body, "Content-Type", ct)
		if resp.StatusCode != 422 || !strings.Contains(got, `id="import-problems"`) || !strings.Contains(got, "check digit") || !strings.Contains(got, "Enter the manufacturer") {
			t.Fatalf("bad import: %d\n%s", resp.StatusCode, got)
		}
		if ps, _ := devicesdb.New(st).ListProducts(context.Background(), f.OrgA.ID, "", 0); len(ps) != 0 {
			t.Fatalf("a failed import wrote %d products", len(ps))
		}
		body, ct = webtest.MultipartFile(t, "file", "cat.csv", "gtin,manufacturer,brand,model,description,device_type\n"+webtest.GTIN(1)+",Fictional Ortho,Strata,K2,Knee,89\n")
		if resp, _ := webtest.Do(t, c, "POST", f.Srv.URL+"/devices/catalogue", body, "Content-Type", ct); resp.StatusCode != 303 {
			t.Fatalf("import: %d", resp.StatusCode)
		}
		if resp, got := webtest.Do(t, f.Client(t, "A/analyst"), "GET", f.Srv.URL+"/devices/catalogue", ""); resp.StatusCode != 200 || !strings.Contains(got, "Strata K2") {
			t.Fatalf("analyst catalogue: %d", resp.StatusCode)
		}
		// Two patients, one affected.
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
		for i, lot := range []string{"A150", "B150"} {
			pin := devices.PatientInput{NHSNumber: []string{"9434765919", "9434765870"}[i], Name: fmt.Sprintf("Patient %s", lot), BirthDate: "1950-01-01", Address: "=HYPERLINK(x)"}
			p, err := devicesdb.New(st).CreateProcedure(ctx, f.OrgA.ID, pin, devices.ProcedureInput{PerformedOn: "2026-11-01", Site: "T1", Laterality: "left", Clinician: "Dr X", Description: "Knee"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := devicesdb.New(st).AddImplant(ctx, f.OrgA.ID, p.ID, devices.Device{GTIN: webtest.GTIN(1), Lot: lot, Serial: "S" + lot, EntryType: "manual"}); err != nil {
				t.Fatal(err)
			}
		}
		resp, got = webtest.Do(t, c, "POST", f.Srv.URL+"/devices/recalls", url.Values{"reference": {""}, "affects": {webtest.GTIN(1) + " lots from A1 to A999"}}.Encode())
		if resp.StatusCode != 422 || !strings.Contains(got, `href="#reference"`) || !strings.Contains(got, `href="#affects"`) || !strings.Contains(got, `href="#issued_on"`) {
			t.Fatalf("bad recall: %d", resp.StatusCode)
		}
		form := url.Values{"reference": {"FSN-TEST-1"}, "kind": {"fsn"}, "issuer": {"Fictional Ortho"}, "issued_on": {"2026-11-10"}, "manufacturer": {"Fictional Ortho"},
			"action_required": {"Review patients"}, "deadline": {"2026-12-31"}, "affects": {webtest.GTIN(1) + " lots from A100 to A199"}}
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+"/devices/recalls", form.Encode())
		if resp.StatusCode != 303 {
			t.Fatalf("create recall: %d", resp.StatusCode)
		}
		rpage := resp.Header.Get("Location")
		_, got = webtest.Do(t, c, "GET", f.Srv.URL+rpage, "")
		if !strings.Contains(got, "Patient A150") || strings.Contains(got, "Patient B150") || !strings.Contains(got, `<strong>1</strong> patient has`) {
			t.Fatalf("recall page:\n%s", got)
		}
		if resp, _ := webtest.Do(t, c, "POST", f.Srv.URL+rpage+"/match", "x=1"); resp.StatusCode != 303 {
			t.Fatalf("match: %d", resp.StatusCode)
		}
		_, got = webtest.Do(t, c, "GET", f.Srv.URL+rpage, "")
		m := regexp.MustCompile(`action="(/devices/recalls/[^"]+/patients/[^"]+)"`).FindStringSubmatch(got)
		if m == nil {
			t.Fatalf("no action form:\n%s", got)
		}
		if resp, _ := webtest.Do(t, c, "POST", f.Srv.URL+m[1], "status=bogus"); resp.StatusCode != 422 {
			t.Errorf("bogus status: %d", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, c, "POST", f.Srv.URL+m[1], "status=contacted&note=Letter+sent"); resp.StatusCode != 303 {
			t.Errorf("set status: %d", resp.StatusCode)
		}
		resp, got = webtest.Do(t, c, "GET", f.Srv.URL+rpage+"/letters.csv", "")
		if resp.StatusCode != 200 || !strings.Contains(got, "943 476 5919") || !strings.Contains(got, "Contacted") || !strings.Contains(got, "'=HYPERLINK") {
			t.Errorf("letters CSV: %d\n%s", resp.StatusCode, got)
		}
		// A device scanned after the recall is stopped before it is added.
		p, _ := devicesdb.New(st).CreateProcedure(ctx, f.OrgA.ID, devices.PatientInput{NHSNumber: "9434765870", Name: "Patient B150", BirthDate: "1950-01-01"},
			devices.ProcedureInput{PerformedOn: "2026-11-20", Site: "T1", Laterality: "left", Clinician: "Dr X", Description: "Knee revision"})
		resp, got = webtest.Do(t, c, "POST", f.Srv.URL+"/devices/procedures/"+p.ID+"/scan", url.Values{"barcode": {"01" + webtest.GTIN(1) + "10A120"}}.Encode(), "X-Clinsafe-Fragment", "scan")
		if resp.StatusCode != 409 || !strings.Contains(got, "FSN-TEST-1") || strings.Contains(got, "<tr") {
			t.Errorf("scan under recall: %d %s", resp.StatusCode, got)
		}
	})
}

func TestDevicesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/devices")
		u := f.Srv.URL + "/api/v1/devices"
		resp, got := webtest.Do(t, c, "POST", u+"/catalogue", `{"items":[{"gtin":"`+webtest.GTIN(1)+`","manufacturer":"Fictional","brand":"B","model":"M","description":"","device_type":93}]}`)
		if resp.StatusCode != 200 || !strings.Contains(got, `"imported": 1`) {
			t.Fatalf("import: %d %s", resp.StatusCode, got)
		}
		resp, got = webtest.Do(t, c, "POST", u+"/catalogue", "gtin,manufacturer,model,device_type\n123,X,Y,1\n", "Content-Type", "text/csv")
		if resp.StatusCode != 422 || !strings.Contains(got, `"row 2: gtin"`) {
			t.Fatalf("bad CSV import: %d %s", resp.StatusCode, got)
		}
		resp, got = webtest.Do(t, c, "POST", u+"/procedures", `{"patient":{"nhs_number":"123","name":"","birth_date":"1999-99-99"},"procedure":{"performed_on":"x"}}`)
		if resp.StatusCode != 422 || !strings.Contains(got, `"patient_nhs_number"`) || !strings.Contains(got, `"patient_birth_date"`) || !strings.Contains(got, `"performed_on"`) {
			t.Fatalf("bad procedure: %d %s", resp.StatusCode, got)
		}
		resp, got = webtest.Do(t, c, "POST", u+"/procedures", `{"patient":{"nhs_number":"9434765919","name":"Api Patient","birth_date":"1960-01-01"},"procedure":{"performed_on":"2026-11-20","site":"T4","laterality":"na","clinician":"Dr Y","description":"Stent"}}`)
		if resp.StatusCode != 201 {
			t.Fatalf("procedure: %d %s", resp.StatusCode, got)
		}
		var proc devicesdb.ProcedureDetail
		if err := json.Unmarshal([]byte(got), &proc); err != nil || proc.ID == "" || proc.Patient.NHSNumber.String() != "9434765919" {
			t.Fatalf("decode procedure: %v %s", err, got)
		}
		resp, got = webtest.Do(t, c, "POST", u+"/procedures/"+proc.ID+"/implants", `{"barcode":"0109999999999999"}`)
		if resp.StatusCode != 422 || !strings.Contains(got, `"barcode"`) {
			t.Fatalf("bad barcode: %d %s", resp.StatusCode, got)
		}
		resp, got = webtest.Do(t, c, "POST", u+"/procedures/"+proc.ID+"/implants", `{"barcode":"01`+webtest.GTIN(1)+`17280630\\x1d10L1<GS>21S1","text_gs":true}`)
		if resp.StatusCode != 201 || !strings.Contains(got, `"lot": "L1"`) || !strings.Contains(got, `"in_catalogue": true`) {
			t.Fatalf("add implant: %d %s", resp.StatusCode, got)
		}
		// The same serial again stops, as on the scan page: nothing is added
		// until the caller overrides with a reason.
		again := `{"barcode":"01` + webtest.GTIN(1) + `17280630\\x1d10L1<GS>21S1","text_gs":true`
		resp, got = webtest.Do(t, c, "POST", u+"/procedures/"+proc.ID+"/implants", again+`}`)
		if resp.StatusCode != 409 || !strings.Contains(got, `"stops"`) || !strings.Contains(got, `"override_reason"`) {
			t.Fatalf("the same serial again: %d %s, want 409 with the stops", resp.StatusCode, got)
		}
		resp, got = webtest.Do(t, c, "POST", u+"/procedures/"+proc.ID+"/implants", again+`,"override_reason":"Second component of a modular device, same label"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("override: %d %s", resp.StatusCode, got)
		}
		resp, got = webtest.Do(t, c, "POST", u+"/recalls", `{"reference":"NatPSA/1","kind":"natpsa","issuer":"NHS England","issued_on":"2026-11-21","manufacturer":"Fictional","action_required":"Review","affects":[{"gtin":"`+webtest.GTIN(1)+`","kind":"serials","serials":["S1"]}]}`)
		if resp.StatusCode != 201 {
			t.Fatalf("recall: %d %s", resp.StatusCode, got)
		}
		var rc devices.Recall
		json.Unmarshal([]byte(got), &rc)
		resp, got = webtest.Do(t, c, "GET", u+"/recalls/"+rc.ID, "")
		if resp.StatusCode != 200 || !strings.Contains(got, `"patients": 1`) {
			t.Fatalf("recall counts: %d %s", resp.StatusCode, got)
		}
		resp, got = webtest.Do(t, c, "GET", u+"/recalls/"+rc.ID+"/patients", "")
		if resp.StatusCode != 200 || !strings.Contains(got, "Api Patient") {
			t.Fatalf("recall patients: %d %s", resp.StatusCode, got)
		}
		if resp, got := webtest.Do(t, c, "POST", u+"/recalls/"+rc.ID+"/match", `{}`); resp.StatusCode != 200 || !strings.Contains(got, `"added": 1`) {
			t.Fatalf("match: %d %s", resp.StatusCode, got)
		}
		if resp, got := webtest.Do(t, c, "PUT", u+"/recalls/"+rc.ID+"/patients/"+proc.PatientID, `{"status":"reviewed","note":"ok"}`); resp.StatusCode != 204 {
			t.Fatalf("action: %d %s", resp.StatusCode, got)
		}
		if resp, got := webtest.Do(t, c, "POST", u+"/recalls", `{"reference":"R2","kind":"fsn","affects":[{"gtin":"123","kind":"nope"}]}`); resp.StatusCode != 422 || !strings.Contains(got, `"affects"`) {
			t.Fatalf("bad recall: %d %s", resp.StatusCode, got)
		}
		// Another organisation's devices user sees none of it.
		b := f.Client(t, "B/devices")
		for _, p := range []string{"/procedures/" + proc.ID, "/recalls/" + rc.ID, "/recalls/" + rc.ID + "/patients", "/implants/" + proc.ID} {
			if resp, got := webtest.Do(t, b, "GET", u+p, ""); resp.StatusCode != 404 || strings.Contains(got, "Api Patient") {
				t.Errorf("org B GET %s: %d", p, resp.StatusCode)
			}
		}
		if resp, got := webtest.Do(t, b, "GET", u+"/gtin/"+webtest.GTIN(1), ""); resp.StatusCode != 200 || strings.Contains(got, "Api Patient") {
			t.Errorf("org B device history: %d %s", resp.StatusCode, got)
		}
	})
}

// TestDevicesNoCrossOrgLeak walks every device page with organisation A's
// devices user, naming organisation B's procedure, patient, implant and
// recall: each answer is "not found" and never shows B's patient.
func TestDevicesNoCrossOrgLeak(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
		p, err := devicesdb.New(st).CreateProcedure(ctx, f.OrgB.ID, devices.PatientInput{NHSNumber: "9434765919", Name: "Bravo SECRETPATIENT", BirthDate: "1950-01-01"},
			devices.ProcedureInput{PerformedOn: "2026-11-01", Site: "T", Laterality: "left", Clinician: "X", Description: "Hip"})
		if err != nil {
			t.Fatal(err)
		}
		imp, _ := devicesdb.New(st).AddImplant(ctx, f.OrgB.ID, p.ID, devices.Device{GTIN: webtest.GTIN(5), Lot: "L", Serial: "S", EntryType: "manual"})
		rc, _ := devicesdb.New(st).CreateRecall(ctx, f.OrgB.ID, devices.RecallInput{Reference: "B1", Kind: "fsn", Issuer: "X", IssuedOn: "2026-11-01", Manufacturer: "X", ActionRequired: "X", Affects: webtest.GTIN(5) + " all"})
		devicesdb.New(st).StartRecallActions(ctx, f.OrgB.ID, rc.ID)
		c := f.Client(t, "A/devices")
		ids := map[string]string{"id": "", "patient": p.PatientID, "gtin": webtest.GTIN(5), "serial": "S"}
		srv := f.Srv.URL
		paths := []string{"/devices/patients/{id}", "/devices/procedures/{id}", "/devices/gtin/{gtin}", "/devices/gtin/{gtin}/serial/{serial}",
			"/devices/recalls/{id}", "/devices/recalls/{id}/letters.csv", "/api/v1/devices/gtin/{gtin}"}
		for _, path := range paths {
			for _, id := range []string{p.PatientID, p.ID, imp.ID, rc.ID} {
				ids["id"] = id
				u := path
				for k, v := range ids {
					u = strings.ReplaceAll(u, "{"+k+"}", v)
				}
				resp, got := webtest.Do(t, c, "GET", srv+u, "")
				if strings.Contains(got, "SECRETPATIENT") || (resp.StatusCode != 404 && !slices.Contains([]string{"/api/v1/devices/gtin/{gtin}"}, path)) {
					t.Errorf("GET %s: %d, leaks=%v", u, resp.StatusCode, strings.Contains(got, "SECRETPATIENT"))
				}
			}
		}
		for _, u := range []string{"/devices/procedures/" + p.ID + "/scan", "/devices/implants/" + imp.ID + "/remove", "/devices/implants/" + imp.ID + "/explant",
			"/devices/recalls/" + rc.ID + "/match", "/devices/recalls/" + rc.ID + "/patients/" + p.PatientID} {
			resp, got := webtest.Do(t, c, "POST", srv+u, "barcode=01"+webtest.GTIN(5)+"10L&status=contacted&explant_date=2026-11-02&explant_reason=x")
			if resp.StatusCode != 404 || strings.Contains(got, "SECRETPATIENT") {
				t.Errorf("POST %s: %d", u, resp.StatusCode)
			}
		}
		if d, _ := devicesdb.New(st).Procedure(ctx, f.OrgB.ID, p.ID); len(d.Implants) != 1 || d.Implants[0].ExplantedOn != "" {
			t.Errorf("org A changed org B's procedure: %+v", d.Implants)
		}
	})
}
