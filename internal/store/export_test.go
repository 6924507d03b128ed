package store

import "time"

// ContentTables returns every table the DB's content registry covers or
// lists as unaudited.
func (s *DB) ContentTables() map[string]bool {
	out := map[string]bool{}
	for _, d := range s.content.entities {
		for _, p := range d.Parts {
			out[p.Table] = true
		}
		for _, t := range d.Derived {
			out[t] = true
		}
	}
	for _, t := range unauditedTables {
		out[t] = true
	}
	return out
}

// KeptStatements returns how many statements the SQLite statement cache
// keeps (0 on PostgreSQL).
func (s *DB) KeptStatements() int {
	if s.stmts == nil {
		return 0
	}
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	return len(s.stmts.stmts)
}

// HoldSealer stops the sealer's passes, and writers' waits for them,
// until the returned function is called: their audit entries stay queued.
func (s *DB) HoldSealer() func() {
	old := sealWait
	sealWait = 20 * time.Millisecond
	s.seal.hold.Lock()
	return func() {
		s.seal.hold.Unlock()
		sealWait = old
	}
}

// QueuedAudit counts the audit entries waiting for the sealer.
func (s *DB) QueuedAudit() int {
	var n int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM audit_queue`).Scan(&n); err != nil {
		panic(err)
	}
	return n
}
