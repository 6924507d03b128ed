package knowledgedb

import "github.com/clinsafe/clinsafe/internal/store"

// SearchSQL is the query Search runs for orgID and f, with its arguments
// (to read its plan in the benchmark).
func (s *DB) SearchSQL(orgID store.OrgID, f Filter) (string, []any) {
	return s.searchSQL(orgScope, orgID, f)
}
