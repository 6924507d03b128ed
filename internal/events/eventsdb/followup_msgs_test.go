package eventsdb_test

import (
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// publicIncident is a complete report from the public page.
func publicIncident() events.Record {
	return events.Record{Type: events.Incident, Answers: events.Answers{
		events.AnsDescription: {"My father was given his tablets twice"}, events.AnsWhenKind: {"today"}, events.AnsLocation: {"Ward 3"},
		events.AnsAgents: {events.AgentMedication}, events.AnsPatientsSaid: {"u"}, events.AnsConcern: {"5"}, events.AnsReporterType: {"carer"}, events.AnsDataSharing: {events.DataShare}},
		Groups: map[string][]events.Answers{events.GroupMedicines: {{"name": {"Warfarin"}}}}}
}

// staffIncident is a complete staff report without a system.
func staffIncident() events.Record {
	r := incident("")
	r.Answers[events.AnsAgents] = []string{events.AgentMedication}
	delete(r.Answers, events.AnsSystem)
	delete(r.Answers, events.AnsITFactors)
	r.Groups[events.GroupMedicines] = []events.Answers{{"name": {"Warfarin"}}}
	return r
}

func TestConversationWithFollowUpCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		now := storetest.FixedTime
		st.SetClock(func() time.Time { return now })
		ev := eventsdb.New(st)
		a, b := storetest.Org(t, st, "EFA"), storetest.Org(t, st, "EFB")
		handler := storetest.User(t, st, a, "handler@a.test", auth.Handler)
		e, code, err := ev.ReportPublic(storetest.Operator, a.ID, publicIncident())
		if err != nil {
			t.Fatalf("ReportPublic: %v (%v)", err, apperr.FieldsOf(err))
		}

		if _, err := ev.Ask(storetest.As(handler), a.ID, e.ID, "  "); apperr.FieldsOf(err)["body"] == "" {
			t.Errorf("empty question: %v, want a message on the body", err)
		}
		if _, err := ev.Ask(storetest.As(handler), a.ID, e.ID, strings.Repeat("x", eventsdb.MaxMessage+1)); apperr.FieldsOf(err)["body"] == "" {
			t.Errorf("oversize question: %v, want a message on the body", err)
		}
		if _, err := ev.Ask(storetest.As(handler), b.ID, e.ID, "Which ward?"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("question on another organisation's event: %v, want NotFound", err)
		}
		now = now.Add(2 * time.Hour)
		q, err := ev.Ask(storetest.As(handler), a.ID, e.ID, "Which ward was your father on?")
		if err != nil {
			t.Fatal(err)
		}
		got, err := ev.Get(storetest.Operator, a.ID, e.ID)
		if err != nil || got.Status != events.AwaitingInfo || got.FirstFeedbackAt == nil || !got.FirstFeedbackAt.Equal(now) {
			t.Fatalf("after the question the event is %+v, %v; want awaiting information with first feedback at %v", got, err, now)
		}

		// The reporter finds the conversation with the code alone.
		for _, bad := range []string{"", "ABCD", strings.Repeat("A", 32), strings.Repeat("1", 32), code + "A"} {
			if _, err := ev.FollowUp(storetest.Operator, a.ID, bad); err != eventsdb.ErrWrongCode {
				t.Errorf("FollowUp(%q) = %v, want the one wrong-code answer", bad, err)
			}
		}
		if _, err := ev.FollowUp(storetest.Operator, b.ID, code); err != eventsdb.ErrWrongCode {
			t.Errorf("the code at another organisation: %v, want the wrong-code answer", err)
		}
		f, err := ev.FollowUp(storetest.Operator, a.ID, strings.ToLower(code))
		if err != nil || f.ID != e.ID {
			t.Fatalf("FollowUp = %v, %v; want the event", f.ID, err)
		}
		ms, err := ev.Thread(storetest.Operator, a.ID, e.ID, eventsdb.ReporterView)
		if err != nil || len(ms) != 1 || ms[0].From != eventsdb.TeamWords || ms[0].AuthorName != "" || ms[0].Kind != eventsdb.KindQuestion || ms[0].ID != q.ID {
			t.Fatalf("reporter's thread = %+v, %v; want the question from the patient safety team, no name", ms, err)
		}
		now = now.Add(time.Hour)
		if _, err := ev.AnswerFollowUp(storetest.Operator, a.ID, e.ID, "Ward 3, the bay by the window"); err != nil {
			t.Fatal(err)
		}
		got, _ = ev.Get(storetest.Operator, a.ID, e.ID)
		if got.Status != events.InReview || !got.FirstFeedbackAt.Equal(now.Add(-time.Hour)) {
			t.Errorf("after the answer the event is %s, first feedback %v; want in review and the first feedback time kept", got.Status, got.FirstFeedbackAt)
		}
		team, _ := ev.Thread(storetest.As(handler), a.ID, e.ID, eventsdb.TeamView)
		if len(team) != 2 || team[1].From != eventsdb.ReporterWords || team[1].AuthorName != "" || team[0].AuthorName != handler.Name {
			t.Errorf("team's thread = %+v; want the handler's question and an answer from the reporter", team)
		}
		if h, _ := ev.History(storetest.Operator, a.ID, e.ID); len(h) != 3 || h[2].Status != events.InReview || h[2].ActorID != "" || h[1].ActorID != handler.ID {
			t.Errorf("history = %+v; want submitted, awaiting (by the handler), in review (by nobody named)", h)
		}
		if n, _ := ev.Updates(storetest.As(handler), a.ID); n != 0 {
			t.Errorf("handler's updates = %d, want 0 (not their report)", n)
		}

		if fs := storetest.Findings(t, st); len(fs) != 0 {
			t.Errorf("audit findings: %v", fs)
		}

		// Closed (by the review part: set here directly): no more
		// questions or answers; 90 days on, the code stops working.
		closedAt := now
		if _, err := st.SQL().Exec(`UPDATE events SET status = 'closed', closed_at = $1 WHERE id = $2`, closedAt, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := ev.Ask(storetest.As(handler), a.ID, e.ID, "One more thing"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("question on a closed event: %v, want Conflict", err)
		}
		if _, err := ev.AnswerFollowUp(storetest.Operator, a.ID, e.ID, "And another"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("answer on a closed event: %v, want Conflict", err)
		}
		now = closedAt.Add(eventsdb.FollowUpLife - time.Minute)
		if _, err := ev.FollowUp(storetest.Operator, a.ID, code); err != nil {
			t.Errorf("code 89 days after closure: %v, want it to work", err)
		}
		now = closedAt.Add(eventsdb.FollowUpLife + time.Minute)
		_, err = ev.FollowUp(storetest.Operator, a.ID, code)
		if !eventsdb.IsExpiredCode(err) || !strings.Contains(apperr.MessageOf(err), "90 days") {
			t.Errorf("code 90 days after closure: %v, want the expired message", err)
		}
	})
}

