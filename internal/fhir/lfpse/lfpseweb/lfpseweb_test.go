package lfpseweb_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse/lfpseweb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestEveryPageTemplateExecutes(t *testing.T) {
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	webtest.EveryPage(t, "lfpse", func(b web.Base) map[string]any {
		item := lfpse.Item{Ref: "PSE-2026-000001", Submission: lfpse.Submission{EventID: "e1", Op: "create", Status: lfpse.Failed, Attempts: 1,
			LastError: "What happened: description is required.", QueuedAt: at, NextAttemptAt: at}}
		return map[string]any{"admin": lfpseweb.AdminPage{Base: b, Stats: lfpse.Stats{Pending: 1, Failed: 1, Sent: 3, OldestPending: time.Hour},
			OldestPending: "1 hour", Failed: []lfpse.Item{item}, Pending: []lfpse.Item{item},
			Rules: []web.Option{{Value: "manual", Label: "Only when a handler marks the event ready", Selected: true}}}}
	})
}

func incident(desc string) events.Record {
	return events.Record{Type: events.Incident, Answers: events.Answers{
		events.AnsDescription: {desc}, events.AnsWhenKind: {"exact"},
		events.AnsDate: {"2026-11-23"}, events.AnsTime: {"08:40"}, events.AnsLocation: {"Ward 7"}, events.AnsServiceArea: {"acute"},
		events.AnsAgents: {events.AgentMedication}, events.AnsPatientsSaid: {"y"}, events.AnsConcern: {"4"}, events.AnsReporterRole: {"nurse"},
		events.AnsDataSharing: {events.DataShare},
	}, Groups: map[string][]events.Answers{
		events.GroupPatients:  {{events.PatPhysical: {"4"}, events.PatPsych: {"4"}, events.PatAssociation: {"5"}}},
		events.GroupMedicines: {{"name": {"Warfarin"}}},
	}}
}

// A handler marks an event ready on its page; the page then shows it
// queued, and the admin page lists it with a retry.
func TestMarkReadyAndAdminPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		nurse := f.Users["A/reporter"]
		e, err := eventsdb.New(st).Report(storetest.As(nurse), f.OrgA.ID, incident("Warfarin given twice"), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
		if err != nil {
			t.Fatal(err)
		}
		h := f.Client(t, "A/handler")
		page := webtest.Get(t, h, f.Srv.URL+"/events/review/"+e.ID, 200)
		if !strings.Contains(page, "Mark ready for LFPSE") {
			t.Fatalf("event page does not offer Mark ready for LFPSE")
		}
		if resp, _ := webtest.Do(t, f.Client(t, "B/handler"), "POST", f.Srv.URL+"/events/review/"+e.ID+"/lfpse", "x=1"); resp.StatusCode != 404 {
			t.Errorf("another organisation's handler marking ready: %d, want 404", resp.StatusCode)
		}
		resp, _ := webtest.Do(t, h, "POST", f.Srv.URL+"/events/review/"+e.ID+"/lfpse", "x=1")
		webtest.Location(t, resp, "/events/review/"+e.ID)
		page = webtest.Get(t, h, f.Srv.URL+"/events/review/"+e.ID, 200)
		if !strings.Contains(page, "Waiting to be sent") || strings.Contains(page, "Mark ready for LFPSE") {
			t.Errorf("event page after marking ready does not show it waiting")
		}
		if resp, _ := webtest.Do(t, h, "POST", f.Srv.URL+"/events/review/"+e.ID+"/lfpse", "x=1"); resp.StatusCode != 409 {
			t.Errorf("marking ready twice: %d, want 409", resp.StatusCode)
		}
		// A refusal, as a worker records it, is shown in words.
		if _, err := st.SQL().Exec(`UPDATE lfpse_submissions SET status = 'failed', attempts = 1, last_error = 'What happened: description is required.' WHERE event_id = $1`, e.ID); err != nil {
			t.Fatal(err)
		}
		page = webtest.Get(t, h, f.Srv.URL+"/events/review/"+e.ID, 200)
		if !strings.Contains(page, "LFPSE did not accept this event") || !strings.Contains(page, "What happened: description is required.") {
			t.Errorf("event page does not show the refusal in words")
		}
		admin := f.Client(t, "A/admin")
		page = webtest.Get(t, admin, f.Srv.URL+"/admin/lfpse", 200)
		for _, want := range []string{e.Ref, "What happened: description is required.", "/admin/lfpse/" + e.ID + "/retry", "Not accepted"} {
			if !strings.Contains(page, want) {
				t.Errorf("admin page lacks %q", want)
			}
		}
		if resp, _ := webtest.Do(t, h, "GET", f.Srv.URL+"/admin/lfpse", ""); resp.StatusCode != 403 {
			t.Errorf("handler on the admin page: %d, want 403", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, admin, "POST", f.Srv.URL+"/admin/lfpse/"+e.ID+"/retry", "x=1")
		webtest.Location(t, resp, "/admin/lfpse")
		if s, err := lfpse.New(st).Get(context.Background(), f.OrgA.ID, e.ID); err != nil || s.Status != lfpse.Pending {
			t.Errorf("after retry now: %+v (%v), want pending", s, err)
		}
		if resp, _ := webtest.Do(t, admin, "POST", f.Srv.URL+"/admin/lfpse/rule", "auto_queue=sometimes"); resp.StatusCode != 422 {
			t.Errorf("unknown rule: %d, want 422", resp.StatusCode)
		}
	})
}

