package web

// deviceRoutes are the routes of the implanted devices module.
func (s *Server) deviceRoutes() []route {
	return []route{
		{Method: "GET", Path: "/devices", Roles: anyone, Handle: s.pillar("Implanted devices", "Scan implants at the point of care and find every affected patient when a recall comes.")},
	}
}
