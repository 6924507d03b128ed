package devicesweb_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
	"github.com/clinsafe/clinsafe/nhsnumber"
)

// Recall list sizes of these tests: enough affected patients for two
// pages of the list.
const (
	rwAffected  = 60
	rwPossible  = 3
	rwExplanted = 2
	rwAll       = rwAffected + rwPossible + rwExplanted
)

func rwPatient(n int) devices.PatientInput {
	nhs := ""
	for i := n * 10; ; i++ {
		nine := fmt.Sprintf("997%06d", i%1000000)
		if c, ok, err := nhsnumber.CheckDigit(nine); err == nil && ok {
			nhs = nine + string(c)
			break
		}
	}
	return devices.PatientInput{NHSNumber: nhs, Name: fmt.Sprintf("Recall Patient %03d", n), BirthDate: "1960-05-01", Address: "1 High Street", Postcode: "LS1 4AP"}
}

type recallWorld struct {
	f   *webtest.Fixture
	db  *devicesdb.DB
	ctx context.Context
	rc  devices.Recall
	c   *http.Client
}

// newRecallWorld records, in organisation A, rwAffected patients with an
// affected device (lot L1) still implanted, rwPossible whose device has no
// lot recorded (possibly affected), and rwExplanted whose affected device
// was removed, and a recall of lot L1.
func newRecallWorld(t *testing.T, st *store.DB) *recallWorld {
	t.Helper()
	w := &recallWorld{f: webtest.NewFixture(t, st), db: devicesdb.New(st), ctx: audit.WithActor(context.Background(), audit.Actor{Name: "test"})}
	org := w.f.OrgA.ID
	proc := devices.ProcedureInput{PerformedOn: "2026-11-20", Site: "Theatre 3", Laterality: "left", Clinician: "Ms A Surgeon", Description: "Hip replacement"}
	var recs []devicesdb.BulkRecord
	for i := range rwAll {
		d := devices.Device{GTIN: webtest.GTIN(7), Lot: "L1", Serial: fmt.Sprintf("S%03d", i), EntryType: devices.EntryManual}
		if i >= rwAffected && i < rwAffected+rwPossible {
			d.Lot = ""
		}
		recs = append(recs, devicesdb.BulkRecord{Patient: rwPatient(i), Procedure: proc, Devices: []devices.Device{d}})
	}
	if _, err := w.db.ImportImplants(w.ctx, org, slices.Values(recs)); err != nil {
		t.Fatal(err)
	}
	for i := rwAffected + rwPossible; i < rwAll; i++ {
		h, err := w.db.DeviceHistory(w.ctx, org, webtest.GTIN(7), fmt.Sprintf("S%03d", i))
		if err != nil || len(h) != 1 {
			t.Fatalf("history: %d %v", len(h), err)
		}
		if err := w.db.Explant(w.ctx, org, h[0].ID, devices.ExplantInput{Date: "2026-11-22", Reason: "Infection"}); err != nil {
			t.Fatal(err)
		}
	}
	rc, err := w.db.CreateRecall(w.ctx, org, devices.RecallInput{Reference: "FSN-WEB-1", Kind: "fsn", Issuer: "Acme", IssuedOn: "2026-11-01",
		Manufacturer: "Acme", ActionRequired: "Review", Affects: webtest.GTIN(7) + " lots L1"})
	if err != nil {
		t.Fatal(err)
	}
	w.rc, w.c = rc, w.f.Client(t, "A/devices")
	return w
}

func (w *recallWorld) start(t *testing.T) {
	t.Helper()
	if n, err := w.db.StartRecallActions(w.ctx, w.f.OrgA.ID, w.rc.ID); err != nil || n != rwAll {
		t.Fatalf("StartRecallActions = %d, %v; want %d", n, err, rwAll)
	}
}

func (w *recallWorld) url(p string) string { return w.f.Srv.URL + "/devices/recalls/" + w.rc.ID + p }

// section is the HTML of the element with this id up to its table's end.
func section(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no element %q in the page", id)
	}
	i = strings.LastIndex(body[:i], "<")
	j := strings.Index(body[i:], "</table>")
	if j < 0 {
		t.Fatalf("element %q is not a table", id)
	}
	return body[i : i+j]
}

