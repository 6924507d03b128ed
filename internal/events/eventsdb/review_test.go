package eventsdb_test

import (
	"slices"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

type reviewWorld struct {
	ev             *eventsdb.DB
	a, b           store.Org
	nurse, handler store.User
	other          store.User // a handler of org A too
	reporterB      store.User
}

func newReviewWorld(t *testing.T, st *store.DB) reviewWorld {
	st.SetClock(func() time.Time { return storetest.FixedTime })
	w := reviewWorld{ev: eventsdb.New(st), a: storetest.Org(t, st, "RVA"), b: storetest.Org(t, st, "RVB")}
	w.nurse = storetest.User(t, st, w.a, "nurse@rv.test", auth.Reporter)
	w.handler = storetest.User(t, st, w.a, "handler@rv.test", auth.Handler)
	w.other = storetest.User(t, st, w.a, "handler2@rv.test", auth.Handler)
	w.reporterB = storetest.User(t, st, w.b, "nurse@rvb.test", auth.Reporter)
	return w
}

// report submits an incident in org with description desc at location loc.
func (w reviewWorld) report(t *testing.T, org store.Org, u store.User, desc, loc string) eventsdb.Event {
	t.Helper()
	rec := incident("")
	rec.Answers[events.AnsAgents] = []string{events.AgentMedication}
	delete(rec.Answers, events.AnsSystem)
	delete(rec.Answers, events.AnsITFactors)
	rec.Groups[events.GroupMedicines] = []events.Answers{{"name": {"Warfarin"}}}
	rec.Answers[events.AnsDescription] = []string{desc}
	rec.Answers[events.AnsLocation] = []string{loc}
	e, err := w.ev.Report(storetest.As(u), org.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: u.ID})
	if err != nil {
		t.Fatalf("Report: %v (%v)", err, apperr.FieldsOf(err))
	}
	return e
}

func ptr[T any](v T) *T { return &v }

func TestStatusChangesAndHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newReviewWorld(t, st)
		ctx := storetest.As(w.handler)
		e := w.report(t, w.a, w.nurse, "Insulin given twice on the morning round", "Ward 9")

		if _, err := w.ev.SetStatus(ctx, w.a.ID, e.ID, eventsdb.StatusInput{Version: e.Version, Status: events.NotPSE}); apperr.FieldsOf(err)["reason"] == "" {
			t.Errorf("not a PSE without a reason: %v, want a message on reason", err)
		}
		if _, err := w.ev.SetStatus(ctx, w.a.ID, e.ID, eventsdb.StatusInput{Version: e.Version, Status: "draft"}); apperr.FieldsOf(err)["status"] == "" {
			t.Errorf("status draft: %v, want a message on status", err)
		}
		r, err := w.ev.SetStatus(ctx, w.a.ID, e.ID, eventsdb.StatusInput{Version: e.Version, Status: events.InReview})
		if err != nil || r.Status != events.InReview || r.Version != e.Version+1 {
			t.Fatalf("in review: %+v, %v", r, err)
		}
		if _, err := w.ev.SetStatus(ctx, w.a.ID, e.ID, eventsdb.StatusInput{Version: e.Version, Status: events.AwaitingInfo}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale version: %v, want Conflict", err)
		}
		if _, err := w.ev.SetStatus(ctx, w.a.ID, e.ID, eventsdb.StatusInput{Version: r.Version, Status: events.Closed}); apperr.FieldsOf(err)["learning_summary"] == "" {
			t.Errorf("close without a learning summary: %v, want a message on learning_summary", err)
		}
		if got, _ := w.ev.Get(ctx, w.a.ID, e.ID); got.Version != r.Version || got.Status != events.InReview {
			t.Errorf("a refused change left version %d status %s, want %d in review", got.Version, got.Status, r.Version)
		}
		r, err = w.ev.SetStatus(ctx, w.a.ID, e.ID, eventsdb.StatusInput{Version: r.Version, Status: events.Closed, LearningSummary: "Double-check insulin on the chart"})
		if err != nil || r.Status != events.Closed || r.ClosedAt == nil {
			t.Fatalf("close: %+v, %v", r, err)
		}
		if _, err := w.ev.SetStatus(ctx, w.a.ID, e.ID, eventsdb.StatusInput{Version: r.Version, Status: events.AwaitingInfo}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("closed to awaiting information: %v, want Conflict (reopen first)", err)
		}
		if _, err := w.ev.SetStatus(ctx, w.a.ID, e.ID, eventsdb.StatusInput{Version: r.Version, Status: events.InReview}); apperr.FieldsOf(err)["reason"] == "" {
			t.Errorf("reopen without a reason: %v, want a message on reason", err)
		}
		if _, err := w.ev.SetStatus(ctx, w.b.ID, e.ID, eventsdb.StatusInput{Version: r.Version, Status: events.InReview, Reason: "x"}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("status change from another organisation: %v, want NotFound", err)
		}
		h, _ := w.ev.History(ctx, w.a.ID, e.ID)
		var got []events.Status
		for _, c := range h {
			got = append(got, c.Status)
			if c.Status != events.Submitted && c.ActorID != w.handler.ID {
				t.Errorf("history entry %+v, want the handler as actor", c)
			}
		}
		if want := []events.Status{events.Submitted, events.InReview, events.Closed}; !slices.Equal(got, want) {
			t.Errorf("history %v, want %v", got, want)
		}
		rv, _ := w.ev.GetReview(ctx, w.a.ID, e.ID)
		if rv.LearningSummary != "Double-check insulin on the chart" {
			t.Errorf("learning summary %q, want the one given with the closure", rv.LearningSummary)
		}
		if n := storetest.Findings(t, st); len(n) != 0 {
			t.Errorf("audit findings %v", n)
		}
	})
}

