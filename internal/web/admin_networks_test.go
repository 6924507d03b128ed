package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// An instance administrator creates a network, adds and removes members
// and analysts; bad input is re-rendered with its message; an
// organisation's own administrator may not manage networks.
func TestAdminNetworks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		platform, err := st.CreateUser(storetest.Operator, store.NewUser{Email: "platform@example.com", Name: "Platform Person", Password: webtest.Password,
			OrgID: f.OrgA.ID, Roles: []auth.Role{auth.Admin}, PlatformAdmin: true})
		if err != nil {
			t.Fatal(err)
		}
		f.Users["A/platform"] = platform
		c := f.Client(t, "A/platform")
		base := f.Srv.URL
		if !strings.Contains(webtest.Get(t, c, base+"/admin", 200), "/admin/networks") {
			t.Errorf("admin home does not link to networks for an instance administrator")
		}
		resp, body := webtest.Do(t, c, "POST", base+"/admin/networks", webtest.Form("name", "", "kind", "ics"))
		if resp.StatusCode != 422 || !strings.Contains(body, "Enter the network&#39;s name") {
			t.Fatalf("network without a name: %d", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, c, "POST", base+"/admin/networks", webtest.Form("name", "North ICS", "kind", "ics"))
		id := webtest.Location(t, resp, "/admin/networks/")
		resp, body = webtest.Do(t, c, "POST", base+"/admin/networks/"+id+"/members", webtest.Form("ods_code", "NOPE"))
		if resp.StatusCode != 422 || !strings.Contains(body, "Enter the ODS code of an organisation") {
			t.Fatalf("unknown member: %d", resp.StatusCode)
		}
		for _, form := range []string{webtest.Form("ods_code", "RAA"), webtest.Form("ods_code", "RBB")} {
			if resp, _ := webtest.Do(t, c, "POST", base+"/admin/networks/"+id+"/members", form); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("add member: %d", resp.StatusCode)
			}
		}
		if resp, _ := webtest.Do(t, c, "POST", base+"/admin/networks/"+id+"/analysts", webtest.Form("email", f.Users["A/analyst"].Email)); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add analyst: %d", resp.StatusCode)
		}
		body = webtest.Get(t, c, base+"/admin/networks/"+id, 200)
		if !strings.Contains(body, "Alpha Trust") || !strings.Contains(body, f.Users["A/analyst"].Email) {
			t.Errorf("network page lacks its member or analyst")
		}
		if ok, _ := st.IsNetworkAnalyst(t.Context(), id, f.Users["A/analyst"].ID); !ok {
			t.Errorf("analyst not recorded")
		}
		if resp, _ := webtest.Do(t, c, "POST", base+"/admin/networks/"+id+"/members", webtest.Form("remove", string(f.OrgB.ID))); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove member: %d", resp.StatusCode)
		}
		if ms, _ := st.NetworkMembers(t.Context(), id); len(ms) != 1 {
			t.Errorf("members after removing one: %d, want 1", len(ms))
		}
		if resp, _ := webtest.Do(t, f.Client(t, "A/admin"), "GET", base+"/admin/networks", ""); resp.StatusCode != 403 && resp.StatusCode != 404 {
			t.Errorf("an organisation's administrator on /admin/networks: %d", resp.StatusCode)
		}
	})
}