// TestRecallPageThreeLists: the recall page lists affected, possibly
// affected (with what to check) and removed devices apart, with the
// counts, and every list uses the responsive table pattern.
func TestRecallPageThreeLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newRecallWorld(t, st)
		body := webtest.Get(t, w.c, w.url(""), 200)
		aff, pos, exp := section(t, body, "affected-patients"), section(t, body, "possible-patients"), section(t, body, "explanted-patients")
		want := map[string]struct {
			html     string
			from, to int
		}{"affected": {aff, 0, rwAffected}, "possible": {pos, rwAffected, rwAffected + rwPossible}, "explanted": {exp, rwAffected + rwPossible, rwAll}}
		for name, l := range want {
			for i := range rwAll {
				in := strings.Contains(l.html, rwPatient(i).Name+"<")
				if in != (i >= l.from && i < l.to) {
					t.Errorf("%s list holds %s: %v, want %v", name, rwPatient(i).Name, in, !in)
				}
			}
			if !strings.Contains(l.html, `class="nhsuk-table-responsive"`) || !strings.Contains(l.html, `role="columnheader"`) || !strings.Contains(l.html, "nhsuk-table-responsive__heading") {
				t.Errorf("%s list is not a responsive table", name)
			}
		}
		if !strings.Contains(pos, "lot") || !strings.Contains(pos, "app-recall-reasons") {
			t.Errorf("possible list lacks the reasons to check:\n%s", pos)
		}
		if !strings.Contains(exp, "removed 22 November 2026") {
			t.Errorf("explanted list lacks the removal date:\n%s", exp)
		}
		for _, s := range []string{"<strong>60</strong> patients have <strong>60</strong> affected devices still implanted",
			"<strong>3</strong> patients have <strong>3</strong> possibly affected devices", "<strong>2</strong> patients have had <strong>2</strong> recalled devices removed"} {
			if !strings.Contains(body, s) {
				t.Errorf("page lacks %q", s)
			}
		}
	})
}

var hrefRE = regexp.MustCompile(`href="(/devices/recalls/[^"#]*\?[^"]*)"`)

// TestRecallPatientListPagesAndFilters: the list of patients with recall
// work shows 50 at a time with Previous and Next links that carry only
// the filters and offset, filters by status and group with counts, and
// refuses bad values with a 4xx.
func TestRecallPatientListPagesAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newRecallWorld(t, st)
		w.start(t)
		body := webtest.Get(t, w.c, w.url(""), 200)
		list := section(t, body, "patient-list")
		if n := strings.Count(list, `name="patient_ids"`); n != 50 {
			t.Errorf("first page has %d patients, want 50", n)
		}
		if !strings.Contains(body, "Patients 1 to 50 of 65") || !strings.Contains(body, "nhsuk-pagination") {
			t.Errorf("first page lacks its range or pagination")
		}
		for _, s := range []string{"To contact (60)", "To check (5)", "Affected (60)", "Possibly affected: check (3)", "Device removed: check whether follow-up is needed (2)", "All groups (65)"} {
			if !strings.Contains(body, s) {
				t.Errorf("filters lack %q", s)
			}
		}
		var next string
		for _, m := range hrefRE.FindAllStringSubmatch(body, -1) {
			u, _ := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
			for k := range u.Query() {
				if k != "status" && k != "basis" && k != "offset" {
					t.Errorf("link %s carries %q", m[1], k)
				}
			}
			if u.Query().Get("offset") == "50" {
				next = u.String()
			}
		}
		if next == "" {
			t.Fatalf("no Next link to offset 50")
		}
		body = webtest.Get(t, w.c, w.f.Srv.URL+next, 200)
		if !strings.Contains(body, "Patients 51 to 65 of 65") || !strings.Contains(body, `rel="prev"`) || strings.Contains(body, `rel="next"`) {
			t.Errorf("second page lacks its range or links")
		}
		// Filters: the possibly affected, then those to check on page 2 of nothing.
		body = webtest.Get(t, w.c, w.url("?basis=possible"), 200)
		list = section(t, body, "patient-list")
		if n := strings.Count(list, `name="patient_ids"`); n != rwPossible || !strings.Contains(list, rwPatient(rwAffected).Name) {
			t.Errorf("basis=possible lists %d patients, want %d", n, rwPossible)
		}
		body = webtest.Get(t, w.c, w.url("?status=to_check&status=contacted"), 200)
		if n := strings.Count(section(t, body, "patient-list"), `name="patient_ids"`); n != rwPossible+rwExplanted {
			t.Errorf("status=to_check lists %d patients, want %d", n, rwPossible+rwExplanted)
		}
		if !strings.Contains(body, `value="to_check" checked`) {
			t.Errorf("the status filter is not kept checked")
		}
		for _, q := range []string{"?offset=abc", "?offset=-1", "?status=bogus", "?basis=bogus"} {
			resp, _ := webtest.Do(t, w.c, "GET", w.url(q), "")
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Errorf("GET %s: %d, want 4xx", q, resp.StatusCode)
			}
		}
	})
}

