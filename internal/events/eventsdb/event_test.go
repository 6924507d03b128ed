package eventsdb_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// incident is a complete staff incident report naming system sysID.
func incident(sysID string) events.Record {
	return events.Record{Type: events.Incident, Answers: events.Answers{
		events.AnsDescription: {"The ward round list showed yesterday's results"}, events.AnsWhenKind: {"exact"},
		events.AnsDate: {"2026-11-23"}, events.AnsTime: {"08:40"}, events.AnsLocation: {"Ward 7"}, events.AnsServiceArea: {"acute"},
		events.AnsAgents: {events.AgentIT}, events.AnsSystem: {sysID}, events.AnsITFactors: {"4"},
		events.AnsPatientsSaid: {"y"}, events.AnsConcern: {"4"}, events.AnsReporterRole: {"nurse"},
		events.AnsDataSharing: {events.DataShare},
	}, Groups: map[string][]events.Answers{events.GroupPatients: {{events.PatPhysical: {"4"}, events.PatPsych: {"4"}, events.PatAssociation: {"5"}}}}}
}

func TestDraftSubmitAndReference(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		ev := eventsdb.New(st)
		a, b := storetest.Org(t, st, "EAA"), storetest.Org(t, st, "EBB")
		nurse := storetest.User(t, st, a, "nurse@a.test", auth.Reporter)
		other := storetest.User(t, st, a, "other@a.test", auth.Reporter)
		cso := storetest.User(t, st, a, "cso@a.test", auth.CSO)
		sys, err := riskdb.New(st).CreateSystem(storetest.Operator, a.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing",
			Standard: risk.DCB0160, CSOs: []riskdb.Person{{ID: cso.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx := storetest.As(nurse)

		// A draft saved one page at a time, with only what is known.
		d, err := ev.SaveDraft(ctx, a.ID, "", 0, events.Record{Type: events.Incident, Answers: events.Answers{}}, events.AnsType)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != events.Draft || d.Ref != "" || d.Version != 1 {
			t.Errorf("new draft = %+v, want a draft without reference at version 1", d)
		}
		full := incident(sys.ID)
		if _, err := ev.SaveDraft(ctx, a.ID, d.ID, d.Version, events.Record{Type: events.Incident, Answers: events.Answers{events.AnsDate: {"2027-01-01"}, events.AnsWhenKind: {"exact"}}}, events.AnsDate); apperr.FieldsOf(err)[events.AnsDate] == "" {
			t.Errorf("draft with a future date: %v, want a message on the date", err)
		}
		d, err = ev.SaveDraft(ctx, a.ID, d.ID, d.Version, full, events.AnsDescription)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ev.SaveDraft(ctx, a.ID, d.ID, 1, full, events.AnsDescription); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("save at a stale version: %v, want Conflict", err)
		}
		if _, err := ev.Draft(storetest.As(other), a.ID, d.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another user's draft: %v, want NotFound", err)
		}
		if _, err := ev.SaveDraft(storetest.As(other), a.ID, d.ID, d.Version, full); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("saving another user's draft: %v, want NotFound", err)
		}
		if _, err := ev.Get(ctx, a.ID, d.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("Get of a draft: %v, want NotFound (drafts are the reporter's alone)", err)
		}
		if ds, _ := ev.Drafts(ctx, a.ID); len(ds) != 1 || ds[0].ID != d.ID {
			t.Errorf("Drafts = %v, want the one draft", ds)
		}

		// Submission checks everything and gives a per-organisation reference.
		e, err := ev.Submit(ctx, a.ID, d.ID, d.Version)
		if err != nil {
			t.Fatalf("Submit: %v (%v)", err, apperr.FieldsOf(err))
		}
		if e.Ref != "PSE-2026-000001" || e.Status != events.Submitted || e.SystemID != sys.ID || e.Harm != "4" || e.OccurredOn != "2026-11-23" || e.ReporterID != nurse.ID {
			t.Errorf("submitted = %+v, want PSE-2026-000001 for the system with low harm on 23 November", e)
		}
		if _, err := ev.Submit(ctx, a.ID, d.ID, e.Version); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("submitting twice: %v, want NotFound (no longer a draft)", err)
		}
		if _, err := ev.Get(ctx, b.ID, e.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("Get from another organisation: %v, want NotFound", err)
		}
		if h, _ := ev.History(ctx, a.ID, e.ID); len(h) != 1 || h[0].Status != events.Submitted || h[0].ActorID != nurse.ID {
			t.Errorf("History = %+v, want one submission by the nurse", h)
		}
		if mine, _ := ev.Mine(ctx, a.ID, 10); len(mine) != 1 || mine[0].Ref != e.Ref {
			t.Errorf("Mine = %v, want the one report", mine)
		}
		if p, _ := ev.Prefill(storetest.As(nurse), a.ID); p.Get(events.AnsLocation) != "Ward 7" || p.Get(events.AnsReporterRole) != "nurse" {
			t.Errorf("Prefill = %v, want the last location and role", p)
		}

		// An incomplete draft is refused with messages and stays a draft.
		d2, _ := ev.SaveDraft(ctx, a.ID, "", 0, events.Record{Type: events.Risk, Answers: events.Answers{events.AnsDescription: {"Printer jams"}}}, events.AnsDescription)
		_, err = ev.Submit(ctx, a.ID, d2.ID, d2.Version)
		if fs := apperr.FieldsOf(err); fs["risk.theme"] == "" || fs[events.AnsLocation] == "" {
			t.Errorf("incomplete submission: %v, want messages on the theme and the location", fs)
		}
		if got, err := ev.Draft(ctx, a.ID, d2.ID); err != nil || got.Status != events.Draft {
			t.Errorf("after a refused submission the draft is %+v, %v; want it kept as a draft", got, err)
		}

		// A public report keeps no identity even if one is passed.
		pub := incident(sys.ID)
		pub.Answers[events.AnsReporterType] = []string{"patient"}
		delete(pub.Answers, events.AnsSystem)
		p, err := ev.Report(storetest.Operator, a.ID, pub, eventsdb.Submission{Audience: events.Public, ReporterID: nurse.ID, Confidential: true})
		if err != nil {
			t.Fatalf("public Report: %v (%v)", err, apperr.FieldsOf(err))
		}
		if p.ReporterID != "" || p.Confidential || p.Ref != "PSE-2026-000002" || p.Record.Answers[events.AnsServiceArea] != nil {
			t.Errorf("public report = %+v, want no reporter, the next reference and no staff-only answers", p)
		}
		if _, err := ev.Report(storetest.Operator, a.ID, events.Record{Type: "x"}, eventsdb.Submission{Audience: events.Staff}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("Report of a bad type: %v, want Invalid", err)
		}
		if n := storetest.Findings(t, st); len(n) != 0 {
			t.Errorf("audit findings %v, want none", n)
		}
	})
}

