package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// auditFixture is a database with a few audited changes made through the
// command line, and a key and checkpoint directory outside it.
type auditFixture struct {
	t                *testing.T
	st               *store.DB
	dsn, key, cpDir  string
	keyFlags, dbFlag []string
}

func newAuditFixture(t *testing.T, engine string) *auditFixture {
	st, dsn := storetest.Open(t, engine)
	dir := t.TempDir()
	f := &auditFixture{t: t, st: st, dsn: dsn, key: filepath.Join(dir, "keys", "audit.key"), cpDir: filepath.Join(dir, "checkpoints")}
	f.dbFlag = []string{"-db", dsn}
	f.keyFlags = []string{"-db", dsn, "-audit-key-file", f.key, "-audit-checkpoint-dir", f.cpDir}
	f.ok("org", "add", "-ods", "RX1", "-name", "Test Trust")
	f.ok("user", "add", "-email", "cso@example.com", "-name", "Dr C", "-org", "RX1", "-roles", "cso,admin")
	f.ok("user", "add", "-email", "jo@example.com", "-name", "Jo", "-org", "RX1", "-roles", "reporter")
	return f
}

func (f *auditFixture) run(args ...string) (int, string, string) {
	f.t.Helper()
	return cli(f.t, "", args...)
}

func (f *auditFixture) ok(args ...string) string {
	f.t.Helper()
	code, out, errOut := cli(f.t, "", append(args, f.dbFlag...)...)
	if code != 0 {
		f.t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	return out
}

func (f *auditFixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.st.SQL().Exec(q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func TestAuditCheckpointCommandsCatchTruncation(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			f := newAuditFixture(t, engine)
			if code, out, errOut := f.run("audit", "keygen", "-db", f.dsn, "-audit-key-file", f.key); code != 0 || !strings.Contains(out, "written to "+f.key) {
				t.Fatalf("keygen: exit %d %q %q", code, out, errOut)
			}
			if fi, err := os.Stat(f.key); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v, %v; want mode 0600", fi, err)
			}
			if code, _, errOut := f.run("audit", "keygen", "-db", f.dsn, "-audit-key-file", f.key); code != 1 || !strings.Contains(errOut, "already exists") {
				t.Errorf("second keygen: exit %d %q", code, errOut)
			}
			code, out, errOut := f.run(append([]string{"audit", "checkpoint"}, f.keyFlags...)...)
			if code != 0 || !strings.Contains(out, "checkpoint of entry 3 written") {
				t.Fatalf("checkpoint: exit %d %q %q", code, out, errOut)
			}
			// Checked with the public key only.
			verify := []string{"audit", "verify", "-checkpoint", f.cpDir, "-audit-key-file", f.key + ".pub", "-db", f.dsn}
			if code, out, errOut := f.run(verify...); code != 0 || !strings.Contains(out, "entry 3 matches") {
				t.Fatalf("verify -checkpoint: exit %d %q %q", code, out, errOut)
			}
			// Delete the newest entry: the chain walk alone passes.
			storetest.DropAuditGuard(t, f.st)
			f.exec(`DELETE FROM audit_log WHERE seq = 3`)
			if code, out, _ := f.run("audit", "verify", "-db", f.dsn); code != 0 || !strings.Contains(out, "intact: 2 entries") {
				t.Fatalf("plain verify after truncation: exit %d %q", code, out)
			}
			code, out, errOut = f.run(verify...)
			if code != 1 || !strings.Contains(out, "entry 3") || !strings.Contains(out, "truncated") || strings.Count(strings.TrimSpace(out), "\n") != 0 {
				t.Fatalf("verify -checkpoint after truncation: exit %d, stdout %q, stderr %q; want one line naming entry 3", code, out, errOut)
			}
			// And no new checkpoint is signed over the shortened trail.
			if code, _, errOut := f.run(append([]string{"audit", "checkpoint"}, f.keyFlags...)...); code != 1 || !strings.Contains(errOut, "not signing") {
				t.Fatalf("checkpoint over a truncated trail: exit %d %q", code, errOut)
			}
			// A checkpoint signed with another key is refused.
			other := filepath.Join(t.TempDir(), "other.key")
			if code, _, _ := f.run("audit", "keygen", "-db", f.dsn, "-audit-key-file", other); code != 0 {
				t.Fatal("keygen other")
			}
			if code, out, _ := f.run("audit", "verify", "-checkpoint", f.cpDir, "-audit-key-file", other, "-db", f.dsn); code != 1 || !strings.Contains(out, "signed with key") {
				t.Fatalf("verify with another key: exit %d %q", code, out)
			}
		})
	}
}

