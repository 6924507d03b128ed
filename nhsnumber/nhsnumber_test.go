package nhsnumber

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"9434765919", "9434765919"}, // DOMAIN.md example
		{"943 476 5919", "9434765919"},
		{"943-476-5919", "9434765919"},
		{"  943 476 5919\n", "9434765919"},
		{"9 4 3 4 7 6 5 9 1 9", "9434765919"},
		{"4010232137", "4010232137"},
		{"9434765900", "9434765900"}, // remainder 0: 11 becomes check digit 0
		{"9990000018", "9990000018"},
	}
	for _, tt := range tests {
		n, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): got error %v, want %s", tt.in, err, tt.want)
			continue
		}
		if got := n.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		if !Valid(tt.in) {
			t.Errorf("Valid(%q) = false, want true", tt.in)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "NHS number: no digits"},
		{"   ", "NHS number: no digits"},
		{"943476591", "NHS number: has 9 digits, want 10"},
		{"94347659190", "NHS number: has 11 digits, want 10"},
		{"943476591X", "NHS number: position 10: 'X' is not a digit"},
		{" 943.476.5919", "NHS number: position 5: '.' is not a digit"},
		{"-9434765919", "NHS number: position 1: '-' is not a digit"},
		{"9434765919-", "NHS number: position 11: '-' is not a digit"},
		{"943\t476\t5919", "NHS number: position 4: byte 0x09 is not a digit"},
		{"9434765918", "NHS number: check digit is 8, want 9"},
		{"9434765910", "NHS number: check digit is 0, want 9"},
		// 943476596: weighted sum 298, remainder 1, so the check digit would be 10.
		{"9434765960", "NHS number: the first nine digits give a check digit of 10, so this is never a valid NHS number"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		var ne *Error
		if err == nil || !errors.As(err, &ne) || err.Error() != tt.want {
			t.Errorf("Parse(%q):\n got error %v\nwant error %q", tt.in, err, tt.want)
		}
		if Valid(tt.in) {
			t.Errorf("Valid(%q) = true, want false", tt.in)
		}
	}
}

func TestErrorsDoNotRepeatTheNumber(t *testing.T) {
	for _, in := range []string{"9434765918", "943476591", "9434765960", "943476591X"} {
		_, err := Parse(in)
		if err == nil {
			t.Fatalf("Parse(%q): no error", in)
		}
		if strings.Contains(err.Error(), in[:6]) {
			t.Errorf("Parse(%q): error %q repeats the number", in, err)
		}
	}
}

func TestCheckDigit(t *testing.T) {
	tests := []struct {
		nine string
		want byte
		ok   bool
		err  string
	}{
		{"943476591", '9', true, ""},
		{"401023213", '7', true, ""},
		{"943476596", 0, false, ""},
		{"943476590", '0', true, ""},
		{"12345678", 0, false, "NHS number: has 8 digits, want 9 before the check digit"},
		{"12345678A", 0, false, "NHS number: position 9: 'A' is not a digit"},
	}
	for _, tt := range tests {
		got, ok, err := CheckDigit(tt.nine)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tt.want || ok != tt.ok || gotErr != tt.err {
			t.Errorf("CheckDigit(%q) = %q, %v, %q; want %q, %v, %q", tt.nine, got, ok, gotErr, tt.want, tt.ok, tt.err)
		}
	}
}

func TestFormatAndRanges(t *testing.T) {
	n, err := Parse("9434765919")
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Format(); got != "943 476 5919" {
		t.Errorf("Format() = %q, want %q", got, "943 476 5919")
	}
	if n.IsTestRange() || n.IsZero() {
		t.Errorf("9434765919: IsTestRange %v IsZero %v, want false, false", n.IsTestRange(), n.IsZero())
	}
	test, err := Parse("999 000 0018")
	if err != nil {
		t.Fatal(err)
	}
	if !test.IsTestRange() {
		t.Errorf("999 000 0018: IsTestRange() = false, want true")
	}
	var zero Number
	if !zero.IsZero() || zero.String() != "" || zero.Format() != "" {
		t.Errorf("zero Number: IsZero %v String %q Format %q; want true, empty, empty", zero.IsZero(), zero.String(), zero.Format())
	}
}

func TestNeverLogged(t *testing.T) {
	n, err := Parse("9434765919")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		log := slog.New(h(&buf))
		log.Info("patient scanned", "nhs_number", n, slog.Any("again", n), slog.Group("g", "n", n))
		out := buf.String()
		if strings.Contains(out, "9434765919") || strings.Contains(out, "5919") {
			t.Errorf("log output %q contains the NHS number", out)
		}
		if !strings.Contains(out, "[nhs-number]") {
			t.Errorf("log output %q lacks the placeholder [nhs-number]", out)
		}
	}
}

func TestText(t *testing.T) {
	n, _ := Parse("9434765919")
	b, err := json.Marshal(struct{ N Number }{n})
	if err != nil || string(b) != `{"N":"9434765919"}` {
		t.Errorf("json.Marshal = %s, %v; want {\"N\":\"9434765919\"}", b, err)
	}
	var v struct{ N Number }
	if err := json.Unmarshal([]byte(`{"N":"943 476 5919"}`), &v); err != nil || v.N != n {
		t.Errorf("json.Unmarshal: got %v, %v; want %v", v.N, err, n)
	}
	if err := json.Unmarshal([]byte(`{"N":"943 476 5918"}`), &v); err == nil {
		t.Errorf("json.Unmarshal of a bad number: got no error")
	}
	if _, err := json.Marshal(struct{ N Number }{}); err == nil {
		t.Errorf("json.Marshal of the zero Number: got no error")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"9434765919", "943 476 5919", "943-476-5919", "", "9434765960", " 9990000018 ", "94347659x9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			var ne *Error
			if !errors.As(err, &ne) {
				t.Fatalf("Parse(%q): error %T, want *Error", s, err)
			}
			if Valid(s) {
				t.Fatalf("Valid(%q) = true after an error", s)
			}
			return
		}
		again, err := Parse(n.Format())
		if err != nil || again != n {
			t.Fatalf("Parse(%q): Format %q does not re-parse to the same number: %v", s, n.Format(), err)
		}
		if again, err := Parse(n.String()); err != nil || again != n || len(n.String()) != 10 {
			t.Fatalf("Parse(%q): String %q does not re-parse: %v", s, n.String(), err)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("943 476 5919"); err != nil {
			b.Fatal(err)
		}
	}
}
