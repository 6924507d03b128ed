package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/app"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// cli runs clinsafe with args and returns exit status, stdout and stderr.
func cli(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, lookup: func(string) (string, bool) { return "", false }}
	code := run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

func TestHelp(t *testing.T) {
	code, out, _ := cli(t, "", "help")
	if code != 0 {
		t.Fatalf("help: exit %d", code)
	}
	for _, c := range commands() {
		if !strings.Contains(out, c.name) {
			t.Errorf("help does not mention %s", c.name)
		}
	}
	for _, args := range [][]string{{"serve", "-h"}, {"migrate", "-h"}, {"user", "add", "-h"}, {"backup", "-h"}, {"audit", "verify", "-h"}, {"audit", "checkpoint", "-h"}, {"audit", "keygen", "-h"}, {"token", "add", "-h"}, {"demo", "-h"}} {
		code, _, errOut := cli(t, "", args...)
		if code != 0 || !strings.Contains(errOut, "Usage: clinsafe") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	if code, _, errOut := cli(t, "", "serve", "-nonsense"); code != 2 || !strings.Contains(errOut, "nonsense") {
		t.Errorf("bad flag: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := cli(t, "", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: exit %d, stderr %q", code, errOut)
	}
}

func TestBadDatabase(t *testing.T) {
	cases := []struct {
		dsn, want string
	}{
		{"mysql://x", "must start with sqlite: or postgres://"},
		{"postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", "cannot reach the postgres database"},
		{"sqlite:" + filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"), "cannot reach the sqlite database"},
	}
	for _, c := range cases {
		code, _, errOut := cli(t, "", "org", "list", "-db", c.dsn)
		if code != 1 || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("org list -db %s: exit %d, stderr %q; want one line containing %q", c.dsn, code, errOut, c.want)
		}
	}
}

func TestCommandsOnBothEngines(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st, dsn := storetest.Open(t, engine)
			st.Close()
			ok := func(stdin string, args ...string) string {
				t.Helper()
				code, out, errOut := cli(t, stdin, append(args, "-db", dsn)...)
				if code != 0 {
					t.Fatalf("%v: exit %d: %s", args, code, errOut)
				}
				return out
			}
			ok("", "migrate")
			ok("", "org", "add", "-ods", "RX1", "-name", "Test Trust")
			if code, _, errOut := cli(t, "", "org", "add", "-ods", "!!", "-name", "", "-db", dsn); code != 1 || !strings.Contains(errOut, "ODS code") {
				t.Errorf("bad org: exit %d %q", code, errOut)
			}
			out := ok("", "user", "add", "-email", "cso@example.com", "-name", "Dr C", "-org", "RX1", "-roles", "cso,admin")
			if !strings.Contains(out, "password: ") {
				t.Errorf("generated password not printed: %q", out)
			}
			ok("a very long password indeed\n", "user", "passwd", "-email", "cso@example.com", "-password", "-")
			if out := ok("", "user", "list", "-org", "RX1"); !strings.Contains(out, "cso@example.com") || !strings.Contains(out, "cso,admin") {
				t.Errorf("user list: %q", out)
			}
			if code, _, errOut := cli(t, "", "user", "add", "-email", "x@example.com", "-name", "X", "-org", "RX1", "-roles", "wizard", "-db", dsn); code != 1 || !strings.Contains(errOut, "unknown role") {
				t.Errorf("bad role: exit %d %q", code, errOut)
			}
			out = ok("", "token", "add", "-org", "RX1", "-email", "cso@example.com", "-name", "feed")
			if !strings.Contains(out, "cs_") || !strings.Contains(out, "FHIR scopes: none") {
				t.Errorf("token not printed, or its lack of scopes not said: %q", out)
			}
			// A token for the FHIR API: its scopes are stored and it acts
			// with them.
			out = ok("", "token", "add", "-org", "RX1", "-email", "cso@example.com", "-name", "epr", "-scopes", "AdverseEvent.write, Device.read AdverseEvent.write")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 3 || !strings.Contains(lines[0], "FHIR scopes: AdverseEvent.write Device.read") {
				t.Fatalf("scoped token: %q", out)
			}
			reopened, err := store.Open(context.Background(), dsn, app.Content()...)
			if err != nil {
				t.Fatal(err)
			}
			p, err := reopened.TokenPrincipal(context.Background(), lines[1])
			reopened.Close()
			if err != nil || strings.Join(p.Scopes, " ") != "AdverseEvent.write Device.read" {
				t.Errorf("scoped token acts with scopes %v (%v), want AdverseEvent.write Device.read", p.Scopes, err)
			}
			if code, _, errOut := cli(t, "", "token", "add", "-org", "RX1", "-email", "cso@example.com", "-name", "x", "-scopes", "AdverseEvent.delete", "-db", dsn); code != 1 || !strings.Contains(errOut, `"AdverseEvent.delete" is not a scope`) {
				t.Errorf("bad scope: exit %d %q", code, errOut)
			}
			if out := ok("", "audit", "verify"); !strings.Contains(out, "audit trail intact") {
				t.Errorf("audit verify: %q", out)
			}
			backup := filepath.Join(t.TempDir(), "copy.db")
			if _, err := exec.LookPath("pg_dump"); engine == "postgres" && err != nil {
				code, _, errOut := cli(t, "", "backup", backup, "-db", dsn)
				if code != 1 || !strings.Contains(errOut, "pg_dump is not on PATH") {
					t.Errorf("backup without pg_dump: exit %d %q", code, errOut)
				}
			} else {
				ok("", "backup", backup)
				if fi, err := os.Stat(backup); err != nil || fi.Size() == 0 {
					t.Fatalf("backup file: %v", err)
				}
				if code, _, errOut := cli(t, "", "backup", backup, "-db", dsn); code != 1 || !strings.Contains(errOut, "already exists") {
					t.Errorf("backup over existing file: exit %d %q", code, errOut)
				}
			}
			if engine == "sqlite" {
				if out := ok("", "org", "list", "-db", "sqlite:"+backup); !strings.Contains(out, "RX1") {
					t.Errorf("backup lacks data: %q", out)
				}
			}
			// Tamper with a stored audit row: verify names it and exits 1.
			st2, _, err := openStore(context.Background(), &env{lookup: func(k string) (string, bool) {
				if k == "CLINSAFE_DB" {
					return dsn, true
				}
				return "", false
			}}, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			storetest.DropAuditGuard(t, st2)
			if _, err := st2.SQL().Exec(`UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 2`); err != nil {
				t.Fatal(err)
			}
			st2.Close()
			code, _, errOut := cli(t, "", "audit", "verify", "-db", dsn)
			if code != 1 || !strings.Contains(errOut, "broken at entry 2") {
				t.Fatalf("tampered audit: exit %d, stderr %q", code, errOut)
			}
			// A schema newer than the binary is refused with one line.
			st3, _, _ := openStore(context.Background(), &env{lookup: func(k string) (string, bool) {
				if k == "CLINSAFE_DB" {
					return dsn, true
				}
				return "", false
			}}, nil, false)
			if _, err := st3.SQL().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', CURRENT_TIMESTAMP)`); err != nil {
				t.Fatal(err)
			}
			st3.Close()
			code, _, errOut = cli(t, "", "org", "list", "-db", dsn)
			if code != 1 || !strings.Contains(errOut, "newer than this clinsafe binary") {
				t.Fatalf("newer schema: exit %d, stderr %q", code, errOut)
			}
		})
	}
}