func (w *recallWorld) ids(t *testing.T, q devicesdb.RecallPatientQuery) []string {
	t.Helper()
	p, err := w.db.RecallPatients(w.ctx, w.f.OrgA.ID, w.rc.ID, q)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range p.Patients {
		out = append(out, a.Patient.ID)
	}
	return out
}

// TestRecallBulkStatusChange: ticked patients change status together; a
// bad change re-renders the page (422) with the error summary and changes
// nothing; the per-patient form still works.
func TestRecallBulkStatusChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newRecallWorld(t, st)
		w.start(t)
		ids := w.ids(t, devicesdb.RecallPatientQuery{Limit: 3})
		form := url.Values{"patient_ids": ids, "status": {"contacted"}, "note": {"Letter sent"}, "list": {"offset=0&status=to_contact&x=evil"}}
		resp, _ := webtest.Do(t, w.c, "POST", w.url("/patients"), form.Encode())
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != "/devices/recalls/"+w.rc.ID+"?status=to_contact#patients" {
			t.Fatalf("bulk change: %d to %q", resp.StatusCode, loc)
		}
		if got := w.ids(t, devicesdb.RecallPatientQuery{Statuses: []string{"contacted"}}); !slices.Equal(got, ids) {
			t.Errorf("contacted = %v, want %v", got, ids)
		}
		body := webtest.Get(t, w.c, w.url("?status=contacted"), 200)
		if !strings.Contains(body, "3 patients marked contacted.") || strings.Count(body, "Letter sent") < 3 {
			t.Errorf("after the bulk change the page lacks the flash or notes")
		}
		for _, c := range []struct {
			form url.Values
			want []string
		}{
			{url.Values{"status": {"reviewed"}}, []string{`href="#patient_ids"`, "Select at least one patient"}},
			{url.Values{"patient_ids": ids, "status": {"bogus"}}, []string{`href="#status"`}},
			{url.Values{"patient_ids": append([]string{"01936f0e-0000-7000-8000-000000000000"}, ids...), "status": {"reviewed"}}, []string{"not in this recall", `checked`}},
		} {
			resp, body := webtest.Do(t, w.c, "POST", w.url("/patients"), c.form.Encode())
			if resp.StatusCode != 422 || !strings.Contains(body, "nhsuk-error-summary") {
				t.Errorf("bulk %v: %d, want 422 with the error summary", c.form, resp.StatusCode)
			}
			for _, s := range c.want {
				if !strings.Contains(body, s) {
					t.Errorf("bulk %v: page lacks %q", c.form, s)
				}
			}
		}
		if got := w.ids(t, devicesdb.RecallPatientQuery{Statuses: []string{"reviewed"}}); len(got) != 0 {
			t.Errorf("refused changes changed %v", got)
		}
		// The per-patient form, from page 2, returns to page 2.
		one := w.ids(t, devicesdb.RecallPatientQuery{Offset: 50, Limit: 1})[0]
		resp, _ = webtest.Do(t, w.c, "POST", w.url("/patients/"+one), url.Values{"status": {"reviewed"}, "list": {"offset=50"}}.Encode())
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != "/devices/recalls/"+w.rc.ID+"?offset=50#action-"+one {
			t.Errorf("per-patient change: %d to %q", resp.StatusCode, loc)
		}
		if resp, _ := webtest.Do(t, w.f.Client(t, "A/cso"), "POST", w.url("/patients"), form.Encode()); resp.StatusCode != 403 {
			t.Errorf("CSO bulk change: %d, want 403", resp.StatusCode)
		}
		// The letters CSV names each patient's group.
		csv := webtest.Get(t, w.c, w.url("/letters.csv"), 200)
		if !strings.Contains(csv, ",group,") || !strings.Contains(csv, "Possibly affected: check") || !strings.Contains(csv, ",Affected,") {
			t.Errorf("letters CSV lacks the group column:\n%.400s", csv)
		}
		checkLettersCSVDates(t, w)
	})
}

