package fhirweb_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

var tokenRE = regexp.MustCompile(`<code class="app-token">([^<]+)</code>`)

// An administrator grants FHIR scopes on the token page and through the
// tokens API; the token then reaches the FHIR API with exactly those.
func TestFHIRTokenScopesFromThePageAndAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		admin := f.Client(t, "A/admin")
		resp, body := webtest.Do(t, admin, "POST", f.Srv.URL+"/admin/tokens", url.Values{"name": {"Bad scopes"}, "scopes": {"AdverseEvent.delete"}}.Encode())
		if resp.StatusCode != 422 || !strings.Contains(body, `href="#scopes"`) {
			t.Fatalf("bad scope on the page: %d", resp.StatusCode)
		}
		resp, body = webtest.Do(t, admin, "POST", f.Srv.URL+"/admin/tokens", url.Values{"name": {"Metadata reader"}, "scopes": {"Device.read"}}.Encode())
		m := tokenRE.FindStringSubmatch(body)
		if resp.StatusCode != 201 || m == nil || !strings.Contains(body, "<code>Device.read</code>") {
			t.Fatalf("token page: %d", resp.StatusCode)
		}
		page := &client{t: t, base: f.Srv.URL + "/fhir/R4", token: m[1]}
		if code, _, _ := page.do("GET", "/Device?lot=x", ""); code != 403 { // an administrator without a devices role
			t.Errorf("page token, device search as an administrator: %d, want 403 (role)", code)
		}
		resp, body = webtest.Do(t, admin, "POST", f.Srv.URL+"/api/v1/tokens", `{"name":"FHIR","scopes":["AdverseEvent.write"]}`)
		var tok struct {
			Token  string   `json:"token"`
			Scopes []string `json:"scopes"`
		}
		if err := json.Unmarshal([]byte(body), &tok); resp.StatusCode != 201 || err != nil || len(tok.Scopes) != 1 {
			t.Fatalf("API token: %d %s", resp.StatusCode, body)
		}
		api := &client{t: t, base: f.Srv.URL + "/fhir/R4", token: tok.Token}
		if code, _, body := api.do("POST", "/AdverseEvent", incident(t, "Through a scoped token")); code != 201 {
			t.Errorf("create with the API's token: %d %s", code, body)
		}
		if code, _, _ := api.do("GET", "/Device/"+f.Users["A/admin"].ID, ""); code != 403 {
			t.Errorf("read without a read scope: %d, want 403", code)
		}
	})
}
