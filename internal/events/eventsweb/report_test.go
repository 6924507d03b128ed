package eventsweb_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/events/eventsweb"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

var (
	versionRE = regexp.MustCompile(`name="version" value="(\d+)"`)
	refRE     = regexp.MustCompile(`PSE-\d{4}-\d{6}`)
	codeRE    = regexp.MustCompile(`id="follow-up-code">([A-Z2-7-]+)<`)
)

// walker answers a reporting flow page by page, following the redirects.
type walker struct {
	t    *testing.T
	srv  string
	c    *http.Client
	base string // "/events/report/ID" or "/report/ODS"
}

// version is the draft version the page at path draws.
func (w walker) version(path string) string {
	w.t.Helper()
	body := webtest.Get(w.t, w.c, w.srv+path, http.StatusOK)
	m := versionRE.FindStringSubmatch(body)
	if m == nil {
		w.t.Fatalf("GET %s: no version on the page\n%s", path, body)
	}
	return m[1]
}

// post answers page (a path under base) with kv and returns the response.
func (w walker) post(page string, kv ...string) (*http.Response, string) {
	w.t.Helper()
	v := w.version(w.base + "/" + page)
	return webtest.Do(w.t, w.c, "POST", w.srv+w.base+"/"+page, webtest.Form(append([]string{"version", v}, kv...)...))
}

// answer posts page and wants a redirect to next.
func (w walker) answer(page, next string, kv ...string) {
	w.t.Helper()
	resp, body := w.post(page, kv...)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != w.base+"/"+next {
		w.t.Fatalf("answer %s: status %d to %q, want 303 to %s/%s\n%s", page, resp.StatusCode, resp.Header.Get("Location"), w.base, next, body)
	}
}

// refuse posts page and wants 422 with msg.
func (w walker) refuse(page, msg string, kv ...string) {
	w.t.Helper()
	resp, body := w.post(page, kv...)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, msg) || !strings.Contains(body, "There is a problem") {
		w.t.Fatalf("answer %s %v: status %d, want 422 with %q\n%s", page, kv, resp.StatusCode, msg, body)
	}
}

func dateForm(field string, d time.Time) []string {
	return []string{field + "-day", strconv.Itoa(d.Day()), field + "-month", strconv.Itoa(int(d.Month())), field + "-year", strconv.Itoa(d.Year())}
}

