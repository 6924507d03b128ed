package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/config"
)

// Outgoing is a claimed message as a Sender gets it.
type Outgoing struct {
	// ID is the message's id, from which the Message-ID header is made, so
	// that a copy sent again after a crash can be recognised.
	ID      string
	To      string // a bare address
	Subject string
	Body    string
	// Date is when the message was enqueued.
	Date time.Time
}

// Sender delivers one message: the seam between the outbox and the mail
// server. SMTPSender is the one clinsafe uses.
type Sender interface {
	// Send delivers m or says why not. A *SendError says, in plain words,
	// what failed and whether trying again can help; any other error is
	// taken as one that may pass. Send stops when ctx ends.
	Send(ctx context.Context, m Outgoing) error
}

// SendError is a failed delivery: Words, for the admin page and the log,
// say what failed in plain words and never carry the message; Permanent
// is set when trying again cannot help (the server refused the recipient
// or the sign-in for good, a 5xx reply), so the message is failed at once.
type SendError struct {
	Words     string
	Permanent bool
	Err       error
}

func (e *SendError) Error() string {
	if e.Err == nil {
		return e.Words
	}
	return e.Words + ": " + e.Err.Error()
}

func (e *SendError) Unwrap() error { return e.Err }

// SMTPSender sends through an SMTP server: STARTTLS when the server offers
// it (implicit TLS on port 465), then PLAIN sign-in when a user name is
// set, which net/smtp allows only over TLS or to localhost.
type SMTPSender struct {
	Host     string
	Port     int
	Username string
	Password string
	// From is the sender, as a header ("clinsafe <noreply@trust.nhs.uk>");
	// its address is also the envelope sender.
	From string
	// Timeout bounds one delivery; 0 means one minute.
	Timeout time.Duration
	// TLS configures STARTTLS and implicit TLS; nil means the system's
	// roots and Host as the server name.
	TLS *tls.Config
}

// NewSMTPSender returns the sender for the SMTP settings, or nil (no
// Sender) when no SMTP host is configured: the outbox then keeps every
// message pending.
func NewSMTPSender(c config.SMTP) Sender {
	if c.Host == "" {
		return nil
	}
	return &SMTPSender{Host: c.Host, Port: c.Port, Username: c.Username, Password: c.Password, From: c.From}
}

// Send delivers m over one SMTP connection.
func (s *SMTPSender) Send(ctx context.Context, m Outgoing) error {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return &SendError{Words: "The sender address (CLINSAFE_SMTP_FROM) is not an email address", Permanent: true, Err: err}
	}
	msg, err := Compose(from, m)
	if err != nil {
		return &SendError{Words: "The message could not be put together", Permanent: true, Err: err}
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	port := s.Port
	if port == 0 {
		port = 587
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return &SendError{Words: "Could not reach the mail server at " + addr, Err: err}
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// An ended context breaks off whatever the connection is waiting for.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	tcfg := s.TLS.Clone()
	if tcfg == nil {
		tcfg = &tls.Config{}
	}
	if tcfg.ServerName == "" {
		tcfg.ServerName = s.Host
	}
	implicit := port == 465
	if implicit {
		tc := tls.Client(conn, tcfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return &SendError{Words: "Could not start TLS with the mail server at " + addr, Err: err}
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		return stepError("greeting", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && !implicit {
		if err := c.StartTLS(tcfg); err != nil {
			return &SendError{Words: "Could not start TLS with the mail server at " + addr, Err: err}
		}
	}
	if s.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return &SendError{Words: "The mail server does not offer sign-in, but a user name is configured", Permanent: true}
		}
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, s.Host)); err != nil {
			var te *textproto.Error
			if !errors.As(err, &te) {
				// net/smtp refuses to send a password in the clear.
				return &SendError{Words: "The password would be sent without TLS, so it was not sent", Permanent: true, Err: err}
			}
			return stepError("sign-in", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return stepError("sender", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return stepError("recipient", err)
	}
	w, err := c.Data()
	if err != nil {
		return stepError("message", err)
	}
	if _, err := w.Write(msg); err != nil {
		return stepError("message", err)
	}
	if err := w.Close(); err != nil {
		return stepError("message", err)
	}
	// The message is accepted; a failed goodbye changes nothing.
	_ = c.Quit()
	return nil
}

var enhancedCode = regexp.MustCompile(`^[245]\.\d{1,3}\.\d{1,3}\b`)

// stepError says in words which step of the conversation failed and how:
// a 4xx reply may pass, a 5xx reply is for good, anything else (a broken
// connection, a timeout) may pass. The server's own text is left out, as
// it may echo the address; its codes are kept.
func stepError(step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		code := strconv.Itoa(te.Code)
		if ec := enhancedCode.FindString(te.Msg); ec != "" {
			code += " " + ec
		}
		if te.Code >= 500 {
			return &SendError{Words: fmt.Sprintf("The mail server refused the %s (%s)", step, code), Permanent: true, Err: errors.New(code)}
		}
		return &SendError{Words: fmt.Sprintf("The mail server refused the %s for now (%s)", step, code), Err: errors.New(code)}
	}
	return &SendError{Words: "The connection to the mail server failed at the " + step, Err: err}
}

// Compose writes m as an RFC 5322 message from from: UTF-8 plain text,
// quoted-printable, with a Message-ID made from m.ID (the same on every
// copy) and Auto-Submitted, as a notification.
func Compose(from *mail.Address, m Outgoing) ([]byte, error) {
	_, domain, ok := strings.Cut(from.Address, "@")
	if !ok || domain == "" {
		return nil, errors.New("mail: the sender address has no domain")
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("mail: recipient: %w", err)
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	// Long or non-ASCII subjects become encoded words, folded between them.
	header("Subject", strings.ReplaceAll(mime.QEncoding.Encode("utf-8", m.Subject), "?= =?", "?=\r\n =?"))
	header("Date", m.Date.UTC().Format(time.RFC1123Z))
	header("Message-ID", "<"+m.ID+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\r", "\n")
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}
