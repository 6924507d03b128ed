package riskweb_test

import (
	"testing"

	"github.com/clinsafe/clinsafe/internal/risk/riskweb"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestEveryPageTemplateExecutes runs every page of the clinical risk wing with the typed
// data its handler passes.
func TestEveryPageTemplateExecutes(t *testing.T) {
	webtest.EveryPage(t, "risk", func(b web.Base) map[string]any {
		return map[string]any{
			"compliance":   riskweb.CompliancePage{Base: b},
			"cscr":         riskweb.CSCRPage{Base: b},
			"cscr_issue":   riskweb.CSCRIssuePage{Base: b},
			"diff":         riskweb.DiffPage{Base: b},
			"hazard":       riskweb.HazardPage{Base: b},
			"hazard_form":  riskweb.HazardForm{Base: b},
			"hazard_log":   riskweb.HazardLogPage{Base: b},
			"heatmaps":     riskweb.HeatMapsPage{Base: b},
			"issues":       riskweb.IssuesPage{Base: b},
			"issue_hazard": riskweb.IssueHazardPage{Base: b},
			"releases":     riskweb.ReleasesPage{Base: b},
			"history":      riskweb.HistoryPage{Base: b},
			"home":         riskweb.RiskHome{Base: b},
			"import":       riskweb.ImportPage{Base: b},
			"issue_check":  riskweb.IssueCheckPage{Base: b},
			"issue":        riskweb.IssuePage{Base: b},
			"plan":         riskweb.PlanPage{Base: b},
			"system":       riskweb.SystemPage{Base: b},
			"system_form":  riskweb.SystemForm{Base: b},
			"transferred":  riskweb.TransferredPage{Base: b},
		}
	})
}
