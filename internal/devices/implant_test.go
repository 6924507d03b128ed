package devices

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

var now = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func TestParseScan(t *testing.T) {
	cases := []struct {
		in                        string
		gtin, lot, serial, expiry string
		wantErr                   string
	}{
		{"]d20109521234543213172612311" + "0ABC123\x1d21SN001", "09521234543213", "ABC123", "SN001", "2026-12-31", ""},
		{"(01)09521234543213(17)261200(10)ABC(21)1", "09521234543213", "ABC", "1", "2026-12-31", ""},
		{"https://id.example.com/01/09521234543213/10/L1/21/S1?17=270101", "09521234543213", "L1", "S1", "2027-01-01", ""},
		{"0109521234543214", "", "", "", "", "check digit"},
		{"01095212345432131726133110A", "", "", "", "", "not a real date"},
		{"hello world", "", "", "", "", "could not be read"},
		{"", "", "", "", "", "Scan the barcode"},
		{"10LOTONLY", "", "", "", "", "not the product code (GTIN)"},
	}
	for _, c := range cases {
		d, err := ParseScan(c.in, now)
		if c.wantErr != "" {
			msg := apperr.FieldsOf(err)["barcode"]
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(msg, c.wantErr) {
				t.Errorf("ParseScan(%q) error = %v (%q), want barcode error containing %q", c.in, err, msg, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseScan(%q): %v", c.in, err)
			continue
		}
		if d.GTIN != c.gtin || d.Lot != c.lot || d.Serial != c.serial || d.Expiry != c.expiry || d.EntryType != EntryBarcode {
			t.Errorf("ParseScan(%q) = %+v, want %s %s %s %s", c.in, d, c.gtin, c.lot, c.serial, c.expiry)
		}
	}
}

func TestManualAndPatientErrors(t *testing.T) {
	_, err := ManualInput{GTIN: "09521234543214", Lot: "a b", Expiry: "2026-02-30"}.Device()
	f := apperr.FieldsOf(err)
	if !strings.Contains(f["gtin"], "check digit") || f["lot"] == "" || f["expiry"] == "" {
		t.Errorf("manual errors = %v", f)
	}
	_, err = PatientInput{NHSNumber: "943 476 5918", Name: "A", BirthDate: "2030-01-01", Email: "nope"}.Patient("p_", now)
	f = apperr.FieldsOf(err)
	if !strings.Contains(f["p_nhs_number"], "check digit") || !strings.Contains(f["p_birth_date"], "past") || f["p_email"] == "" {
		t.Errorf("patient errors = %v", f)
	}
	p, err := PatientInput{NHSNumber: "943 476 5919", Name: " Ann ", BirthDate: "1950-01-02"}.Patient("", now)
	if err != nil || p.NHSNumber.String() != "9434765919" || p.Name != "Ann" {
		t.Errorf("valid patient = %+v, %v", p, err)
	}
}

func TestRules(t *testing.T) {
	g := "09521234543213"
	rules, err := ParseAffects(g + " lots A1, A2\n# comment\n\n" + g + " lots from A100 to A199\n" + g + " serials S1 S2\n" + g + " expiry from 2026-01-01 to 2026-06-30\n9521234543213 all")
	if err != nil || len(rules) != 5 {
		t.Fatalf("ParseAffects = %+v, %v", rules, err)
	}
	if rules[4].GTIN != g {
		t.Errorf("GTIN-13 not normalised: %q", rules[4].GTIN)
	}
	// Round trip.
	again, err := ParseAffects(FormatAffects(rules))
	if err != nil || FormatAffects(again) != FormatAffects(rules) {
		t.Errorf("round trip: %v\n%s", err, FormatAffects(again))
	}
	cases := []struct {
		r    Rule
		d    Device
		want bool
	}{
		{rules[0], Device{GTIN: g, Lot: "A2"}, true},
		{rules[0], Device{GTIN: g, Lot: "A3"}, false},
		{rules[0], Device{GTIN: "09521234543220", Lot: "A1"}, false},
		{rules[1], Device{GTIN: g, Lot: "A150"}, true},
		{rules[1], Device{GTIN: g, Lot: "A1500"}, false},
		{rules[1], Device{GTIN: g, Lot: "A200"}, false},
		{rules[2], Device{GTIN: g, Serial: "S2"}, true},
		{rules[3], Device{GTIN: g, Expiry: "2026-06-30"}, true},
		{rules[3], Device{GTIN: g, Expiry: ""}, false},
		{rules[4], Device{GTIN: g}, true},
	}
	for _, c := range cases {
		if got := (Recall{Rules: []Rule{c.r}}).Affects(RecordedDevice{Device: c.d}, nil); got != c.want {
			t.Errorf("%s matches %+v = %v, want %v", c.r, c.d, got, c.want)
		}
	}
	for _, bad := range []string{"", "09521234543214 all", g + " lots", g + " lots from B to A", g + " lots from A1 to A10", g + " expiry from 2026-13-01 to 2026-12-01", g + " frob", g + " lots a~b"} {
		_, err := ParseAffects(bad)
		if !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)["affects"] == "" {
			t.Errorf("ParseAffects(%q) = %v, want an affects error", bad, err)
		}
	}
}

func TestCatalogueCSV(t *testing.T) {
	good := "GTIN,manufacturer,brand,model,description,device_type\n09521234543213,Acme,Strata,H1,Hip stem,89\n\n9521234543220,Acme,,K1,,93\n"
	ps, err := ParseCatalogueCSV(strings.NewReader(good))
	if err != nil || len(ps) != 2 || ps[1].GTIN != "09521234543220" {
		t.Fatalf("ParseCatalogueCSV = %+v, %v", ps, err)
	}
	bad := "gtin,manufacturer,model,device_type\n09521234543214,Acme,H1,89\n09521234543213,,H2,12\n09521234543213,Acme,H3,x\n09521234543213,Acme,H4,89\n09521234543213,Acme,H4,89\n1,2\n"
	_, err = ParseCatalogueCSV(strings.NewReader(bad))
	var rows RowErrors
	if !apperr.Is(err, apperr.Invalid) || !errors.As(err, &rows) {
		t.Fatalf("err = %v", err)
	}
	want := map[int]bool{2: true, 3: true, 4: true, 6: true, 7: true}
	seen := map[int]bool{}
	for _, r := range rows {
		if !want[r.Row] {
			t.Errorf("unexpected row error %+v", r)
		}
		seen[r.Row] = true
	}
	if len(seen) != len(want) {
		t.Errorf("no error for rows %v; got %+v", want, rows)
	}
	for _, in := range []string{"", "foo,bar\n", "gtin,\"unterminated\n"} {
		if _, err := ParseCatalogueCSV(strings.NewReader(in)); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("ParseCatalogueCSV(%q) = %v, want Invalid", in, err)
		}
	}
}

func TestRecallInput(t *testing.T) {
	_, err := RecallInput{Kind: "x", IssuedOn: "2026-02-30", Deadline: "nope"}.Recall(now)
	f := apperr.FieldsOf(err)
	for _, k := range []string{"reference", "kind", "issuer", "issued_on", "manufacturer", "action_required", "deadline", "affects"} {
		if f[k] == "" {
			t.Errorf("no error for %s: %v", k, f)
		}
	}
}
