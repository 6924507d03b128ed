package knowledgeweb_test

import (
	"net/http"
	"strings"
	"testing"

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
