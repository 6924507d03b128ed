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
