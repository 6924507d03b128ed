package gs1

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// el builds an element list from AI, value pairs.
func el(pairs ...string) []Element {
	var out []Element
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Element{AI: pairs[i], Value: pairs[i+1]})
	}
	return out
}

const (
	gtin   = "09521234543213"
	gsByte = "\x1d"
	// typical is a GS1 DataMatrix on a medical device: GTIN, expiry, lot,
	// GS, serial.
	typical = "]d2" + "01" + gtin + "17261231" + "10ABC123" + gsByte + "21SN001"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		lenient bool
		form    Form
		sym     string
		elems   []Element
		gtin    string
		lot     string
		serial  string
		expiry  string
		prod    string
	}{
		{
			name: "DataMatrix scan, DOMAIN.md example", in: typical,
			form: FormElementString, sym: "]d2",
			elems: el("01", gtin, "17", "261231", "10", "ABC123", "21", "SN001"),
			gtin:  gtin, lot: "ABC123", serial: "SN001", expiry: "2026-12-31",
		},
		{
			name: "GS1-128", in: "]C1" + "01" + gtin + "10ABC123" + gsByte + "17261231",
			form: FormElementString, sym: "]C1",
			elems: el("01", gtin, "10", "ABC123", "17", "261231"),
			gtin:  gtin, lot: "ABC123", expiry: "2026-12-31",
		},
		{
			name: "GS1 QR Code", in: "]Q3" + "01" + gtin + "21SN001",
			form: FormElementString, sym: "]Q3",
			elems: el("01", gtin, "21", "SN001"), gtin: gtin, serial: "SN001",
		},
		{
			name: "GS1 DataBar", in: "]e0" + "0101234567890128" + "17260600",
			form: FormElementString, sym: "]e0",
			elems: el("01", "01234567890128", "17", "260600"), gtin: "01234567890128", expiry: "2026-06-30",
		},
		{
			name: "no symbology identifier", in: "01" + gtin + "11250115" + "10L1",
			form:  FormElementString,
			elems: el("01", gtin, "11", "250115", "10", "L1"), gtin: gtin, lot: "L1", prod: "2025-01-15",
		},
		{
			name: "leading FNC1 as GS, lenient", in: gsByte + "01" + gtin + "10L1", lenient: true,
			form:  FormElementString,
			elems: el("01", gtin, "10", "L1"), gtin: gtin, lot: "L1",
		},
		{
			name: "GS after a predefined-length AI, lenient", in: "01" + gtin + gsByte + "17261231", lenient: true,
			form:  FormElementString,
			elems: el("01", gtin, "17", "261231"), gtin: gtin, expiry: "2026-12-31",
		},
		{
			name: "trailing GS, lenient", in: "]d2" + "01" + gtin + "10L1" + gsByte, lenient: true,
			form: FormElementString, sym: "]d2",
			elems: el("01", gtin, "10", "L1"), gtin: gtin, lot: "L1",
		},
		{
			name: "SSCC, GS1 General Specifications example", in: "]C1" + "00106141411234567897",
			form: FormElementString, sym: "]C1",
			elems: el("00", "106141411234567897"),
		},
		{
			name: "net weight and GTIN, GS1 example", in: "]C1" + "01" + gtin + "3103000189",
			form: FormElementString, sym: "]C1",
			elems: el("01", gtin, "3103", "000189"), gtin: gtin,
		},
		{
			name: "patient GSRN (Scan4Safety wristband)", in: "]C1" + "8018795260646688514634",
			form: FormElementString, sym: "]C1",
			elems: el("8018", "795260646688514634"),
		},
		{
			name: "location GLN", in: "]C1" + "4149521234000006",
			form: FormElementString, sym: "]C1",
			elems: el("414", "9521234000006"),
		},
		{
			name: "expiry date and time, then lot", in: "01" + gtin + "7003" + "2612311430" + gsByte + "10L1",
			form:  FormElementString,
			elems: el("01", gtin, "7003", "2612311430", "10", "L1"), gtin: gtin, lot: "L1",
		},
		{
			name: "character set 82 punctuation", in: "01" + gtin + `10A-B/C.D_e(f)!"%&'*+` + gsByte + "21,:;<=>?",
			form:  FormElementString,
			elems: el("01", gtin, "10", `A-B/C.D_e(f)!"%&'*+`, "21", ",:;<=>?"), gtin: gtin, lot: `A-B/C.D_e(f)!"%&'*+`, serial: ",:;<=>?",
		},
		{
			name: "bracketed, DOMAIN.md example", in: "(01)09521234543213(17)261231(10)ABC123(21)SN001",
			form:  FormBracketed,
			elems: el("01", gtin, "17", "261231", "10", "ABC123", "21", "SN001"),
			gtin:  gtin, lot: "ABC123", serial: "SN001", expiry: "2026-12-31",
		},
		{
			name: "bracketed value holding brackets", in: `(01)09521234543213(10)A(B)\(10)C(21)X`,
			form:  FormBracketed,
			elems: el("01", gtin, "10", "A(B)(10)C", "21", "X"), gtin: gtin, lot: "A(B)(10)C", serial: "X",
		},
		{
			name: "bracketed with spaces, lenient", in: "(01) 09521234543213 (17) 261231", lenient: true,
			form:  FormBracketed,
			elems: el("01", gtin, "17", "261231"), gtin: gtin, expiry: "2026-12-31",
		},
		{
			name: "expiry year 77 is 1977 in 2026", in: "01" + gtin + "17770101",
			form:  FormElementString,
			elems: el("01", gtin, "17", "770101"), gtin: gtin, expiry: "1977-01-01",
		},
		{
			name: "expiry year 76 is 2076 in 2026", in: "01" + gtin + "17760100",
			form:  FormElementString,
			elems: el("01", gtin, "17", "760100"), gtin: gtin, expiry: "2076-01-31",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.in, Options{Now: now, Lenient: tt.lenient})
			if err != nil {
				t.Fatalf("Parse(%q): got error %v, want none", tt.in, err)
			}
			if r.Form != tt.form {
				t.Errorf("Parse(%q).Form: got %v, want %v", tt.in, r.Form, tt.form)
			}
			if r.Symbology != tt.sym {
				t.Errorf("Parse(%q).Symbology: got %q, want %q", tt.in, r.Symbology, tt.sym)
			}
			if !slices.Equal(r.Elements, tt.elems) {
				t.Errorf("Parse(%q).Elements:\n got %v\nwant %v", tt.in, r.Elements, tt.elems)
			}
			for _, c := range []struct{ field, got, want string }{
				{"GTIN", r.GTIN, tt.gtin},
				{"Lot", r.Lot, tt.lot},
				{"Serial", r.Serial, tt.serial},
				{"ExpiryISO()", r.ExpiryISO(), tt.expiry},
				{"ProductionDateISO()", r.ProductionDateISO(), tt.prod},
			} {
				if c.got != c.want {
					t.Errorf("Parse(%q).%s: got %q, want %q", tt.in, c.field, c.got, c.want)
				}
			}
			if r.Recovered {
				t.Errorf("Parse(%q).Recovered: got true, want false", tt.in)
			}
		})
	}
}