// TestRecallCloseConfirmation: closing a recall with open work goes
// through a page that names how many patients are open; it needs that
// number ticked and a reason, refuses a stale number (422), and the
// recall page shows why and when it was closed. Reopening still works.
func TestRecallCloseConfirmation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newRecallWorld(t, st)
		w.start(t)
		resp, _ := webtest.Do(t, w.c, "POST", w.url("/status"), "status=closed")
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != "/devices/recalls/"+w.rc.ID+"/close" {
			t.Fatalf("old close button: %d to %q, want the confirmation page", resp.StatusCode, loc)
		}
		body := webtest.Get(t, w.c, w.url(""), 200)
		if !strings.Contains(body, `name="status" value="closed"><button class="nhsuk-button nhsuk-button--secondary" type="submit" id="close-recall"`) {
			t.Errorf("the recall page has no close button")
		}
		if resp, _ := webtest.Do(t, w.c, "POST", w.f.Srv.URL+"/devices/recalls/01936f0e-0000-7000-8000-000000000000/status", "status=closed"); resp.StatusCode != 404 {
			t.Errorf("close button of an unknown recall: %d, want 404", resp.StatusCode)
		}
		body = webtest.Get(t, w.c, w.url("/close"), 200)
		if !strings.Contains(body, "I confirm 65 patients are still open") || !strings.Contains(body, `name="confirm_open" type="checkbox" value="65"`) {
			t.Fatalf("confirmation page lacks the count:\n%s", body)
		}
		for _, c := range []struct{ form, want string }{
			{"reason=", `href="#confirm_open"`},
			{"confirm_open=65", `href="#reason"`},
			{"confirm_open=64&reason=Withdrawn", "you confirmed 64"},
			{"confirm_open=abc&reason=Withdrawn", `href="#confirm_open"`},
		} {
			resp, body := webtest.Do(t, w.c, "POST", w.url("/close"), c.form)
			if resp.StatusCode != 422 || !strings.Contains(body, c.want) || !strings.Contains(body, "nhsuk-error-summary") {
				t.Errorf("close %q: %d, want 422 with %q", c.form, resp.StatusCode, c.want)
			}
		}
		if rc, _ := w.db.Recall(w.ctx, w.f.OrgA.ID, w.rc.ID); rc.Status != "open" {
			t.Fatalf("refused closes closed the recall")
		}
		resp, _ = webtest.Do(t, w.c, "POST", w.url("/close"), "confirm_open=65&reason=Manufacturer+withdrew+the+notice")
		if resp.StatusCode != 303 {
			t.Fatalf("close: %d", resp.StatusCode)
		}
		body = webtest.Get(t, w.c, w.url(""), 200)
		if !strings.Contains(body, `id="recall-closed"`) || !strings.Contains(body, "Manufacturer withdrew the notice") || !strings.Contains(body, "Reopen the recall") {
			t.Errorf("closed recall page lacks the reason or reopen")
		}
		if resp, _ := webtest.Do(t, w.c, "POST", w.url("/status"), "status=open"); resp.StatusCode != 303 {
			t.Errorf("reopen: %d", resp.StatusCode)
		}
		if rc, _ := w.db.Recall(w.ctx, w.f.OrgA.ID, w.rc.ID); rc.Status != "open" || rc.ClosedReason != "" {
			t.Errorf("after reopening: %q %q", rc.Status, rc.ClosedReason)
		}
		// With no open work the page asks only for an optional note.
		if _, err := w.db.SetRecallActions(w.ctx, w.f.OrgA.ID, w.rc.ID, devices.RecallActionsInput{PatientIDs: w.ids(t, devicesdb.RecallPatientQuery{Limit: 500}), Status: "reviewed"}); err != nil {
			t.Fatal(err)
		}
		body = webtest.Get(t, w.c, w.url("/close"), 200)
		if strings.Contains(body, `name="confirm_open"`) || !strings.Contains(body, "Note on closing (optional)") {
			t.Errorf("close page with no open work still asks to confirm")
		}
		if resp, _ := webtest.Do(t, w.c, "POST", w.url("/close"), "reason="); resp.StatusCode != 303 {
			t.Errorf("close with no open work: %d", resp.StatusCode)
		}
	})
}

