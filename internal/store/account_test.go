package store_test

import (
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

const pw = "correct horse battery"

// An organisation's administrator manages memberships of their own
// organisation, and accounts only of people who belong to it alone and are
// not instance administrators.
func TestAccountAuthority(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a, b := mustOrg(t, st, "RAA"), mustOrg(t, st, "RBB")
		adminA := mustUser(t, st, a, "admin@a.test", auth.Admin)
		onlyA := mustUser(t, st, a, "only@a.test", auth.Reporter)
		onlyB := mustUser(t, st, b, "only@b.test", auth.Reporter)
		shared := mustUser(t, st, a, "shared@a.test", auth.Reporter)
		if err := st.AddMember(ctx, b.ID, shared.ID, []auth.Role{auth.CSO}); err != nil {
			t.Fatal(err)
		}
		platform, err := st.CreateUser(ctx, store.NewUser{Email: "platform@x.test", Name: "Platform", Password: pw, OrgID: a.ID, Roles: []auth.Role{auth.Reporter}, PlatformAdmin: true})
		if err != nil {
			t.Fatal(err)
		}
		asAdmin := storetest.As(adminA)

		// Someone of another organisation cannot be made a member, nor
		// their account touched: they are not found.
		if err := st.SetRoles(asAdmin, a.ID, onlyB.ID, []auth.Role{auth.Admin}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("SetRoles on another organisation's person: %v, want NotFound", err)
		}
		if roles, _ := st.RolesIn(ctx, a.ID, onlyB.ID); len(roles) != 0 {
			t.Errorf("B's person got roles %v in A", roles)
		}
		for name, err := range map[string]error{
			"password": st.SetPassword(asAdmin, a.ID, onlyB.ID, "a brand new password"),
			"disable":  st.SetDisabled(asAdmin, a.ID, onlyB.ID, true),
			"update":   st.UpdateUser(asAdmin, a.ID, store.User{ID: onlyB.ID, Email: "evil@a.test", Name: "Evil"}),
		} {
			if !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s of another organisation's person: %v, want NotFound", name, err)
			}
		}

		// A member who also belongs elsewhere, or an instance administrator:
		// roles yes, account no.
		for _, u := range []store.User{shared, platform} {
			for name, err := range map[string]error{
				"password": st.SetPassword(asAdmin, a.ID, u.ID, "a brand new password"),
				"disable":  st.SetDisabled(asAdmin, a.ID, u.ID, true),
				"update":   st.UpdateUser(asAdmin, a.ID, store.User{ID: u.ID, Email: "evil@a.test", Name: "Evil"}),
			} {
				if !apperr.Is(err, apperr.Forbidden) {
					t.Errorf("%s of %s: %v, want Forbidden", name, u.Email, err)
				}
			}
			if can, err := st.CanManageAccount(asAdmin, a.ID, u.ID); err != nil || can {
				t.Errorf("CanManageAccount(%s) = %v, %v; want false", u.Email, can, err)
			}
		}
		if _, err := st.Authenticate(ctx, shared.Email, pw, "192.0.2.1"); err != nil {
			t.Errorf("shared person's password changed: %v", err)
		}
		if err := st.SetRoles(asAdmin, a.ID, shared.ID, []auth.Role{auth.Analyst}); err != nil {
			t.Errorf("roles of a shared member: %v", err)
		}
		if roles, _ := st.RolesIn(ctx, b.ID, shared.ID); len(roles) != 1 || roles[0] != auth.CSO {
			t.Errorf("roles in B changed to %v", roles)
		}

		// A person of this organisation alone: the admin may.
		if can, err := st.CanManageAccount(asAdmin, a.ID, onlyA.ID); err != nil || !can {
			t.Errorf("CanManageAccount(onlyA) = %v, %v; want true", can, err)
		}
		if err := st.SetPassword(asAdmin, a.ID, onlyA.ID, "a brand new password"); err != nil {
			t.Errorf("password of a sole member: %v", err)
		}
		// A reporter of A is no admin, whatever route calls the store.
		if err := st.SetPassword(storetest.As(onlyA), a.ID, shared.ID, "a brand new password"); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("reporter setting a password: %v, want Forbidden", err)
		}
		// Instance administrators and the owner may.
		if err := st.SetPassword(storetest.As(platform), a.ID, shared.ID, "platform set this one"); err != nil {
			t.Errorf("platform admin: %v", err)
		}
		if err := st.SetPassword(storetest.As(shared), "", shared.ID, "my own new password"); err != nil {
			t.Errorf("owner: %v", err)
		}
		// Removing a member takes their roles here only.
		if err := st.RemoveMember(asAdmin, a.ID, shared.ID); err != nil {
			t.Fatal(err)
		}
		if roles, _ := st.RolesIn(ctx, a.ID, shared.ID); len(roles) != 0 {
			t.Errorf("after removal roles in A = %v", roles)
		}
		if roles, _ := st.RolesIn(ctx, b.ID, shared.ID); len(roles) != 1 {
			t.Errorf("removal from A changed B: %v", roles)
		}
		assertContentAudited(t, st)
	})
}

