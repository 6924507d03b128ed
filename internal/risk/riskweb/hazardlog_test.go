package riskweb_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// tickingClock makes every reading of the store's clock a minute later than
// the one before, so that hazards saved one after another have distinct
// update times.
func tickingClock(st *store.DB) {
	var mu sync.Mutex
	t := storetest.FixedTime
	st.SetClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Minute)
		return t
	})
}

// refsIn returns the hazard references in the log table of a page, in order.
var refCell = regexp.MustCompile(`Ref </span>(HAZ-\d+)</td>`)

func refsIn(body string) []string {
	var out []string
	for _, m := range refCell.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// The system page is split into its parts, each its own page with the
// same sub-navigation: the overview keeps the details and the CSOs, and
// the log, heat maps, issued versions, safety case report and releases
// have pages of their own.
func TestSystemPagesSplitWithSubnav(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		base := f.Srv.URL
		ctx := audit.WithActor(t.Context(), audit.Actor{Name: "test", Operator: true})
		db := riskdb.New(st)
		sys, err := db.CreateSystem(ctx, f.OrgA.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing SENTINELUSE", Standard: risk.DCB0160})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateHazard(ctx, f.OrgA.ID, sys.ID, storetest.SampleHazard("Wrong dose SENTINELHAZ")); err != nil {
			t.Fatal(err)
		}
		p := "/risk/systems/" + sys.ID
		pages := []struct {
			path, want, not string
		}{
			{p, "SENTINELUSE", "SENTINELHAZ"},
			{p + "/hazards", "SENTINELHAZ", "SENTINELUSE"},
			{p + "/heatmaps", `<title id="initial-title">Initial risk heat map</title>`, "Record a release"},
			{p + "/issues", "The hazard log has not been issued yet.", "SENTINELHAZ"},
			{p + "/releases", `action="` + p + `/releases"`, "SENTINELHAZ"},
			{p + "/cscr", "safety case report", "Record a release"},
		}
		for _, pg := range pages {
			body := webtest.Get(t, cso, base+pg.path, 200)
			if !strings.Contains(body, pg.want) {
				t.Errorf("GET %s lacks %q", pg.path, pg.want)
			}
			if strings.Contains(body, pg.not) {
				t.Errorf("GET %s still shows %q (another part of the system)", pg.path, pg.not)
			}
			if !strings.Contains(body, `<nav class="app-subnav" aria-label="`) {
				t.Errorf("GET %s has no sub-navigation", pg.path)
			}
			for _, q := range pages {
				if !strings.Contains(body, `href="`+q.path+`"`) {
					t.Errorf("GET %s: sub-navigation lacks a link to %s", pg.path, q.path)
				}
			}
			if !strings.Contains(body, `href="`+pg.path+`" aria-current="page"`) {
				t.Errorf("GET %s: sub-navigation does not mark the page as current", pg.path)
			}
		}
		// Recording a release returns to the releases page; a bad one is
		// re-rendered there.
		resp, _ := webtest.Do(t, cso, "POST", base+p+"/releases", webtest.Form("version", "4.3", "date-day", "1", "date-month", "12", "date-year", "2026"))
		if loc := resp.Header.Get("Location"); loc != p+"/releases" {
			t.Errorf("release recorded: Location %q, want %s", loc, p+"/releases")
		}
		resp, body := webtest.Do(t, cso, "POST", base+p+"/releases", webtest.Form("version", ""))
		if resp.StatusCode != 422 || !strings.Contains(body, "nhsuk-error-summary") || !strings.Contains(body, `href="`+p+`/releases" aria-current="page"`) {
			t.Errorf("bad release: %d, want 422 on the releases page", resp.StatusCode)
		}
	})
}

// logHazard is a hazard of the filter test.
func logHazard(name string, sev risk.Severity, lik risk.Likelihood, st risk.Status, owner string, openAction bool) risk.Hazard {
	h := risk.Hazard{Name: name, Description: "d " + name, Causes: []string{"cause of " + name}, InitialSeverity: sev, InitialLikelihood: lik, Status: st,
		Controls: []risk.Control{{Description: "Check", Type: risk.Design, Side: risk.Deployer, Owner: owner}}}
	if openAction {
		h.Actions = []risk.Action{{Summary: "Do it", Owner: owner, Due: storetest.FixedTime.AddDate(1, 0, 0)}}
	}
	return h
}

