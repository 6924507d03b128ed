package devices

import (
	"slices"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

const rcG = "05012345678900"

// TestRuleMatchesCaseAndSpace: a lot or serial differing from the notice
// only in letter case or surrounding spaces is the same lot.
func TestRuleMatchesCaseAndSpace(t *testing.T) {
	cases := []struct {
		rule Rule
		dev  Device
	}{
		{Rule{GTIN: rcG, Kind: RuleLots, Lots: []string{"abc123"}}, Device{GTIN: rcG, Lot: "ABC123"}},
		{Rule{GTIN: rcG, Kind: RuleLots, Lots: []string{"ABC123"}}, Device{GTIN: rcG, Lot: " abc123 "}},
		{Rule{GTIN: rcG, Kind: RuleSerials, Serials: []string{"sn-1"}}, Device{GTIN: rcG, Serial: "SN-1"}},
		{Rule{GTIN: rcG, Kind: RuleLotRange, From: "a100", To: "a199"}, Device{GTIN: rcG, Lot: "A150"}},
	}
	for _, c := range cases {
		if !(Recall{Rules: []Rule{c.rule}}).Affects(RecordedDevice{Device: c.dev}, nil) {
			t.Errorf("%s does not match %+v, want a match", c.rule, c.dev)
		}
	}
}

// TestParseAffectsLotWithComma: a lot containing a comma can be typed, one
// per line, and the text written back reads the same.
func TestParseAffectsLotWithComma(t *testing.T) {
	rules, err := ParseAffects(rcG + " lot A,123\n" + rcG + " lot B7")
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 1 || !slices.Equal(rules[0].Lots, []string{"A,123", "B7"}) {
		t.Fatalf("ParseAffects = %+v, want one rule with lots A,123 and B7", rules)
	}
	again, err := ParseAffects(FormatAffects(rules))
	if err != nil || len(again) != 1 || !slices.Equal(again[0].Lots, rules[0].Lots) {
		t.Errorf("round trip of %q = %+v, %v", FormatAffects(rules), again, err)
	}
}

// TestMatcherClassify: every device of a recalled product is affected,
// possibly affected with a reason, or not affected, as the rules in
// recall_match.go say; none that might be affected is dropped.
func TestMatcherClassify(t *testing.T) {
	hip := Product{GTIN: rcG, Manufacturer: "Acme Orthopaedics Ltd", Model: "Hip Stem 12", CatalogueNumber: "71-345"}
	rc := func(affects string) Recall {
		t.Helper()
		rules, err := ParseAffects(affects)
		if err != nil {
			t.Fatalf("ParseAffects(%q): %v", affects, err)
		}
		return Recall{Manufacturer: "ACME ORTHOPAEDICS LIMITED", Rules: rules}
	}
	dev := func(lot, serial, expiry string) RecordedDevice {
		return RecordedDevice{Device: Device{GTIN: rcG, Lot: lot, Serial: serial, Expiry: expiry}}
	}
	cases := []struct {
		name    string
		affects string
		d       RecordedDevice
		want    string
		reason  string // part of a reason, for possible matches
	}{
		{"exact lot", rcG + " lots 12345", dev("12345", "", ""), MatchAffected, ""},
		{"lot case and space", rcG + " lots abc123", dev(" ABC123", "", ""), MatchAffected, ""},
		{"lot leading zero", rcG + " lots 12345", dev("012345", "", ""), MatchPossible, "lot 012345 is close to the listed 12345"},
		{"listed leading zero", rcG + " lots 012345", dev("12345", "", ""), MatchPossible, "close to the listed 012345"},
		{"lot separators", rcG + " lots A-123", dev("A123", "", ""), MatchPossible, "close"},
		{"other lot", rcG + " lots 12345", dev("12346", "", ""), MatchNone, ""},
		{"no lot recorded", rcG + " lots 12345", dev("", "S1", "2027-01-01"), MatchPossible, "no lot recorded"},
		{"serial case", rcG + " serials sn001", dev("L", "SN001", ""), MatchAffected, ""},
		{"serial zeros", rcG + " serials 0001234", dev("L", "1234", ""), MatchPossible, "serial number 1234 is close"},
		{"no serial recorded", rcG + " serials SN1", dev("L", "", ""), MatchPossible, "no serial number recorded"},
		{"range", rcG + " lots from a100 to a199", dev("A150", "", ""), MatchAffected, ""},
		{"range longer lot", rcG + " lots from A100 to A199", dev("A1500", "", ""), MatchNone, ""},
		{"range leading zero", rcG + " lots from 12000 to 12999", dev("012345", "", ""), MatchPossible, "close to the range"},
		{"range no lot", rcG + " lots from 12000 to 12999", dev("", "S", ""), MatchPossible, "no lot recorded"},
		{"expiry in window", rcG + " expiry from 2027-01-01 to 2027-03-31", dev("L", "", "2027-02-01"), MatchAffected, ""},
		{"expiry outside", rcG + " expiry from 2027-01-01 to 2027-03-31", dev("L", "", "2027-04-01"), MatchNone, ""},
		{"expiry not recorded", rcG + " expiry from 2027-01-01 to 2027-03-31", dev("L", "", ""), MatchPossible, "no expiry date recorded"},
		{"other GTIN", rcG + " all", RecordedDevice{Device: Device{GTIN: "05012345678917", Lot: "L"}}, MatchNone, ""},
		{"catalogue number", "REF 71-345 lots L1", RecordedDevice{Device: Device{GTIN: "05012345678917", Lot: "l1"}, Manufacturer: "Acme Orthopaedics", CatalogueNumber: "71-345"}, MatchAffected, ""},
		{"catalogue number near", "REF 71-345 all", RecordedDevice{Device: Device{GTIN: "05012345678917"}, Manufacturer: "Acme Orthopaedics", CatalogueNumber: "71345"}, MatchPossible, "catalogue number 71345 is close"},
		{"catalogue number, other maker name", "REF 71-345 all", RecordedDevice{Device: Device{GTIN: "05012345678917"}, Manufacturer: "Acme", CatalogueNumber: "71-345"}, MatchPossible, "manufacturer is recorded as"},
		{"catalogue number, other lot", "REF 71-345 lots L1", RecordedDevice{Device: Device{GTIN: "05012345678917", Lot: "L2"}, Manufacturer: "Acme Orthopaedics", CatalogueNumber: "71-345"}, MatchNone, ""},
		{"no GTIN, same maker and model", rcG + " lots L1", RecordedDevice{Device: Device{Lot: "L1"}, Manufacturer: "acme orthopaedics", Model: "HIP STEM 12"}, MatchPossible, "recorded without a GTIN"},
		{"no GTIN, same catalogue number", rcG + " all", RecordedDevice{Device: Device{}, Manufacturer: "Acme Orthopaedics plc", CatalogueNumber: "71345"}, MatchPossible, "same manufacturer and catalogue number"},
		{"no GTIN, other model", rcG + " all", RecordedDevice{Device: Device{}, Manufacturer: "Acme Orthopaedics", Model: "Knee"}, MatchNone, ""},
		{"best rule wins", rcG + " lots 012345\n" + rcG + " serials S1", dev("12345", "s1", ""), MatchAffected, ""},
	}
	for _, c := range cases {
		got, reasons := NewMatcher(rc(c.affects), []Product{hip}).Classify(c.d)
		joined := strings.Join(reasons, "; ")
		if got != c.want || (c.reason != "" && !strings.Contains(joined, c.reason)) || (c.want == MatchAffected && len(reasons) > 0) {
			t.Errorf("%s: Classify(%+v) under %q = %q %q, want %q with reason %q", c.name, c.d, c.affects, got, joined, c.want, c.reason)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	same := [][2]string{{"Acme Orthopaedics Ltd.", "ACME ORTHOPAEDICS LIMITED"}, {"Acme (UK) Ltd", "acme"}, {"Acme-Ortho GmbH", "acme ortho"}}
	for _, p := range same {
		if NormalizeName(p[0]) != NormalizeName(p[1]) {
			t.Errorf("NormalizeName(%q) = %q, NormalizeName(%q) = %q; want equal", p[0], NormalizeName(p[0]), p[1], NormalizeName(p[1]))
		}
	}
	if NormalizeName("Acme") == NormalizeName("Apex") || NormalizeName("Ltd") == "" {
		t.Errorf("NormalizeName merges different names or empties a name")
	}
}

// TestParseAffectsForms: the catalogue number form, the one-per-line form
// and clear messages for lines that mix them up.
func TestParseAffectsForms(t *testing.T) {
	rules, err := ParseAffects("REF 71-345 lots A1, A2\nref 99 lot x,1\nREF 99 lot X,2\n" + rcG + " serial S,1\n" + rcG + " lot from")
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{
		{Catalogue: "71-345", Kind: RuleLots, Lots: []string{"A1", "A2"}},
		{Catalogue: "99", Kind: RuleLots, Lots: []string{"x,1", "X,2"}},
		{GTIN: rcG, Kind: RuleSerials, Serials: []string{"S,1"}},
		{GTIN: rcG, Kind: RuleLots, Lots: []string{"from"}},
	}
	if len(rules) != len(want) {
		t.Fatalf("ParseAffects = %+v, want %+v", rules, want)
	}
	for i := range want {
		if rules[i].GTIN != want[i].GTIN || rules[i].Catalogue != want[i].Catalogue || rules[i].Kind != want[i].Kind ||
			!slices.Equal(rules[i].Lots, want[i].Lots) || !slices.Equal(rules[i].Serials, want[i].Serials) {
			t.Errorf("rule %d = %+v, want %+v", i, rules[i], want[i])
		}
	}
	again, err := ParseAffects(FormatAffects(rules))
	if err != nil || len(again) != len(rules) {
		t.Fatalf("round trip of %q = %+v, %v", FormatAffects(rules), again, err)
	}
	for i := range rules {
		if again[i].String() != rules[i].String() {
			t.Errorf("round trip rule %d = %q, want %q", i, again[i], rules[i])
		}
	}
	bad := map[string]string{
		rcG + " lot A1, A2":                 "to list several lots write lots",
		"REF lots A1":                       "",
		"REF":                               "catalogue number after REF",
		rcG + " lots from A1":               "lots from FIRST to LAST",
		"REF 12 all\n" + rcG + " lots a, A": "",
		"REF " + strings.Repeat("9", 31) + " all": "catalogue number",
	}
	for in, msg := range bad {
		_, err := ParseAffects(in)
		got := apperr.FieldsOf(err)["affects"]
		if strings.HasSuffix(in, "a, A") {
			if err != nil {
				t.Errorf("ParseAffects(%q) = %v, want lots listed once", in, err)
			}
			continue
		}
		if got == "" || !strings.Contains(got, msg) {
			t.Errorf("ParseAffects(%q) message %q, want one containing %q", in, got, msg)
		}
	}
	if rs, _ := ParseAffects(rcG + " lots a, A, b"); len(rs) != 1 || len(rs[0].Lots) != 2 {
		t.Errorf("lots a, A, b = %+v, want a and b (a and A are one lot)", rs)
	}
}

func TestCloseRecallInput(t *testing.T) {
	cases := []struct {
		in     CloseRecallInput
		open   int
		fields []string
	}{
		{CloseRecallInput{}, 0, nil},
		{CloseRecallInput{}, 3, []string{"confirm_open", "reason"}},
		{CloseRecallInput{ConfirmOpen: 3}, 3, []string{"reason"}},
		{CloseRecallInput{ConfirmOpen: 2, Reason: "Manufacturer withdrew the notice"}, 3, []string{"confirm_open"}},
		{CloseRecallInput{ConfirmOpen: 3, Reason: "  Manufacturer withdrew the notice "}, 3, nil},
	}
	for _, c := range cases {
		reason, err := c.in.Validate(c.open)
		f := apperr.FieldsOf(err)
		var got []string
		for k := range f {
			got = append(got, k)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.fields) {
			t.Errorf("%+v with %d open: fields %v, want %v", c.in, c.open, f, c.fields)
		}
		if c.open > 0 && f["confirm_open"] != "" && !strings.Contains(f["confirm_open"], "3 patients") {
			t.Errorf("confirmation message %q does not say how many are open", f["confirm_open"])
		}
		if err == nil && reason != strings.TrimSpace(c.in.Reason) {
			t.Errorf("reason = %q", reason)
		}
	}
}

// A rule naming an HIBC labeler code and catalogue number: the same
// labeler and catalogue number is affected, a near catalogue number of
// that labeler, or a device typed without a GTIN or labeler code under
// the recall's manufacturer, is possibly affected; a REF rule finds an
// HIBC device of its catalogue number for review.
func TestMatcherClassifyHIBC(t *testing.T) {
	rc := func(affects string) Recall {
		t.Helper()
		rules, err := ParseAffects(affects)
		if err != nil {
			t.Fatalf("ParseAffects(%q): %v", affects, err)
		}
		return Recall{Manufacturer: "Northwind Orthopaedics", Rules: rules}
	}
	hibc := func(labeler, catalogue, lot string) RecordedDevice {
		return RecordedDevice{Device: Device{Labeler: labeler, Catalogue: catalogue, Lot: lot}}
	}
	cases := []struct {
		name    string
		affects string
		d       RecordedDevice
		want    string
		reason  string
	}{
		{"same product and lot", "H123/HIP22 lots L1", hibc("H123", "HIP22", "l1"), MatchAffected, ""},
		{"catalogue number case", "h123/hip22 all", hibc("H123", "HIP22", ""), MatchAffected, ""},
		{"near catalogue number", "H123/HIP22 lots L1", hibc("H123", "0HIP22", "L1"), MatchPossible, "catalogue number 0HIP22 is close to the listed HIP22"},
		{"near catalogue number and lot", "H123/HIP22 lots L1", hibc("H123", "0HIP22", "L-1"), MatchPossible, "lot L-1 is close"},
		{"other catalogue number", "H123/HIP22 all", hibc("H123", "HIP23", ""), MatchNone, ""},
		{"other labeler", "H123/HIP22 all", hibc("B456", "HIP22", ""), MatchNone, ""},
		{"other lot", "H123/HIP22 lots L1", hibc("H123", "HIP22", "L2"), MatchNone, ""},
		{"typed under the recall's manufacturer", "H123/HIP22 all",
			RecordedDevice{Device: Device{Manufacturer: "NORTHWIND ORTHOPAEDICS LTD", Catalogue: "HIP-22"}}, MatchPossible, "recorded without an HIBC labeler code"},
		{"typed under another manufacturer", "H123/HIP22 all", RecordedDevice{Device: Device{Manufacturer: "Contoso", Catalogue: "HIP22"}}, MatchNone, ""},
		{"a GS1 device of the catalogue number", "H123/HIP22 all",
			RecordedDevice{Device: Device{GTIN: rcG}, Manufacturer: "Northwind Orthopaedics", CatalogueNumber: "HIP22"}, MatchNone, ""},
		{"REF rule, HIBC device", "REF HIP22 all", hibc("H123", "HIP22", ""), MatchPossible, "HIBC labeler code H123"},
		{"GTIN rule, HIBC device", rcG + " all", hibc("H123", "HIP22", ""), MatchNone, ""},
	}
	for _, c := range cases {
		got, reasons := NewMatcher(rc(c.affects), nil).Classify(c.d)
		joined := strings.Join(reasons, "; ")
		if got != c.want || (c.reason != "" && !strings.Contains(joined, c.reason)) || (c.want == MatchAffected && len(reasons) > 0) {
			t.Errorf("%s: Classify(%+v) under %q = %q %q, want %q with reason %q", c.name, c.d, c.affects, got, joined, c.want, c.reason)
		}
	}
	// The three ways of naming a product are written back as they are read.
	text := rcG + " lots L1\nREF 71-345 lot A,1\nH123/HIP22 serials S1, S2\n"
	rules, err := ParseAffects(text)
	if err != nil || len(rules) != 3 || FormatAffects(rules) != text {
		t.Errorf("ParseAffects then FormatAffects(%q) = %q (%+v), %v", text, FormatAffects(rules), rules, err)
	}
	for _, bad := range []string{"H123/HIP-22 all", "H12/HIP22 all", "H123/ all"} {
		if _, err := ParseAffects(bad); err == nil {
			t.Errorf("ParseAffects(%q): no error", bad)
		}
	}
}

// TestRecallAffectsUsesTheWholeRecall: Recall.Affects classifies a device
// with the matcher of the whole recall, so a "REF" rule is compared with
// the recall's manufacturer and with the device's catalogue entry, as the
// recall's patient lists compare it. Before, Affects asked each rule on
// its own, built into a recall without its manufacturer: a device typed
// by its manufacturer and catalogue number, or one whose catalogue entry
// carries the recalled REF, was only possibly affected, and the procedure
// and patient pages showed it without its "Under open recall" warning.
func TestRecallAffectsUsesTheWholeRecall(t *testing.T) {
	rules, err := ParseAffects("REF 71-345 all")
	if err != nil {
		t.Fatal(err)
	}
	rc := Recall{Manufacturer: "Acme Orthopaedics", Rules: rules}
	cases := []struct {
		name string
		d    RecordedDevice
		want bool
	}{
		{"typed by manufacturer and REF", RecordedDevice{Device: Device{Manufacturer: "Acme Orthopaedics Ltd", Catalogue: "71-345", Lot: "L1", EntryType: EntryManual}}, true},
		{"catalogue entry with the REF", RecordedDevice{Device: Device{GTIN: rcG, Lot: "L1"}, Manufacturer: "ACME ORTHOPAEDICS LIMITED", Model: "Hip A", CatalogueNumber: "71-345"}, true},
		{"another manufacturer's REF", RecordedDevice{Device: Device{Manufacturer: "Northwind", Catalogue: "71-345", Lot: "L1"}}, false},
		{"near REF (possible only)", RecordedDevice{Device: Device{Manufacturer: "Acme Orthopaedics", Catalogue: "71345", Lot: "L1"}}, false},
	}
	for _, c := range cases {
		if lvl, _ := NewMatcher(rc, nil).Classify(c.d); (lvl == MatchAffected) != c.want {
			t.Fatalf("%s: premise: Matcher level %q, want affected %v", c.name, lvl, c.want)
		}
		if got := rc.Affects(c.d, nil); got != c.want {
			t.Errorf("%s: Recall{Manufacturer: %q, REF 71-345 all}.Affects(%+v) = %v; want %v", c.name, rc.Manufacturer, c.d, got, c.want)
		}
	}
}
