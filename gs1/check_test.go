package gs1

import (
	"testing"
)

func TestCheckDigit(t *testing.T) {
	tests := []struct {
		data string
		want byte
	}{
		{"0952123454321", '3'},     // GTIN 09521234543213 (DOMAIN.md, GS1 examples)
		{"123456789012", '8'},      // GTIN-13 1234567890128 (DOMAIN.md)
		{"10614141123456789", '7'}, // SSCC 106141411234567897 (GS1 example)
		{"952123400000", '6'},      // GLN 9521234000006
		{"9638507", '4'},           // GTIN-8 96385074
		{"03600029145", '2'},       // GTIN-12 (UPC-A) 036000291452
		{"0952012345678", '8'},     // GTIN 09520123456788 (Digital Link examples)
		{"79526064668851463", '4'}, // GSRN 795260646688514634
		{"0", '0'},
	}
	for _, tt := range tests {
		got, err := CheckDigit(tt.data)
		if err != nil || got != tt.want {
			t.Errorf("CheckDigit(%q) = %c, %v; want %c, nil", tt.data, got, err, tt.want)
		}
		if full := tt.data + string(tt.want); !ValidCheckDigit(full) {
			t.Errorf("ValidCheckDigit(%q) = false, want true", full)
		}
	}
	for _, bad := range []string{"", "12a4"} {
		if _, err := CheckDigit(bad); err == nil {
			t.Errorf("CheckDigit(%q): got no error, want one", bad)
		}
	}
	for _, bad := range []string{"", "3", "09521234543214", "0952123454321x"} {
		if ValidCheckDigit(bad) {
			t.Errorf("ValidCheckDigit(%q) = true, want false", bad)
		}
	}
}

func TestNormalizeGTIN(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"1234567890128", "01234567890128", ""},
		{"09521234543213", "09521234543213", ""},
		{"96385074", "00000096385074", ""},
		{"036000291452", "00036000291452", ""},
		{"1234567890127", "", "position 13: AI (01): check digit is 7, want 8"},
		{"123456789", "", "AI (01): a GTIN has 8, 12, 13 or 14 digits, not 9"},
		{"12345678901A", "", "position 12: AI (01): 'A' is not a digit"},
	}
	for _, tt := range tests {
		got, err := NormalizeGTIN(tt.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tt.want || gotErr != tt.err {
			t.Errorf("NormalizeGTIN(%q) = %q, %q; want %q, %q", tt.in, got, gotErr, tt.want, tt.err)
		}
	}
}

func TestCenturyYear(t *testing.T) {
	tests := []struct{ yy, current, want int }{
		{26, 2026, 2026},
		{76, 2026, 2076}, // current + 50: still this century
		{77, 2026, 1977}, // current - 49: previous century
		{0, 2026, 2000},
		{99, 2026, 1999},
		{10, 2060, 2110}, // current + 50: next century
		{11, 2060, 2011}, // current - 49
		{49, 1999, 2049},
		{50, 1999, 1950},
	}
	for _, tt := range tests {
		if got := CenturyYear(tt.yy, tt.current); got != tt.want {
			t.Errorf("CenturyYear(%d, %d) = %d, want %d", tt.yy, tt.current, got, tt.want)
		}
	}
}

func TestDates(t *testing.T) {
	tests := []struct {
		kind DateKind
		v    string
		want string // time in RFC 3339 without zone, or the error message
	}{
		{YYMMD0, "261231", "2026-12-31T00:00"},
		{YYMMD0, "260400", "2026-04-30T00:00"},
		{YYMMD0, "260200", "2026-02-28T00:00"},
		{YYMMD0, "240200", "2024-02-29T00:00"},
		{YYMMD0, "240229", "2024-02-29T00:00"},
		{YYMMD0, "000229", "2000-02-29T00:00"},
		{YYMMD0, "780101", "1978-01-01T00:00"},
		{YYMMD0, "250229", "day 29 is not 1-28 in 2025-02"},
		{YYMMD0, "261341", "month 13 is not 1-12"},
		{YYMMD0, "260001", "month 0 is not 1-12"},
		{YYMMD0, "260431", "day 31 is not 1-30 in 2026-04"},
		{YYMMDD, "260400", "day 00 is not allowed here"},
		{YYMMDDHHMM, "2612311430", "2026-12-31T14:30"},
		{YYMMDDHHMM, "2612312430", "hour 24 is not 0-23"},
		{YYMMDDHHMM, "2612311460", "minute 60 is not 0-59"},
		{YYMMDDHH, "26123123", "2026-12-31T23:00"},
		{YYYYMMDD, "19000229", "day 29 is not 1-28 in 1900-02"},
		{YYYYMMDD, "20000229", "2000-02-29T00:00"},
		{YYYYMMDDHHMM, "202001010101", "2020-01-01T01:01"},
		{MMOptSS, "5", "want minutes (MM) or minutes and seconds (MMSS)"},
		{MMOptSS, "5960", "second 60 is not 0-59"},
		{HHMM, "2400", "hour 24 is not 0-23"},
	}
	for _, tt := range tests {
		tm, de := parseDate(tt.kind, tt.v, 2026)
		got := tm.Format("2006-01-02T15:04")
		if de != nil {
			got = de.msg
		}
		if got != tt.want {
			t.Errorf("parseDate(%v, %q) = %q, want %q", tt.kind, tt.v, got, tt.want)
		}
	}
}

func TestInCS82(t *testing.T) {
	all := "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
	if len(all) != 82 {
		t.Fatalf("test set has %d characters, want 82", len(all))
	}
	if !InCS82(all) {
		t.Errorf("InCS82(all 82) = false, want true")
	}
	n := 0
	for c := 0; c < 256; c++ {
		if cs82[c] {
			n++
		}
	}
	if n != 82 {
		t.Errorf("character set 82 has %d members, want 82", n)
	}
	for _, bad := range []string{" ", "#", "$", "@", "[", "\\", "]", "^", "`", "{", "|", "}", "~", "\x1d", "é"} {
		if InCS82(bad) {
			t.Errorf("InCS82(%q) = true, want false", bad)
		}
	}
}