func TestTypedFields(t *testing.T) {
	in := "01" + gtin + "11250115" + "15270101" + "7003" + "2612311430" + gsByte +
		"3012" + gsByte + "8017" + "795260646688514634" + gsByte + "2212A"
	r, err := ParseElementString(in, Options{Now: now})
	if err != nil {
		t.Fatalf("ParseElementString(%q): %v", in, err)
	}
	checks := []struct{ field, got, want string }{
		{"ProductionDate", r.ProductionDate.Format("2006-01-02"), "2025-01-15"},
		{"BestBefore", r.BestBefore.Format("2006-01-02"), "2027-01-01"},
		{"ExpiryTime", r.ExpiryTime.Format("2006-01-02T15:04"), "2026-12-31T14:30"},
		{"Count", fmt.Sprint(r.Count), "12"},
		{"GSRNProvider", r.GSRNProvider, "795260646688514634"},
		{"CPV", r.CPV, "12A"},
		{"ExpiryISO()", r.ExpiryISO(), ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.field, c.got, c.want)
		}
	}
	if v, ok := r.Get("7003"); !ok || v != "2612311430" {
		t.Errorf("Get(7003) = %q, %v; want 2612311430, true", v, ok)
	}
	// AI 37 counts the trade items in a logistic unit: with its SSCC and
	// the GTIN of the contents, never with AI 01.
	if c, err := Parse("00"+"106141411234567897"+"02"+gtin+"37"+"5", Options{Now: now}); err != nil || c.ContentCount != 5 {
		t.Errorf("ContentCount: %+v, %v; want 5", c, err)
	}
	if _, ok := r.Get("10"); ok {
		t.Errorf("Get(10): got ok, want not found")
	}
	r, err = Parse("]C1"+"02"+gtin+"37"+"24"+gsByte+"00106141411234567897"+"4149521234000006", Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if r.ContentGTIN != gtin || r.SSCC != "106141411234567897" || r.GLN != "9521234000006" || r.ContentCount != 24 {
		t.Errorf("got ContentGTIN %q SSCC %q GLN %q ContentCount %d; want %s 106141411234567897 9521234000006 24",
			r.ContentGTIN, r.SSCC, r.GLN, r.ContentCount, gtin)
	}
	r, err = Parse("8018795260646688514634", Options{Now: now})
	if err != nil || r.GSRNRecipient != "795260646688514634" {
		t.Errorf("GSRNRecipient: got %v, %v; want 795260646688514634", r, err)
	}
}

