package audit

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func chain(n int) []Entry {
	prev := Genesis
	var out []Entry
	for i := 1; i <= n; i++ {
		e := Entry{Seq: int64(i), ID: "id", At: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), ActorName: "a", Action: "x", Entity: "y", Summary: "s", PrevHash: prev}
		e.Hash = ComputeHash(e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func TestVerifier(t *testing.T) {
	es := chain(5)
	v := NewVerifier()
	for _, e := range es {
		if b := v.Next(e); b != nil {
			t.Fatalf("intact chain broke at %d: %s", b.Seq, b.Reason)
		}
	}
	cases := map[string]func([]Entry) []Entry{
		"altered":  func(es []Entry) []Entry { es[2].Summary = "changed"; return es },
		"deleted":  func(es []Entry) []Entry { return append(es[:2], es[3:]...) },
		"relinked": func(es []Entry) []Entry { es[2].PrevHash = Genesis; es[2].Hash = ComputeHash(es[2]); return es },
	}
	for name, mutate := range cases {
		es := mutate(chain(5))
		v := NewVerifier()
		var br *Break
		for _, e := range es {
			if br = v.Next(e); br != nil {
				break
			}
		}
		if br == nil || br.Seq != 3 && br.Seq != 4 {
			t.Errorf("%s: break = %+v, want at entry 3 or 4", name, br)
		}
	}
}

func TestSummariseRedactsSecrets(t *testing.T) {
	s := Summarise("email", "a@b.c", "password", "hunter2hunter2", "api_token", "cs_abc", "name", strings.Repeat("x", 300))
	if strings.Contains(s, "hunter2") || strings.Contains(s, "cs_abc") || !strings.Contains(s, "a@b.c") {
		t.Fatalf("Summarise = %q", s)
	}
	if len(s) > 300 {
		t.Errorf("long value not trimmed: %d chars", len(s))
	}
}

// TestSummariseCutsBetweenCharacters: a long value is cut after 200
// characters, never through a multi-byte one (PostgreSQL refuses the
// broken UTF-8 that a byte cut leaves).
func TestSummariseCutsBetweenCharacters(t *testing.T) {
	for _, v := range []string{strings.Repeat("€", 70), strings.Repeat("€", 250), "a" + strings.Repeat("é", 300), strings.Repeat("x", 199) + "😀😀"} {
		s := strings.TrimPrefix(Summarise("name", v), "name: ")
		if !utf8.ValidString(s) {
			t.Errorf("Summarise(%d characters) = %q: not valid UTF-8", utf8.RuneCountInString(v), s)
		}
		n := utf8.RuneCountInString(v)
		want := v
		if n > 200 {
			want = string([]rune(v)[:200]) + "…"
		}
		if s != want {
			t.Errorf("Summarise(%d characters) = %q, want %q", n, s, want)
		}
	}
}
