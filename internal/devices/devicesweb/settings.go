package devicesweb

import (
	"net/http"
	"regexp"

	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/web"
)

// DevicesSettingsPage is the organisation's settings of the implanted
// devices wing: the scanner setting the scan page starts from.
type DevicesSettingsPage struct {
	web.Base
	Settings devicesdb.Settings
}

func (s *Module) devicesSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.dev.Settings(r.Context(), devOrg(r))
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "devices/settings", DevicesSettingsPage{Base: s.k.Base(w, r, "Scanner settings"), Settings: st})
}

// settingsReturn are the pages the settings form may return to: a
// procedure's scan page (whose "Remember for this organisation" button
// posts its form here).
var settingsReturn = regexp.MustCompile(`^/devices/procedures/[0-9a-f-]{36}$`)

// devicesSaveSettings records whether the organisation's scanners type the
// separator as text (text_gs=yes) and returns to the scan page it came
// from, or to the settings page.
func (s *Module) devicesSaveSettings(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	on := r.PostForm.Get("text_gs") == "yes"
	if err := s.dev.SetTextGS(r.Context(), devOrg(r), on); err != nil {
		return err
	}
	to := "/devices/settings"
	if ret := r.PostForm.Get("return"); settingsReturn.MatchString(ret) {
		to = ret + "#barcode"
	}
	msg := "Setting saved for " + web.PrincipalFrom(r.Context()).Org.Name + ": "
	if on {
		msg += "scans are read with text such as <GS> as the separator."
	} else {
		msg += "text such as <GS> in a scan is read as part of a lot or serial number."
	}
	return s.k.Redirect(w, r, to, msg)
}
