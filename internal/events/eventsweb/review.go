package eventsweb

import (
	"context"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// reviewRoutes are the routes of this part of the pillar.
func (s *Module) reviewRoutes() []web.Route { return nil }

func (s *Module) reviewAttention(context.Context, *store.Principal) ([]web.Attention, error) {
	return nil, nil
}

// reviewWords are the words of this part's audit actions.
var reviewWords = map[string]string{}
