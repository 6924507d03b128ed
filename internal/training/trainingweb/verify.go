package trainingweb

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
)

// The throttle of certificate code guesses on the public page. Past
// guessFree wrong codes from one client address within guessWindow, each
// further check waits a delay after the latest wrong code that doubles
// with each one, up to guessMaxWait. Addresses are kept only as HMACs
// under a key made at start-up, in memory: never stored, never logged.
const (
	guessWindow  = time.Hour
	guessFree    = 5
	guessFirst   = time.Minute
	guessMaxWait = time.Hour
	guessMaxKeys = 100_000
)

type guesses struct {
	mu    sync.Mutex
	key   []byte
	fails map[string][]time.Time
}

func newGuesses() *guesses {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &guesses{key: key, fails: map[string][]time.Time{}}
}

func (g *guesses) mac(addr string) string {
	m := hmac.New(sha256.New, g.key)
	m.Write([]byte(addr))
	return hex.EncodeToString(m.Sum(nil))
}

// wait is how long addr must still wait at now.
func (g *guesses) wait(addr string, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := g.mac(addr)
	var kept []time.Time
	for _, t := range g.fails[k] {
		if now.Sub(t) < guessWindow {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		delete(g.fails, k)
		return 0
	}
	g.fails[k] = kept
	if len(kept) < guessFree {
		return 0
	}
	d := guessFirst
	for i := guessFree; i < len(kept) && d < guessMaxWait; i++ {
		d *= 2
	}
	return max(0, kept[len(kept)-1].Add(min(d, guessMaxWait)).Sub(now))
}

// fail counts a wrong code from addr at now.
func (g *guesses) fail(addr string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.fails) > guessMaxKeys {
		for k, ts := range g.fails {
			if now.Sub(ts[len(ts)-1]) >= guessWindow {
				delete(g.fails, k)
			}
		}
	}
	k := g.mac(addr)
	g.fails[k] = append(g.fails[k], now)
}

// checkCode verifies code from r's client through the throttle.
func (s *Module) checkCode(r *http.Request, code string) (trainingdb.Verification, error) {
	addr, now := s.k.ClientIP(r), s.db.Now()
	if w := s.gs.wait(addr, now); w > 0 {
		w = max(w.Round(time.Second), time.Second)
		e := apperr.New(apperr.TooMany, "There have been too many wrong codes from your connection. Wait %s and try again.", waitWords(w))
		e.RetryAfter = w
		return trainingdb.Verification{}, e
	}
	v, err := s.db.VerifyCertificate(r.Context(), code)
	if err == trainingdb.ErrUnknownCode {
		s.gs.fail(addr, now)
	}
	return v, err
}

func waitWords(w time.Duration) string {
	if w < time.Minute {
		n := int(w / time.Second)
		if n == 1 {
			return "1 second"
		}
		return strconv.Itoa(n) + " seconds"
	}
	n := int((w + time.Minute - 1) / time.Minute)
	if n == 1 {
		return "1 minute"
	}
	return strconv.Itoa(n) + " minutes"
}
