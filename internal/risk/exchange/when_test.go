package exchange

import (
	"strings"
	"testing"
	"time"
)

func TestParseWhen(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Time
	}{
		{"1 December 2026", day(2026, 12, 1)},
		{"1 Dec 2026", day(2026, 12, 1)},
		{"2026-12-01", day(2026, 12, 1)},
		{"01/12/2026", day(2026, 12, 1)},
		{"46357", day(2026, 12, 1)},
		{"1 December 2026 06:41 GMT", time.Date(2026, 12, 1, 6, 41, 0, 0, time.UTC)},
		{"3 July 2026 10:30 BST", time.Date(2026, 7, 3, 9, 30, 0, 0, time.UTC)},
		{"3 July 2026 10:30", time.Date(2026, 7, 3, 9, 30, 0, 0, time.UTC)},
		{"25 October 2026 01:30 GMT", time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)},
		{"25 October 2026 01:30 BST", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)},
		{"2026-12-01T06:41:21.977016942Z", time.Date(2026, 12, 1, 6, 41, 0, 0, time.UTC)},
	} {
		got, err := parseWhen(tt.in)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseWhen(%q): got %v, %v, want %v", tt.in, got, err, tt.want)
		}
		if s := formatWhen(got); !strings.Contains(tt.in, "T") && tt.in != "46357" && !strings.Contains(tt.in, "/") && !strings.Contains(tt.in, "-") && tt.in != "1 Dec 2026" && tt.in != "3 July 2026 10:30" {
			if back, _ := parseWhen(s); !back.Equal(got) {
				t.Errorf("formatWhen(%v) = %q reads back as %v", got, s, back)
			}
		}
	}
	for _, bad := range []string{"next week", "31 February 2026", "1 December 2026 06:41 EST", "32/01/2026"} {
		if _, err := parseWhen(bad); err == nil {
			t.Errorf("parseWhen(%q): got no error", bad)
		}
	}
}
