package eventsweb

import "github.com/clinsafe/clinsafe/internal/web"

// publicRoutes are the routes of this part of the pillar.
func (s *Module) publicRoutes() []web.Route { return nil }

// publicWords are the words of this part's audit actions.
var publicWords = map[string]string{}
