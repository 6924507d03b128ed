package evidenceweb_test

import (
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/evidence/evidenceweb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestEveryPageTemplateExecutes runs every page of the evidence wing with
// the typed data its handler passes.
func TestEveryPageTemplateExecutes(t *testing.T) {
	webtest.EveryPage(t, "evidence", samples)
}

// TestOneErrorSummary: a page whose form or filters came back with an
// error shows the layout's error summary, and no second one of its own.
func TestOneErrorSummary(t *testing.T) {
	webtest.OneErrorSummary(t, "evidence", samples)
}

// samples are the sample data of every page of the wing.
func samples(b web.Base) map[string]any {
	m := evidence.Measures[0]
	at := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	chart := evidenceweb.ChartView{Measure: m, Period: evidence.Week, Rows: []evidenceweb.Row{{Label: "w/c 2 March 2026", Value: "3"}},
		Changes: []evidenceweb.ChangeView{{MarkedChange: evidencedb.MarkedChange{ID: "c", Title: "ePMA go-live", On: at, SystemID: "s", SystemName: "ePMA", AttachedAt: &at},
			Statement: evidence.Statement{Text: "After", Caveats: []string{"Only 3 weeks"}}}}}
	return map[string]any{
		"evidence_dashboard": evidenceweb.DashboardPage{Base: b, CanRead: true, Charts: []evidenceweb.ChartView{chart}, Pending: evidence.Measures[len(evidence.Measures)-1:],
			Networks: []store.Network{{ID: "n", Name: "North ICS"}}},
		"evidence_measure":  evidenceweb.MeasurePage{Base: b, Chart: chart, CanMark: true, CanAttach: true, Choices: map[string][]web.Option{"type": {{Value: "1", Label: "Incident"}}}},
		"evidence_bed_days": evidenceweb.BedDaysPage{Base: b, Months: []evidencedb.BedDays{{Month: "2026-03", BedDays: 1200}}},
		"evidence_board":    evidenceweb.BoardPage{Base: b, Measures: evidence.Measures},
		"evidence_network":  evidenceweb.NetworkPage{Base: b, Network: store.Network{ID: "n", Name: "North"}, Measure: m, Total: chart, Members: []evidenceweb.MemberChart{{Org: store.Org{Name: "A"}, Chart: chart}}},
	}
}
