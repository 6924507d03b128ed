package knowledgeweb_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// Bad input: malicious Markdown is sanitised on the page, an oversize body
// is 413, unknown kinds and tags 422, another organisation's private
// document 404; a public document is on the public library without
// signing in, and a private one is not.
func TestKnowledgeBadInputAndSharing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		evil := "# Hi\n\n<script>alert(1)</script><iframe src=\"https://x.example\"></iframe>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>"
		resp, _ := webtest.Do(t, cso, "POST", f.Srv.URL+"/knowledge/documents", webtest.Form("kind", "guidance", "title", "Evil", "body", evil, "sharing", "public", "tags", "medication"))
		loc := "/knowledge/documents/" + webtest.Location(t, resp, "/knowledge/documents/")
		page := webtest.Get(t, cso, f.Srv.URL+loc, 200)
		for _, bad := range []string{"<script>alert", "<iframe", "javascript:alert", "onerror="} {
			if strings.Contains(page, bad) {
				t.Errorf("document page has %q", bad)
			}
		}
		id := strings.TrimPrefix(loc, "/knowledge/documents/")
		var version string
		if err := st.SQL().QueryRow(`SELECT CAST(version AS TEXT) FROM knowledge_documents WHERE id = $1`, id).Scan(&version); err != nil {
			t.Fatal(err)
		}
		resp, _ = webtest.Do(t, cso, "POST", f.Srv.URL+loc+"/publish", webtest.Form("version", version))
		webtest.Location(t, resp, "/knowledge/documents/")

		for _, c := range []struct {
			name, method, path, body string
			client                   *http.Client
			want                     int
		}{
			{"oversize body", "POST", "/knowledge/documents", webtest.Form("kind", "guidance", "title", "Big", "body", strings.Repeat("x", 200_001)), cso, 413},
			{"oversize body, API", "POST", "/api/v1/knowledge/documents", `{"kind":"guidance","title":"Big","body":"` + strings.Repeat("x", 200_001) + `"}`, cso, 413},
			{"unknown kind", "POST", "/api/v1/knowledge/documents", `{"kind":"memo","title":"T","body":"B"}`, cso, 422},
			{"unknown tag", "POST", "/api/v1/knowledge/documents", `{"kind":"guidance","title":"T","body":"B","tags":["nonsense"]}`, cso, 422},
			{"unknown kind filter", "GET", "/api/v1/knowledge/documents?kind=memo", "", cso, 422},
			{"unknown tag filter", "GET", "/knowledge?tag=nonsense", "", cso, 422},
			{"version number out of range", "GET", "/knowledge/documents/" + id + "?v=99999999999999999999999", "", cso, 404},
			{"version number out of range, API", "GET", "/api/v1/knowledge/documents/" + id + "/versions/99999999999999999999999", "", cso, 404},
			{"diff out of range", "GET", "/knowledge/documents/" + id + "/diff?from=99999999999999999999999&to=99999999999999999999999", "", cso, 422},
			{"huge search, public", "GET", "/library?q=" + strings.Repeat("x%25", 25_000), "", cso, 422},
			{"huge search", "GET", "/knowledge?q=" + strings.Repeat("x%25", 25_000), "", cso, 422},
			{"another organisation's private document", "GET", "/knowledge/documents/" + id, "", f.Client(t, "B/cso"), 200},
		} {
			resp, body := webtest.Do(t, c.client, c.method, f.Srv.URL+c.path, c.body)
			if resp.StatusCode != c.want {
				t.Errorf("%s: %d, want %d: %.200s", c.name, resp.StatusCode, c.want, body)
			}
		}
		// Public: anyone reads it without signing in; B reads it too.
		anon := &http.Client{}
		if body := webtest.Get(t, anon, f.Srv.URL+"/library/"+f.OrgA.ODSCode+"?q=hi", 200); !strings.Contains(body, "Evil") || strings.Contains(body, "noindex") {
			t.Errorf("public library search does not find the public document, or is not indexable")
		}
		// A private document: B gets 404, the public library does not list it.
		resp, _ = webtest.Do(t, cso, "POST", f.Srv.URL+"/knowledge/documents", webtest.Form("kind", "guidance", "title", "Secretum", "body", "Private text", "sharing", "private"))
		priv := webtest.Location(t, resp, "/knowledge/documents/")
		if resp, _ := webtest.Do(t, f.Client(t, "B/cso"), "GET", f.Srv.URL+"/knowledge/documents/"+priv, ""); resp.StatusCode != 404 {
			t.Errorf("B reads A's private document: %d, want 404", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, anon, "GET", f.Srv.URL+"/library/"+f.OrgA.ODSCode+"/documents/"+priv, ""); resp.StatusCode != 404 {
			t.Errorf("public page of a private document: %d, want 404", resp.StatusCode)
		}
		if body := webtest.Get(t, anon, f.Srv.URL+"/library", 200); strings.Contains(body, "Secretum") {
			t.Errorf("the instance library lists a private document")
		}
	})
}

