package store

import "testing"

// SetAuditChainAt makes transactions chain their kept audit entries once
// they keep n, for the rest of the test t.
func SetAuditChainAt(t testing.TB, n int) {
	old := auditChainAt
	auditChainAt = n
	t.Cleanup(func() { auditChainAt = old })
}
