package devicesweb_test

import (
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/devices/devicesweb"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestEveryPageTemplateExecutes runs every page of the implanted devices wing with the typed
// data its handler passes.
func TestEveryPageTemplateExecutes(t *testing.T) {
	at := time.Date(2026, 12, 1, 14, 5, 0, 0, time.UTC)
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
			"recall":        recallSample(b),
			"recall_new":    devicesweb.DevicesNewRecallPage{Base: b},
			"recall_close":  devicesweb.DevicesRecallClosePage{Base: b, Recall: devices.Recall{ID: "r", Status: "open"}, Open: devicesdb.OpenWork{OpenActions: 2, NotStarted: 1}},
			"recalls":       devicesweb.DevicesRecallsPage{Base: b},
			"settings":      devicesweb.DevicesSettingsPage{Base: b, Settings: devicesdb.Settings{TextGS: true, UpdatedAt: &at}},
		}
	})
}

// recallSample fills every part of the recall page: the three lists, a
// device with reasons, the list with paging and a closed recall.
func recallSample(b web.Base) devicesweb.DevicesRecallPage {
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	p := devicesdb.AffectedPatient{Patient: devices.Patient{ID: "p", Name: "Ada"}, Basis: devices.BasisPossible, Status: devices.ActionToCheck, Note: "n",
		Devices: []devicesdb.AffectedDevice{{Lot: "A1", Match: devices.MatchPossible, Reasons: []string{"no lot recorded"}, ExplantedOn: "2026-01-02"}}}
	ps := []devicesdb.AffectedPatient{p}
	return devicesweb.DevicesRecallPage{Base: b, CanWrite: true, Recall: devices.Recall{ID: "r", Status: "closed", ClosedAt: &at, ClosedReason: "why",
		Rules: []devices.Rule{{Catalogue: "71-345", Kind: devices.RuleAll}}},
		Match:     devicesdb.RecallMatch{Patients: ps, Possible: ps, Explanted: ps, Truncated: true},
		Affected:  devicesweb.RecallMatchList{ID: "a", Caption: "c", Patients: ps, Total: 300, From: 101, To: 200, Prev: "/p", Next: "/n"},
		Possible:  devicesweb.RecallMatchList{ID: "b", Caption: "c", Total: 3, Prev: "/p"},
		Explanted: devicesweb.RecallMatchList{ID: "c", Caption: "c", Empty: "none"},
		List:      devicesdb.RecallPatientPage{Patients: ps, Total: 120, Offset: 50, Limit: 50}, Started: 120, Prev: "/p", Next: "/n",
		Filters:     devicesweb.RecallFilters{Statuses: []devicesweb.RecallFilter{{Value: "to_check", Label: "To check", Count: 3, Checked: true}}, Any: true},
		BasisLabels: map[string]string{devices.BasisPossible: "Possibly affected"}, Selected: map[string]bool{"p": true}}
}
