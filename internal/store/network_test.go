package store_test

import (
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

func TestNetworks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a, b := storetest.Org(t, st, "RN1"), storetest.Org(t, st, "RN2")
		admin := storetest.User(t, st, a, "admin@a.test", auth.Admin)
		analyst := storetest.User(t, st, b, "analyst@b.test", auth.Analyst)
		platform, err := st.CreateUser(storetest.Operator, store.NewUser{Email: "ops@x.test", Name: "Ops", Password: storetest.Password, OrgID: a.ID, Roles: []auth.Role{auth.Reporter}, PlatformAdmin: true})
		if err != nil {
			t.Fatal(err)
		}

		// An organisation's administrator is not an instance administrator.
		if _, err := st.CreateNetwork(storetest.As(admin), store.Network{Name: "North ICS", Kind: "ics"}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("CreateNetwork by an organisation's admin: %v, want Forbidden", err)
		}
		if _, err := st.CreateNetwork(storetest.As(platform), store.Network{Name: " ", Kind: "planet"}); apperr.FieldsOf(err)["name"] == "" || apperr.FieldsOf(err)["kind"] == "" {
			t.Errorf("CreateNetwork with no name and an unknown kind: %v, want messages for name and kind", err)
		}
		n, err := st.CreateNetwork(storetest.As(platform), store.Network{Name: "North ICS", Kind: "ics"})
		if err != nil {
			t.Fatalf("CreateNetwork: %v", err)
		}
		if _, err := st.CreateNetwork(storetest.As(platform), store.Network{Name: "north ics", Kind: "region"}); apperr.FieldsOf(err)["name"] == "" {
			t.Errorf("a second network of the same name: %v, want a name message", err)
		}

		ctx := storetest.As(platform)
		for _, o := range []store.Org{a, b} {
			if err := st.SetNetworkMember(ctx, o.ID, n.ID, true); err != nil {
				t.Fatalf("SetNetworkMember(%s): %v", o.ODSCode, err)
			}
		}
		if err := st.SetNetworkMember(ctx, a.ID, n.ID, true); err != nil { // again: no change, no error
			t.Errorf("adding a member twice: %v", err)
		}
		if err := st.SetNetworkMember(ctx, "no-such-org", n.ID, true); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("adding an organisation that does not exist: %v, want NotFound", err)
		}
		if err := st.SetNetworkMember(ctx, a.ID, "no-such-network", true); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("adding to a network that does not exist: %v, want NotFound", err)
		}
		if err := st.SetNetworkAnalyst(storetest.As(admin), n.ID, analyst.ID, true); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("SetNetworkAnalyst by an organisation's admin: %v, want Forbidden", err)
		}
		if err := st.SetNetworkAnalyst(ctx, n.ID, analyst.ID, true); err != nil {
			t.Fatalf("SetNetworkAnalyst: %v", err)
		}

		members, err := st.NetworkMembers(ctx, n.ID)
		if err != nil || len(members) != 2 || members[0].ID != a.ID || members[1].ID != b.ID {
			t.Errorf("NetworkMembers = %v, %v, want RN1 and RN2", members, err)
		}
		if ns, err := st.NetworksOfOrg(ctx, b.ID); err != nil || len(ns) != 1 || ns[0].ID != n.ID {
			t.Errorf("NetworksOfOrg(RN2) = %v, %v, want North ICS", ns, err)
		}
		if ns, err := st.AnalystNetworks(ctx, analyst.ID); err != nil || len(ns) != 1 || ns[0].Name != "North ICS" {
			t.Errorf("AnalystNetworks = %v, %v, want North ICS", ns, err)
		}
		if ok, err := st.IsNetworkAnalyst(ctx, n.ID, admin.ID); ok || err != nil {
			t.Errorf("IsNetworkAnalyst(admin) = %v, %v, want false", ok, err)
		}
		if us, err := st.NetworkAnalysts(ctx, n.ID); err != nil || len(us) != 1 || us[0].ID != analyst.ID {
			t.Errorf("NetworkAnalysts = %v, %v", us, err)
		}

		if err := st.SetNetworkMember(ctx, a.ID, n.ID, false); err != nil {
			t.Fatalf("removing a member: %v", err)
		}
		if ns, err := st.NetworksOfOrg(ctx, a.ID); err != nil || len(ns) != 0 {
			t.Errorf("NetworksOfOrg(RN1) after removal = %v, %v, want none", ns, err)
		}
		if err := st.SetNetworkAnalyst(ctx, n.ID, analyst.ID, false); err != nil {
			t.Fatal(err)
		}
		if ok, _ := st.IsNetworkAnalyst(ctx, n.ID, analyst.ID); ok {
			t.Errorf("still an analyst after removal")
		}
		if got, _ := st.Network(ctx, n.ID); got.Name != "North ICS" {
			t.Errorf("Network = %+v", got)
		}
		if _, err := st.Network(ctx, "nope"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("Network(unknown): %v, want NotFound", err)
		}
		// Every change was audited with its content: the deep check finds nothing.
		if f := storetest.Findings(t, st); len(f) != 0 {
			t.Errorf("audit findings: %v", f)
		}
	})
}

func TestQualify(t *testing.T) {
	for _, c := range []struct{ cols, want string }{
		{"id, org_id, name", "e.id, e.org_id, e.name"},
		{"id, COALESCE(ref, ''), status", "e.id, COALESCE(e.ref, ''), e.status"},
		{"id", "e.id"},
	} {
		if got := store.Qualify("e.", c.cols); got != c.want {
			t.Errorf("Qualify(e., %q) = %q, want %q", c.cols, got, c.want)
		}
	}
}
