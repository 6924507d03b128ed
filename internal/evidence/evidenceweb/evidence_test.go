package evidenceweb_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/evidence/evidenceweb"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
	"github.com/xuri/excelize/v2"
)

// incident is a staff incident at loc with IT (naming sysID) or medicines.
func incident(desc, loc, sysID string) events.Record {
	rec := events.Record{Type: events.Incident, Answers: events.Answers{
		events.AnsDescription: {desc}, events.AnsWhenKind: {"exact"},
		events.AnsDate: {"2026-01-02"}, events.AnsTime: {"08:40"}, events.AnsLocation: {loc}, events.AnsServiceArea: {"acute"},
		events.AnsPatientsSaid: {"y"}, events.AnsConcern: {"4"}, events.AnsReporterRole: {"nurse"}, events.AnsDataSharing: {events.DataShare},
	}, Groups: map[string][]events.Answers{events.GroupPatients: {{events.PatPhysical: {"2"}, events.PatPsych: {"4"}, events.PatAssociation: {"5"}}}}}
	if sysID != "" {
		rec.Answers[events.AnsAgents] = []string{events.AgentIT}
		rec.Answers[events.AnsSystem] = []string{sysID}
		rec.Answers[events.AnsITFactors] = []string{"4"}
	} else {
		rec.Answers[events.AnsAgents] = []string{events.AgentMedication}
		rec.Groups[events.GroupMedicines] = []events.Answers{{"name": {"Warfarin"}}}
	}
	return rec
}

// seed reports events in org over the 30 weeks before the fixed time: per
// week `before` IT incidents until the change 10 weeks ago, `after` since.
func seed(t *testing.T, st *store.DB, org store.Org, u store.User, sysID, desc string, before, after int) []eventsdb.Event {
	t.Helper()
	ev := eventsdb.New(st)
	var out []eventsdb.Event
	defer st.SetClock(func() time.Time { return storetest.FixedTime })
	for w := 30; w >= 1; w-- {
		n := before
		if w <= 10 {
			n = after
		}
		for i := range n + w%2 {
			at := storetest.FixedTime.AddDate(0, 0, -7*w).Add(time.Duration(i) * time.Hour)
			st.SetClock(func() time.Time { return at })
			e, err := ev.Report(storetest.As(u), org.ID, incident(desc, "Ward 7", sysID), eventsdb.Submission{Audience: events.Staff, ReporterID: u.ID})
			if err != nil {
				t.Fatalf("Report: %v (%v)", err, apperr.FieldsOf(err))
			}
			out = append(out, e)
		}
	}
	return out
}

