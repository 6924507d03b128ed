package mail

import "context"

// ClaimOnly claims due messages as Once does and never sends them: a
// worker that crashes straight after its claim.
func (b *Outbox) ClaimOnly(ctx context.Context) (int, error) {
	ms, err := b.claim(ctx)
	return len(ms), err
}

// ClaimThenDeliver claims due messages as Once does, runs between, then
// delivers them: a worker stalled between its claim and its sends.
func (b *Outbox) ClaimThenDeliver(ctx context.Context, between func()) (int, error) {
	ms, err := b.claim(ctx)
	if err != nil {
		return 0, err
	}
	between()
	return b.deliver(ctx, ms)
}
