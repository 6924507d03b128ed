package devicesdb_test

import (
	"testing"

	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// TestImportStoresDevicesAsThePagesDo: the bulk import stores a device's
// lot and serial number trimmed, as the manual form does, and its expiry
// as YYYY-MM-DD, so that a recall's expiry window finds it. Before, the
// import only checked that the expiry parsed and stored it as given, so
// " 2027-02-01" was kept with its space and the recall's expiry window (a
// byte compare) neither included it nor treated it as "no expiry
// recorded"; a lot or serial with surrounding spaces was refused.
func TestImportStoresDevicesAsThePagesDo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		db := devicesdb.New(st)
		org := storetest.Org(t, st, "BLK").ID
		rcImplant(t, db, org, 300, devices.Device{GTIN: rcGTIN(4), Lot: " X ", Serial: " P7", Expiry: " 2027-02-01"})
		h, err := db.DeviceHistory(ctx, org, rcGTIN(4), "")
		if err != nil || len(h) != 1 {
			t.Fatalf("DeviceHistory = %d records, %v; want 1", len(h), err)
		}
		if d := h[0].Device; d.Lot != "X" || d.Serial != "P7" || d.Expiry != "2027-02-01" {
			t.Errorf("imported lot %q, serial %q, expiry %q; want \"X\", \"P7\", \"2027-02-01\"", d.Lot, d.Serial, d.Expiry)
		}
		rc := rcRecall(t, db, org, "FSN-BLK-1", rcGTIN(4)+" expiry from 2027-01-01 to 2027-06-30")
		m, err := db.MatchRecall(ctx, org, rc, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Patients) != 1 || len(m.Possible) != 0 {
			t.Errorf("MatchRecall(expiry 2027-01-01..2027-06-30) found %d affected, %d possible; want the patient whose device expires 2027-02-01 (imported as \" 2027-02-01\") affected",
				len(m.Patients), len(m.Possible))
		}
	})
}
