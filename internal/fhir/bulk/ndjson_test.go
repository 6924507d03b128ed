package bulk

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func readAll(t testing.TB, in string, max int) (lines []Line, bad []int) {
	r := NewReader(strings.NewReader(in), max)
	for {
		l, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		var le *LineError
		if errors.As(err, &le) {
			bad = append(bad, le.N)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		lines = append(lines, Line{N: l.N, Data: append([]byte(nil), l.Data...)})
	}
}

func TestReaderLinesAndNumbers(t *testing.T) {
	in := "{\"a\":1}\n\n  {\"b\":2}\r\n[1]\n{\"" + strings.Repeat("x", 40) + "\":1}\n{\"c\":3}"
	lines, bad := readAll(t, in, 32)
	if len(lines) != 3 || lines[0].N != 1 || lines[1].N != 3 || string(lines[1].Data) != `{"b":2}` || lines[2].N != 6 {
		t.Errorf("lines %+v, want lines 1, 3 and 6", lines)
	}
	if len(bad) != 2 || bad[0] != 4 || bad[1] != 5 {
		t.Errorf("bad lines %v, want 4 (not an object) and 5 (too long)", bad)
	}
}

func FuzzNDJSON(f *testing.F) {
	f.Add("{\"resourceType\":\"AdverseEvent\"}\n{}\n", 64)
	f.Add("\n\n\xff\n{", 4)
	f.Add(strings.Repeat("{\"a\":1}\n", 20), 8)
	f.Fuzz(func(t *testing.T, in string, max int) {
		if max < 1 || max > 1<<16 {
			max = 64
		}
		lines, bad := readAll(t, in, max)
		prev := 0
		for _, l := range lines {
			if l.N <= prev || len(l.Data) > max+1 || l.Data[0] != '{' {
				t.Fatalf("line %+v after %d: numbers must grow, lines fit and start with {", l, prev)
			}
			prev = l.N
		}
		if n := strings.Count(in, "\n") + 1; len(lines)+len(bad) > n {
			t.Fatalf("%d lines and %d bad from %d lines of input", len(lines), len(bad), n)
		}
	})
}
