package web

import (
	"net/http"

	"github.com/clinsafe/clinsafe/internal/auth"
)

// Route is one entry of the declared route table: every route of clinsafe
// is listed here with the roles allowed to use it. The route × role test
// walks this table.
type Route struct {
	Method, Path string
	// Roles allowed; empty means any signed-in user. Ignored when Public.
	Roles []auth.Role
	// PlatformAdmin also admits instance administrators without the roles.
	PlatformAdmin bool
	// PlatformOnly admits only instance administrators, whatever their roles.
	PlatformOnly bool
	Public       bool
	API          bool
	Upload       bool // an import: the larger body limit and one of maxImports slots
	Handle       func(http.ResponseWriter, *http.Request) error
	// Fail, when set, writes (and logs, when internal) the route's errors, the guard's own
	// (authentication, roles, path values) included, in place of the
	// JSON error shape: the FHIR API answers with an OperationOutcome.
	Fail func(w http.ResponseWriter, r *http.Request, status int, err error)
}

// Anyone, as a route's Roles, admits any signed-in user.
var Anyone []auth.Role

// Roles lists the roles a route admits.
func Roles(rs ...auth.Role) []auth.Role { return rs }

// routes returns the route table. Modules add their routes here.
func (s *Server) routes() []Route {
	admin := Roles(auth.Admin)
	rs := []Route{
		// Health and readiness for load balancers and orchestration.
		{Method: "GET", Path: "/healthz", Public: true, Handle: s.healthz},
		{Method: "GET", Path: "/readyz", Public: true, Handle: s.readyz},
		{Method: "GET", Path: "/status", Public: true, Handle: s.statusPage},

		// Signing in and out, and the organisation switcher.
		{Method: "GET", Path: "/login", Public: true, Handle: s.loginPage},
		{Method: "POST", Path: "/login", Public: true, Handle: s.login},
		{Method: "POST", Path: "/logout", Roles: Anyone, Handle: s.logout},
		{Method: "POST", Path: "/org", Roles: Anyone, Handle: s.switchOrg},
		{Method: "GET", Path: "/account", Roles: Anyone, Handle: s.accountPage},
		{Method: "POST", Path: "/account/password", Roles: Anyone, Handle: s.changePassword},

		// Invitations to join an organisation: the invitee's side.
		{Method: "GET", Path: "/invite", Public: true, Handle: s.inviteGet},
		{Method: "POST", Path: "/invite", Public: true, Handle: s.inviteCreateAccount},
		{Method: "POST", Path: "/invite/accept", Roles: Anyone, Handle: s.inviteAccept},

		// Home and the pillars.
		{Method: "GET", Path: "/{$}", Roles: Anyone, Handle: s.home},

		// Administration of the current organisation.
		{Method: "GET", Path: "/admin", Roles: admin, Handle: s.adminHome},
		{Method: "GET", Path: "/admin/users", Roles: admin, Handle: s.adminUsers},
		{Method: "GET", Path: "/admin/users/new", Roles: admin, Handle: s.adminNewUserPage},
		{Method: "POST", Path: "/admin/users", Roles: admin, Handle: s.adminCreateUser},
		{Method: "GET", Path: "/admin/users/{id}", Roles: admin, Handle: s.adminUserPage},
		{Method: "POST", Path: "/admin/users/{id}", Roles: admin, Handle: s.adminUpdateUser},
		{Method: "POST", Path: "/admin/users/{id}/roles", Roles: admin, Handle: s.adminSetRoles},
		{Method: "POST", Path: "/admin/users/{id}/password", Roles: admin, Handle: s.adminSetPassword},
		{Method: "POST", Path: "/admin/users/{id}/disable", Roles: admin, Handle: s.adminDisable},
		{Method: "POST", Path: "/admin/users/{id}/remove", Roles: admin, Handle: s.adminRemoveMember},
		{Method: "POST", Path: "/admin/invitations/{id}/revoke", Roles: admin, Handle: s.adminRevokeInvitation},
		{Method: "GET", Path: "/admin/orgs", Roles: admin, PlatformAdmin: true, Handle: s.adminOrgs},
		{Method: "POST", Path: "/admin/orgs", PlatformOnly: true, Handle: s.adminCreateOrg},
		{Method: "POST", Path: "/admin/orgs/current", Roles: admin, Handle: s.adminUpdateOrg},
		{Method: "GET", Path: "/admin/networks", PlatformOnly: true, Handle: s.adminNetworks},
		{Method: "POST", Path: "/admin/networks", PlatformOnly: true, Handle: s.adminCreateNetwork},
		{Method: "GET", Path: "/admin/networks/{id}", PlatformOnly: true, Handle: s.adminNetwork},
		{Method: "POST", Path: "/admin/networks/{id}/members", PlatformOnly: true, Handle: s.adminNetworkMember},
		{Method: "POST", Path: "/admin/networks/{id}/analysts", PlatformOnly: true, Handle: s.adminNetworkAnalyst},
		{Method: "GET", Path: "/admin/tokens", Roles: admin, Handle: s.adminTokens},
		{Method: "POST", Path: "/admin/tokens", Roles: admin, Handle: s.adminCreateToken},
		{Method: "POST", Path: "/admin/tokens/{id}/revoke", Roles: admin, Handle: s.adminRevokeToken},
		{Method: "GET", Path: "/admin/audit", Roles: admin, Handle: s.adminAudit},
		{Method: "GET", Path: "/admin/mail", Roles: admin, Handle: s.adminMail},
		{Method: "POST", Path: "/admin/mail/{id}/retry", Roles: admin, Handle: s.adminMailRetry},

		// JSON API.
		{Method: "GET", Path: "/api/v1/me", Roles: Anyone, API: true, Handle: s.apiMe},
		{Method: "GET", Path: "/api/v1/orgs", Roles: Anyone, API: true, Handle: s.apiOrgs},
		{Method: "GET", Path: "/api/v1/users", Roles: admin, API: true, Handle: s.apiUsers},
		{Method: "POST", Path: "/api/v1/users", Roles: admin, API: true, Handle: s.apiCreateUser},
		{Method: "GET", Path: "/api/v1/users/{id}", Roles: admin, API: true, Handle: s.apiUser},
		{Method: "PUT", Path: "/api/v1/users/{id}/roles", Roles: admin, API: true, Handle: s.apiSetRoles},
		{Method: "GET", Path: "/api/v1/invitations", Roles: admin, API: true, Handle: s.apiInvitations},
		{Method: "DELETE", Path: "/api/v1/invitations/{id}", Roles: admin, API: true, Handle: s.apiRevokeInvitation},
		{Method: "GET", Path: "/api/v1/tokens", Roles: admin, API: true, Handle: s.apiTokens},
		{Method: "POST", Path: "/api/v1/tokens", Roles: admin, API: true, Handle: s.apiCreateToken},
		{Method: "DELETE", Path: "/api/v1/tokens/{id}", Roles: admin, API: true, Handle: s.apiRevokeToken},
		{Method: "GET", Path: "/api/v1/audit", Roles: admin, API: true, Handle: s.apiAudit},
	}
	// Pillars not built yet have a page that says so.
	for _, p := range s.pillars() {
		if !p.Ready {
			rs = append(rs, Route{Method: "GET", Path: p.Href, Roles: Anyone, Handle: s.pillar(p)})
		}
	}
	// Each wing declares its own routes.
	for _, m := range s.modules {
		rs = append(rs, m.Routes()...)
	}
	return rs
}

// RouteInfo describes a route for tests and documentation.
type RouteInfo struct {
	Method, Path  string
	Roles         []auth.Role // empty: any signed-in user
	PlatformAdmin bool
	PlatformOnly  bool
	Public, API   bool
}

// Routes lists the route table.
func (s *Server) Routes() []RouteInfo {
	var out []RouteInfo
	for _, r := range s.routes() {
		out = append(out, RouteInfo{Method: r.Method, Path: r.Path, Roles: r.Roles, PlatformAdmin: r.PlatformAdmin,
			PlatformOnly: r.PlatformOnly, Public: r.Public, API: r.API})
	}
	return out
}

// Allows reports whether a signed-in user with roles (and the platform
// administrator flag) may use the route.
func (ri RouteInfo) Allows(held []auth.Role, platformAdmin bool) bool {
	if ri.Public {
		return true
	}
	if ri.PlatformOnly {
		return platformAdmin
	}
	return auth.HasAny(held, ri.Roles...) || (ri.PlatformAdmin && platformAdmin)
}
