package eventsdb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// A new report, staff, anonymous or public, must answer the data sharing
// question; the answer is kept in the record. A historical import (an
// event reported before clinsafe asked) keeps no answer.
func TestDataSharingAnswer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newReviewWorld(t, st)
		ev, a, nurse := w.ev, w.a, w.nurse
		ctx := storetest.As(nurse)
		rec := func(sharing ...string) events.Record {
			r := incident("")
			r.Answers[events.AnsAgents] = []string{"10"}
			delete(r.Answers, events.AnsDataSharing)
			if len(sharing) > 0 {
				r.Answers[events.AnsDataSharing] = sharing
			}
			return r
		}
		public := func(sharing ...string) events.Record {
			r := rec(sharing...)
			delete(r.Answers, events.AnsServiceArea)
			r.Answers[events.AnsReporterType] = []string{"carer"}
			return r
		}
		before := storetest.AuditCount(t, st)
		refused := func(what string, err error) {
			t.Helper()
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.FieldsOf(err)[events.AnsDataSharing], "Select an answer") {
				t.Errorf("%s without the data sharing answer: %v (%v), want Invalid naming %s", what, err, apperr.FieldsOf(err), events.AnsDataSharing)
			}
		}
		_, err := ev.Report(ctx, a.ID, rec(), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
		refused("staff report", err)
		_, _, err = ev.ReportAnonymous(ctx, a.ID, rec())
		refused("anonymous report", err)
		_, _, err = ev.ReportPublic(context.Background(), a.ID, public())
		refused("public report", err)
		_, err = ev.Report(ctx, a.ID, rec("perhaps"), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
		if !strings.Contains(apperr.FieldsOf(err)[events.AnsDataSharing], "from the list") {
			t.Errorf("answer outside the list: %v, want refused", err)
		}
		if got := storetest.AuditCount(t, st); got != before {
			t.Errorf("refused reports wrote %d audit entries", got-before)
		}
		if n := count(t, st, a.ID); n != 0 {
			t.Fatalf("refused reports left %d events", n)
		}

		out, err := ev.Report(ctx, a.ID, rec(events.DataOptOut), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
		if err != nil {
			t.Fatalf("Report: %v (%v)", err, apperr.FieldsOf(err))
		}
		pub, _, err := ev.ReportPublic(context.Background(), a.ID, public(events.DataOptOut))
		if err != nil {
			t.Fatalf("ReportPublic: %v (%v)", err, apperr.FieldsOf(err))
		}
		shares, _, err := ev.ReportAnonymous(ctx, a.ID, rec(events.DataShare))
		if err != nil {
			t.Fatalf("ReportAnonymous: %v (%v)", err, apperr.FieldsOf(err))
		}
		for _, c := range []struct {
			id   string
			want bool
		}{{out.ID, true}, {pub.ID, true}, {shares.ID, false}} {
			e, err := ev.Get(storetest.Operator, a.ID, c.id)
			if err != nil {
				t.Fatal(err)
			}
			if !e.Record.DataSharingAnswered() || e.Record.DataSharingOptOut() != c.want {
				t.Errorf("%s: stored answer %v, want opted out %v", e.Ref, e.Record.Answers[events.AnsDataSharing], c.want)
			}
		}

		// Reported before the question: imported without the answer, and
		// kept unanswered.
		hs := []eventsdb.Historical{{Record: rec(), SubmittedAt: storetest.FixedTime.Add(-time.Hour)}}
		if n, err := ev.ImportHistorical(storetest.Operator, a.ID, hs); err != nil || n != 1 {
			t.Fatalf("ImportHistorical without the data sharing answer = %d, %v; want 1", n, err)
		}
		im, err := ev.NewImporter(storetest.Operator, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := im.Check(hs[0]); err != nil {
			t.Errorf("Importer.Check without the data sharing answer: %v", err)
		}
		if _, err := im.Check(eventsdb.Historical{Record: rec("perhaps"), SubmittedAt: storetest.FixedTime.Add(-time.Hour)}); err == nil {
			t.Error("Importer.Check of an answer outside the list = nil, want refused")
		}
		var record string
		if err := st.SQL().QueryRow(`SELECT record FROM events WHERE org_id = $1 AND ref LIKE 'PSE-%' ORDER BY ref DESC LIMIT 1`, a.ID).Scan(&record); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(record, events.AnsDataSharing) {
			t.Errorf("imported record %s carries a data sharing answer, want none", record)
		}
	})
}

func count(t *testing.T, st *store.DB, org store.OrgID) int {
	t.Helper()
	var n int
	if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM events WHERE org_id = $1`, org).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
