package web

// riskRoutes are the routes of the clinical risk module (DCB0129/DCB0160).
func (s *Server) riskRoutes() []route {
	return []route{
		{Method: "GET", Path: "/risk", Roles: anyone, Handle: s.pillar("Clinical risk", "Hazard logs, clinical safety officer approval and safety case reports under DCB0129 and DCB0160.")},
	}
}
