package devicesdb_test

import (
	"slices"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// A recall naming an HIBC labeler code and catalogue number finds the
// implants of that product, which have no GTIN, as affected; a catalogue
// number of that labeler that is only near the listed one, and a device
// typed without a GTIN or labeler code under the recall's manufacturer,
// are listed as possibly affected; other labelers' devices and GS1
// devices are not listed.
func TestRecallByLabelerFindsHIBCImplants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		db := devicesdb.New(st)
		org, other := storetest.Org(t, st, "HRA").ID, storetest.Org(t, st, "HRB").ID
		add := func(org store.OrgID, n int, d devices.Device) string {
			t.Helper()
			p := hxProc(t, db, org, n)
			d.EntryType = devices.EntryManual
			r, err := db.AddImplant(ctx, org, p.ID, d)
			if err != nil {
				t.Fatalf("AddImplant(%+v): %v", d, err)
			}
			return r.ID
		}
		scanned := hxScan(t, "+H123HIP221/$$+3291231SN9")
		p1 := hxProc(t, db, org, 11)
		hibc, err := db.AddImplant(ctx, org, p1.ID, scanned)
		if err != nil || hibc.GTIN != "" || hibc.Labeler != "H123" || hibc.Catalogue != "HIP22" {
			t.Fatalf("AddImplant(HIBC scan) = %+v, %v", hibc, err)
		}
		near := add(org, 12, devices.Device{Labeler: "H123", Catalogue: "0HIP22", Serial: "SN9"})
		typed := add(org, 13, devices.Device{Manufacturer: "Northwind Orthopaedics Ltd", Catalogue: "HIP-22", Serial: "SN9"})
		add(org, 14, devices.Device{Labeler: "B456", Catalogue: "HIP22", Serial: "SN9"})         // another labeler
		add(org, 15, devices.Device{GTIN: "09521234543213", Serial: "SN9"})                      // a GS1 device
		add(org, 16, devices.Device{Labeler: "H123", Catalogue: "HIP22", Serial: "SN8"})         // another serial
		add(other, 17, devices.Device{Labeler: "H123", Catalogue: "HIP22", Serial: "SN9"})       // another organisation
		add(org, 18, devices.Device{Manufacturer: "Contoso", Catalogue: "HIP22", Serial: "SN9"}) // another manufacturer

		rc, err := db.CreateRecall(ctx, org, devices.RecallInput{Reference: "FSN-HR-1", Kind: "fsn", Issuer: "Northwind", IssuedOn: "2026-11-21",
			Manufacturer: "Northwind Orthopaedics", ActionRequired: "Review the patients", Affects: "h123/hip22 serials SN9"})
		if err != nil {
			t.Fatalf("CreateRecall(HIBC rule): %v", err)
		}
		if len(rc.Rules) != 1 || rc.Rules[0].Labeler != "H123" || rc.Rules[0].Catalogue != "HIP22" || rc.Rules[0].GTIN != "" {
			t.Fatalf("rules = %+v, want one rule of H123/HIP22", rc.Rules)
		}
		m, err := db.MatchRecall(ctx, org, rc, 0)
		if err != nil {
			t.Fatal(err)
		}
		ids := func(ps []devicesdb.AffectedPatient) []string {
			var out []string
			for _, p := range ps {
				for _, d := range p.Devices {
					out = append(out, d.ImplantID)
				}
			}
			return out
		}
		if got := ids(m.Patients); !slices.Equal(got, []string{hibc.ID}) {
			t.Fatalf("affected devices = %v, want only the scanned HIBC implant %s", got, hibc.ID)
		}
		if d := m.Patients[0].Devices[0]; d.Labeler != "H123" || d.Catalogue != "HIP22" || d.Match != devices.MatchAffected {
			t.Errorf("affected device = %+v, want labeler H123, catalogue HIP22, affected", d)
		}
		if got := ids(m.Possible); !slices.Equal(got, []string{near, typed}) {
			t.Errorf("possibly affected devices = %v, want the near catalogue number %s and the typed device %s", got, near, typed)
		}
		for _, p := range m.Possible {
			if d := p.Devices[0]; d.Match != devices.MatchPossible || len(d.Reasons) == 0 {
				t.Errorf("possible device = %+v, want a possible match with its reason", d)
			}
		}
		if c, err := db.CountRecall(ctx, org, rc); err != nil || c.Devices != 1 || c.Patients != 1 || c.PossibleDevices != 2 || c.PossiblePatients != 2 {
			t.Errorf("CountRecall = %+v, %v; want 1 affected and 2 possible", c, err)
		}
		if n, err := db.StartRecallActions(ctx, org, rc.ID); err != nil || n != 3 {
			t.Errorf("StartRecallActions = %d, %v; want 3", n, err)
		}
		as, err := db.RecallActions(ctx, org, rc.ID)
		if err != nil || len(as) != 3 || as[0].Basis != devices.BasisAffected || ids(as[:1])[0] != hibc.ID ||
			as[1].Basis != devices.BasisPossible || as[2].Basis != devices.BasisPossible {
			t.Errorf("RecallActions = %+v, %v; want the affected HIBC patient, then 2 possible", as, err)
		}
		// The procedure warns about the recalled HIBC device.
		pd, err := db.Procedure(ctx, org, p1.ID)
		if err != nil || len(pd.Implants) != 1 || !slices.ContainsFunc(pd.Implants[0].Warnings, func(w devicesdb.Warning) bool { return w.Kind == "recall" }) {
			t.Errorf("Procedure(HIBC).Implants = %+v, %v; want the HIBC device with a recall warning", pd.Implants, err)
		}
		hxVerify(t, st)
	})
}

