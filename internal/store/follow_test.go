package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// A follower runs in the transaction of each audited change of the entity
// it follows: what it writes commits with the change, and its failure
// undoes the change and its audit entry.
func TestFollowersRunInTheChangesTransaction(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, dsn := storetest.Open(t, engine)
			var seen []string
			fail := false
			follower := store.Entity{
				Name:    "org_follower",
				Follows: []string{"organisation"},
				Derived: []string{"org_follow_log"},
				OnChange: func(ctx context.Context, tx *store.Tx, c store.Change) error {
					if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS org_follow_log (entity_id TEXT, action TEXT)`); err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, `INSERT INTO org_follow_log (entity_id, action) VALUES ($1, $2)`, c.EntityID, c.Action); err != nil {
						return err
					}
					seen = append(seen, c.Action)
					if fail {
						return errors.New("follower refuses")
					}
					return nil
				},
			}
			st, err := store.Open(ctx, dsn, append(storetest.Content(), follower)...)
			if err != nil {
				t.Fatalf("Open with a follower: %v", err)
			}
			defer st.Close()

			o, err := st.CreateOrg(ctx, store.Org{ODSCode: "RF1", Name: "Followed Trust", Kind: "trust"})
			if err != nil {
				t.Fatalf("CreateOrg: %v", err)
			}
			if want := []string{"org.create"}; !slices.Equal(seen, want) {
				t.Errorf("follower saw %v, want %v", seen, want)
			}
			var n int
			if err := st.SQL().QueryRowContext(ctx, `SELECT count(*) FROM org_follow_log WHERE entity_id = $1`, string(o.ID)).Scan(&n); err != nil || n != 1 {
				t.Errorf("follower's row for the new organisation: %d (%v), want 1", n, err)
			}

			fail = true
			_, err = st.CreateOrg(ctx, store.Org{ODSCode: "RF2", Name: "Refused Trust", Kind: "trust"})
			if err == nil || !strings.Contains(err.Error(), "follower refuses") || !strings.Contains(err.Error(), "org_follower") {
				t.Fatalf("CreateOrg with a failing follower: %v, want the follower's error naming it", err)
			}
			if _, err := st.OrgByODS(ctx, "RF2"); err == nil {
				t.Errorf("the organisation whose follower failed was stored")
			}
			if err := st.SQL().QueryRowContext(ctx, `SELECT count(*) FROM org_follow_log`).Scan(&n); err != nil || n != 1 {
				t.Errorf("follower rows after the failed change: %d (%v), want 1 (its write rolled back)", n, err)
			}
			if got := st.ContentTables(); !got["org_follow_log"] {
				t.Errorf("ContentTables does not list the follower's derived table")
			}
		})
	}
}

func TestOpenChecksFollowers(t *testing.T) {
	_, dsn := storetest.Open(t, "sqlite")
	on := func(context.Context, *store.Tx, store.Change) error { return nil }
	for _, c := range []struct {
		what string
		e    store.Entity
		want string
	}{
		{"a follower without OnChange", store.Entity{Name: "f", Follows: []string{"user"}}, `follows [user] but has no OnChange`},
		{"an OnChange without Follows", store.Entity{Name: "f", Parts: []store.Part{{Table: "fs", Key: []string{"id"}}}, OnChange: on}, `has an OnChange but follows nothing`},
		{"a follower of nothing listed", store.Entity{Name: "f", Follows: []string{"widget"}, OnChange: on}, `follows "widget", which is not listed`},
		{"a follower of itself", store.Entity{Name: "f", Follows: []string{"f"}, OnChange: on}, `follows itself`},
		{"a derived table that is audited", store.Entity{Name: "f", Follows: []string{"user"}, OnChange: on, Derived: []string{"users"}}, `is already listed`},
		{"a derived table that is not plain", store.Entity{Name: "f", Follows: []string{"user"}, OnChange: on, Derived: []string{"x;y"}}, `not a plain name`},
	} {
		st, err := store.Open(ctx, dsn, append(storetest.Content(), c.e)...)
		if err == nil {
			st.Close()
			t.Errorf("Open with %s: no error, want %q", c.what, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open with %s: %v, want %q", c.what, err, c.want)
		}
	}
}
