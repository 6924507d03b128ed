package devicesweb_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/devices/devicesweb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

const textGSChecked = `id="text_gs" name="text_gs" type="checkbox" value="yes" checked`

// checkTextGSSetting: the scanner setting "types the separator as text" is
// remembered per organisation, by a devices user, from the scan page or
// the settings page; the scan page's checkbox starts from it. Another
// organisation keeps its own; other roles cannot change it; the change is
// audited in words. It runs in TestDevicesScanHIBCPair, on its scan page
// (page, of client c of f), before any setting is made.
func checkTextGSSetting(t *testing.T, st *store.DB, f *webtest.Fixture, c *http.Client, page string) {
	t.Helper()
	{
		if body := webtest.Get(t, c, f.Srv.URL+page, 200); strings.Contains(body, textGSChecked) || !strings.Contains(body, `formaction="/devices/settings"`) {
			t.Fatalf("scan page before the setting: checked or no way to remember it\n%s", body)
		}
		// From the scan page: its form posts to the settings with the page to return to.
		resp, body := webtest.Do(t, c, "POST", f.Srv.URL+"/devices/settings", url.Values{"barcode": {""}, "text_gs": {"yes"}, "return": {page}}.Encode())
		if resp.StatusCode != 303 || resp.Header.Get("Location") != page+"#barcode" {
			t.Fatalf("remember text_gs: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		if body := webtest.Get(t, c, f.Srv.URL+page, 200); !strings.Contains(body, textGSChecked) || !strings.Contains(body, "Setting saved for") {
			t.Fatalf("scan page after the setting: not checked\n%s", body)
		}
		if body := webtest.Get(t, c, f.Srv.URL+"/devices/settings", 200); !strings.Contains(body, textGSChecked) {
			t.Errorf("settings page does not show the setting\n%s", body)
		}
		if body := webtest.Get(t, f.Client(t, "B/devices"), f.Srv.URL+"/devices/settings", 200); strings.Contains(body, textGSChecked) {
			t.Errorf("organisation B has organisation A's setting")
		}
		// Only the devices role changes it; a return address off the devices pages is ignored.
		for _, who := range []string{"A/cso"} {
			if resp, _ := webtest.Do(t, f.Client(t, who), "POST", f.Srv.URL+"/devices/settings", url.Values{"text_gs": {"yes"}}.Encode()); resp.StatusCode != 403 {
				t.Errorf("%s changes the setting: %d, want 403", who, resp.StatusCode)
			}
		}
		for _, ret := range []string{"//evil.example/x", "https://evil.example/", "/devices/procedures/../../admin", "/risk"} {
			resp, _ := webtest.Do(t, c, "POST", f.Srv.URL+"/devices/settings", url.Values{"return": {ret}}.Encode())
			if resp.StatusCode != 303 || resp.Header.Get("Location") != "/devices/settings" {
				t.Errorf("return %q: %d %s, want /devices/settings", ret, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		// Turned off by the last post (no text_gs): the scan page starts unticked.
		if body := webtest.Get(t, c, f.Srv.URL+page, 200); strings.Contains(body, textGSChecked) {
			t.Errorf("scan page after turning the setting off is still checked")
		}
		var n int
		if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE org_id = $1 AND action = 'devices_settings.update'`, f.OrgA.ID).Scan(&n); err != nil || n != 5 {
			t.Errorf("audit entries of the setting = %d (%v), want 5", n, err)
		}
		words := (&devicesweb.Module{}).AuditWords()
		if words["devices_settings"] == "" || words["devices_settings.update"] == "" {
			t.Errorf("no audit words for the setting: %q %q", words["devices_settings"], words["devices_settings.update"])
		}
	}
}