func TestInvitations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		a, b := mustOrg(t, st, "RAA"), mustOrg(t, st, "RBB")
		adminA := mustUser(t, st, a, "admin@a.test", auth.Admin)
		existing := mustUser(t, st, b, "existing@b.test", auth.CSO)
		asAdmin := storetest.As(adminA)

		// Inviting an email with an account and one without look the same.
		inv1, code1, err1 := st.Invite(asAdmin, a.ID, "existing@b.test", "Existing", []auth.Role{auth.Reporter})
		inv2, code2, err2 := st.Invite(asAdmin, a.ID, "new@a.test", "New Person", []auth.Role{auth.Handler})
		if err1 != nil || err2 != nil || code1 == "" || code2 == "" || inv1.Status(st.Now()) != inv2.Status(st.Now()) {
			t.Fatalf("Invite: %v / %v, statuses %s / %s", err1, err2, inv1.Status(st.Now()), inv2.Status(st.Now()))
		}
		if _, _, err := st.Invite(asAdmin, a.ID, "not an email", "", nil); len(apperr.FieldsOf(err)) != 3 {
			t.Errorf("bad invitation: %v, want email, name and roles errors", err)
		}
		// The existing person must sign in as themselves to accept.
		if _, err := st.AcceptInvitation(storetest.As(adminA), code1); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("accept as the wrong person: %v, want Forbidden", err)
		}
		if _, _, err := st.AcceptInvitationNew(ctx, code1, "Someone", "a long enough password"); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("new account for an email that has one: %v, want Invalid", err)
		}
		if _, err := st.AcceptInvitation(storetest.As(existing), code1); err != nil {
			t.Fatal(err)
		}
		if roles, _ := st.RolesIn(ctx, a.ID, existing.ID); len(roles) != 1 || roles[0] != auth.Reporter {
			t.Errorf("roles after accepting = %v", roles)
		}
		if _, err := st.AcceptInvitation(storetest.As(existing), code1); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("accepting twice: %v, want NotFound", err)
		}
		// A new person creates an account.
		u, _, err := st.AcceptInvitationNew(ctx, code2, "New Person", "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := st.Authenticate(ctx, "new@a.test", "a long enough password", "192.0.2.1"); err != nil || got.ID != u.ID {
			t.Errorf("new person signs in: %v", err)
		}
		// Withdrawn and expired invitations do not work; unknown codes neither.
		_, code3, _ := st.Invite(asAdmin, a.ID, "later@a.test", "Later", []auth.Role{auth.Reporter})
		inv4, code4, _ := st.Invite(asAdmin, a.ID, "withdrawn@a.test", "Withdrawn", []auth.Role{auth.Reporter})
		if err := st.RevokeInvitation(storetest.As(mustUser(t, st, b, "adminb@b.test", auth.Admin)), b.ID, inv4.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("revoking from another organisation: %v, want NotFound", err)
		}
		if err := st.RevokeInvitation(asAdmin, a.ID, inv4.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.InvitationByCode(ctx, code4); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("withdrawn: %v, want NotFound", err)
		}
		st.SetClock(func() time.Time { return storetest.FixedTime.Add(store.InvitationTTL + time.Minute) })
		if _, err := st.InvitationByCode(ctx, code3); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("expired: %v, want NotFound", err)
		}
		for _, c := range []string{"", "csi_nonsense", "x\x00y"} {
			if _, err := st.InvitationByCode(ctx, c); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("code %q: %v, want NotFound", c, err)
			}
		}
		invs, err := st.ListInvitations(ctx, a.ID)
		if err != nil || len(invs) != 4 {
			t.Fatalf("ListInvitations = %d, %v", len(invs), err)
		}
		if bs, _ := st.ListInvitations(ctx, b.ID); len(bs) != 0 {
			t.Errorf("B sees %d of A's invitations", len(bs))
		}
		assertContentAudited(t, st)
	})
}

// A token acts only as the person who creates it, with at most their roles.
func TestTokensActAsTheirCreator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a := mustOrg(t, st, "RAA")
		admin := mustUser(t, st, a, "admin@a.test", auth.Admin, auth.Handler)
		cso := mustUser(t, st, a, "cso@a.test", auth.CSO)
		if _, _, err := st.CreateToken(storetest.As(admin), a.ID, cso.ID, "as the CSO", nil, nil); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("token acting as someone else: %v, want Forbidden", err)
		}
		if _, _, err := st.CreateToken(storetest.As(admin), a.ID, admin.ID, "more roles", []auth.Role{auth.CSO}, nil); apperr.FieldsOf(err)["roles"] == "" {
			t.Errorf("token with a role its creator lacks: %v, want a roles error", err)
		}
		_, secret, err := st.CreateToken(storetest.As(admin), a.ID, admin.ID, "handler only", []auth.Role{auth.Handler}, nil)
		if err != nil {
			t.Fatal(err)
		}
		p, err := st.TokenPrincipal(ctx, secret)
		if err != nil || len(p.Roles) != 1 || p.Roles[0] != auth.Handler {
			t.Fatalf("narrowed token roles = %v, %v; want [handler]", p.Roles, err)
		}
		// If the creator loses the role, so does the token.
		if err := st.SetRoles(ctx, a.ID, admin.ID, []auth.Role{auth.Admin}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.TokenPrincipal(ctx, secret); !apperr.Is(err, apperr.Unauthenticated) {
			t.Errorf("token after its only role went: %v, want Unauthenticated", err)
		}
	})
}

