package mail_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/mail"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	imail "github.com/clinsafe/clinsafe/internal/mail"
)

// smtpServer is a real SMTP server on 127.0.0.1 that records what it
// accepts and can be told to refuse (a 4xx or 5xx reply at a step) or be
// down (not listening).
type smtpServer struct {
	t    *testing.T
	host string
	port int

	mu sync.Mutex
	// got are the messages accepted, in order.
	got []received
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
	// delay is how long DATA takes.
	delay time.Duration
	// tls, when set, makes the server offer STARTTLS.
	tls *tls.Config

	srv *smtp.Server
}

type received struct {
	From, To string
	// TLS says the message came over TLS.
	TLS  bool
	Msg  *mail.Message
	Body []byte
}

func newSMTPServer(t *testing.T) *smtpServer { return newSMTPServerOn(t, "127.0.0.1", nil) }

// newSMTPServerOn listens on host, offering STARTTLS with tlsConfig when
// it is set.
func newSMTPServerOn(t *testing.T, host string, tlsConfig *tls.Config) *smtpServer {
	t.Helper()
	s := &smtpServer{t: t, host: host, tls: tlsConfig}
	s.start()
	t.Cleanup(s.stop)
	return s
}

// start listens (again, on the same port after stop).
func (s *smtpServer) start() {
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

// stop closes the server: connections are refused until start.
func (s *smtpServer) stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// sender is the clinsafe sender configured for this server.
func (s *smtpServer) sender() *imail.SMTPSender {
	return &imail.SMTPSender{Host: s.host, Port: s.port, From: "clinsafe <noreply@trust.example.nhs.uk>", Timeout: 10 * time.Second}
}

func (s *smtpServer) fail(step string, code int, enhanced smtp.EnhancedCode, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseAt, s.refuse = step, &smtp.SMTPError{Code: code, EnhancedCode: enhanced, Message: msg}
}

func (s *smtpServer) heal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse, s.refuseAt = nil, ""
}

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

func (s *smtpServer) attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tries
}

// byMessageID counts the accepted messages by Message-ID header.
func (s *smtpServer) byMessageID() map[string]int {
	out := map[string]int{}
	for _, r := range s.received() {
		out[r.Msg.Header.Get("Message-ID")]++
	}
	return out
}

type session struct {
	s        *smtpServer
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
	delay := se.s.delay
	se.s.mu.Unlock()
	time.Sleep(delay)
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	if err := se.refused("data"); err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return errors.New("unreadable message: " + err.Error())
	}
	body, _ := io.ReadAll(m.Body)
	se.s.got = append(se.s.got, received{From: se.from, To: se.to, TLS: se.tls, Msg: m, Body: body})
	return nil
}

func (se *session) Reset() { se.from, se.to = "", "" }

func (se *session) Logout() error { return nil }
