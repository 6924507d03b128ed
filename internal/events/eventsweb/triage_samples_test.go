package eventsweb_test

import "github.com/clinsafe/clinsafe/internal/web"

// triageSamples are the sample data of this part's pages.
func triageSamples(web.Base) map[string]any { return map[string]any{} }