// Rows written before migration 0011's columns existed keep the content
// hash recorded for them: those columns, empty on such rows, do not count.
// Shown by writing rows with the columns empty, then dropping them.
func TestRecallContentHashSurvivesNewColumns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		db := devicesdb.New(st)
		org := storetest.Org(t, st, "HRC").ID
		if _, err := db.ImportCatalogue(ctx, org, []devices.Product{{GTIN: rcGTIN(1), Manufacturer: "Acme Orthopaedics", Model: "Hip", DeviceType: 36}}); err != nil {
			t.Fatal(err)
		}
		rcImplant(t, db, org, 0, devices.Device{GTIN: rcGTIN(1), Lot: "L1"})
		rc := rcRecall(t, db, org, "FSN-HRC", rcGTIN(1)+" lots L1")
		if _, err := db.StartRecallActions(ctx, org, rc.ID); err != nil {
			t.Fatal(err)
		}
		// As a row written before the basis column holds it, then audited.
		if _, err := st.SQL().Exec(`UPDATE recall_actions SET basis = '' WHERE recall_id = $1`, rc.ID); err != nil {
			t.Fatal(err)
		}
		as, err := db.RecallActions(ctx, org, rc.ID)
		if err != nil || len(as) != 1 {
			t.Fatalf("RecallActions = %+v, %v", as, err)
		}
		if err := db.SetRecallAction(ctx, org, rc.ID, as[0].Patient.ID, devices.ActionContacted, "phoned"); err != nil {
			t.Fatal(err)
		}
		hxVerify(t, st)
		for _, q := range []string{
			`DROP INDEX device_products_catalogue`, `DROP INDEX recall_actions_list`,
			`ALTER TABLE device_products DROP COLUMN catalogue_number`, `ALTER TABLE device_products DROP COLUMN catalogue_key`,
			`ALTER TABLE recalls DROP COLUMN closed_reason`, `ALTER TABLE recalls DROP COLUMN closed_at`,
			`ALTER TABLE recall_actions DROP COLUMN basis`,
		} {
			if _, err := st.SQL().Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		// New connections, so that none holds a plan of the old tables.
		st.SQL().SetMaxIdleConns(0)
		st.SQL().SetMaxIdleConns(2)
		hxVerify(t, st)
	})
}