func TestGradingGovernanceAddendaAssignment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newReviewWorld(t, st)
		ctx := storetest.As(w.handler)
		e := w.report(t, w.a, w.nurse, "Fall from a bed without rails", "Ward 2")
		if e.Harm != "4" {
			t.Fatalf("reported harm %q, want 4", e.Harm)
		}
		u, err := w.ev.Update(ctx, w.a.ID, e.ID, eventsdb.Update{Version: e.Version, Grades: []eventsdb.Grading{{Patient: 0, Physical: "2", Psychological: "3", Reason: "Fractured hip found on X-ray"}}})
		if err != nil || u.Harm != "2" || u.ReportedHarm != "4" {
			t.Fatalf("grade severe: %+v, %v; want harm 2 with reported 4 kept", u, err)
		}
		u, err = w.ev.Update(ctx, w.a.ID, e.ID, eventsdb.Update{Version: u.Version, Grades: []eventsdb.Grading{{Patient: 0, Physical: "3", Psychological: "3"}}})
		if err != nil || u.Harm != "3" {
			t.Fatalf("regrade: %+v, %v", u, err)
		}
		for _, bad := range []eventsdb.Grading{{Patient: 1, Physical: "3", Psychological: "3"}, {Patient: 0, Physical: "9", Psychological: "3"}, {Patient: 0, Physical: "3"}} {
			if _, err := w.ev.Update(ctx, w.a.ID, e.ID, eventsdb.Update{Version: u.Version, Grades: []eventsdb.Grading{bad}}); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("grading %+v: %v, want Invalid", bad, err)
			}
		}
		rv, _ := w.ev.GetReview(ctx, w.a.ID, e.ID)
		if len(rv.History) != 2 || rv.History[0].Physical != "2" || len(rv.Gradings) != 1 || rv.Gradings[0].Physical != "3" || rv.History[0].ActorID != w.handler.ID {
			t.Errorf("gradings %+v, history %+v; want the regrade current and both kept", rv.Gradings, rv.History)
		}

		today := "2026-12-01"
		_ = today
		bads := []struct {
			g     eventsdb.Governance
			field string
		}{
			{eventsdb.Governance{NeverEvent: "y"}, "never_event_type"},
			{eventsdb.Governance{NeverEvent: "y", NeverEventType: "zzz"}, "never_event_type"},
			{eventsdb.Governance{Candour: "y", CandourAwareOn: "2099-01-01"}, "candour_aware_on"},
			{eventsdb.Governance{Candour: "y", CandourAwareOn: "2026-11-20", CandourToldOn: "2026-11-19"}, "candour_notified_on"},
			{eventsdb.Governance{Candour: "y", CandourWrittenOn: "2026-11-20"}, "candour_written_on"},
			{eventsdb.Governance{CQCNotified: "y", CQCNotifiedOn: "2026-02-30"}, "cqc_notified_on"},
			{eventsdb.Governance{Safeguarding: "maybe"}, "safeguarding_referral"},
		}
		for _, b := range bads {
			if _, err := w.ev.Update(ctx, w.a.ID, e.ID, eventsdb.Update{Version: u.Version, Governance: &b.g}); apperr.FieldsOf(err)[b.field] == "" {
				t.Errorf("governance %+v: %v, want a message on %s", b.g, err, b.field)
			}
		}
		g := eventsdb.Governance{Candour: "y", CandourAwareOn: "2026-11-23", CandourToldOn: "2026-11-24", NeverEvent: "y", NeverEventType: "other",
			CQCNotified: "n", CQCNotifiedOn: "2026-11-01", Safeguarding: "n", SeriousIncident: "y"}
		u, err = w.ev.Update(ctx, w.a.ID, e.ID, eventsdb.Update{Version: u.Version, Governance: &g, Notes: ptr("Family upset; call back Tuesday"), AssignTo: ptr(w.other.ID)})
		if err != nil {
			t.Fatalf("governance: %v (%v)", err, apperr.FieldsOf(err))
		}
		rv, _ = w.ev.GetReview(ctx, w.a.ID, e.ID)
		if rv.Governance.NeverEventType != "other" || rv.Governance.CQCNotifiedOn != "" || rv.Notes != "Family upset; call back Tuesday" || u.AssignedTo != w.other.ID || rv.Assignee != w.other.Name {
			t.Errorf("review %+v, event assigned %q; want the flags (CQC date dropped with no), notes and assignee", rv.Review, u.AssignedTo)
		}
		if due := rv.Governance.CandourDue(); due != "2026-12-07" {
			t.Errorf("candour due %s, want 2026-12-07 (ten working days from 23 November)", due)
		}
		if _, err := w.ev.Update(ctx, w.a.ID, e.ID, eventsdb.Update{Version: u.Version, AssignTo: ptr(w.nurse.ID)}); apperr.FieldsOf(err)["assigned_to"] == "" {
			t.Errorf("assign to a reporter: %v, want a message on assigned_to", err)
		}
		if _, err := w.ev.Update(ctx, w.a.ID, e.ID, eventsdb.Update{Version: u.Version, AssignTo: ptr(w.reporterB.ID)}); apperr.FieldsOf(err)["assigned_to"] == "" {
			t.Errorf("assign to another organisation's person: %v, want a message on assigned_to", err)
		}
		if _, err := w.ev.Update(ctx, w.a.ID, e.ID, eventsdb.Update{Version: u.Version}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("empty update: %v, want Invalid", err)
		}

		if _, err := w.ev.AddAddendum(ctx, w.a.ID, e.ID, "  "); apperr.FieldsOf(err)["body"] == "" {
			t.Errorf("empty addendum: %v, want a message on body", err)
		}
		if _, err := w.ev.AddAddendum(ctx, w.b.ID, e.ID, "x"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("addendum from another organisation: %v, want NotFound", err)
		}
		for _, body := range []string{"Bed rails were out of stock", "Rails ordered for the ward"} {
			if _, err := w.ev.AddAddendum(ctx, w.a.ID, e.ID, body); err != nil {
				t.Fatal(err)
			}
		}
		ads, _ := w.ev.Addenda(ctx, w.a.ID, e.ID)
		if len(ads) != 2 || ads[0].Body != "Bed rails were out of stock" || ads[1].AuthorID != w.handler.ID {
			t.Errorf("addenda %+v, want both, in order, by the handler", ads)
		}
		if hits, _ := w.ev.Search(ctx, w.a.ID, "rails stock", 10); len(hits) != 1 || hits[0].ID != e.ID {
			t.Errorf("search of an addendum's words: %v, want the event", hits)
		}
		if n := storetest.Findings(t, st); len(n) != 0 {
			t.Errorf("audit findings %v", n)
		}
	})
}

func TestMergeDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newReviewWorld(t, st)
		ctx := storetest.As(w.handler)
		kept := w.report(t, w.a, w.nurse, "Syringe driver alarm ignored overnight", "Ward 5")
		dup := w.report(t, w.a, w.nurse, "Syringe driver alarm was ignored during the night", "Ward 5")
		other := w.report(t, w.b, w.reporterB, "Syringe driver alarm", "Ward 5")

		sim, err := w.ev.Similar(ctx, w.a.ID, dup.Record, 5, dup.ID)
		if err != nil || len(sim) == 0 || sim[0].ID != kept.ID {
			t.Fatalf("Similar = %+v, %v; want the kept report first", sim, err)
		}
		for _, m := range sim {
			if m.ID == other.ID || m.ID == dup.ID {
				t.Errorf("Similar gave %s (another organisation's, or itself)", m.Ref)
			}
		}
		if _, err := w.ev.Merge(ctx, w.a.ID, dup.ID, dup.Version, other.ID, ""); apperr.FieldsOf(err)["duplicate_of"] == "" {
			t.Errorf("merge into another organisation's event: %v, want a message on duplicate_of", err)
		}
		if _, err := w.ev.Merge(ctx, w.a.ID, dup.ID, dup.Version, dup.Ref, ""); apperr.FieldsOf(err)["duplicate_of"] == "" {
			t.Errorf("merge into itself: %v, want a message on duplicate_of", err)
		}
		d, err := w.ev.Merge(ctx, w.a.ID, dup.ID, dup.Version, kept.Ref, "")
		if err != nil || d.Status != events.Duplicate {
			t.Fatalf("merge: %+v, %v", d, err)
		}
		rv, _ := w.ev.GetReview(ctx, w.a.ID, dup.ID)
		if rv.DuplicateOf != kept.ID || rv.KeptRef != kept.Ref {
			t.Errorf("duplicate points at %q, want %s", rv.DuplicateOf, kept.ID)
		}
		kv, _ := w.ev.GetReview(ctx, w.a.ID, kept.ID)
		if len(kv.Duplicates) != 1 || kv.Duplicates[0].ID != dup.ID {
			t.Errorf("kept record lists %v, want the duplicate", kv.DupRefs)
		}
		if _, err := w.ev.Merge(ctx, w.a.ID, kept.ID, kept.Version, dup.Ref, ""); apperr.FieldsOf(err)["duplicate_of"] == "" {
			t.Errorf("merge into a duplicate: %v, want a message on duplicate_of", err)
		}
		if _, err := w.ev.Get(ctx, w.a.ID, dup.ID); err != nil {
			t.Errorf("the duplicate is gone: %v (nothing is deleted)", err)
		}
		if sim, _ := w.ev.Similar(ctx, w.a.ID, kept.Record, 5, kept.ID); len(sim) != 0 {
			t.Errorf("Similar after the merge = %v, want no duplicates offered", sim)
		}
	})
}

func TestQueueFiltersCountsAndSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newReviewWorld(t, st)
		ctx := storetest.As(w.handler)
		e1 := w.report(t, w.a, w.nurse, "Wrong patient wristband printed", "Ward 1")
		e2 := w.report(t, w.a, w.nurse, "Wristbands printer jammed again", "Outpatients")
		e3 := w.report(t, w.a, w.nurse, "Prescribed penicillin despite allergy", "Ward 1")
		w.report(t, w.b, w.reporterB, "Wristband printed for the wrong patient", "Ward 1")
		if _, err := w.ev.Update(ctx, w.a.ID, e3.ID, eventsdb.Update{Version: e3.Version, AssignTo: ptr(w.handler.ID), Grades: []eventsdb.Grading{{Physical: "2", Psychological: "2"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.ev.SetStatus(ctx, w.a.ID, e2.ID, eventsdb.StatusInput{Version: e2.Version, Status: events.NotPSE, Reason: "Equipment fault, no patient involved"}); err != nil {
			t.Fatal(err)
		}
		ids := func(p eventsdb.QueuePage) []string {
			var out []string
			for _, e := range p.Events {
				out = append(out, e.Ref)
			}
			return out
		}
		cases := []struct {
			f    eventsdb.QueueFilter
			want []string
		}{
			{eventsdb.QueueFilter{}, []string{e3.Ref, e1.Ref}},
			{eventsdb.QueueFilter{Status: "all", Sort: "oldest"}, []string{e1.Ref, e2.Ref, e3.Ref}},
			{eventsdb.QueueFilter{Status: "not_patient_safety"}, []string{e2.Ref}},
			{eventsdb.QueueFilter{Location: "ward 1", Sort: "harm"}, []string{e3.Ref, e1.Ref}},
			{eventsdb.QueueFilter{Harm: "2"}, []string{e3.Ref}},
			{eventsdb.QueueFilter{Assigned: "me"}, []string{e3.Ref}},
			{eventsdb.QueueFilter{Assigned: "nobody"}, []string{e1.Ref}},
			{eventsdb.QueueFilter{Status: "all", Q: "wristbands"}, []string{e2.Ref, e1.Ref}},
			{eventsdb.QueueFilter{Status: "all", Q: "wristband printer"}, []string{e2.Ref}},
			{eventsdb.QueueFilter{Agent: events.AgentIT}, nil},
			{eventsdb.QueueFilter{From: "2026-11-24"}, nil},
			{eventsdb.QueueFilter{Status: "all", Limit: 1, Offset: 1}, []string{e2.Ref}},
		}
		for _, c := range cases {
			f := c.f
			if err := f.Check(); err != nil {
				t.Fatalf("%+v: %v", c.f, err)
			}
			p, err := w.ev.Queue(ctx, w.a.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(p); !slices.Equal(got, c.want) {
				t.Errorf("queue %+v = %v, want %v", c.f, got, c.want)
			}
		}
		f := eventsdb.QueueFilter{}
		_ = f.Check()
		p, _ := w.ev.Queue(ctx, w.a.ID, f)
		if p.Total != 2 || p.Counts[events.Submitted] != 2 || p.Counts[events.NotPSE] != 1 {
			t.Errorf("total %d counts %v, want 2 open with 1 not a PSE", p.Total, p.Counts)
		}
		for _, bad := range []eventsdb.QueueFilter{{Status: "x"}, {Harm: "7"}, {From: "2026-13-01"}, {Sort: "size"}, {Limit: 5000}, {Assigned: "someone"}, {Type: "9"}} {
			if err := bad.Check(); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("filter %+v: %v, want Invalid", bad, err)
			}
		}
		if hits, _ := w.ev.Search(ctx, w.b.ID, "penicillin", 10); len(hits) != 0 {
			t.Errorf("search from another organisation found %v", hits)
		}
		if hits, _ := w.ev.Search(ctx, w.a.ID, "allergy", 10); len(hits) != 1 || hits[0].ID != e3.ID {
			t.Errorf("search allergy = %v, want %s", hits, e3.Ref)
		}
		if hits, _ := w.ev.Search(ctx, w.a.ID, "warfarin", 10); len(hits) != 3 {
			t.Errorf("search of a medicine = %d events, want 3", len(hits))
		}
		if hits, err := w.ev.Search(ctx, w.a.ID, `"'; -- *`, 10); err != nil || len(hits) != 0 {
			t.Errorf("search of punctuation: %v, %v; want nothing and no error", hits, err)
		}
	})
}
