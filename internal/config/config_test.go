package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(kv ...string) Env {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	c, err := Load(nil, env())
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "localhost:8080" || c.DB != "sqlite:./clinsafe.db" || c.IdleTimeout != 30*time.Minute || c.MaxSession != 12*time.Hour || !c.SessionKeyGenerated || c.Secure() {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestFlagsOverrideEnvAndFiles(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("s", 40)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	f := Register(fs)
	if err := fs.Parse([]string{"-listen", "0.0.0.0:9000"}); err != nil {
		t.Fatal(err)
	}
	c, err := Load(f, env("CLINSAFE_LISTEN", "127.0.0.1:1", "CLINSAFE_BASE_URL", "https://cs.example.nhs.uk/", "CLINSAFE_SESSION_KEY_FILE", keyFile))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "0.0.0.0:9000" {
		t.Errorf("listen = %q, want the flag's value", c.Listen)
	}
	if !c.Secure() || c.BaseURL != "https://cs.example.nhs.uk" {
		t.Errorf("base URL %q secure %v", c.BaseURL, c.Secure())
	}
	if string(c.SessionKey) != strings.Repeat("s", 40) || c.SessionKeyGenerated {
		t.Errorf("session key from file not used")
	}
}

func TestBadConfiguration(t *testing.T) {
	cases := []struct {
		env  []string
		want string
	}{
		{[]string{"CLINSAFE_LISTEN", "8080"}, "CLINSAFE_LISTEN"},
		{[]string{"CLINSAFE_DB", "mysql://x"}, "CLINSAFE_DB"},
		{[]string{"CLINSAFE_DB", "sqlite:"}, "CLINSAFE_DB"},
		{[]string{"CLINSAFE_BASE_URL", "ftp://x"}, "CLINSAFE_BASE_URL"},
		{[]string{"CLINSAFE_SESSION_KEY", "short"}, "CLINSAFE_SESSION_KEY"},
		{[]string{"CLINSAFE_LOG_FORMAT", "xml"}, "CLINSAFE_LOG_FORMAT"},
		{[]string{"CLINSAFE_LOG_LEVEL", "loud"}, "CLINSAFE_LOG_LEVEL"},
		{[]string{"CLINSAFE_SESSION_IDLE", "soon"}, "CLINSAFE_SESSION_IDLE"},
		{[]string{"CLINSAFE_SESSION_IDLE", "24h"}, "CLINSAFE_SESSION_IDLE"},
		{[]string{"CLINSAFE_SMTP_PORT", "70000"}, "CLINSAFE_SMTP_PORT"},
		{[]string{"CLINSAFE_SMTP_HOST", "mail", "CLINSAFE_SMTP_FROM", "nobody"}, "CLINSAFE_SMTP_FROM"},
		{[]string{"CLINSAFE_SESSION_KEY_FILE", "/no/such/file"}, "CLINSAFE_SESSION_KEY_FILE"},
		{[]string{"CLINSAFE_AUDIT_CHECKPOINT_EVERY", "0s"}, "CLINSAFE_AUDIT_CHECKPOINT_EVERY"},
	}
	for _, c := range cases {
		_, err := Load(nil, env(c.env...))
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Load(%v) = %v; want one-line error naming %s", c.env, err, c.want)
		}
	}
}

func TestAuditCheckpointDefaults(t *testing.T) {
	c, err := Load(nil, env("CLINSAFE_DB", "sqlite:/var/lib/clinsafe/cs.db"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Audit.KeyFile != "/var/lib/clinsafe/clinsafe-audit.key" || c.Audit.CheckpointDir != "/var/lib/clinsafe/cs-checkpoints" || c.Audit.CheckpointEvery != time.Hour {
		t.Errorf("SQLite audit defaults = %+v, want files beside the database, every hour", c.Audit)
	}
	// Each database has checkpoints of its own, even beside another; the
	// default database keeps the directory it always had.
	for db, want := range map[string]string{
		"sqlite:./clinsafe.db":          "clinsafe-checkpoints",
		"sqlite:/tmp/a.db":              "/tmp/a-checkpoints",
		"sqlite:/tmp/b.db":              "/tmp/b-checkpoints",
		"sqlite:/tmp/b.sqlite":          "/tmp/b.sqlite.checkpoints",
		"sqlite:/tmp/b":                 "/tmp/b.checkpoints",
		"sqlite:/srv/trust.v2.db":       "/srv/trust.v2-checkpoints",
		"sqlite:/srv/.db":               "/srv/.db.checkpoints",
		"sqlite:relative/dir/events.db": "relative/dir/events-checkpoints",
	} {
		c, err := Load(nil, env("CLINSAFE_DB", db))
		if err != nil || c.Audit.CheckpointDir != want {
			t.Errorf("%s: checkpoint dir %q, %v; want %q", db, c.Audit.CheckpointDir, err, want)
		}
	}
	c, err = Load(nil, env("CLINSAFE_DB", "postgres://x/y"))
	if err != nil || c.Audit.KeyFile != "" || c.Audit.CheckpointDir != "" {
		t.Errorf("PostgreSQL audit defaults = %+v, %v; want none (checkpoints off until set)", c.Audit, err)
	}
	c, err = Load(nil, env("CLINSAFE_DB", "postgres://x/y", "CLINSAFE_AUDIT_KEY_FILE", "/etc/clinsafe/audit.key", "CLINSAFE_AUDIT_CHECKPOINT_DIR", "/srv/checkpoints"))
	if err != nil || c.Audit.KeyFile != "/etc/clinsafe/audit.key" || c.Audit.CheckpointDir != "/srv/checkpoints" {
		t.Errorf("explicit audit settings = %+v, %v", c.Audit, err)
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := Load(nil, env("CLINSAFE_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 2001:db8::/32,::1"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32", "::1/128"}
	var got []string
	for _, p := range c.TrustedProxies {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("trusted proxies = %v, want %v", got, want)
	}
	if c, err := Load(nil, env()); err != nil || len(c.TrustedProxies) != 0 {
		t.Fatalf("default trusted proxies = %v, %v; want none", c.TrustedProxies, err)
	}
	for _, bad := range []string{"proxy.example", "10.0.0.0/33", "10.0.0.1:8080", "10.1.2.3/8"} {
		_, err := Load(nil, env("CLINSAFE_TRUSTED_PROXIES", bad))
		if err == nil || !strings.Contains(err.Error(), "CLINSAFE_TRUSTED_PROXIES") || !strings.Contains(err.Error(), bad) {
			t.Errorf("CLINSAFE_TRUSTED_PROXIES=%q: got %v, want an error naming the setting and the value", bad, err)
		}
	}
}

// Without a public base URL, links and the start-up log use the address
// clinsafe listens on, not a fixed default that may be wrong.
func TestBaseURLFollowsListen(t *testing.T) {
	for listen, want := range map[string]string{
		"localhost:8080": "http://localhost:8080",
		":9000":          "http://localhost:9000",
		"0.0.0.0:9001":   "http://localhost:9001",
		"[::]:9002":      "http://localhost:9002",
		"10.1.2.3:9003":  "http://10.1.2.3:9003",
	} {
		c, err := Load(nil, env("CLINSAFE_LISTEN", listen))
		if err != nil {
			t.Fatal(err)
		}
		if c.BaseURL != want {
			t.Errorf("listen %s: base URL %q, want %q", listen, c.BaseURL, want)
		}
	}
	c, err := Load(nil, env("CLINSAFE_LISTEN", ":9000", "CLINSAFE_BASE_URL", "https://clinsafe.example.nhs.uk/"))
	if err != nil || c.BaseURL != "https://clinsafe.example.nhs.uk" {
		t.Errorf("an explicit base URL: %q, %v", c.BaseURL, err)
	}
}

func TestLFPSESettings(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "lfpse.key")
	if err := os.WriteFile(keyFile, []byte("subscription-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(nil, env("CLINSAFE_LFPSE_URL", "https://psims.example/adverse-event/fhir/", "CLINSAFE_LFPSE_KEY_FILE", keyFile, "CLINSAFE_LFPSE_WORKERS", "3"))
	if err != nil {
		t.Fatal(err)
	}
	if c.LFPSE.URL != "https://psims.example/adverse-event/fhir" || c.LFPSE.Key != "subscription-key" || c.LFPSE.Workers != 3 || c.LFPSE.Timeout != 30*time.Second {
		t.Errorf("LFPSE settings %+v", c.LFPSE)
	}
	if c.DataDir != "clinsafe-data" {
		t.Errorf("data dir %q, want clinsafe-data beside ./clinsafe.db", c.DataDir)
	}
	for _, bad := range [][]string{
		{"CLINSAFE_LFPSE_URL", "https://psims.example/fhir"},
		{"CLINSAFE_LFPSE_URL", "ftp://psims.example", "CLINSAFE_LFPSE_KEY", "k"},
		{"CLINSAFE_LFPSE_WORKERS", "0"},
		{"CLINSAFE_LFPSE_TIMEOUT", "soon"},
	} {
		if _, err := Load(nil, env(bad...)); err == nil || !strings.Contains(err.Error(), "CLINSAFE_LFPSE") {
			t.Errorf("Load(%v) = %v, want an error naming the LFPSE setting", bad, err)
		}
	}
}
