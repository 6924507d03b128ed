package riskweb_test

import (
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/knowledge"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/risk/riskweb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// Every blueprint hazard is a valid hazard under either standard.
func TestBlueprintHazardsAreValid(t *testing.T) {
	for _, set := range knowledge.Blueprints {
		for _, bh := range set.Hazards {
			for _, std := range []risk.Standard{risk.DCB0129, risk.DCB0160} {
				h, err := riskweb.BlueprintHazard(set, bh, std)
				if err == nil {
					err = h.Validate(risk.Matrix{}, time.Now())
				}
				if err != nil {
					t.Errorf("%s %s under %s: %v", set.Code, bh.Key, std, err)
				}
			}
		}
	}
}

// A CSO imports the chosen hazards of a blueprint in one step; each is
// marked with the blueprint and its version. Another organisation's
// system is not found.
func TestBlueprintImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		sys, _ := riskSystem(t, f)
		c := f.Client(t, "A/cso")
		body := webtest.Get(t, c, f.Srv.URL+"/risk/systems/"+sys.ID+"/blueprints?set=epr", 200)
		if !strings.Contains(body, "EPR-01") {
			t.Fatalf("blueprint page lacks the EPR hazards")
		}
		resp, _ := webtest.Do(t, c, "POST", f.Srv.URL+"/risk/systems/"+sys.ID+"/blueprints", webtest.Form("set", "epr", "hazards", "EPR-01", "hazards", "EPR-03"))
		webtest.Location(t, resp, "/risk/systems/"+sys.ID+"/hazards")
		hs, err := riskdb.New(st).ListHazards(t.Context(), f.OrgA.ID, sys.ID)
		if err != nil {
			t.Fatal(err)
		}
		set, _ := knowledge.BlueprintOf("epr")
		got := 0
		for _, h := range hs {
			if h.Provenance.Document == set.DocumentTitle() && h.Provenance.Version == set.Version && (h.Provenance.Ref == "EPR-01" || h.Provenance.Ref == "EPR-03") {
				got++
			}
		}
		if got != 2 {
			t.Errorf("%d hazards imported with the blueprint's provenance, want 2: %+v", got, hs)
		}
		// An unknown hazard key is refused and nothing is imported.
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+"/risk/systems/"+sys.ID+"/blueprints", webtest.Form("set", "epr", "hazards", "EPR-02", "hazards", "NOPE"))
		if resp.StatusCode != 422 {
			t.Errorf("unknown hazard: %d, want 422", resp.StatusCode)
		}
		if after, _ := riskdb.New(st).ListHazards(t.Context(), f.OrgA.ID, sys.ID); len(after) != len(hs) {
			t.Errorf("a refused import added hazards: %d, want %d", len(after), len(hs))
		}
		cb := f.Client(t, "B/cso")
		if resp, _ := webtest.Do(t, cb, "POST", f.Srv.URL+"/risk/systems/"+sys.ID+"/blueprints", webtest.Form("set", "epr", "hazards", "EPR-01")); resp.StatusCode != 404 {
			t.Errorf("B imports into A's system: %d, want 404", resp.StatusCode)
		}
	})
}
