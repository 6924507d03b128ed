package devices

import (
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/gs1"
	"github.com/clinsafe/clinsafe/internal/apperr"
)

// hibc appends the HIBC check character to data.
func hibc(t *testing.T, data string) string {
	t.Helper()
	c, err := gs1.HIBCCheck(data)
	if err != nil {
		t.Fatal(err)
	}
	return data + string(c)
}

func TestParseScanHIBC(t *testing.T) {
	cases := []struct {
		in   string
		want Device
	}{
		{hibc(t, "+A123BJC5D6E71/$$3261231LOT123"), Device{Labeler: "A123", Catalogue: "BJC5D6E7", UnitOfMeasure: "1", Lot: "LOT123", Expiry: "2026-12-31"}},
		{"+A123BJC5D6E71/$+123456780", Device{Labeler: "A123", Catalogue: "BJC5D6E7", UnitOfMeasure: "1", Serial: "12345678"}},
		{"]d1" + hibc(t, "+H123XYZ0/$$+426123100SN9"), Device{Labeler: "H123", Catalogue: "XYZ", UnitOfMeasure: "0", Serial: "SN9", Expiry: "2026-12-31"}},
	}
	for _, c := range cases {
		d, err := ParseScan(c.in, now)
		if err != nil {
			t.Errorf("ParseScan(%q): %v", c.in, err)
			continue
		}
		c.want.Raw, c.want.EntryType = c.in, EntryBarcode
		if d.GTIN != "" || d.Labeler != c.want.Labeler || d.Catalogue != c.want.Catalogue || d.UnitOfMeasure != c.want.UnitOfMeasure ||
			d.Lot != c.want.Lot || d.Serial != c.want.Serial || d.Expiry != c.want.Expiry || d.Raw != c.want.Raw || d.EntryType != EntryBarcode {
			t.Errorf("ParseScan(%q)\n got %+v\nwant %+v", c.in, d, c.want)
		}
		if d.Key() != (ProductKey{Labeler: c.want.Labeler, Catalogue: c.want.Catalogue}) {
			t.Errorf("ParseScan(%q).Key() = %+v, want the labeler and catalogue number", c.in, d.Key())
		}
	}
	for _, c := range []struct{ in, want string }{
		{"+A123BJC5D6E71G", "scan its second HIBC label"},
		{hibc(t, "+$$3261231LOT123G"), "scan the HIBC label with the product code"},
		{"+A123BJC5D6E71/$+123456781", "could not be read"},
	} {
		_, err := ParseScan(c.in, now)
		if msg := apperr.FieldsOf(err)["barcode"]; !apperr.Is(err, apperr.Invalid) || !strings.Contains(msg, c.want) {
			t.Errorf("ParseScan(%q) = %v (%q), want a barcode error containing %q", c.in, err, msg, c.want)
		}
	}
}

func TestParseHIBCPair(t *testing.T) {
	d, err := ParseHIBCPair("+A123BJC5D6E71G", hibc(t, "+$$+3261231SER1G"), now)
	if err != nil {
		t.Fatal(err)
	}
	if d.Labeler != "A123" || d.Catalogue != "BJC5D6E7" || d.Serial != "SER1" || d.Expiry != "2026-12-31" || d.EntryType != EntryBarcode ||
		d.Raw != "+A123BJC5D6E71G "+hibc(t, "+$$+3261231SER1G") {
		t.Errorf("ParseHIBCPair = %+v", d)
	}
	for _, c := range []struct{ p, s, want string }{
		{"+A123BJC5D6E71G", hibc(t, "+$$+3261231SER1H"), "different products"},
		{hibc(t, "+$$+3261231SER1G"), "+A123BJC5D6E71G", "product code"},
		{"0109521234543213", hibc(t, "+$$+3261231SER1G"), "HIBC"},
	} {
		_, err := ParseHIBCPair(c.p, c.s, now)
		if msg := apperr.FieldsOf(err)["barcode"]; !apperr.Is(err, apperr.Invalid) || !strings.Contains(msg, c.want) {
			t.Errorf("ParseHIBCPair(%q, %q) = %v (%q), want a barcode error containing %q", c.p, c.s, err, msg, c.want)
		}
	}
}

