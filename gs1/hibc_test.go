package gs1

import (
	"errors"
	"testing"
)

// withCheck appends the HIBC mod-43 check character to data.
func withCheck(t *testing.T, data string) string {
	t.Helper()
	c, err := HIBCCheck(data)
	if err != nil {
		t.Fatalf("HIBCCheck(%q): %v", data, err)
	}
	return data + string(c)
}

func TestHIBCCheck(t *testing.T) {
	tests := []struct {
		data string
		want byte
	}{
		{"+A123BJC5D6E71", 'G'}, // the primary example of the HIBC standard
		{"+", '+'},              // 41
		{"AB", 'L'},             // 10 + 11 = 21
		{"%%", '+'},             // 42 + 42 = 84 = 41 mod 43
		{"- .$/", 'I'},          // 36+37+38+39+40 = 190 = 18 mod 43
	}
	for _, tt := range tests {
		got, err := HIBCCheck(tt.data)
		if err != nil || got != tt.want {
			t.Errorf("HIBCCheck(%q) = %c, %v; want %c", tt.data, got, err, tt.want)
		}
	}
	if _, err := HIBCCheck("+a"); err == nil || err.Error() != "position 2: 'a' is not in the HIBC character set (0-9 A-Z - . space $ / + %)" {
		t.Errorf("HIBCCheck(+a): got %v, want an error naming 'a' at position 2", err)
	}
}

func TestParseHIBC(t *testing.T) {
	type want struct {
		labeler, product string
		um               int
		primary, second  bool
		qty              int
		lot, serial      string
		expiry           string // 2006-01-02T15
		format           string
		mfg              string
		link             byte
	}
	tests := []struct {
		data string // without check character
		want want
	}{
		{"+A123BJC5D6E71", want{labeler: "A123", product: "BJC5D6E7", um: 1, primary: true}},
		{"+A123BJC5D6E71/$$3261231LOT123", want{labeler: "A123", product: "BJC5D6E7", um: 1, primary: true, second: true,
			lot: "LOT123", expiry: "2026-12-31T00", format: "YYMMDD"}},
		{"+A99912345/$$52001510X3", want{labeler: "A999", product: "1234", um: 5, primary: true, second: true,
			lot: "10X3", expiry: "2020-01-15T00", format: "YYJJJ"}},
		{"+$$3261231LOT123G", want{second: true, lot: "LOT123", expiry: "2026-12-31T00", format: "YYMMDD", link: 'G'}},
		{"+$$1226LOTG", want{second: true, lot: "LOT", expiry: "2026-12-31T00", format: "MMYY", link: 'G'}},
		{"+$$0227LOTG", want{second: true, lot: "LOT", expiry: "2027-02-28T00", format: "MMYY", link: 'G'}},
		{"+$$2123126LOTG", want{second: true, lot: "LOT", expiry: "2026-12-31T00", format: "MMDDYY", link: 'G'}},
		{"+$$426123114LOTG", want{second: true, lot: "LOT", expiry: "2026-12-31T14", format: "YYMMDDHH", link: 'G'}},
		{"+$$524060LOTG", want{second: true, lot: "LOT", expiry: "2024-02-29T00", format: "YYJJJ", link: 'G'}},
		{"+$$62636523LOTG", want{second: true, lot: "LOT", expiry: "2026-12-31T23", format: "YYJJJHH", link: 'G'}},
		{"+$$7LOTG", want{second: true, lot: "LOT", link: 'G'}},
		{"+$$8053261231LOTG", want{second: true, qty: 5, lot: "LOT", expiry: "2026-12-31T00", format: "YYMMDD", link: 'G'}},
		{"+$$9001007LOTG", want{second: true, qty: 100, lot: "LOT", link: 'G'}},
		{"+$+3261231SER1G", want{second: true, serial: "SER1", expiry: "2026-12-31T00", format: "YYMMDD", link: 'G'}},
		{"+$+7SER1G", want{second: true, serial: "SER1", link: 'G'}},
		{"+$+1226SER1G", want{second: true, serial: "SER1", expiry: "2026-12-31T00", format: "MMYY", link: 'G'}},
		{"+$LOT1G", want{second: true, lot: "LOT1", link: 'G'}},
		{"+26365LOTG", want{second: true, lot: "LOT", expiry: "2026-12-31T00", format: "YYJJJ", link: 'G'}},
		{"+A123BJC5D6E71/$$3261231LOT/SSER9/16D20250101/Q12", want{labeler: "A123", product: "BJC5D6E7", um: 1,
			primary: true, second: true, qty: 12, lot: "LOT", serial: "SER9", expiry: "2026-12-31T00", format: "YYMMDD", mfg: "2025-01-01"}},
		{"+A123BJC5D6E71/$$7LOT/14D20261231", want{labeler: "A123", product: "BJC5D6E7", um: 1,
			primary: true, second: true, lot: "LOT", expiry: "2026-12-31T00", format: "YYYYMMDD"}},
		{"+B000P0", want{labeler: "B000", product: "P", um: 0, primary: true}},
	}
	for _, tt := range tests {
		in := withCheck(t, tt.data)
		h, err := ParseHIBC(in, Options{Now: now})
		if err != nil {
			t.Errorf("ParseHIBC(%q): %v", in, err)
			continue
		}
		got := want{labeler: h.Labeler, product: h.Product, um: h.UnitOfMeasure, primary: h.HasPrimary,
			second: h.HasSecondary, qty: h.Quantity, lot: h.Lot, serial: h.Serial, format: h.ExpiryFormat, link: h.Link}
		if !h.Expiry.IsZero() {
			got.expiry = h.Expiry.Format("2006-01-02T15")
		}
		if !h.ManufactureDate.IsZero() {
			got.mfg = h.ManufactureDate.Format("2006-01-02")
		}
		if got != tt.want {
			t.Errorf("ParseHIBC(%q):\n got %+v\nwant %+v", in, got, tt.want)
		}
		if h.Check != in[len(in)-1] {
			t.Errorf("ParseHIBC(%q).Check = %c, want %c", in, h.Check, in[len(in)-1])
		}
	}
}

