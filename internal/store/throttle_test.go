package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

const goodPassword = "correct horse battery"

// waitOf returns the wait a throttled attempt was told, failing the test
// when err is not a throttle.
func waitOf(t *testing.T, err error) time.Duration {
	t.Helper()
	var te *store.ThrottleError
	if !errors.As(err, &te) || !apperr.Is(err, apperr.TooMany) {
		t.Fatalf("got %v, want a ThrottleError of kind TooMany", err)
	}
	return te.Wait
}

// Failures from one address do not stop the owner signing in from
// another, and from the failing address they bring a growing delay, not a
// lock.
func TestThrottleOwnerFromAnotherAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		now := storetest.FixedTime
		st.SetClock(func() time.Time { return now })
		a := mustOrg(t, st, "RA1")
		mustUser(t, st, a, "jo@example.com", auth.Reporter)
		for i := range 5 {
			if _, err := st.Authenticate(ctx, "jo@example.com", "wrong", "198.51.100.7"); err != store.ErrBadCredentials {
				t.Fatalf("wrong password %d: got %v, want ErrBadCredentials", i, err)
			}
		}
		if _, err := st.Authenticate(ctx, "jo@example.com", goodPassword, "203.0.113.5"); err != nil {
			t.Fatalf("owner from another address after 5 failures elsewhere: %v", err)
		}
		// From the failing address: a short wait that doubles, with a
		// message that says how long.
		_, err := st.Authenticate(ctx, "jo@example.com", goodPassword, "198.51.100.7")
		if w := waitOf(t, err); w != time.Second {
			t.Fatalf("wait after 5 failures = %s, want 1s", w)
		}
		if msg := apperr.MessageOf(err); msg != "There have been too many failed attempts to sign in. Wait 1 second and try again." {
			t.Fatalf("message = %q", msg)
		}
		now = now.Add(time.Second)
		if _, err := st.Authenticate(ctx, "jo@example.com", "wrong", "198.51.100.7"); err != store.ErrBadCredentials {
			t.Fatalf("6th wrong password after the wait: got %v", err)
		}
		if w := waitOf(t, mustFail(st.Authenticate(ctx, "jo@example.com", goodPassword, "198.51.100.7"))); w != 2*time.Second {
			t.Fatalf("wait after 6 failures = %s, want 2s", w)
		}
		// The delay grows to at most 15 minutes.
		for range 12 {
			now = now.Add(waitOf(t, mustFail(st.Authenticate(ctx, "jo@example.com", goodPassword, "198.51.100.7"))))
			if _, err := st.Authenticate(ctx, "jo@example.com", "wrong", "198.51.100.7"); err != store.ErrBadCredentials {
				t.Fatalf("wrong password after waiting: got %v", err)
			}
		}
		if w := waitOf(t, mustFail(st.Authenticate(ctx, "jo@example.com", goodPassword, "198.51.100.7"))); w != 15*time.Minute {
			t.Fatalf("wait after many failures = %s, want the 15m cap", w)
		}
		if _, err := st.Authenticate(ctx, "jo@example.com", goodPassword, "203.0.113.5"); err != nil {
			t.Fatalf("owner from another address after many failures elsewhere: %v", err)
		}
		// The right password after the wait signs in and clears the pair.
		now = now.Add(15 * time.Minute)
		if _, err := st.Authenticate(ctx, "jo@example.com", goodPassword, "198.51.100.7"); err != nil {
			t.Fatalf("right password after the wait: %v", err)
		}
		if _, err := st.Authenticate(ctx, "jo@example.com", "wrong", "198.51.100.7"); err != store.ErrBadCredentials {
			t.Fatalf("after a success the count starts again: got %v", err)
		}
	})
}

func mustFail(_ store.User, err error) error { return err }

// Thirty failures from one address, over many accounts, slow every
// account from that address and none from elsewhere.
func TestThrottleAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a := mustOrg(t, st, "RA1")
		mustUser(t, st, a, "jo@example.com", auth.Reporter)
		for i := range 30 {
			if _, err := st.Authenticate(ctx, fmt.Sprintf("user%d@example.com", i), "wrong", "198.51.100.7"); err != store.ErrBadCredentials {
				t.Fatalf("spray %d: got %v, want ErrBadCredentials", i, err)
			}
		}
		if w := waitOf(t, mustFail(st.Authenticate(ctx, "jo@example.com", goodPassword, "198.51.100.7"))); w != time.Second {
			t.Fatalf("wait after 30 failures from the address = %s, want 1s", w)
		}
		if _, err := st.Authenticate(ctx, "jo@example.com", goodPassword, "203.0.113.5"); err != nil {
			t.Fatalf("from another address: %v", err)
		}
	})
}

// A wrong current password on the change-password page is not a sign-in
// failure, but it is limited for the account on its own.
func TestCheckCurrentPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		now := storetest.FixedTime
		st.SetClock(func() time.Time { return now })
		a := mustOrg(t, st, "RA1")
		u := mustUser(t, st, a, "jo@example.com", auth.Reporter)
		if err := st.CheckCurrentPassword(ctx, u.ID, goodPassword, "198.51.100.7"); err != nil {
			t.Fatalf("right current password: %v", err)
		}
		for i := range 5 {
			if err := st.CheckCurrentPassword(ctx, u.ID, "wrong", "198.51.100.7"); !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("wrong current password %d: got %v, want Invalid", i, err)
			}
		}
		if w := waitOf(t, st.CheckCurrentPassword(ctx, u.ID, goodPassword, "198.51.100.7")); w != time.Second {
			t.Fatalf("wait after 5 wrong current passwords = %s, want 1s", w)
		}
		if _, err := st.Authenticate(ctx, "jo@example.com", goodPassword, "198.51.100.7"); err != nil {
			t.Fatalf("sign-in after wrong current passwords: %v", err)
		}
		for i := range 30 {
			if _, err := st.Authenticate(ctx, "jo@example.com", "wrong", fmt.Sprintf("198.51.100.%d", i+10)); err != store.ErrBadCredentials {
				t.Fatalf("sign-in failure %d: %v", i, err)
			}
		}
		now = now.Add(time.Second)
		if err := st.CheckCurrentPassword(ctx, u.ID, goodPassword, "198.51.100.7"); err != nil {
			t.Fatalf("current password after the wait, with sign-in failures elsewhere: %v", err)
		}
	})
}

// Housekeeping removes failures that no longer count.
func TestPurgeOldFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		now := storetest.FixedTime
		st.SetClock(func() time.Time { return now })
		for i := range 3 {
			_, _ = st.Authenticate(ctx, fmt.Sprintf("u%d@example.com", i), "wrong", "198.51.100.7")
		}
		now = now.Add(25 * time.Hour)
		_, _ = st.Authenticate(ctx, "late@example.com", "wrong", "198.51.100.7")
		if err := st.PurgeExpired(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := st.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("failures left = %d, %v; want 1 (the recent one)", n, err)
		}
	})
}
