package riskdb_test

import (
	"testing"

	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// Importing a hazard log changes none of the system's own content, so its
// entry records none (riskdb.Content lists it as NoContent): a direct edit
// of the system made before the import is still found after it.
func TestHazardLogImportRecordsNoSystemContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a := storetest.Org(t, st, "RAA")
		sys, err := riskdb.New(st).CreateSystem(storetest.Operator, a.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing", Standard: risk.DCB0160})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.SQL().Exec(`UPDATE risk_systems SET name = 'Forged' WHERE id = $1`, sys.ID); err != nil {
			t.Fatal(err)
		}
		storetest.WantFinding(t, st, "system renamed directly", "system "+sys.ID, "changed outside the audit trail")
		l := &risk.Log{Hazards: []risk.Hazard{storetest.SampleHazard("Imported")}}
		if n, err := riskdb.New(st).ImportHazards(storetest.Operator, a.ID, sys.ID, l, false); err != nil || n != 1 {
			t.Fatalf("ImportHazards = %d, %v", n, err)
		}
		storetest.WantFinding(t, st, "system renamed directly, then a hazard log imported", "system "+sys.ID, "changed outside the audit trail")
	})
}
