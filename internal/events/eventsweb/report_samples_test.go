package eventsweb_test

import "github.com/clinsafe/clinsafe/internal/web"

// reportSamples are the sample data of this part's pages.
func reportSamples(web.Base) map[string]any { return map[string]any{} }