// An owner whose document is past its review date is told on the home page.
func TestOverdueReviewOnHomePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		resp, body := webtest.Do(t, cso, "POST", f.Srv.URL+"/api/v1/knowledge/documents", `{"kind":"guidance","title":"Old advice","body":"Text","review_on":"2020-01-31"}`, "Content-Type", "application/json")
		if resp.StatusCode != 201 {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		id := strings.TrimPrefix(resp.Header.Get("Location"), "/api/v1/knowledge/documents/")
		if home := webtest.Get(t, cso, f.Srv.URL+"/", 200); strings.Contains(home, "overdue for review") {
			t.Errorf("a draft (never published) is flagged for review")
		}
		if resp, body := webtest.Do(t, cso, "POST", f.Srv.URL+"/api/v1/knowledge/documents/"+id+"/publish", `{"version":1}`, "Content-Type", "application/json"); resp.StatusCode != 200 {
			t.Fatalf("publish: %d %s", resp.StatusCode, body)
		}
		if home := webtest.Get(t, cso, f.Srv.URL+"/", 200); !strings.Contains(home, "1 document you own is overdue for review") || !strings.Contains(home, "Old advice") {
			t.Errorf("the owner's home page does not flag the overdue review")
		}
		if home := webtest.Get(t, f.Client(t, "A/handler"), f.Srv.URL+"/", 200); strings.Contains(home, "overdue for review") {
			t.Errorf("someone who does not own it is told of its review")
		}
	})
}

