package riskweb_test

import (
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/knowledge"
	"github.com/clinsafe/clinsafe/internal/risk/exchange"
	"github.com/clinsafe/clinsafe/internal/risk/riskweb"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestEveryPageTemplateExecutes runs every page of the clinical risk wing with the typed
// data its handler passes.
func TestEveryPageTemplateExecutes(t *testing.T) {
	attached := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	samples := func(b web.Base) map[string]any {
		return map[string]any{
			"compliance":   riskweb.CompliancePage{Base: b},
			"cscr":         riskweb.CSCRPage{Base: b, Evidence: []evidencedb.MarkedChange{{Title: "ePMA go-live", Measure: "it_incidents", Period: "week", Statement: "After", AttachedAt: &attached}}},
			"cscr_issue":   riskweb.CSCRIssuePage{Base: b},
			"diff":         riskweb.DiffPage{Base: b},
			"hazard":       riskweb.HazardPage{Base: b, ReviewLikelihood: true, Incidents: []eventsdb.LoggedEvent{{EventID: "e", Ref: "PSE-2026-000001", Date: "2026-11-23", Harm: "3", Status: "submitted"}, {ShareID: "s", SharedBy: "Alpha", Date: "2026-11"}}},
			"hazard_form":  riskweb.HazardForm{Base: b},
			"hazard_log":   riskweb.HazardLogPage{Base: b},
			"heatmaps":     riskweb.HeatMapsPage{Base: b},
			"issues":       riskweb.IssuesPage{Base: b},
			"issue_hazard": riskweb.IssueHazardPage{Base: b},
			"releases":     riskweb.ReleasesPage{Base: b},
			"history":      riskweb.HistoryPage{Base: b},
			"home":         riskweb.RiskHome{Base: b},
			"import": riskweb.ImportPage{Base: b, Mapping: &riskweb.ImportMapping{FileName: "log.csv", Upload: "YQ==", HeaderRow: 1, Columns: 1,
				Fields:  []riskweb.MappingField{{ID: "map-name", Label: "Hazard name (required)", Options: []web.Option{{Value: "0", Label: "Column A: Title"}}, Value: "0"}},
				Preview: exchange.Preview{Hazards: 1, Rows: []exchange.PreviewRow{{Row: 2, Ref: "HAZ-001", Name: "n", Problems: []string{"Severity: missing"}}}}}},
			"issue_check": riskweb.IssueCheckPage{Base: b},
			"issue":       riskweb.IssuePage{Base: b},
			"plan":        riskweb.PlanPage{Base: b},
			"system":      riskweb.SystemPage{Base: b},
			"system_form": riskweb.SystemForm{Base: b},
			"transferred": riskweb.TransferredPage{Base: b},

			"blueprint_import": riskweb.BlueprintPage{Base: b, Set: knowledge.Blueprints[0]},
		}
	}
	webtest.EveryPage(t, "risk", samples)
	// With a field in error, each page shows the layout's error summary
	// and none of its own.
	webtest.OneErrorSummary(t, "risk", samples)
}
