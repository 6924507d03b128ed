package gs1

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// parseErr parses in and returns its *ParseError, failing when there is none.
func parseErr(t *testing.T, in string, opts Options) *ParseError {
	t.Helper()
	r, err := Parse(in, opts)
	if err == nil {
		t.Fatalf("Parse(%q): got %v, want an error", in, r.Elements)
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Parse(%q): error %T, want *ParseError", in, err)
	}
	return pe
}

// TestAmbiguousMissingSeparator: a lenient read where a dropped GS makes
// more than one reading plausible offers the readings and asserts none.
func TestAmbiguousMissingSeparator(t *testing.T) {
	in := "01" + gtin + "10" + "ABC123" + "17261231"
	pe := parseErr(t, in, Options{Now: now, Lenient: true})
	if pe.Kind != KindAmbiguous {
		t.Fatalf("Parse(%q): kind %v (%v), want KindAmbiguous", in, pe.Kind, pe)
	}
	if len(pe.Candidates) != 2 {
		t.Fatalf("Parse(%q): %d candidates, want 2", in, len(pe.Candidates))
	}
	got := map[string]string{}
	for _, c := range pe.Candidates {
		got[c.Lot] = c.ExpiryISO()
		if c.GTIN != gtin {
			t.Errorf("candidate %v: GTIN %q, want %s", c.Elements, c.GTIN, gtin)
		}
		// Each reading stands on its own: its canonical form re-parses
		// strictly to the same elements.
		again, err := ParseElementString(c.ElementString(), Options{Now: now})
		if err != nil || !slices.Equal(again.Elements, c.Elements) {
			t.Errorf("candidate %v does not re-parse to itself: %v, %v", c.Elements, again, err)
		}
	}
	want := map[string]string{"ABC12317261231": "", "ABC123": "2026-12-31"}
	if len(got) != 2 || got["ABC12317261231"] != want["ABC12317261231"] || got["ABC123"] != want["ABC123"] {
		t.Errorf("candidates (lot: expiry) = %v, want %v", got, want)
	}
	if got := Candidates(pe); !slices.Equal(got, pe.Candidates) {
		t.Errorf("Candidates(err) = %v, want the error's candidates", got)
	}
	if got := Candidates(errors.New("x")); got != nil {
		t.Errorf("Candidates(other error) = %v, want nil", got)
	}
	if !strings.Contains(pe.Message(), "more than one way") {
		t.Errorf("Message() = %q, want it to say the barcode reads more than one way", pe.Message())
	}

	// Strictly, the scanner is trusted to send every separator: the one
	// reading the GS1 rules give.
	r, err := Parse(in, Options{Now: now})
	if err != nil || r.Lot != "ABC12317261231" || !r.Expiry.IsZero() {
		t.Errorf("strict Parse(%q) = %v, %v; want lot ABC12317261231, no expiry", in, r, err)
	}
	// A scan that holds a GS shows that the scanner sends them: a valid
	// value is then read as it stands.
	withGS := in + gsByte + "21S1"
	r, err = Parse(withGS, Options{Now: now, Lenient: true})
	if err != nil || r.Lot != "ABC12317261231" || r.Serial != "S1" {
		t.Errorf("lenient Parse(%q) = %v, %v; want lot ABC12317261231, serial S1", withGS, r, err)
	}
	// A lot followed by what reads as a serial number is a second reading.
	pe = parseErr(t, "01"+gtin+"10"+"LOT"+"21"+"SN1", Options{Now: now, Lenient: true})
	if pe.Kind != KindAmbiguous || len(pe.Candidates) != 2 {
		t.Errorf("lot then serial without GS: kind %v, %d candidates; want ambiguous, 2", pe.Kind, len(pe.Candidates))
	}
}

func TestUnknownAIInBracketedForm(t *testing.T) {
	pe := parseErr(t, "(10)LOT1(238)BX", Options{Now: now})
	if pe.Kind != KindUnknownAI || pe.AI != "238" {
		t.Errorf("got %v (kind %v), want unknown AI 238", pe, pe.Kind)
	}
	r, err := Parse("(10)LOT1(7041)BX", Options{Now: now, SeveralBarcodes: true})
	if err != nil || r.Lot != "LOT1" {
		t.Fatalf("Parse((10)LOT1(7041)BX) = %v, %v; want lot LOT1", r, err)
	}
	if v, _ := r.Get("7041"); v != "BX" {
		t.Errorf("AI 7041 = %q, want BX", v)
	}
}

