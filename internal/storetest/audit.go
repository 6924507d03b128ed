package storetest

import (
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/store"
)

// Findings runs the deep audit check (VerifyContent) and returns its
// findings as text.
func Findings(t testing.TB, st *store.DB) []string {
	t.Helper()
	fs, _, err := st.VerifyContent(Operator)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		out = append(out, f.String())
	}
	return out
}

// WantFinding fails the test unless the deep audit check finds exactly
// one problem, and its text contains every one of parts; what names the
// change the test made.
func WantFinding(t testing.TB, st *store.DB, what string, parts ...string) {
	t.Helper()
	got := Findings(t, st)
	if len(got) == 1 {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(got[0], p)
		}
		if ok {
			return
		}
	}
	t.Fatalf("%s: findings %q, want exactly one containing %q", what, got, parts)
}
