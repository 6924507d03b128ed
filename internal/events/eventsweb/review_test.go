package eventsweb_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
	"github.com/xuri/excelize/v2"
)

func reviewIncident(desc, loc string) events.Record {
	return events.Record{Type: events.Incident, Answers: events.Answers{
		events.AnsDescription: {desc}, events.AnsWhenKind: {"exact"}, events.AnsDate: {"2026-11-23"}, events.AnsTime: {"08:40"}, events.AnsLocation: {loc},
		events.AnsAgents: {events.AgentMedication}, events.AnsPatientsSaid: {"y"}, events.AnsConcern: {"4"}, events.AnsReporterType: {"patient"}, events.AnsDataSharing: {events.DataShare},
	}, Groups: map[string][]events.Answers{events.GroupPatients: {{events.PatPhysical: {"4"}, events.PatPsych: {"4"}}},
		events.GroupMedicines: {{"name": {"Warfarin"}}}}}
}

func TestReviewPagesExportsAndAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		ev := eventsdb.New(st)
		_, err := ev.AddLocalQuestion(storetest.Operator, f.OrgA.ID, events.LocalQuestion{Type: events.Incident, Kind: events.KindText, Prompt: "Which site?"})
		if err != nil {
			t.Fatal(err)
		}
		rec := reviewIncident("=HYPERLINK(evil) Warfarin dose given twice", "Ward 3")
		anon, _, err := ev.ReportPublic(storetest.Operator, f.OrgA.ID, rec)
		if err != nil {
			t.Fatalf("ReportPublic: %v (%v)", err, apperr.FieldsOf(err))
		}
		other, _, err := ev.ReportPublic(storetest.Operator, f.OrgB.ID, reviewIncident("Bravo only SECRETORG", "Ward 3"))
		if err != nil {
			t.Fatal(err)
		}
		h := f.Client(t, "A/handler")
		base := f.Srv.URL

		body := webtest.Get(t, h, base+"/events/queue", 200)
		if !strings.Contains(body, anon.Ref) || strings.Contains(body, other.Ref+"</a>") && strings.Contains(body, "SECRETORG") {
			t.Errorf("queue does not list %s, or shows another organisation's", anon.Ref)
		}
		if !strings.Contains(body, "Open (1)") {
			t.Errorf("queue counts: want Open (1)")
		}
		if resp, _ := webtest.Do(t, h, "GET", base+"/events/queue?from-day=31&from-month=2&from-year=2026", ""); resp.StatusCode != 422 {
			t.Errorf("queue with a date that is not real: %d, want 422", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, h, "GET", base+"/events/queue?status=nope", ""); resp.StatusCode != 422 {
			t.Errorf("queue with a bad status: %d, want 422", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, f.Client(t, "A/reporter"), "GET", base+"/events/queue", ""); resp.StatusCode != http.StatusForbidden {
			t.Errorf("reporter at the queue: %d, want 403", resp.StatusCode)
		}

		page := webtest.Get(t, h, base+"/events/review/"+anon.ID, 200)
		if !strings.Contains(page, "Anonymous") || strings.Contains(page, "reporter_id") {
			t.Errorf("event page of an anonymous report: want Anonymous and no reporter")
		}
		if resp, _ := webtest.Do(t, h, "GET", base+"/events/review/"+other.ID, ""); resp.StatusCode != 404 {
			t.Errorf("another organisation's event: %d, want 404", resp.StatusCode)
		}

		// A status change by form: refused without a reason, then made.
		resp, got := webtest.Do(t, h, "POST", base+"/events/review/"+anon.ID+"/status", webtest.Form("version", fmt.Sprint(anon.Version), "status", "not_patient_safety"))
		if resp.StatusCode != 422 || !strings.Contains(got, "Enter why this is not a patient safety event") {
			t.Errorf("not a PSE without a reason: %d, want 422 with the message", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, h, "POST", base+"/events/review/"+anon.ID+"/status", webtest.Form("version", fmt.Sprint(anon.Version), "status", "in_review"))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("in review: %d, want 303", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, h, "POST", base+"/events/review/"+anon.ID+"/status", webtest.Form("version", fmt.Sprint(anon.Version), "status", "awaiting_information"))
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("stale form: %d, want 409", resp.StatusCode)
		}
		resp, got = webtest.Do(t, h, "POST", base+"/events/review/"+anon.ID+"/governance", webtest.Form("version", fmt.Sprint(anon.Version+1), "never_event", "y"))
		if resp.StatusCode != 422 || !strings.Contains(got, "Select the type of never event") {
			t.Errorf("never event without a type: %d, want 422 with the message", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, h, "POST", base+"/events/review/"+anon.ID+"/governance", webtest.Form("version", fmt.Sprint(anon.Version+1), "duty_of_candour", "y",
			"candour_aware_on-day", "1", "candour_aware_on-month", "1", "candour_aware_on-year", "2099"))
		if resp.StatusCode != 422 {
			t.Errorf("a future date: %d, want 422", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, h, "POST", base+"/events/review/"+anon.ID+"/addenda", webtest.Form("body", "Pharmacy confirmed the second dose"))
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("addendum: %d, want 303", resp.StatusCode)
		}

		// Exports hold exactly what the queue shows, dates in words, the
		// local question as a column, formulas defused.
		csvBody := webtest.Get(t, h, base+"/events/queue/csv?status=all", 200)
		rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("CSV rows %d, %v; want a header and one event", len(rows), err)
		}
		head, row := rows[0], rows[1]
		if head[len(head)-1] != "Which site?" || len(row) != len(head) || row[0] != anon.Ref || row[3] != "24 November 2026" || row[4] != "23 November 2026" ||
			!strings.HasPrefix(row[13], "'=") {
			t.Errorf("CSV %v / %v: want the local question's column, the reference, a date in words and a defused formula", head, row)
		}
		if strings.Contains(csvBody, "SECRETORG") {
			t.Error("CSV holds another organisation's event")
		}
		resp, xb := webtest.Do(t, h, "GET", base+"/events/queue/xlsx?status=all", "")
		if resp.StatusCode != 200 {
			t.Fatalf("xlsx: %d", resp.StatusCode)
		}
		x, err := excelize.OpenReader(bytes.NewReader([]byte(xb)))
		if err != nil {
			t.Fatal(err)
		}
		xrows, _ := x.GetRows("Sheet1")
		if len(xrows) != 2 || xrows[1][0] != anon.Ref || xrows[0][len(xrows[0])-1] != "Which site?" {
			t.Errorf("xlsx rows %v, want the header and the event", xrows)
		}

		// The API: read, stale patch, patch, search, cross-organisation.
		resp, got = webtest.Do(t, h, "GET", base+"/api/v1/events/records/"+anon.ID, "")
		var ae map[string]any
		_ = json.Unmarshal([]byte(got), &ae)
		if resp.StatusCode != 200 || ae["reporter"] != "Anonymous" || ae["reporter_id"] != nil {
			t.Errorf("API event %d %s: want reporter Anonymous and no reporter_id", resp.StatusCode, got)
		}
		cur, _ := ev.Get(storetest.Operator, f.OrgA.ID, anon.ID)
		resp, _ = webtest.Do(t, h, "PATCH", base+"/api/v1/events/records/"+anon.ID, fmt.Sprintf(`{"version":%d,"learning_summary":"x"}`, cur.Version-1))
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("stale PATCH: %d, want 409", resp.StatusCode)
		}
		resp, got = webtest.Do(t, h, "PATCH", base+"/api/v1/events/records/"+anon.ID, fmt.Sprintf(`{"version":%d,"gradings":[{"patient":0,"physical_harm":"2","psychological_harm":"2"}],"assigned_to":"%s"}`,
			cur.Version, f.Users["A/handler"].ID))
		if resp.StatusCode != 200 || !strings.Contains(got, `"harm": "2"`) {
			t.Errorf("PATCH grading: %d %s", resp.StatusCode, got)
		}
		resp, got = webtest.Do(t, h, "GET", base+"/api/v1/events/search?q=pharmacy+confirmed", "")
		if resp.StatusCode != 200 || !strings.Contains(got, anon.Ref) {
			t.Errorf("API search of an addendum: %d %s", resp.StatusCode, got)
		}
		if resp, _ := webtest.Do(t, h, "GET", base+"/api/v1/events/search?q=", ""); resp.StatusCode != 422 {
			t.Errorf("API search without words: %d, want 422", resp.StatusCode)
		}
		resp, got = webtest.Do(t, h, "GET", base+"/api/v1/events?status=all&assigned=me", "")
		if resp.StatusCode != 200 || !strings.Contains(got, anon.Ref) || !strings.Contains(got, `"total": 1`) {
			t.Errorf("API queue: %d %s", resp.StatusCode, got)
		}
		if resp, _ := webtest.Do(t, h, "POST", base+"/api/v1/events/records/"+other.ID+"/addenda", `{"body":"x"}`); resp.StatusCode != 404 {
			t.Errorf("addendum to another organisation's event: %d, want 404", resp.StatusCode)
		}
		if resp, _ := webtest.Do(t, h, "POST", base+"/api/v1/events/records/"+anon.ID+"/merge", `{"version":1,"duplicate_of":"`+other.ID+`"}`); resp.StatusCode/100 != 4 {
			t.Errorf("merge into another organisation's event: %d, want 4xx", resp.StatusCode)
		}
		home := webtest.Get(t, h, base+"/", 200)
		if !strings.Contains(home, "assigned to you") {
			t.Errorf("home page: want the events assigned to the handler")
		}
	})
}