func TestStaffConversationAndConfidentiality(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		ev := eventsdb.New(st)
		a := storetest.Org(t, st, "EFC")
		nurse := storetest.User(t, st, a, "nurse@a.test", auth.Reporter)
		other := storetest.User(t, st, a, "other@a.test", auth.Reporter)
		handler := storetest.User(t, st, a, "handler@a.test", auth.Handler)
		admin := storetest.User(t, st, a, "admin@a.test", auth.Admin)
		lead := storetest.User(t, st, a, "lead@a.test", auth.Handler, auth.Admin)
		open, err := ev.Report(storetest.As(nurse), a.ID, staffIncident(), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
		if err != nil {
			t.Fatalf("Report: %v (%v)", err, apperr.FieldsOf(err))
		}
		conf, err := ev.Report(storetest.As(nurse), a.ID, staffIncident(), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID, Confidential: true})
		if err != nil {
			t.Fatal(err)
		}
		pub, _, err := ev.ReportPublic(storetest.Operator, a.ID, publicIncident())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			e    eventsdb.Event
			who  store.User
			want string
		}{
			{open, handler, nurse.Name}, {conf, handler, ""}, {conf, admin, ""}, {conf, lead, nurse.Name},
			{pub, handler, ""}, {pub, lead, ""},
		} {
			if got, err := ev.ReporterName(storetest.As(c.who), c.e); err != nil || got != c.want {
				t.Errorf("ReporterName(%s, confidential %v, audience %s) = %q, %v; want %q", c.who.Email, c.e.Confidential, c.e.Audience, got, err, c.want)
			}
		}

		if _, err := ev.Ask(storetest.As(handler), a.ID, conf.ID, "What time was the dose given?"); err != nil {
			t.Fatal(err)
		}
		if n, _ := ev.Updates(storetest.As(nurse), a.ID); n != 1 {
			t.Errorf("nurse's updates = %d, want 1", n)
		}
		if _, _, err := ev.MineThread(storetest.As(other), a.ID, conf.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another reporter's thread: %v, want NotFound", err)
		}
		if _, err := ev.AnswerMine(storetest.As(other), a.ID, conf.ID, "Not mine"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("answering another reporter's report: %v, want NotFound", err)
		}
		_, ms, err := ev.MineThread(storetest.As(nurse), a.ID, conf.ID)
		if err != nil || len(ms) != 1 || ms[0].From != eventsdb.TeamWords || ms[0].AuthorName != "" {
			t.Fatalf("nurse's thread = %+v, %v; want the question from the team, unnamed", ms, err)
		}
		if err := ev.MarkRead(storetest.As(nurse), a.ID, conf.ID, eventsdb.ReporterView); err != nil {
			t.Fatal(err)
		}
		if n, _ := ev.Updates(storetest.As(nurse), a.ID); n != 0 {
			t.Errorf("nurse's updates after reading = %d, want 0", n)
		}
		if _, err := ev.AnswerMine(storetest.As(nurse), a.ID, conf.ID, "About 10 o'clock"); err != nil {
			t.Fatal(err)
		}
		// The history handlers read never names the confidential reporter.
		h, _ := ev.History(storetest.Operator, a.ID, conf.ID)
		for _, c := range h {
			if c.ActorID == nurse.ID && c.Status != events.Submitted {
				t.Errorf("history names the reporter on %s", c.Status)
			}
		}
		if err := ev.SetContactEmail(storetest.Operator, a.ID, conf.ID, "nurse@example.com"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("contact email on a staff report: %v, want Conflict", err)
		}
		for _, bad := range []string{"not an email", "a@b", "Jo <jo@example.com>", strings.Repeat("a", 250) + "@example.com"} {
			if err := ev.SetContactEmail(storetest.Operator, a.ID, pub.ID, bad); apperr.FieldsOf(err)["email"] == "" {
				t.Errorf("contact email %q: %v, want a message on the email", bad, err)
			}
		}
		if err := ev.SetContactEmail(storetest.Operator, a.ID, pub.ID, "carer@example.com"); err != nil {
			t.Fatal(err)
		}
		if got, _ := ev.ContactEmail(storetest.Operator, a.ID, pub.ID); got != "carer@example.com" {
			t.Errorf("contact email = %q", got)
		}
		if err := ev.SetContactEmail(storetest.Operator, a.ID, pub.ID, ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := ev.ContactEmail(storetest.Operator, a.ID, pub.ID); got != "" {
			t.Errorf("contact email after removal = %q, want none", got)
		}
		if fs := storetest.Findings(t, st); len(fs) != 0 {
			t.Errorf("audit findings: %v", fs)
		}
	})
}

