package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/webtest"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// apiFields reads the per-field messages of an API error body.
func apiFields(t *testing.T, body string) map[string]string {
	t.Helper()
	var e struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("error body is not JSON: %v\n%s", err, body)
	}
	return e.Error.Fields
}

// TestBadTextRefused sends text that PostgreSQL cannot store (a NUL byte,
// bytes that are not UTF-8) through every kind of input: form fields, JSON
// strings at any depth, query parameters and path values. Each is a clear
// 4xx on both engines, never a 500.
func TestBadTextRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		admin := f.Client(t, "A/admin")
		cso := f.Client(t, "A/cso")
		dev := f.Client(t, "A/devices")
		type tc struct {
			name, method, path, body string
			want                     int
			field                    string // the field the message names (API: fields key; form: error summary link)
		}
		cases := []tc{
			{"form NUL", "POST", "/admin/users", "name=Jo%00Bloggs&email=jo%40example.com&password=a+long+enough+password&roles=reporter", 422, "name"},
			{"form invalid UTF-8", "POST", "/admin/users", "name=Jo%ffBloggs&email=jo%40example.com&password=a+long+enough+password&roles=reporter", 422, "name"},
			{"form invalid UTF-8 in a field name", "POST", "/admin/users", "na%ffme=Jo", 400, ""},
			{"multi-valued field", "POST", "/devices/procedures", "site=Theatre&site=x%00", 422, "site"},
			{"JSON NUL escape", "POST", "/api/v1/users", `{"email":"jo@example.com","name":"Jo\u0000","password":"a long enough password","roles":["reporter"]}`, 422, "name"},
			{"JSON invalid UTF-8", "POST", "/api/v1/users", "{\"email\":\"jo@example.com\",\"name\":\"Jo\xff\",\"password\":\"a long enough password\",\"roles\":[\"reporter\"]}", 422, "name"},
			{"JSON NUL in an array", "PUT", "/api/v1/users/" + f.Users["A/reporter"].ID + "/roles", `{"roles":["reporter\u0000"]}`, 422, "roles"},
			{"JSON NUL nested", "POST", "/api/v1/devices/procedures", `{"patient":{"nhs_number":"9434765919","name":"Ada\u0000"}}`, 422, "patient.name"},
			{"JSON deeply nested", "POST", "/api/v1/users", `{"roles":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "}", 400, ""},
			{"JSON deeply nested in a field", "POST", "/api/v1/users", `{"name":` + strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000) + "}", 400, ""},
			{"query NUL", "GET", "/admin/audit?action=user%00", "", 400, ""},
			{"query invalid UTF-8", "GET", "/api/v1/audit?actor=%ff", "", 400, ""},
			{"query key invalid UTF-8", "GET", "/api/v1/devices/catalogue?%ff=1", "", 400, ""},
			{"path NUL", "GET", "/admin/users/%00", "", 404, ""},
			{"path invalid UTF-8", "GET", "/api/v1/users/%ff", "", 404, ""},
			{"path not an id", "GET", "/api/v1/users/not-an-id", "", 404, ""},
			{"path id too long", "GET", "/api/v1/users/" + strings.Repeat("0", 5000), "", 404, ""},
			{"path id upper case", "POST", "/admin/tokens/" + strings.ToUpper(f.Users["A/admin"].ID) + "/revoke", "x=1", 404, ""},
			{"path second id", "PUT", "/api/v1/devices/recalls/" + f.Users["A/admin"].ID + "/patients/%ff", `{"status":"contacted"}`, 404, ""},
			{"path serial NUL", "GET", "/devices/gtin/05099990000010/serial/%00", "", 404, ""},
			{"path serial invalid UTF-8", "GET", "/devices/gtin/05099990000010/serial/%ff", "", 404, ""},
			{"path GTIN invalid UTF-8", "GET", "/api/v1/devices/gtin/%ff", "", 404, ""},
		}
		for _, c := range cases {
			client := admin
			if strings.Contains(c.path, "devices") {
				client = dev
			}
			resp, body := webtest.Do(t, client, c.method, f.Srv.URL+c.path, c.body)
			if resp.StatusCode != c.want {
				t.Errorf("%s: %s %s: status %d, want %d\n%.400s", c.name, c.method, c.path, resp.StatusCode, c.want, body)
				continue
			}
			if c.field == "" {
				continue
			}
			if strings.HasPrefix(c.path, "/api/") {
				if msg := apiFields(t, body)[c.field]; !strings.Contains(msg, "NUL") && !strings.Contains(msg, "UTF-8") {
					t.Errorf("%s: field %q message %q, want one about the text", c.name, c.field, msg)
				}
			} else if !strings.Contains(body, "&#34;"+c.field+"&#34;") || !strings.Contains(body, "NUL") && !strings.Contains(body, "UTF-8") {
				t.Errorf("%s: the page does not name the field %q and the problem", c.name, c.field)
			}
		}
		// Nothing was written.
		users, err := st.ListUsers(context.Background(), f.OrgA.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			if u.Email == "jo@example.com" {
				t.Errorf("a refused request created user %q", u.Name)
			}
		}
		// Legitimate multi-byte text is stored whole, and so is its audit
		// summary (audit.Summarise counts characters, not bytes).
		name := strings.Repeat("€", 70)
		resp, body := webtest.Do(t, cso, "POST", f.Srv.URL+"/api/v1/systems", `{"name":"MedChart","manufacturer":"Meridian","intended_use":"Prescribing","standard":"DCB0129"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("create system: %d %s", resp.StatusCode, body)
		}
		var sys struct{ ID string }
		_ = json.Unmarshal([]byte(body), &sys)
		resp, body = webtest.Do(t, cso, "POST", f.Srv.URL+"/api/v1/systems/"+sys.ID+"/hazards", `{"name":"`+name+`","description":"d","clinical_impact":"c",`+
			`"initial_severity":"major","initial_likelihood":"medium","residual_severity":"minor","residual_likelihood":"low","status":"open"}`)
		if resp.StatusCode != 201 || !strings.Contains(body, name) {
			t.Fatalf("hazard named with 70 €: %d %s", resp.StatusCode, body)
		}
		es, err := st.ListAudit(context.Background(), store.AuditFilter{OrgID: f.OrgA.ID, Action: "hazard."})
		if err != nil || len(es) == 0 {
			t.Fatalf("audit: %v, %d entries", err, len(es))
		}
		if !strings.Contains(es[0].Summary, "name: "+name+";") {
			t.Errorf("summary %q: want the whole name", es[0].Summary)
		}
		// A sign-in with a long multi-byte email is a plain failure.
		anon := f.Client(t, "")
		resp, _ = webtest.Do(t, anon, "POST", f.Srv.URL+"/login", url.Values{"email": {strings.Repeat("€", 90)}, "password": {"wrong"}}.Encode())
		if resp.StatusCode != 401 {
			t.Errorf("sign-in with 90 €: status %d, want 401", resp.StatusCode)
		}
	})
}