func TestNewAIs(t *testing.T) {
	for code, format := range map[string]string{
		"7041": "X..4", "717": "X..20", "8014": "X..25", "8040": "N15", "8041": "N15", "8042": "N32", "8043": "N18+[N..2]",
	} {
		a, ok := LookupAI(code)
		if !ok || a.Format() != format {
			t.Errorf("LookupAI(%s) = %v %q, want format %s", code, ok, a.Format(), format)
		}
	}
	for code, title := range map[string]string{"716": "NHRN AIC", "717": "NHRN SRN", "7230": "CERT # 1", "7239": "CERT # 10", "7030": "PROCESSOR # 0"} {
		if a, _ := LookupAI(code); a.Title != title {
			t.Errorf("AI %s: title %q, want %q", code, a.Title, title)
		}
	}
	if !strings.Contains(SyntaxDictionary, "Syntax Dictionary") {
		t.Errorf("SyntaxDictionary = %q, want the release named", SyntaxDictionary)
	}
}

func TestContentRules(t *testing.T) {
	grai := "0" + "9521234000006" // GRAI: the digit 0, then 13 digits with a check digit
	pair, err := CheckPair("9521AB")
	if err != nil {
		t.Fatal(err)
	}
	valid := []string{
		"8013" + "1987654Ad4X4bL5ttr2310c2K", // GS1 General Specifications example
		"8014" + "9521AB" + pair,
		"8003" + grai + "SER1",
		"4330" + "001234" + "-",
		"4331" + "001234",
		"423" + "826",
		"423" + "826250276",
		"425" + "826" + gsByte + "427" + "AB" + gsByte + "422" + "826",
		"3911" + "826" + "1999",
		"3931" + "978" + "100",
		"7252" + "9",
		"7030" + "999" + "PLANT1",
		"421" + "826" + "SW1A1AA",
	}
	for _, in := range valid {
		// Content rules only: the AIs these need with them are elsewhere.
		if _, err := Parse(in, Options{Now: now, SeveralBarcodes: true}); err != nil {
			t.Errorf("Parse(%q): %v, want it valid", in, err)
		}
	}
	invalid := []struct {
		in   string
		kind ErrorKind
		ai   string
	}{
		{"8013" + "1987654Ad4X4bL5ttr2310cXK", KindCheckDigit, "8013"},
		{"8014" + "ABC123" + "22", KindCheckDigit, "8014"},
		{"8003" + "1" + "9521234000006", KindCharacter, "8003"},
		{"4330" + "001234" + "A", KindCharacter, "4330"},
		{"4333" + "001234" + "+", KindCharacter, "4333"},
		{"423" + "8262", KindLength, "423"},
		{"425" + "826999", KindCode, "425"},
		{"426" + "999", KindCode, "426"},
		{"422" + "000", KindCode, "422"},
		{"3911" + "001" + "1999", KindCode, "3911"},
		{"3932" + "123" + "100", KindCode, "3932"},
		{"7252" + "3", KindCode, "7252"},
		{"7030" + "998" + "PLANT1", KindCode, "7030"},
	}
	for _, tt := range invalid {
		pe := parseErr(t, tt.in, Options{Now: now})
		if pe.Kind != tt.kind || pe.AI != tt.ai {
			t.Errorf("Parse(%q): %v, kind %v; want kind %v for AI %s", tt.in, pe, pe.Kind, tt.kind, tt.ai)
		}
	}
}

func TestCheckPair(t *testing.T) {
	for data, want := range map[string]string{"1987654Ad4X4bL5ttr2310c": "2K", "12345678901234567890123": "NT", "00000!": "HV"} {
		if got, err := CheckPair(data); err != nil || got != want {
			t.Errorf("CheckPair(%q) = %q, %v; want %s", data, got, err, want)
		}
	}
	if _, err := CheckPair("a b"); err == nil {
		t.Errorf("CheckPair(a b): no error, want one")
	}
}

