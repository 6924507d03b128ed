package text

import "testing"

func TestUnstorable(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Café", ""},
		{"Caf\xe9 menu", "the text is not UTF-8 (byte 0xE9 at position 4); save the file as \"CSV UTF-8\" and import it again"},
		{"€\xe2\x82", "the text is not UTF-8 (byte 0xE2 at position 2); save the file as \"CSV UTF-8\" and import it again"},
		{"a\x00b", "the cell holds a NUL character (at position 2), which cannot be stored; remove it and import again"},
	} {
		if got := Unstorable(c.in); got != c.want {
			t.Errorf("Unstorable(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := Sentence("éclair"); got != "Éclair" {
		t.Errorf("Sentence = %q", got)
	}
}