func TestHIBCLink(t *testing.T) {
	p, err := ParseHIBC("+A123BJC5D6E71G", Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseHIBC(withCheck(t, "+$$3261231LOT123G"), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if !s.LinksTo(p) {
		t.Errorf("secondary with link G: LinksTo(primary with check G) = false, want true")
	}
	other, _ := ParseHIBC(withCheck(t, "+$$3261231LOT123H"), Options{Now: now})
	if other.LinksTo(p) {
		t.Errorf("secondary with link H: LinksTo(primary with check G) = true, want false")
	}
}

func TestParseHIBCViaParse(t *testing.T) {
	in := "]d1" + withCheck(t, "+A123BJC5D6E71/$$3261231LOT123")
	r, err := Parse(in, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if r.Form != FormHIBC || r.Symbology != "]d1" || r.HIBC == nil || r.Lot != "LOT123" || r.ExpiryISO() != "2026-12-31" {
		t.Errorf("Parse(%q): got form %v symbology %q lot %q expiry %q, want HIBC ]d1 LOT123 2026-12-31",
			in, r.Form, r.Symbology, r.Lot, r.ExpiryISO())
	}
	if r.ElementString() != "" || r.HRI() != "" || r.DigitalLink("") != "" {
		t.Errorf("HIBC result: GS1 forms %q %q %q, want empty", r.ElementString(), r.HRI(), r.DigitalLink(""))
	}
}

func TestParseHIBCErrors(t *testing.T) {
	tests := []struct {
		data string // check character appended unless raw
		raw  bool
		want string
	}{
		{data: "+A123BJC5D6E71H", raw: true, want: "position 15: HIBC check character is H, want G"},
		{data: "+a123BJC5D6E71G", raw: true, want: "position 2: 'a' is not in the HIBC character set (0-9 A-Z - . space $ / + %)"},
		{data: "A123BJC5D6E71G", raw: true, want: `position 1: HIBC data starts with "+"`},
		{data: "+", raw: true, want: `position 1: HIBC data "+" is too short`},
		{data: "+A", want: `position 2: primary data "A" is too short: want a 4-character labeler code, a product number and a unit of measure`},
		{data: "+A12", want: `position 2: primary data "A12" is too short: want a 4-character labeler code, a product number and a unit of measure`},
		{data: "+A1-3BJC1", want: `position 2: labeler code "A1-3" must be 4 letters or digits, the first a letter`},
		{data: "+A123BJ.C1", want: "position 8: product number: '.' is not a letter or digit"},
		{data: "+A123" + "1234567890123456789" + "1", want: `position 6: product number "1234567890123456789" has 19 characters, at most 18 allowed`},
		{data: "+A123BJCX", want: "position 9: unit of measure 'X' is not a digit"},
		{data: "+A123BJC1/", want: `position 11: secondary data "" must start with $, $$, $+ or a 5-digit Julian date`},
		{data: "+$$1326LOTG", want: "position 4: expiry date 1326 (MMYY): month 13 is not 1-12"},
		{data: "+$$526366LOTG", want: "position 7: expiry date 26366 (YYJJJ): day of year 366 is not 1-365"},
		{data: "+$$3260230LOTG", want: "position 9: expiry date 260230 (YYMMDD): day 30 is not 1-28 in 2026-02"},
		{data: "+$$42612312LOTG", want: `position 5: expiry date "2612312L" is not 8 digits YYMMDDHH`},
		{data: "+$$426123125LOTG", want: "position 11: expiry date 26123125 (YYMMDDHH): hour 25 is not 0-23"},
		{data: "+$$ALOTG", want: "position 4: unknown expiry date format 'A' after $$: want MMYY or a format digit 2-7"},
		{data: "+$$G", want: "position 4: no expiry date format or lot after $$"},
		{data: "+$$8ALOTG", want: "position 5: quantity after $$8 must be 2 digits"},
		{data: "+$+7G", want: "position 5: no serial number after $+"},
		{data: "+$LO.TG", want: "position 5: lot: '.' is not a letter or digit"},
		{data: "+$1234567890123456789G", want: `position 3: lot "1234567890123456789" has 19 characters, at most 18 allowed`},
		{data: "+2636ALOTG", want: "position 2: secondary data starting with a digit must begin with a 5-digit Julian date YYJJJ"},
		{data: "+%LOTGXX1", want: `position 2: labeler code "%LOT" must be 4 letters or digits, the first a letter`},
		{data: "+A123BJC5D6E71/$$7LOT/ZZZ", want: `position 23: unknown supplemental field "ZZZ": want S, 14D, 16D or Q`},
		{data: "+A123BJC5D6E71/$$7LOT/16D20251301", want: "position 30: manufacture date 20251301: month 13 is not 1-12"},
		{data: "+A123BJC5D6E71/$$3261231LOT/14D20261230", want: "position 32: two different expiry dates"},
		{data: "+A123BJC5D6E71/$+7SER/SOTHER", want: `position 23: field S: serial number "OTHER" is empty or differs from "SER"`},
	}
	for _, tt := range tests {
		in := tt.data
		if !tt.raw {
			in = withCheck(t, tt.data)
		}
		_, err := ParseHIBC(in, Options{Now: now})
		var pe *ParseError
		if err == nil || !errors.As(err, &pe) || err.Error() != tt.want {
			t.Errorf("ParseHIBC(%q):\n got error %v\nwant error %q", in, err, tt.want)
		}
	}
	// In lenient mode an unknown supplemental field is noted, not an error.
	in := withCheck(t, "+A123BJC5D6E71/$$7LOT/ZZZ")
	h, err := ParseHIBC(in, Options{Now: now, Lenient: true})
	if err != nil || len(h.Notes) != 1 {
		t.Errorf("lenient ParseHIBC(%q): got %v, %v; want one note", in, h, err)
	}
}