func TestAuditVerifyCheckpointCatchesRewrittenChain(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			f := newAuditFixture(t, engine)
			if code, _, errOut := f.run(append([]string{"audit", "checkpoint"}, f.keyFlags...)...); code != 0 {
				t.Fatalf("checkpoint: %s", errOut)
			}
			// Rewrite entry 2 and every later hash.
			storetest.DropAuditGuard(t, f.st)
			o, err := f.st.OrgByODS(context.Background(), "RX1")
			if err != nil {
				t.Fatal(err)
			}
			es, err := f.st.ListAudit(context.Background(), store.AuditFilter{OrgID: o.ID})
			if err != nil {
				t.Fatal(err)
			}
			slices.Reverse(es)
			prev := audit.Genesis
			for _, e := range es {
				if e.Seq == 2 {
					e.ActorName = "someone else"
				}
				e.PrevHash = prev
				e.Hash = audit.ComputeHash(e)
				prev = e.Hash
				f.exec(`UPDATE audit_log SET actor_name = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, e.ActorName, e.PrevHash, e.Hash, e.Seq)
			}
			if code, out, _ := f.run("audit", "verify", "-db", f.dsn); code != 0 {
				t.Fatalf("plain verify after a rewrite: exit %d %q; the chain is valid again", code, out)
			}
			code, out, errOut := f.run("audit", "verify", "-checkpoint", f.cpDir, "-audit-key-file", f.key, "-db", f.dsn)
			if code != 1 || !strings.Contains(out, "entry 3") || !strings.Contains(out, "rewritten") {
				t.Fatalf("verify -checkpoint after a rewrite: exit %d, stdout %q, stderr %q", code, out, errOut)
			}
		})
	}
}

func TestAuditVerifyDeep(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			f := newAuditFixture(t, engine)
			if out := f.ok("audit", "verify", "-deep"); !strings.Contains(out, "content intact") {
				t.Fatalf("verify -deep: %q", out)
			}
			u, err := f.st.UserByEmail(context.Background(), "jo@example.com")
			if err != nil {
				t.Fatal(err)
			}
			f.exec(`UPDATE users SET platform_admin = $1 WHERE id = $2`, true, u.ID)
			f.exec(`UPDATE organisations SET name = 'Renamed' WHERE ods_code = 'RX1'`)
			code, out, errOut := f.run("audit", "verify", "-deep", "-db", f.dsn)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if code != 1 || len(lines) != 2 || !strings.Contains(out, "user "+u.ID+": changed outside the audit trail") || !strings.Contains(out, "organisation ") {
				t.Fatalf("verify -deep after direct edits: exit %d, stdout %q, stderr %q; want one line each for the user and the organisation", code, out, errOut)
			}
			if !strings.Contains(errOut, "2 problem(s)") {
				t.Errorf("stderr %q, want the count of problems", errOut)
			}
		})
	}
}

func TestBackupCopiesCheckpoints(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			f := newAuditFixture(t, engine)
			backup := filepath.Join(t.TempDir(), "copy.db")
			if _, err := exec.LookPath("pg_dump"); engine == "postgres" && err != nil {
				if code, _, errOut := f.run(append([]string{"backup", backup}, f.keyFlags...)...); code != 1 || !strings.Contains(errOut, "pg_dump is not on PATH") {
					t.Fatalf("backup without pg_dump: exit %d %q", code, errOut)
				}
				return
			}
			code, out, errOut := f.run(append([]string{"backup", backup}, f.keyFlags...)...)
			if code != 0 || !strings.Contains(out, "checkpoint of entry 3 written") || !strings.Contains(out, "1 audit checkpoint(s) copied to "+backup+".checkpoints") {
				t.Fatalf("backup: exit %d %q %q", code, out, errOut)
			}
			if engine == "sqlite" {
				code, out, errOut := f.run("audit", "verify", "-checkpoint", backup+".checkpoints", "-audit-key-file", f.key, "-db", "sqlite:"+backup)
				if code != 0 || !strings.Contains(out, "entry 3 matches") {
					t.Fatalf("verify the backup against its checkpoints: exit %d %q %q", code, out, errOut)
				}
			}
		})
	}
}

// Two SQLite databases in one directory, each with the default key and
// checkpoint directory, are checkpointed apart: with one directory for
// both, the second's trail was taken for a rewrite of the first's and
// never signed.
func TestDatabasesInOneDirectoryKeepTheirOwnCheckpoints(t *testing.T) {
	dir := t.TempDir()
	for i, name := range []string{"first.db", "second.db"} {
		db := []string{"-db", "sqlite:" + filepath.Join(dir, name)}
		for _, args := range [][]string{{"migrate"}, {"org", "add", "-ods", "RX1", "-name", "Trust " + name}, {"audit", "checkpoint"}} {
			if code, _, errOut := cli(t, "", append(args, db...)...); code != 0 {
				t.Fatalf("%s: %v: exit %d: %s", name, args, code, errOut)
			}
		}
		cps, err := filepath.Glob(filepath.Join(dir, strings.TrimSuffix(name, ".db")+"-checkpoints", "checkpoint-*.json"))
		if err != nil || len(cps) != 1 {
			t.Errorf("%s (database %d): checkpoints %v, %v; want one of its own", name, i+1, cps, err)
		}
		if code, out, errOut := cli(t, "", append([]string{"audit", "verify"}, db...)...); code != 0 {
			t.Errorf("%s: audit verify: exit %d: %s %s", name, code, out, errOut)
		}
	}
}