// TestRecallAPIListBulkAndClose: the API's patient list takes filters and
// paging, refusing bad values with the field named; the bulk change and
// the close work and refuse as the pages do.
func TestRecallAPIListBulkAndClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newRecallWorld(t, st)
		api := w.f.Srv.URL + "/api/v1/devices/recalls/" + w.rc.ID
		// The live match, in three lists.
		var live struct{ Items, Possible, Explanted []devicesdb.AffectedPatient }
		_, got := webtest.Do(t, w.c, "GET", api+"/patients", "")
		if err := json.Unmarshal([]byte(got), &live); err != nil || len(live.Items) != rwAffected || len(live.Possible) != rwPossible || len(live.Explanted) != rwExplanted {
			t.Fatalf("live match: %d %d %d, %v", len(live.Items), len(live.Possible), len(live.Explanted), err)
		}
		w.start(t)
		var page struct {
			Items                []devicesdb.AffectedPatient
			Total, Offset, Limit int
			ByStatus             map[string]int `json:"by_status"`
			ByBasis              map[string]int `json:"by_basis"`
		}
		resp, got := webtest.Do(t, w.c, "GET", api+"/patients?status=to_contact,to_check&offset=10&limit=20", "")
		if err := json.Unmarshal([]byte(got), &page); resp.StatusCode != 200 || err != nil || len(page.Items) != 20 || page.Total != rwAll || page.Offset != 10 ||
			page.ByStatus["to_check"] != rwPossible+rwExplanted || page.ByBasis["explanted"] != rwExplanted {
			t.Fatalf("list: %d %v %+v", resp.StatusCode, err, page)
		}
		resp, got = webtest.Do(t, w.c, "GET", api+"/patients?basis=possible", "")
		if json.Unmarshal([]byte(got), &page); resp.StatusCode != 200 || page.Total != rwPossible || page.Items[0].Basis != "possible" {
			t.Errorf("basis=possible: %d total %d", resp.StatusCode, page.Total)
		}
		for q, field := range map[string]string{"?limit=abc": "limit", "?limit=0": "limit", "?status=x&limit=501": "limit", "?offset=x": "offset",
			"?offset=-5": "offset", "?status=bogus": "status", "?basis=bogus": "basis", "?limit=1001": "limit"} {
			resp, got := webtest.Do(t, w.c, "GET", api+"/patients"+q, "")
			if resp.StatusCode != 422 || !strings.Contains(got, `"`+field+`"`) {
				t.Errorf("GET patients%s: %d %s, want 422 naming %s", q, resp.StatusCode, got, field)
			}
		}
		ids := w.ids(t, devicesdb.RecallPatientQuery{Limit: 2})
		body, _ := json.Marshal(devices.RecallActionsInput{PatientIDs: ids, Status: "contacted", Note: "Phoned"})
		resp, got = webtest.Do(t, w.c, "POST", api+"/patients", string(body))
		if resp.StatusCode != 200 || !strings.Contains(got, `"changed": 2`) {
			t.Errorf("bulk: %d %s", resp.StatusCode, got)
		}
		resp, got = webtest.Do(t, w.c, "POST", api+"/patients", `{"patient_ids":[],"status":"nope"}`)
		if resp.StatusCode != 422 || !strings.Contains(got, `"patient_ids"`) || !strings.Contains(got, `"status"`) {
			t.Errorf("bad bulk: %d %s", resp.StatusCode, got)
		}
		resp, got = webtest.Do(t, w.c, "POST", api+"/close", `{"confirm_open":3,"reason":""}`)
		if resp.StatusCode != 422 || !strings.Contains(got, `"confirm_open"`) || !strings.Contains(got, `"reason"`) {
			t.Errorf("bad close: %d %s", resp.StatusCode, got)
		}
		resp, got = webtest.Do(t, w.c, "POST", api+"/close", fmt.Sprintf(`{"confirm_open":%d,"reason":"Notice withdrawn"}`, rwAll))
		if resp.StatusCode != 200 || !strings.Contains(got, `"status": "closed"`) || !strings.Contains(got, `"closed_reason": "Notice withdrawn"`) {
			t.Errorf("close: %d %s", resp.StatusCode, got)
		}
		if resp, _ := webtest.Do(t, w.f.Client(t, "A/cso"), "POST", api+"/close", `{}`); resp.StatusCode != 403 {
			t.Errorf("CSO close: %d, want 403", resp.StatusCode)
		}
	})
}

