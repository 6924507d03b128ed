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

// TestSerialInAnotherCaseIsTheSameDevice: a serial number compares as
// devices.NormalizeCode gives it (trimmed, upper case), as recalls compare
// it, so a serial typed or scanned in another case (a keyboard-wedge
// scanner with caps lock on, a serial typed by hand) of a device already
// implanted in another patient stops with StopSerialImplanted, is warned
// about, and finds the device's history. Before, the checks compared the
// serial byte for byte: the device was added with no stop, and the same
// device ended up attached to two patients without anyone being asked.
func TestSerialInAnotherCaseIsTheSameDevice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		db := devicesdb.New(st)
		org := storetest.Org(t, st, "SCA").ID
		first := addImplant(t, db, org, 41, devices.Device{GTIN: "09521234543213", Serial: "SN001AB", Lot: "L1"})
		addImplant(t, db, org, 43, devices.Device{Labeler: "H123", Catalogue: "HIP22", Serial: "HX9", Lot: "L1"})
		p := hxProc(t, db, org, 42)
		for _, d := range []devices.Device{
			{GTIN: "09521234543213", Serial: "sn001ab", Lot: "L1", EntryType: devices.EntryManual},
			{Labeler: "H123", Catalogue: "HIP22", Serial: "hx9", Lot: "L1", EntryType: devices.EntryManual},
		} {
			rec, stops, err := db.RecordImplant(ctx, org, p.ID, d, "")
			if err != nil {
				t.Fatal(err)
			}
			if rec.ID != "" || !slices.ContainsFunc(stops, func(s devicesdb.Stop) bool { return s.Kind == devicesdb.StopSerialImplanted }) {
				t.Errorf("RecordImplant(%s serial %s, already implanted in another patient in upper case) = record %q, stops %+v; want nothing recorded and a %s stop",
					d.Key(), d.Serial, rec.ID, stops, devicesdb.StopSerialImplanted)
			}
		}
		// Added all the same (AddImplant never stops), it is warned about.
		rec, err := db.AddImplant(ctx, org, p.ID, devices.Device{GTIN: "09521234543213", Serial: "sn001ab", Lot: "L1", EntryType: devices.EntryManual})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(rec.Warnings, func(w devicesdb.Warning) bool { return w.Kind == "duplicate_serial" }) {
			t.Errorf("AddImplant(serial sn001ab, implanted as SN001AB elsewhere) warnings = %+v; want duplicate_serial", rec.Warnings)
		}
		h, err := db.DeviceHistory(ctx, org, "09521234543213", "Sn001Ab")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range h {
			ids = append(ids, r.ID)
		}
		if len(ids) != 2 || !slices.Contains(ids, first) || !slices.Contains(ids, rec.ID) {
			t.Errorf("DeviceHistory(serial Sn001Ab) = %v; want both records of the device (%s as SN001AB, %s as sn001ab)", ids, first, rec.ID)
		}
	})
}
