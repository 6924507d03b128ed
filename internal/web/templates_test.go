package web_test

import (
	"testing"

	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestEveryPageTemplateExecutes runs every page of the kernel with the typed
// data its handler passes.
func TestEveryPageTemplateExecutes(t *testing.T) {
	webtest.EveryPage(t, "", func(b web.Base) map[string]any {
		return map[string]any{
			"account":      web.AccountPage{Base: b},
			"admin":        web.AdminHome{Base: b},
			"audit":        web.AuditPage{Base: b},
			"error":        web.ErrorPage{Base: b},
			"home":         web.HomePage{Base: b},
			"invite":       web.InvitePage{Base: b},
			"login":        web.LoginPage{Base: b},
			"orgs":         web.OrgsPage{Base: b},
			"pillar":       web.PillarPage{Base: b},
			"status":       web.StatusPage{Base: b},
			"tokens":       web.TokensPage{Base: b},
			"user":         web.UserPage{Base: b},
			"user_invited": web.InvitedPage{Base: b},
			"user_new":     web.NewUserPage{Base: b},
			"users":        web.UsersPage{Base: b},
		}
	}, "login", "error", "invite", "status")
}
