package devicesdb_test

import (
	"testing"

	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// Rows written in bulk under one audit entry are checked as their
// organisation's bulk set until an audited change of their own.
func TestDeepVerifyBulkRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		o := storetest.Org(t, st, "RA1")
		if _, err := devicesdb.New(st).ImportImplants(ctx, o.ID, demo.ImplantRecords(40, 0)); err != nil {
			t.Fatal(err)
		}
		if got := storetest.Findings(t, st); len(got) != 0 {
			t.Fatalf("after a bulk import: %q", got)
		}
		db := st.SQL()
		var a, b string
		if err := db.QueryRow(`SELECT MIN(id), MAX(id) FROM implants WHERE org_id = $1`, o.ID).Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		// Audited changes to bulk rows take them out of the bulk set.
		if err := devicesdb.New(st).Explant(ctx, o.ID, a, devices.ExplantInput{Date: "2026-11-24", Reason: "infection"}); err != nil {
			t.Fatal(err)
		}
		if err := devicesdb.New(st).RemoveImplant(ctx, o.ID, b); err != nil {
			t.Fatal(err)
		}
		if _, err := devicesdb.New(st).ImportCatalogue(ctx, o.ID, []devices.Product{{GTIN: "09506000134352", Manufacturer: "Acme", Brand: "Hip", Model: "H1", Description: "Hip stem", DeviceType: 36}}); err != nil {
			t.Fatal(err)
		}
		if got := storetest.Findings(t, st); len(got) != 0 {
			t.Fatalf("after explant, removal and a catalogue import: %q", got)
		}
		// A direct edit of a bulk row is found, though it cannot be named.
		if _, err := db.Exec(`UPDATE implants SET lot = 'FORGED' WHERE id = (SELECT MAX(id) FROM implants WHERE org_id = $1)`, o.ID); err != nil {
			t.Fatal(err)
		}
		storetest.WantFinding(t, st, "bulk row edited", "implant rows of organisation "+string(o.ID), "content differs")
		if _, err := db.Exec(`DELETE FROM implants WHERE lot = 'FORGED'`); err != nil {
			t.Fatal(err)
		}
		storetest.WantFinding(t, st, "bulk row deleted", "implant rows of organisation "+string(o.ID), "deleted outside the audit trail")
	})
}
