package riskweb_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"

	"github.com/xuri/excelize/v2"
)

// ownLogCSV is a CSO's hazard log in a layout of its own: a title row, then
// a header, hazard 7 on two rows (two mitigations) and hazard 9 on one.
const ownLogCSV = "Ward systems hazard log\n" +
	"ID,Hazard title,Effect on patient,Severity (pre),Likelihood (pre),Mitigation,Mitigation type,Manufacturer / deployer,Action,Owner,Due date,Status,Notes\n" +
	"7,Wrong dose shown,Overdose,Major,Medium,Show units on every dose,Design,Manufacturer,Add units to the label,Dev team,1 December 2026,Open,seen in testing\n" +
	"7,,,,,Pharmacist checks high-risk doses,Business process change,Deployer,,,,,\n" +
	"9,Record not saved,Delayed care,4,2,,,,Confirm save message,CSO,15/01/2027,Open,\n"

var (
	uploadRE   = regexp.MustCompile(`name="upload" value="([^"]*)"`)
	selectedRE = regexp.MustCompile(`(?s)<select[^>]*id="(map-[a-z_]+)".*?</select>`)
	chosenRE   = regexp.MustCompile(`<option value="(\d+)" selected>`)
)

// chosen returns the column chosen for each field on a mapping page.
func chosen(body string) map[string]string {
	out := map[string]string{}
	for _, m := range selectedRE.FindAllStringSubmatch(body, -1) {
		if c := chosenRE.FindStringSubmatch(m[0]); c != nil {
			out[m[1]] = c[1]
		}
	}
	return out
}

// mappingForm is the mapping step's form as the page would post it, with
// the choices in set changed.
func mappingForm(t *testing.T, body, step string, set ...string) string {
	t.Helper()
	m := uploadRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the mapping page has no upload field")
	}
	kv := []string{"upload", html.UnescapeString(m[1]), "filename", "ward-log.csv", "step", step}
	ch := chosen(body)
	for i := 0; i+1 < len(set); i += 2 {
		ch[set[i]] = set[i+1]
	}
	for k, v := range ch {
		kv = append(kv, k, v)
	}
	return webtest.Form(kv...)
}

