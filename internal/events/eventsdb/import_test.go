package eventsdb_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// Imports are written in batches: each batch's references are consecutive
// per year, after those already taken and before the next report's, never
// given twice; every event has its own audit entry with its content, and
// the followers of events (the FHIR versions) saw each.
func TestImportWritesBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		eventsdb.SetImportBatch(t, 3)
		st.SetClock(func() time.Time { return storetest.FixedTime })
		ev := eventsdb.New(st)
		a := storetest.Org(t, st, "EIB")
		nurse := storetest.User(t, st, a, "nurse@eib.test", auth.Reporter)
		rec := func(day time.Time) events.Record {
			r := incident("")
			r.Answers[events.AnsAgents] = []string{"10"}
			r.Answers[events.AnsDate] = []string{day.Format(time.DateOnly)}
			return r
		}
		reported, err := ev.Report(storetest.As(nurse), a.ID, rec(storetest.FixedTime), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
		if err != nil {
			t.Fatal(err)
		}
		var hs []eventsdb.Historical
		for i := range 8 {
			at := storetest.FixedTime.AddDate(0, 0, -10-i)
			if i%2 == 1 {
				at = at.AddDate(-1, 0, 0)
			}
			st := events.Submitted
			if i%3 == 0 {
				st = events.Closed
			}
			hs = append(hs, eventsdb.Historical{Record: rec(at), SubmittedAt: at, Status: st, ChangedAt: at.Add(time.Hour)})
		}
		if n, err := ev.ImportHistorical(storetest.Operator, a.ID, hs); err != nil || n != 8 {
			t.Fatalf("ImportHistorical of 8 = %d, %v", n, err)
		}
		if n, err := ev.ImportHistorical(storetest.Operator, a.ID, hs[:2]); err != nil || n != 2 {
			t.Fatalf("ImportHistorical of 2 more = %d, %v", n, err)
		}
		next, err := ev.Report(storetest.As(nurse), a.ID, rec(storetest.FixedTime), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := st.SQL().Query(`SELECT ref FROM events WHERE org_id = $1 ORDER BY ref`, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for rows.Next() {
			var r string
			rows.Scan(&r)
			refs = append(refs, r)
		}
		rows.Close()
		var want []string
		for i := 1; i <= 5; i++ {
			want = append(want, fmt.Sprintf("PSE-2025-%06d", i))
		}
		for i := 1; i <= 7; i++ {
			want = append(want, fmt.Sprintf("PSE-2026-%06d", i))
		}
		if !slices.Equal(refs, want) {
			t.Errorf("references %q, want %q", refs, want)
		}
		if reported.Ref != "PSE-2026-000001" || next.Ref != "PSE-2026-000007" {
			t.Errorf("reported before and after the imports: %s, %s; want PSE-2026-000001 and PSE-2026-000007", reported.Ref, next.Ref)
		}
		var imported, entries, versions, history int
		for q, n := range map[string]*int{
			`SELECT COUNT(*) FROM events WHERE org_id = $1 AND id IN (SELECT entity_id FROM audit_log WHERE action = 'event.import')`:                     &imported,
			`SELECT COUNT(*) FROM audit_log WHERE org_id = $1 AND action = 'event.import'`:                                                                &entries,
			`SELECT COUNT(*) FROM fhir_versions WHERE org_id = $1`:                                                                                        &versions,
			`SELECT COUNT(*) FROM event_status_history WHERE org_id = $1 AND event_id IN (SELECT entity_id FROM audit_log WHERE action = 'event.import')`: &history,
		} {
			if err := st.SQL().QueryRow(q, a.ID).Scan(n); err != nil {
				t.Fatal(err)
			}
		}
		// 10 imported (4 of them closed: 2 history rows), 2 reported.
		if imported != 10 || entries != 10 || versions != 12 || history != 14 {
			t.Errorf("imported events %d with %d entries, %d FHIR versions, %d history rows; want 10, 10, 12, 14", imported, entries, versions, history)
		}
		// The counts per status (kept by triggers) agree with the events.
		var off int
		if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM (SELECT org_id, status, COUNT(*) AS n FROM events GROUP BY org_id, status) e
			FULL JOIN (SELECT org_id, status, SUM(n) AS n FROM event_status_counts GROUP BY org_id, status) c ON c.org_id = e.org_id AND c.status = e.status
			WHERE COALESCE(e.n, 0) <> COALESCE(c.n, 0)`).Scan(&off); err != nil || off != 0 {
			t.Errorf("counts per status disagree with the events in %d places (%v)", off, err)
		}
		if f := storetest.Findings(t, st); len(f) > 0 {
			t.Errorf("deep check after batched imports: %q", f)
		}
		if res, err := st.VerifyAudit(storetest.Operator); err != nil || res.Break != nil {
			t.Errorf("VerifyAudit = %+v, %v", res, err)
		}
	})
}

// An imported event is found by the queue's text search like a reported
// one: the import writes its search document with it.
func TestImportedEventsAreSearchable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		eventsdb.SetImportBatch(t, 2)
		st.SetClock(func() time.Time { return storetest.FixedTime })
		ev := eventsdb.New(st)
		a := storetest.Org(t, st, "EIS")
		var hs []eventsdb.Historical
		for i, words := range []string{"syringe driver alarm silenced", "wristband printer jammed", "syringe label smudged"} {
			r := incident("")
			r.Answers[events.AnsAgents] = []string{"10"}
			r.Answers[events.AnsDescription] = []string{"Imported: " + words}
			at := storetest.FixedTime.AddDate(0, 0, -3-i)
			r.Answers[events.AnsDate] = []string{at.Format(time.DateOnly)}
			hs = append(hs, eventsdb.Historical{Record: r, SubmittedAt: at})
		}
		if n, err := ev.ImportHistorical(storetest.Operator, a.ID, hs); err != nil || n != 3 {
			t.Fatalf("ImportHistorical = %d, %v", n, err)
		}
		ctx := storetest.Operator
		search := func(when string) {
			for q, want := range map[string]int{"syringe": 2, "wristband printer": 1, "imported": 3, "ventilator": 0} {
				f := eventsdb.QueueFilter{Status: "all", Q: q}
				if err := f.Check(); err != nil {
					t.Fatal(err)
				}
				p, err := ev.Queue(ctx, a.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Events) != want {
					t.Errorf("%s: search %q found %d imported events, want %d", when, q, len(p.Events), want)
				}
			}
		}
		search("after the import")
		// Events imported before imports wrote their documents: IndexMissing
		// writes them, and only them.
		if _, err := st.SQL().Exec(`DELETE FROM event_search WHERE org_id = $1`, a.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := ev.IndexMissing(ctx); err != nil || n != 3 {
			t.Fatalf("IndexMissing = %d, %v; want 3", n, err)
		}
		search("after IndexMissing")
		if n, err := ev.IndexMissing(ctx); err != nil || n != 0 {
			t.Errorf("IndexMissing again = %d, %v; want 0", n, err)
		}
		if f := storetest.Findings(t, st); len(f) > 0 {
			t.Errorf("deep check: %q", f)
		}
	})
}