func TestManualWithoutGTIN(t *testing.T) {
	d, err := ManualInput{Labeler: " a123 ", Catalogue: "bjc5d6e7", Lot: "L1", Expiry: "2027-01-31"}.Device()
	if err != nil || d.GTIN != "" || d.Labeler != "A123" || d.Catalogue != "BJC5D6E7" || d.Lot != "L1" || d.Expiry != "2027-01-31" || d.EntryType != EntryManual {
		t.Errorf("manual HIBC device = %+v, %v", d, err)
	}
	d, err = ManualInput{Manufacturer: " Acme Ortho ", Catalogue: " REF-12.3 ", Serial: "S1"}.Device()
	if err != nil || d.Manufacturer != "Acme Ortho" || d.Catalogue != "REF-12.3" || d.Serial != "S1" || d.Key() != (ProductKey{Manufacturer: "Acme Ortho", Catalogue: "REF-12.3"}) {
		t.Errorf("manual device by manufacturer = %+v (key %+v), %v", d, d.Key(), err)
	}
	d, err = ManualInput{GTIN: "09521234543213", Catalogue: "REF1", Manufacturer: "Acme", Lot: "L1"}.Device()
	if err != nil || d.GTIN != "09521234543213" || d.Catalogue != "REF1" || d.Key() != (ProductKey{GTIN: "09521234543213"}) {
		t.Errorf("manual device with GTIN and catalogue number = %+v, %v", d, err)
	}
	for _, c := range []struct {
		in          ManualInput
		field, want string
	}{
		{ManualInput{Lot: "L1"}, "gtin", "Enter the GTIN, or the manufacturer and catalogue number"},
		{ManualInput{Catalogue: "X1", Lot: "L1"}, "manufacturer", "Enter the manufacturer or its HIBC labeler code"},
		{ManualInput{Manufacturer: "Acme", Lot: "L1"}, "catalogue", "Enter the catalogue number"},
		{ManualInput{Labeler: "1ABC", Catalogue: "X1", Lot: "L1"}, "labeler", "4 letters or digits, the first a letter"},
		{ManualInput{Labeler: "A123", Catalogue: "X.1", Lot: "L1"}, "catalogue", "only letters and digits"},
		{ManualInput{Labeler: "A123", Catalogue: strings.Repeat("X", 19), Lot: "L1"}, "catalogue", "18 characters or fewer"},
		{ManualInput{Manufacturer: "Acme", Catalogue: strings.Repeat("X", 41), Lot: "L1"}, "catalogue", "40 characters or fewer"},
		{ManualInput{Manufacturer: strings.Repeat("M", 201), Catalogue: "X", Lot: "L1"}, "manufacturer", "200 characters or fewer"},
		{ManualInput{Manufacturer: "Acme", Catalogue: "X~1", Lot: "L1"}, "catalogue", "letters, digits and the punctuation"},
	} {
		_, err := c.in.Device()
		if msg := apperr.FieldsOf(err)[c.field]; !apperr.Is(err, apperr.Invalid) || !strings.Contains(msg, c.want) {
			t.Errorf("%+v.Device() = %v, field %s %q; want it to contain %q", c.in, err, c.field, msg, c.want)
		}
	}
}

