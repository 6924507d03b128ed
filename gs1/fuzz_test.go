package gs1

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// fuzzSeeds are typical and awkward inputs for every fuzzer.
var fuzzSeeds = []string{
	typical,
	"]C1" + "01" + gtin + "10ABC123" + gsByte + "17261231",
	"]Q3" + "01" + gtin + "21SN001",
	"]e0" + "0101234567890128" + "17260600",
	gsByte + "01" + gtin + "10L1" + gsByte,
	"00106141411234567897",
	"8018795260646688514634",
	"01" + gtin + "7003" + "2612311430" + "10ABC",
	"01" + gtin + "10" + "ABCDEFGHIJKLMNOPQRST" + "17261231",
	"10" + "ABCDE" + "17261231" + "17261231",
	"30" + "12" + "17261231",
	"253" + "9521234000006DOC1" + gsByte + "8006" + "095212345432130102",
	"(01)09521234543213(17)261231(10)ABC123(21)SN001",
	`(01)09521234543213(10)A(B)\(10)C(21)X`,
	"https://id.example.com/01/09521234543213/10/ABC/21/SN1?17=261231",
	"https://id.gs1.org/01/1234567890128/22/V/10/A%2FB?3103=000189&linkType=x#f",
	"+A123BJC5D6E71G",
	"+A123BJC5D6E71/$$3261231LOT123",
	"+$$3261231LOT123G",
	"]d1+A99912345/$$52001510X3",
	"01" + gtin + "10ABC12317261231",
	"01" + gtin + "10LOT21SN1" + "17261231",
	"]E0" + "1234567890128",
	"]Q1" + "01" + gtin,
	"(10)LOT1(7041)BX(238)X",
	"8013" + "1987654Ad4X4bL5ttr2310c2K" + gsByte + "423826250" + gsByte + "3911826100",
	"https://id.gs1.org/01/09521234543213/10/L?17=261231&17=261231",
	"https://id.gs1.org/01/09521234543213?21=S",
	gsByte + "01" + gtin + gsByte + gsByte + "17261231" + gsByte,
	"00" + "106141411234567897" + "4300" + "ACME%20LTD" + gsByte + "4309" + "12345678903600000000" + "7041" + "BX",
	"415" + "9521234000006" + "8020" + "REF1" + gsByte + "8007" + "GB82WEST12345698765432",
	"7258" + "1/2" + gsByte + "7259" + "SMITH" + gsByte + "7241" + "01" + gsByte + "8018" + "795260646688514634",
	"01" + gtin + "3103" + "000189" + "3922" + "1000" + gsByte + "3932" + "978" + "1000",
	"01" + gtin + "10" + "LOT" + "375",
	"https://id.gs1.org/01/09521234543213?3103=000189&3102=001890",
}

// checkResult asserts the round-trip invariants of a successful parse: the
// canonical element string re-parses strictly to the same elements, and so
// do the bracketed form (when no value holds "(") and the Digital Link URI
// (in any order).
func checkResult(t *testing.T, in string, r *Result) {
	t.Helper()
	if r.Form == FormHIBC {
		if r.HIBC == nil || len(r.Elements) != 0 {
			t.Fatalf("Parse(%q): HIBC result without HIBC data or with elements", in)
		}
		return
	}
	if len(r.Elements) == 0 {
		t.Fatalf("Parse(%q): success with no elements", in)
	}
	es := r.ElementString()
	again, err := ParseElementString(es, Options{Now: now})
	if err != nil {
		t.Fatalf("Parse(%q): canonical %q does not re-parse: %v", in, es, err)
	}
	if !slices.Equal(again.Elements, r.Elements) {
		t.Fatalf("Parse(%q): canonical %q re-parses to %v, want %v", in, es, again.Elements, r.Elements)
	}
	if again.Recovered {
		t.Fatalf("Parse(%q): canonical %q needed recovery", in, es)
	}
	hasBracket := false
	for _, e := range r.Elements {
		hasBracket = hasBracket || strings.Contains(e.Value, "(")
	}
	if !hasBracket {
		b, err := ParseBracketed(r.HRI(), Options{Now: now})
		if err != nil || !slices.Equal(b.Elements, r.Elements) {
			t.Fatalf("Parse(%q): HRI %q re-parses to %v, %v; want %v", in, r.HRI(), b, err, r.Elements)
		}
	}
	if dl := r.DigitalLink("example.com/p"); dl != "" {
		d, err := ParseDigitalLink(dl, Options{Now: now})
		if err != nil {
			t.Fatalf("Parse(%q): Digital Link %q does not re-parse: %v", in, dl, err)
		}
		if got, want := sorted(d.Elements), slices.Compact(sorted(r.Elements)); !slices.Equal(got, want) {
			t.Fatalf("Parse(%q): Digital Link %q re-parses to %v, want %v", in, dl, got, want)
		}
	}
}

