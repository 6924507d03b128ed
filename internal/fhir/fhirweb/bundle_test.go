package fhirweb_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

func bundleOf(typ string, entries ...string) string {
	return `{"resourceType":"Bundle","type":"` + typ + `","entry":[` + strings.Join(entries, ",") + `]}`
}

func postEntry(resource, ifNoneExist string) string {
	req := `{"method":"POST","url":"AdverseEvent"`
	if ifNoneExist != "" {
		req += `,"ifNoneExist":"` + ifNoneExist + `"`
	}
	return `{"resource":` + resource + `,"request":` + req + `}}`
}

func TestFHIRTransactionAndBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := newClient(t, f, "A/handler", "*.read", "*.write")
		withID := strings.Replace(incident(t, "From the EPR"), `"resourceType":"AdverseEvent",`, `"resourceType":"AdverseEvent","identifier":{"system":"https://epr.example/ids","value":"T-1"},`, 1)

		// All or nothing: the second entry is refused, so neither is stored.
		before := eventCount(t, st, f.OrgA)
		bad := strings.Replace(incident(t, "Bad"), `"actuality":"actual"`, `"actuality":"potential"`, 1)
		code, _, body := c.do("POST", "", bundleOf("transaction", postEntry(incident(t, "First"), ""), postEntry(bad, "")))
		if code < 400 || code >= 500 || !contains(outcome(t, body), "Bundle.entry[1].resource.actuality") {
			t.Fatalf("transaction with a bad entry: %d %s", code, body)
		}
		if n := eventCount(t, st, f.OrgA); n != before {
			t.Fatalf("a refused transaction stored %d events", n-before)
		}

		// Both stored, in one go; the conditional entry finds the first.
		code, _, body = c.do("POST", "", bundleOf("transaction",
			postEntry(incident(t, "First"), ""),
			postEntry(withID, "identifier=https://epr.example/ids|T-1"),
			postEntry(withID, "identifier=https://epr.example/ids|T-1")))
		bd := decodeBundle(t, body)
		if code != 200 || bd.Type != "transaction-response" || len(bd.Entry) != 3 {
			t.Fatalf("transaction: %d %s", code, body)
		}
		if s0, s1, s2 := bd.Entry[0].Response.Status, bd.Entry[1].Response.Status, bd.Entry[2].Response.Status; s0 != "201 Created" || s1 != "201 Created" || s2 != "200 OK" ||
			bd.Entry[1].Response.Location != bd.Entry[2].Response.Location {
			t.Errorf("transaction answers: %s %s %s (%s, %s)", s0, s1, s2, bd.Entry[1].Response.Location, bd.Entry[2].Response.Location)
		}
		if n := eventCount(t, st, f.OrgA); n != before+2 {
			t.Errorf("transaction stored %d events, want 2", n-before)
		}
		created := bd.Entry[0].Response.Location
		id := strings.Split(created, "/")[1]

		// A batch: each entry on its own.
		code, _, body = c.do("POST", "", bundleOf("batch",
			postEntry(incident(t, "Batch good"), ""),
			postEntry(bad, ""),
			`{"request":{"method":"GET","url":"AdverseEvent/`+id+`"}}`,
			`{"request":{"method":"DELETE","url":"AdverseEvent/`+id+`"}}`))
		bd = decodeBundle(t, body)
		if code != 200 || len(bd.Entry) != 4 || bd.Entry[0].Response.Status != "201 Created" || !strings.HasPrefix(bd.Entry[1].Response.Status, "4") ||
			bd.Entry[2].Response.Status != "200 OK" || !strings.HasPrefix(bd.Entry[3].Response.Status, "4") {
			t.Errorf("batch: %d %s", code, body)
		}
		if n := eventCount(t, st, f.OrgA); n != before+3 {
			t.Errorf("after the batch: %d events more, want 3", n-before)
		}
	})
}

func TestFHIRImplantRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test", Operator: true})
		dv := devicesdb.New(st)
		if _, err := dv.ImportCatalogue(ctx, f.OrgA.ID, []devices.Product{{GTIN: webtest.GTIN(1), Manufacturer: "Fictional Ortho", Brand: "Strata", Model: "Knee K2", DeviceType: 89}}); err != nil {
			t.Fatal(err)
		}
		proc, err := dv.CreateProcedure(ctx, f.OrgA.ID, devices.PatientInput{NHSNumber: "943 476 5919", Name: "Ada Patient", BirthDate: "1950-01-02"},
			devices.ProcedureInput{PerformedOn: "2026-11-20", Site: "Theatre 2", Laterality: "right", Clinician: "Mr B Surgeon", Description: "Right knee replacement"})
		if err != nil {
			t.Fatal(err)
		}
		raw := "(01)" + webtest.GTIN(1) + "(11)260105(17)281231(10)LOT7(21)SER1"
		d, err := devices.ParseScan(raw, storetest.FixedTime)
		if err != nil {
			t.Fatal(err)
		}
		im, err := dv.AddImplant(ctx, f.OrgA.ID, proc.ID, d)
		if err != nil {
			t.Fatal(err)
		}
		c := newClient(t, f, "A/devices", "Device.read", "Procedure.read", "Patient.read")

		code, _, body := c.do("GET", "/Device/"+im.ID, "")
		var dev struct {
			UDICarrier []struct{ DeviceIdentifier, CarrierHRF string } `json:"udiCarrier"`
			LotNumber, SerialNumber, ExpirationDate, ManufactureDate string
			Patient                                                  struct{ Reference string }
		}
		if err := json.Unmarshal(body, &dev); code != 200 || err != nil || len(dev.UDICarrier) != 1 || dev.UDICarrier[0].DeviceIdentifier != webtest.GTIN(1) ||
			dev.UDICarrier[0].CarrierHRF != raw || dev.LotNumber != "LOT7" || dev.SerialNumber != "SER1" || dev.ExpirationDate != "2028-12-31" ||
			dev.ManufactureDate != "2026-01-05" || dev.Patient.Reference != "Patient/"+proc.PatientID {
			t.Fatalf("device: %d %s", code, body)
		}
		for q, n := range map[string]int{"udi-di=" + webtest.GTIN(1): 1, "lot=LOT7": 1, "lot=NONE": 0, "serial=SER1": 1, "patient=Patient/" + proc.PatientID: 1} {
			if code, _, body := c.do("GET", "/Device?"+q, ""); code != 200 || len(decodeBundle(t, body).Entry) != n {
				t.Errorf("device search %s: %d %s", q, code, body)
			}
		}
		if code, _, body := c.do("GET", "/Procedure?patient="+proc.PatientID, ""); code != 200 || len(decodeBundle(t, body).Entry) != 1 || !strings.Contains(string(body), `"Device/`+im.ID+`"`) {
			t.Errorf("procedure search: %d %s", code, body)
		}
		if code, _, body := c.do("GET", "/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919", ""); code != 200 || len(decodeBundle(t, body).Entry) != 1 || !strings.Contains(string(body), "Ada Patient") {
			t.Errorf("patient search: %d %s", code, body)
		}
		if code, _, _ := c.do("GET", "/Patient?identifier=123", ""); code != 400 {
			t.Errorf("patient search by a bad NHS number: %d", code)
		}
		b := newClient(t, f, "B/devices", "*.read")
		for _, p := range []string{"/Device/" + im.ID, "/Procedure/" + proc.ID, "/Patient/" + proc.PatientID} {
			if code, _, body := b.do("GET", p, ""); code != 404 || strings.Contains(string(body), "Ada") {
				t.Errorf("org B reads %s: %d", p, code)
			}
		}
		if _, _, body := b.do("GET", "/Device?lot=LOT7", ""); len(decodeBundle(t, body).Entry) != 0 {
			t.Errorf("org B finds org A's device")
		}
	})
}