// A CSO imports their own spreadsheet: clinsafe guesses the columns and
// shows a preview, the CSO adjusts a column, bad choices are refused with
// per-row problems and nothing written, the import is all or nothing, and
// the mapping is remembered for the organisation's next file with the same
// header (not for another organisation).
func TestImportOwnSpreadsheet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		base := f.Srv.URL
		newSystem := func(c *http.Client, name string) string {
			resp, _ := webtest.Do(t, c, "POST", base+"/risk/systems", webtest.Form("name", name, "manufacturer", "Meridian", "intended_use", "Prescribing", "standard", "DCB0160"))
			return webtest.Location(t, resp, "/risk/systems/")
		}
		sysID := newSystem(cso, "Ward systems")
		imp := base + "/risk/systems/" + sysID + "/import"
		count := func() int {
			hs, err := riskdb.New(st).ListHazards(t.Context(), f.OrgA.ID, sysID)
			if err != nil {
				t.Fatal(err)
			}
			return len(hs)
		}

		resp, body := webtest.Upload(t, cso, imp, "ward-log.csv", []byte(ownLogCSV))
		if resp.StatusCode != 200 || !strings.Contains(body, "Match the columns of your hazard log") || !strings.Contains(body, `id="import-preview"`) ||
			!strings.Contains(body, "HAZ-007 Wrong dose shown") || !strings.Contains(body, "2 controls, 1 actions") || !strings.Contains(body, "Import 2 hazards") {
			t.Fatalf("upload of an own layout: got %d, want 200 with the guessed mapping and a preview\n%.3000s", resp.StatusCode, body)
		}
		guess := chosen(body)
		if guess["map-name"] != "1" || guess["map-control_side"] != "7" || guess["map-action_due"] != "10" || guess["map-description"] != "" {
			t.Errorf("guessed mapping: got %v", guess)
		}
		if count() != 0 {
			t.Fatalf("the mapping step wrote hazards")
		}

		// A wrong choice: the preview names the rows, nothing is written.
		resp, body = webtest.Do(t, cso, "POST", imp, mappingForm(t, body, "preview", "map-initial_likelihood", "12"))
		if resp.StatusCode != 422 || !strings.Contains(body, `likelihood &#34;seen in testing&#34; is not one of`) || !strings.Contains(body, "Rows that could not be read") {
			t.Fatalf("preview with a wrong column: got %d, want 422 naming the row\n%.3000s", resp.StatusCode, body)
		}
		resp, body2 := webtest.Do(t, cso, "POST", imp, mappingForm(t, body, "import", "map-initial_likelihood", "12"))
		if resp.StatusCode != 422 || count() != 0 {
			t.Fatalf("import with a wrong column: got %d and %d hazards, want 422 and none", resp.StatusCode, count())
		}
		// Bad input is a 422, never a 500.
		for name, form := range map[string]string{
			"column not a number":   mappingForm(t, body2, "import", "map-name", "B"),
			"column out of range":   mappingForm(t, body2, "import", "map-name", "99"),
			"column chosen twice":   mappingForm(t, body2, "import", "map-description", "1"),
			"required field absent": mappingForm(t, body2, "import", "map-name", ""),
			"upload not base64":     strings.Replace(mappingForm(t, body2, "import"), "upload=", "upload=%25%25%25", 1),
			"no upload":             webtest.Form("step", "import", "filename", "x.csv"),
			"upload as json":        webtest.Form("step", "import", "filename", "x.json", "upload", "e30="),
		} {
			resp, b := webtest.Do(t, cso, "POST", imp, form)
			if resp.StatusCode != 422 || !strings.Contains(b, "nhsuk-error-summary") {
				t.Errorf("%s: got %d, want 422 with an error summary", name, resp.StatusCode)
			}
		}
		if count() != 0 {
			t.Fatalf("bad mapping forms wrote %d hazards", count())
		}

		// The CSO adds the Notes column as the description and imports.
		resp, _ = webtest.Do(t, cso, "POST", imp, mappingForm(t, body2, "import", "map-initial_likelihood", "4", "map-description", "12"))
		webtest.Location(t, resp, "/risk/systems/"+sysID)
		hs, _ := riskdb.New(st).ListHazards(t.Context(), f.OrgA.ID, sysID)
		if len(hs) != 2 || hs[0].Name != "Wrong dose shown" || hs[0].Description != "seen in testing" || len(hs[0].Controls) != 2 ||
			hs[0].Controls[1].Side != risk.Deployer || hs[1].InitialSeverity != risk.Major || hs[1].InitialLikelihood != risk.Low ||
			hs[1].Actions[0].Due.Format("2006-01-02") != "2027-01-15" {
			t.Fatalf("imported hazards: got %+v", hs)
		}

		// Next time, the same header gets the remembered mapping.
		sys2 := newSystem(cso, "Ward systems 2")
		resp, body = webtest.Upload(t, cso, base+"/risk/systems/"+sys2+"/import", "ward-log.csv", []byte(strings.ReplaceAll(ownLogCSV, "Hazard title", "HAZARD  TITLE")))
		if resp.StatusCode != 200 || !strings.Contains(body, "the last time it imported a file with the same column names") || chosen(body)["map-description"] != "12" {
			t.Errorf("second upload: got %d, remembered description column %q, want 200 and column 12", resp.StatusCode, chosen(body)["map-description"])
		}
		// Another organisation's CSO gets the guess, not A's mapping.
		bcso := f.Client(t, "B/cso")
		sysB := newSystem(bcso, "B systems")
		_, body = webtest.Upload(t, bcso, base+"/risk/systems/"+sysB+"/import", "ward-log.csv", []byte(ownLogCSV))
		if strings.Contains(body, "the last time") || chosen(body)["map-description"] != "" {
			t.Errorf("organisation B got organisation A's mapping")
		}
		// Org B cannot post into org A's system.
		if resp, _ := webtest.Do(t, bcso, "POST", imp, mappingForm(t, body, "import")); resp.StatusCode != 404 {
			t.Errorf("org B posting a mapping into org A's system: got %d, want 404", resp.StatusCode)
		}
	})
}

