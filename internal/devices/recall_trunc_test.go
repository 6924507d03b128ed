package devices

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestTruncCutsBetweenCharacters: the value quoted in a recall rule's error
// message is cut between characters, never through one.
func TestTruncCutsBetweenCharacters(t *testing.T) {
	for _, s := range []string{strings.Repeat("€", 30), "abcdefghijklmnopqrstuvw€€", strings.Repeat("x", 24)} {
		got := trunc(s)
		if !utf8.ValidString(got) || len(strings.TrimSuffix(got, "…")) > 24 || !strings.HasPrefix(s, strings.TrimSuffix(got, "…")) {
			t.Errorf("trunc(%q) = %q, want at most 24 bytes of it, cut between characters", s, got)
		}
	}
}
