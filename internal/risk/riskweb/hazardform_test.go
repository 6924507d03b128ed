package riskweb_test

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// riskSystem registers a system in org A of f with one sample hazard.
func riskSystem(t *testing.T, f *webtest.Fixture) (riskdb.System, riskdb.HazardEntry) {
	t.Helper()
	ctx := audit.WithActor(t.Context(), audit.Actor{Name: "test", Operator: true})
	db := riskdb.New(f.St)
	sys, err := db.CreateSystem(ctx, f.OrgA.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing", Standard: risk.DCB0160})
	if err != nil {
		t.Fatal(err)
	}
	h := storetest.SampleHazard("Wrong dose")
	h.InitialSeverity, h.InitialLikelihood = risk.Catastrophic, risk.High // rating 5
	e, err := db.CreateHazard(ctx, f.OrgA.ID, sys.ID, h)
	if err != nil {
		t.Fatal(err)
	}
	return sys, e
}

// The hazard form defines the severity and likelihood scales where they
// are chosen: each level a radio with its description as the hint, and
// the risk matrix at hand; it has a cancel link, and an edit asks why.
func TestHazardFormDefinesScales(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		sys, e := riskSystem(t, f)
		body := webtest.Get(t, cso, f.Srv.URL+"/risk/systems/"+sys.ID+"/hazards/new", 200)
		for _, field := range []string{"initial_severity", "residual_severity"} {
			for _, s := range risk.AllSeverities() {
				if !strings.Contains(body, `name="`+field+`" type="radio" value="`+s.Code()+`"`) {
					t.Errorf("new hazard form: no %s radio for %s", field, s)
				}
			}
		}
		for _, field := range []string{"initial_likelihood", "residual_likelihood"} {
			for _, l := range risk.AllLikelihoods() {
				if !strings.Contains(body, `name="`+field+`" type="radio" value="`+l.Code()+`"`) {
					t.Errorf("new hazard form: no %s radio for %s", field, l)
				}
			}
		}
		for _, s := range risk.AllSeverities() {
			if !strings.Contains(body, html.EscapeString(s.Description())) {
				t.Errorf("new hazard form lacks the description of %s", s)
			}
		}
		for _, l := range risk.AllLikelihoods() {
			if !strings.Contains(body, html.EscapeString(l.Description())) {
				t.Errorf("new hazard form lacks the description of likelihood %s", l)
			}
		}
		if !strings.Contains(body, `<span class="nhsuk-details__summary-text">How severity and likelihood give the risk rating</span>`) {
			t.Errorf("new hazard form lacks the risk matrix")
		}
		if !strings.Contains(body, `href="/risk/systems/`+sys.ID+`/hazards">Cancel</a>`) {
			t.Errorf("new hazard form lacks a cancel link back to the log")
		}
		body = webtest.Get(t, cso, f.Srv.URL+"/risk/hazards/"+e.ID+"/edit", 200)
		if !strings.Contains(body, `href="/risk/hazards/`+e.ID+`">Cancel</a>`) {
			t.Errorf("edit form lacks a cancel link back to the hazard")
		}
		if !strings.Contains(body, `<textarea class="nhsuk-textarea" id="reason" name="reason"`) {
			t.Errorf("edit form lacks the reason for the change")
		}
		// The chosen level stays chosen.
		if !strings.Contains(body, `id="initial_severity-catastrophic" name="initial_severity" type="radio" value="catastrophic" aria-describedby="initial_severity-catastrophic-hint" checked>`) {
			t.Errorf("edit form does not keep the hazard's severity chosen")
		}
	})
}

