package eventsweb_test

import "github.com/clinsafe/clinsafe/internal/web"

// publicSamples are the sample data of this part's pages.
func publicSamples(web.Base) map[string]any { return map[string]any{} }

// publicPages are the pages drawn for someone not signed in.
var publicPages = []string{"report_public_start", "report_question", "report_group", "report_check", "report_public_done"}
