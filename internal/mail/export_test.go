package mail

import "context"

// ClaimOnly claims due messages as Once does and never sends them: a
// worker that crashes straight after its claim.
func (b *Outbox) ClaimOnly(ctx context.Context) (int, error) {
	ms, err := b.claim(ctx)
	return len(ms), err
}
