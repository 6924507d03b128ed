// Package audit defines the append-only, hash-chained audit trail entry and
// how its hash is computed. The store writes entries in the same transaction
// as the change they record.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Entry is one audit record. Seq orders the chain; Hash covers every other
// field and PrevHash, the Hash of the entry before it. ContentHash records
// what the changed entity held after the change (see the store's content
// registry); it is empty on entries written before it existed and on
// actions that change no audited content.
type Entry struct {
	Seq         int64     `json:"seq"`
	ID          string    `json:"id"`
	At          time.Time `json:"at"`
	OrgID       string    `json:"org_id,omitempty"`
	ActorID     string    `json:"actor_id,omitempty"`
	ActorName   string    `json:"actor_name"`
	Action      string    `json:"action"`
	Entity      string    `json:"entity"`
	EntityID    string    `json:"entity_id,omitempty"`
	Summary     string    `json:"summary"`
	RequestID   string    `json:"request_id,omitempty"`
	PrevHash    string    `json:"prev_hash"`
	ContentHash string    `json:"content_hash,omitempty"`
	Hash        string    `json:"hash"`
}

// Genesis is the PrevHash of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// ComputeHash returns the SHA-256, hex-encoded, over the entry's content and
// PrevHash. Each field is length-prefixed so that no two entries share an
// encoding. ContentHash is a thirteenth field only when it is not empty, so
// entries written before it existed keep their hashes; clearing it on a
// newer entry changes the encoding and so breaks the hash.
func ComputeHash(e Entry) string {
	h := sha256.New()
	fields := []string{
		strconv.FormatInt(e.Seq, 10), e.ID, e.At.UTC().Format(time.RFC3339Nano), e.OrgID, e.ActorID, e.ActorName,
		e.Action, e.Entity, e.EntityID, e.Summary, e.RequestID, e.PrevHash,
	}
	if e.ContentHash != "" {
		fields = append(fields, e.ContentHash)
	}
	for _, f := range fields {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Break describes the first link in a chain that does not hold.
type Break struct {
	Seq    int64
	Reason string
}

// Verifier checks entries one by one, in Seq order.
type Verifier struct {
	prev    string
	prevSeq int64
	n       int64
}

// NewVerifier starts a chain check.
func NewVerifier() *Verifier { return &Verifier{prev: Genesis} }

// NewVerifierAfter starts a chain check at the entry after seq, whose hash
// is hash (a checkpoint already vouches for the entries up to seq).
func NewVerifierAfter(seq int64, hash string) *Verifier { return &Verifier{prev: hash, prevSeq: seq} }

// Next checks e against the entries seen so far; it returns a non-nil Break
// for the first entry that is out of place or altered.
func (v *Verifier) Next(e Entry) *Break {
	v.n++
	if e.Seq != v.prevSeq+1 {
		return &Break{Seq: e.Seq, Reason: "sequence gap: expected entry " + strconv.FormatInt(v.prevSeq+1, 10) + " (an entry was deleted or inserted)"}
	}
	if e.PrevHash != v.prev {
		return &Break{Seq: e.Seq, Reason: "previous-hash link does not match the entry before it"}
	}
	if ComputeHash(e) != e.Hash {
		return &Break{Seq: e.Seq, Reason: "content does not match its hash (the entry was altered)"}
	}
	v.prev, v.prevSeq = e.Hash, e.Seq
	return nil
}

// Count returns how many entries were checked.
func (v *Verifier) Count() int64 { return v.n }

// Redacted replaces the values of secret-looking keys in a change summary.
var secretKeys = []string{"password", "token", "secret", "session"}

// Summarise renders a change as "key: value; key: value" in the order given,
// dropping the values of keys that look secret. Values are trimmed to 200
// characters so an entry stays readable.
func Summarise(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		k, v := kv[i], kv[i+1]
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(k)
		b.WriteString(": ")
		lk := strings.ToLower(k)
		secret := false
		for _, s := range secretKeys {
			if strings.Contains(lk, s) {
				secret = true
			}
		}
		if secret {
			b.WriteString("[redacted]")
			continue
		}
		v = cutRunes(v, 200)
		b.WriteString(v)
	}
	return b.String()
}

// Actor is who is making a change, carried in the request context.
type Actor struct {
	UserID    string
	Name      string
	RequestID string
	// ViaToken is set when the request authenticated with an API token. A
	// token never signs (approves or issues) anything.
	ViaToken bool
	// Operator is set for the command line: the instance operator, who has
	// the database itself and so acts for the whole instance.
	Operator bool
}

type ctxKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, ctxKey{}, a)
}

// ActorFrom returns the actor in ctx, or a system actor when there is none
// (command-line tools and start-up tasks).
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(ctxKey{}).(Actor); ok {
		return a
	}
	return Actor{Name: "system"}
}

// cutRunes shortens s to at most n characters, marking the cut with "…".
// It cuts between characters, never through one.
func cutRunes(s string, n int) string {
	i, count := 0, 0
	for i = range s {
		if count == n {
			return s[:i] + "…"
		}
		count++
	}
	return s
}
