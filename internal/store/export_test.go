package store

import (
	"context"
	"time"
)

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

// HashesBothWays returns, for every entity with more than one part and
// every id in its own table (in orgID for an org-scoped one), its
// content hash read with one statement (hashUnion) and part by part
// (hashParts), keyed by entity and id.
func (s *DB) HashesBothWays(ctx context.Context, orgID OrgID) (union, byPart map[string]string, err error) {
	union, byPart = map[string]string{}, map[string]string{}
	for i := range s.content.entities {
		d := &s.content.entities[i]
		if len(d.Parts) < 2 {
			continue
		}
		var ids []string
		rows, err := s.db.QueryContext(ctx, `SELECT `+d.Parts[0].Key[len(d.Parts[0].Key)-1]+` FROM `+d.Parts[0].Table)
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		ids = append(ids, "no such id")
		for start := 0; start < len(ids); start += unionIDs {
			chunk := ids[start:min(start+unionIDs, len(ids))]
			u, p := map[string]string{}, map[string]string{}
			if err := s.hashUnion(ctx, s.db, orgID, d, chunk, d.Name, u); err != nil {
				return nil, nil, err
			}
			if err := s.hashParts(ctx, s.db, orgID, d, chunk, d.Name, p); err != nil {
				return nil, nil, err
			}
			for id, h := range u {
				union[d.Name+" "+id] = h
			}
			for id, h := range p {
				byPart[d.Name+" "+id] = h
			}
		}
	}
	return union, byPart, nil
}
