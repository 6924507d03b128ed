package devicesweb_test

import (
	"testing"

	"github.com/clinsafe/clinsafe/internal/devices/devicesweb"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestEveryPageTemplateExecutes runs every page of the implanted devices wing with the typed
// data its handler passes.
func TestEveryPageTemplateExecutes(t *testing.T) {
	webtest.EveryPage(t, "devices", func(b web.Base) map[string]any {
		return map[string]any{
			"catalogue":     devicesweb.DevicesCataloguePage{Base: b},
			"device":        devicesweb.DevicesDevicePage{Base: b},
			"home":          devicesweb.DevicesHome{Base: b},
			"patient":       devicesweb.DevicesPatientPage{Base: b},
			"procedure":     devicesweb.DevicesProcedurePage{Base: b},
			"procedure_new": devicesweb.DevicesNewProcedurePage{Base: b},
			"procedures":    devicesweb.DevicesProceduresPage{Base: b},
			"recall":        devicesweb.DevicesRecallPage{Base: b},
			"recall_new":    devicesweb.DevicesNewRecallPage{Base: b},
			"recalls":       devicesweb.DevicesRecallsPage{Base: b},
		}
	})
}
