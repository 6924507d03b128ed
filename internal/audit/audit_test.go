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

func TestContentHashIsCovered(t *testing.T) {
	e := chain(1)[0]
	old := e.Hash
	if ComputeHash(e) != old {
		t.Fatal("an entry without a content hash must keep its hash")
	}
	e.ContentHash = "deleted"
	withContent := ComputeHash(e)
	if withContent == old {
		t.Fatal("the content hash is not covered by the entry hash")
	}
	e.ContentHash = ""
	if ComputeHash(e) == withContent {
		t.Fatal("clearing the content hash must change the entry hash")
	}
}

func TestCheckpointSignature(t *testing.T) {
	dir := t.TempDir()
	key, err := GenerateKey(dir + "/k")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := LoadPublicKey(dir + "/k.pub")
	if err != nil {
		t.Fatal(err)
	}
	c := Sign(key, 7, strings.Repeat("a", 64), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err := c.Verify(pub); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	path, err := WriteCheckpoint(dir+"/cp", c)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := ReadCheckpoint(dir + "/cp")
	if err != nil || got.Seq != 7 || got.Verify(pub) != nil {
		t.Fatalf("ReadCheckpoint(%s) = %+v, %v", path, got, err)
	}
	for name, forge := range map[string]func(*Checkpoint){
		"seq":  func(c *Checkpoint) { c.Seq = 6 },
		"head": func(c *Checkpoint) { c.Head = strings.Repeat("b", 64) },
		"time": func(c *Checkpoint) { c.At = c.At.Add(time.Second) },
	} {
		f := c
		forge(&f)
		if err := f.Verify(pub); err == nil {
			t.Errorf("checkpoint with a changed %s verified", name)
		}
	}
	if _, err := GenerateKey(dir + "/k"); err == nil {
		t.Error("GenerateKey replaced an existing key")
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