// TestStaffReportPageByPage: a nurse reports an IT incident one question
// at a time, through the IT branch and the patients group, with the bad
// answers refused on their page, and sends it from check your answers.
func TestStaffReportPageByPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Users["A/cso"]
		sys, err := riskdb.New(st).CreateSystem(storetest.Operator, f.OrgA.ID, riskdb.System{Name: "ePMA Meridian", Manufacturer: "Meridian",
			IntendedUse: "Prescribing", Standard: risk.DCB0160, CSOs: []riskdb.Person{{ID: cso.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		c := f.Client(t, "A/reporter")
		resp, _ := webtest.Do(t, c, "GET", f.Srv.URL+"/events/report", "")
		id := webtest.Location(t, resp, "/events/report/")
		id = strings.TrimSuffix(id, "/type")
		w := walker{t: t, srv: f.Srv.URL, c: c, base: "/events/report/" + id}

		// Every signed-in page links to reporting; the home page offers the draft.
		home := webtest.Get(t, c, f.Srv.URL+"/", http.StatusOK)
		if !strings.Contains(home, `href="/events/report"`) || !strings.Contains(home, "Reports you have not finished") || !strings.Contains(home, "/events/report/"+id) {
			t.Errorf("home page lacks the report link or the unfinished draft")
		}

		page := webtest.Get(t, c, f.Srv.URL+w.base+"/type", http.StatusOK)
		if !strings.Contains(page, "What are you reporting?") || !strings.Contains(page, `type="radio"`) || !strings.Contains(page, `href="/events"`) {
			t.Fatalf("type page lacks its radios or back link:\n%s", page)
		}
		w.refuse("type", "Select what kind of event", "type", "99")
		w.answer("type", "description", "type", "1")
		w.refuse("description", "10,000 characters or fewer", "description", strings.Repeat("x", events.MaxLongText+1))
		w.answer("description", "when.kind", "description", "The ward round list showed yesterday's results")
		if back := webtest.Get(t, c, f.Srv.URL+w.base+"/when.kind", http.StatusOK); !strings.Contains(back, `href="`+w.base+`/description"`) {
			t.Errorf("the back link of when.kind is not the description page")
		}
		w.answer("when.kind", "when.date", "when.kind", "exact")
		future := time.Now().AddDate(1, 0, 0)
		w.refuse("when.date", "today or in the past", append(dateForm("when-date", future), "when.time", "10:00")...)
		w.refuse("when.date", "must be a real date", append(dateForm("when-date", time.Date(2026, 2, 30, 0, 0, 0, 0, time.UTC))[:0], "when-date-day", "30", "when-date-month", "2", "when-date-year", "2026", "when.time", "10:00")...)
		w.answer("when.date", "where.location", append(dateForm("when-date", time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)), "when.time", "08:40")...)
		w.answer("where.location", "where.service_area", "where.location", "Ward 7")
		w.refuse("where.service_area", "Select an answer from the list", "where.service_area", "not-a-code")
		w.answer("where.service_area", "where.specialty", "where.service_area", "acute")
		w.answer("where.specialty", "agents")
		// Ticking IT systems opens the IT pages.
		w.answer("agents", events.AnsSystem, "agents", events.AgentIT)
		sysPage := webtest.Get(t, c, f.Srv.URL+w.base+"/"+events.AnsSystem, http.StatusOK)
		if !strings.Contains(sysPage, "ePMA Meridian") || !strings.Contains(sysPage, "Not listed") {
			t.Errorf("system page lacks the register's system or Not listed")
		}
		w.refuse(events.AnsSystem, "Select a system from the register", events.AnsSystem, "0190f2a0-0000-7000-8000-000000000000")
		w.answer(events.AnsSystem, events.AnsITFactors, events.AnsSystem, sys.ID)
		w.answer(events.AnsITFactors, events.AnsITProblem, events.AnsITFactors, "4")
		w.answer(events.AnsITProblem, events.AnsPatientsSaid)
		w.answer(events.AnsPatientsSaid, events.GroupPatients, events.AnsPatientsSaid, "y")
		// The group asks its first item at once, then lists the items.
		first := webtest.Get(t, c, f.Srv.URL+w.base+"/patients", http.StatusOK)
		if !strings.Contains(first, `action="`+w.base+`/patients/0"`) {
			t.Fatalf("the empty group does not ask its first item:\n%s", first)
		}
		resp, body := webtest.Do(t, c, "POST", f.Srv.URL+w.base+"/patients/0", webtest.Form("version", w.version(w.base+"/patients"), "physical_harm", "9"))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Select an answer from the list") {
			t.Errorf("an item with a bad harm code: %d, want 422 with a message", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+w.base+"/patients/0", webtest.Form("version", w.version(w.base+"/patients"), "physical_harm", "4", "psychological_harm", "4", "association", "5"))
		webtest.Location(t, resp, w.base+"/patients")
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+w.base+"/patients/new", webtest.Form("version", w.version(w.base+"/patients/new"), "physical_harm", "5", "psychological_harm", "4", "association", "2"))
		webtest.Location(t, resp, w.base+"/patients")
		list := webtest.Get(t, c, f.Srv.URL+w.base+"/patients", http.StatusOK)
		if !strings.Contains(list, "Patient 1") || !strings.Contains(list, "Patient 2") || !strings.Contains(list, "Add another") || !strings.Contains(list, w.base+"/patients/1/remove") {
			t.Fatalf("group summary lacks its items, Change/Remove or Add another:\n%s", list)
		}
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+w.base+"/patients/1/remove", webtest.Form("version", w.version(w.base+"/patients")))
		webtest.Location(t, resp, w.base+"/patients")
		if list := webtest.Get(t, c, f.Srv.URL+w.base+"/patients", http.StatusOK); strings.Contains(list, "Patient 2") {
			t.Error("a removed patient is still listed")
		}
		w.answer("patients", events.AnsConcern)
		w.answer(events.AnsConcern, "immediate_actions", events.AnsConcern, "4")
		w.answer("immediate_actions", "process_stage")
		w.answer("process_stage", "detection")
		w.answer("detection", events.AnsReporterRole)
		w.answer(events.AnsReporterRole, events.AnsDataSharing, events.AnsReporterRole, "nurse")
		// The data sharing question says what opting out means, and must
		// be answered.
		sharing := webtest.Get(t, c, f.Srv.URL+w.base+"/"+events.AnsDataSharing, http.StatusOK)
		for _, want := range []string{"share your report for learning", "If you opt out, your report is still sent", "No, I opt out of sharing", `type="radio"`} {
			if !strings.Contains(sharing, want) {
				t.Errorf("data sharing page lacks %q", want)
			}
		}
		w.refuse(events.AnsDataSharing, "Select an answer: can the national patient safety service share your report for learning")
		w.refuse(events.AnsDataSharing, "Select an answer from the list", events.AnsDataSharing, "maybe")
		// A forged form with both answers is no answer, not the first.
		w.refuse(events.AnsDataSharing, "Select one answer", events.AnsDataSharing, events.DataShare, events.AnsDataSharing, events.DataOptOut)
		w.refuse(events.AnsDescription, "Enter one answer", events.AnsDescription, "One account", events.AnsDescription, "Another")
		w.answer(events.AnsDataSharing, "check", events.AnsDataSharing, events.DataOptOut)

		// A Change link comes back to check your answers.
		change := webtest.Get(t, c, f.Srv.URL+w.base+"/where.location?return=check", http.StatusOK)
		if !strings.Contains(change, `name="return" value="check"`) {
			t.Error("a page opened from check your answers does not return there")
		}
		w.answer("where.location", "check", "where.location", "Ward 7", "return", "check")
		check := webtest.Get(t, c, f.Srv.URL+w.base+"/check", http.StatusOK)
		for _, want := range []string{"ePMA Meridian", "23 November 2026", "Ward 7", "Patient 1", "Change", "In confidence", "Anonymously",
			"No, I opt out of sharing", `href="` + w.base + "/" + events.AnsDataSharing + `?return=check"`} {
			if !strings.Contains(check, want) {
				t.Errorf("check your answers lacks %q", want)
			}
		}
		v := versionRE.FindStringSubmatch(check)[1]
		n, _ := strconv.Atoi(v)
		// A stale version is a 409 page in words.
		resp, body = webtest.Do(t, c, "POST", f.Srv.URL+w.base+"/check", webtest.Form("version", strconv.Itoa(n-1), "identity", "named"))
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "changed in another window") {
			t.Errorf("stale submission: %d, want 409 in words\n%s", resp.StatusCode, body)
		}
		// Another person cannot read or change the draft.
		other := f.Client(t, "A/handler")
		if resp, _ := webtest.Do(t, other, "GET", f.Srv.URL+w.base+"/description", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another user's draft: %d, want 404", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, other, "POST", f.Srv.URL+w.base+"/description", webtest.Form("version", v, "description", "mine now")); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another user's draft saved: %d, want 404", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+w.base+"/check", webtest.Form("version", v, "identity", "named"))
		eid := strings.TrimSuffix(webtest.Location(t, resp, "/events/report/"), "/done")
		done := webtest.Get(t, c, f.Srv.URL+"/events/report/"+eid+"/done", http.StatusOK)
		ref := refRE.FindString(done)
		if ref == "" || !strings.Contains(done, "What happens next") || !strings.Contains(done, `href="/events/mine"`) {
			t.Fatalf("confirmation lacks the reference, what happens next or My reports:\n%s", done)
		}
		mine := webtest.Get(t, c, f.Srv.URL+"/events/mine", http.StatusOK)
		if !strings.Contains(mine, ref) || !strings.Contains(mine, "Submitted") || !strings.Contains(mine, "23 November 2026") {
			t.Errorf("My reports lacks %s, its status or its date", ref)
		}
		one := webtest.Get(t, c, f.Srv.URL+"/events/mine/"+eid, http.StatusOK)
		if !strings.Contains(one, "ePMA Meridian") || !strings.Contains(one, "Low harm") && !strings.Contains(one, "Patient 1") {
			t.Errorf("my report lacks its answers in words:\n%s", one)
		}
		if resp, _ := webtest.Do(t, other, "GET", f.Srv.URL+"/events/mine/"+eid, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another person's report: %d, want 404", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, other, "GET", f.Srv.URL+"/events/report/"+eid+"/done", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another person's confirmation: %d, want 404", resp.StatusCode)
		}
		// The next report starts from the last location and role.
		resp, _ = webtest.Do(t, c, "GET", f.Srv.URL+"/events/report", "")
		next := strings.TrimSuffix(webtest.Location(t, resp, "/events/report/"), "/type")
		walker{t: t, srv: f.Srv.URL, c: c, base: "/events/report/" + next}.answer("type", "description", "type", "1")
		if loc := webtest.Get(t, c, f.Srv.URL+"/events/report/"+next+"/where.location", http.StatusOK); !strings.Contains(loc, `value="Ward 7"`) {
			t.Errorf("a new draft is not prefilled with the last location")
		}
		if n := storetest.Findings(t, st); len(n) != 0 {
			t.Errorf("audit findings %v", n)
		}
	})
}