// TestReferencesUnderConcurrency: two hundred reporters at once never
// share a reference or lose a report.
func TestReferencesUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		ev := eventsdb.New(st)
		a := storetest.Org(t, st, "ECC")
		nurse := storetest.User(t, st, a, "n@c.test", auth.Reporter)
		rec := incident("")
		rec.Answers[events.AnsAgents] = []string{"10"}
		var wg sync.WaitGroup
		refs := make(chan string, 40)
		for range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e, err := ev.Report(storetest.As(nurse), a.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
				if err != nil {
					t.Error(err)
					return
				}
				refs <- e.Ref
			}()
		}
		wg.Wait()
		close(refs)
		seen := map[string]bool{}
		for r := range refs {
			if seen[r] || !strings.HasPrefix(r, "PSE-") {
				t.Errorf("reference %s repeated or malformed", r)
			}
			seen[r] = true
		}
		if len(seen) != 40 {
			t.Errorf("%d references, want 40", len(seen))
		}
	})
}

func TestLocalQuestions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		ev := eventsdb.New(st)
		a, b := storetest.Org(t, st, "EDD"), storetest.Org(t, st, "EEE")
		q, err := ev.AddLocalQuestion(storetest.Operator, a.ID, events.LocalQuestion{Type: events.Incident, Kind: events.KindChoice, Prompt: "Which site?", Options: []string{"North", "South"}})
		if err != nil {
			t.Fatal(err)
		}
		f, _ := ev.Flow(storetest.Operator, a.ID)
		if _, ok := f.Question("local." + q.ID); !ok {
			t.Error("the local question is not in the organisation's flow")
		}
		if f, _ := ev.Flow(storetest.Operator, b.ID); len(f.Questions) != len(events.Standard.Questions) {
			t.Error("another organisation's flow has the local question")
		}
		if err := ev.RetireLocalQuestion(storetest.Operator, b.ID, q.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("retire from another organisation: %v, want NotFound", err)
		}
		if err := ev.RetireLocalQuestion(storetest.Operator, a.ID, q.ID); err != nil {
			t.Fatal(err)
		}
		if f, _ := ev.Flow(storetest.Operator, a.ID); len(f.Questions) != len(events.Standard.Questions) {
			t.Error("a retired question is still asked")
		}
		if _, err := ev.AddLocalQuestion(storetest.Operator, a.ID, events.LocalQuestion{Type: events.Incident, Kind: "group"}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("bad local question: %v, want Invalid", err)
		}
	})
}

func TestPublicReportFollowUpCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		ev := eventsdb.New(st)
		a, b := storetest.Org(t, st, "EFF"), storetest.Org(t, st, "EGG")
		rec := events.Record{Type: events.Incident, Answers: events.Answers{
			events.AnsDescription: {"My father was given his tablets twice"}, events.AnsWhenKind: {"today"}, events.AnsLocation: {"Ward 3"},
			events.AnsAgents: {events.AgentMedication}, events.AnsPatientsSaid: {"u"}, events.AnsConcern: {"5"}, events.AnsReporterType: {"carer"}, events.AnsDataSharing: {events.DataShare}},
			Groups: map[string][]events.Answers{events.GroupMedicines: {{"name": {"Warfarin"}}}}}
		e, code, err := ev.ReportPublic(storetest.Operator, a.ID, rec)
		if err != nil {
			t.Fatalf("ReportPublic: %v (%v)", err, apperr.FieldsOf(err))
		}
		if len(strings.ReplaceAll(code, "-", ""))*5 < 100 || e.ReporterID != "" || e.Audience != events.Public {
			t.Errorf("code %q (want at least 100 bits), event %+v (want no reporter)", code, e)
		}
		var stored string
		if err := st.SQL().QueryRow(`SELECT code_hash FROM event_followups WHERE event_id = $1`, e.ID).Scan(&stored); err != nil || strings.Contains(stored, strings.ReplaceAll(code, "-", "")) {
			t.Errorf("stored code %q, %v: want only a hash", stored, err)
		}
		got, err := ev.ByFollowUpCode(storetest.Operator, a.ID, strings.ToLower(strings.ReplaceAll(code, "-", " ")))
		if err != nil || got.ID != e.ID {
			t.Errorf("ByFollowUpCode(typed loosely) = %v, %v; want the event", got.ID, err)
		}
		if _, err := ev.ByFollowUpCode(storetest.Operator, b.ID, code); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("code at another organisation: %v, want NotFound", err)
		}
		if _, err := ev.ByFollowUpCode(storetest.Operator, a.ID, "AAAA-BBBB"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("wrong code: %v, want NotFound", err)
		}
	})
}

func TestImportHistorical(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		ev := eventsdb.New(st)
		a := storetest.Org(t, st, "EHH")
		rec := incident("")
		rec.Answers[events.AnsAgents] = []string{"10"}
		old := storetest.FixedTime.AddDate(-1, 0, 0)
		hs := []eventsdb.Historical{
			{Record: rec, SubmittedAt: storetest.FixedTime.Add(-time.Hour), Status: events.Submitted},
			{Record: rec, SubmittedAt: old, Status: events.Closed, ChangedAt: old.Add(72 * time.Hour)},
		}
		// The record's date (23 November 2026) is after the older report:
		// it is checked as of its own day, so this one is refused.
		if _, err := ev.ImportHistorical(storetest.Operator, a.ID, hs); err == nil || !strings.Contains(err.Error(), "event 2: when.date") {
			t.Fatalf("import of an event dated after its report: %v, want event 2 refused on its date", err)
		}
		var left int
		if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM events WHERE org_id = $1`, a.ID).Scan(&left); err != nil || left != 0 {
			t.Fatalf("a refused batch left %d events behind (%v)", left, err)
		}
		oldRec := incident("")
		oldRec.Answers[events.AnsAgents] = []string{"10"}
		oldRec.Answers[events.AnsDate] = []string{old.Format(time.DateOnly)}
		hs[1].Record = oldRec
		n, err := ev.ImportHistorical(storetest.Operator, a.ID, hs)
		if err != nil || n != 2 {
			t.Fatalf("ImportHistorical = %d, %v; want 2", n, err)
		}
		first, err := ev.ByRef(storetest.Operator, a.ID, "PSE-2025-000001")
		if err != nil || first.Status != events.Closed || first.ClosedAt == nil {
			t.Errorf("the older event = %+v, %v; want PSE-2025-000001, closed", first, err)
		}
		if h, _ := ev.History(storetest.Operator, a.ID, first.ID); len(h) != 2 || h[1].Status != events.Closed {
			t.Errorf("history = %+v, want submitted then closed", h)
		}
		if _, err := ev.ByRef(storetest.Operator, a.ID, "pse-2026-000001"); err != nil {
			t.Errorf("ByRef of the newer event, typed in lower case: %v", err)
		}
		if f := storetest.Findings(t, st); len(f) != 0 {
			t.Errorf("audit findings %v", f)
		}
	})
}