// TestSearchText caps the length of search text with a clear message and
// takes LIKE wildcards literally.
func TestSearchText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
		if _, err := devicesdb.New(st).ImportCatalogue(ctx, f.OrgA.ID, []devices.Product{
			{GTIN: webtest.GTIN(1), Manufacturer: "Fictional Ortho", Brand: "Strata", Model: "Knee K2", DeviceType: 89},
			{GTIN: webtest.GTIN(2), Manufacturer: "Other_Maker", Brand: "Hip", Model: "100%", DeviceType: 89},
		}); err != nil {
			t.Fatal(err)
		}
		dev := f.Client(t, "A/devices")
		long := strings.Repeat("x%", 25000)
		resp, body := webtest.Do(t, dev, "GET", f.Srv.URL+"/devices/catalogue?q="+url.QueryEscape(long), "")
		if resp.StatusCode != 422 || !strings.Contains(body, "200 characters or fewer") || !strings.Contains(body, `id="q-error"`) {
			t.Errorf("catalogue page, 50,000 characters: %d", resp.StatusCode)
		}
		resp, body = webtest.Do(t, dev, "GET", f.Srv.URL+"/api/v1/devices/catalogue?q="+url.QueryEscape(long), "")
		if resp.StatusCode != 422 || !strings.Contains(apiFields(t, body)["q"], "200 characters or fewer") {
			t.Errorf("catalogue API, 50,000 characters: %d %s", resp.StatusCode, body)
		}
		admin := f.Client(t, "A/admin")
		resp, body = webtest.Do(t, admin, "GET", f.Srv.URL+"/api/v1/audit?action="+url.QueryEscape(long), "")
		if resp.StatusCode != 422 || !strings.Contains(apiFields(t, body)["action"], "200 characters or fewer") {
			t.Errorf("audit API, 50,000 characters: %d %s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, admin, "GET", f.Srv.URL+"/admin/audit?action="+url.QueryEscape(long), "")
		if resp.StatusCode != 422 || !strings.Contains(body, `id="action-error"`) {
			t.Errorf("audit page, 50,000 characters: %d", resp.StatusCode)
		}
		for q, want := range map[string]int{"%": 1, "_": 1, "100%": 1, "Other_": 1, "Ortho": 1, "%Ortho": 0, "O_her": 0} {
			resp, body := webtest.Do(t, dev, "GET", f.Srv.URL+"/api/v1/devices/catalogue?q="+url.QueryEscape(q), "")
			var got struct{ Items []devices.Product }
			if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &got) != nil {
				t.Fatalf("search %q: %d %s", q, resp.StatusCode, body)
			}
			if len(got.Items) != want {
				t.Errorf("search %q: %d products, want %d", q, len(got.Items), want)
			}
		}
	})
}

// TestSignInNext keeps the destination after sign-in to a local path
// without control characters.
func TestSignInNext(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		u := f.Users["A/reporter"]
		signed := f.Client(t, "A/reporter")
		for next, want := range map[string]string{
			"/risk":                 "/risk",
			"/devices?q=knee":       "/devices?q=knee",
			"/\t/evil.example":      "/",
			"/\r\nSet-Cookie: a=b":  "/",
			"/ok\n":                 "/",
			"/\x7f":                 "/",
			"//evil.example":        "/",
			"/\\evil.example":       "/",
			"https://evil.example/": "/",
			"/\xff":                 "/",
		} {
			anon := f.Client(t, "")
			resp, _ := webtest.Do(t, anon, "POST", f.Srv.URL+"/login", url.Values{"email": {u.Email}, "password": {webtest.Password}, "next": {next}}.Encode())
			if got := resp.Header.Get("Location"); resp.StatusCode != 303 && resp.StatusCode != 422 || resp.StatusCode == 303 && got != want {
				t.Errorf("sign in with next %q: %d to %q, want 303 to %q", next, resp.StatusCode, got, want)
			}
			resp, _ = webtest.Do(t, signed, "GET", f.Srv.URL+"/login?next="+url.QueryEscape(next), "")
			if got := resp.Header.Get("Location"); resp.StatusCode != 303 && resp.StatusCode != 400 || resp.StatusCode == 303 && got != want {
				t.Errorf("signed in, GET /login?next=%q: %d to %q, want 303 to %q", next, resp.StatusCode, got, want)
			}
		}
	})
}
