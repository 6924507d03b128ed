package gs1

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
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
		// "$+" is a serial number and nothing else: no date before it.
		{"+$+3261231SER1G", want{second: true, serial: "3261231SER1", link: 'G'}},
		{"+$+7SER1G", want{second: true, serial: "7SER1", link: 'G'}},
		{"+$+1226SER1G", want{second: true, serial: "1226SER1", link: 'G'}},
		// "$$+" is an expiry date in a format code, then the serial number.
		{"+$$+3261231SER1G", want{second: true, serial: "SER1", expiry: "2026-12-31T00", format: "YYMMDD", link: 'G'}},
		{"+$$+1226SER1G", want{second: true, serial: "SER1", expiry: "2026-12-31T00", format: "MMYY", link: 'G'}},
		{"+$$+0227SER1G", want{second: true, serial: "SER1", expiry: "2027-02-28T00", format: "MMYY", link: 'G'}},
		{"+$$+2123126SER1G", want{second: true, serial: "SER1", expiry: "2026-12-31T00", format: "MMDDYY", link: 'G'}},
		{"+$$+426123114SER1G", want{second: true, serial: "SER1", expiry: "2026-12-31T14", format: "YYMMDDHH", link: 'G'}},
		{"+$$+524060SER1G", want{second: true, serial: "SER1", expiry: "2024-02-29T00", format: "YYJJJ", link: 'G'}},
		{"+$$+62636523SER1G", want{second: true, serial: "SER1", expiry: "2026-12-31T23", format: "YYJJJHH", link: 'G'}},
		{"+$$+7SER1G", want{second: true, serial: "SER1", link: 'G'}},
		{"+A123BJC5D6E71/$$+3261231SER1", want{labeler: "A123", product: "BJC5D6E7", um: 1, primary: true, second: true,
			serial: "SER1", expiry: "2026-12-31T00", format: "YYMMDD"}},
		// A quantity may stand alone, or with a date and no lot.
		{"+$$805G", want{second: true, qty: 5, link: 'G'}},
		{"+$$900100G", want{second: true, qty: 100, link: 'G'}},
		{"+$$8053261231G", want{second: true, qty: 5, expiry: "2026-12-31T00", format: "YYMMDD", link: 'G'}},
		{"+$$8057G", want{second: true, qty: 5, link: 'G'}},
		{"+$$9001004261231143LOTG", want{second: true, qty: 100, lot: "3LOT", expiry: "2026-12-31T14", format: "YYMMDDHH", link: 'G'}},
		// An hour of 00 is an hour, not "no hour".
		{"+$$426123100LOTG", want{second: true, lot: "LOT", expiry: "2026-12-31T00", format: "YYMMDDHH", link: 'G'}},
		{"+$$62636500LOTG", want{second: true, lot: "LOT", expiry: "2026-12-31T00", format: "YYJJJHH", link: 'G'}},
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
		{data: "+A123BJC1/", want: `position 11: secondary data "" must start with $, $$, $+, $$+ or a 5-digit Julian date`},
		{data: "+$$1326LOTG", want: "position 4: expiry date 1326 (MMYY): month 13 is not 1-12"},
		{data: "+$$526366LOTG", want: "position 7: expiry date 26366 (YYJJJ): day of year 366 is not 1-365"},
		{data: "+$$3260230LOTG", want: "position 9: expiry date 260230 (YYMMDD): day 30 is not 1-28 in 2026-02"},
		{data: "+$$42612312LOTG", want: `position 5: expiry date "2612312L" is not 8 digits YYMMDDHH`},
		{data: "+$$426123125LOTG", want: "position 11: expiry date 26123125 (YYMMDDHH): hour 25 is not 0-23"},
		{data: "+$$ALOTG", want: "position 4: unknown expiry date format 'A' after $$: want MMYY or a format digit 2-7"},
		{data: "+$$G", want: "position 4: no expiry date format or lot after $$"},
		{data: "+$$8ALOTG", want: "position 5: quantity after $$8 must be 2 digits"},
		{data: "+$LO.TG", want: "position 5: lot: '.' is not a letter or digit"},
		{data: "+$1234567890123456789G", want: `position 3: lot "1234567890123456789" has 19 characters, at most 18 allowed`},
		{data: "+2636ALOTG", want: "position 2: secondary data starting with a digit must begin with a 5-digit Julian date YYJJJ"},
		{data: "+%LOTGXX1", want: `position 2: labeler code "%LOT" must be 4 letters or digits, the first a letter`},
		{data: "+A123BJC5D6E71/$$7LOT/ZZZ", want: `position 23: unknown supplemental field "ZZZ": want S, 14D, 16D or Q`},
		{data: "+A123BJC5D6E71/$$7LOT/16D20251301", want: "position 30: manufacture date 20251301: month 13 is not 1-12"},
		{data: "+A123BJC5D6E71/$$3261231LOT/14D20261230", want: "position 32: two different expiry dates"},
		{data: "+A123BJC5D6E71/$+SER/SOTHER", want: `position 22: field S: serial number "OTHER" is empty or differs from "SER"`},
		{data: "+$+G", want: "position 4: no serial number after $+"},
		{data: "+$G", want: "position 3: no lot after $"},
		{data: "+$$+G", want: "position 5: no expiry date format after $$+"},
		{data: "+$$+7G", want: "position 6: no serial number after $$+"},
		{data: "+$$+3261231G", want: "position 12: no serial number after $$+"},
		{data: "+$$+805SERG", want: "position 5: unknown expiry date format '8' after $$+: want MMYY or a format digit 2-7 (a quantity is only defined after $$)"},
		{data: "+$$+1326SERG", want: "position 5: expiry date 1326 (MMYY): month 13 is not 1-12"},
		{data: "+$$+3261231SE.RG", want: "position 14: serial number: '.' is not a letter or digit"},
		{data: "+$$80G", want: "position 5: quantity after $$8 must be 2 digits"},
		{data: "+$$9123G", want: "position 5: quantity after $$9 must be 5 digits"},
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