// The recall form's dates are typed in day, month and year (or as people
// write them); a date that is not real keeps what was typed and says so.
func TestRecallFormDates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/devices")
		form := url.Values{"reference": {"FSN-DATES"}, "kind": {"fsn"}, "issuer": {"Northwind"}, "manufacturer": {"Northwind"},
			"action_required": {"Review"}, "affects": {webtest.GTIN(1) + " all"},
			"issued_on-day": {"31"}, "issued_on-month": {"11"}, "issued_on-year": {"2026"}}
		resp, body := webtest.Do(t, c, "POST", f.Srv.URL+"/devices/recalls", form.Encode())
		if resp.StatusCode != 422 || !strings.Contains(body, "The date issued must be a real date") || !strings.Contains(body, `value="31"`) {
			t.Errorf("31 November: %d, want 422 naming the date and keeping the day", resp.StatusCode)
		}
		form.Set("issued_on-day", "20")
		form.Set("deadline", "15/01/2027")
		resp, _ = webtest.Do(t, c, "POST", f.Srv.URL+"/devices/recalls", form.Encode())
		id := webtest.Location(t, resp, "/devices/recalls/")
		if body := webtest.Get(t, c, f.Srv.URL+"/devices/recalls/"+id, 200); !strings.Contains(body, "20 November 2026") || !strings.Contains(body, "15 January 2027") {
			t.Error("recall page does not show its dates as 20 November 2026 and 15 January 2027")
		}
	})
}

// The recall page's three lists are paged, with the total of each: a
// recall that finds more than 1,000 patients lists every one of them,
// the 1,001st included, one page at a time.
func TestRecallMatchListsPaged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		const n = 1003
		f := webtest.NewFixture(t, st)
		db, ctx := devicesdb.New(st), audit.WithActor(context.Background(), audit.Actor{Name: "test"})
		proc := devices.ProcedureInput{PerformedOn: "2026-11-20", Site: "Theatre 3", Laterality: "left", Clinician: "Ms A Surgeon", Description: "Hip replacement"}
		var recs []devicesdb.BulkRecord
		for i := range n {
			p := rwPatient(i)
			p.Name = fmt.Sprintf("Paged Patient %04d", i+1)
			recs = append(recs, devicesdb.BulkRecord{Patient: p, Procedure: proc,
				Devices: []devices.Device{{GTIN: webtest.GTIN(7), Lot: "L1", Serial: fmt.Sprintf("P%04d", i), EntryType: devices.EntryManual}}})
		}
		if _, err := db.ImportImplants(ctx, f.OrgA.ID, slices.Values(recs)); err != nil {
			t.Fatal(err)
		}
		rc, err := db.CreateRecall(ctx, f.OrgA.ID, devices.RecallInput{Reference: "FSN-PAGED", Kind: "fsn", Issuer: "Acme", IssuedOn: "2026-11-01",
			Manufacturer: "Acme", ActionRequired: "Review", Affects: webtest.GTIN(7) + " lots L1"})
		if err != nil {
			t.Fatal(err)
		}
		c := f.Client(t, "A/devices")
		name := regexp.MustCompile(`Paged Patient (\d{4})`)
		seen := map[string]bool{}
		for page := 1; ; page++ {
			u := f.Srv.URL + "/devices/recalls/" + rc.ID
			if page > 1 {
				u += "?affected_page=" + fmt.Sprint(page)
			}
			body := webtest.Get(t, c, u, 200)
			list := section(t, body, "affected-patients")
			for _, m := range name.FindAllStringSubmatch(list, -1) {
				seen[m[1]] = true
			}
			if page == 1 && (!strings.Contains(body, fmt.Sprintf("of %d patients", n)) || !strings.Contains(body, `rel="next"`) || !strings.Contains(body, "affected_page=2")) {
				t.Fatalf("first page: no total or next page link\n%s", body)
			}
			if !strings.Contains(body, "affected_page="+fmt.Sprint(page+1)) {
				break
			}
			if page > 40 {
				t.Fatal("no last page")
			}
		}
		if len(seen) != n || !seen["1001"] || !seen["1003"] {
			t.Errorf("patients reached through the pages: %d (1001st %v), want all %d", len(seen), seen["1001"], n)
		}
		for _, q := range []string{"?affected_page=0", "?affected_page=x", "?possible_page=-1", "?explanted_page=99999999999999999999"} {
			if resp, body := webtest.Do(t, c, "GET", f.Srv.URL+"/devices/recalls/"+rc.ID+q, ""); resp.StatusCode != 422 || !strings.Contains(body, "page") {
				t.Errorf("%s: %d, want 422 with a message", q, resp.StatusCode)
			}
		}
	})
}

