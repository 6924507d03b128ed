package bulkweb_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/fhir/bulk/bulkweb"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirtest"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestEveryPageTemplateExecutes(t *testing.T) {
	webtest.EveryPage(t, "bulk", func(b web.Base) map[string]any {
		return map[string]any{"exports": bulkweb.ExportsPage{Base: b, Jobs: []bulkweb.ExportRow{{Created: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), Types: "AdverseEvent,Device", Status: "done", By: "H"}}}}
	})
}

func incident(desc string) events.Record {
	return events.Record{Type: events.Incident, Answers: events.Answers{
		events.AnsDescription: {desc}, events.AnsWhenKind: {"exact"},
		events.AnsDate: {"2026-11-23"}, events.AnsTime: {"08:40"}, events.AnsLocation: {"Ward 7"}, events.AnsServiceArea: {"acute"},
		events.AnsAgents: {events.AgentMedication}, events.AnsPatientsSaid: {"y"}, events.AnsConcern: {"4"}, events.AnsReporterRole: {"nurse"}, events.AnsDataSharing: {events.DataShare},
	}, Groups: map[string][]events.Answers{
		events.GroupPatients:  {{events.PatPhysical: {"4"}, events.PatPsych: {"4"}, events.PatAssociation: {"5"}}},
		events.GroupMedicines: {{"name": {"Warfarin"}}},
	}}
}

type bearer struct {
	tok string
	rt  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.tok)
	return b.rt.RoundTrip(r)
}

