package riskdb_test

import (
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/exchange"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// A mapped import remembers its mapping for the organisation and header,
// audited, in the same transaction: a failed import remembers nothing, and
// another organisation does not see it.
func TestImportMappingRemembered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		rk := riskdb.New(st)
		a, b := storetest.Org(t, st, "RAA"), storetest.Org(t, st, "RBB")
		sys, err := rk.CreateSystem(storetest.Operator, a.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing", Standard: risk.DCB0160})
		if err != nil {
			t.Fatal(err)
		}
		header := []string{"Title", "Notes", "Sev", "Lik"}
		mp := exchange.Mapping{exchange.FieldName: 0, exchange.FieldInitialSeverity: 2, exchange.FieldInitialLikelihood: 3}
		if _, ok, err := rk.RememberedMapping(storetest.Operator, a.ID, header); ok || err != nil {
			t.Fatalf("RememberedMapping before any import: got %v, %v", ok, err)
		}
		bad := &risk.Log{Hazards: []risk.Hazard{storetest.SampleHazard("")}}
		before := storetest.AuditCount(t, st)
		if _, err := rk.ImportHazardsMapped(storetest.Operator, a.ID, sys.ID, bad, false, header, mp); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("ImportHazardsMapped with a bad hazard: got %v, want Invalid", err)
		}
		if _, ok, _ := rk.RememberedMapping(storetest.Operator, a.ID, header); ok || storetest.AuditCount(t, st) != before {
			t.Fatalf("a failed import remembered its mapping or wrote an audit entry")
		}
		if _, err := rk.ImportHazardsMapped(storetest.Operator, a.ID, sys.ID, bad, false, header, exchange.Mapping{exchange.FieldName: 9}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("ImportHazardsMapped with a mapping that does not fit: got %v, want Invalid", err)
		}
		good := &risk.Log{Hazards: []risk.Hazard{storetest.SampleHazard("One")}}
		if n, err := rk.ImportHazardsMapped(storetest.Operator, a.ID, sys.ID, good, false, header, mp); err != nil || n != 1 {
			t.Fatalf("ImportHazardsMapped: got %d, %v", n, err)
		}
		got, ok, err := rk.RememberedMapping(storetest.Operator, a.ID, []string{"title", " notes", "SEV", "Lik"})
		if err != nil || !ok || got.Mapping[exchange.FieldInitialLikelihood] != 3 || len(got.Mapping) != 3 || got.Header[1] != "Notes" {
			t.Fatalf("RememberedMapping after the import: got %+v, %v, %v", got, ok, err)
		}
		if _, ok, _ := rk.RememberedMapping(storetest.Operator, b.ID, header); ok {
			t.Errorf("organisation B sees organisation A's mapping")
		}
		if got := storetest.AuditCount(t, st) - before; got != 3 {
			t.Errorf("audit entries for the import: got %d, want 3 (the hazard, the import, the mapping)", got)
		}
		// Saving again replaces it; the deep audit check finds nothing amiss.
		mp[exchange.FieldDescription] = 1
		if _, err := rk.ImportHazardsMapped(storetest.Operator, a.ID, sys.ID, good, false, header, mp); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := rk.RememberedMapping(storetest.Operator, a.ID, header); got.Mapping[exchange.FieldDescription] != 1 {
			t.Errorf("RememberedMapping after a second import: got %+v", got.Mapping)
		}
		if fs := storetest.Findings(t, st); len(fs) != 0 {
			t.Errorf("deep audit check: got %q, want none", fs)
		}
		if _, err := st.SQL().Exec(`UPDATE risk_import_mappings SET mapping = '{}'`); err != nil {
			t.Fatal(err)
		}
		storetest.WantFinding(t, st, "mapping changed directly", "import_mapping", "changed outside the audit trail")
	})
}