// The letters CSV writes dates as people read them ("1 May 1960"), and
// the time a patient's status last changed as "1 December 2026 14:05"
// (London): no ISO date or RFC 3339 time in the spreadsheet.
// It runs in TestRecallBulkStatusChange, on its recall world.
func checkLettersCSVDates(t *testing.T, w *recallWorld) {
	t.Helper()
	{
		rows, err := csv.NewReader(strings.NewReader(webtest.Get(t, w.c, w.url("/letters.csv"), 200))).ReadAll()
		if err != nil || len(rows) != rwAll+1 {
			t.Fatalf("letters CSV: %d rows, %v", len(rows), err)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		if _, ok := col["status_changed"]; !ok {
			t.Fatalf("no status_changed column: %q", rows[0])
		}
		iso := regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
		when := regexp.MustCompile(`^\d{1,2} [A-Z][a-z]+ \d{4} \d{2}:\d{2}$`)
		for _, r := range rows[1:] {
			if r[col["birth_date"]] != "1 May 1960" || !when.MatchString(r[col["status_changed"]]) {
				t.Errorf("row %q: birth_date %q, status_changed %q", r[col["name"]], r[col["birth_date"]], r[col["status_changed"]])
			}
			for _, cell := range r {
				if iso.MatchString(cell) {
					t.Errorf("ISO date in the letters CSV: %q", cell)
				}
			}
		}
	}
}

// TestLettersCSVNamesDevicesWithoutAGTIN: the recall letters CSV names
// each device's product as the pages do: its GTIN, its HIBC labeler code
// and catalogue number, or its manufacturer and catalogue number, then
// its lot and serial number when recorded. Before, every device was
// written "GTIN %s lot %s serial %s", so a device without a GTIN came out
// as "GTIN  lot  serial SN9" and the letter did not say which product was
// recalled.
func TestLettersCSVNamesDevicesWithoutAGTIN(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/devices")
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
		db := devicesdb.New(st)
		p, err := db.CreateProcedure(ctx, f.OrgA.ID, devices.PatientInput{NHSNumber: "943 476 5919", Name: "Ada Patient", BirthDate: "1950-01-02"},
			devices.ProcedureInput{PerformedOn: "2026-11-20", Site: "Theatre 2", Laterality: "right", Clinician: "Mr B Surgeon", Description: "Right hip replacement"})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []devices.Device{
			{Labeler: "H123", Catalogue: "HIP22", Serial: "SN9", EntryType: devices.EntryManual},
			{Manufacturer: "Northwind", Catalogue: "CUP-7", Lot: "L4", EntryType: devices.EntryManual},
		} {
			if _, err := db.AddImplant(ctx, f.OrgA.ID, p.ID, d); err != nil {
				t.Fatal(err)
			}
		}
		rc, err := db.CreateRecall(ctx, f.OrgA.ID, devices.RecallInput{Reference: "FSN-CSV-1", Kind: "fsn", Issuer: "Northwind", IssuedOn: "2026-11-01",
			Manufacturer: "Northwind", ActionRequired: "Review", Affects: "H123/HIP22 all\nREF CUP-7 all"})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := db.StartRecallActions(ctx, f.OrgA.ID, rc.ID); err != nil || n != 1 {
			t.Fatalf("StartRecallActions = %d, %v; want 1", n, err)
		}
		rows, err := csv.NewReader(strings.NewReader(webtest.Get(t, c, f.Srv.URL+"/devices/recalls/"+rc.ID+"/letters.csv", 200))).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("letters.csv: %d rows, %v; want a header and one patient", len(rows), err)
		}
		col := slices.Index(rows[0], "devices")
		if col < 0 {
			t.Fatalf("letters.csv has no devices column: %q", rows[0])
		}
		want := "labeler H123, catalogue number HIP22, serial SN9; Northwind, catalogue number CUP-7, lot L4"
		if got := rows[1][col]; got != want {
			t.Errorf("letters.csv devices = %q; want %q", got, want)
		}
	})
}
