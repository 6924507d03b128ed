package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/config"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/mail"
	"github.com/clinsafe/clinsafe/internal/mail/mailtest"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var ctx = storetest.Operator

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is a settable clock for the store, so backoff needs no sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(st *store.DB) *clock {
	c := &clock{t: storetest.FixedTime}
	st.SetClock(c.now)
	return c
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func enqueue(t *testing.T, st *store.DB, m mail.Message) {
	t.Helper()
	if err := st.Tx(ctx, func(tx *store.Tx) error { return mail.Enqueue(ctx, tx, m) }); err != nil {
		t.Fatalf("enqueue %+v: %v", m, err)
	}
}

func msg(org store.Org, n int) mail.Message {
	return mail.Message{OrgID: org.ID, Kind: "events.feedback", To: fmt.Sprintf("reporter%d@example.nhs.uk", n),
		Subject: fmt.Sprintf("Your report %d was reviewed", n), Body: fmt.Sprintf("Report %d has been reviewed.\n", n)}
}

// row is a message's delivery record.
type row struct {
	Status, LastError string
	Attempts          int
	Next              time.Time
	SentAt            *time.Time
	LockedBy          *string
}

func rowOf(t *testing.T, st *store.DB, id string) row {
	t.Helper()
	var r row
	if err := st.SQL().QueryRow(`SELECT status, last_error, attempts, next_attempt_at, sent_at, locked_by FROM mail_outbox WHERE id = $1`, id).
		Scan(&r.Status, &r.LastError, &r.Attempts, &r.Next, &r.SentAt, &r.LockedBy); err != nil {
		t.Fatalf("message %s: %v", id, err)
	}
	return r
}

func ids(t *testing.T, st *store.DB) []string {
	t.Helper()
	rows, err := st.SQL().Query(`SELECT id FROM mail_outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

func once(t *testing.T, b *mail.Outbox) int {
	t.Helper()
	n, err := b.Once(ctx)
	if err != nil {
		t.Fatalf("Once: %v", err)
	}
	return n
}

func TestEnqueueIsPartOfTheTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		org := storetest.Org(t, st, "RA1")
		boom := errors.New("the change failed")
		err := st.Tx(ctx, func(tx *store.Tx) error {
			if err := mail.Enqueue(ctx, tx, msg(org, 1)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx: %v", err)
		}
		if got := ids(t, st); len(got) != 0 {
			t.Fatalf("after a rolled-back change the outbox has %d messages, want 0", len(got))
		}
		enqueue(t, st, msg(org, 2))
		got := ids(t, st)
		if len(got) != 1 {
			t.Fatalf("after a committed change the outbox has %d messages, want 1", len(got))
		}
		r := rowOf(t, st, got[0])
		if r.Status != "pending" || r.Attempts != 0 || !r.Next.Equal(storetest.FixedTime) {
			t.Errorf("new message = %+v, want pending, 0 attempts, due at %s", r, storetest.FixedTime)
		}
	})
}

func TestEnqueueRefusesBadMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		org := storetest.Org(t, st, "RA1")
		good := msg(org, 1)
		cases := []struct {
			field string
			edit  func(m *mail.Message)
		}{
			{"to", func(m *mail.Message) { m.To = "" }},
			{"to", func(m *mail.Message) { m.To = "not an address" }},
			{"to", func(m *mail.Message) { m.To = "a@example.org, b@example.org" }},
			{"to", func(m *mail.Message) { m.To = "a@example.org\r\nBcc: b@example.org" }},
			{"to", func(m *mail.Message) { m.To = strings.Repeat("a", 250) + "@example.org" }},
			{"subject", func(m *mail.Message) { m.Subject = " " }},
			{"subject", func(m *mail.Message) { m.Subject = "Hello\r\nBcc: b@example.org" }},
			{"subject", func(m *mail.Message) { m.Subject = strings.Repeat("é", mail.MaxSubject+1) }},
			{"body", func(m *mail.Message) { m.Body = "" }},
			{"body", func(m *mail.Message) { m.Body = strings.Repeat("x", mail.MaxBody+1) }},
			{"body", func(m *mail.Message) { m.Body = "x\xffy" }},
			{"kind", func(m *mail.Message) { m.Kind = "" }},
			{"kind", func(m *mail.Message) { m.Kind = "Feedback" }},
			{"org_id", func(m *mail.Message) { m.OrgID = "" }},
			{"org_id", func(m *mail.Message) { m.OrgID = "no-such-org" }},
		}
		for _, c := range cases {
			m := good
			c.edit(&m)
			err := st.Tx(ctx, func(tx *store.Tx) error { return mail.Enqueue(ctx, tx, m) })
			if !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)[c.field] == "" {
				t.Errorf("Enqueue(%s = %.60q): got %v (fields %v), want Invalid with a message for %s", c.field, fieldValue(m, c.field), err, apperr.FieldsOf(err), c.field)
			}
		}
		if n := len(ids(t, st)); n != 0 {
			t.Fatalf("bad messages left %d rows", n)
		}
		// A display name is allowed and dropped: the outbox keeps the address.
		named := good
		named.To = "Jo Bloggs <Jo.Bloggs@example.nhs.uk>"
		enqueue(t, st, named)
		var to string
		if err := st.SQL().QueryRow(`SELECT to_addr FROM mail_outbox`).Scan(&to); err != nil || to != "Jo.Bloggs@example.nhs.uk" {
			t.Errorf("to_addr = %q, %v; want the bare address", to, err)
		}
	})
}

func fieldValue(m mail.Message, field string) string {
	switch field {
	case "to":
		return m.To
	case "subject":
		return m.Subject
	case "body":
		return m.Body
	case "kind":
		return m.Kind
	}
	return string(m.OrgID)
}

func TestDeliveryThroughSMTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		org := storetest.Org(t, st, "RA1")
		srv := mailtest.NewServer(t)
		subject := "Your report PSE-2026-000123 was reviewed – thank you"
		body := "Dear reporter,\n\nYour report was reviewed.\n.\nA line that is very long " + strings.Repeat("and goes on ", 20) + "until it ends.\nLearning: ‘check the dose’ £5\n"
		enqueue(t, st, mail.Message{OrgID: org.ID, Kind: "events.feedback", To: "jo.bloggs@example.nhs.uk", Subject: subject, Body: body})
		id := ids(t, st)[0]
		b := mail.New(st, srv.Sender(), mail.Options{Logger: quiet})
		if n := once(t, b); n != 1 {
			t.Fatalf("Once sent %d, want 1", n)
		}
		got := srv.Received()
		if len(got) != 1 {
			t.Fatalf("server received %d messages, want 1", len(got))
		}
		r := got[0]
		if r.From != "noreply@trust.example.nhs.uk" || r.To != "jo.bloggs@example.nhs.uk" {
			t.Errorf("envelope from %q to %q", r.From, r.To)
		}
		h := r.Msg.Header
		if r.Subject != subject {
			t.Errorf("Subject = %q, want %q", r.Subject, subject)
		}
		for k, want := range map[string]string{
			"To":             "<jo.bloggs@example.nhs.uk>",
			"From":           `"clinsafe" <noreply@trust.example.nhs.uk>`,
			"Message-Id":     "<" + id + "@trust.example.nhs.uk>",
			"Content-Type":   "text/plain; charset=utf-8",
			"Auto-Submitted": "auto-generated",
			"Date":           storetest.FixedTime.Format(time.RFC1123Z),
		} {
			if g := h.Get(k); g != want {
				t.Errorf("header %s = %q, want %q", k, g, want)
			}
		}
		for _, line := range strings.Split(string(r.Body), "\r\n") {
			if len(line) > 76 {
				t.Errorf("body line of %d characters: %q", len(line), line)
			}
		}
		if r.Text != strings.ReplaceAll(body, "\n", "\r\n") {
			t.Errorf("body = %q, want %q", r.Text, body)
		}
		row := rowOf(t, st, id)
		if row.Status != "sent" || row.Attempts != 1 || row.SentAt == nil || !row.SentAt.Equal(storetest.FixedTime) || row.LockedBy != nil {
			t.Errorf("after delivery the record is %+v, want sent once at %s, unlocked", row, storetest.FixedTime)
		}
		// Sent is sent: nothing more goes out.
		if n := once(t, b); n != 0 || len(srv.Received()) != 1 {
			t.Errorf("second pass sent %d (server has %d), want nothing more", n, len(srv.Received()))
		}
	})
}

func TestSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		org := storetest.Org(t, st, "RA1")
		srv := mailtest.NewServer(t)
		srv.RequireAuth("clinsafe", "s3cret")
		enqueue(t, st, msg(org, 1))
		enqueue(t, st, msg(org, 2))
		all := ids(t, st)
		// No user name: the server wants a sign-in (530, for good).
		if n := once(t, mail.New(st, srv.Sender(), mail.Options{Logger: quiet, Batch: 1, MaxAttempts: 5})); n != 0 {
			t.Fatalf("sent %d without signing in", n)
		}
		// The wrong password: refused (535) for good.
		// The right one, to localhost without TLS, which PLAIN allows.
		for _, c := range []struct {
			pass, status string
		}{{"wrong", "failed"}, {"s3cret", "sent"}} {
			if err := st.Tx(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE mail_outbox SET status = 'pending', attempts = 0`)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			s := srv.Sender()
			s.Username, s.Password = "clinsafe", c.pass
			once(t, mail.New(st, s, mail.Options{Logger: quiet}))
			for _, id := range all {
				if r := rowOf(t, st, id); r.Status != c.status {
					t.Errorf("password %q: message is %+v, want %s", c.pass, r, c.status)
				} else if c.status == "failed" && !strings.Contains(r.LastError, "sign-in (535 5.7.8)") {
					t.Errorf("password %q: last error %q, want the refused sign-in", c.pass, r.LastError)
				}
			}
		}
		if n := len(srv.Received()); n != 2 {
			t.Errorf("server received %d, want 2", n)
		}
	})
}

