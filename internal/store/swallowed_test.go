package store_test

import (
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// A CSO that cannot be checked because the database failed is a failure,
// not "not a CSO"; an id that is not an id is still a field message.
func TestCheckCSOsReportsStoreFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a := mustOrg(t, st, "AAA")
		cso := mustUser(t, st, a, "cso@a.test", auth.CSO)
		sys := riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing", Standard: risk.DCB0160}
		for _, id := range []string{"not-an-id", "bad\x00id", store.NewID()} {
			sys.CSOs = []riskdb.Person{{ID: id}}
			if _, err := riskdb.New(st).CreateSystem(ctx, a.ID, sys); apperr.FieldsOf(err)["csos"] == "" {
				t.Errorf("CreateSystem with CSO id %q: %v, want a csos message", id, err)
			}
		}
		if _, err := st.SQL().Exec(`ALTER TABLE user_roles RENAME TO user_roles_gone`); err != nil {
			t.Fatal(err)
		}
		sys.CSOs = []riskdb.Person{{ID: cso.ID}}
		_, err := riskdb.New(st).CreateSystem(ctx, a.ID, sys)
		if err == nil || apperr.Is(err, apperr.Invalid) {
			t.Errorf("CreateSystem when the roles cannot be read: %v, want an internal error", err)
		}
	})
}

// Provenance that cannot be written or read back is an error, never
// silently dropped.
func TestProvenanceErrorsAreReported(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a := mustOrg(t, st, "AAA")
		sys, err := riskdb.New(st).CreateSystem(ctx, a.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing", Standard: risk.DCB0160})
		if err != nil {
			t.Fatal(err)
		}
		h := storetest.SampleHazard("Imported")
		// encoding/json refuses a year past 9999 (before the fix the audit
		// entry's snapshot caught this one; the row itself now does).
		h.Provenance = risk.Provenance{Source: "Acme", ImportedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
		if e, err := riskdb.New(st).CreateHazard(ctx, a.ID, sys.ID, h); err == nil {
			got, _ := riskdb.New(st).Hazard(ctx, a.ID, e.ID)
			t.Errorf("CreateHazard with unwritable provenance: no error; stored provenance %+v", got.Provenance)
		}
		h.Provenance.ImportedAt = storetest.FixedTime
		e, err := riskdb.New(st).CreateHazard(ctx, a.ID, sys.ID, h)
		if err != nil {
			t.Fatal(err)
		}
		if tc, err := riskdb.New(st).TransferredControls(ctx, a.ID); err != nil || len(tc) != 1 || tc[0].Provenance.Source != "Acme" {
			t.Fatalf("TransferredControls = %+v, %v; want one control from Acme", tc, err)
		}
		if _, err := st.SQL().Exec(`UPDATE hazards SET provenance = '{"source": ' WHERE id = $1`, e.ID); err != nil {
			t.Fatal(err)
		}
		if tc, err := riskdb.New(st).TransferredControls(ctx, a.ID); err == nil {
			t.Errorf("TransferredControls with corrupt provenance = %+v, want an error", tc)
		}
		if _, err := riskdb.New(st).Hazard(ctx, a.ID, e.ID); err == nil {
			t.Errorf("Hazard with corrupt provenance: no error")
		}
	})
}
