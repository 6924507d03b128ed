package storetest

import (
	"context"
	"testing"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Password is the password of every person made by User.
const Password = "correct horse battery"

// Operator is a context acting as the instance operator, as the command
// line does.
var Operator = audit.WithActor(context.Background(), audit.Actor{Name: "test", Operator: true})

// As returns a context in which u is acting (signed in, not by token).
func As(u store.User) context.Context {
	return audit.WithActor(context.Background(), audit.Actor{UserID: u.ID, Name: u.Name})
}

// Org makes an organisation with the ODS code ods.
func Org(t testing.TB, st *store.DB, ods string) store.Org {
	t.Helper()
	o, err := st.CreateOrg(Operator, store.Org{ODSCode: ods, Name: "Org " + ods, Kind: "trust"})
	if err != nil {
		t.Fatalf("CreateOrg(%s): %v", ods, err)
	}
	return o
}

// User makes a person with roles in org, and Password as their password.
func User(t testing.TB, st *store.DB, org store.Org, email string, roles ...auth.Role) store.User {
	t.Helper()
	u, err := st.CreateUser(Operator, store.NewUser{Email: email, Name: "User " + email, Password: Password, OrgID: org.ID, Roles: roles})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

// Signer returns u's electronic signature made with their password, as the
// signing pages do.
func Signer(t testing.TB, st *store.DB, u store.User) store.Signer {
	t.Helper()
	sg, err := st.VerifySigner(As(u), Password)
	if err != nil {
		t.Fatalf("VerifySigner(%s): %v", u.Email, err)
	}
	return sg
}

// AuditCount is the number of entries in the audit trail.
func AuditCount(t testing.TB, st *store.DB) int {
	t.Helper()
	var n int
	if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
