package gs1

import (
	"strings"
	"testing"
)

// Values used by the tests of the Syntax Dictionary's rules.
const (
	sscc    = "106141411234567897" // AI 00
	gsrnPat = "795260646688514634" // AI 8018, a patient
	gln     = "9521234000006"      // AI 414, 415 ...
)

// TestSyntaxDictionaryRelease: the table names the release whose data it
// holds (the one with AIs 717 and 8040-8043), and its formats are that
// release's.
func TestSyntaxDictionaryRelease(t *testing.T) {
	if !strings.Contains(SyntaxDictionary, "2026-01-27") {
		t.Errorf("SyntaxDictionary = %q, want the release 2026-01-27 that the table follows", SyntaxDictionary)
	}
	for code, format := range map[string]string{
		"4309": "N10+N10",     // latitude, then longitude
		"7258": "X3",          // "1/2": position in the sequence, a slash, the number of births
		"7040": "N1+X1+X1+X1", // UIC, extension, importer index
		"717":  "X..20",
		"8043": "N18+[N..2]",
	} {
		if a, ok := LookupAI(code); !ok || a.Format() != format {
			t.Errorf("AI %s: format %q (found %v), want %s", code, a.Format(), ok, format)
		}
	}
	for code, title := range map[string]string{"3563": "NET WEIGHT (tr oz)", "3601": "NET VOLUME (qt (US))", "3632": "VOLUME (gal (US)), log", "3640": "NET VOLUME (in³)"} {
		if a, _ := LookupAI(code); a.Title != title {
			t.Errorf("AI %s: title %q, want %q", code, a.Title, title)
		}
	}
	// Every AI the association rules name is in the table.
	for code, rs := range assocs {
		if lookupCode(code) == nil {
			t.Errorf("association rules for AI %s, which is not in the table", code)
		}
		for _, g := range append(append([]group(nil), rs.ex...), flatten(rs.req)...) {
			for _, p := range g {
				if !anyAIMatches(p) {
					t.Errorf("AI %s: rule names %q, which matches no AI in the table", code, p)
				}
			}
		}
	}
}

func flatten(req [][]group) []group {
	var out []group
	for _, r := range req {
		out = append(out, r...)
	}
	return out
}

func anyAIMatches(p string) bool {
	for _, a := range table {
		if matchPattern(p, a.Code) {
			return true
		}
	}
	return false
}

