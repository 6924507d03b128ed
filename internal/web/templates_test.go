package web

import (
	"io"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
)

// pageSamples gives every page template the typed data its handler passes.
// A page with no sample fails the test, so a new page cannot be missed.
func pageSamples(b Base) map[string]any {
	return map[string]any{
		"account":               AccountPage{Base: b},
		"admin":                 AdminHome{Base: b},
		"audit":                 AuditPage{Base: b},
		"devices_catalogue":     DevicesCataloguePage{Base: b},
		"devices_device":        DevicesDevicePage{Base: b},
		"devices_home":          DevicesHome{Base: b},
		"devices_patient":       DevicesPatientPage{Base: b},
		"devices_procedure":     DevicesProcedurePage{Base: b},
		"devices_procedure_new": DevicesNewProcedurePage{Base: b},
		"devices_procedures":    DevicesProceduresPage{Base: b},
		"devices_recall":        DevicesRecallPage{Base: b},
		"devices_recall_new":    DevicesNewRecallPage{Base: b},
		"devices_recalls":       DevicesRecallsPage{Base: b},
		"error":                 ErrorPage{Base: b},
		"home":                  HomePage{Base: b, Pillars: pillarCards},
		"invite":                InvitePage{Base: b},
		"login":                 LoginPage{Base: b},
		"orgs":                  OrgsPage{Base: b},
		"pillar":                PillarPage{Base: b},
		"risk_compliance":       CompliancePage{Base: b},
		"risk_cscr":             CSCRPage{Base: b},
		"risk_cscr_issue":       CSCRIssuePage{Base: b},
		"risk_diff":             DiffPage{Base: b},
		"risk_hazard":           HazardPage{Base: b},
		"risk_hazard_form":      HazardForm{Base: b},
		"risk_history":          HistoryPage{Base: b},
		"risk_home":             RiskHome{Base: b},
		"risk_import":           ImportPage{Base: b},
		"risk_issue":            IssuePage{Base: b},
		"risk_plan":             PlanPage{Base: b},
		"risk_system":           SystemPage{Base: b},
		"risk_system_form":      SystemForm{Base: b},
		"risk_transferred":      TransferredPage{Base: b},
		"tokens":                TokensPage{Base: b},
		"user":                  UserPage{Base: b},
		"user_invited":          InvitedPage{Base: b},
		"user_new":              NewUserPage{Base: b},
		"users":                 UsersPage{Base: b},
	}
}

// TestEveryPageTemplateExecutes runs every page template with its typed
// data, signed in and signed out, so that a template error fails the build
// instead of a person's request.
func TestEveryPageTemplateExecutes(t *testing.T) {
	p, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	signedIn := Base{Title: "T", Path: "/", P: &store.Principal{User: store.User{ID: "u", Name: "Sam", Email: "sam@example.com"},
		Org: store.Org{ID: "o", Name: "Org", ODSCode: "X1"}, Roles: auth.AllRoles}, Orgs: []store.Org{{ID: "o", Name: "Org"}, {ID: "o2", Name: "Other"}}}
	for name, set := range p.sets {
		for _, b := range []Base{signedIn, {Title: "T", Path: "/"}} {
			data, ok := pageSamples(b)[name]
			if !ok {
				t.Fatalf("page %q has no sample data in pageSamples", name)
			}
			if b.P == nil && !strings.HasPrefix(name, "login") && name != "error" && name != "invite" {
				continue // pages behind sign-in are only drawn for someone signed in
			}
			if err := set.ExecuteTemplate(io.Discard, "layout", data); err != nil {
				t.Errorf("page %s (signed in: %v): %v", name, b.P != nil, err)
			}
		}
	}
	if len(p.sets) != len(pageSamples(Base{})) {
		t.Errorf("%d pages, %d samples: remove samples of pages that are gone", len(p.sets), len(pageSamples(Base{})))
	}
}
