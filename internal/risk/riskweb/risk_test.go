package riskweb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/webtest"

	"github.com/xuri/excelize/v2"

	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/exchange"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// TestRiskFlow walks a CSO through the clinical risk module over HTTP:
// register a system, add hazards (by form and from a template), fail
// validation, approve the log, issue the CSCR as PDF, export and import.
func TestRiskFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		base := f.Srv.URL

		// A bad system form is re-rendered with the error summary.
		resp, body := webtest.Do(t, cso, "POST", base+"/risk/systems", webtest.Form("name", "", "standard", "DCB0999"))
		if resp.StatusCode != 422 || !strings.Contains(body, "nhsuk-error-summary") || !strings.Contains(body, "Enter the product name") {
			t.Fatalf("bad system: %d", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, cso, "POST", base+"/risk/systems", webtest.Form("name", "ePMA", "manufacturer", "Meridian", "intended_use", "Prescribing",
			"standard", "DCB0160", "phases", "Build\nGo-live", "csos", f.Users["A/cso"].ID))
		sysID := webtest.Location(t, resp, "/risk/systems/")

		// Bad hazards: unknown categories, status and rule breaks.
		resp, body = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/hazards", webtest.Form("name", "Wrong dose", "initial_severity", "extreme",
			"initial_likelihood", "medium", "status", "nonsense"))
		if resp.StatusCode != 422 || !strings.Contains(body, "Select a severity from the list") || !strings.Contains(body, `href="#status"`) {
			t.Fatalf("bad hazard: %d %s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/hazards", webtest.Form("name", "Wrong dose", "initial_severity", "major",
			"initial_likelihood", "medium", "status", "closed", "actions.0.summary", "Train", "actions.0.owner", "Ward", "actions.0.due", "2026-12-01"))
		if resp.StatusCode != 422 || !strings.Contains(body, `href="#status"`) {
			t.Fatalf("closed with an open action: %d", resp.StatusCode)
		}
		if hs, _ := riskdb.New(st).ListHazards(t.Context(), f.OrgA.ID, sysID); len(hs) != 0 {
			t.Fatalf("failed forms saved %d hazards", len(hs))
		}
		resp, _ = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/hazards", webtest.Form("name", "Wrong dose SENTINELDOSE", "description", "d",
			"causes", "typo\nunit confusion", "initial_severity", "major", "initial_likelihood", "high", "residual_severity", "major", "residual_likelihood", "high",
			"risk_benefit", "Benefit of electronic prescribing outweighs", "status", "open",
			"controls.0.description", "Dose range check", "controls.0.type", "design", "controls.0.side", "manufacturer", "controls.0.owner", "Dev",
			"controls.1.description", "", "controls.1.type", "design", "controls.1.side", "deployer",
			"actions.0.summary", "Train pharmacists", "actions.0.owner", "Chief pharmacist", "actions.0.due", "2026-01-01"))
		hazID := webtest.Location(t, resp, "/risk/hazards/")
		body = webtest.Get(t, cso, base+"/risk/hazards/"+hazID, 200)
		if !strings.Contains(body, "HAZ-001") || !strings.Contains(body, "Dose range check") || !strings.Contains(body, "Overdue") {
			t.Fatalf("hazard page lacks content")
		}
		// A handler cannot record a risk-benefit justification (not a CSO)
		// and cannot edit at all.
		handler := f.Client(t, "A/handler")
		resp, _ = webtest.Do(t, handler, "POST", base+"/risk/hazards/"+hazID, webtest.Form("name", "x"))
		if resp.StatusCode != 403 {
			t.Fatalf("handler edit: %d, want 403", resp.StatusCode)
		}
		admin := f.Client(t, "A/admin")
		resp, body = webtest.Do(t, admin, "POST", base+"/risk/systems/"+sysID+"/hazards", webtest.Form("name", "High", "initial_severity", "major", "initial_likelihood", "high",
			"residual_severity", "major", "residual_likelihood", "high", "risk_benefit", "Admin says fine", "status", "open"))
		if resp.StatusCode != 422 || !strings.Contains(body, "Only a clinical safety officer") {
			t.Fatalf("admin justification: %d", resp.StatusCode)
		}
		// Edit and history.
		resp, _ = webtest.Do(t, cso, "POST", base+"/risk/hazards/"+hazID, webtest.Form("version", "1", "name", "Wrong dose calculated SENTINELDOSE", "initial_severity", "major",
			"initial_likelihood", "high", "residual_severity", "major", "residual_likelihood", "high", "risk_benefit", "Benefit of electronic prescribing outweighs",
			"status", "open", "controls.0.description", "Dose range check", "controls.0.type", "design", "controls.0.side", "manufacturer",
			"actions.0.summary", "Train pharmacists", "actions.0.owner", "Chief pharmacist", "actions.0.due", "2026-01-01"))
		webtest.Location(t, resp, "/risk/hazards/")
		body = webtest.Get(t, cso, base+"/risk/hazards/"+hazID+"/history", 200)
		if !strings.Contains(body, "Version 2") || !strings.Contains(body, "Wrong dose calculated") {
			t.Fatalf("history lacks the edit")
		}
		// From a template in one step.
		resp, _ = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/hazards/template", webtest.Form("template", risk.Templates()[0].Key))
		tplID := webtest.Location(t, resp, "/risk/hazards/")
		webtest.Get(t, cso, base+"/risk/hazards/"+tplID+"/edit", 200)

		body = webtest.Get(t, cso, base+"/risk/systems/"+sysID+"/hazards", 200)
		if !strings.Contains(body, risk.Templates()[0].Name) {
			t.Fatalf("hazard log lacks the template hazard")
		}
		body = webtest.Get(t, cso, base+"/risk/systems/"+sysID+"/heatmaps", 200)
		if !strings.Contains(body, "<svg") {
			t.Fatalf("heat maps page lacks the heat map")
		}
		for _, want := range []string{`<title id="initial-title">Initial risk heat map</title>`, `<desc id="residual-desc">`, "Initial risk as a table"} {
			if !strings.Contains(body, want) {
				t.Errorf("system page lacks %s", want)
			}
		}
		home := webtest.Get(t, cso, base+"/", 200)
		if !strings.Contains(home, "overdue actions") {
			t.Errorf("home page of the CSO lacks overdue hazard actions")
		}

		// Only a CSO approves.
		resp, _ = webtest.Do(t, admin, "POST", base+"/risk/systems/"+sysID+"/issues", webtest.Form("comment", "x", "password", webtest.Password))
		if resp.StatusCode != 403 {
			t.Fatalf("admin approving: %d", resp.StatusCode)
		}
		// Approving is a signature: the password is re-entered, and a wrong
		// one shows the form again with the comment kept.
		resp, body = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/issues", webtest.Form("comment", "First"))
		if resp.StatusCode != 422 || !strings.Contains(body, "Enter your password to sign") || !strings.Contains(body, "First</textarea>") {
			t.Fatalf("approving without a password: %d", resp.StatusCode)
		}
		resp, body = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/issues", webtest.Form("comment", "First", "password", "not my password"))
		if resp.StatusCode != 422 || !strings.Contains(body, "The password is not right") {
			t.Fatalf("approving with a wrong password: %d", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/issues",
			webtest.FormAsShown(t, cso, base+"/risk/systems/"+sysID+"/issue", "/risk/systems/"+sysID+"/issues", "comment", "First", "password", webtest.Password))
		issueID := webtest.Location(t, resp, "/risk/issues/")
		if body := webtest.Get(t, cso, base+"/risk/issues/"+issueID, 200); !strings.Contains(body, "Electronic signature") || !strings.Contains(body, "password re-entered at signing") {
			t.Errorf("issued version does not show its signature")
		}
		// Nothing changed since version 1: the check page says so and
		// issuing again is refused, so no version has the same content.
		body = webtest.Get(t, cso, base+"/risk/systems/"+sysID+"/issue", 200)
		if !strings.Contains(body, "Nothing has changed since version 1") || strings.Contains(body, `id="issue-log"`) {
			t.Errorf("check page of an unchanged log offers to issue it")
		}
		resp, body = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/issues", webtest.Form("comment", "Second", "password", webtest.Password))
		if resp.StatusCode != 409 || !strings.Contains(body, "Nothing has changed since version 1") {
			t.Errorf("issuing an unchanged log: %d, want 409 saying nothing changed", resp.StatusCode)
		}

		// The CSCR: a draft that leaves the CSO's sections unwritten
		// cannot be issued, and the page says what is missing.
		resp, _ = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/cscr", webtest.Form("document_version", "1.0", "phase", "Go-live", "section-introduction", "Our introduction."))
		webtest.Location(t, resp, "/risk/systems/")
		webtest.Get(t, cso, base+"/risk/systems/"+sysID+"/cscr", 200)
		resp, body = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/cscrs", "")
		if resp.StatusCode != 422 || !strings.Contains(body, "Enter your password to sign") {
			t.Fatalf("issuing a report without a password: %d", resp.StatusCode)
		}
		resp, body = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/cscrs",
			webtest.FormAsShown(t, cso, base+"/risk/systems/"+sysID+"/cscr", "/risk/systems/"+sysID+"/cscrs", "password", webtest.Password))
		if resp.StatusCode != 422 || !strings.Contains(body, "nhsuk-error-summary") || !strings.Contains(body, "author") {
			t.Fatalf("issuing an unwritten report: %d, want 422 naming what is missing", resp.StatusCode)
		}
		// Written in full (keeping our introduction), it issues.
		full := webtest.CSCRDraftForm("1.0")
		full = strings.Replace(full, "section-introduction="+url.QueryEscape("Written by the CSO for introduction."), "section-introduction="+url.QueryEscape("Our introduction."), 1)
		resp, _ = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/cscr", full)
		webtest.Location(t, resp, "/risk/systems/")
		resp, _ = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/cscrs",
			webtest.FormAsShown(t, cso, base+"/risk/systems/"+sysID+"/cscr", "/risk/systems/"+sysID+"/cscrs", "password", webtest.Password))
		cscrID := webtest.Location(t, resp, "/risk/cscrs/")
		body = webtest.Get(t, cso, base+"/risk/cscrs/"+cscrID, 200)
		if !strings.Contains(body, "Our introduction.") || !strings.Contains(body, "SENTINELDOSE") {
			t.Errorf("report page lacks its content")
		}
		pdf := webtest.Get(t, cso, base+"/risk/cscrs/"+cscrID+"/pdf", 200)
		if !strings.HasPrefix(pdf, "%PDF-") || !strings.Contains(webtest.PDFText([]byte(pdf)), "SENTINELDOSE") {
			t.Errorf("PDF does not hold the hazard")
		}
		md := webtest.Get(t, cso, base+"/risk/cscrs/"+cscrID+"/markdown", 200)
		if !strings.Contains(md, "SENTINELDOSE") {
			t.Errorf("Markdown does not hold the hazard")
		}

		// Export as XLSX and import into a new system: nothing lost.
		xlsx := webtest.Get(t, cso, base+"/risk/systems/"+sysID+"/export?format=xlsx", 200)
		resp, _ = webtest.Do(t, cso, "POST", base+"/risk/systems", webtest.Form("name", "Copy", "manufacturer", "Meridian", "intended_use", "Prescribing", "standard", "DCB0160"))
		copyID := webtest.Location(t, resp, "/risk/systems/")
		resp, _ = webtest.Upload(t, cso, base+"/risk/systems/"+copyID+"/import", "log.xlsx", []byte(xlsx))
		webtest.Location(t, resp, "/risk/systems/")
		a, _ := riskdb.New(st).ListHazards(t.Context(), f.OrgA.ID, sysID)
		b, _ := riskdb.New(st).ListHazards(t.Context(), f.OrgA.ID, copyID)
		if len(a) != len(b) {
			t.Fatalf("round trip: %d hazards became %d", len(a), len(b))
		}
		for i := range a {
			if cs := risk.Diff(a[i], b[i]); len(cs) > 0 {
				t.Errorf("round trip changed %s: %+v", a[i].Ref, cs)
			}
		}
		// A spreadsheet in no known layout goes to the column-mapping step,
		// which asks for the columns it needs; nothing is imported.
		bad := excelize.NewFile()
		bad.SetSheetRow("Sheet1", "A1", &[]string{"Wrong", "Columns"})
		var bb bytes.Buffer
		bad.Write(&bb)
		resp, body = webtest.Upload(t, cso, base+"/risk/systems/"+copyID+"/import", "bad.xlsx", bb.Bytes())
		if resp.StatusCode != 422 || !strings.Contains(body, "Choose the column that holds the hazard name") {
			t.Fatalf("bad xlsx: %d", resp.StatusCode)
		}
		if n, _ := riskdb.New(st).ListHazards(t.Context(), f.OrgA.ID, copyID); len(n) != len(a) {
			t.Errorf("a failed import changed the log to %d hazards", len(n))
		}

		// A supplier's issued log, imported by a deployer, keeps provenance.
		js := webtest.Get(t, cso, base+"/risk/issues/"+issueID+"/export?format=json", 200)
		resp, _ = webtest.Upload(t, cso, base+"/risk/systems/"+copyID+"/import", "supplier.json", []byte(js), "supplier", "yes")
		webtest.Location(t, resp, "/risk/systems/")
		body = webtest.Get(t, cso, base+"/risk/transferred", 200)
		if !strings.Contains(body, "Alpha Trust") {
			t.Errorf("transferred controls page lacks the source")
		}

		for _, u := range []string{"/risk", "/risk/plan", "/risk/compliance?standard=DCB0129", "/risk/systems/new", "/risk/systems/" + sysID + "/edit",
			"/risk/systems/" + sysID + "/hazards/new", "/risk/systems/" + sysID + "/import"} {
			webtest.Get(t, cso, base+u, 200)
		}
		resp, body = webtest.Do(t, cso, "POST", base+"/risk/plan", webtest.Form("r-1-1", "9"))
		if resp.StatusCode != 422 || !strings.Contains(body, "whole number from 1 to 5") {
			t.Errorf("bad plan: %d", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, cso, "POST", base+"/risk/compliance", webtest.Form("standard", "DCB0160", "answer-2.1.1", "yes", "evidence-2.1.1", "https://example.nhs.uk/crms"))
		webtest.Location(t, resp, "/risk/compliance")

		// Org B's CSO sees none of it.
		bcso := f.Client(t, "B/cso")
		for _, u := range []string{"/risk/systems/" + sysID, "/risk/hazards/" + hazID, "/risk/issues/" + issueID, "/risk/cscrs/" + cscrID + "/pdf"} {
			webtest.Get(t, bcso, base+u, 404)
		}
		if body := webtest.Get(t, bcso, base+"/risk", 200); strings.Contains(body, "ePMA") {
			t.Errorf("org B sees org A's register")
		}
	})
}

func TestRiskAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		base := f.Srv.URL + "/api/v1"
		resp, body := webtest.Do(t, cso, "POST", base+"/systems", `{"name":"ePMA","manufacturer":"Meridian","intended_use":"Prescribing","standard":"DCB0129"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("create system: %d %s", resp.StatusCode, body)
		}
		var sys riskdb.System
		json.Unmarshal([]byte(body), &sys)
		resp, body = webtest.Do(t, cso, "POST", base+"/systems/"+sys.ID+"/hazards", `{"name":"","initial_severity":"extreme","initial_likelihood":"often","status":"pending"}`)
		var e struct {
			Error struct{ Fields map[string]string } `json:"error"`
		}
		json.Unmarshal([]byte(body), &e)
		if resp.StatusCode != 422 || e.Error.Fields["initial_severity"] == "" || e.Error.Fields["initial_likelihood"] == "" {
			t.Fatalf("bad hazard: %d %s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, cso, "POST", base+"/systems/"+sys.ID+"/hazards", `{"name":"Wrong dose","initial_severity":"major","initial_likelihood":"medium","status":"pending"}`)
		json.Unmarshal([]byte(body), &e)
		if resp.StatusCode != 422 || e.Error.Fields["status"] == "" {
			t.Fatalf("bad status: %d %s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, cso, "POST", base+"/systems/"+sys.ID+"/hazards", `{"name":"Wrong dose","initial_severity":"major","initial_likelihood":"medium",
			"controls":[{"description":"Range check","type":"design","side":"manufacturer"}]}`)
		if resp.StatusCode != 201 {
			t.Fatalf("create hazard: %d %s", resp.StatusCode, body)
		}
		var h riskdb.HazardEntry
		json.Unmarshal([]byte(body), &h)
		// An edit must say which version it was made to: without it, it
		// would overwrite unseen whatever was saved meanwhile.
		resp, body = webtest.Do(t, cso, "PUT", base+"/hazards/"+h.ID, `{"name":"Wrong dose renamed","initial_severity":"major","initial_likelihood":"medium","status":"open"}`)
		e.Error.Fields = nil
		json.Unmarshal([]byte(body), &e)
		if resp.StatusCode != 422 || e.Error.Fields["version"] == "" {
			t.Fatalf("an edit without its version: %d %s; want 422 on version", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, cso, "PUT", base+"/hazards/"+h.ID, `{"name":"Wrong dose","initial_severity":"major","initial_likelihood":"medium","status":"transferred","version":1}`)
		e.Error.Fields = nil
		json.Unmarshal([]byte(body), &e)
		if resp.StatusCode != 422 || e.Error.Fields["status"] == "" {
			t.Fatalf("transferred without a deployer control: %d %s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, cso, "POST", base+"/systems/"+sys.ID+"/hazards", `{"template":"`+risk.Templates()[1].Key+`"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("template hazard: %d %s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, cso, "POST", base+"/systems/"+sys.ID+"/issues", `{"comment":"v1"}`)
		if resp.StatusCode != 422 || !strings.Contains(body, `"password"`) {
			t.Fatalf("issue without a password: %d %s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, cso, "POST", base+"/systems/"+sys.ID+"/issues", `{"comment":"v1","password":"`+webtest.Password+`"}`)
		if resp.StatusCode != 201 || !strings.Contains(body, `"content_hash"`) {
			t.Fatalf("issue: %d %s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, cso, "POST", base+"/systems/"+sys.ID+"/reports", `{"password":"`+webtest.Password+`"}`)
		if resp.StatusCode != 422 || !strings.Contains(body, `"author"`) {
			t.Fatalf("report from an unwritten draft: %d %s, want 422 naming author", resp.StatusCode, body)
		}
		if resp, body = webtest.Do(t, cso, "PUT", base+"/systems/"+sys.ID+"/cscr", webtest.CSCRDraftJSON("1.0")); resp.StatusCode != 200 {
			t.Fatalf("save draft: %d %s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, cso, "POST", base+"/systems/"+sys.ID+"/reports", `{"password":"`+webtest.Password+`"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("report: %d %s", resp.StatusCode, body)
		}
		var ci riskdb.CSCRIssue
		json.Unmarshal([]byte(body), &ci)
		if pdf := webtest.Get(t, cso, base+"/reports/"+ci.ID+"?format=pdf", 200); !strings.HasPrefix(pdf, "%PDF-") {
			t.Errorf("report PDF is not a PDF")
		}
		for _, u := range []string{"/systems", "/systems/" + sys.ID, "/systems/" + sys.ID + "/hazards", "/hazards/" + h.ID, "/hazards/" + h.ID + "/history",
			"/systems/" + sys.ID + "/issues", "/systems/" + sys.ID + "/reports", "/risk/templates", "/risk/overdue", "/risk/plan", "/risk/compliance",
			"/controls/transferred", "/systems/" + sys.ID + "/cscr"} {
			webtest.Get(t, cso, base+u, 200)
		}
		csv := webtest.Get(t, cso, base+"/systems/"+sys.ID+"/export?format=csv", 200)
		resp, body = webtest.Do(t, cso, "POST", base+"/systems/"+sys.ID+"/import?format=csv", "not,a,hazard,log\n1,2,3,4\n", "Content-Type", "text/csv")
		if resp.StatusCode != 422 || !strings.Contains(body, `"rows"`) {
			t.Fatalf("bad csv import: %d %s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, cso, "POST", base+"/systems/"+sys.ID+"/import?format=csv", csv, "Content-Type", "text/csv")
		if resp.StatusCode != 201 || !strings.Contains(body, `"imported": 2`) {
			t.Fatalf("csv import: %d %s", resp.StatusCode, body)
		}
		// The row errors of an XLSX with a formula name the cell.
		var buf bytes.Buffer
		l := risk.Log{System: risk.SystemInfo{Name: "x"}, Hazards: []risk.Hazard{{Number: 1, Name: "A", InitialSeverity: risk.Minor, InitialLikelihood: risk.Low, Status: risk.Open}}}
		if err := exchange.ExportXLSX(&buf, l); err != nil {
			t.Fatal(err)
		}
		x, _ := excelize.OpenReader(&buf)
		x.SetCellFormula(x.GetSheetName(0), "B2", "=1+1")
		buf.Reset()
		x.Write(&buf)
		resp, body = webtest.Do(t, cso, "POST", base+"/systems/"+sys.ID+"/import?format=xlsx", buf.String(), "Content-Type", "application/octet-stream")
		if resp.StatusCode != 422 || !regexp.MustCompile(`"cell": "B2"`).MatchString(body) {
			t.Fatalf("xlsx with a formula: %d %s", resp.StatusCode, body)
		}
		admin := f.Client(t, "A/admin")
		if resp, _ := webtest.Do(t, admin, "POST", base+"/systems/"+sys.ID+"/issues", `{"password":"`+webtest.Password+`"}`); resp.StatusCode != 403 {
			t.Errorf("admin issuing via API: %d", resp.StatusCode)
		}
		// No token can sign, not even the CSO's own: approving in someone's
		// name needs that person, signed in, with their password.
		_, tok, err := st.CreateToken(audit.WithActor(context.Background(), audit.Actor{Name: "t", Operator: true}), f.OrgA.ID, f.Users["A/cso"].ID, "cso token", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		anon := f.Client(t, "")
		for _, path := range []string{"/systems/" + sys.ID + "/issues", "/systems/" + sys.ID + "/reports"} {
			resp, body := webtest.Do(t, anon, "POST", base+path, `{"password":"`+webtest.Password+`"}`, "Authorization", "Bearer "+tok)
			if resp.StatusCode != 403 || !strings.Contains(body, "An API token cannot sign") {
				t.Errorf("token signing %s: %d %s", path, resp.StatusCode, body)
			}
		}
	})
}

func TestRiskReadersAndConflicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		base := f.Srv.URL
		// A reporter may open the landing page from the navigation but sees
		// no register, and is refused everything else.
		reporter := f.Client(t, "A/reporter")
		if body := webtest.Get(t, reporter, base+"/risk", 200); strings.Contains(body, "Add a health IT system") || !strings.Contains(body, "Your roles do not include these") {
			t.Errorf("reporter's /risk shows the register")
		}
		webtest.Get(t, reporter, base+"/risk/plan", 403)

		cso := f.Client(t, "A/cso")
		resp, _ := webtest.Do(t, cso, "POST", base+"/risk/systems", webtest.Form("name", "ePMA", "manufacturer", "M", "intended_use", "x", "standard", "DCB0129"))
		sysID := webtest.Location(t, resp, "/risk/systems/")
		resp, _ = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/hazards", webtest.Form("name", "A", "initial_severity", "minor", "initial_likelihood", "low", "status", "open"))
		hazID := webtest.Location(t, resp, "/risk/hazards/")
		// An analyst reads but cannot edit.
		analyst := f.Client(t, "A/analyst")
		webtest.Get(t, analyst, base+"/risk/hazards/"+hazID, 200)
		webtest.Get(t, analyst, base+"/risk/hazards/"+hazID+"/edit", 403)
		// Two edits from version 1: the second is a conflict.
		edit := func(name string) (*http.Response, string) {
			return webtest.Do(t, cso, "POST", base+"/risk/hazards/"+hazID, webtest.Form("version", "1", "name", name, "initial_severity", "minor", "initial_likelihood", "low", "status", "open"))
		}
		resp, _ = edit("B")
		webtest.Location(t, resp, "/risk/hazards/")
		resp, body := edit("C")
		if resp.StatusCode != 409 || !strings.Contains(body, "changed by someone else") {
			t.Errorf("stale edit: %d", resp.StatusCode)
		}
		// A spreadsheet with a broken cell names the row and column.
		var buf bytes.Buffer
		l := risk.Log{System: risk.SystemInfo{Name: "x"}, Hazards: []risk.Hazard{{Number: 1, Name: "A", InitialSeverity: risk.Minor, InitialLikelihood: risk.Low, Status: risk.Open}}}
		if err := exchange.ExportXLSX(&buf, l); err != nil {
			t.Fatal(err)
		}
		x, _ := excelize.OpenReader(&buf)
		sheet := x.GetSheetName(0)
		rows, _ := x.GetRows(sheet)
		for i, h := range rows[0] {
			if h == exchange.ColInitialSeverity {
				cell, _ := excelize.CoordinatesToCellName(i+1, 2)
				x.SetCellStr(sheet, cell, "Dreadful")
			}
		}
		buf.Reset()
		x.Write(&buf)
		resp, body = webtest.Upload(t, cso, base+"/risk/systems/"+sysID+"/import", "bad.xlsx", buf.Bytes())
		if resp.StatusCode != 422 || !strings.Contains(body, "Dreadful") && !strings.Contains(body, exchange.ColInitialSeverity) {
			t.Errorf("broken cell: %d", resp.StatusCode)
		}
		if hs, _ := riskdb.New(st).ListHazards(t.Context(), f.OrgA.ID, sysID); len(hs) != 1 {
			t.Errorf("a failed import left %d hazards, want 1", len(hs))
		}
	})
}

// The compliance page follows the standards' own numbering, one line per
// requirement, and names the document it follows.
func TestCompliancePageNumbering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		body := webtest.Get(t, f.Client(t, "A/cso"), f.Srv.URL+"/risk/compliance?standard=DCB0129", 200)
		for _, want := range []string{`id="answer-6.1.4"`, `id="answer-4.2.1"`, "compliance assessment template", "nhsuk-table-responsive"} {
			if !strings.Contains(body, want) {
				t.Errorf("DCB0129 checklist lacks %s", want)
			}
		}
		if strings.Contains(body, `id="answer-5.2"`) || strings.Contains(body, `id="answer-6.5"`) {
			t.Error("DCB0129 checklist has requirements the standard does not")
		}
	})
}

// Due dates are typed in the NHS.UK date input, or as people write them;
// a date that is not real keeps what was typed and says what is wrong.
func TestHazardDueDates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		base := f.Srv.URL
		resp, _ := webtest.Do(t, cso, "POST", base+"/risk/systems", webtest.Form("name", "ePMA", "manufacturer", "Meridian", "intended_use", "Prescribing", "standard", "DCB0160"))
		sysID := webtest.Location(t, resp, "/risk/systems/")
		hz := func(kv ...string) (*http.Response, string) {
			return webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/hazards", webtest.Form(append([]string{"name", "Wrong dose", "description", "d",
				"initial_severity", "major", "initial_likelihood", "medium", "status", "open", "actions.0.summary", "Train", "actions.0.owner", "Ward"}, kv...)...))
		}
		resp, body := hz("actions.0.due-day", "30", "actions.0.due-month", "2", "actions.0.due-year", "2027")
		if resp.StatusCode != 422 || !strings.Contains(body, "The due date of action 1 must be a real date") || !strings.Contains(body, `value="30"`) {
			t.Errorf("30 February: %d, want 422 naming the due date and keeping the day", resp.StatusCode)
		}
		resp, _ = hz("actions.0.due", "15/01/2027")
		id := webtest.Location(t, resp, "/risk/hazards/")
		if body := webtest.Get(t, cso, base+"/risk/hazards/"+id, 200); !strings.Contains(body, "15 January 2027") {
			t.Error("a due date typed as 15/01/2027 is not shown as 15 January 2027")
		}
	})
}