// TestLinters: the content rules of the Syntax Dictionary that the Barcode
// Syntax Engine applies, each shown valid and broken.
func TestLinters(t *testing.T) {
	pcenc := "00" + sscc + "4300"
	gsrn := "8018" + gsrnPat
	valid := []string{
		pcenc + "ACME%20LTD",
		pcenc + "100%25",
		"415" + gln + "8020" + "REF1" + gsByte + "8007" + "GB82WEST12345698765432",
		"00" + sscc + "4309" + "1234567890" + "3600000000",
		"00" + sscc + "4309" + "0000000000" + "0000000000",
		"00" + sscc + "7041" + "BX",
		"00" + sscc + "7041" + "200",
		"7241" + "01" + gsByte + gsrn,
		"7241" + "99" + gsByte + gsrn,
		"7258" + "1/2" + gsByte + "7259" + "SMITH" + gsByte + gsrn,
		"7258" + "2/2" + gsByte + "7259" + "SMITH" + gsByte + gsrn,
		"8004" + "95211234ABC",
		"8010" + "9521AB-1" + gsByte + "8011" + "1",
		"7040" + "1AB_",
	}
	for _, in := range valid {
		if r, err := Parse(in, Options{Now: now}); err != nil {
			t.Errorf("Parse(%q): %v, want it valid", in, err)
		} else if len(r.Warnings) > 0 {
			t.Errorf("Parse(%q): warnings %q, want none", in, r.Warnings)
		}
	}
	// A GMN with a good check character pair that does not start with a
	// GS1 Company Prefix.
	pair, err := CheckPair("ABCD1234")
	if err != nil {
		t.Fatal(err)
	}
	gmnNoGCP := "ABCD1234" + pair
	invalid := []struct {
		in   string
		kind ErrorKind
		ai   string
		say  string // the message names the field
	}{
		{pcenc + "ACME%2", KindCharacter, "4300", "delivery company name"},
		{pcenc + "ACME%G0", KindCharacter, "4300", "delivery company name"},
		{"415" + gln + "8020" + "REF1" + gsByte + "8007" + "GB82WEST12345698765431", KindCheckDigit, "8007", "bank account number (IBAN)"},
		{"415" + gln + "8020" + "REF1" + gsByte + "8007" + "XX82WEST12345698765432", KindCode, "8007", "bank account number (IBAN)"},
		{"415" + gln + "8020" + "REF1" + gsByte + "8007" + "GB82west12345698765432", KindCharacter, "8007", "bank account number (IBAN)"},
		{"415" + gln + "8020" + "REF1" + gsByte + "8007" + "GB8212345", KindLength, "8007", "bank account number (IBAN)"},
		{"00" + sscc + "4309" + "1800000001" + "0000000000", KindRange, "4309", "delivery location"},
		{"00" + sscc + "4309" + "0000000000" + "3600000001", KindRange, "4309", "delivery location"},
		{"00" + sscc + "7041" + "ZZZ", KindCode, "7041", "freight unit type"},
		{"00" + sscc + "7041" + "bx", KindCode, "7041", "freight unit type"},
		{"7241" + "00" + gsByte + gsrn, KindCode, "7241", "AIDC media type"},
		{"7241" + "11" + gsByte + gsrn, KindCode, "7241", "AIDC media type"},
		{"7241" + "79" + gsByte + gsrn, KindCode, "7241", "AIDC media type"},
		{"7258" + "2/1" + gsByte + "7259" + "SMITH" + gsByte + gsrn, KindRange, "7258", "birth sequence"},
		{"7258" + "0/2" + gsByte + "7259" + "SMITH" + gsByte + gsrn, KindRange, "7258", "birth sequence"},
		{"7258" + "1-2" + gsByte + "7259" + "SMITH" + gsByte + gsrn, KindCharacter, "7258", "birth sequence"},
		{"7258" + "12/" + gsByte + "7259" + "SMITH" + gsByte + gsrn, KindCharacter, "7258", "birth sequence"},
		{"8004" + "ABC123", KindCharacter, "8004", "data field (8004)"},
		{"8004" + "952", KindLength, "8004", "data field (8004)"},
		{"8013" + gmnNoGCP, KindCharacter, "8013", "data field (8013)"},
		{"7040" + "1AB.", KindCharacter, "7040", "data field (7040)"},
	}
	for _, tt := range invalid {
		pe := parseErr(t, tt.in, Options{Now: now})
		if pe.Kind != tt.kind || pe.AI != tt.ai {
			t.Errorf("Parse(%q): %v, kind %v; want kind %v for AI %s", tt.in, pe, pe.Kind, tt.kind, tt.ai)
		}
		checkPlain(t, tt.in, pe, tt.say)
	}
}

// checkPlain asserts that a message is in plain words and names the field.
func checkPlain(t *testing.T, in string, pe *ParseError, say ...string) {
	t.Helper()
	msg := pe.Message()
	for _, s := range say {
		if !strings.Contains(msg, s) {
			t.Errorf("Parse(%q).Message() = %q, want it to name %q", in, msg, s)
		}
	}
	for _, jargon := range []string{"position", "AI (", "ASCII", "FNC1", "want ", "req=", "ex="} {
		if strings.Contains(msg, jargon) {
			t.Errorf("Parse(%q).Message() = %q: holds jargon %q", in, msg, jargon)
		}
	}
}