// TestStaffSubmitGoesToThePageAtFault: a submission with answers missing
// is refused on the first page at fault, with its message, and nothing is
// submitted.
func TestStaffSubmitGoesToThePageAtFault(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/reporter")
		resp, _ := webtest.Do(t, c, "GET", f.Srv.URL+"/events/report", "")
		id := strings.TrimSuffix(webtest.Location(t, resp, "/events/report/"), "/type")
		w := walker{t: t, srv: f.Srv.URL, c: c, base: "/events/report/" + id}
		w.answer("type", "description", "type", "3")
		resp, body := w.post("check", "identity", "named")
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Describe the risk") || !strings.Contains(body, `action="`+w.base+`/description"`) {
			t.Errorf("incomplete submission: %d, want 422 on the description page\n%s", resp.StatusCode, body)
		}
		// The error summary: the page's own field links to its anchor, and
		// each question on a later page links to that page, never to an
		// anchor this page lacks or under another field's name.
		summary := body[strings.Index(body, `class="nhsuk-error-summary"`):]
		summary = summary[:strings.Index(summary, "</ul>")]
		links := regexp.MustCompile(`<a href="([^"]*)">([^<]*)</a>`).FindAllStringSubmatch(summary, -1)
		if len(links) < 2 {
			t.Fatalf("error summary has %d links, want the description and the later questions\n%s", len(links), summary)
		}
		own, later := 0, 0
		for _, l := range links {
			href, msg := strings.ReplaceAll(l[1], "&amp;", "&"), l[2]
			switch {
			case strings.HasPrefix(href, "#"):
				if !strings.Contains(body, `id="`+href[1:]+`"`) {
					t.Errorf("error summary links %q to %s, which is not on the page", msg, href)
				}
				if !strings.Contains(strings.ToLower(msg), "describe the risk") {
					t.Errorf("error summary links %q to this page's field %s", msg, href)
				}
				own++
			case strings.HasPrefix(href, w.base+"/") && strings.HasSuffix(href, "?return=check"):
				page := strings.TrimSuffix(strings.TrimPrefix(href, w.base+"/"), "?return=check")
				if page == "description" {
					t.Errorf("error summary links %q to this page by its URL", msg)
				}
				if r, _ := webtest.Do(t, c, "GET", f.Srv.URL+href, ""); r.StatusCode != http.StatusOK {
					t.Errorf("error summary links %q to %s: %d", msg, href, r.StatusCode)
				}
				later++
			default:
				t.Errorf("error summary links %q to %q", msg, href)
			}
		}
		if own != 1 || later == 0 {
			t.Errorf("error summary: %d links to this page's field, %d to later pages; want 1 and some\n%s", own, later, summary)
		}
		if mine := webtest.Get(t, c, f.Srv.URL+"/events/mine", http.StatusOK); refRE.MatchString(mine) {
			t.Error("a refused submission has a reference")
		}
	})
}

