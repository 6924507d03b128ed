package gs1

import (
	"strings"
	"testing"
	"time"
)

// now is the fixed clock of the tests: the century window is 1977-2076.
var now = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func TestTableIsPrefixFree(t *testing.T) {
	for _, a := range table {
		for _, b := range table {
			if a != b && strings.HasPrefix(b.Code, a.Code) {
				t.Errorf("AI %s is a prefix of AI %s: element strings would be ambiguous", a.Code, b.Code)
			}
		}
		if got, want := int(aiLen[atoi2(a.Code)]), len(a.Code); got != want {
			t.Errorf("AIs beginning %s: length table says %d digits, AI %s has %d", a.Code[:2], got, a.Code, want)
		}
	}
}

func TestPredefinedLengths(t *testing.T) {
	for _, a := range table {
		total, ok := predefinedLength[a.Code[:2]]
		if ok != a.Predefined {
			t.Errorf("AI %s: Predefined = %v, want %v", a.Code, a.Predefined, ok)
		}
		if ok && a.fixed+len(a.Code) != total {
			t.Errorf("AI %s: element string length %d, predefined table says %d", a.Code, a.fixed+len(a.Code), total)
		}
	}
}

// TestDomainAIs checks the AIs listed in DOMAIN.md section 4.
func TestDomainAIs(t *testing.T) {
	tests := []struct {
		code, format string
		check        bool
		fixed        int
		date         DateKind
	}{
		{"00", "N18", true, 18, NoDate},
		{"01", "N14", true, 14, NoDate},
		{"02", "N14", true, 14, NoDate},
		{"10", "X..20", false, 0, NoDate},
		{"11", "N6", false, 6, YYMMD0},
		{"17", "N6", false, 6, YYMMD0},
		{"21", "X..20", false, 0, NoDate},
		{"22", "X..20", false, 0, NoDate},
		{"30", "N..8", false, 0, NoDate},
		{"235", "X..28", false, 0, NoDate},
		{"240", "X..30", false, 0, NoDate},
		{"241", "X..30", false, 0, NoDate},
		{"414", "N13", true, 13, NoDate},
		{"7003", "N10", false, 10, YYMMDDHHMM},
		{"8017", "N18", true, 18, NoDate},
		{"8018", "N18", true, 18, NoDate},
		{"253", "N13+[X..17]", true, 0, NoDate},
		{"8008", "N8+[N..4]", false, 0, YYMMDDHH},
		{"3103", "N6", false, 6, NoDate},
		{"3932", "N3+N..15", false, 0, NoDate},
		{"7258", "X3", false, 3, NoDate},
		{"8030", "Z..90", false, 0, NoDate},
		{"8010", "Y..30", false, 0, NoDate},
	}
	for _, tt := range tests {
		a, ok := LookupAI(tt.code)
		if !ok {
			t.Errorf("LookupAI(%q): not found", tt.code)
			continue
		}
		if got := a.Format(); got != tt.format {
			t.Errorf("AI %s: Format() = %q, want %q", tt.code, got, tt.format)
		}
		if got := a.CheckDigit(); got != tt.check {
			t.Errorf("AI %s: CheckDigit() = %v, want %v", tt.code, got, tt.check)
		}
		if got, _ := a.FixedLength(); got != tt.fixed {
			t.Errorf("AI %s: FixedLength() = %d, want %d", tt.code, got, tt.fixed)
		}
		if got := a.Date(); got != tt.date {
			t.Errorf("AI %s: Date() = %v, want %v", tt.code, got, tt.date)
		}
	}
	if a, _ := LookupAI("3103"); a.Decimals != 3 || a.Title != "NET WEIGHT (kg)" {
		t.Errorf("AI 3103: Decimals %d, Title %q; want 3, NET WEIGHT (kg)", a.Decimals, a.Title)
	}
	if a, _ := LookupAI("10"); a.MaxLength() != 20 {
		t.Errorf("AI 10: MaxLength() = %d, want 20", a.MaxLength())
	}
	if a, _ := LookupAI("253"); a.MaxLength() != 30 {
		t.Errorf("AI 253: MaxLength() = %d, want 30", a.MaxLength())
	}
	if a, _ := LookupAI("01"); a.Decimals != -1 {
		t.Errorf("AI 01: Decimals %d, want -1", a.Decimals)
	}
	for _, code := range []string{"", "1", "04", "14", "3106", "99999", "x1", "38"} {
		if _, ok := LookupAI(code); ok {
			t.Errorf("LookupAI(%q) found an AI, want none", code)
		}
	}
	if n := len(AIs()); n < 400 {
		t.Errorf("AIs() has %d entries, want the full table (400+)", n)
	}
}

func TestDigitalLinkKeysAreInTable(t *testing.T) {
	for _, k := range dlKeys {
		if lookupCode(k.ai) == nil {
			t.Errorf("Digital Link primary key %s is not in the AI table", k.ai)
		}
		for _, seq := range k.quals {
			for _, q := range seq {
				if lookupCode(q) == nil {
					t.Errorf("Digital Link qualifier %s of %s is not in the AI table", q, k.ai)
				}
			}
		}
	}
}
