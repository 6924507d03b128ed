package gs1

import (
	"slices"
	"strings"
	"testing"
)

func TestParseDigitalLink(t *testing.T) {
	tests := []struct {
		in    string
		sym   string
		elems []Element
	}{
		{
			in:    "https://id.example.com/01/09521234543213/10/ABC/21/SN1?17=261231",
			elems: el("01", gtin, "10", "ABC", "21", "SN1", "17", "261231"),
		},
		{
			in:    "HTTP://ID.EXAMPLE.COM/01/09521234543213",
			elems: el("01", gtin),
		},
		{ // a path of the brand's own before the primary key
			in:    "https://brand.example/products/01/shop/01/09521234543213/21/12345",
			elems: el("01", gtin, "21", "12345"),
		},
		{ // percent-decoding; non-AI parameters and the fragment ignored
			in:    "https://id.gs1.org/01/09521234543213/10/ABC%2f123?17=261231&linkType=gs1:pip&3103=000189#top",
			elems: el("01", gtin, "10", "ABC/123", "17", "261231", "3103", "000189"),
		},
		{ // all three GTIN qualifiers in order; "+" is itself
			in:    "https://example.com/01/09521234543213/22/2A/10/A+B/21/XYZ",
			elems: el("01", gtin, "22", "2A", "10", "A+B", "21", "XYZ"),
		},
		{
			in:    "https://id.gs1.org/00/106141411234567897",
			elems: el("00", "106141411234567897"),
		},
		{
			in:    "https://id.gs1.org/414/9521234000006/254/32a%2Fb",
			elems: el("414", "9521234000006", "254", "32a/b"),
		},
		{
			in:    "https://id.gs1.org/8018/795260646688514634",
			elems: el("8018", "795260646688514634"),
		},
		{
			in:    "https://id.gs1.org/01/09521234543213/235/TPX1",
			elems: el("01", gtin, "235", "TPX1"),
		},
		{
			in:    "]Q1https://id.gs1.org/01/09521234543213?&&17=261200",
			sym:   "]Q1",
			elems: el("01", gtin, "17", "261200"),
		},
	}
	for _, tt := range tests {
		for _, parse := range []func(string, Options) (*Result, error){Parse, ParseDigitalLink} {
			r, err := parse(tt.in, Options{Now: now})
			if err != nil {
				t.Errorf("parse(%q): got error %v", tt.in, err)
				continue
			}
			if r.Form != FormDigitalLink || r.Symbology != tt.sym {
				t.Errorf("parse(%q): got form %v symbology %q, want digital link, %q", tt.in, r.Form, r.Symbology, tt.sym)
			}
			if !slices.Equal(r.Elements, tt.elems) {
				t.Errorf("parse(%q).Elements:\n got %v\nwant %v", tt.in, r.Elements, tt.elems)
			}
		}
	}
}

func TestParseDigitalLinkErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://id.gs1.org/01/09521234543213/21/S/10/L", "position 19: no GS1 primary key (such as /01/ and a GTIN) with valid key qualifiers in the path"},
		{"https://id.gs1.org/10/L", "position 19: no GS1 primary key (such as /01/ and a GTIN) with valid key qualifiers in the path"},
		{"https://id.gs1.org/01", "position 19: no GS1 primary key (such as /01/ and a GTIN) with valid key qualifiers in the path"},
		{"https://id.gs1.org/01/09521234543214", "position 36: AI (01): check digit is 4, want 3"},
		{"https://id.gs1.org/01/123", `position 23: AI (01): value "123" has 3 characters, want 14`},
		{"https://id.gs1.org/01/09521234543213/10/", `position 40: a Digital Link URI may not end its path with "/"`},
		{"https://id.gs1.org/01/1234567890128", "position 23: AI (01): a GTIN in a Digital Link URI has 14 digits: pad the GTIN-13 with zeros on the left"},
		{"https://id.gs1.org/01/09521234543213/10/A?17=261231&17=261231", "position 56: AI (17): appears more than once: a Digital Link URI may not repeat an AI"},
		{"https://id.gs1.org/01/09521234543213/10//21/X", "position 41: AI (10): no value"},
		{"https://id.gs1.org/01/09521234543213/10/A%2", "position 42: AI (10): bad percent-encoding"},
		{"https://id.gs1.org/01/09521234543213/10/A%G1", "position 42: AI (10): bad percent-encoding"},
		{"https://id.gs1.org/01/09521234543213?17=261341", "position 43: AI (17): date 261341: month 13 is not 1-12"},
		{"https://id.gs1.org/01/09521234543213?17", "position 38: AI (17): query parameter has no value"},
		{"https://id.gs1.org/01/09521234543213?99999=1", "position 38: AI (99999): unknown AI"},
		{"https://id.gs1.org/01/09521234543213?17=26%zz", "position 43: AI (17): bad percent-encoding"},
		{"https://id.gs1.org/01/09521234543213/10/A%20B", "position 42: AI (10): space is not in GS1 character set 82"},
		{"https:///01/09521234543213", "position 9: no domain in the URI"},
		{"https://id .org/01/09521234543213", "position 11: space is not allowed in a domain"},
		{"https://id.gs1.org/01/09521234543213/10/A?10=B", "position 43: AI (10): a key qualifier of (01) belongs in the path, not in the query string"},
	}
	for _, tt := range tests {
		_, err := ParseDigitalLink(tt.in, Options{Now: now})
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseDigitalLink(%q):\n got error %v\nwant error %q", tt.in, err, tt.want)
		}
	}
	if _, err := ParseDigitalLink("ftp://id.gs1.org/01/"+gtin, Options{}); err == nil ||
		err.Error() != "position 1: a Digital Link URI starts with http:// or https://" {
		t.Errorf("ParseDigitalLink(ftp://...): got %v, want an error about the scheme", err)
	}
}

