package devicesweb_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
	"github.com/clinsafe/clinsafe/nhsnumber"
)

func withForm(base url.Values, kv ...string) url.Values {
	v := url.Values{}
	for k, vs := range base {
		v[k] = vs
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// Recording a procedure for an NHS number on file shows the patient on
// file; a different name or date of birth stops the form, and changing the
// patient is a deliberate step, audited with before and after. Blank
// fields keep what is on file. Dates are typed in day, month and year.
func TestDevicesProcedurePatientOnFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/devices")
		first := withForm(procForm, "patient_birth_date", "", "patient_birth_date-day", "2", "patient_birth_date-month", "1", "patient_birth_date-year", "1950",
			"performed_on", "", "performed_on-day", "20", "performed_on-month", "11", "performed_on-year", "2026", "patient_address", "1 High Street", "patient_postcode", "LS1 4AP")
		newScanProcedure(t, c, f.Srv.URL, first)
		n, _ := nhsnumber.Parse("9434765919")
		onFile := func() (name, birth, address string) {
			p, err := devicesdb.New(st).PatientByNHSNumber(context.Background(), f.OrgA.ID, n)
			if err != nil {
				t.Fatal(err)
			}
			return p.Name, p.BirthDate, p.Address
		}
		if name, birth, _ := onFile(); name != "Ada Patient" || birth != "1950-01-02" {
			t.Fatalf("patient stored as %q born %q, want Ada Patient born 1950-01-02", name, birth)
		}

		// Find patient: the patient on file, for confirmation.
		resp, body := webtest.Do(t, c, "POST", f.Srv.URL+"/devices/procedures", url.Values{"patient_nhs_number": {"943 476 5919"}, "action": {"find"}}.Encode())
		if resp.StatusCode != 200 || !strings.Contains(body, `id="patient-on-file"`) || !strings.Contains(body, "Ada Patient") || !strings.Contains(body, "2 January 1950") {
			t.Fatalf("find patient: %d\n%s", resp.StatusCode, body)
		}

		// Another name: stopped, with the patient on file and the choice to update.
		resp, body = webtest.Do(t, c, "POST", f.Srv.URL+"/devices/procedures", withForm(procForm, "patient_name", "Adam Other").Encode())
		if resp.StatusCode != 422 || !strings.Contains(body, "nhsuk-error-summary") || !strings.Contains(body, `href="#patient_name"`) ||
			!strings.Contains(body, "does not match the patient on file") || !strings.Contains(body, `id="patient-on-file"`) || !strings.Contains(body, `name="update_details"`) {
			t.Fatalf("mismatched name: %d\n%s", resp.StatusCode, body)
		}
		if name, _, _ := onFile(); name != "Ada Patient" {
			t.Fatalf("a mismatch changed the patient's name to %q", name)
		}
		// Blank optional fields keep the address on file.
		newScanProcedure(t, c, f.Srv.URL, withForm(procForm, "patient_address", ""))
		if _, _, addr := onFile(); addr != "1 High Street" {
			t.Fatalf("a blank address erased the one on file: %q", addr)
		}
		// The deliberate update, audited with before and after.
		newScanProcedure(t, c, f.Srv.URL, withForm(procForm, "patient_name", "Ada Patient-Smith", "update_details", "yes"))
		if name, _, _ := onFile(); name != "Ada Patient-Smith" {
			t.Fatalf("update_details: name %q", name)
		}
		var summary string
		if err := st.SQL().QueryRow(`SELECT summary FROM audit_log WHERE action = 'implant_patient.update' ORDER BY seq DESC LIMIT 1`).Scan(&summary); err != nil ||
			!strings.Contains(summary, "Ada Patient → Ada Patient-Smith") {
			t.Fatalf("audit of the update = %q (%v)", summary, err)
		}
		// A date that is not real, in words.
		resp, body = webtest.Do(t, c, "POST", f.Srv.URL+"/devices/procedures", withForm(procForm, "performed_on", "", "performed_on-day", "31", "performed_on-month", "2", "performed_on-year", "2026").Encode())
		if resp.StatusCode != 422 || !strings.Contains(body, `href="#performed_on"`) || !strings.Contains(body, "date of the procedure") {
			t.Fatalf("31 February: %d\n%s", resp.StatusCode, body)
		}

		// The patient page's Change details form.
		p, _ := devicesdb.New(st).PatientByNHSNumber(context.Background(), f.OrgA.ID, n)
		resp, body = webtest.Do(t, c, "GET", f.Srv.URL+"/devices/patients/"+p.ID, "")
		if resp.StatusCode != 200 || !strings.Contains(body, `action="/devices/patients/`+p.ID+`/details"`) {
			t.Fatalf("patient page: %d", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+"/devices/patients/"+p.ID+"/details", url.Values{"patient_postcode": {"LS2 9JT"}}.Encode())
		if resp.StatusCode != 303 {
			t.Fatalf("change details: %d", resp.StatusCode)
		}
		got, _ := devicesdb.New(st).Patient(context.Background(), f.OrgA.ID, p.ID)
		if got.Postcode != "LS2 9JT" || got.Name != "Ada Patient-Smith" || got.Address != "1 High Street" {
			t.Fatalf("after change details: %+v", got)
		}
		if err := st.SQL().QueryRow(`SELECT summary FROM audit_log WHERE action = 'implant_patient.update' ORDER BY seq DESC LIMIT 1`).Scan(&summary); err != nil ||
			!strings.Contains(summary, "LS1 4AP → LS2 9JT") {
			t.Fatalf("audit of change details = %q (%v)", summary, err)
		}
		resp, body = webtest.Do(t, c, "POST", f.Srv.URL+"/devices/patients/"+p.ID+"/details", url.Values{"patient_email": {"not an email"}}.Encode())
		if resp.StatusCode != 422 || !strings.Contains(body, `href="#patient_email"`) {
			t.Fatalf("bad change: %d\n%s", resp.StatusCode, body)
		}
		// The removal of a device: its date in day, month and year, its errors linked to its own form.
		procPath := newScanProcedure(t, c, f.Srv.URL, withForm(procForm, "patient_name", "Ada Patient-Smith"))
		if resp, body := webtest.Do(t, c, "POST", f.Srv.URL+procPath+"/manual", url.Values{"gtin": {webtest.GTIN(4)}, "lot": {"EX1"}}.Encode()); resp.StatusCode != 303 {
			t.Fatalf("add a device: %d\n%s", resp.StatusCode, body)
		}
		var impID string
		if err := st.SQL().QueryRow(`SELECT id FROM implants WHERE lot = 'EX1'`).Scan(&impID); err != nil {
			t.Fatal(err)
		}
		resp, body = webtest.Do(t, c, "POST", f.Srv.URL+"/devices/implants/"+impID+"/explant", url.Values{"explant_date-" + impID + "-day": {"31"}, "explant_date-" + impID + "-month": {"2"},
			"explant_date-" + impID + "-year": {"2026"}, "explant_reason": {"Infection"}}.Encode())
		if resp.StatusCode != 422 || !strings.Contains(body, `href="#explant_date-`+impID+`"`) || !strings.Contains(body, `id="explant_date-`+impID+`"`) {
			t.Fatalf("explant on 31 February: %d\n%s", resp.StatusCode, body)
		}
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+"/devices/implants/"+impID+"/explant", url.Values{"explant_date-" + impID + "-day": {"22"}, "explant_date-" + impID + "-month": {"11"},
			"explant_date-" + impID + "-year": {"2026"}, "explant_reason": {"Infection"}}.Encode())
		if resp.StatusCode != 303 {
			t.Fatalf("explant: %d", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, f.Client(t, "A/cso"), "POST", f.Srv.URL+"/devices/patients/"+p.ID+"/details", "patient_postcode=X1"); resp.StatusCode != 403 {
			t.Errorf("CSO changes a patient: %d, want 403", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, f.Client(t, "B/devices"), "POST", f.Srv.URL+"/devices/patients/"+p.ID+"/details", "patient_postcode=X1"); resp.StatusCode != 404 {
			t.Errorf("org B changes org A's patient: %d, want 404", resp.StatusCode)
		}
	})
}
