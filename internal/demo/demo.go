// Package demo loads realistic demonstration data: organisations, people in
// every role, and the data of each module, so that a new install can be
// explored at once. Everything it writes goes through the store, so it is
// validated and audited like any other change.
package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Options control what is loaded.
type Options struct {
	// Password for every demo user; random when empty.
	Password string
}

// Result says what was loaded.
type Result struct {
	Loaded     bool // false when the database already had organisations
	AdminEmail string
	Password   string
	Users      []User
	Orgs       []store.Org
}

// User is a demo user as loaded: who, where and in which roles (the
// supplier's people are in the supplier's organisation).
type User struct {
	Email, Name, Org string
	Roles            []auth.Role
}

// RoleWords says a demo user's roles in words, with the organisation.
func (u User) RoleWords() string {
	var ws []string
	for _, r := range u.Roles {
		ws = append(ws, r.Label())
	}
	return strings.Join(ws, ", ") + " (" + u.Org + ")"
}

// Person is a demo user.
type Person struct {
	Email, Name string
	Roles       []auth.Role
}

// TrustODS and SupplierODS are the demo organisations' codes.
const (
	TrustODS    = "DEMO1"
	SupplierODS = "DEMOS"
	AdminEmail  = "admin@demo.clinsafe.test"
)

// People are the demo users of the trust.
var People = []Person{
	{AdminEmail, "Alex Admin", []auth.Role{auth.Admin, auth.CSO, auth.Handler, auth.Reporter, auth.Devices, auth.Educator, auth.Analyst}},
	{"cso@demo.clinsafe.test", "Dr Sam Okafor", []auth.Role{auth.CSO, auth.Reporter}},
	{"handler@demo.clinsafe.test", "Priya Shah", []auth.Role{auth.Handler, auth.Reporter}},
	{"reporter@demo.clinsafe.test", "Jo Evans", []auth.Role{auth.Reporter}},
	{"theatre@demo.clinsafe.test", "Chris Lee", []auth.Role{auth.Devices, auth.Reporter}},
	{"educator@demo.clinsafe.test", "Morgan Reid", []auth.Role{auth.Educator, auth.Reporter}},
	{"analyst@demo.clinsafe.test", "Kim Novak", []auth.Role{auth.Analyst}},
}

// Loader adds one module's demo data for the trust. Modules register theirs
// in Loaders.
// password is every demo user's password (demo data that is signed, such as
// issued hazard logs, is signed with it as a person would).
type Loader func(ctx context.Context, st *store.DB, trust, supplier store.Org, people map[string]store.User, password string) error

// Loaders run in this order after the organisations and people exist.
// The list is explicit: no module registers itself.
var Loaders = []Loader{loadRisk, loadDevices, loadEvents, loadLearning, loadTriage, loadTraining, loadEvidence, loadKnowledge}

// Load fills an empty database with demo data. When the database already
// has an organisation it does nothing and returns Loaded=false.
func Load(ctx context.Context, st *store.DB, o Options) (Result, error) {
	ctx = audit.WithActor(ctx, audit.Actor{Name: "demo loader", Operator: true})
	orgs, err := st.ListOrgs(ctx)
	if err != nil {
		return Result{}, err
	}
	if len(orgs) > 0 {
		return Result{Orgs: orgs}, nil
	}
	pw := o.Password
	if pw == "" {
		pw = auth.NewSecret(12)
	}
	trust, err := st.CreateOrg(ctx, store.Org{ODSCode: TrustODS, Name: "Northfield Hospitals NHS Foundation Trust (demo)", Kind: "trust"})
	if err != nil {
		return Result{}, fmt.Errorf("demo: trust: %w", err)
	}
	supplier, err := st.CreateOrg(ctx, store.Org{ODSCode: SupplierODS, Name: "Meridian Clinical Software Ltd (demo)", Kind: "supplier"})
	if err != nil {
		return Result{}, fmt.Errorf("demo: supplier: %w", err)
	}
	res := Result{Loaded: true, AdminEmail: AdminEmail, Password: pw, Orgs: []store.Org{trust, supplier}}
	people := map[string]store.User{}
	for i, p := range People {
		u, err := st.CreateUser(ctx, store.NewUser{Email: p.Email, Name: p.Name, Password: pw, OrgID: trust.ID, Roles: p.Roles, PlatformAdmin: i == 0})
		if err != nil {
			return Result{}, fmt.Errorf("demo: user %s: %w", p.Email, err)
		}
		people[p.Email] = u
		res.Users = append(res.Users, User{Email: p.Email, Name: p.Name, Org: trust.Name, Roles: p.Roles})
	}
	// The admin and the CSO also work for the supplier, so the organisation
	// switcher has something to switch to.
	if err := st.AddMember(ctx, supplier.ID, people[AdminEmail].ID, []auth.Role{auth.Admin, auth.CSO}); err != nil {
		return Result{}, err
	}
	sup, err := st.CreateUser(ctx, store.NewUser{Email: "cso@meridian.clinsafe.test", Name: "Dr Ada Fields", Password: pw, OrgID: supplier.ID, Roles: []auth.Role{auth.CSO, auth.Admin}})
	if err != nil {
		return Result{}, fmt.Errorf("demo: supplier CSO: %w", err)
	}
	people[sup.Email] = sup
	res.Users = append(res.Users, User{Email: sup.Email, Name: sup.Name, Org: supplier.Name, Roles: []auth.Role{auth.CSO, auth.Admin}})
	for _, l := range Loaders {
		if err := l(ctx, st, trust, supplier, people, pw); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}