// TestStaffAnonymousAndConfidential: an anonymous staff report keeps no
// identity (the event, its history and its audit entries), gives a
// follow-up code, and is not in My reports; a confidential one keeps the
// name with the flag.
func TestStaffAnonymousAndConfidential(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		nurse := f.Users["A/reporter"]
		c := f.Client(t, "A/reporter")
		report := func(identity string) (*http.Response, string) {
			resp, _ := webtest.Do(t, c, "GET", f.Srv.URL+"/events/report", "")
			id := strings.TrimSuffix(webtest.Location(t, resp, "/events/report/"), "/type")
			w := walker{t: t, srv: f.Srv.URL, c: c, base: "/events/report/" + id}
			w.answer("type", "description", "type", "3")
			w.answer("description", "where.location", "description", "The drug fridge does not lock")
			w.answer("where.location", "where.service_area", "where.location", "Ward 9")
			w.answer("where.service_area", "where.specialty", "where.service_area", "acute")
			w.answer("where.specialty", "agents")
			w.answer("agents", events.AnsConcern, "agents", "10")
			w.answer(events.AnsConcern, "immediate_actions", events.AnsConcern, "3")
			w.answer("immediate_actions", "risk.theme")
			w.answer("risk.theme", "risk.imminent", "risk.theme", events.LFPSE.List(events.ListRiskTheme).Entries[0].Code)
			w.answer("risk.imminent", "risk.timeframe", "risk.imminent", "n")
			w.answer("risk.timeframe", events.AnsReporterRole)
			w.answer(events.AnsReporterRole, events.AnsDataSharing)
			w.answer(events.AnsDataSharing, "check", events.AnsDataSharing, events.DataShare)
			return w.post("check", "identity", identity)
		}
		resp, body := report("anonymous")
		code := codeRE.FindStringSubmatch(body)
		if resp.StatusCode != http.StatusOK || code == nil || !strings.Contains(body, "/report/RAA/follow-up") {
			t.Fatalf("anonymous submission: %d, want the follow-up code\n%s", resp.StatusCode, body)
		}
		ev := eventsdb.New(st)
		e, err := ev.ByFollowUpCode(storetest.Operator, f.OrgA.ID, code[1])
		if err != nil || e.ReporterID != "" || e.Audience != events.Staff {
			t.Fatalf("anonymous event %+v, %v: want a staff report without reporter", e, err)
		}
		assertNoIdentity(t, st, e.ID, nurse.ID, nurse.Name)
		if mine := webtest.Get(t, c, f.Srv.URL+"/events/mine", http.StatusOK); strings.Contains(mine, e.Ref) {
			t.Error("an anonymous report is listed in My reports")
		}
		if ds, _ := ev.Drafts(storetest.As(nurse), f.OrgA.ID); len(ds) != 0 {
			t.Errorf("%d drafts left after the anonymous report, want none", len(ds))
		}
		resp, _ = report("confidential")
		eid := strings.TrimSuffix(webtest.Location(t, resp, "/events/report/"), "/done")
		got, err := ev.Get(storetest.Operator, f.OrgA.ID, eid)
		if err != nil || !got.Confidential || got.ReporterID != nurse.ID {
			t.Errorf("confidential report %+v, %v: want the flag and the reporter kept", got, err)
		}
		if n := storetest.Findings(t, st); len(n) != 0 {
			t.Errorf("audit findings %v", n)
		}
	})
}

