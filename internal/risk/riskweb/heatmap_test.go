package riskweb

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/clinsafe/clinsafe/internal/risk"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The risk page's heat maps are drawn exactly as in testdata: moving the
// drawing to the chart package must not change a byte.
func TestHeatMapGolden(t *testing.T) {
	hs := []risk.Hazard{
		{InitialSeverity: risk.Major, InitialLikelihood: risk.Medium, ResidualSeverity: risk.Minor, ResidualLikelihood: risk.Low},
		{InitialSeverity: risk.Major, InitialLikelihood: risk.Medium, ResidualSeverity: risk.Minor, ResidualLikelihood: risk.Low},
		{InitialSeverity: risk.Catastrophic, InitialLikelihood: risk.VeryHigh},
		{InitialSeverity: risk.Minor, InitialLikelihood: risk.VeryLow, ResidualSeverity: risk.Minor, ResidualLikelihood: risk.VeryLow},
	}
	for _, c := range []struct {
		id, title string
		residual  bool
		total     int
		missing   int
	}{{"initial", "Initial risk", false, 4, 0}, {"residual", "Residual <risk>", true, 3, 1}} {
		hm := heatMap(c.id, c.title, hs, risk.DefaultMatrix(), c.residual)
		if hm.Total != c.total || hm.Missing != c.missing || len(hm.Rows) != 5 || len(hm.Severes) != 5 {
			t.Errorf("heatMap(%s): total %d missing %d, %d rows, %d severities; want %d, %d, 5, 5", c.id, hm.Total, hm.Missing, len(hm.Rows), len(hm.Severes), c.total, c.missing)
		}
		path := filepath.Join("testdata", "heatmap_"+c.id+".svg")
		if *update {
			if err := os.WriteFile(path, []byte(hm.SVG), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(hm.SVG) != string(want) {
			t.Errorf("heatMap(%s).SVG =\n%s\nwant (%s)\n%s", c.id, hm.SVG, path, want)
		}
	}
}
