package web_test

import (
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/mail"
	"github.com/clinsafe/clinsafe/internal/store"

	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestEveryPageTemplateExecutes runs every page of the kernel with the typed
// data its handler passes.
func TestEveryPageTemplateExecutes(t *testing.T) {
	samples := func(b web.Base) map[string]any {
		return map[string]any{
			"account":      web.AccountPage{Base: b},
			"admin":        web.AdminHome{Base: b},
			"admin_mail":   mailSample(b),
			"audit":        web.AuditPage{Base: b},
			"error":        web.ErrorPage{Base: b},
			"home":         web.HomePage{Base: b},
			"invite":       web.InvitePage{Base: b},
			"login":        web.LoginPage{Base: b},
			"orgs":         web.OrgsPage{Base: b},
			"networks":     web.NetworksPage{Base: b, Networks: []store.Network{{ID: "n", Name: "North ICS"}}},
			"network":      web.NetworkPage{Base: b, Members: []store.Org{{ID: "o", Name: "Org"}}, Analysts: []store.User{{ID: "u", Name: "Kim"}}},
			"pillar":       web.PillarPage{Base: b},
			"status":       web.StatusPage{Base: b},
			"tokens":       web.TokensPage{Base: b},
			"user":         web.UserPage{Base: b},
			"user_invited": web.InvitedPage{Base: b},
			"user_new":     web.NewUserPage{Base: b},
			"users":        web.UsersPage{Base: b},
		}
	}
	webtest.EveryPage(t, "", samples, "login", "error", "invite", "status")
	// With a field in error, each page shows the layout's error summary
	// and none of its own.
	webtest.OneErrorSummary(t, "", samples)
}

// mailSample is the outbox page with a failed and a waiting message.
func mailSample(b web.Base) web.MailPage {
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	item := func(st mail.Status, attempts int, last string) mail.Item {
		return mail.Item{ID: "m1", Kind: "events.feedback", Recipient: "j***@nhs.net", Subject: "Your report was reviewed", Status: st,
			Attempts: attempts, NextAttemptAt: at.Add(time.Hour), LastError: last, CreatedAt: at}
	}
	return web.MailPage{Base: b, Stats: mail.Stats{Pending: 1, Failed: 1, Sent: 3, OldestPending: 2 * time.Hour}, OldestPending: "2 hours",
		Failed:  []mail.Item{item(mail.Failed, 12, "The mail server refused the recipient (550 5.1.1)")},
		Pending: []mail.Item{item(mail.Pending, 2, "Could not reach the mail server at mail.example:587")}}
}
