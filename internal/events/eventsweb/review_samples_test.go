package eventsweb_test

import "github.com/clinsafe/clinsafe/internal/web"

// reviewSamples are the sample data of this part's pages.
func reviewSamples(web.Base) map[string]any { return map[string]any{} }