// assertNoIdentity fails when event id, its history or its audit entries
// hold any of marks (a person's id or name, a client address).
func assertNoIdentity(t *testing.T, st *store.DB, id string, marks ...string) {
	t.Helper()
	var row string
	if err := st.SQL().QueryRow(`SELECT COALESCE(reporter_id, '') || '|' || record || '|' || location || '|' || COALESCE(draft_key, '') FROM events WHERE id = $1`, id).Scan(&row); err != nil {
		t.Fatal(err)
	}
	rows, err := st.SQL().Query(`SELECT COALESCE(actor_id, '') || '|' || actor_name || '|' || summary || '|' || request_id FROM audit_log WHERE entity_id = $1
		UNION ALL SELECT COALESCE(actor_id, '') || '|' || reason FROM event_status_history WHERE event_id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	all := []string{row}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		all = append(all, s)
	}
	if len(all) < 3 {
		t.Fatalf("event %s has %d rows of its own, want the event, its audit entries and history", id, len(all))
	}
	for _, s := range all {
		for _, m := range append(marks, "127.0.0.1", "::1") {
			if m != "" && strings.Contains(s, m) {
				t.Errorf("stored %q holds %q", s, m)
			}
		}
	}
}

// TestPublicReport: a carer reports on the organisation's public page
// without signing in, is asked only public questions, and gets a
// follow-up code; nothing stored names them or their address; the page is
// rate limited per address.
func TestPublicReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "")
		if body := webtest.Get(t, c, f.Srv.URL+"/report/RAA", http.StatusOK); !strings.Contains(body, "Alpha Trust") {
			t.Error("the public page does not name the organisation")
		}
		if resp, body := webtest.Do(t, c, "GET", f.Srv.URL+"/report/ZZ999", ""); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "no organisation with the code ZZ999") {
			t.Errorf("unknown ODS code: %d, want 404 in words", resp.StatusCode)
		}
		// Without a draft cookie there is nothing to answer.
		if resp, _ := webtest.Do(t, c, "GET", f.Srv.URL+"/report/RAA/description", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("page without a draft: %d, want 404", resp.StatusCode)
		}
		resp, _ := webtest.Do(t, c, "POST", f.Srv.URL+"/report/RAA", "")
		webtest.Location(t, resp, "/report/RAA/type")
		ck := resp.Header.Get("Set-Cookie")
		for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/report/RAA"} {
			if !strings.Contains(ck, want) {
				t.Errorf("draft cookie %q lacks %s", ck, want)
			}
		}
		if strings.Contains(ck, "Expires") || strings.Contains(ck, "Max-Age") {
			t.Errorf("draft cookie %q outlives the session", ck)
		}
		w := walker{t: t, srv: f.Srv.URL, c: c, base: "/report/RAA"}
		w.answer("type", "description", "type", "1")
		w.answer("description", "when.kind", "description", "My father was given his tablets twice")
		w.answer("when.kind", "where.location", "when.kind", "today")
		// Staff-only questions are not asked.
		w.answer("where.location", "agents", "where.location", "Ward 3")
		if resp, _ := webtest.Do(t, c, "GET", f.Srv.URL+"/report/RAA/where.service_area", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a staff-only page on the public flow: %d, want 404", resp.StatusCode)
		}
		w.answer("agents", "medicines", "agents", events.AgentMedication)
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+"/report/RAA/medicines/0", webtest.Form("version", w.version("/report/RAA/medicines"), "name", "Warfarin"))
		webtest.Location(t, resp, "/report/RAA/medicines")
		w.answer("medicines", events.AnsPatientsSaid)
		w.answer(events.AnsPatientsSaid, events.AnsConcern, events.AnsPatientsSaid, "u")
		w.answer(events.AnsConcern, events.AnsReporterType, events.AnsConcern, "5")
		w.answer(events.AnsReporterType, events.AnsDataSharing, events.AnsReporterType, "carer")
		if page := webtest.Get(t, c, f.Srv.URL+"/report/RAA/"+events.AnsDataSharing, http.StatusOK); !strings.Contains(page, "If you opt out, your report is still sent") {
			t.Errorf("public data sharing page does not say what opting out means:\n%s", page)
		}
		w.refuse(events.AnsDataSharing, "Select an answer")
		w.answer(events.AnsDataSharing, "check", events.AnsDataSharing, events.DataOptOut)
		check := webtest.Get(t, c, f.Srv.URL+"/report/RAA/check", http.StatusOK)
		if !strings.Contains(check, "Warfarin") || strings.Contains(check, "How do you want to send it") {
			t.Errorf("public check your answers lacks the medicine or asks staff how to send")
		}
		if !strings.Contains(check, "No, I opt out of sharing") || !strings.Contains(check, `href="/report/RAA/`+events.AnsDataSharing+`?return=check"`) {
			t.Errorf("public check your answers lacks the data sharing answer or its Change link")
		}
		resp, body := w.post("check")
		code := codeRE.FindStringSubmatch(body)
		if resp.StatusCode != http.StatusOK || code == nil || !strings.Contains(body, `href="/report/RAA/follow-up"`) || !strings.Contains(body, "Write down") {
			t.Fatalf("public submission: %d, want the follow-up code page\n%s", resp.StatusCode, body)
		}
		if len(strings.ReplaceAll(code[1], "-", ""))*5 < 100 {
			t.Errorf("follow-up code %q has under 100 bits", code[1])
		}
		e, err := eventsdb.New(st).ByFollowUpCode(storetest.Operator, f.OrgA.ID, code[1])
		if err != nil || e.Audience != events.Public || e.ReporterID != "" || e.Status != events.Submitted || !refRE.MatchString(e.Ref) {
			t.Fatalf("public event %+v, %v", e, err)
		}
		assertNoIdentity(t, st, e.ID)
		// The cookie no longer reads the sent report.
		if resp, _ := webtest.Do(t, c, "GET", f.Srv.URL+"/report/RAA/check", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("the sent report through its old cookie: %d, want 404", resp.StatusCode)
		}
		// A new draft and a submission were counted; the rest of the hour's
		// allowance, then 429 in words.
		n := 0
		for range eventsweb.PublicPerAddress + 5 {
			resp, body = webtest.Do(t, c, "POST", f.Srv.URL+"/report/RAA", "")
			if resp.StatusCode == http.StatusTooManyRequests {
				break
			}
			n++
		}
		if n != eventsweb.PublicPerAddress-2 || resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "try again") || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%d drafts before the limit (want %d), then %d: want 429 in words with Retry-After", n, eventsweb.PublicPerAddress-2, resp.StatusCode)
		}
		if n := storetest.Findings(t, st); len(n) != 0 {
			t.Errorf("audit findings %v", n)
		}
	})
}

// TestLocalQuestionsInTheFlow: an admin adds a choice question to
// incidents; it is asked in the flow and shown on check your answers;
// bad questions are refused with messages; reporters cannot reach admin.
func TestLocalQuestionsInTheFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		admin := f.Client(t, "A/admin")
		resp, body := webtest.Do(t, admin, "POST", f.Srv.URL+"/events/questions", webtest.Form("record_type", "1", "kind", "choice", "prompt", "Which site?", "options", "North\r\nSouth"))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add local question: %d\n%s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, admin, "POST", f.Srv.URL+"/events/questions", webtest.Form("record_type", "1", "kind", "choice", "prompt", "One option", "options", "Only"))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "at least two choices") {
			t.Errorf("a choice with one option: %d, want 422", resp.StatusCode)
		}
		list := webtest.Get(t, admin, f.Srv.URL+"/events/questions", http.StatusOK)
		if !strings.Contains(list, "Which site?") {
			t.Fatal("the question is not listed")
		}
		if resp, _ := webtest.Do(t, f.Client(t, "A/reporter"), "GET", f.Srv.URL+"/events/questions", ""); resp.StatusCode != http.StatusForbidden {
			t.Errorf("reporter on local questions: %d, want 403", resp.StatusCode)
		}
		qs, _ := eventsdb.New(st).LocalQuestions(storetest.Operator, f.OrgA.ID, false)
		qid := "local." + qs[0].ID
		c := f.Client(t, "A/reporter")
		resp, _ = webtest.Do(t, c, "GET", f.Srv.URL+"/events/report", "")
		id := strings.TrimSuffix(webtest.Location(t, resp, "/events/report/"), "/type")
		w := walker{t: t, srv: f.Srv.URL, c: c, base: "/events/report/" + id}
		w.answer("type", "description", "type", "1")
		page := webtest.Get(t, c, f.Srv.URL+w.base+"/"+qid, http.StatusOK)
		if !strings.Contains(page, "Which site?") || !strings.Contains(page, "South") {
			t.Fatalf("the local question page lacks its prompt or options:\n%s", page)
		}
		w.answer(qid, events.AnsReporterRole, qid, "2")
		if check := webtest.Get(t, c, f.Srv.URL+w.base+"/check", http.StatusOK); !strings.Contains(check, "Which site?") || !strings.Contains(check, "South") {
			t.Error("check your answers lacks the local question's answer in words")
		}
		resp, _ = webtest.Do(t, admin, "POST", f.Srv.URL+"/events/questions/"+qs[0].ID+"/retire", "")
		webtest.Location(t, resp, "/events/questions")
		if resp, _ := webtest.Do(t, c, "GET", f.Srv.URL+w.base+"/"+qid, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a retired question's page: %d, want 404", resp.StatusCode)
		}
	})
}

// TestReportAPI: create and submit from a complete record, drafts with
// versions, per-field errors, the flow as data.
func TestReportAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/reporter")
		u := f.Srv.URL + "/api/v1/events"
		rec := `"answers":{"description":["Printer jams"],"where.location":["Ward 2"],"where.service_area":["acute"],"agents":["10"],"concern":["3"],"risk.theme":["%s"],"risk.imminent":["n"],"reporter.data_sharing":["n"]}`
		theme := events.LFPSE.List(events.ListRiskTheme).Entries[0].Code
		resp, body := webtest.Do(t, c, "POST", u, `{"record_type":"3",`+fmt.Sprintf(rec, theme)+`}`)
		if resp.StatusCode != http.StatusCreated || !refRE.MatchString(body) {
			t.Fatalf("POST /api/v1/events: %d\n%s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, c, "POST", u, `{"record_type":"3",`+fmt.Sprintf(rec, "nope")+`}`)
		var bad struct {
			Error struct{ Fields map[string]string } `json:"error"`
		}
		json.Unmarshal([]byte(body), &bad)
		if resp.StatusCode != http.StatusUnprocessableEntity || bad.Error.Fields["risk.theme"] == "" {
			t.Errorf("a code outside the taxonomy: %d %v, want 422 naming risk.theme", resp.StatusCode, bad.Error.Fields)
		}
		// Without the data sharing answer: 422 naming the field.
		bad.Error.Fields = nil
		resp, body = webtest.Do(t, c, "POST", u, `{"record_type":"3",`+strings.Replace(fmt.Sprintf(rec, theme), `,"reporter.data_sharing":["n"]`, "", 1)+`}`)
		json.Unmarshal([]byte(body), &bad)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Error.Fields[events.AnsDataSharing], "Select an answer") {
			t.Errorf("a report without the data sharing answer: %d %v, want 422 naming %s", resp.StatusCode, bad.Error.Fields, events.AnsDataSharing)
		}
		resp, body = webtest.Do(t, c, "POST", u, `{"record_type":"3",`+fmt.Sprintf(rec, theme)+`,"anonymous":true}`)
		var anon struct {
			ReporterID string `json:"reporter_id"`
			Code       string `json:"follow_up_code"`
		}
		json.Unmarshal([]byte(body), &anon)
		if resp.StatusCode != http.StatusCreated || anon.Code == "" || anon.ReporterID != "" {
			t.Errorf("anonymous API report: %d %+v, want a code and no reporter", resp.StatusCode, anon)
		}
		resp, body = webtest.Do(t, c, "POST", u+"/drafts", `{"record_type":"3","answers":{"description":["Half known"]}}`)
		var d eventsdb.Event
		json.Unmarshal([]byte(body), &d)
		if resp.StatusCode != http.StatusCreated || d.Version != 1 || d.Status != events.Draft {
			t.Fatalf("create draft: %d\n%s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, c, "PUT", u+"/drafts/"+d.ID, `{"record_type":"3",`+fmt.Sprintf(rec, theme)+`,"version":1}`)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("update draft: %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := webtest.Do(t, c, "PUT", u+"/drafts/"+d.ID, `{"record_type":"3","answers":{},"version":1}`); resp.StatusCode != http.StatusConflict {
			t.Errorf("stale draft update: %d, want 409", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, f.Client(t, "A/handler"), "PUT", u+"/drafts/"+d.ID, `{"record_type":"3","answers":{},"version":2}`); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another user's draft: %d, want 404", resp.StatusCode)
		}
		if body := webtest.Get(t, c, u+"/drafts", http.StatusOK); !strings.Contains(body, d.ID) {
			t.Error("the draft is not listed")
		}
		resp, body = webtest.Do(t, c, "POST", u+"/drafts/"+d.ID+"/submit", `{"version":2}`)
		if resp.StatusCode != http.StatusCreated || !refRE.MatchString(body) {
			t.Fatalf("submit draft: %d\n%s", resp.StatusCode, body)
		}
		if body := webtest.Get(t, c, u+"/mine", http.StatusOK); strings.Count(body, `"reference"`) != 2 || !strings.Contains(body, `"history"`) {
			t.Errorf("mine lists %d reports, want the two named ones with history", strings.Count(body, `"reference"`))
		}
		var flow struct {
			TaxonomyVersion string `json:"taxonomy_version"`
			Questions       []struct{ ID string }
			Lists           map[string]events.CodeList
		}
		json.Unmarshal([]byte(webtest.Get(t, c, u+"/flow", http.StatusOK)), &flow)
		if flow.TaxonomyVersion != events.TaxonomyVersion || len(flow.Questions) != len(events.Standard.Questions) || len(flow.Lists[events.ListRiskTheme].Entries) == 0 {
			t.Errorf("flow as data: version %q, %d questions, want %d and the code lists", flow.TaxonomyVersion, len(flow.Questions), len(events.Standard.Questions))
		}
		_ = url.Values{}
	})
}

// TestStaffDiscardDraft: a reporter deletes a draft they no longer want,
// on the page (after a question) and by the API; nobody else can, a stale
// version is refused, and a sent report is never deleted. The audit entry
// is the same as that of a draft sent anonymously instead, so the trail
// does not tell which drafts became anonymous reports.
func TestStaffDiscardDraft(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/reporter")
		start := func() walker {
			resp, _ := webtest.Do(t, c, "GET", f.Srv.URL+"/events/report", "")
			id := strings.TrimSuffix(webtest.Location(t, resp, "/events/report/"), "/type")
			w := walker{t: t, srv: f.Srv.URL, c: c, base: "/events/report/" + id}
			w.answer("type", "description", "type", "1")
			return w
		}
		w := start()
		id := strings.TrimPrefix(w.base, "/events/report/")
		if mine := webtest.Get(t, c, f.Srv.URL+"/events/mine", http.StatusOK); !strings.Contains(mine, w.base+"/discard") {
			t.Errorf("My reports offers no way to delete the draft")
		}
		if check := webtest.Get(t, c, f.Srv.URL+w.base+"/check", http.StatusOK); !strings.Contains(check, w.base+"/discard") {
			t.Errorf("check your answers offers no way to delete the draft")
		}
		page := webtest.Get(t, c, f.Srv.URL+w.base+"/discard", http.StatusOK)
		if !strings.Contains(page, "Delete this draft report?") || !strings.Contains(page, "cannot be undone") {
			t.Errorf("the delete page does not ask first:\n%s", page)
		}
		v := versionRE.FindStringSubmatch(page)[1]
		stale, _ := strconv.Atoi(v)
		if resp, _ := webtest.Do(t, c, "POST", f.Srv.URL+w.base+"/discard", webtest.Form("version", strconv.Itoa(stale-1))); resp.StatusCode != http.StatusConflict {
			t.Errorf("delete at a stale version: %d, want 409", resp.StatusCode)
		}
		other := f.Client(t, "A/handler")
		if resp, _ := webtest.Do(t, other, "POST", f.Srv.URL+w.base+"/discard", webtest.Form("version", v)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another person deletes the draft: %d, want 404", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, f.Client(t, "B/reporter"), "POST", f.Srv.URL+w.base+"/discard", webtest.Form("version", v)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another organisation deletes the draft: %d, want 404", resp.StatusCode)
		}
		resp, _ := webtest.Do(t, c, "POST", f.Srv.URL+w.base+"/discard", webtest.Form("version", v))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/events/mine" {
			t.Fatalf("delete: %d to %q, want 303 to My reports", resp.StatusCode, resp.Header.Get("Location"))
		}
		if mine := webtest.Get(t, c, f.Srv.URL+"/events/mine", http.StatusOK); strings.Contains(mine, id) || !strings.Contains(mine, "Your draft report was deleted") {
			t.Errorf("My reports after the delete still lists the draft, or says nothing")
		}
		if resp, _ := webtest.Do(t, c, "GET", f.Srv.URL+w.base+"/description", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("the deleted draft's page: %d, want 404", resp.StatusCode)
		}

		// The API: the version is required; then 204.
		w2 := start()
		id2 := strings.TrimPrefix(w2.base, "/events/report/")
		v2 := w2.version(w2.base + "/description")
		if resp, body := webtest.Do(t, c, "DELETE", f.Srv.URL+"/api/v1/events/drafts/"+id2, ""); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "version") {
			t.Errorf("API delete without a version: %d %s, want 422 naming the version", resp.StatusCode, body)
		}
		if resp, _ := webtest.Do(t, other, "DELETE", f.Srv.URL+"/api/v1/events/drafts/"+id2+"?version="+v2, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("API delete of another person's draft: %d, want 404", resp.StatusCode)
		}
		if resp, body := webtest.Do(t, c, "DELETE", f.Srv.URL+"/api/v1/events/drafts/"+id2+"?version="+v2, ""); resp.StatusCode != http.StatusNoContent {
			t.Errorf("API delete: %d %s, want 204", resp.StatusCode, body)
		}

		// A sent report is not a draft: never deleted.
		sent := eventsdb.New(st)
		e, err := sent.Report(storetest.As(f.Users["A/reporter"]), f.OrgA.ID, staffRecord(), eventsdb.Submission{Audience: events.Staff, ReporterID: f.Users["A/reporter"].ID})
		if err != nil {
			t.Fatal(err)
		}
		if resp, _ := webtest.Do(t, c, "POST", f.Srv.URL+"/events/report/"+e.ID+"/discard", webtest.Form("version", strconv.Itoa(e.Version))); resp.StatusCode != http.StatusNotFound {
			t.Errorf("delete a sent report: %d, want 404", resp.StatusCode)
		}
		if _, err := sent.Get(storetest.Operator, f.OrgA.ID, e.ID); err != nil {
			t.Errorf("the sent report after a delete attempt: %v", err)
		}

		// Both deletions read the same in the trail as a draft sent anonymously.
		rows, err := st.SQL().Query(`SELECT DISTINCT summary FROM audit_log WHERE action = 'event.draft_discard'`)
		if err != nil {
			t.Fatal(err)
		}
		var sums []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			sums = append(sums, s)
		}
		rows.Close()
		if len(sums) != 1 || sums[0] != "draft discarded" {
			t.Errorf("summaries of deleted drafts %q, want the one plain summary", sums)
		}
		if n := storetest.Findings(t, st); len(n) != 0 {
			t.Errorf("audit findings %v", n)
		}
	})
}