func TestRulesHIBC(t *testing.T) {
	rules, err := ParseAffects("a123/bjc5d6e7 lots L1, L2\nA123/BJC5D6E7 serials S1\nH999/X all")
	if err != nil || len(rules) != 3 {
		t.Fatalf("ParseAffects = %+v, %v", rules, err)
	}
	if r := rules[0]; r.GTIN != "" || r.Labeler != "A123" || r.Catalogue != "BJC5D6E7" || r.Kind != RuleLots {
		t.Errorf("HIBC rule = %+v, want labeler A123 catalogue BJC5D6E7", r)
	}
	again, err := ParseAffects(FormatAffects(rules))
	if err != nil || FormatAffects(again) != FormatAffects(rules) || !strings.HasPrefix(FormatAffects(rules), "A123/BJC5D6E7 lots L1, L2\n") {
		t.Errorf("round trip: %v\n%s", err, FormatAffects(again))
	}
	hibcDev := Device{Labeler: "A123", Catalogue: "BJC5D6E7", Lot: "L2", Serial: "S1"}
	cases := []struct {
		r    Rule
		d    Device
		want bool
	}{
		{rules[0], hibcDev, true},
		{rules[1], hibcDev, true},
		{rules[0], Device{Labeler: "A124", Catalogue: "BJC5D6E7", Lot: "L2"}, false},
		{rules[0], Device{Labeler: "A123", Catalogue: "BJC5D6E8", Lot: "L2"}, false},
		{rules[0], Device{Manufacturer: "A123", Catalogue: "BJC5D6E7", Lot: "L2"}, false},
		{rules[2], Device{Labeler: "H999", Catalogue: "X"}, true},
		{rules[2], Device{GTIN: "09521234543213", Labeler: "H999", Catalogue: "X"}, true},
		{Rule{GTIN: "09521234543213", Kind: RuleAll}, hibcDev, false},
		{Rule{Kind: RuleAll}, Device{}, false},
	}
	for _, c := range cases {
		if got := (Recall{Rules: []Rule{c.r}}).Affects(RecordedDevice{Device: c.d}, nil); got != c.want {
			t.Errorf("%s matches %+v = %v, want %v", c.r, c.d, got, c.want)
		}
	}
	for _, bad := range []string{"A12/X all", "1234/X all", "A123/ all", "/X all", "A123/X.Y all", "A123/X/Y all"} {
		if _, err := ParseAffects(bad); !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)["affects"] == "" {
			t.Errorf("ParseAffects(%q) = %v, want an affects error", bad, err)
		}
	}
	// The structured form (the API) is validated the same way.
	r := Rule{Labeler: "a123", Catalogue: "bjc5d6e7", Kind: RuleAll}
	if msg := r.Validate(); msg != "" || r.Labeler != "A123" || r.Catalogue != "BJC5D6E7" {
		t.Errorf("Validate(HIBC rule) = %q, %+v", msg, r)
	}
	r = Rule{GTIN: "09521234543213", Labeler: "A123", Catalogue: "X", Kind: RuleAll}
	if msg := r.Validate(); msg == "" {
		t.Errorf("Validate(rule with a GTIN and an HIBC product) = \"\", want a message")
	}
}

// A primary HIBC label on its own is recognised, to keep until its
// secondary label is scanned, or to add without it; a secondary label on
// its own is recognised, to combine with the primary kept.
func TestHIBCPrimaryAndSecondary(t *testing.T) {
	d, ok := HIBCPrimary(" +A123BJC5D6E71G ", now)
	if !ok || d.Labeler != "A123" || d.Catalogue != "BJC5D6E7" || d.UnitOfMeasure != "1" || d.Lot != "" || d.Serial != "" || d.Expiry != "" ||
		d.Raw != "+A123BJC5D6E71G" || d.EntryType != EntryBarcode || len(d.Notes) == 0 {
		t.Errorf("HIBCPrimary(primary label) = %+v, %v", d, ok)
	}
	for _, in := range []string{hibc(t, "+A123BJC5D6E71/$$3261231LOT123"), hibc(t, "+$$+3261231SER1G"), "0109521234543213", "+A123BJC5D6E71H", ""} {
		if _, ok := HIBCPrimary(in, now); ok {
			t.Errorf("HIBCPrimary(%q) = true, want false", in)
		}
	}
	if !HIBCSecondary(hibc(t, "+$$+3261231SER1G"), now) || !HIBCSecondary(hibc(t, "+$$3261231LOT123G"), now) {
		t.Error("HIBCSecondary(secondary label) = false, want true")
	}
	for _, in := range []string{"+A123BJC5D6E71G", hibc(t, "+A123BJC5D6E71/$$3261231LOT123"), "0109521234543213", "+$$+3261231SER1GX"} {
		if HIBCSecondary(in, now) {
			t.Errorf("HIBCSecondary(%q) = true, want false", in)
		}
	}
}