// TestTLS: STARTTLS when the server offers it, and the password never in
// the clear to a server that is not this machine.
func TestTLS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		org := storetest.Org(t, st, "RA1")
		cert, roots := selfSigned(t)
		srv := mailtest.NewServerOn(t, "localhost", &tls.Config{Certificates: []tls.Certificate{cert}})
		srv.RequireAuth("clinsafe", "s3cret")
		enqueue(t, st, msg(org, 1))
		s := srv.Sender()
		s.Username, s.Password, s.TLS = "clinsafe", "s3cret", &tls.Config{RootCAs: roots}
		if n := once(t, mail.New(st, s, mail.Options{Logger: quiet})); n != 1 {
			t.Fatalf("sent %d over STARTTLS, want 1", n)
		}
		if got := srv.Received(); len(got) != 1 || !got[0].TLS {
			t.Fatalf("received %+v, want one message over TLS", got)
		}

		// 127.0.0.2 is this machine too, but not by a name net/smtp
		// trusts, and offers no TLS: the password is not sent.
		plain := mailtest.NewServerOn(t, "127.0.0.2", nil)
		plain.RequireAuth("clinsafe", "s3cret")
		enqueue(t, st, msg(org, 2))
		ps := plain.Sender()
		ps.Username, ps.Password = "clinsafe", "s3cret"
		if n := once(t, mail.New(st, ps, mail.Options{Logger: quiet})); n != 0 {
			t.Fatalf("sent %d with a password in the clear", n)
		}
		items, err := mail.New(st, nil, mail.Options{}).List(ctx, org.ID, mail.Failed, 10)
		if err != nil || len(items) != 1 || !strings.Contains(items[0].LastError, "without TLS") || plain.SignIns() != 0 {
			t.Fatalf("failed = %+v (%v), server sign-ins %d; want one failed for want of TLS and no sign-in", items, err, plain.SignIns())
		}
	})
}