func TestNotifyReporterAndFirstFeedback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		start := storetest.FixedTime
		now := start
		st.SetClock(func() time.Time { return now })
		ev := eventsdb.New(st)
		a := storetest.Org(t, st, "EFD")
		nurse := storetest.User(t, st, a, "nurse@a.test", auth.Reporter)
		handler := storetest.User(t, st, a, "handler@a.test", auth.Handler)
		// Ten reports, the k-th told of its review after k hours; one never.
		var ids []string
		for range 11 {
			e, err := ev.Report(storetest.As(nurse), a.ID, staffIncident(), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, e.ID)
		}
		for k, id := range ids[:10] {
			now = start.Add(time.Duration(k+1) * time.Hour)
			if err := st.Tx(storetest.As(handler), func(tx *store.Tx) error {
				return ev.NotifyStatus(storetest.As(handler), tx, a.ID, id, events.InReview, "")
			}); err != nil {
				t.Fatal(err)
			}
		}
		// A second notice does not move the first feedback time.
		now = start.Add(100 * time.Hour)
		if err := st.Tx(storetest.As(handler), func(tx *store.Tx) error {
			return ev.NotifyStatus(storetest.As(handler), tx, a.ID, ids[0], events.Closed, "Double-checking now happens at every round.")
		}); err != nil {
			t.Fatal(err)
		}
		err := st.Tx(storetest.As(handler), func(tx *store.Tx) error {
			return ev.NotifyReporter(storetest.As(handler), tx, a.ID, ids[1], eventsdb.KindAnswer, "x")
		})
		if !apperr.Is(err, apperr.Invalid) {
			t.Errorf("NotifyReporter of an answer: %v, want Invalid", err)
		}
		e0, _ := ev.Get(storetest.Operator, a.ID, ids[0])
		if e0.FirstFeedbackAt == nil || !e0.FirstFeedbackAt.Equal(start.Add(time.Hour)) {
			t.Errorf("first feedback of the first report = %v, want %v", e0.FirstFeedbackAt, start.Add(time.Hour))
		}
		_, ms, _ := ev.MineThread(storetest.As(nurse), a.ID, ids[0])
		if len(ms) != 2 || ms[0].Kind != eventsdb.KindStatus || ms[1].Kind != eventsdb.KindFeedback || !strings.Contains(ms[1].Body, "Double-checking now happens") {
			t.Errorf("thread of the first report = %+v; want the review status, then the closure with the learning summary", ms)
		}
		if n, _ := ev.Updates(storetest.As(nurse), a.ID); n != 11 {
			t.Errorf("updates = %d, want 11", n)
		}
		ft, err := ev.FirstFeedback(storetest.Operator, a.ID, start.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if ft.Reports != 11 || ft.Given != 10 || ft.Median != 5*time.Hour || ft.P90 != 9*time.Hour {
			t.Errorf("FirstFeedback = %+v; want 11 reports, 10 given, median 5h, p90 9h", ft)
		}
		if fs := storetest.Findings(t, st); len(fs) != 0 {
			t.Errorf("audit findings: %v", fs)
		}
	})
}
