package eventsdb_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// ReportMany writes each report as Report writes one: the same row but
// for its id and reference, consecutive references after the last one
// given, the status history, audit entry and actor of each report's own
// request, a search document, and the followers' rows (FHIR versions);
// the chain and the deep check stay whole.
func TestReportManyWritesEachAsReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		ev := eventsdb.New(st)
		a := storetest.Org(t, st, "ERM")
		nurse := storetest.User(t, st, a, "nurse@erm.test", auth.Reporter)
		doctor := storetest.User(t, st, a, "doctor@erm.test", auth.Reporter)
		rec := func(words string) events.Record {
			r := incident("")
			r.Answers[events.AnsAgents] = []string{"10"}
			r.Answers[events.AnsDescription] = []string{words}
			return r
		}
		one, err := ev.Report(storetest.As(nurse), a.ID, rec("infusion pump alarm"), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
		if err != nil {
			t.Fatal(err)
		}
		check, err := ev.Checker(storetest.Operator, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var rs []eventsdb.Many
		for i, u := range []store.User{nurse, doctor, nurse} {
			r := rec(fmt.Sprintf("infusion pump alarm %d", i))
			if err := check(&r, events.Staff); err != nil {
				t.Fatal(err)
			}
			rs = append(rs, eventsdb.Many{Rec: r, Sub: eventsdb.Submission{Audience: events.Staff, ReporterID: u.ID, Confidential: i == 2},
				Actor: audit.Actor{UserID: u.ID, Name: u.Name, RequestID: fmt.Sprintf("req-%d", i)}})
		}
		var many []eventsdb.Event
		if err := st.Tx(storetest.Operator, func(tx *store.Tx) error {
			var err error
			many, err = ev.ReportMany(storetest.Operator, tx, a.ID, rs)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(many) != 3 {
			t.Fatalf("ReportMany returned %d events", len(many))
		}
		for i, e := range many {
			if want := fmt.Sprintf("PSE-2026-%06d", i+2); e.Ref != want {
				t.Errorf("event %d: reference %s, want %s", i, e.Ref, want)
			}
			got, err := ev.Get(storetest.Operator, a.ID, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(e) {
				t.Errorf("event %d as returned differs from a read:\n%v\n%v", i, e, got)
			}
			// The same row as Report's, but for what names it.
			like := one
			like.ID, like.Ref, like.ReporterID, like.Confidential, like.Record = e.ID, e.Ref, rs[i].Sub.ReporterID, rs[i].Sub.Confidential, e.Record
			if fmt.Sprint(like) != fmt.Sprint(e) {
				t.Errorf("event %d differs from a report of one:\n%v\n%v", i, e, like)
			}
			// The history of a confidential report names nobody.
			wantActor := rs[i].Actor.UserID
			if rs[i].Sub.Confidential {
				wantActor = ""
			}
			hs, err := ev.History(storetest.Operator, a.ID, e.ID)
			if err != nil || len(hs) != 1 || hs[0].Status != events.Submitted || hs[0].ActorID != wantActor {
				t.Errorf("event %d: history %+v, %v; want submitted by %q", i, hs, err, wantActor)
			}
			es, err := st.ListAudit(storetest.Operator, store.AuditFilter{OrgID: a.ID, EntityID: e.ID})
			if err != nil || len(es) != 1 || es[0].Action != "event.submit" || es[0].ActorID != rs[i].Actor.UserID || es[0].RequestID != rs[i].Actor.RequestID {
				t.Errorf("event %d: audit %+v, %v; want event.submit by %s in %s", i, es, err, rs[i].Actor.UserID, rs[i].Actor.RequestID)
			}
			var versions int
			if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM fhir_versions WHERE event_id = $1`, e.ID).Scan(&versions); err != nil || versions != 1 {
				t.Errorf("event %d: %d FHIR versions (%v), want 1", i, versions, err)
			}
		}
		f := eventsdb.QueueFilter{Status: "all", Q: "infusion"}
		if err := f.Check(); err != nil {
			t.Fatal(err)
		}
		if p, err := ev.Queue(storetest.Operator, a.ID, f); err != nil || len(p.Events) != 4 {
			t.Errorf("search found %d events (%v), want 4", len(p.Events), err)
		}
		if f := storetest.Findings(t, st); len(f) > 0 {
			t.Errorf("deep check: %q", f)
		}
		if res, err := st.VerifyAudit(storetest.Operator); err != nil || res.Break != nil {
			t.Errorf("VerifyAudit = %+v, %v", res, err)
		}
	})
}