// selfSigned makes a certificate for localhost and the pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestRetryWithBackoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		org := storetest.Org(t, st, "RA1")
		clk := newClock(st)
		srv := mailtest.NewServer(t)
		base, maxDelay := time.Minute, 10*time.Minute
		b := mail.New(st, srv.Sender(), mail.Options{Logger: quiet, BaseDelay: base, MaxDelay: maxDelay})
		enqueue(t, st, msg(org, 1))
		id := ids(t, st)[0]

		// A 4xx reply: tried again later, each wait at most twice the last.
		srv.Fail("rcpt", 451, smtp.EnhancedCode{4, 3, 0}, "try later")
		for attempt, limit := 1, base; attempt <= 3; attempt, limit = attempt+1, min(2*limit, maxDelay) {
			before := srv.Attempts()
			if n := once(t, b); n != 0 {
				t.Fatalf("attempt %d: sent %d through a refusing server", attempt, n)
			}
			if srv.Attempts() != before+1 {
				t.Fatalf("attempt %d: server saw %d attempts, want %d", attempt, srv.Attempts(), before+1)
			}
			r := rowOf(t, st, id)
			now := clk.now()
			if r.Status != "pending" || r.Attempts != attempt || !r.Next.After(now) || r.Next.After(now.Add(limit)) {
				t.Fatalf("after attempt %d: %+v, want pending, next attempt in (now, now+%s]", attempt, r, limit)
			}
			if !strings.Contains(r.LastError, "refused the recipient for now (451 4.3.0)") || strings.Contains(r.LastError, "try later") {
				t.Errorf("last error %q, want the step and codes in plain words without the server's text", r.LastError)
			}
			// Not due yet: the same moment tries nothing.
			if once(t, b); srv.Attempts() != before+1 {
				t.Fatalf("attempt %d: tried again before it was due", attempt)
			}
			clk.advance(r.Next.Sub(now))
		}

		// The server goes down: still pending, and said so.
		srv.Heal()
		srv.Stop()
		if n := once(t, b); n != 0 {
			t.Fatalf("sent %d through a server that is down", n)
		}
		r := rowOf(t, st, id)
		if r.Status != "pending" || r.Attempts != 4 || !strings.Contains(r.LastError, "Could not reach the mail server") {
			t.Fatalf("with the server down: %+v", r)
		}
		// Back up, and due again: delivered, once.
		srv.Start()
		clk.advance(maxDelay)
		if n := once(t, b); n != 1 {
			t.Fatalf("after the server came back: sent %d, want 1", n)
		}
		if r := rowOf(t, st, id); r.Status != "sent" || r.Attempts != 5 || r.LastError != "" {
			t.Errorf("delivered record %+v, want sent at attempt 5 without an error", r)
		}
		if got := srv.ByMessageID(); len(got) != 1 {
			t.Errorf("server received %v, want one message once", got)
		}
	})
}

func TestFailedAfterMaxAttemptsAndRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		org := storetest.Org(t, st, "RA1")
		other := storetest.Org(t, st, "RB2")
		clk := newClock(st)
		srv := mailtest.NewServer(t)
		b := mail.New(st, srv.Sender(), mail.Options{Logger: quiet, MaxAttempts: 3, BaseDelay: time.Minute, MaxDelay: time.Minute})
		enqueue(t, st, msg(org, 1))
		id := ids(t, st)[0]
		srv.Fail("data", 452, smtp.EnhancedCode{4, 3, 1}, "full")
		for i := 0; i < 5; i++ {
			once(t, b)
			clk.advance(time.Minute)
		}
		r := rowOf(t, st, id)
		if r.Status != "failed" || r.Attempts != 3 || srv.Attempts() != 3 || !strings.Contains(r.LastError, "452 4.3.1") {
			t.Fatalf("after 5 passes with 3 attempts allowed: %+v, server saw %d attempts; want failed after 3", r, srv.Attempts())
		}
		st0, err := b.Stats(ctx, org.ID)
		if err != nil || st0.Failed != 1 || st0.Pending != 0 {
			t.Errorf("Stats = %+v, %v; want 1 failed", st0, err)
		}
		items, err := b.List(ctx, org.ID, mail.Failed, 10)
		if err != nil || len(items) != 1 || items[0].Recipient != "r***@example.nhs.uk" || items[0].LastError != r.LastError {
			t.Errorf("List(failed) = %+v, %v", items, err)
		}
		// Another organisation cannot see or retry it.
		if items, err := b.List(ctx, other.ID, "", 10); err != nil || len(items) != 0 {
			t.Errorf("List of another organisation = %+v, %v; want none", items, err)
		}
		if err := b.Retry(ctx, other.ID, id); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("Retry from another organisation: %v, want NotFound", err)
		}
		if err := b.Retry(ctx, org.ID, "no-such-id"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("Retry of no message: %v, want NotFound", err)
		}
		if _, err := b.List(ctx, org.ID, "lost", 10); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("List with an unknown status: %v, want Invalid", err)
		}
		// Retry now: pending at once with fresh attempts, and delivered.
		if err := b.Retry(ctx, org.ID, id); err != nil {
			t.Fatal(err)
		}
		if r := rowOf(t, st, id); r.Status != "pending" || r.Attempts != 0 || !r.Next.Equal(clk.now()) {
			t.Fatalf("after Retry: %+v, want pending now with 0 attempts", r)
		}
		srv.Heal()
		if n := once(t, b); n != 1 {
			t.Fatalf("after Retry sent %d, want 1", n)
		}
		if err := b.Retry(ctx, org.ID, id); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("Retry of a sent message: %v, want Conflict", err)
		}

		// A 5xx reply is for good: failed at the first attempt.
		enqueue(t, st, msg(org, 2))
		srv.Fail("rcpt", 550, smtp.EnhancedCode{5, 1, 1}, "no such user reporter2@example.nhs.uk")
		once(t, b)
		items, err = b.List(ctx, org.ID, mail.Failed, 10)
		if err != nil || len(items) != 1 || items[0].Attempts != 1 || items[0].LastError != "The mail server refused the recipient (550 5.1.1)" {
			t.Fatalf("after a 550: failed = %+v, %v; want one, failed at its first attempt", items, err)
		}
		st1, err := b.Stats(ctx, org.ID)
		if err != nil || st1 != (mail.Stats{Failed: 1, Sent: 1}) {
			t.Errorf("Stats = %+v, %v; want 1 failed and 1 sent", st1, err)
		}
	})
}

func TestNotConfiguredKeepsMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		org := storetest.Org(t, st, "RA1")
		clk := newClock(st)
		enqueue(t, st, msg(org, 1))
		b := mail.New(st, mail.NewSMTPSender(testSMTPConfig("")), mail.Options{Logger: quiet})
		if b.Configured() {
			t.Fatal("an outbox without an SMTP host says it is configured")
		}
		if n := once(t, b); n != 0 {
			t.Fatalf("sent %d with no server", n)
		}
		clk.advance(3 * time.Hour)
		s, err := b.Stats(ctx, org.ID)
		if err != nil || s.Pending != 1 || s.OldestPending != 3*time.Hour {
			t.Fatalf("Stats = %+v, %v; want 1 pending for 3h", s, err)
		}
		if r := rowOf(t, st, ids(t, st)[0]); r.Status != "pending" || r.Attempts != 0 {
			t.Errorf("unconfigured outbox changed the message: %+v", r)
		}
		// Run returns when its context ends.
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { b.Run(rctx); close(done) }()
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
	})
}

func TestSurvivesRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		org := storetest.Org(t, st, "RA1")
		srv := mailtest.NewServer(t)
		const total = 10
		for i := 0; i < total; i++ {
			enqueue(t, st, msg(org, i))
		}
		// The worker is stopped as it starts its fourth delivery: the
		// server answers that MAIL FROM with 421 after the stop.
		rctx, cancel := context.WithCancel(ctx)
		srv.OnMail(func(n int) error {
			if n == 4 {
				cancel()
				return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "shutting down"}
			}
			return nil
		})
		first := mail.New(st, srv.Sender(), mail.Options{Logger: quiet, Batch: 3, Worker: "first"})
		done := make(chan struct{})
		go func() { first.Run(rctx); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("Run did not stop")
		}
		srv.OnMail(nil)
		if n := len(srv.Received()); n != 3 {
			t.Fatalf("before the stop the server received %d, want 3", n)
		}
		// Nothing is left claimed, and the interrupted attempt does not count.
		var locked, counted int
		if err := st.SQL().QueryRow(`SELECT COUNT(locked_by), COALESCE(SUM(attempts), 0) FROM mail_outbox`).Scan(&locked, &counted); err != nil {
			t.Fatal(err)
		}
		if locked != 0 || counted != 3 {
			t.Errorf("after the stop: %d messages locked and %d attempts counted, want 0 and 3", locked, counted)
		}
		// A new worker (a restarted server) on the same database.
		second := mail.New(st, srv.Sender(), mail.Options{Logger: quiet, Worker: "second"})
		if n := once(t, second); n != total-3 {
			t.Fatalf("after the restart sent %d, want %d", n, total-3)
		}
		got := srv.ByMessageID()
		if len(got) != total {
			t.Fatalf("server received %d distinct messages, want %d", len(got), total)
		}
		for id, n := range got {
			if n != 1 {
				t.Errorf("message %s delivered %d times", id, n)
			}
		}
	})
}