func system(t *testing.T, st *store.DB, org store.Org, cso store.User) string {
	t.Helper()
	sys, err := riskdb.New(st).CreateSystem(storetest.Operator, org.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing",
		Standard: risk.DCB0160, CSOs: []riskdb.Person{{ID: cso.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	return sys.ID
}

// A CSO opens the dashboard and an IT incidents chart, fails and then
// succeeds in marking a digital change, reads the statement, attaches it
// to the safety case, and downloads the data; bad filters get a clear
// message, never a 500.
func TestDashboardMarkChangeAndStatement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		sysID := system(t, st, f.OrgA, f.Users["A/cso"])
		seed(t, st, f.OrgA, f.Users["A/reporter"], sysID, "Dose shown twice", 6, 1)
		cso := f.Client(t, "A/cso")
		base := f.Srv.URL

		body := webtest.Get(t, cso, base+"/evidence", 200)
		for _, want := range []string{"Safety events reported", "IT-system incidents", evidenceweb.NoTrainingAssigned, "app-spc"} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}
		page := base + "/evidence/measures/it_incidents"
		body = webtest.Get(t, cso, page, 200)
		if !strings.Contains(body, "<svg") || !strings.Contains(body, "app-reading") || !strings.Contains(body, "nhsuk-table-responsive") {
			t.Fatalf("measure page lacks chart, reading or table")
		}
		// Bad input: a clear message, not a 500.
		for q, want := range map[string]string{
			"?from=yesterday":                "Enter the start as a date",
			"?period=fortnight":              "Select week or month",
			"?dim=nonsense&value=1":          "cannot be narrowed",
			"?from=2026-11-20&to=2026-11-01": "The start must be on or before the end",
			"?shift=99":                      "from 3 to 25",
			"?period=month&from=2026-10-05":  "needs at least 2 points; there is 1",
			"?baseline=100":                  "The baseline must be from 12 points",
			"?direction=neutral&target=3":    "A target needs an improvement direction",
		} {
			resp, got := webtest.Do(t, cso, "GET", page+q, "")
			if resp.StatusCode >= 500 || !strings.Contains(got, want) {
				t.Errorf("GET %s: %d, want a message %q", q, resp.StatusCode, want)
			}
		}
		resp, got := webtest.Do(t, cso, "GET", base+"/evidence/measures/nonsense", "")
		if resp.StatusCode != 404 {
			t.Errorf("unknown measure: %d", resp.StatusCode)
		}
		_ = got

		// Marking a change: bad, then good.
		resp, got = webtest.Do(t, cso, "POST", page+"/changes", webtest.Form("title", "", "changed_on-day", "31", "changed_on-month", "2", "changed_on-year", "2026"))
		if resp.StatusCode != 422 || !strings.Contains(got, "nhsuk-error-summary") {
			t.Fatalf("bad change: %d", resp.StatusCode)
		}
		resp, got = webtest.Do(t, cso, "POST", page+"/changes", webtest.Form("title", "", "changed_on-day", "1", "changed_on-month", "1", "changed_on-year", "2099"))
		if resp.StatusCode != 422 || !strings.Contains(got, "Enter what changed") || !strings.Contains(got, "must not be in the future") {
			t.Fatalf("bad change: %d", resp.StatusCode)
		}
		on := storetest.FixedTime.AddDate(0, 0, -70)
		resp, _ = webtest.Do(t, cso, "POST", page+"/changes", webtest.Form("title", "ePMA go-live", "changed_on-day", on.Format("2"), "changed_on-month", on.Format("1"),
			"changed_on-year", on.Format("2006"), "system_id", sysID))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("mark change: %d", resp.StatusCode)
		}
		body = webtest.Get(t, cso, page, 200)
		for _, want := range []string{"ePMA go-live", "special cause variation, low followed", "with values lower than before", "Only 10 weeks since the change", "at least 13 points", "rebased"} {
			if !strings.Contains(body, want) {
				i := strings.Index(body, "app-statement")
				t.Errorf("measure page after the change lacks %q: %s", want, body[max(i, 0):min(len(body), max(i, 0)+900)])
			}
		}
		// Attach the statement to the safety case.
		var changeID string
		if err := st.SQL().QueryRow(`SELECT id FROM evidence_changes WHERE org_id = $1`, f.OrgA.ID).Scan(&changeID); err != nil {
			t.Fatal(err)
		}
		resp, _ = webtest.Do(t, cso, "POST", base+"/evidence/changes/"+changeID+"/attach", "")
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("attach: %d", resp.StatusCode)
		}
		// The statement shows on the system's safety case page.
		if body := webtest.Get(t, cso, base+"/risk/systems/"+sysID+"/cscr", 200); !strings.Contains(body, "Evidence from measures") || !strings.Contains(body, "ePMA go-live") ||
			!strings.Contains(body, "special cause variation, low followed") {
			t.Errorf("safety case page lacks the attached statement")
		}
		if resp, _ := webtest.Do(t, cso, "POST", base+"/evidence/changes/"+changeID+"/attach", ""); resp.StatusCode != 409 {
			t.Errorf("attach twice: %d, want 409", resp.StatusCode)
		}
		// Another organisation's CSO cannot see or attach it.
		if resp, _ := webtest.Do(t, f.Client(t, "B/cso"), "POST", base+"/evidence/changes/"+changeID+"/attach", ""); resp.StatusCode != 404 {
			t.Errorf("B attaches A's change: %d, want 404", resp.StatusCode)
		}
		// Downloads.
		resp, got = webtest.Do(t, cso, "GET", page+"/data.csv", "")
		if resp.StatusCode != 200 || !strings.HasPrefix(got, "Period starting,") || strings.Count(got, "\n") < 20 {
			t.Errorf("CSV: %d %q", resp.StatusCode, got[:min(len(got), 200)])
		}
		resp, got = webtest.Do(t, cso, "GET", page+"/data.xlsx", "")
		x, err := excelize.OpenReader(strings.NewReader(got))
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("XLSX: %d %v", resp.StatusCode, err)
		}
		if rows, _ := x.GetRows("Data"); len(rows) < 20 || rows[0][0] != "Period starting" {
			t.Errorf("XLSX rows: %v", rows)
		}
		resp, got = webtest.Do(t, cso, "GET", base+"/evidence/board.pdf?m=events&m=it_incidents", "")
		if resp.StatusCode != 200 || !strings.HasPrefix(got, "%PDF") || !strings.Contains(webtest.PDFText([]byte(got)), "ePMA go-live") {
			t.Errorf("board pack: %d", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, cso, "GET", base+"/evidence/board.pdf?m=nonsense", ""); resp.StatusCode != 422 {
			t.Errorf("board pack of an unknown measure: %d, want 422", resp.StatusCode)
		}
		// The API: measures, series and the SPC result.
		resp, got = webtest.Do(t, cso, "GET", base+"/api/v1/evidence/measures/it_incidents/spc?shift=6", "")
		var a struct {
			Points    []map[string]any `json:"points"`
			PointType []string         `json:"point_type"`
			Variation string           `json:"variation_icon"`
		}
		if err := json.Unmarshal([]byte(got), &a); err != nil || resp.StatusCode != 200 || len(a.Points) < 20 || len(a.PointType) != len(a.Points) || a.Variation == "" {
			t.Errorf("API spc: %d %v %s", resp.StatusCode, err, got[:min(len(got), 300)])
		}
		if resp, _ := webtest.Do(t, cso, "GET", base+"/api/v1/evidence/measures/it_incidents/series?from=nonsense", ""); resp.StatusCode != 422 {
			t.Errorf("API bad from: %d, want 422", resp.StatusCode)
		}
		// A reporter reads no measures.
		if resp, _ := webtest.Do(t, f.Client(t, "A/reporter"), "GET", page, ""); resp.StatusCode != 403 && resp.StatusCode != 404 {
			t.Errorf("reporter on a measure page: %d", resp.StatusCode)
		}
	})
}

