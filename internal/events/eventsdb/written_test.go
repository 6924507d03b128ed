package eventsdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

// Every way of submitting a report returns the event exactly as a read
// after the commit finds it (the row its write returned, not a second
// read), and writes the search document a rebuild from that read writes;
// the deep audit check finds every content hash right.
func TestSubmissionsReturnTheEventAsStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		// Nanoseconds that neither engine keeps as they are (PostgreSQL
		// keeps microseconds).
		st.SetClock(func() time.Time { return storetest.FixedTime.Add(123456789 * time.Nanosecond) })
		ev := eventsdb.New(st)
		a := storetest.Org(t, st, "EWR")
		nurse := storetest.User(t, st, a, "nurse@w.test", auth.Reporter)
		ctx := storetest.As(nurse)
		draft := func() eventsdb.Event {
			t.Helper()
			d, err := ev.SaveDraft(ctx, a.ID, "", 0, staffIncident(), events.AnsDescription)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		publicKey := func(n string) string { return "a-public-reporter-key-of-32-chars-" + n }
		for _, c := range []struct {
			what   string
			submit func() (eventsdb.Event, error)
		}{
			{"Report", func() (eventsdb.Event, error) {
				return ev.Report(ctx, a.ID, staffIncident(), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
			}},
			{"Report in confidence", func() (eventsdb.Event, error) {
				return ev.Report(ctx, a.ID, staffIncident(), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID, Confidential: true})
			}},
			{"ReportAnonymous", func() (eventsdb.Event, error) {
				e, _, err := ev.ReportAnonymous(ctx, a.ID, staffIncident())
				return e, err
			}},
			{"ReportPublic", func() (eventsdb.Event, error) {
				e, _, err := ev.ReportPublic(context.Background(), a.ID, publicIncident())
				return e, err
			}},
			{"Submit", func() (eventsdb.Event, error) {
				d := draft()
				return ev.Submit(ctx, a.ID, d.ID, d.Version)
			}},
			{"SubmitAs confidential", func() (eventsdb.Event, error) {
				d := draft()
				e, _, err := ev.SubmitAs(ctx, a.ID, d.ID, d.Version, eventsdb.Confidential)
				return e, err
			}},
			{"SubmitAs anonymous", func() (eventsdb.Event, error) {
				d := draft()
				e, _, err := ev.SubmitAs(ctx, a.ID, d.ID, d.Version, eventsdb.Anonymous)
				return e, err
			}},
			{"SubmitPublicDraft", func() (eventsdb.Event, error) {
				d, err := ev.SavePublicDraft(context.Background(), a.ID, publicKey("1"), true, 0, publicIncident(), events.AnsDescription)
				if err != nil {
					return eventsdb.Event{}, err
				}
				e, _, err := ev.SubmitPublicDraft(context.Background(), a.ID, publicKey("1"), d.Version)
				return e, err
			}},
		} {
			e, err := c.submit()
			if err != nil {
				t.Fatalf("%s: %v (%v)", c.what, err, apperr.FieldsOf(err))
			}
			got, err := ev.Get(storetest.Operator, a.ID, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, e); diff != "" {
				t.Errorf("%s returned the event otherwise than it reads after (-read +returned):\n%s", c.what, diff)
			}
			body := searchBody(t, st, e.ID)
			if err := st.Tx(storetest.Operator, func(tx *store.Tx) error { return ev.IndexTx(storetest.Operator, tx, a.ID, e.ID) }); err != nil {
				t.Fatal(err)
			}
			if rebuilt := searchBody(t, st, e.ID); body == "" || rebuilt != body {
				t.Errorf("%s: search document %q, rebuilt from a read %q", c.what, body, rebuilt)
			}
		}
		if fs := storetest.Findings(t, st); len(fs) > 0 {
			t.Errorf("deep audit check: %q, want none", fs)
		}
	})
}

func searchBody(t *testing.T, st *store.DB, id string) string {
	t.Helper()
	var b string
	if err := st.SQL().QueryRow(`SELECT body FROM event_search WHERE event_id = $1`, id).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}