func TestCanonicalForms(t *testing.T) {
	r, err := Parse(typical, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.ElementString(), "01"+gtin+"17261231"+"10ABC123"+gsByte+"21SN001"; got != want {
		t.Errorf("ElementString(): got %q, want %q", got, want)
	}
	if got, want := r.HRI(), "(01)09521234543213(17)261231(10)ABC123(21)SN001"; got != want {
		t.Errorf("HRI(): got %q, want %q", got, want)
	}
	// The order is kept, and GS follows each AI not of predefined length
	// (including fixed-length 7003) unless it is last.
	r, err = Parse("(10)L1(7003)2612311430(01)09521234543213(21)S", Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.ElementString(), "10L1"+gsByte+"70032612311430"+gsByte+"01"+gtin+"21S"; got != want {
		t.Errorf("ElementString(): got %q, want %q", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		lenient bool
		want    string
	}{
		{"empty", "", false, "no GS1 data"},
		{"only a symbology identifier", "]d2", false, "no GS1 data"},
		{"GTIN check digit", "01" + "09521234543214", false, "position 16: AI (01): check digit is 4, want 3"},
		{"SSCC check digit", "00106141411234567898", false, "position 20: AI (00): check digit is 8, want 7"},
		{"GLN check digit", "4149521234000007", false, "position 16: AI (414): check digit is 7, want 6"},
		{"GSRN check digit", "8018795260646688514635", false, "position 22: AI (8018): check digit is 5, want 4"},
		{"month 13", "]d201" + gtin + "17261341", false, "position 24: AI (17): date 261341: month 13 is not 1-12"},
		{"day 31 in April", "01" + gtin + "17260431", false, "position 23: AI (17): date 260431: day 31 is not 1-30 in 2026-04"},
		{"29 February in a common year", "01" + gtin + "11250229", false, "position 23: AI (11): date 250229: day 29 is not 1-28 in 2025-02"},
		{"day 00 not allowed in 7003", "70032612001430", false, "position 9: AI (7003): date 2612001430: day 00 is not allowed here"},
		{"hour 25 in 7003", "70032612312530", false, "position 11: AI (7003): date 2612312530: hour 25 is not 0-23"},
		{"unknown 2-digit prefix", "01" + gtin + "38123", false, "position 17: AI (38): unknown AI: no GS1 Application Identifier begins 38"},
		{"unknown 3-digit AI", "01" + gtin + "2391", false, "position 17: AI (239): unknown AI"},
		{"unknown 4-digit AI", "01" + gtin + "3106123456", false, "position 17: AI (3106): unknown AI"},
		{"not an AI", "ABC", false, "position 1: expected an AI (digits), found 'A'"},
		{"AI cut short", "01" + gtin + "7", false, `position 17: incomplete AI "7"`},
		{"3-digit AI cut short", "01" + gtin + "41", false, `position 17: incomplete AI "41"`},
		{"letter in numeric field", "0109521234A43213", false, "position 11: AI (01): 'A' is not a digit"},
		{"space in lot", "10AB C", false, "position 5: AI (10): space is not in GS1 character set 82"},
		{"hash in serial", "21AB#", false, `position 5: AI (21): '#' is not in GS1 character set 82`},
		{"fixed field too short", "01" + "0952123454321", false, `position 3: AI (01): value "0952123454321" has 13 characters, want 14`},
		{"fixed field cut by GS", "17" + "2612" + gsByte + "10A", false, `position 3: AI (17): value "2612" has 4 characters, want 6`},
		{"variable field too long", "10" + strings.Repeat("A", 21), false, "position 3: AI (10): value has 21 characters, at most 20 allowed"},
		{"empty variable field", "10" + gsByte + "21A", false, "position 3: AI (10): no value"},
		{"variable count too long", "30" + "123456789", false, "position 3: AI (30): value has 9 characters, at most 8 allowed"},
		{"GS missing after 7003, strict", "70032612311430" + "10A", false, "position 15: AI (7003): GS (FNC1) missing after the value: this AI is not of predefined length"},
		{"duplicate AI with different values", "01" + gtin + "10A" + gsByte + "10B", false, `position 23: AI (10): appears twice with different values "A" and "B"`},
		{"symbology not GS1, strict", "]d1" + "01" + gtin, false, "position 1: symbology identifier ]d1 does not mark GS1 data: not a GS1 barcode"},
		{"GDTI too short", "253" + "952123400000", false, `position 4: AI (253): value "952123400000" has 12 characters, want at least 13`},
		{"GDTI check digit", "253" + "9521234000007ABC", false, "position 16: AI (253): check digit is 7, want 6"},
		{"7007 with half a second date", "7007" + "260101" + "260", false, `position 11: AI (7007): value "260101260": the part from character 7 has 3 characters, want 0 or 6`},
		{"character set 39", "8010" + "AB_C", false, "position 7: AI (8010): '_' is not in GS1 character set 39"},
		{"character set 64", "8030" + "AB+C", false, "position 7: AI (8030): '+' is not in GS1 character set 64"},
		{"carriage return after a lot", "10AB\r", false, "position 5: AI (10): byte 0x0D is not in GS1 character set 82"},
		{"bracketed, unknown AI", "(01)09521234543213(99999)1", false, "position 5: AI (01): value has 22 characters, at most 14 allowed"},
		{"bracketed, unknown AI first", "(38)1", false, "position 2: AI (38): unknown AI"},
		{"bracketed, no opening bracket", "01" + gtin + "(10)A", false, "position 17: expected an AI (digits), found '('"},
		{"bracketed, unclosed", "(01", false, `position 1: "(" is not followed by an AI and ")"`},
		{"bracketed, space after a value", "(01)09521234543213 (17)261231", false, "position 5: AI (01): value has 15 characters, at most 14 allowed"},
		{"bracketed, bad date", "(01)09521234543213(17)260229", false, "position 27: AI (17): date 260229: day 29 is not 1-28 in 2026-02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.in, Options{Now: now, Lenient: tt.lenient})
			if err == nil {
				t.Fatalf("Parse(%q): got %v, want error %q", tt.in, r.Elements, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("Parse(%q): error %T, want *ParseError", tt.in, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse(%q):\n got error %q\nwant error %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseErrorFields(t *testing.T) {
	_, err := Parse("]d201"+"09521234543214", Options{Now: now})
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want *ParseError", err)
	}
	if pe.Pos != 19 || pe.AI != "01" || pe.Msg != "check digit is 4, want 3" {
		t.Errorf("got %+v, want Pos 19, AI 01, Msg check digit is 4, want 3", *pe)
	}
}

func TestLenient(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		elems []Element // nil: an error in both modes
		note  string
	}{
		{
			name:  "lot run into expiry, too long as read",
			in:    "]d2" + "01" + gtin + "10" + "ABCDEFGHIJKLMNOPQRST" + "17261231",
			elems: el("01", gtin, "10", "ABCDEFGHIJKLMNOPQRST", "17", "261231"),
			note:  "AI (10): GS missing after the value; split at position 42, before (17)",
		},
		{
			name:  "serial run into expiry and production date",
			in:    "01" + gtin + "21" + "SERIAL0000000000001" + "17261231" + "11250101",
			elems: el("01", gtin, "21", "SERIAL0000000000001", "17", "261231", "11", "250101"),
			note:  "AI (21): GS missing after the value; split at position 38, before (17)(11)",
		},
		{
			name: "count run into expiry, or a count of 1 and a serial number: ambiguous",
			in:   "01" + gtin + "30" + "12" + "17261231",
		},
		{
			name:  "split within a segment that ends at GS",
			in:    "10" + "ABCDEFGHIJKLMNOPQRS" + "01" + gtin + gsByte + "21X",
			elems: el("10", "ABCDEFGHIJKLMNOPQRS", "01", gtin, "21", "X"),
			note:  "AI (10): GS missing after the value; split at position 22, before (01)",
		},
		{
			name:  "GS missing after fixed-length 7003",
			in:    "01" + gtin + "7003" + "2612311430" + "10ABC",
			elems: el("01", gtin, "7003", "2612311430", "10", "ABC"),
			note:  "AI (7003): GS missing after its fixed-length value; next AI read from position 31",
		},
		{
			name: "ambiguous: two places to split",
			in:   "10" + "ABCDE" + "17261231" + "17261231",
		},
		{
			name:  "the rest is a serial number, the one reading",
			in:    "01" + gtin + "10" + "ABCDEFGHIJKLMNOPQRST" + "21SN1",
			elems: el("01", gtin, "10", "ABCDEFGHIJKLMNOPQRST", "21", "SN1"),
			note:  "AI (10): GS missing after the value; split at position 39, before (21)",
		},
		{
			name: "the rest has an invalid date, so no split",
			in:   "10" + "ABCDEFGHIJKLMNOPQRST" + "17261341",
		},
		{
			name: "the rest has a bad check digit, so no split",
			in:   "10" + "ABCDEFGHIJKLMNOPQRST" + "01" + "09521234543214",
		},
		{
			name: "the rest stops short of the end, so no split",
			in:   "10" + "ABCDEFGHIJKLMNOPQRST" + "172612",
		},
		{
			name: "the split part is not a valid lot",
			in:   "10" + "ABCDEFGHIJKLMNOPQRS " + "17261231",
		},
		{
			name: "no split leaves a valid lot of at most 20",
			in:   "10" + "ABCDEFGHIJKLMNOPQRSTU" + "17261231",
		},
		{
			name: "split would give a duplicate AI with another value",
			in:   "01" + gtin + "10" + "ABCDEFGHIJKLMNOPQRST" + "01" + "01234567890128",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			strict, serr := Parse(tt.in, Options{Now: now})
			if serr == nil {
				t.Errorf("strict Parse(%q): got %v, want an error", tt.in, strict.Elements)
			}
			r, err := Parse(tt.in, Options{Now: now, Lenient: true})
			if tt.elems == nil {
				if err == nil {
					t.Errorf("lenient Parse(%q): got %v (notes %q), want an error", tt.in, r.Elements, r.Notes)
				}
				return
			}
			if err != nil {
				t.Fatalf("lenient Parse(%q): got error %v, want %v", tt.in, err, tt.elems)
			}
			if !slices.Equal(r.Elements, tt.elems) {
				t.Errorf("lenient Parse(%q).Elements:\n got %v\nwant %v", tt.in, r.Elements, tt.elems)
			}
			if !r.Recovered {
				t.Errorf("lenient Parse(%q).Recovered: got false, want true", tt.in)
			}
			if len(r.Notes) != 1 || r.Notes[0] != tt.note {
				t.Errorf("lenient Parse(%q).Notes:\n got %q\nwant [%q]", tt.in, r.Notes, tt.note)
			}
			// The repaired data re-parses strictly to the same elements.
			again, err := ParseElementString(r.ElementString(), Options{Now: now})
			if err != nil || !slices.Equal(again.Elements, r.Elements) {
				t.Errorf("strict re-parse of %q: got %v, %v; want %v", r.ElementString(), again, err, r.Elements)
			}
		})
	}
}

func TestParseFormsAgree(t *testing.T) {
	forms := []string{
		typical,
		"(01)09521234543213(17)261231(10)ABC123(21)SN001",
		"https://id.gs1.org/01/09521234543213/10/ABC123/21/SN001?17=261231",
	}
	var first []Element
	for i, in := range forms {
		r, err := Parse(in, Options{Now: now})
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		got := slices.Clone(r.Elements)
		slices.SortFunc(got, func(a, b Element) int { return strings.Compare(a.AI, b.AI) })
		if i == 0 {
			first = got
		} else if !slices.Equal(got, first) {
			t.Errorf("Parse(%q): got %v, want the same elements as %q: %v", in, got, forms[0], first)
		}
	}
}

func TestFormString(t *testing.T) {
	for f, want := range map[Form]string{FormElementString: "element string", FormBracketed: "bracketed",
		FormDigitalLink: "digital link", FormHIBC: "HIBC", 0: "unknown"} {
		if got := f.String(); got != want {
			t.Errorf("Form(%d).String() = %q, want %q", f, got, want)
		}
	}
	for _, id := range []string{"]C1", "]d2", "]Q3", "]e0", "]J1"} {
		if !IsGS1Symbology(id) {
			t.Errorf("IsGS1Symbology(%q) = false, want true", id)
		}
	}
	if IsGS1Symbology("]d1") {
		t.Errorf("IsGS1Symbology(]d1) = true, want false")
	}
}

func TestDefaultClock(t *testing.T) {
	// With no clock given, the current year decides the century; a date a
	// year from now must come out in this century.
	r, err := Parse("01"+gtin+"17"+now.AddDate(1, 0, 0).Format("060102"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Expiry.Year() < 2000 {
		t.Errorf("Expiry year %d, want this century", r.Expiry.Year())
	}
}

// TestLongData: long data parses in linear time, and a duplicate far along
// is still caught.
func TestLongData(t *testing.T) {
	long := "01" + gtin + strings.Repeat("17261231", 100000)
	r, err := Parse(long, Options{Now: now})
	if err != nil || len(r.Elements) != 100001 {
		t.Fatalf("Parse(long): got %v elements, %v; want 100001, nil", len(r.Elements), err)
	}
	_, err = Parse(long+"17261230", Options{Now: now})
	if err == nil || !strings.Contains(err.Error(), `AI (17): appears twice with different values "261231" and "261230"`) {
		t.Errorf("Parse(long + other expiry): got %v, want a duplicate error", err)
	}
	_, err = Parse("10"+strings.Repeat("17261231", 100000), Options{Now: now, Lenient: true})
	if err == nil {
		t.Errorf("lenient Parse(long lot run): got no error, want one")
	}
}