// The hazard log page filters by status, initial and residual rating,
// owner and open actions, sorts by reference, rating, status or last
// update, and searches names, descriptions and causes, as a GET form; an
// empty result says so and how to clear the filters; bad values are a 400.
func TestHazardLogFiltersSortAndSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		tickingClock(st)
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		base := f.Srv.URL
		ctx := audit.WithActor(t.Context(), audit.Actor{Name: "test", Operator: true})
		db := riskdb.New(st)
		sys, err := db.CreateSystem(ctx, f.OrgA.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing", Standard: risk.DCB0160})
		if err != nil {
			t.Fatal(err)
		}
		// HAZ-001: rating 5 (catastrophic, high), open, pharmacy, open action.
		// HAZ-002: rating 1 (minor, very low), closed, IT, no action; residual 1.
		// HAZ-003: rating 3 (major, low), transferred, pharmacy, no action; residual 2.
		// HAZ-004: rating 2 (minor, high), open, ward, open action; cause mentions "insulin".
		hs := []risk.Hazard{
			logHazard("Wrong patient", risk.Catastrophic, risk.High, risk.Open, "Pharmacy", true),
			logHazard("Lost allergy", risk.Minor, risk.VeryLow, risk.Closed, "IT", false),
			logHazard("Late dose", risk.Major, risk.Low, risk.Transferred, "Pharmacy", false),
			logHazard("Unit confusion", risk.Minor, risk.High, risk.Open, "Ward", true),
		}
		hs[1].ResidualSeverity, hs[1].ResidualLikelihood = risk.Minor, risk.VeryLow
		hs[2].ResidualSeverity, hs[2].ResidualLikelihood = risk.Considerable, risk.VeryLow
		hs[3].Causes = []string{"Insulin units typed as ml"}
		var ids []string
		for _, h := range hs {
			e, err := db.CreateHazard(ctx, f.OrgA.ID, sys.ID, h)
			if err != nil {
				t.Fatalf("CreateHazard %s: %v", h.Name, err)
			}
			ids = append(ids, e.ID)
		}
		// Edit HAZ-002 last, so it is the most recently updated.
		e, _ := db.Hazard(ctx, f.OrgA.ID, ids[1])
		e.Description = "edited"
		if _, err := db.UpdateHazard(ctx, f.OrgA.ID, e.Hazard); err != nil {
			t.Fatal(err)
		}
		log := base + "/risk/systems/" + sys.ID + "/hazards"
		cases := []struct {
			query string
			want  []string
		}{
			{"", []string{"HAZ-001", "HAZ-002", "HAZ-003", "HAZ-004"}},
			{"status=open", []string{"HAZ-001", "HAZ-004"}},
			{"status=transferred", []string{"HAZ-003"}},
			{"initial=5", []string{"HAZ-001"}},
			{"initial=2", []string{"HAZ-004"}},
			{"residual=2", []string{"HAZ-003"}},
			{"residual=none", []string{"HAZ-001", "HAZ-004"}},
			{"owner=Pharmacy", []string{"HAZ-001", "HAZ-003"}},
			{"actions=yes", []string{"HAZ-001", "HAZ-004"}},
			{"actions=no", []string{"HAZ-002", "HAZ-003"}},
			{"q=insulin", []string{"HAZ-004"}},
			{"q=LOST+ALLERGY", []string{"HAZ-002"}},
			{"q=d+late", []string{"HAZ-003"}},
			{"status=open&owner=Ward&actions=yes", []string{"HAZ-004"}},
			{"sort=ref", []string{"HAZ-001", "HAZ-002", "HAZ-003", "HAZ-004"}},
			// Highest current rating first (residual, or initial where not
			// estimated): 5, 2 (initial), 2 (residual), 1.
			{"sort=rating", []string{"HAZ-001", "HAZ-003", "HAZ-004", "HAZ-002"}},
			{"sort=status", []string{"HAZ-001", "HAZ-004", "HAZ-003", "HAZ-002"}},
			{"sort=updated", []string{"HAZ-002", "HAZ-004", "HAZ-003", "HAZ-001"}},
			{"status=open&sort=rating", []string{"HAZ-001", "HAZ-004"}},
		}
		for _, c := range cases {
			body := webtest.Get(t, cso, log+"?"+c.query, 200)
			if got := refsIn(body); strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("GET ?%s: hazards %v, want %v", c.query, got, c.want)
			}
		}
		// The form is a GET form that keeps what was chosen.
		body := webtest.Get(t, cso, log+"?status=open&q=insulin&owner=Ward&sort=rating", 200)
		for _, want := range []string{`method="get"`, `value="insulin"`, `<option value="open" selected>`, `<option value="Ward" selected>`, `<option value="rating" selected>`, "Showing 1 of 4 hazards"} {
			if !strings.Contains(body, want) {
				t.Errorf("filtered log lacks %q", want)
			}
		}
		// No hazard matches: say so, and how to clear the filters.
		body = webtest.Get(t, cso, log+"?q="+url.QueryEscape("no such thing"), 200)
		if len(refsIn(body)) != 0 || !strings.Contains(body, "No hazards match") || !strings.Contains(body, `href="/risk/systems/`+sys.ID+`/hazards">Clear the filters`) {
			t.Errorf("empty result lacks its message or the clear link")
		}
		for _, bad := range []string{"status=nonsense", "initial=9", "residual=x", "actions=maybe", "sort=name"} {
			resp, _ := webtest.Do(t, cso, "GET", log+"?"+bad, "")
			if resp.StatusCode != 400 {
				t.Errorf("GET ?%s: %d, want 400", bad, resp.StatusCode)
			}
		}
	})
}

// A log of hundreds of hazards is one page that filters and sorts them.
func TestHazardLogOfHundreds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		ctx := audit.WithActor(t.Context(), audit.Actor{Name: "test", Operator: true})
		db := riskdb.New(st)
		sys, err := db.CreateSystem(ctx, f.OrgA.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing", Standard: risk.DCB0160})
		if err != nil {
			t.Fatal(err)
		}
		l := &risk.Log{}
		for i := range 300 {
			st := risk.Open
			if i%3 == 0 {
				st = risk.Closed
			}
			h := logHazard(fmt.Sprintf("Hazard %d", i), risk.Minor, risk.Low, st, "Owner", false)
			h.ResidualSeverity, h.ResidualLikelihood = risk.Minor, risk.VeryLow
			l.Hazards = append(l.Hazards, h)
		}
		if n, err := db.ImportHazards(ctx, f.OrgA.ID, sys.ID, l, false); err != nil || n != 300 {
			t.Fatalf("ImportHazards = %d, %v", n, err)
		}
		body := webtest.Get(t, cso, f.Srv.URL+"/risk/systems/"+sys.ID+"/hazards?status=closed&sort=rating", 200)
		if got := len(refsIn(body)); got != 100 || !strings.Contains(body, "Showing 100 of 300 hazards") {
			t.Errorf("closed hazards of 300: %d shown, want 100", got)
		}
	})
}