func TestLeaseOfACrashedWorker(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		org := storetest.Org(t, st, "RA1")
		clk := newClock(st)
		srv := mailtest.NewServer(t)
		for i := 0; i < 3; i++ {
			enqueue(t, st, msg(org, i))
		}
		lease := 5 * time.Minute
		crashed := mail.New(st, srv.Sender(), mail.Options{Logger: quiet, Lease: lease, Worker: "crashed"})
		if n, err := crashed.ClaimOnly(ctx); err != nil || n != 3 {
			t.Fatalf("claim: %d, %v", n, err)
		}
		other := mail.New(st, srv.Sender(), mail.Options{Logger: quiet, Lease: lease, Worker: "other"})
		if n := once(t, other); n != 0 {
			t.Fatalf("another worker sent %d messages under a live lease", n)
		}
		clk.advance(lease)
		if n := once(t, other); n != 3 {
			t.Fatalf("after the lease ended another worker sent %d, want 3", n)
		}
	})
}

// TestLeaseOvertaken: a worker that stalls after its claim until its lease
// has ended, while another worker sends the messages, sends none of them.
func TestLeaseOvertaken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		org := storetest.Org(t, st, "RA1")
		clk := newClock(st)
		srv := mailtest.NewServer(t)
		for i := 0; i < 3; i++ {
			enqueue(t, st, msg(org, i))
		}
		lease := 5 * time.Minute
		stalled := mail.New(st, srv.Sender(), mail.Options{Logger: quiet, Lease: lease, Worker: "stalled"})
		other := mail.New(st, srv.Sender(), mail.Options{Logger: quiet, Lease: lease, Worker: "other"})
		n, err := stalled.ClaimThenDeliver(ctx, func() {
			clk.advance(lease)
			if n := once(t, other); n != 3 {
				t.Errorf("the other worker sent %d, want 3", n)
			}
		})
		if err != nil || n != 0 {
			t.Errorf("the stalled worker sent %d (%v), want 0", n, err)
		}
		for id, n := range srv.ByMessageID() {
			if n != 1 {
				t.Errorf("message %s delivered %d times", id, n)
			}
		}
		if n := len(srv.Received()); n != 3 {
			t.Errorf("server received %d, want 3", n)
		}
	})
}

// TestTwoWorkers runs workers, each with its own connections (as two
// servers would), on one database at once, claiming one message at a time
// so that their claims overlap: each message is delivered once.
func TestTwoWorkers(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st, dsn := storetest.Open(t, engine)
			org := storetest.Org(t, st, "RA1")
			srv := mailtest.NewServer(t)
			const total, workers = 120, 4
			for i := 0; i < total; i++ {
				enqueue(t, st, msg(org, i))
			}
			var wg sync.WaitGroup
			sent := make([]int, workers)
			errs := make([]error, workers)
			start := make(chan struct{})
			for i := range workers {
				db, err := store.Open(ctx, dsn, storetest.Content()...)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				db.SetClock(func() time.Time { return storetest.FixedTime })
				b := mail.New(db, srv.Sender(), mail.Options{Logger: quiet, Batch: 1, Worker: fmt.Sprintf("worker%d", i)})
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					sent[i], errs[i] = b.Once(ctx)
				}()
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("worker %d: %v", i, err)
				}
			}
			got := srv.ByMessageID()
			dups := 0
			for _, n := range got {
				dups += n - 1
			}
			if len(got) != total || dups != 0 || sum(sent) != total {
				t.Fatalf("the workers sent %v: the server has %d distinct messages and %d duplicates, want %d and 0", sent, len(got), dups, total)
			}
			t.Logf("%s: the workers sent %v", engine, sent)
		})
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

func testSMTPConfig(host string) config.SMTP {
	return config.SMTP{Host: host, Port: 587, From: "noreply@trust.example.nhs.uk"}
}