// An edit's reason for change is kept with the version and shown in the
// history.
func TestHazardEditReasonInHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		_, e := riskSystem(t, f)
		resp, body := webtest.Do(t, cso, "POST", f.Srv.URL+"/risk/hazards/"+e.ID, webtest.Form("version", "1", "name", "Wrong dose given", "description", "d",
			"initial_severity", "major", "initial_likelihood", "medium", "status", "open", "reason", "Renamed after the REASON-9 review"))
		if resp.StatusCode != 303 && resp.StatusCode != 302 {
			t.Fatalf("edit with a reason: %d %s", resp.StatusCode, body)
		}
		body = webtest.Get(t, cso, f.Srv.URL+"/risk/hazards/"+e.ID+"/history", 200)
		if !strings.Contains(body, "Renamed after the REASON-9 review") {
			t.Errorf("history lacks the reason for the change")
		}
		// The API takes the reason too, and the history gives it back.
		tok := webtest.Get(t, cso, f.Srv.URL+"/api/v1/hazards/"+e.ID, 200)
		if !regexp.MustCompile(`"version":\s*2,`).MatchString(tok) {
			t.Fatalf("hazard after the form edit is not version 2: %s", tok)
		}
		resp, body = webtest.Do(t, cso, "PUT", f.Srv.URL+"/api/v1/hazards/"+e.ID, `{"name":"Wrong dose","description":"d","initial_severity":"major","initial_likelihood":"medium","status":"open","version":2,"reason":"API-REASON-3"}`)
		if resp.StatusCode != 200 {
			t.Fatalf("PUT with a reason: %d %s", resp.StatusCode, body)
		}
		if body := webtest.Get(t, cso, f.Srv.URL+"/api/v1/hazards/"+e.ID+"/history", 200); !regexp.MustCompile(`"reason":\s*"API-REASON-3"`).MatchString(body) {
			t.Errorf("API history lacks the reason: %s", body)
		}
	})
}

// Ratings are shown with their words as well as their number.
func TestRatingsShownWithWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		sys, e := riskSystem(t, f)
		for path, want := range map[string]string{
			"/risk/hazards/" + e.ID:                 `<strong class="nhsuk-tag nhsuk-tag--red">5 Very high</strong>`,
			"/risk/systems/" + sys.ID + "/hazards":  `<strong class="nhsuk-tag nhsuk-tag--red">5 Very high</strong>`,
			"/risk/systems/" + sys.ID + "/heatmaps": `1 (5 Very high)`,
		} {
			if body := webtest.Get(t, cso, f.Srv.URL+path, 200); !strings.Contains(body, want) {
				t.Errorf("GET %s lacks %q", path, want)
			}
		}
		handler := f.Client(t, "A/handler")
		if body := webtest.Get(t, handler, f.Srv.URL+"/risk/plan", 200); !strings.Contains(body, `<strong class="nhsuk-tag nhsuk-tag--yellow">3 Medium</strong>`) {
			t.Errorf("read-only plan lacks the ratings' words")
		}
	})
}

var (
	planTable = regexp.MustCompile(`(?s)<table[^>]*id="ratings".*?</table>`)
	heatTable = regexp.MustCompile(`(?s)<caption[^>]*>Initial risk: number of hazards.*?</table>`)
	colHeads  = regexp.MustCompile(`<th [^>]*scope="col"[^>]*>([^<]*)</th>`)
	rowHeads  = regexp.MustCompile(`<th [^>]*scope="row"[^>]*>([^<]*)</th>`)
)

func heads(re *regexp.Regexp, s string) string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return strings.Join(out, ", ")
}

// The matrix of the plan and the heat maps put severity on the same axis
// (across, minor to catastrophic) and likelihood down, very high first.
func TestPlanMatrixAndHeatMapShareAxes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		sys, _ := riskSystem(t, f)
		for _, who := range []string{"A/cso", "A/handler"} {
			c := f.Client(t, who)
			plan := planTable.FindString(webtest.Get(t, c, f.Srv.URL+"/risk/plan", 200))
			heat := heatTable.FindString(webtest.Get(t, c, f.Srv.URL+"/risk/systems/"+sys.ID+"/heatmaps", 200))
			if plan == "" || heat == "" {
				t.Fatalf("%s: plan matrix or heat map table not found", who)
			}
			if p, h := heads(colHeads, plan), heads(colHeads, heat); p != h || !strings.HasSuffix(p, "Minor, Significant, Considerable, Major, Catastrophic") {
				t.Errorf("%s: plan columns %q, heat map columns %q; want the same, severity across", who, p, h)
			}
			if p, h := heads(rowHeads, plan), heads(rowHeads, heat); p != h || p != "Very high, High, Medium, Low, Very low" {
				t.Errorf("%s: plan rows %q, heat map rows %q; want likelihood down from very high", who, p, h)
			}
		}
		// The editable matrix still saves each cell where it belongs:
		// catastrophic severity with very low likelihood is r-5-1.
		body := webtest.Get(t, f.Client(t, "A/cso"), f.Srv.URL+"/risk/plan", 200)
		if !strings.Contains(body, `<label class="nhsuk-u-visually-hidden" for="r-5-1">Catastrophic severity, very low likelihood</label>`) {
			t.Errorf("plan matrix cell labels are wrong")
		}
	})
}

