package eventsweb

import (
	"context"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// reportRoutes are the routes of this part of the pillar.
func (s *Module) reportRoutes() []web.Route { return nil }

func (s *Module) reportAttention(context.Context, *store.Principal) ([]web.Attention, error) {
	return nil, nil
}
