// Package mailtest is a real SMTP server for tests, started in-process on
// a loopback address, that records what it accepts and can be told to
// refuse or be down. Tests of anything that sends email through the
// outbox (internal/mail) deliver to it with the outbox's own SMTPSender,
// never a mock.
package mailtest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	imail "github.com/clinsafe/clinsafe/internal/mail"
)

// Server is a real SMTP server on a loopback address that records what it
// accepts and can be told to refuse (a 4xx or 5xx reply at a step) or be
// down (not listening).
type Server struct {
	t    testing.TB
	host string
	port int

	mu sync.Mutex
	// got are the messages accepted, in order.
	got []Received
	// tries counts MAIL FROM commands: delivery attempts that reached it.
	tries int
	// refuse, when set, is the reply to the step named by refuseAt
	// ("mail", "rcpt" or "data").
	refuse   *smtp.SMTPError
	refuseAt string
	// onMail runs at each MAIL FROM, with the number of the attempt.
	onMail func(n int) error
	// user and pass, when set, are required by AUTH PLAIN.
	user, pass string
	authed     int
	// tls, when set, makes the server offer STARTTLS.
	tls *tls.Config

	srv *smtp.Server
}

// Received is a message the server accepted.
type Received struct {
	// From and To are the envelope's sender and recipient.
	From, To string
	// TLS says the message came over TLS.
	TLS bool
	Msg *mail.Message
	// Body is the body as it came, still encoded.
	Body []byte
	// Subject is the decoded Subject header, and Text the decoded body
	// (its lines broken by "\r\n", as sent).
	Subject, Text string
}

// NewServer starts a server on 127.0.0.1, stopped when t ends.
func NewServer(t testing.TB) *Server { return NewServerOn(t, "127.0.0.1", nil) }

// NewServerOn starts a server listening on host, offering STARTTLS with
// tlsConfig when it is set; it is stopped when t ends.
func NewServerOn(t testing.TB, host string, tlsConfig *tls.Config) *Server {
	t.Helper()
	s := &Server{t: t, host: host, tls: tlsConfig}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start listens (again, on the same port after Stop).
func (s *Server) Start() {
	s.t.Helper()
	addr := net.JoinHostPort(s.host, strconv.Itoa(s.port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		s.t.Fatalf("smtp server: listen on %s: %v", addr, err)
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, isTLS := c.TLSConnectionState()
		return &session{s: s, tls: isTLS}, nil
	}))
	srv.Domain = "localhost"
	srv.TLSConfig = s.tls
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
}

// Stop closes the server: connections are refused until Start.
func (s *Server) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Sender is the clinsafe sender configured for this server.
func (s *Server) Sender() *imail.SMTPSender {
	return &imail.SMTPSender{Host: s.host, Port: s.port, From: "clinsafe <noreply@trust.example.nhs.uk>", Timeout: 10 * time.Second}
}

// RequireAuth makes the server require AUTH PLAIN as user with pass
// before MAIL FROM.
func (s *Server) RequireAuth(user, pass string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.pass = user, pass
}

// SignIns counts the successful AUTH commands.
func (s *Server) SignIns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authed
}

// OnMail runs hook at each MAIL FROM with the number of the attempt; an
// error it returns is the reply. A nil hook removes it.
func (s *Server) OnMail(hook func(n int) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onMail = hook
}

// Fail makes the server reply code, enhanced and msg at step ("mail",
// "rcpt" or "data") until Heal.
func (s *Server) Fail(step string, code int, enhanced smtp.EnhancedCode, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseAt, s.refuse = step, &smtp.SMTPError{Code: code, EnhancedCode: enhanced, Message: msg}
}

// Heal undoes Fail.
func (s *Server) Heal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse, s.refuseAt = nil, ""
}

// Received are the messages accepted, in order.
func (s *Server) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.got...)
}

// Attempts counts the MAIL FROM commands: delivery attempts that reached
// the server.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tries
}

// ByMessageID counts the accepted messages by Message-ID header.
func (s *Server) ByMessageID() map[string]int {
	out := map[string]int{}
	for _, r := range s.Received() {
		out[r.Msg.Header.Get("Message-ID")]++
	}
	return out
}

type session struct {
	s        *Server
	tls      bool
	from, to string
}

func (se *session) refused(step string) error {
	if se.s.refuse != nil && se.s.refuseAt == step {
		return se.s.refuse
	}
	return nil
}

func (se *session) AuthMechanisms() []string {
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	if se.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		se.s.mu.Lock()
		defer se.s.mu.Unlock()
		if user != se.s.user || pass != se.s.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication failed"}
		}
		se.s.authed++
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	se.s.mu.Lock()
	se.s.tries++
	n, hook := se.s.tries, se.s.onMail
	needAuth := se.s.user != "" && se.s.authed == 0
	err := se.refused("mail")
	se.s.mu.Unlock()
	if needAuth {
		return smtp.ErrAuthRequired
	}
	if hook != nil {
		if err := hook(n); err != nil {
			return err
		}
	}
	se.from = from
	return err
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	se.to = to
	return se.refused("rcpt")
}

func (se *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	se.s.mu.Lock()
	err = se.refused("data")
	se.s.mu.Unlock()
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return errors.New("unreadable message: " + err.Error())
	}
	body, _ := io.ReadAll(m.Body)
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return errors.New("unreadable subject: " + err.Error())
	}
	text := body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		if text, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err != nil {
			return errors.New("unreadable body: " + err.Error())
		}
	}
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	se.s.got = append(se.s.got, Received{From: se.from, To: se.to, TLS: se.tls, Msg: m, Body: body, Subject: subject, Text: string(text)})
	return nil
}

func (se *session) Reset() { se.from, se.to = "", "" }

func (se *session) Logout() error { return nil }
