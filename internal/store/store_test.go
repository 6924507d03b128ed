package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// ctx acts as the instance operator (as the command line does).
var ctx = storetest.Operator

func mustOrg(t *testing.T, st *store.DB, ods string) store.Org { return storetest.Org(t, st, ods) }

func mustUser(t *testing.T, st *store.DB, org store.Org, email string, roles ...auth.Role) store.User {
	return storetest.User(t, st, org, email, roles...)
}

func auditCount(t *testing.T, st *store.DB) int { return storetest.AuditCount(t, st) }

func TestMigrationsAreCurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		status, err := st.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(status.Pending) != 0 || status.Current != status.Latest || status.Current == 0 {
			t.Fatalf("status = %+v, want no pending and current = latest > 0", status)
		}
		// A schema newer than the binary is refused.
		if _, err := st.SQL().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', $1)`, storetest.FixedTime); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Status(ctx); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("Status with future migration: got %v, want ErrSchemaTooNew", err)
		}
	})
}

func TestOrgsAndUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a := mustOrg(t, st, "RA1")
		b := mustOrg(t, st, "RB2")
		before := auditCount(t, st)
		// Duplicate ODS code: per-field error and nothing written.
		_, err := st.CreateOrg(ctx, store.Org{ODSCode: "ra1", Name: "Dup", Kind: "trust"})
		if f := apperr.FieldsOf(err); f["ods_code"] == "" {
			t.Fatalf("duplicate ODS: got %v, want ods_code field error", err)
		}
		if got := auditCount(t, st); got != before {
			t.Fatalf("audit entries after failed create = %d, want %d", got, before)
		}
		// Validation messages per field.
		_, err = st.CreateUser(ctx, store.NewUser{Email: "not-an-email", Name: "", Password: "short", OrgID: a.ID})
		f := apperr.FieldsOf(err)
		for _, k := range []string{"email", "name", "password", "roles"} {
			if f[k] == "" {
				t.Errorf("CreateUser bad input: no message for %s (got %v)", k, f)
			}
		}
		u := mustUser(t, st, a, "Jo@Example.NHS.uk", auth.Reporter, auth.CSO)
		if u.Email != "jo@example.nhs.uk" {
			t.Errorf("email = %q, want lower-cased", u.Email)
		}
		if _, err := st.CreateUser(ctx, store.NewUser{Email: "jo@example.nhs.uk", Name: "Again", Password: "correct horse battery", OrgID: a.ID, Roles: []auth.Role{auth.Reporter}}); apperr.FieldsOf(err)["email"] == "" {
			t.Fatalf("duplicate email: got %v, want email field error", err)
		}
		// Organisation scoping: a member of A is not visible from B.
		if _, err := st.UserInOrg(ctx, b.ID, u.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("UserInOrg(other org): got %v, want NotFound", err)
		}
		got, err := st.UserInOrg(ctx, a.ID, u.ID)
		if err != nil || len(got.Roles) != 2 || got.Roles[0] != auth.Reporter || got.Roles[1] != auth.CSO {
			t.Fatalf("UserInOrg = %+v, %v; want roles reporter,cso", got, err)
		}
		if users, _ := st.ListUsers(ctx, b.ID); len(users) != 0 {
			t.Fatalf("ListUsers(B) = %d users, want 0", len(users))
		}
		if err := st.UpdateUser(ctx, b.ID, store.User{ID: u.ID, Email: "x@example.com", Name: "X"}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("UpdateUser from another org: got %v, want NotFound", err)
		}
	})
}

func TestLastAdminIsKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a := mustOrg(t, st, "RA1")
		admin := mustUser(t, st, a, "admin@example.com", auth.Admin)
		if err := st.SetRoles(ctx, a.ID, admin.ID, []auth.Role{auth.Reporter}); apperr.FieldsOf(err)["roles"] == "" {
			t.Fatalf("removing last admin: got %v, want roles field error", err)
		}
		if err := st.SetDisabled(ctx, a.ID, admin.ID, true); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("disabling last admin: got %v, want Invalid", err)
		}
		roles, _ := st.RolesIn(ctx, a.ID, admin.ID)
		if len(roles) != 1 || roles[0] != auth.Admin {
			t.Fatalf("roles after refused change = %v, want [admin] (nothing half-written)", roles)
		}
		second := mustUser(t, st, a, "admin2@example.com", auth.Admin)
		if err := st.SetRoles(ctx, a.ID, admin.ID, []auth.Role{auth.Reporter}); err != nil {
			t.Fatalf("with a second admin: %v", err)
		}
		_ = second
	})
}

func TestAuthenticateAndThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a := mustOrg(t, st, "RA1")
		mustUser(t, st, a, "jo@example.com", auth.Reporter)
		if _, err := st.Authenticate(ctx, "JO@example.com", "correct horse battery", "10.0.0.1"); err != nil {
			t.Fatalf("good password: %v", err)
		}
		for i := range 5 {
			if _, err := st.Authenticate(ctx, "jo@example.com", "wrong", "10.0.0.1"); !apperr.Is(err, apperr.Unauthenticated) {
				t.Fatalf("bad password attempt %d: got %v, want Unauthenticated", i, err)
			}
		}
		if _, err := st.Authenticate(ctx, "jo@example.com", "correct horse battery", "10.0.0.1"); !apperr.Is(err, apperr.TooMany) {
			t.Fatalf("after 5 failures: got %v, want TooMany", err)
		}
		// Unknown user gets the same message as a wrong password.
		_, err := st.Authenticate(ctx, "nobody@example.com", "x", "10.0.0.2")
		if err != store.ErrBadCredentials {
			t.Fatalf("unknown user: got %v, want ErrBadCredentials", err)
		}
		// The window passes.
		st.SetClock(func() time.Time { return storetest.FixedTime.Add(16 * time.Minute) })
		if _, err := st.Authenticate(ctx, "jo@example.com", "correct horse battery", "10.0.0.1"); err != nil {
			t.Fatalf("after window: %v", err)
		}
	})
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a := mustOrg(t, st, "RA1")
		b := mustOrg(t, st, "RB2")
		u := mustUser(t, st, a, "jo@example.com", auth.Reporter)
		now := storetest.FixedTime
		st.SetClock(func() time.Time { return now })
		p, err := st.StartSession(ctx, "", u.ID, "hash1", 12*time.Hour)
		if err != nil || p.Org.ID != a.ID {
			t.Fatalf("StartSession = %+v, %v", p, err)
		}
		// Switching to an org without a role is refused.
		if err := st.SwitchOrg(ctx, b.ID, "hash1", u.ID); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("switch without role: got %v, want Forbidden", err)
		}
		if err := st.AddMember(ctx, b.ID, u.ID, []auth.Role{auth.Analyst}); err != nil {
			t.Fatal(err)
		}
		if err := st.SwitchOrg(ctx, b.ID, "hash1", u.ID); err != nil {
			t.Fatal(err)
		}
		p, err = st.Session(ctx, "hash1", 30*time.Minute)
		if err != nil || p.Org.ID != b.ID || len(p.Roles) != 1 || p.Roles[0] != auth.Analyst {
			t.Fatalf("after switch: %+v, %v; want org B as analyst", p, err)
		}
		// Idle timeout.
		now = now.Add(31 * time.Minute)
		if _, err := st.Session(ctx, "hash1", 30*time.Minute); !apperr.Is(err, apperr.Unauthenticated) {
			t.Fatalf("idle session: got %v, want Unauthenticated", err)
		}
		// Absolute timeout even with activity.
		if _, err := st.StartSession(ctx, "", u.ID, "hash2", time.Hour); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			now = now.Add(15 * time.Minute)
			_, err = st.Session(ctx, "hash2", 30*time.Minute)
		}
		if !apperr.Is(err, apperr.Unauthenticated) {
			t.Fatalf("session past absolute expiry: got %v, want Unauthenticated", err)
		}
		// Disabling ends sessions.
		if _, err := st.StartSession(ctx, "", u.ID, "hash3", time.Hour); err != nil {
			t.Fatal(err)
		}
		mustUser(t, st, a, "admin@example.com", auth.Admin)
		if err := st.SetDisabled(ctx, a.ID, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Session(ctx, "hash3", time.Hour); !apperr.Is(err, apperr.Unauthenticated) {
			t.Fatalf("disabled user's session: got %v, want Unauthenticated", err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a := mustOrg(t, st, "RA1")
		b := mustOrg(t, st, "RB2")
		u := mustUser(t, st, a, "jo@example.com", auth.Admin)
		if _, _, err := st.CreateToken(ctx, b.ID, u.ID, "x", nil, nil); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("token for non-member: got %v, want NotFound", err)
		}
		tok, secret, err := st.CreateToken(ctx, a.ID, u.ID, "Theatre system", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var stored int
		if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1`, secret).Scan(&stored); err != nil || stored != 0 {
			t.Fatalf("token secret stored in clear (count %d, err %v)", stored, err)
		}
		p, err := st.TokenPrincipal(ctx, secret)
		if err != nil || p.Org.ID != a.ID || p.TokenID != tok.ID {
			t.Fatalf("TokenPrincipal = %+v, %v", p, err)
		}
		if err := st.RevokeToken(ctx, b.ID, tok.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("revoke from other org: got %v, want NotFound", err)
		}
		if err := st.RevokeToken(ctx, a.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.TokenPrincipal(ctx, secret); !apperr.Is(err, apperr.Unauthenticated) {
			t.Fatalf("revoked token: got %v, want Unauthenticated", err)
		}
		past := storetest.FixedTime.Add(-time.Hour)
		if _, _, err := st.CreateToken(ctx, a.ID, u.ID, "old", nil, &past); apperr.FieldsOf(err)["expires"] == "" {
			t.Fatalf("expiry in past: got %v, want expires field error", err)
		}
		soon := storetest.FixedTime.Add(time.Hour)
		_, secret2, err := st.CreateToken(ctx, a.ID, u.ID, "short", nil, &soon)
		if err != nil {
			t.Fatal(err)
		}
		st.SetClock(func() time.Time { return soon.Add(time.Minute) })
		if _, err := st.TokenPrincipal(ctx, secret2); !apperr.Is(err, apperr.Unauthenticated) {
			t.Fatalf("expired token: got %v, want Unauthenticated", err)
		}
	})
}

func TestAuditChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a := mustOrg(t, st, "RA1")
		u := mustUser(t, st, a, "jo@example.com", auth.Reporter)
		if err := st.SetPassword(ctx, a.ID, u.ID, "another long password"); err != nil {
			t.Fatal(err)
		}
		res, err := st.VerifyAudit(ctx)
		if err != nil || res.Break != nil || res.Checked != 3 {
			t.Fatalf("VerifyAudit = %+v, %v; want 3 intact entries", res, err)
		}
		entries, err := st.ListAudit(ctx, store.AuditFilter{OrgID: a.ID})
		if err != nil || len(entries) != 3 {
			t.Fatalf("ListAudit = %d entries, %v", len(entries), err)
		}
		for _, e := range entries {
			if e.ActorName != "test" || e.Hash == "" {
				t.Errorf("entry %d: actor %q hash %q", e.Seq, e.ActorName, e.Hash)
			}
			for _, secret := range []string{"another long password", "correct horse battery"} {
				if strings.Contains(e.Summary, secret) {
					t.Errorf("entry %d summary holds a password: %q", e.Seq, e.Summary)
				}
			}
		}
		filtered, _ := st.ListAudit(ctx, store.AuditFilter{OrgID: a.ID, Action: "user."})
		if len(filtered) != 2 {
			t.Errorf("filter action user.: %d entries, want 2", len(filtered))
		}
		// Tamper with the second entry, as the database owner could after
		// dropping the append-only triggers.
		storetest.DropAuditGuard(t, st)
		if _, err := st.SQL().Exec(`UPDATE audit_log SET summary = 'nothing happened' WHERE seq = 2`); err != nil {
			t.Fatal(err)
		}
		res, err = st.VerifyAudit(ctx)
		if err != nil || res.Break == nil || res.Break.Seq != 2 {
			t.Fatalf("after tampering: %+v, %v; want break at entry 2", res, err)
		}
	})
}

func TestSignInReturnsToLastOrganisation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		// "Zulu" is made first but sorts last: the home organisation wins
		// over alphabetical order.
		z := mustOrg(t, st, "RZZ")
		a := mustOrg(t, st, "RAA")
		if err := st.UpdateOrg(ctx, store.Org{ID: z.ID, ODSCode: "RZZ", Name: "Zulu Trust", Kind: "trust"}); err != nil {
			t.Fatal(err)
		}
		u := mustUser(t, st, z, "jo@example.com", auth.Reporter)
		if err := st.AddMember(ctx, a.ID, u.ID, []auth.Role{auth.Reporter}); err != nil {
			t.Fatal(err)
		}
		p, err := st.StartSession(ctx, "", u.ID, "h1", time.Hour)
		if err != nil || p.Org.ID != z.ID {
			t.Fatalf("first sign-in in %q, want the home organisation %q (err %v)", p.Org.Name, z.Name, err)
		}
		if err := st.SwitchOrg(ctx, a.ID, "h1", u.ID); err != nil {
			t.Fatal(err)
		}
		p, err = st.StartSession(ctx, "", u.ID, "h2", time.Hour)
		if err != nil || p.Org.ID != a.ID {
			t.Fatalf("next sign-in in %q, want the last used %q (err %v)", p.Org.Name, a.Name, err)
		}
	})
}
