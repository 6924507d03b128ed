package auth

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") || strings.Contains(h, "correct") {
		t.Fatalf("hash %q is not an argon2id PHC string", h)
	}
	for _, c := range []struct {
		pw   string
		want bool
	}{{"correct horse battery", true}, {"correct horse batter", false}, {"", false}} {
		got, err := CheckPassword(h, c.pw)
		if err != nil || got != c.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", c.pw, got, err, c.want)
		}
	}
	h2, _ := HashPassword("correct horse battery")
	if h2 == h {
		t.Error("two hashes of one password are equal: salt not random")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$aa$bb", "$argon2id$v=19$m=x$aa$bb", "$argon2id$v=19$m=65536,t=3,p=2$!!$bb"} {
		if _, err := CheckPassword(bad, "x"); err != ErrBadHash {
			t.Errorf("CheckPassword(%q) err = %v, want ErrBadHash", bad, err)
		}
	}
}

func TestRoles(t *testing.T) {
	rs, err := ParseRoles(" admin, reporter,CSO,admin")
	if err != nil || len(rs) != 3 || rs[0] != Reporter || rs[1] != CSO || rs[2] != Admin {
		t.Fatalf("ParseRoles = %v, %v; want [reporter cso admin]", rs, err)
	}
	if _, err := ParseRoles("reporter,wizard"); err == nil || !strings.Contains(err.Error(), "wizard") {
		t.Fatalf("unknown role: %v", err)
	}
	if !HasAny([]Role{Reporter}) || HasAny([]Role{Reporter}, Admin) || !HasAny([]Role{Reporter, CSO}, Admin, CSO) {
		t.Fatal("HasAny wrong")
	}
	for _, r := range AllRoles {
		if r.Label() == string(r) || r.Describe() == "" {
			t.Errorf("role %s has no label or description", r)
		}
	}
}

func TestTokens(t *testing.T) {
	a, b := NewAPIToken(), NewAPIToken()
	if a == b || !strings.HasPrefix(a, TokenPrefix) || len(a) < 40 {
		t.Fatalf("tokens %q %q", a, b)
	}
	h1, h2 := HashToken(nil, a), HashToken(nil, strings.Clone(a))
	if h1 == HashToken([]byte("k"), a) || h1 != h2 || h1 == HashToken(nil, b) {
		t.Fatal("HashToken must depend on the key and be deterministic")
	}
	if msg := CheckPasswordStrength("short"); msg == "" {
		t.Error("short password accepted")
	}
}

// A burst of sign-ins hashes at most cap(hashing) passwords at once, so
// memory stays near cap(hashing) x 64 MiB however many arrive together.
func TestHashingIsBounded(t *testing.T) {
	h, err := HashPassword("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	hashPeak.Store(0)
	const n = 6
	done := make(chan bool, n)
	for range n {
		go func() {
			ok, _ := CheckPassword(h, "a long enough password")
			done <- ok
		}()
	}
	for range n {
		if !<-done {
			t.Fatal("CheckPassword = false, want true")
		}
	}
	if got, limit := hashPeak.Load(), int32(cap(hashing)); got > limit || got < 1 {
		t.Fatalf("peak concurrent hashes = %d, want 1..%d", got, limit)
	}
}