// Approving and issuing is an electronic signature: the signer's password,
// never a token, and a record of who, when and what.
func TestSignatures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		a := mustOrg(t, st, "RAA")
		cso := mustUser(t, st, a, "cso@a.test", auth.CSO)
		other := mustUser(t, st, a, "cso2@a.test", auth.CSO)
		sys, err := riskdb.New(st).CreateSystem(ctx, a.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing", Standard: risk.DCB0129})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := riskdb.New(st).CreateHazard(ctx, a.ID, sys.ID, storetest.SampleHazard("Wrong dose")); err != nil {
			t.Fatal(err)
		}
		if _, err := st.VerifySigner(storetest.As(cso), "wrong password"); apperr.FieldsOf(err)["password"] == "" {
			t.Errorf("wrong password: %v, want a password field error", err)
		}
		viaToken := audit.WithActor(ctx, audit.Actor{UserID: cso.ID, Name: cso.Name, ViaToken: true})
		if _, err := st.VerifySigner(viaToken, pw); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("signing with a token: %v, want Forbidden", err)
		}
		if _, err := riskdb.New(st).IssueLog(storetest.As(cso), a, sys.ID, "", store.Signer{}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("issuing without a signature: %v, want Forbidden", err)
		}
		if _, err := riskdb.New(st).IssueLog(storetest.As(cso), a, sys.ID, "", storetest.Signer(t, st, other)); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("issuing with another person's signature: %v, want Forbidden", err)
		}
		stale := storetest.Signer(t, st, cso)
		st.SetClock(func() time.Time { return storetest.FixedTime.Add(5 * time.Minute) })
		if _, err := riskdb.New(st).IssueLog(storetest.As(cso), a, sys.ID, "", stale); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("issuing with a stale signature: %v, want Forbidden", err)
		}
		var n int
		if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM hazard_log_issues`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("refused issues wrote %d versions (%v)", n, err)
		}
		li, err := riskdb.New(st).IssueLog(storetest.As(cso), a, sys.ID, "Go-live", storetest.Signer(t, st, cso))
		if err != nil {
			t.Fatal(err)
		}
		got, err := riskdb.New(st).LogIssue(ctx, a.ID, li.ID)
		if err != nil {
			t.Fatal(err)
		}
		sig := got.Signature
		if sig.SignerID != cso.ID || sig.ContentHash != li.ContentHash || sig.Method != store.SignMethodPassword || sig.Subject != "hazard_log_issue" || sig.SignedAt.IsZero() {
			t.Errorf("signature = %+v, want %s signing %s", sig, cso.ID, li.ContentHash)
		}
		written := map[string]string{}
		for _, k := range risk.SectionKeys() {
			written[k] = "Written for " + k + "."
		}
		if _, err := riskdb.New(st).SaveCSCRDraft(ctx, a.ID, sys.ID, riskdb.CSCRDraft{DocumentVersion: "1.0", Author: "A N Author", CSORegistration: "GMC 1234567", Narratives: written}); err != nil {
			t.Fatal(err)
		}
		ci, err := riskdb.New(st).IssueCSCR(storetest.As(cso), a, sys.ID, storetest.Signer(t, st, cso))
		if err != nil {
			t.Fatal(err)
		}
		gotc, err := riskdb.New(st).CSCRIssue(ctx, a.ID, ci.ID)
		if err != nil || gotc.Signature.SignerID != cso.ID || len(gotc.Signature.ContentHash) != 64 {
			t.Errorf("report signature = %+v, %v", gotc.Signature, err)
		}
		assertContentAudited(t, st)
		// A signature removed behind the store's back is found.
		if _, err := st.SQL().Exec(`DELETE FROM signatures WHERE id = $1`, sig.ID); err != nil {
			t.Fatal(err)
		}
		if fs, _, err := st.VerifyContent(ctx); err != nil || len(fs) != 1 || fs[0].Entity != "system" {
			t.Errorf("deleted signature: findings %+v, %v; want the system named", fs, err)
		}
	})
}

// assertContentAudited fails when any live row differs from its last
// audited content (every change went through the store).
func assertContentAudited(t *testing.T, st *store.DB) {
	t.Helper()
	fs, _, err := st.VerifyContent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		t.Errorf("content not audited: %+v", f)
	}
}
