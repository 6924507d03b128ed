package devicesweb_test

import (
	"testing"

	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/devices/devicesweb"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestEveryPageTemplateExecutes runs every page of the implanted devices wing with the typed
// data its handler passes.
func TestEveryPageTemplateExecutes(t *testing.T) {
	webtest.EveryPage(t, "devices", func(b web.Base) map[string]any {
		return map[string]any{
			"catalogue": devicesweb.DevicesCataloguePage{Base: b},
			"device":    devicesweb.DevicesDevicePage{Base: b},
			"home":      devicesweb.DevicesHome{Base: b},
			"patient":   devicesweb.DevicesPatientPage{Base: b},
			"procedure": devicesweb.DevicesProcedurePage{Base: b, CanWrite: true,
				Proc: devicesdb.ProcedureDetail{Implants: []devicesdb.ImplantRecord{{ID: "i1", Device: devices.Device{Labeler: "A123", Catalogue: "BJC5", Lot: "L1", Serial: "S1"}}}},
				Stop: &devicesweb.ScanStop{Action: "/x", Hidden: []devicesweb.Hidden{{Name: "barcode", Value: "01"}}, Device: devices.Device{GTIN: "09521234543213", Expiry: "2025-01-01"},
					Stops: []devicesdb.Stop{{Kind: devicesdb.StopExpired, Message: "expired"}}, Error: "Enter why"},
				Choice: &devicesweb.ScanChoice{Action: "/x", Barcode: "01", Readings: []devices.Reading{{ElementString: "01", Lot: "A", Expiry: "2026-12-31"}, {ElementString: "02"}}}},
			"procedure_new": devicesweb.DevicesNewProcedurePage{Base: b},
			"procedures":    devicesweb.DevicesProceduresPage{Base: b},
			"recall":        devicesweb.DevicesRecallPage{Base: b},
			"recall_new":    devicesweb.DevicesNewRecallPage{Base: b},
			"recalls":       devicesweb.DevicesRecallsPage{Base: b},
		}
	})
}