func TestNotGS1Symbologies(t *testing.T) {
	for _, in := range []string{"]d1" + "01" + gtin, "]Q1" + "01" + gtin, "]C0" + "01" + gtin, "]E0" + "95123"} {
		for _, lenient := range []bool{false, true} {
			pe := parseErr(t, in, Options{Now: now, Lenient: lenient})
			if pe.Kind != KindNotGS1 || !strings.Contains(pe.Message(), "not a GS1 barcode") {
				t.Errorf("Parse(%q, lenient %v): %v, kind %v, message %q; want not a GS1 barcode", in, lenient, pe, pe.Kind, pe.Message())
			}
		}
	}
	// An EAN-13 is a product code and nothing more: never AI (95).
	r, err := Parse("]E0"+"1234567890128", Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if r.GTIN != "01234567890128" || r.Form != FormEAN || !slices.Equal(r.Elements, el("01", "01234567890128")) {
		t.Errorf("]E0 EAN-13: got form %v GTIN %q elements %v; want EAN, 01234567890128, only (01)", r.Form, r.GTIN, r.Elements)
	}
	if _, ok := r.Get("95"); ok {
		t.Errorf("]E0 EAN-13 read as AI (95)")
	}
	if pe := parseErr(t, "]E0"+"1234567890127", Options{Now: now}); pe.Kind != KindCheckDigit {
		t.Errorf("]E0 with a bad check digit: %v, want a check digit error", pe)
	}
}

func TestTextGSOnlyWhenAsked(t *testing.T) {
	in := "01" + gtin + "10ABC<GS>21S1"
	r, err := Parse(in, Options{Now: now})
	if err != nil || r.Lot != "ABC<GS>21S1" || r.Serial != "" {
		t.Errorf("default: Parse(%q) = %v, %v; want lot ABC<GS>21S1 (the text is valid lot data)", in, r, err)
	}
	r, err = Parse(in, Options{Now: now, TextGS: true})
	if err != nil || r.Lot != "ABC" || r.Serial != "S1" || len(r.Notes) != 1 {
		t.Errorf("TextGS: Parse(%q) = %+v, %v; want lot ABC, serial S1 and a note", in, r, err)
	}
}

func TestSeparatorRules(t *testing.T) {
	for _, in := range []string{
		gsByte + "01" + gtin + "10L1",                     // leading
		"01" + gtin + "10L1" + gsByte + gsByte + "21S",    // doubled
		"01" + gtin + "10L1" + gsByte,                     // trailing
		"01" + gtin + gsByte + "17261231",                 // after a predefined-length AI
		"]d2" + "01" + gtin + "17261231" + gsByte + "10L", // the same after 17
	} {
		pe := parseErr(t, in, Options{Now: now})
		if pe.Kind != KindSeparator {
			t.Errorf("strict Parse(%q): %v (kind %v), want a separator error", in, pe, pe.Kind)
		}
		r, err := Parse(in, Options{Now: now, Lenient: true})
		if err != nil || r.GTIN != gtin || len(r.Notes) != 1 {
			t.Errorf("lenient Parse(%q) = %+v, %v; want it read with one note", in, r, err)
		}
	}
}

func TestDigitalLinkStandardRules(t *testing.T) {
	for _, in := range []string{
		"https://id.gs1.org/01/09521234543213?21=S1",                         // serial in the query
		"https://id.gs1.org/01/09521234543213?10=L1",                         // lot in the query
		"https://id.gs1.org/01/09521234543213/10/L1?21=S1",                   // serial in the query
		"https://id.gs1.org/01/09521234543213?17=261231&17=261231",           // repeated AI
		"https://id.gs1.org/01/09521234543213/10/L1?3103=000189&3103=000189", // repeated AI
		"https://id.gs1.org/01/1234567890128",                                // 13-digit GTIN
		"https://id.gs1.org/01/09521234543213/",                              // trailing slash
		"https://id.gs1.org/01/09521234543213/10/L1/",                        // trailing slash
	} {
		_, err := ParseDigitalLink(in, Options{Now: now})
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Kind != KindDigitalLink {
			t.Errorf("ParseDigitalLink(%q): %v, want a Digital Link error", in, err)
		}
	}
	r, err := Parse("(01)09521234543213(17)261231(10)L(17)261231", Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.DigitalLink(""), "https://id.gs1.org/01/09521234543213/10/L?17=261231"; got != want {
		t.Errorf("DigitalLink of a repeated AI = %q, want %q", got, want)
	}
}

// TestPlainMessages: every kind of error has a message in plain words,
// with no positions or AI numbers, and the detail stays available.
func TestPlainMessages(t *testing.T) {
	tests := []struct {
		in   string
		opts Options
		kind ErrorKind
		want string
	}{
		{"", Options{}, KindNoData, "no barcode data"},
		{"]d1" + "01" + gtin, Options{}, KindNotGS1, "not a GS1 barcode"},
		{"01" + gtin + "38123", Options{}, KindUnknownAI, "GS1 has not defined"},
		{"01" + "0952123454321", Options{}, KindLength, "product code (GTIN)"},
		{"10AB C", Options{}, KindCharacter, "lot (batch) number"},
		{"01" + "09521234543214", Options{}, KindCheckDigit, "The product code (GTIN) fails its check digit: the barcode may be damaged or mistyped. Scan again or type it from the label."},
		{"01" + gtin + "17261341", Options{}, KindDate, "expiry date"},
		{"426" + "999", Options{}, KindCode, "not a recognised code"},
		{"70032612311430" + "10A", Options{}, KindSeparator, "not separated"},
		{"01" + gtin + "10A" + gsByte + "10B", Options{}, KindDuplicate, "two different values for the lot"},
		{"01" + gtin + "10ABC12317261231", Options{Lenient: true}, KindAmbiguous, "more than one way"},
		{"https://id.gs1.org/01/09521234543213/", Options{}, KindDigitalLink, "not a valid GS1 Digital Link"},
	}
	for _, tt := range tests {
		tt.opts.Now = now
		pe := parseErr(t, tt.in, tt.opts)
		if pe.Kind != tt.kind {
			t.Errorf("Parse(%q): kind %v (%v), want %v", tt.in, pe.Kind, pe, tt.kind)
		}
		msg := pe.Message()
		if !strings.Contains(msg, tt.want) {
			t.Errorf("Parse(%q).Message() = %q, want it to contain %q", tt.in, msg, tt.want)
		}
		for _, jargon := range []string{"position", "AI (", "ASCII", "FNC1", "want "} {
			if strings.Contains(msg, jargon) {
				t.Errorf("Parse(%q).Message() = %q: holds jargon %q", tt.in, msg, jargon)
			}
		}
		if pe.Detail() != pe.Error() || pe.Detail() == msg {
			t.Errorf("Parse(%q): Detail() %q, Error() %q: want the technical text", tt.in, pe.Detail(), pe.Error())
		}
		if Message(pe) != msg {
			t.Errorf("Message(err) = %q, want %q", Message(pe), msg)
		}
	}
	if got := Message(errors.New("boom")); !strings.Contains(got, "could not be read") {
		t.Errorf("Message(other error) = %q", got)
	}
}

func TestMoreContentRules(t *testing.T) {
	for _, in := range []string{
		"00106141411234567897" + "4307" + "GB",
		"00106141411234567897" + "4321" + "1",
		"8010" + "9521ABC" + gsByte + "8011" + "0",
		"8010" + "9521ABC" + gsByte + "8011" + "120",
		"01" + gtin + "8001" + "12345678901210",
		"8006" + "095212345432130102",
	} {
		if _, err := Parse(in, Options{Now: now}); err != nil {
			t.Errorf("Parse(%q): %v, want it valid", in, err)
		}
	}
	for _, tt := range []struct {
		in   string
		kind ErrorKind
		ai   string
	}{
		{"4307" + "UK", KindCode, "4307"},
		{"4317" + "XX", KindCode, "4317"},
		{"4322" + "2", KindCode, "4322"},
		{"8011" + "012", KindCharacter, "8011"},
		{"8001" + "00005678901210", KindCode, "8001"},
		{"8001" + "12345678901250", KindCode, "8001"},
		{"8006" + "095212345432130302", KindCode, "8006"},
		{"8006" + "095212345432130002", KindCode, "8006"},
	} {
		pe := parseErr(t, tt.in, Options{Now: now})
		if pe.Kind != tt.kind || pe.AI != tt.ai {
			t.Errorf("Parse(%q): %v, kind %v; want kind %v for AI %s", tt.in, pe, pe.Kind, tt.kind, tt.ai)
		}
	}
	n := 0
	for _, ok := range iso3166alpha2 {
		if ok {
			n++
		}
	}
	if n != 249 {
		t.Errorf("%d ISO 3166 alpha-2 codes, want 249", n)
	}
}

// TestDigitalLinkDataAttributes: only AIs the Syntax Dictionary permits as
// Digital Link data attributes may be query parameters, and clinsafe never
// writes a URI that breaks the rule.
func TestDigitalLinkDataAttributes(t *testing.T) {
	for _, in := range []string{
		"https://id.gs1.org/01/09521234543213?8200=https%3A%2F%2Fexample.com",
		"https://id.gs1.org/00/106141411234567897?21=S1",
		"https://id.gs1.org/01/09521234543213?8019=1",
	} {
		_, err := ParseDigitalLink(in, Options{Now: now})
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Kind != KindDigitalLink {
			t.Errorf("ParseDigitalLink(%q): %v, want a Digital Link error", in, err)
		}
	}
	r, err := Parse("(01)09521234543213(8200)https://example.com", Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if dl := r.DigitalLink(""); dl != "" {
		t.Errorf("DigitalLink with (8200) = %q, want none", dl)
	}
}
