package eventsdb_test

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/mail"
	"github.com/clinsafe/clinsafe/internal/mail/mailtest"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// TestFeedbackEmail sends the reporter's feedback through the outbox to a
// real SMTP server: a staff reporter at their account address, a public
// reporter at the address they left, nobody else, and nothing for a change
// that rolled back.
func TestFeedbackEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		ev := eventsdb.New(st)
		a := storetest.Org(t, st, "EFM")
		nurse := storetest.User(t, st, a, "nurse@a.test", auth.Reporter)
		handler := storetest.User(t, st, a, "handler@a.test", auth.Handler)
		as := storetest.As(handler)
		notify := func(id string, st2 events.Status, summary string) {
			t.Helper()
			if err := st.Tx(as, func(tx *store.Tx) error {
				return ev.NotifyStatus(as, tx, a.ID, id, st2, summary)
			}); err != nil {
				t.Fatalf("NotifyStatus(%s, %s): %v", id, st2, err)
			}
		}

		staff, err := ev.Report(storetest.As(nurse), a.ID, staffIncident(), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
		if err != nil {
			t.Fatal(err)
		}
		notify(staff.ID, events.InReview, "")
		const question = "Which ward was the second dose given on?"
		if _, err := ev.Ask(as, a.ID, staff.ID, question); err != nil {
			t.Fatalf("Ask: %v", err)
		}

		public, _, err := ev.ReportPublic(storetest.Operator, a.ID, publicIncident())
		if err != nil {
			t.Fatal(err)
		}
		if err := ev.SetContactEmail(storetest.Operator, a.ID, public.ID, "carer@example.com"); err != nil {
			t.Fatal(err)
		}
		const learning = "Doses are now checked against the chart at every round."
		notify(public.ID, events.Closed, learning)

		// A public reporter who left no address is told in clinsafe only.
		silent, _, err := ev.ReportPublic(storetest.Operator, a.ID, publicIncident())
		if err != nil {
			t.Fatal(err)
		}
		notify(silent.ID, events.InReview, "")
		if ms, err := ev.Thread(as, a.ID, silent.ID, eventsdb.ReporterView); err != nil || len(ms) != 1 {
			t.Fatalf("thread of the report without an address = %+v (%v), want the status message", ms, err)
		}

		// A change that rolls back queues nothing.
		const undone = "This feedback was never given."
		stop := errors.New("stop")
		if err := st.Tx(as, func(tx *store.Tx) error {
			if err := ev.NotifyReporter(as, tx, a.ID, staff.ID, eventsdb.KindFeedback, undone); err != nil {
				return err
			}
			return stop
		}); !errors.Is(err, stop) {
			t.Fatalf("rolled-back NotifyReporter: %v, want the transaction's own error", err)
		}

		outbox := mail.New(st, nil, mail.Options{})
		queued, err := outbox.List(storetest.Operator, a.ID, mail.Pending, 100)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, it := range queued {
			kinds = append(kinds, it.Kind)
		}
		slices.Sort(kinds)
		if want := []string{"events.feedback", "events.feedback", "events.question"}; !slices.Equal(kinds, want) {
			t.Fatalf("outbox holds %v, want %v", kinds, want)
		}

		srv := mailtest.NewServer(t)
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		n, err := mail.New(st, srv.Sender(), mail.Options{Logger: quiet}).Once(storetest.Operator)
		if err != nil || n != 3 {
			t.Fatalf("Once sent %d (%v), want 3", n, err)
		}

		staffWhere := "Sign in to clinsafe and open My reports to read it and reply."
		publicWhere := "Open the follow-up page where you made your report and enter your follow-up code to read it and reply."
		_, inReview := eventsdb.StatusWords(events.InReview, "")
		_, closed := eventsdb.StatusWords(events.Closed, learning)
		body := func(text, where string) string {
			return strings.ReplaceAll(text+"\n\n"+where+"\n\nThe patient safety team\n", "\n", "\r\n")
		}
		want := map[string]string{ // To and Subject: body
			"nurse@a.test|An update on your safety report " + staff.Ref:       body(inReview, staffWhere),
			"nurse@a.test|A question about your safety report " + staff.Ref:   body("The patient safety team has asked you a question about your report.", staffWhere),
			"carer@example.com|An update on your safety report " + public.Ref: body(closed, publicWhere),
		}
		got := srv.Received()
		if len(got) != len(want) {
			t.Errorf("server received %d messages, want %d", len(got), len(want))
		}
		seen := map[string]int{}
		for _, r := range got {
			key := r.To + "|" + r.Subject
			seen[key]++
			w, ok := want[key]
			switch {
			case !ok:
				t.Errorf("unexpected message to %s: %q", r.To, r.Subject)
			case r.Text != w:
				t.Errorf("message to %s %q has body\n%q\nwant\n%q", r.To, r.Subject, r.Text, w)
			}
			if strings.Contains(r.Text+r.Subject, question) || strings.Contains(r.Text, undone) {
				t.Errorf("message to %s %q carries the question or the rolled-back feedback: %q", r.To, r.Subject, r.Text)
			}
			if to := r.Msg.Header.Get("To"); to != "<"+r.To+">" {
				t.Errorf("To header %q, want %s", to, r.To)
			}
		}
		for key := range want {
			if seen[key] != 1 {
				t.Errorf("server received %d of %s, want 1", seen[key], key)
			}
		}
		if !strings.Contains(want["carer@example.com|An update on your safety report "+public.Ref], learning) {
			t.Error("the closure email leaves out the learning summary")
		}
		if fs := storetest.Findings(t, st); len(fs) != 0 {
			t.Errorf("audit findings: %v", fs)
		}
	})
}