// A hazard of an issued version is a page of its own, as it was when
// issued, rated with the matrix it was issued with.
func TestIssuedHazardPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		base := f.Srv.URL
		sys, e := riskSystem(t, f)
		resp, _ := webtest.Do(t, cso, "POST", base+"/risk/systems/"+sys.ID+"/issues",
			webtest.FormAsShown(t, cso, base+"/risk/systems/"+sys.ID+"/issue", "/risk/systems/"+sys.ID+"/issues", "comment", "First", "password", webtest.Password))
		issueID := webtest.Location(t, resp, "/risk/issues/")
		// After the issue: the live hazard is renamed and the plan's matrix
		// changes (catastrophic/high becomes 4).
		ctx := audit.WithActor(t.Context(), audit.Actor{Name: "test", Operator: true})
		db := riskdb.New(st)
		cur, _ := db.Hazard(ctx, f.OrgA.ID, e.ID)
		cur.Name = "Renamed LIVENAME"
		if _, err := db.UpdateHazard(ctx, f.OrgA.ID, cur.Hazard); err != nil {
			t.Fatal(err)
		}
		pl, _ := db.Plan(ctx, f.OrgA.ID)
		pl.Matrix.Ratings[4][3] = 4
		if _, err := db.SavePlan(ctx, f.OrgA.ID, pl); err != nil {
			t.Fatal(err)
		}
		issue := webtest.Get(t, cso, base+"/risk/issues/"+issueID, 200)
		if !strings.Contains(issue, `href="/risk/issues/`+issueID+`/hazards/HAZ-001"`) {
			t.Errorf("issued version does not link to its hazards' pages")
		}
		for _, ref := range []string{"HAZ-001", "haz-001", "1"} {
			body := webtest.Get(t, cso, base+"/risk/issues/"+issueID+"/hazards/"+ref, 200)
			if !strings.Contains(body, "<h1>Wrong dose</h1>") || strings.Contains(body, "LIVENAME") {
				t.Errorf("issued hazard %s does not show the hazard as issued", ref)
			}
			if !strings.Contains(body, "rating <strong class=\"nhsuk-tag nhsuk-tag--red\">5 Very high</strong>") {
				t.Errorf("issued hazard %s is not rated with the issued matrix", ref)
			}
			if !strings.Contains(body, "Barcode check") || !strings.Contains(body, "Train staff") {
				t.Errorf("issued hazard %s lacks its controls or actions", ref)
			}
			if !strings.Contains(body, `href="/risk/hazards/`+e.ID+`"`) {
				t.Errorf("issued hazard %s does not link to the hazard as it is now", ref)
			}
		}
		for _, ref := range []string{"HAZ-002", "0", "x"} {
			if resp, _ := webtest.Do(t, cso, "GET", base+"/risk/issues/"+issueID+"/hazards/"+ref, ""); resp.StatusCode != 404 {
				t.Errorf("issued hazard %s: %d, want 404", ref, resp.StatusCode)
			}
		}
		// Another organisation cannot read it.
		if resp, _ := webtest.Do(t, f.Client(t, "B/cso"), "GET", base+"/risk/issues/"+issueID+"/hazards/HAZ-001", ""); resp.StatusCode != 404 {
			t.Errorf("org B reading org A's issued hazard: %d, want 404", resp.StatusCode)
		}
	})
}
