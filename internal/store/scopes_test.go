package store_test

import (
	"slices"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// A token has FHIR API scopes only when granted them: none by default,
// those given (checked, sorted, once each) otherwise, on its principal.
func TestTokenScopes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a := mustOrg(t, st, "RS1")
		u := mustUser(t, st, a, "scopes@example.com", auth.Admin)
		_, plain, err := st.CreateToken(ctx, a.ID, u.ID, "No scopes", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := st.TokenPrincipal(ctx, plain); err != nil || len(p.Scopes) != 0 {
			t.Fatalf("plain token: scopes %v, %v; want none", p.Scopes, err)
		}
		tok, secret, err := st.CreateScopedToken(ctx, a.ID, u.ID, "FHIR", nil, []string{"Device.read", "AdverseEvent.write", "AdverseEvent.read", "Device.read"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"AdverseEvent.read", "AdverseEvent.write", "Device.read"}
		if !slices.Equal(tok.Scopes, want) {
			t.Errorf("created scopes %v, want %v", tok.Scopes, want)
		}
		p, err := st.TokenPrincipal(ctx, secret)
		if err != nil || !slices.Equal(p.Scopes, want) {
			t.Fatalf("principal scopes %v, %v; want %v", p.Scopes, err, want)
		}
		if !store.HasScope(p.Scopes, "Device", "read") || store.HasScope(p.Scopes, "Device", "write") || store.HasScope(p.Scopes, "Patient", "read") {
			t.Errorf("HasScope wrong for %v", p.Scopes)
		}
		if !store.HasScope([]string{"*.read"}, "Patient", "read") || store.HasScope([]string{"*.read"}, "Patient", "write") {
			t.Errorf("*.read must grant every read and no write")
		}
		list, err := st.ListTokens(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range list {
			if l.ID == tok.ID && !slices.Equal(l.Scopes, want) {
				t.Errorf("listed scopes %v, want %v", l.Scopes, want)
			}
		}
		for _, bad := range []string{"AdverseEvent.delete", "adverseevent.read", "*.*", "read"} {
			if _, _, err := st.CreateScopedToken(ctx, a.ID, u.ID, "Bad", nil, []string{bad}, nil); !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)["scopes"] == "" {
				t.Errorf("scope %q: %v, want Invalid on scopes", bad, err)
			}
		}
	})
}
