package store

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
