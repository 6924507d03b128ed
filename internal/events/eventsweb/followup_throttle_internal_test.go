package eventsweb

import (
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/store"
)

// TestGuessThrottleByOrganisation: wrong codes from many addresses slow
// the whole organisation's follow-up after guessOrgFree, not another
// organisation's; and no address is kept as it is.
func TestGuessThrottleByOrganisation(t *testing.T) {
	f := newFollowUp()
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	org, other := store.OrgID("org-a"), store.OrgID("org-b")
	for i := range guessOrgFree {
		addr := "192.0.2." + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		if err := f.check(addr, org, now); err != nil {
			t.Fatalf("guess %d from a fresh address: %v", i+1, err)
		}
		f.fail(addr, org, now)
	}
	err := f.check("198.51.100.7", org, now)
	if !apperr.Is(err, apperr.TooMany) || !strings.Contains(apperr.MessageOf(err), "Wait 1 second") {
		t.Errorf("after %d wrong codes at the organisation, a new address: %v, want a wait of 1 second", guessOrgFree, err)
	}
	if err := f.check("198.51.100.7", other, now); err != nil {
		t.Errorf("another organisation: %v, want no wait", err)
	}
	if err := f.check("198.51.100.7", org, now.Add(2*time.Second)); err != nil {
		t.Errorf("after the wait: %v", err)
	}
	if err := f.check("198.51.100.7", org, now.Add(guessWindow)); err != nil {
		t.Errorf("an hour on: %v, want the window passed", err)
	}
	for k := range f.fails {
		if strings.Contains(k, "192.0.2") || len(k) != 64 {
			t.Errorf("throttle key %q is not an HMAC", k)
		}
	}
}

func TestWaitWords(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Second: "1 second", 59 * time.Second: "59 seconds", time.Minute: "1 minute",
		61 * time.Second: "2 minutes", time.Hour: "60 minutes"} {
		if got := waitWords(d); got != want {
			t.Errorf("waitWords(%v) = %q, want %q", d, got, want)
		}
	}
}