// Organisation B's private documents, and the drafts of its shared ones,
// never appear in organisation A's hub, its search results, the public
// library or the documents API, whoever of A asks; B's public documents
// do, and its network documents once A shares a network with B.
func TestPrivateDocumentsNeverCrossOrganisations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		csoB := f.Client(t, "B/cso")
		publish := func(sharing, title, body string) string {
			t.Helper()
			b, _ := json.Marshal(map[string]any{"kind": "guidance", "title": title, "summary": title + " in brief", "body": body, "sharing": sharing, "tags": []string{"medication"}})
			resp, got := webtest.Do(t, csoB, "POST", f.Srv.URL+"/api/v1/knowledge/documents", string(b), "Content-Type", "application/json")
			if resp.StatusCode != 201 {
				t.Fatalf("create %s: %d %s", title, resp.StatusCode, got)
			}
			id := strings.TrimPrefix(resp.Header.Get("Location"), "/api/v1/knowledge/documents/")
			if resp, got := webtest.Do(t, csoB, "POST", f.Srv.URL+"/api/v1/knowledge/documents/"+id+"/publish", `{"version":1}`, "Content-Type", "application/json"); resp.StatusCode != 200 {
				t.Fatalf("publish %s: %d %s", title, resp.StatusCode, got)
			}
			return id
		}
		priv := publish("private", "Privatum Bravo insulin", "Quokkaprivatebody insulin advice")
		publish("network", "Retis Bravo insulin", "Wombatnetworkbody insulin advice")
		pub := publish("public", "Publicum Bravo insulin", "Numbatpublicbody insulin advice")
		// A draft of the next version of the public document.
		b, _ := json.Marshal(map[string]any{"version": 2, "kind": "guidance", "title": "Publicum Bravo insulin", "body": "Dingodraftbody insulin advice", "sharing": "public"})
		if resp, got := webtest.Do(t, csoB, "PATCH", f.Srv.URL+"/api/v1/knowledge/documents/"+pub, string(b), "Content-Type", "application/json"); resp.StatusCode != 200 {
			t.Fatalf("draft: %d %s", resp.StatusCode, got)
		}
		// The private document's id too, which no search echoes.
		never := []string{"Privatum", "Quokkaprivatebody", "Dingodraftbody", priv}
		anon := &http.Client{}
		pages := func(c *http.Client, signedIn bool) map[string]string {
			t.Helper()
			paths := []string{"/library", "/library?q=insulin", "/library?q=Privatum", "/library?q=Quokkaprivatebody", "/library?q=Dingodraftbody", "/library/" + f.OrgB.ODSCode, "/library/" + f.OrgB.ODSCode + "?q=insulin"}
			if signedIn {
				paths = append(paths, "/knowledge", "/knowledge?q=insulin", "/knowledge?q=Privatum", "/knowledge?q=Quokkaprivatebody", "/knowledge?q=Dingodraftbody", "/knowledge?tag=medication",
					"/api/v1/knowledge/documents", "/api/v1/knowledge/documents?q=insulin", "/api/v1/knowledge/documents?q=Privatum", "/api/v1/knowledge/documents?q=Quokkaprivatebody",
					"/api/v1/knowledge/documents?q=Dingodraftbody", "/api/v1/knowledge/documents?kind=guidance&limit=100")
			}
			out := map[string]string{}
			for _, p := range paths {
				out[p] = webtest.Get(t, c, f.Srv.URL+p, 200)
			}
			return out
		}
		check := func(who string, c *http.Client, signedIn, network bool) {
			t.Helper()
			got := pages(c, signedIn)
			for p, body := range got {
				u, _ := url.Parse(p)
				for _, m := range never {
					// A search for the marker shows what was searched for.
					if m != u.Query().Get("q") && strings.Contains(body, m) {
						t.Errorf("%s: %s shows B's private %q", who, p, m)
					}
				}
				if shared := signedIn && network; !shared && (strings.Contains(body, "Retis Bravo") || strings.Contains(body, "Wombatnetworkbody")) {
					t.Errorf("%s: %s shows B's network document to someone outside B's networks", who, p)
				}
			}
			// The checks can fail: what B shares is found.
			for _, p := range []string{"/library?q=insulin", "/knowledge?q=insulin", "/api/v1/knowledge/documents?q=insulin"} {
				if body, ok := got[p]; ok && (!strings.Contains(body, "Publicum Bravo") || !strings.Contains(body, pub)) {
					t.Errorf("%s: %s does not find B's public document", who, p)
				}
			}
			if network && !strings.Contains(got["/knowledge?q=insulin"], "Retis Bravo") {
				t.Errorf("%s: B's network document is not found by a member of the network", who)
			}
		}
		for _, who := range []string{"A/cso", "A/reporter", "A/admin"} {
			check(who, f.Client(t, who), true, false)
		}
		check("anyone", anon, false, false)
		op := audit.WithActor(context.Background(), audit.Actor{Name: "test", Operator: true})
		n, err := st.CreateNetwork(op, store.Network{Name: "ICS", Kind: "ics"})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []store.Org{f.OrgA, f.OrgB} {
			if err := st.SetNetworkMember(op, o.ID, n.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		for _, who := range []string{"A/cso", "A/reporter"} {
			check(who+" in B's network", f.Client(t, who), true, true)
		}
		check("anyone, with B in a network", anon, false, false)
	})
}
