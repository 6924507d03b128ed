package eventsdb_test

import (
	"testing"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// A confidential report's status history, which every handler reads on
// the event page and in the review API, must not name its reporter: only
// the patient safety lead may know who made it. Before, the "submitted"
// entry was recorded with the reporter as its actor, so any handler saw
// the reporter's name and id beside it.
func TestConfidentialSubmissionHistoryNamesNobody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		ev := eventsdb.New(st)
		a := storetest.Org(t, st, "ECH")
		nurse := storetest.User(t, st, a, "nurse@a.test", auth.Reporter)
		handler := storetest.User(t, st, a, "handler@a.test", auth.Handler)
		ctx := storetest.As(nurse)

		reported, err := ev.Report(ctx, a.ID, staffIncident(), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID, Confidential: true})
		if err != nil {
			t.Fatal(err)
		}
		d, err := ev.SaveDraft(ctx, a.ID, "", 0, staffIncident())
		if err != nil {
			t.Fatal(err)
		}
		submitted, _, err := ev.SubmitAs(ctx, a.ID, d.ID, d.Version, eventsdb.Confidential)
		if err != nil {
			t.Fatal(err)
		}
		var many []eventsdb.Event
		if err := st.Tx(ctx, func(tx *store.Tx) error {
			many, err = ev.ReportMany(ctx, tx, a.ID, []eventsdb.Many{{Rec: staffIncident(),
				Sub: eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID, Confidential: true}, Actor: audit.ActorFrom(ctx)}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, e := range []eventsdb.Event{reported, submitted, many[0]} {
			rv, err := ev.GetReview(storetest.As(handler), a.ID, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(rv.Statuses) == 0 {
				t.Fatalf("%s: no status history", e.Ref)
			}
			for _, c := range rv.Statuses {
				if c.ActorID == nurse.ID || c.ActorName == nurse.Name {
					t.Errorf("%s: status history entry %+v names the confidential reporter %s", e.Ref, c, nurse.Name)
				}
			}
		}
	})
}
