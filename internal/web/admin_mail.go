package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/clinsafe/clinsafe/internal/mail"
)

// MailPage is the organisation's email outbox: counts, and the messages
// that failed or wait to be sent, with the recipient masked and never
// the message itself.
type MailPage struct {
	Base
	// Configured is false when no SMTP server is set (CLINSAFE_SMTP_HOST):
	// messages then wait in the outbox.
	Configured bool
	Stats      mail.Stats
	// OldestPending says Stats.OldestPending in words ("3 hours").
	OldestPending   string
	Failed, Pending []mail.Item
}

// mailListLimit is how many failed and how many pending messages the page
// lists.
const mailListLimit = 100

// outbox reads and retries the outbox; serve's worker sends (see
// cmd/clinsafe).
func (s *Server) outbox() *mail.Outbox {
	return mail.New(s.store, mail.NewSMTPSender(s.cfg.SMTP), mail.Options{Logger: s.log})
}

func (s *Server) adminMail(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	b := s.outbox()
	st, err := b.Stats(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	d := MailPage{Base: s.Base(w, r, "Email"), Configured: b.Configured(), Stats: st}
	if st.Pending > 0 {
		d.OldestPending = ageWords(st.OldestPending)
	}
	if d.Failed, err = b.List(r.Context(), p.Org.ID, mail.Failed, mailListLimit); err != nil {
		return err
	}
	if d.Pending, err = b.List(r.Context(), p.Org.ID, mail.Pending, mailListLimit); err != nil {
		return err
	}
	return s.Render(w, http.StatusOK, "admin_mail", d)
}

// adminMailRetry makes a failed or waiting message due now. It changes a
// delivery record, not the organisation's content, so it is logged, not
// audited.
func (s *Server) adminMailRetry(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	id := r.PathValue("id")
	if err := s.outbox().Retry(r.Context(), p.Org.ID, id); err != nil {
		return err
	}
	s.log.Info("mail: retry requested", "message", id, "org", p.Org.ID, "user", p.User.ID)
	return s.Redirect(w, r, "/admin/mail", "The message will be sent again shortly.")
}

// ageWords says a duration roughly, in its largest unit: "less than a
// minute", "1 minute", "5 hours", "3 days".
func ageWords(d time.Duration) string {
	n, unit := 0, ""
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		n, unit = int(d/time.Minute), "minute"
	case d < 48*time.Hour:
		n, unit = int(d/time.Hour), "hour"
	default:
		n, unit = int(d/(24*time.Hour)), "day"
	}
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("%d %s", n, unit)
}
