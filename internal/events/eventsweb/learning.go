package eventsweb

import (
	"context"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// learningRoutes are the routes of this part of the pillar.
func (s *Module) learningRoutes() []web.Route { return nil }

func (s *Module) learningAttention(context.Context, *store.Principal) ([]web.Attention, error) {
	return nil, nil
}

// learningWords are the words of this part's audit actions.
var learningWords = map[string]string{}
