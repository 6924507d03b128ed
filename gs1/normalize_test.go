package gs1

import (
	"strings"
	"testing"
)

func TestNormalizeGS(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", "abc"},
		{"a<GS>b{gs}c[Gs]d\\x1De\\u001Df", "a\x1db\x1dc\x1dd\x1de\x1df"},
		{"<G<GS>S>", "<G\x1dS>"},
		{"<GS", "<GS"},
		{`\x1`, `\x1`},
		{"<>{}[]\\", "<>{}[]\\"},
		{"\x1d", "\x1d"},
	}
	for _, tt := range tests {
		if got := NormalizeGS(tt.in); got != tt.want {
			t.Errorf("NormalizeGS(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzNormalizeGS(f *testing.F) {
	for _, s := range []string{"a<GS>b", "{gs}[GS]", `\x1d\u001d`, "<<GS>GS>", `\\x1d`, "", "\x1d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := NormalizeGS(in)
		if len(got) > len(in) {
			t.Fatalf("NormalizeGS(%q) = %q: longer than the input", in, got)
		}
		if !strings.ContainsAny(in, `<{[\`) && got != in {
			t.Fatalf("NormalizeGS(%q) = %q: changed input with no stand-in", in, got)
		}
		lower := asciiLower(got)
		for _, tok := range gsTokens {
			if strings.Contains(lower, asciiLower(tok)) {
				t.Fatalf("NormalizeGS(%q) = %q: still holds %s", in, got, tok)
			}
		}
		if NormalizeGS(got) != got {
			t.Fatalf("NormalizeGS is not idempotent on %q: %q then %q", in, got, NormalizeGS(got))
		}
	})
}

// asciiLower lowers the ASCII letters of s and leaves every other byte.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
