package text

import "testing"

func TestPluralAndCount(t *testing.T) {
	for _, c := range []struct {
		n           int
		plural, cnt string
	}{{0, "hazards are", "0 hazards are"}, {1, "hazard is", "1 hazard is"}, {2, "hazards are", "2 hazards are"}, {-1, "hazards are", "-1 hazards are"}} {
		if got := Plural(c.n, "hazard is", "hazards are"); got != c.plural {
			t.Errorf("Plural(%d) = %q, want %q", c.n, got, c.plural)
		}
		if got := Count(c.n, "hazard is", "hazards are"); got != c.cnt {
			t.Errorf("Count(%d) = %q, want %q", c.n, got, c.cnt)
		}
	}
}