// A network analyst sees each member's measure side by side and the
// total, and never a member's records: no reference or description of a
// member's event in any network page or API answer, and the members'
// record pages answer 404.
func TestNetworkAnalystSeesAggregatesOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		sysA := system(t, st, f.OrgA, f.Users["A/cso"])
		sysB := system(t, st, f.OrgB, f.Users["B/cso"])
		evA := seed(t, st, f.OrgA, f.Users["A/reporter"], sysA, "ALPHASECRET insulin twice", 3, 3)
		evB := seed(t, st, f.OrgB, f.Users["B/reporter"], sysB, "BRAVOSECRET wrong patient", 2, 4)
		// The analyst works for a third organisation.
		c, err := st.CreateOrg(storetest.Operator, store.Org{ODSCode: "RCC", Name: "Charlie ICB", Kind: "other"})
		if err != nil {
			t.Fatal(err)
		}
		analyst := storetest.User(t, st, c, "analyst@ccc.test", auth.Analyst, auth.Handler)
		nw, err := st.CreateNetwork(storetest.Operator, store.Network{Name: "North ICS", Kind: "ics"})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []store.OrgID{f.OrgA.ID, f.OrgB.ID} {
			if err := st.SetNetworkMember(storetest.Operator, o, nw.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		base := f.Srv.URL
		jar := webtest.SessionFor(t, st, analyst)
		get := func(path string) (int, string) {
			resp, body := webtest.Do(t, http.DefaultClient, "GET", base+path, "", "Cookie", "clinsafe_session="+jar)
			return resp.StatusCode, body
		}
		// Not yet an analyst of the network: it is not found.
		if code, _ := get("/evidence/networks/" + nw.ID); code != 404 {
			t.Errorf("network page before being its analyst: %d, want 404", code)
		}
		if err := st.SetNetworkAnalyst(storetest.Operator, nw.ID, analyst.ID, true); err != nil {
			t.Fatal(err)
		}
		var answers []string
		for _, path := range []string{"/evidence", "/evidence/networks/" + nw.ID, "/evidence/networks/" + nw.ID + "?measure=it_incidents&period=month",
			"/api/v1/evidence/networks/" + nw.ID + "/measures/events", "/api/v1/evidence/networks/" + nw.ID + "/measures/it_incidents"} {
			code, body := get(path)
			if code != 200 {
				t.Errorf("GET %s: %d", path, code)
			}
			answers = append(answers, body)
		}
		page := answers[1]
		for _, want := range []string{"Alpha Trust", "Bravo Trust", "Network total", "app-spc"} {
			if !strings.Contains(page, want) {
				t.Errorf("network page lacks %q", want)
			}
		}
		// The members' small multiples are drawn by the shared renderer
		// on one value axis (the same ticks at the same heights), each
		// with its text alternative; the members' counts differ, so on
		// axes of their own they would not.
		svgs := strings.Split(page, `<svg class="app-spc"`)[1:]
		if len(svgs) != 3 {
			t.Fatalf("network page has %d charts, want the total and 2 members", len(svgs))
		}
		tick := regexp.MustCompile(`<text x="41" y="([0-9.]+)" text-anchor="end">([^<]*)</text>`)
		var ticks []string
		for _, svg := range svgs[1:] {
			var ts []string
			for _, m := range tick.FindAllStringSubmatch(svg, -1) {
				ts = append(ts, m[2]+"@"+m[1])
			}
			ticks = append(ticks, strings.Join(ts, " "))
			if !strings.Contains(svg, "<desc id=") {
				t.Errorf("a member's chart has no text alternative")
			}
		}
		if ticks[0] == "" || ticks[0] != ticks[1] {
			t.Errorf("members' value axes: %q and %q, want one shared axis", ticks[0], ticks[1])
		}
		// The members' own pages and records are not found for the analyst.
		for _, path := range []string{"/events/review/" + evA[0].ID, "/api/v1/events/records/" + evB[0].ID, "/evidence/changes/x/attach"} {
			if code, _ := get(path); code != 404 && code != 403 && code != 405 {
				t.Errorf("GET %s as the network analyst: %d, want 404", path, code)
			}
		}
		if code, _ := get("/events/review/" + evA[0].ID); code != 404 {
			t.Errorf("a member's event page as the network analyst: %d, want 404", code)
		}
	})
}
