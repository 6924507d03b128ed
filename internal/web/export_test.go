package web

// HoldImports takes every import slot, as if maxImports imports were
// running, until release is called.
func (s *Server) HoldImports() (release func()) {
	var rs []func()
	for range maxImports {
		r, ok := s.imports.tryAcquire()
		if !ok {
			panic("web: an import slot is already taken")
		}
		rs = append(rs, r)
	}
	return func() {
		for _, r := range rs {
			r()
		}
	}
}