// The examples of the issue: "$+" is a serial number only, so no expiry
// may be read from its first digits, and "$$+" is read.
func TestHIBCSerialOnly(t *testing.T) {
	in := "+A123BJC5D6E71/$+123456780"
	h, err := ParseHIBC(in, Options{Now: now})
	if err != nil {
		t.Fatalf("ParseHIBC(%q): %v", in, err)
	}
	// The last character, 0, is the check character of the data before it.
	if h.Serial != "12345678" || !h.Expiry.IsZero() || h.ExpiryFormat != "" || h.Lot != "" || h.Check != '0' {
		t.Errorf("ParseHIBC(%q): serial %q expiry %v (%q) lot %q check %c; want serial 12345678, no expiry, no lot, check 0",
			in, h.Serial, h.Expiry, h.ExpiryFormat, h.Lot, h.Check)
	}
	r, err := Parse(in, Options{Now: now, Lenient: true})
	if err != nil || r.Serial != "12345678" || r.ExpiryISO() != "" {
		t.Errorf("Parse(%q): serial %q expiry %q, %v; want serial 12345678 and no expiry", in, r.Serial, r.ExpiryISO(), err)
	}
	in = withCheck(t, "+A123BJC5D6E71/$$+3261231SER1")
	if r, err := Parse(in, Options{Now: now}); err != nil || r.Serial != "SER1" || r.ExpiryISO() != "2026-12-31" || r.Lot != "" {
		t.Errorf("Parse(%q) = %+v, %v; want serial SER1 expiring 2026-12-31", in, r, err)
	}
}

// An expiry with an hour keeps it, even when the hour is 00.
func TestHIBCExpiryHour(t *testing.T) {
	for _, tt := range []struct {
		data string
		hour bool
	}{
		{"+$$426123100LOTG", true},
		{"+$$+62636500SERG", true},
		{"+$$426123114LOTG", true},
		{"+$$3261231LOTG", false},
		{"+$$1226LOTG", false},
		{"+$$7LOTG", false},
	} {
		in := withCheck(t, tt.data)
		h, err := ParseHIBC(in, Options{Now: now})
		if err != nil {
			t.Errorf("ParseHIBC(%q): %v", in, err)
			continue
		}
		if h.HasExpiryHour() != tt.hour {
			t.Errorf("ParseHIBC(%q).HasExpiryHour() = %v, want %v", in, h.HasExpiryHour(), tt.hour)
		}
	}
}

