package eventsweb

import (
	"context"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// triageRoutes are the routes of this part of the pillar.
func (s *Module) triageRoutes() []web.Route { return nil }

func (s *Module) triageAttention(context.Context, *store.Principal) ([]web.Attention, error) {
	return nil, nil
}

// triageWords are the words of this part's audit actions.
var triageWords = map[string]string{}