// TestAssociations: the Syntax Dictionary's req and ex rules. AIs that GS1
// does not allow together are refused always; an AI without the AI it
// needs is refused by default, and only warned about when the scan is one
// of several barcodes on a label.
func TestAssociations(t *testing.T) {
	gsrn := "8018" + gsrnPat
	tests := []struct {
		in   string
		kind ErrorKind
		ai   string
		say  []string
	}{
		// A serial number needs its GTIN (or ITIP); a lot its GTIN.
		{"21" + "SN1", KindMissingAI, "21", []string{"serial number", "product code (GTIN)"}},
		{"10" + "LOT1" + gsByte + "17261231", KindMissingAI, "10", []string{"lot (batch) number"}},
		{"(17)261231", KindMissingAI, "17", []string{"expiry date"}},
		{"https://id.gs1.org/8018/" + gsrnPat + "?7252=1&7241=01&17=261231", KindMissingAI, "17", []string{"expiry date"}},
		// A birth sequence needs the patient and the baby's name.
		{"7258" + "1/2" + gsByte + gsrn, KindMissingAI, "7258", []string{"birth sequence"}},
		// GTIN and the GTIN of the contents are exclusive.
		{"01" + gtin + "02" + gtin, KindConflict, "02", []string{"product code (GTIN)", "product code of the contents (GTIN)"}},
		{"01" + gtin + "37" + "5", KindConflict, "01", []string{"product code (GTIN)", "item count"}},
		// Two net weights in kilograms, to different decimals.
		{"01" + gtin + "3103" + "000189" + "3102" + "001890", KindConflict, "3103", []string{"data field (3103)", "data field (3102)"}},
		{"https://id.gs1.org/01/" + gtin + "?3103=000189&3102=001890", KindConflict, "3103", nil},
		// A price to pay is given once: 392n excludes 393n.
		{"01" + gtin + "3103" + "000189" + "3922" + "1000" + gsByte + "3932" + "978" + "1000", KindConflict, "3922", nil},
		// Date of birth, or date and time of birth, not both.
		{"7250" + "20260101" + gsByte + "7251" + "202601011230" + gsByte + gsrn, KindConflict, "7250", nil},
		// Maximum temperature in Fahrenheit or Celsius, not both.
		{"00" + sscc + "4330" + "001234" + gsByte + "4331" + "001234", KindConflict, "4330", nil},
	}
	for _, tt := range tests {
		pe := parseErr(t, tt.in, Options{Now: now})
		if pe.Kind != tt.kind || pe.AI != tt.ai {
			t.Errorf("Parse(%q): %v, kind %v; want kind %v for AI %s", tt.in, pe, pe.Kind, tt.kind, tt.ai)
		}
		checkPlain(t, tt.in, pe, tt.say...)
		// One of several barcodes on a label: a missing partner is a
		// warning, an exclusive pair still a refusal.
		r, err := Parse(tt.in, Options{Now: now, SeveralBarcodes: true})
		switch tt.kind {
		case KindMissingAI:
			if err != nil || len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0], "AI ("+tt.ai+")") {
				t.Errorf("Parse(%q, several barcodes) = %+v, %v; want it read with a warning for AI %s", tt.in, r, err, tt.ai)
			}
		default:
			if err == nil {
				t.Errorf("Parse(%q, several barcodes): no error, want the exclusive pair refused", tt.in)
			}
		}
	}
	for _, in := range []string{
		"01" + gtin + "21" + "SN1",
		"01" + gtin + "3103" + "000189" + "3922" + "1000",
		"8006" + "095212345432130102" + gsByte + "21" + "S1",
		"7250" + "20260101" + gsByte + gsrn,
		"7258" + "1/2" + gsByte + "7259" + "SMITH" + gsByte + gsrn,
		"00" + sscc + "02" + gtin + "37" + "5",
	} {
		r, err := Parse(in, Options{Now: now})
		if err != nil || len(r.Warnings) != 0 {
			t.Errorf("Parse(%q) = %+v, %v; want it valid with no warnings", in, r, err)
		}
	}
}

// TestAmbiguousReadingsKeepAssociations: a reading that breaks an
// association rule is not offered.
func TestAmbiguousReadingsKeepAssociations(t *testing.T) {
	// Without a GS, "375" after the lot could be the lot's own characters
	// or a count (37) of 5; a count of items in a logistic unit may not
	// stand with a GTIN, so that reading is dropped and the one valid
	// reading is taken.
	in := "01" + gtin + "10" + "LOT" + "375"
	r, err := Parse(in, Options{Now: now, Lenient: true})
	if err != nil || r.Lot != "LOT375" {
		t.Errorf("lenient Parse(%q) = %+v, %v; want the one reading, lot LOT375", in, r, err)
	}
}