func TestDigitalLinkOutput(t *testing.T) {
	tests := []struct {
		in, domain, want string
	}{
		{typical, "", "https://id.gs1.org/01/09521234543213/10/ABC123/21/SN001?17=261231"},
		{typical, "id.example.com", "https://id.example.com/01/09521234543213/10/ABC123/21/SN001?17=261231"},
		{typical, "https://example.com/shop/", "https://example.com/shop/01/09521234543213/10/ABC123/21/SN001?17=261231"},
		{"(17)261231(21)S1(22)V(10)L(01)09521234543213(3103)000189", "",
			"https://id.gs1.org/01/09521234543213/22/V/10/L/21/S1?17=261231&3103=000189"},
		{"(01)09521234543213(10)A/B&C=D%E", "", "https://id.gs1.org/01/09521234543213/10/A%2FB%26C%3DD%25E"},
		{"(01)09521234543213(235)T1", "", "https://id.gs1.org/01/09521234543213/235/T1"},
		{"(00)106141411234567897(01)09521234543213", "", "https://id.gs1.org/01/09521234543213?00=106141411234567897"},
		{"(00)106141411234567897(10)L", "", "https://id.gs1.org/00/106141411234567897?10=L"},
		{"(8018)795260646688514634(8019)12", "", "https://id.gs1.org/8018/795260646688514634/8019/12"},
		{"(10)L(21)S", "", ""},
		// 254 and 7040 qualify a GLN in different paths: no one URI holds both.
		{"(414)9521234000006(254)EXT(7040)1ABC", "", ""},
	}
	for _, tt := range tests {
		// Some cases are the data of one of several barcodes on a label.
		r, err := Parse(tt.in, Options{Now: now, SeveralBarcodes: true})
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if got := r.DigitalLink(tt.domain); got != tt.want {
			t.Errorf("Parse(%q).DigitalLink(%q):\n got %q\nwant %q", tt.in, tt.domain, got, tt.want)
		}
	}
}

func TestDigitalLinkRoundTrip(t *testing.T) {
	for _, in := range []string{
		typical,
		"(01)09521234543213(22)V1(10)A/B&C(21)%X?(17)261200(3103)000189(7003)2612311430",
		"(00)106141411234567897(02)09521234543213(37)24",
		"(414)9521234000006(254)EXT",
		"(414)9521234000006(7040)1ABC",
		"(8017)795260646688514634(8019)1",
		"(253)9521234000006DOC1(8009)https://example.com/a?b=c",
		"(8006)095212345432130102(22)X(10)Y(21)Z",
	} {
		r, err := Parse(in, Options{Now: now, Lenient: true, SeveralBarcodes: true})
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		dl := r.DigitalLink("example.org/x")
		back, err := ParseDigitalLink(dl, Options{Now: now, SeveralBarcodes: true})
		if err != nil {
			t.Errorf("ParseDigitalLink(%q) from %q: %v", dl, in, err)
			continue
		}
		if got, want := sorted(back.Elements), sorted(r.Elements); !slices.Equal(got, want) {
			t.Errorf("round trip of %q via %q:\n got %v\nwant %v", in, dl, got, want)
		}
	}
}

// sorted returns the elements sorted by AI, then value.
func sorted(e []Element) []Element {
	out := slices.Clone(e)
	slices.SortFunc(out, func(a, b Element) int {
		if c := strings.Compare(a.AI, b.AI); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out
}
