package web_test

import (
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/mail"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

func TestAdminMailPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		admin := f.Client(t, "A/admin")
		get := func() string { return webtest.Get(t, admin, f.Srv.URL+"/admin/mail", 200) }

		// Empty, and not configured (the test configuration has no SMTP host).
		body := get()
		for _, want := range []string{"Email is not set up", "No email is waiting to be sent or has failed."} {
			if !strings.Contains(body, want) {
				t.Errorf("empty outbox page lacks %q", want)
			}
		}
		if resp, _ := webtest.Do(t, f.Client(t, "A/reporter"), "GET", f.Srv.URL+"/admin/mail", ""); resp.StatusCode != 403 {
			t.Errorf("outbox page as a reporter: %d, want 403", resp.StatusCode)
		}

		enq := func(org store.Org, to, subject string) string {
			t.Helper()
			if err := st.Tx(storetest.Operator, func(tx *store.Tx) error {
				return mail.Enqueue(storetest.Operator, tx, mail.Message{OrgID: org.ID, Kind: "events.feedback", To: to, Subject: subject, Body: "BODYSECRET learning summary"})
			}); err != nil {
				t.Fatal(err)
			}
			var id string
			if err := st.SQL().QueryRow(`SELECT id FROM mail_outbox WHERE subject = $1`, subject).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		failedID := enq(f.OrgA, "jo.bloggs@example.nhs.uk", "Report PSE-2026-000001 reviewed")
		enq(f.OrgA, "sam.smith@example.nhs.uk", "Report PSE-2026-000002 reviewed")
		otherID := enq(f.OrgB, "bravo.person@example.nhs.uk", "Bravo SUBJECTB")
		// The first fails for good: a real attempt at a mail server that is
		// not there, with one attempt allowed.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		b := mail.New(st, &mail.SMTPSender{Host: "127.0.0.1", Port: port, From: "noreply@example.nhs.uk", Timeout: 5 * time.Second},
			mail.Options{MaxAttempts: 1, Batch: 1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if _, err := st.SQL().Exec(`UPDATE mail_outbox SET next_attempt_at = $1 WHERE id <> $2`, storetest.FixedTime.Add(time.Hour), failedID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Once(storetest.Operator); err != nil {
			t.Fatal(err)
		}

		body = get()
		for _, want := range []string{"j***@example.nhs.uk", "s***@example.nhs.uk", "Report PSE-2026-000001 reviewed", "Could not reach the mail server",
			"/admin/mail/" + failedID + "/retry", "Retry now", "Waiting to be sent", "(the oldest for less than a minute)"} {
			if !strings.Contains(body, want) {
				t.Errorf("outbox page lacks %q", want)
			}
		}
		for _, bad := range []string{"jo.bloggs", "sam.smith", "BODYSECRET", "SUBJECTB", "bravo", otherID} {
			if strings.Contains(body, bad) {
				t.Errorf("outbox page shows %q", bad)
			}
		}

		// Retry now: pending again with fresh attempts, logged, not audited.
		before := storetest.AuditCount(t, st)
		resp, _ := webtest.Do(t, admin, "POST", f.Srv.URL+"/admin/mail/"+failedID+"/retry", "x=1")
		webtest.Location(t, resp, "/admin/mail")
		var status string
		var attempts int
		if err := st.SQL().QueryRow(`SELECT status, attempts FROM mail_outbox WHERE id = $1`, failedID).Scan(&status, &attempts); err != nil || status != "pending" || attempts != 0 {
			t.Errorf("after retry: %s with %d attempts (%v), want pending with 0", status, attempts, err)
		}
		if got := storetest.AuditCount(t, st); got != before {
			t.Errorf("retry wrote %d audit entries, want none", got-before)
		}
		if body := get(); !strings.Contains(body, "The message will be sent again shortly.") {
			t.Error("no flash after retry")
		}

		// Another organisation's message, or none: not found, and unchanged.
		for _, id := range []string{otherID, "no-such-message", strings.Repeat("x", 300)} {
			if resp, _ := webtest.Do(t, admin, "POST", f.Srv.URL+"/admin/mail/"+id+"/retry", "x=1"); resp.StatusCode != 404 {
				t.Errorf("retry of %.20s: %d, want 404", id, resp.StatusCode)
			}
		}
		var next time.Time
		if err := st.SQL().QueryRow(`SELECT next_attempt_at FROM mail_outbox WHERE id = $1`, otherID).Scan(&next); err != nil || !next.Equal(storetest.FixedTime.Add(time.Hour)) {
			t.Errorf("other organisation's message due %s (%v), want unchanged", next, err)
		}
		if resp, _ := webtest.Do(t, f.Client(t, "A/cso"), "POST", f.Srv.URL+"/admin/mail/"+failedID+"/retry", "x=1"); resp.StatusCode != 403 {
			t.Errorf("retry as a CSO: %d, want 403", resp.StatusCode)
		}
	})
}