func checkError(t *testing.T, in string, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Parse(%q): error %T %v, want *ParseError", in, err, err)
	}
	if pe.Pos < 0 || pe.Pos > len(in)+1 {
		t.Fatalf("Parse(%q): error position %d outside the input", in, pe.Pos)
	}
	if pe.Message() == "" || strings.Contains(pe.Message(), "position") {
		t.Fatalf("Parse(%q): plain message %q", in, pe.Message())
	}
	if len(pe.Candidates) > 0 && (pe.Kind != KindAmbiguous || len(pe.Candidates) < 2 || len(pe.Candidates) > maxCandidates) {
		t.Fatalf("Parse(%q): %d candidates with kind %v", in, len(pe.Candidates), pe.Kind)
	}
	for _, c := range pe.Candidates {
		// Every reading offered is complete and valid on its own.
		checkResult(t, in, c)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, lenient := range []bool{false, true} {
			r, err := Parse(in, Options{Now: now, Lenient: lenient})
			if err != nil {
				checkError(t, in, err)
				continue
			}
			if !lenient && r.Recovered {
				t.Fatalf("strict Parse(%q): Recovered set", in)
			}
			checkResult(t, in, r)
		}
	})
}

func FuzzParseDigitalLink(f *testing.F) {
	for _, s := range fuzzSeeds {
		if hasHTTPScheme(s) {
			f.Add(s)
		}
	}
	f.Add("http://a/b/c/01/09521234543213/22/%41/21/x?00=106141411234567897&&=&17=261200&x=y")
	f.Add("https://id.gs1.org/414/9521234000006/7040/1ABC?254=X")
	f.Add("https://id.gs1.org/8006/095212345432130102/10/L")
	f.Fuzz(func(t *testing.T, in string) {
		r, err := ParseDigitalLink(in, Options{Now: now})
		if err != nil {
			checkError(t, in, err)
			return
		}
		if r.Form != FormDigitalLink {
			t.Fatalf("ParseDigitalLink(%q): form %v", in, r.Form)
		}
		checkResult(t, in, r)
	})
}

func FuzzParseHIBC(f *testing.F) {
	for _, s := range fuzzSeeds {
		if strings.Contains(s, "+") {
			f.Add(s)
		}
	}
	f.Add("+$$8053261231LOTG3")
	f.Add("+A123BJC5D6E71/$$3261231LOT/SSER9/16D20250101/Q12X")
	f.Fuzz(func(t *testing.T, in string) {
		checkHIBC(t, in)
		// Most random data fails the check character; try the same data
		// with the right one too, to reach the structure behind it.
		if c, err := HIBCCheck(in[splitSymbology(in):]); err == nil {
			checkHIBC(t, in+string(c))
		}
	})
}

func checkHIBC(t *testing.T, in string) {
	h, err := ParseHIBC(in, Options{Now: now, Lenient: true})
	if err != nil {
		checkError(t, in, err)
		return
	}
	off := splitSymbology(in)
	want, err := HIBCCheck(in[off : len(in)-1])
	if err != nil || want != h.Check || in[len(in)-1] != h.Check {
		t.Fatalf("ParseHIBC(%q): Check %c, but the data's check character is %c (%v)", in, h.Check, want, err)
	}
	if !h.HasPrimary && !h.HasSecondary {
		t.Fatalf("ParseHIBC(%q): neither primary nor secondary data", in)
	}
	if h.HasPrimary && (len(h.Labeler) != 4 || h.Product == "" || len(h.Product) > 18 || h.UnitOfMeasure > 9) {
		t.Fatalf("ParseHIBC(%q): bad primary %+v", in, h)
	}
	if len(h.Lot) > 18 || len(h.Serial) > 18 {
		t.Fatalf("ParseHIBC(%q): lot or serial too long: %+v", in, h)
	}
	r, err := Parse(in, Options{Now: now, Lenient: true})
	if err != nil || r.HIBC == nil || r.Lot != h.Lot || r.Serial != h.Serial || !r.Expiry.Equal(h.Expiry) {
		t.Fatalf("Parse(%q) disagrees with ParseHIBC: %v, %v", in, r, err)
	}
}
