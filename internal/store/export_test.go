package store

// ContentTables returns every table the content registry covers or lists
// as unaudited.
func ContentTables() map[string]bool {
	out := map[string]bool{}
	for _, d := range contentRegistry {
		for _, p := range d.parts {
			out[p.table] = true
		}
	}
	for _, t := range unauditedTables {
		out[t] = true
	}
	return out
}