// The spreadsheet exports of the current log say it is a working copy, and
// those of an issued version name it with its content hash; neither holds
// an internal id or an RFC 3339 time, while the JSON export keeps them.
func TestExportSheetSaysWhatItIs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		base := f.Srv.URL
		resp, _ := webtest.Do(t, cso, "POST", base+"/risk/systems", webtest.Form("name", "ePMA", "manufacturer", "Meridian", "intended_use", "Prescribing", "standard", "DCB0160"))
		sysID := webtest.Location(t, resp, "/risk/systems/")
		u := f.Users["A/cso"]
		h, err := riskdb.New(st).CreateHazard(storetest.As(u), f.OrgA.ID, sysID, storetest.SampleHazard("Wrong patient"))
		if err != nil {
			t.Fatal(err)
		}
		rfc3339 := regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}`)
		sheet := func(u string) map[string]string {
			x, err := excelize.OpenReader(strings.NewReader(webtest.Get(t, cso, u, 200)))
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			about := map[string]string{}
			for _, s := range x.GetSheetList() {
				rows, _ := x.GetRows(s)
				for _, r := range rows {
					for _, c := range r {
						if strings.Contains(c, h.Hazard.ID) || rfc3339.MatchString(c) {
							t.Errorf("%s, sheet %s: cell %q holds an id or an RFC 3339 time", u, s, c)
						}
					}
					if s == "About" && len(r) > 1 {
						about[r[0]] = r[1]
					}
				}
			}
			return about
		}
		if s := sheet(base + "/risk/systems/" + sysID + "/export?format=xlsx")["Status"]; !strings.Contains(s, "NOT an issued version") {
			t.Errorf("current log export: status %q, want it to say it is not an issued version", s)
		}
		if csv := webtest.Get(t, cso, base+"/risk/systems/"+sysID+"/export?format=csv", 200); strings.Contains(csv, h.Hazard.ID) || rfc3339.MatchString(csv) {
			t.Errorf("CSV export holds an id or an RFC 3339 time:\n%s", csv)
		}
		sg, err := st.VerifySigner(storetest.As(u), webtest.Password)
		if err != nil {
			t.Fatal(err)
		}
		li, err := riskdb.New(st).IssueLog(storetest.As(u), f.OrgA, sysID, "", sg)
		if err != nil {
			t.Fatal(err)
		}
		about := sheet(base + "/risk/issues/" + li.ID + "/export?format=xlsx")
		if !strings.HasPrefix(about["Status"], "Issued version "+li.Version+" of this hazard log, approved by "+li.ApprovedByName) || about["Content hash (SHA-256)"] != li.ContentHash {
			t.Errorf("issued export About: got %q, want version %s, approver and hash %s", about, li.Version, li.ContentHash)
		}
		if js := webtest.Get(t, cso, base+"/risk/issues/"+li.ID+"/export?format=json", 200); !strings.Contains(js, h.Hazard.ID) {
			t.Errorf("the JSON export lost the hazard's id")
		}
	})
}

// The API imports a spreadsheet in a layout of its own with ?mapping=: a
// file without one is refused with its columns and a guessed mapping to
// send back; a bad mapping is a 422; the mapping used is remembered and
// ?mapping=remembered uses it.
func TestAPIImportMapping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		resp, _ := webtest.Do(t, cso, "POST", f.Srv.URL+"/risk/systems", webtest.Form("name", "Ward systems", "manufacturer", "Meridian", "intended_use", "Prescribing", "standard", "DCB0160"))
		sysID := webtest.Location(t, resp, "/risk/systems/")
		imp := f.Srv.URL + "/api/v1/systems/" + sysID + "/import?format=csv"
		csvHeader := []string{"Content-Type", "text/csv"}
		resp, body := webtest.Do(t, cso, "POST", imp, ownLogCSV, csvHeader...)
		var e struct {
			Error struct {
				Mapping string            `json:"mapping"`
				Columns map[string]string `json:"columns"`
			} `json:"error"`
		}
		json.Unmarshal([]byte(body), &e)
		if resp.StatusCode != 422 || e.Error.Columns["B"] != "Hazard title" || !strings.Contains(e.Error.Mapping, "name=B,") {
			t.Fatalf("API import of an own layout without a mapping: got %d %s, want 422 with columns and a guess", resp.StatusCode, body)
		}
		for _, bad := range []string{"name=B,colour=C", "name=9Z", "name=B,initial_severity=B", "remembered", "name=B"} {
			resp, body := webtest.Do(t, cso, "POST", imp+"&mapping="+url.QueryEscape(bad), ownLogCSV, csvHeader...)
			if resp.StatusCode != 422 {
				t.Errorf("mapping %q: got %d %s, want 422", bad, resp.StatusCode, body)
			}
		}
		resp, body = webtest.Do(t, cso, "POST", imp+"&mapping="+url.QueryEscape(e.Error.Mapping+",description=M"), ownLogCSV, csvHeader...)
		if resp.StatusCode != 201 || !strings.Contains(body, `"imported": 2`) {
			t.Fatalf("API import with the guessed mapping: got %d %s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, cso, "POST", imp+"&mapping=remembered", ownLogCSV, csvHeader...)
		if resp.StatusCode != 201 {
			t.Fatalf("API import with the remembered mapping: got %d %s", resp.StatusCode, body)
		}
		hs, _ := riskdb.New(st).ListHazards(t.Context(), f.OrgA.ID, sysID)
		if len(hs) != 4 || hs[3].Description != "" || hs[2].Description != "seen in testing" {
			t.Errorf("after two API imports: got %d hazards", len(hs))
		}
		if resp, _ := webtest.Do(t, cso, "POST", f.Srv.URL+"/api/v1/systems/"+sysID+"/import?format=json&mapping=name=B", `{}`, "Content-Type", "application/json"); resp.StatusCode != 422 {
			t.Errorf("a mapping with JSON: got %d, want 422", resp.StatusCode)
		}
	})
}
