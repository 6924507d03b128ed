package lfpse

import "time"

// Crashing makes the outbox stop as a killed process does when its
// context ends: nothing recorded, nothing given back, leases held.
func Crashing(o Options) Options { o.crash = true; return o }

// Backoff is b's wait after a failure that had attempts before it.
func Backoff(b *Outbox, attempts int) time.Duration { return b.backoff(attempts) }