func TestScanCommand(t *testing.T) {
	code, out, errOut := cli(t, "", "scan", "]d20109521234543213172612311"+"0ABC123\x1d21SN001")
	if code != 0 || !strings.Contains(out, `"gtin":"09521234543213"`) || !strings.Contains(out, `"expiry":"2026-12-31"`) {
		t.Fatalf("scan: exit %d, out %q, err %q", code, out, errOut)
	}
	code, _, errOut = cli(t, "", "scan", "(01)09521234543214")
	if code != 1 || !strings.Contains(errOut, "check digit") {
		t.Fatalf("bad check digit: exit %d, err %q", code, errOut)
	}
}

func TestDemoAndPendingMigrations(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st, dsn := storetest.Open(t, engine)
			code, out, errOut := cli(t, "", "demo", "-password", "demo password 123", "-db", dsn)
			if code != 0 || !strings.Contains(out, "admin@demo.clinsafe.test") || !strings.Contains(out, "demo password 123") {
				t.Fatalf("demo: exit %d out %q err %q", code, out, errOut)
			}
			code, out, _ = cli(t, "", "demo", "-db", dsn)
			if code != 0 || !strings.Contains(out, "no demo data loaded") {
				t.Fatalf("second demo: exit %d out %q", code, out)
			}
			if out := func() string { _, o, _ := cli(t, "", "audit", "verify", "-db", dsn); return o }(); !strings.Contains(out, "intact") {
				t.Fatalf("audit after demo: %q", out)
			}
			if engine != "postgres" {
				return
			}
			// Forget that migration 1 was applied: serve must refuse on
			// PostgreSQL without -migrate, naming the fix.
			if _, err := st.SQL().Exec(`DELETE FROM schema_migrations WHERE version = 1`); err != nil {
				t.Fatal(err)
			}
			code, _, errOut = cli(t, "", "serve", "-db", dsn, "-listen", "127.0.0.1:0")
			if code != 1 || !strings.Contains(errOut, "pending migration") || !strings.Contains(errOut, "clinsafe migrate") {
				t.Fatalf("serve with pending migrations: exit %d, stderr %q", code, errOut)
			}
		})
	}
}