func TestJoinHIBC(t *testing.T) {
	p, err := ParseHIBC("+A123BJC5D6E71G", Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseHIBC(withCheck(t, "+$$+3261231SER1G"), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	j, err := JoinHIBC(p, s)
	if err != nil {
		t.Fatalf("JoinHIBC: %v", err)
	}
	if !j.HasPrimary || !j.HasSecondary || j.Labeler != "A123" || j.Product != "BJC5D6E7" || j.UnitOfMeasure != 1 ||
		j.Serial != "SER1" || j.Expiry.Format(time.DateOnly) != "2026-12-31" || j.ExpiryFormat != "YYMMDD" {
		t.Errorf("JoinHIBC = %+v, want the primary's product with the secondary's serial and expiry", j)
	}
	if p.Serial != "" || p.HasSecondary {
		t.Errorf("JoinHIBC changed the primary: %+v", p)
	}
	other, err := ParseHIBC(withCheck(t, "+$$+3261231SER1H"), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := JoinHIBC(p, other); err == nil || err.Error() != "the secondary label's link character H does not match the primary label's check character G: the two labels are of different products" {
		t.Errorf("JoinHIBC(link H, check G): got %v, want a link mismatch error", err)
	}
	if _, err := JoinHIBC(s, p); err == nil {
		t.Errorf("JoinHIBC(secondary, primary): got no error, want one")
	}
	both, _ := ParseHIBC(withCheck(t, "+A123BJC5D6E71/$$7LOT"), Options{Now: now})
	if _, err := JoinHIBC(p, both); err == nil {
		t.Errorf("JoinHIBC(primary, concatenated): got no error, want one")
	}
}

// FuzzHIBCSecondary writes secondary data from its parts, in each structure
// of the Supplier Labeling Standard, and checks that the parser reads back
// exactly those parts: a serial number stays a serial number, a lot a lot,
// and no date is read where none was written.
func FuzzHIBCSecondary(f *testing.F) {
	f.Add(uint8(0), uint8(0), uint16(0), uint16(100), uint8(0), "LOT1", false)
	f.Add(uint8(1), uint8(0), uint16(0), uint16(100), uint8(0), "12345678", true)
	f.Add(uint8(2), uint8(3), uint16(1), uint16(9000), uint8(0), "", false)
	f.Add(uint8(3), uint8(5), uint16(2), uint16(20000), uint8(23), "S1", true)
	f.Fuzz(func(t *testing.T, flag, format uint8, qty, day uint16, hour uint8, value string, concatenated bool) {
		var v []byte
		for i := 0; i < len(value) && len(v) < 18; i++ {
			if c := value[i]; isAlnum(c) {
				v = append(v, c)
			}
		}
		val := string(v)
		// A day from 2000 to 2069, inside the century window of now.
		d := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(day)%(70*365))
		hh := int(hour) % 24
		yy, mm, dd, jjj := d.Year()%100, int(d.Month()), d.Day(), d.YearDay()
		var date string
		var want time.Time
		layout := ""
		switch format % 7 {
		case 0:
			date, layout = fmt.Sprintf("%02d%02d", mm, yy), "MMYY"
			want = time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC)
		case 1:
			date, layout, want = fmt.Sprintf("2%02d%02d%02d", mm, dd, yy), "MMDDYY", d
		case 2:
			date, layout, want = fmt.Sprintf("3%02d%02d%02d", yy, mm, dd), "YYMMDD", d
		case 3:
			date, layout, want = fmt.Sprintf("4%02d%02d%02d%02d", yy, mm, dd, hh), "YYMMDDHH", d.Add(time.Duration(hh)*time.Hour)
		case 4:
			date, layout, want = fmt.Sprintf("5%02d%03d", yy, jjj), "YYJJJ", d
		case 5:
			date, layout, want = fmt.Sprintf("6%02d%03d%02d", yy, jjj, hh), "YYJJJHH", d.Add(time.Duration(hh)*time.Hour)
		case 6:
			date = "7"
		}
		var data, wantLot, wantSerial string
		wantQty := 0
		switch flag % 4 {
		case 0:
			data, wantLot, date, layout = "$"+val, val, "", ""
		case 1:
			data, wantSerial, date, layout = "$+"+val, val, "", ""
		case 2:
			q := ""
			switch qty % 3 {
			case 1:
				wantQty = int(qty) % 100
				q = fmt.Sprintf("8%02d", wantQty)
			case 2:
				wantQty = int(qty) % 100000
				q = fmt.Sprintf("9%05d", wantQty)
			}
			if q != "" && val == "" && format%2 == 0 {
				date, layout = "", "" // a quantity on its own
			}
			data, wantLot = "$$"+q+date+val, val
		case 3:
			data, wantSerial = "$$+"+date+val, val
		}
		if layout == "" {
			want = time.Time{}
		}
		in := "+" + data + "G"
		if concatenated {
			in = "+A123P1/" + data
		}
		c, err := HIBCCheck(in)
		if err != nil {
			t.Fatalf("HIBCCheck(%q): %v", in, err)
		}
		in += string(c)
		h, err := ParseHIBC(in, Options{Now: now})
		if val == "" && flag%4 != 2 {
			if err == nil {
				t.Fatalf("ParseHIBC(%q) = %+v, want an error: no lot or serial number", in, h)
			}
			return
		}
		if err != nil {
			t.Fatalf("ParseHIBC(%q): %v", in, err)
		}
		if h.Lot != wantLot || h.Serial != wantSerial || h.Quantity != wantQty || !h.Expiry.Equal(want) || h.ExpiryFormat != layout ||
			!h.HasSecondary || h.HasPrimary != concatenated {
			t.Fatalf("ParseHIBC(%q):\n got lot %q serial %q qty %d expiry %v (%s) primary %v\nwant lot %q serial %q qty %d expiry %v (%s) primary %v",
				in, h.Lot, h.Serial, h.Quantity, h.Expiry, h.ExpiryFormat, h.HasPrimary, wantLot, wantSerial, wantQty, want, layout, concatenated)
		}
		if got := strings.HasSuffix(layout, "HH"); h.HasExpiryHour() != got {
			t.Fatalf("ParseHIBC(%q).HasExpiryHour() = %v, want %v", in, h.HasExpiryHour(), got)
		}
	})
}
