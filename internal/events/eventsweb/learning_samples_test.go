package eventsweb_test

import "github.com/clinsafe/clinsafe/internal/web"

// learningSamples are the sample data of this part's pages.
func learningSamples(web.Base) map[string]any { return map[string]any{} }
