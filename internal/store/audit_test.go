package store_test

import (
	"crypto/ed25519"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// someEntries makes a short audit trail: an organisation, a user and two
// password changes (four entries).
func someEntries(t *testing.T, st *store.DB) (store.Org, store.User) {
	t.Helper()
	o := mustOrg(t, st, "RA1")
	u := mustUser(t, st, o, "jo@example.com", auth.Reporter)
	for _, pw := range []string{"another long password", "and yet another one"} {
		if err := st.SetPassword(ctx, o.ID, u.ID, pw); err != nil {
			t.Fatal(err)
		}
	}
	return o, u
}

func TestAuditLogRefusesUpdateAndDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		someEntries(t, st)
		before := auditCount(t, st)
		for _, q := range []string{
			`UPDATE audit_log SET summary = 'nothing happened' WHERE seq = 2`,
			`DELETE FROM audit_log WHERE seq = 4`,
			`DELETE FROM audit_log`,
		} {
			if _, err := st.SQL().Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want the append-only refusal", q, err)
			}
		}
		if st.Engine() == "postgres" {
			if _, err := st.SQL().Exec(`TRUNCATE audit_log`); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("TRUNCATE: err = %v, want the append-only refusal", err)
			}
		}
		if got := auditCount(t, st); got != before {
			t.Fatalf("audit entries = %d after refused changes, want %d", got, before)
		}
		if res, err := st.VerifyAudit(ctx); err != nil || res.Break != nil {
			t.Fatalf("VerifyAudit = %+v, %v; want intact", res, err)
		}
	})
}

// checkpoint signs the current head into a new directory.
func checkpoint(t *testing.T, st *store.DB) (audit.Checkpoint, string) {
	t.Helper()
	dir := t.TempDir()
	key, err := audit.GenerateKey(filepath.Join(dir, "audit.key"))
	if err != nil {
		t.Fatal(err)
	}
	c, path, err := st.WriteCheckpoint(ctx, key, filepath.Join(dir, "checkpoints"), false)
	if err != nil || path == "" {
		t.Fatalf("WriteCheckpoint: %q, %v", path, err)
	}
	if err := c.Verify(key.Public().(ed25519.PublicKey)); err != nil {
		t.Fatal(err)
	}
	return c, dir
}

func TestCheckpointCatchesTruncation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		someEntries(t, st)
		c, dir := checkpoint(t, st)
		if c.Seq != 4 {
			t.Fatalf("checkpoint seq = %d, want 4", c.Seq)
		}
		if b, err := st.CheckCheckpoint(ctx, c); err != nil || b != nil {
			t.Fatalf("CheckCheckpoint on an intact trail = %+v, %v", b, err)
		}
		// Delete the last two entries: the chain that is left is valid.
		storetest.DropAuditGuard(t, st)
		if _, err := st.SQL().Exec(`DELETE FROM audit_log WHERE seq > 2`); err != nil {
			t.Fatal(err)
		}
		if res, err := st.VerifyAudit(ctx); err != nil || res.Break != nil {
			t.Fatalf("VerifyAudit after truncation = %+v, %v; the chain walk alone cannot see it", res, err)
		}
		b, err := st.CheckCheckpoint(ctx, c)
		if err != nil || b == nil || b.Seq != 4 || !strings.Contains(b.Reason, "truncated") {
			t.Fatalf("CheckCheckpoint after truncation = %+v, %v; want entry 4 truncated", b, err)
		}
		// The next checkpoint refuses to sign the shortened trail.
		key, _, err := audit.LoadKey(filepath.Join(dir, "audit.key"), false)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.WriteCheckpoint(ctx, key, filepath.Join(dir, "checkpoints"), true); err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Fatalf("WriteCheckpoint over a truncated trail: %v, want a refusal", err)
		}
	})
}

func TestCheckpointCatchesRewrittenChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a, _ := someEntries(t, st)
		c, _ := checkpoint(t, st)
		// Rewrite entry 2 and recompute every later hash: the chain is
		// valid again, so only the checkpoint shows it.
		storetest.DropAuditGuard(t, st)
		entries, err := st.ListAudit(ctx, store.AuditFilter{OrgID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		slices.Reverse(entries)
		prev := audit.Genesis
		for _, e := range entries {
			if e.Seq == 2 {
				e.Summary = "nothing happened"
			}
			e.PrevHash = prev
			e.Hash = audit.ComputeHash(e)
			prev = e.Hash
			if _, err := st.SQL().Exec(`UPDATE audit_log SET summary = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, e.Summary, e.PrevHash, e.Hash, e.Seq); err != nil {
				t.Fatal(err)
			}
		}
		if res, err := st.VerifyAudit(ctx); err != nil || res.Break != nil {
			t.Fatalf("VerifyAudit after a rewrite = %+v, %v; the chain walk alone cannot see it", res, err)
		}
		b, err := st.CheckCheckpoint(ctx, c)
		if err != nil || b == nil || b.Seq != 4 || !strings.Contains(b.Reason, "rewritten") {
			t.Fatalf("CheckCheckpoint after a rewrite = %+v, %v; want entry 4 rewritten", b, err)
		}
	})
}

func TestDeepVerifyAfterDemoFindsDirectEdits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		if _, err := demo.Load(ctx, st, demo.Options{Password: "demo password 123"}); err != nil {
			t.Fatal(err)
		}
		fs, n, err := st.VerifyContent(ctx)
		if err != nil || len(fs) != 0 || n < 1000 {
			t.Fatalf("VerifyContent after the demo: %d entities checked, findings %v, %v; want none", n, fs, err)
		}
		trust, err := st.OrgByODS(ctx, demo.TrustODS)
		if err != nil {
			t.Fatal(err)
		}
		db := st.SQL()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}

		// A hazard's rating changed directly.
		var hz string
		var rs int
		if err := db.QueryRow(`SELECT id, residual_severity FROM hazards WHERE org_id = $1 ORDER BY number, id LIMIT 1`, trust.ID).Scan(&hz, &rs); err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE hazards SET residual_severity = $1 WHERE id = $2`, rs%5+1, hz)
		storetest.WantFinding(t, st, "hazard rating edited", "hazard "+hz, "changed outside the audit trail")
		exec(`UPDATE hazards SET residual_severity = $1 WHERE id = $2`, rs, hz)
		if got := storetest.Findings(t, st); len(got) != 0 {
			t.Fatalf("after undoing the edit: %q", got)
		}

		// platform_admin granted directly.
		u, err := st.UserByEmail(ctx, "reporter@demo.clinsafe.test")
		if err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE users SET platform_admin = $1 WHERE id = $2`, true, u.ID)
		storetest.WantFinding(t, st, "platform_admin granted", "user "+u.ID, "changed outside the audit trail")
		exec(`UPDATE users SET platform_admin = $1 WHERE id = $2`, false, u.ID)

		// A role granted directly is part of the user's content too.
		exec(`INSERT INTO user_roles (org_id, user_id, role) VALUES ($1, $2, 'admin')`, trust.ID, u.ID)
		storetest.WantFinding(t, st, "role granted", "user "+u.ID, "changed outside the audit trail")
		exec(`DELETE FROM user_roles WHERE org_id = $1 AND user_id = $2 AND role = 'admin'`, trust.ID, u.ID)

		// Signing in changes only columns outside the content: no finding.
		if _, err := st.StartSession(ctx, "", u.ID, "session-hash", time.Hour); err != nil {
			t.Fatal(err)
		}
		if got := storetest.Findings(t, st); len(got) != 0 {
			t.Fatalf("after signing in: %q", got)
		}

		// An implant recorded one by one, then deleted directly.
		var proc string
		if err := db.QueryRow(`SELECT id FROM implant_procedures WHERE org_id = $1 ORDER BY id LIMIT 1`, trust.ID).Scan(&proc); err != nil {
			t.Fatal(err)
		}
		rec, err := devicesdb.New(st).AddImplant(ctx, trust.ID, proc, devices.Device{GTIN: "09506000134352", Lot: "LOT1", Serial: "SN-DEEP-1", Expiry: "2030-01-01", EntryType: "manual"})
		if err != nil {
			t.Fatal(err)
		}
		if got := storetest.Findings(t, st); len(got) != 0 {
			t.Fatalf("after AddImplant: %q", got)
		}
		exec(`DELETE FROM implants WHERE id = $1`, rec.ID)
		storetest.WantFinding(t, st, "implant deleted", "implant "+rec.ID, "no longer exists")
	})
}

func TestDeepVerifyAcrossEntities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		o, u := someEntries(t, st)
		sys, err := riskdb.New(st).CreateSystem(ctx, o.ID, riskdb.System{Name: "EPR", Manufacturer: "Acme", IntendedUse: "Records", Standard: risk.DCB0160})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := riskdb.New(st).AddRelease(ctx, o.ID, sys.ID, riskdb.Release{Version: "1.0", Date: storetest.FixedTime}); err != nil {
			t.Fatal(err)
		}
		tok, _, err := st.CreateToken(ctx, o.ID, u.ID, "feed", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.TokenPrincipal(ctx, "cs_nonsense"); err == nil {
			t.Fatal("nonsense token accepted")
		}
		if err := st.RecordAction(ctx, store.Change{OrgID: o.ID, Action: "user.export", Entity: "user", EntityID: u.ID, Summary: "exported"}); err != nil {
			t.Fatal(err)
		}
		if got := storetest.Findings(t, st); len(got) != 0 {
			t.Fatalf("intact: %q", got)
		}
		db := st.SQL()
		for _, c := range []struct {
			what, sql, want string
		}{
			{"organisation renamed", `UPDATE organisations SET name = 'Other' WHERE id = '` + string(o.ID) + `'`, "organisation " + string(o.ID)},
			{"token unrevoked", `UPDATE api_tokens SET name = 'other' WHERE id = '` + tok.ID + `'`, "api_token " + tok.ID},
			{"release deleted", `DELETE FROM risk_releases WHERE system_id = '` + sys.ID + `'`, "system " + sys.ID},
			{"organisation added", `INSERT INTO organisations (id, ods_code, name, kind, created_at) VALUES ('x1', 'XX1', 'Sneaky', 'trust', CURRENT_TIMESTAMP)`, "organisation x1: has no audit entry"},
		} {
			if _, err := db.Exec(c.sql); err != nil {
				t.Fatalf("%s: %v", c.what, err)
			}
			got := storetest.Findings(t, st)
			if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), c.want) {
				t.Errorf("%s: findings %q, want one naming %q", c.what, got, c.want)
			}
		}
	})
}

// Every table belongs to an audited entity or is deliberately unaudited,
// so a table added by a later migration cannot escape the deep check.
func TestEveryTableIsInTheContentRegistry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
		if st.Engine() == "postgres" {
			q = `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`
		}
		rows, err := st.SQL().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		known := st.ContentTables()
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			if !known[name] {
				t.Errorf("table %s is neither in the content registry nor listed as unaudited", name)
			}
		}
	})
}
