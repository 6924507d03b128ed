// Package auth holds the roles, password hashing and token rules of
// clinsafe. It has no SQL and no HTTP.
package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Role is a role a user holds within one organisation.
type Role string

// The roles. A user may hold several in each organisation.
const (
	Reporter Role = "reporter"
	Handler  Role = "handler"
	CSO      Role = "cso"
	Devices  Role = "devices"
	Educator Role = "educator"
	Analyst  Role = "analyst"
	Admin    Role = "admin"
)

// AllRoles lists every role in display order.
var AllRoles = []Role{Reporter, Handler, CSO, Devices, Educator, Analyst, Admin}

// Label is the role's display name.
func (r Role) Label() string {
	switch r {
	case Reporter:
		return "Reporter"
	case Handler:
		return "Patient safety handler"
	case CSO:
		return "Clinical safety officer"
	case Devices:
		return "Devices and theatres"
	case Educator:
		return "Educator"
	case Analyst:
		return "Analyst"
	case Admin:
		return "Administrator"
	}
	return string(r)
}

// Describe says what the role may do, for the admin pages.
func (r Role) Describe() string {
	switch r {
	case Reporter:
		return "Reports safety events and sees their own reports."
	case Handler:
		return "Reviews, grades and investigates safety events."
	case CSO:
		return "Keeps hazard logs and approves issued versions and safety case reports."
	case Devices:
		return "Records implants at the point of care and manages recalls."
	case Educator:
		return "Manages training and competency records."
	case Analyst:
		return "Reads evidence, charts and exports."
	case Admin:
		return "Manages users, roles, API tokens and the audit trail of the organisation."
	}
	return ""
}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(AllRoles, r) {
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q (roles: %s)", s, RoleNames())
}

// RoleNames lists the role codes separated by commas.
func RoleNames() string {
	s := make([]string, len(AllRoles))
	for i, r := range AllRoles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// ParseRoles parses a comma-separated list of roles, dropping duplicates.
func ParseRoles(s string) ([]Role, error) {
	var out []Role
	for p := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(p) == "" {
			continue
		}
		r, err := ParseRole(p)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	SortRoles(out)
	return out, nil
}

// SortRoles orders roles as AllRoles does.
func SortRoles(rs []Role) {
	slices.SortFunc(rs, func(a, b Role) int { return slices.Index(AllRoles, a) - slices.Index(AllRoles, b) })
}

// HasAny reports whether held contains any of want. An empty want means any
// signed-in user.
func HasAny(held []Role, want ...Role) bool {
	if len(want) == 0 {
		return true
	}
	for _, w := range want {
		if slices.Contains(held, w) {
			return true
		}
	}
	return false
}

// Argon2id parameters (RFC 9106 second recommended option, memory-constrained).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
	saltLen      = 16
)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 12

// CheckPasswordStrength returns a user-facing problem with pw, or "".
func CheckPasswordStrength(pw string) string {
	switch {
	case len(pw) < MinPasswordLen:
		return fmt.Sprintf("Enter a password of at least %d characters", MinPasswordLen)
	case len(pw) > 256:
		return "Enter a password of 256 characters or fewer"
	}
	return ""
}

// HashPassword returns an encoded argon2id hash of pw in the PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := idKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// hashing bounds how many argon2id computations run at once. Each claims
// argonMemory (64 MiB) and argonThreads cores, so a burst of 200 sign-ins
// would otherwise ask for 12.5 GiB together and spend its time in the
// allocator and page faults; queued here they finish sooner, one core
// pair at a time, with memory near cap(hashing) x 64 MiB.
var hashing = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/argonThreads))

// hashActive and hashPeak count computations in flight (for the test).
var hashActive, hashPeak atomic.Int32

func idKey(pw, salt []byte, t, mem uint32, p uint8, n uint32) []byte {
	hashing <- struct{}{}
	defer func() { <-hashing }()
	a := hashActive.Add(1)
	defer hashActive.Add(-1)
	for {
		if old := hashPeak.Load(); a <= old || hashPeak.CompareAndSwap(old, a) {
			break
		}
	}
	return argon2.IDKey(pw, salt, t, mem, p, n)
}

// ErrBadHash is returned for a stored hash that cannot be read.
var ErrBadHash = errors.New("auth: stored password hash is malformed")

// CheckPassword reports whether pw matches the encoded hash.
func CheckPassword(encoded, pw string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrBadHash
	}
	var mem uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil {
		return false, ErrBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, ErrBadHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, ErrBadHash
	}
	got := idKey([]byte(pw), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// DummyHash is checked against when a user does not exist, so that a failed
// sign-in takes as long whether or not the email is known.
var DummyHash = func() string {
	h, _ := HashPassword("not-a-real-password-at-all")
	return h
}()

// NewSecret returns a random URL-safe secret of n bytes, base64-encoded.
func NewSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// TokenPrefix starts every API token so that leaked tokens are easy to find.
const TokenPrefix = "cs_"

// NewAPIToken returns a new API token to show once.
func NewAPIToken() string { return TokenPrefix + NewSecret(32) }

// HashToken returns the stored form of a session or API token: HMAC-SHA256
// under key, hex-encoded. The token itself is never stored.
func HashToken(key []byte, token string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}