func tokenClient(t *testing.T, st *store.DB, f *webtest.Fixture, key string, org store.Org, scopes ...string) *http.Client {
	if len(scopes) == 0 {
		scopes = []string{"*.read", "AdverseEvent.write"}
	}
	_, tok, err := st.CreateScopedToken(storetest.Operator, org.ID, f.Users[key].ID, "bulk "+key, nil, scopes, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: bearer{tok, http.DefaultTransport}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func TestExportKickOffPollManifestFilesAndCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		nurse := f.Users["A/reporter"]
		for _, d := range []string{"First", "Second"} {
			if _, err := eventsdb.New(st).Report(storetest.As(nurse), f.OrgA.ID, incident(d+" dose given twice"), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID}); err != nil {
				t.Fatal(err)
			}
		}
		h := tokenClient(t, st, f, "A/handler", f.OrgA)
		base := f.Srv.URL + "/fhir/R4"
		async := []string{"Prefer", "respond-async"}
		for _, c := range []struct {
			path string
			hdr  []string
			want int
			expr string
		}{
			{"/$export", nil, 400, ""},
			{"/$export?_type=Patient", async, 400, "_type"},
			{"/$export?_since=yesterday", async, 400, "_since"},
			{"/$export?_outputFormat=text/csv", async, 400, "_outputFormat"},
			{"/AdverseEvent/$export?_type=Device", async, 400, "_type"},
		} {
			resp, body := webtest.Do(t, h, "GET", base+c.path, "", c.hdr...)
			if resp.StatusCode != c.want || !strings.Contains(body, `"resourceType":"OperationOutcome"`) || (c.expr != "" && !strings.Contains(body, `"`+c.expr+`"`)) {
				t.Errorf("GET %s: %d %s; want %d and an OperationOutcome naming %q", c.path, resp.StatusCode, body, c.want, c.expr)
			}
		}
		if resp, body := webtest.Do(t, tokenClient(t, st, f, "A/reporter", f.OrgA), "GET", base+"/AdverseEvent/$export", "", async...); resp.StatusCode != 403 || !strings.Contains(body, "OperationOutcome") {
			t.Errorf("a reporter's export: %d %s, want a 403 OperationOutcome", resp.StatusCode, body)
		}
		if resp, _ := webtest.Do(t, tokenClient(t, st, f, "A/handler", f.OrgA, "Device.read"), "GET", base+"/AdverseEvent/$export", "", async...); resp.StatusCode != 403 {
			t.Errorf("an export by a token without AdverseEvent.read: %d, want 403", resp.StatusCode)
		}

		resp, _ := webtest.Do(t, h, "GET", base+"/AdverseEvent/$export?_since=2020-01-01T00:00:00Z", "", async...)
		loc := resp.Header.Get("Content-Location")
		if resp.StatusCode != 202 || !strings.Contains(loc, "/fhir/R4/bulk/") {
			t.Fatalf("kick-off: %d, Content-Location %q; want 202 and a status URL", resp.StatusCode, loc)
		}
		status := f.Srv.URL + loc[strings.Index(loc, "/fhir/R4/bulk/"):]
		var manifest struct {
			Output []struct {
				Type, URL string
				Count     int
			}
			RequiresAccessToken bool
		}
		for i := 0; ; i++ {
			resp, body := webtest.Do(t, h, "GET", status, "")
			if resp.StatusCode == 202 {
				if resp.Header.Get("X-Progress") == "" || resp.Header.Get("Retry-After") == "" {
					t.Errorf("polling answer without X-Progress and Retry-After")
				}
				if i > 200 {
					t.Fatal("export did not finish")
				}
				time.Sleep(50 * time.Millisecond)
				continue
			}
			if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &manifest) != nil {
				t.Fatalf("status: %d %s", resp.StatusCode, body)
			}
			break
		}
		if len(manifest.Output) != 1 || manifest.Output[0].Type != "AdverseEvent" || manifest.Output[0].Count != 2 || !manifest.RequiresAccessToken {
			t.Fatalf("manifest %+v, want one AdverseEvent file of 2", manifest)
		}
		file := f.Srv.URL + manifest.Output[0].URL[strings.Index(manifest.Output[0].URL, "/fhir/R4/bulk/"):]
		resp, body := webtest.Do(t, h, "GET", file, "")
		lines := strings.Split(strings.TrimSpace(body), "\n")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/fhir+ndjson" || len(lines) != 2 {
			t.Fatalf("file: %d %q, %d lines; want 2 NDJSON lines", resp.StatusCode, resp.Header.Get("Content-Type"), len(lines))
		}
		for _, l := range lines {
			fhirtest.Validate(t, []byte(l))
		}
		// Another organisation sees neither the job nor its files.
		other := tokenClient(t, st, f, "B/handler", f.OrgB)
		if resp, _ := webtest.Do(t, other, "GET", status, ""); resp.StatusCode != 404 {
			t.Errorf("another organisation's status: %d, want 404", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, other, "GET", file, ""); resp.StatusCode != 404 {
			t.Errorf("another organisation's file: %d, want 404", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, h, "DELETE", status, ""); resp.StatusCode != 202 {
			t.Fatalf("cancel: %d, want 202", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, h, "GET", status, ""); resp.StatusCode != 404 {
			t.Errorf("status after cancel: %d, want 404", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, h, "GET", file, ""); resp.StatusCode != 404 {
			t.Errorf("file after cancel: %d, want 404", resp.StatusCode)
		}
		page := webtest.Get(t, f.Client(t, "A/admin"), f.Srv.URL+"/admin/exports", 200)
		if !strings.Contains(page, "AdverseEvent") {
			t.Errorf("exports page does not list the export")
		}

		// Import: one bad line in the middle stores nothing.
		im := tokenClient(t, st, f, "B/handler", f.OrgB)
		bad := lines[0] + "\n" + `{"resourceType":"AdverseEvent","status":1}` + "\n" + lines[1] + "\n"
		resp, body = webtest.Do(t, im, "POST", base+"/AdverseEvent/$import", bad, "Content-Type", "application/fhir+ndjson")
		if resp.StatusCode != 422 || !strings.Contains(body, "line 2: ") {
			t.Fatalf("import with a bad line 2: %d %s; want 422 naming line 2", resp.StatusCode, body)
		}
		var n int
		if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM events WHERE org_id = $1`, f.OrgB.ID).Scan(&n); err != nil || n != 0 {
			t.Fatalf("events in B after a refused import: %d (%v), want 0", n, err)
		}
		if resp, _ := webtest.Do(t, im, "POST", base+"/AdverseEvent/$import", lines[0], "Content-Type", "application/json"); resp.StatusCode != 415 {
			t.Errorf("import as application/json: %d, want 415", resp.StatusCode)
		}
		resp, body = webtest.Do(t, im, "POST", base+"/AdverseEvent/$import", strings.Join(lines, "\n"), "Content-Type", "application/fhir+ndjson")
		if resp.StatusCode != 200 || !strings.Contains(body, "2 AdverseEvents imported") {
			t.Fatalf("import: %d %s", resp.StatusCode, body)
		}
	})
}