// The event page shows the reporter's data sharing choice beside the
// LFPSE status; an opted-out event is still marked ready and queued.
func TestEventPageShowsDataSharing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		nurse := f.Users["A/reporter"]
		ev := eventsdb.New(st)
		report := func(desc, sharing string) eventsdb.Event {
			t.Helper()
			rec := incident(desc)
			rec.Answers[events.AnsDataSharing] = []string{sharing}
			e, err := ev.Report(storetest.As(nurse), f.OrgA.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		out, shares, old := report("Opted out", events.DataOptOut), report("Shares", events.DataShare), report("Before the question", events.DataShare)
		delete(old.Record.Answers, events.AnsDataSharing)
		b, err := json.Marshal(old.Record)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.SQL().Exec(`UPDATE events SET record = $1 WHERE id = $2`, string(b), old.ID); err != nil {
			t.Fatal(err)
		}
		h := f.Client(t, "A/handler")
		for _, c := range []struct {
			e         eventsdb.Event
			want, not string
		}{
			{out, "Opted out", "Agreed to sharing"},
			{shares, "Agreed to sharing", "Opted out"},
			{old, "Not asked", "Opted out"},
		} {
			page := webtest.Get(t, h, f.Srv.URL+"/events/review/"+c.e.ID, 200)
			if !strings.Contains(page, "Data sharing") || !strings.Contains(page, c.want) || strings.Contains(page, c.not) {
				t.Errorf("event page of %s: want Data sharing %q, not %q", c.e.Ref, c.want, c.not)
			}
			if said := strings.Contains(page, "marking it ready sends it all the same"); said != (c.e.ID == out.ID) {
				t.Errorf("event page of %s: says an opted-out event is still sent: %v", c.e.Ref, said)
			}
		}
		resp, _ := webtest.Do(t, h, "POST", f.Srv.URL+"/events/review/"+out.ID+"/lfpse", "x=1")
		webtest.Location(t, resp, "/events/review/"+out.ID)
		if s, err := lfpse.New(st).Get(context.Background(), f.OrgA.ID, out.ID); err != nil || s.Status != lfpse.Pending {
			t.Errorf("opted-out event marked ready: %+v (%v), want pending", s, err)
		}
		if page := webtest.Get(t, h, f.Srv.URL+"/events/review/"+out.ID, 200); !strings.Contains(page, "Waiting to be sent") || !strings.Contains(page, "Opted out") {
			t.Errorf("opted-out event page after marking ready does not show it waiting, opted out")
		}
	})
}
