package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// Open checks the wings' content registry: its table and column names are
// put into SQL, and an entity or table listed twice would be hashed twice.
func TestOpenChecksTheContentRegistry(t *testing.T) {
	one := func(table string, key ...string) []store.Part { return []store.Part{{Table: table, Key: key}} }
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, dsn := storetest.Open(t, engine)
			for _, c := range []struct {
				what    string
				content []store.Entity
				want    string
			}{
				{"a kernel entity again", []store.Entity{{Name: "user", Parts: one("widgets", "id")}}, `entity "user" is listed twice`},
				{"an entity twice", []store.Entity{{Name: "widget", Parts: one("widgets", "id")}, {Name: "widget", Parts: one("gadgets", "id")}}, `entity "widget" is listed twice`},
				{"a kernel table again", []store.Entity{{Name: "widget", Parts: one("users", "id")}}, `table "users" is in entities "user" and "widget"`},
				{"an unaudited table", []store.Entity{{Name: "widget", Parts: one("sessions", "id")}}, `table "sessions" is unaudited`},
				{"no name", []store.Entity{{Parts: one("widgets", "id")}}, "an entity has no name"},
				{"no parts", []store.Entity{{Name: "widget"}}, `entity "widget" has no tables`},
				{"SQL in a table name", []store.Entity{{Name: "widget", Parts: one("widgets; DROP TABLE users", "id")}}, `entity "widget": table "widgets; DROP TABLE users" is not a plain name`},
				{"SQL in a key", []store.Entity{{Name: "widget", Parts: one("widgets", "id = id OR 1")}}, `is not a plain name`},
				{"SQL in an exclusion", []store.Entity{{Name: "widget", Parts: []store.Part{{Table: "widgets", Key: []string{"id"}, Exclude: []string{"x--"}}}}}, `is not a plain name`},
				// The row hasher compares lower-case column names: another
				// spelling would never be left out.
				{"a column to omit when empty not spelt plain", []store.Entity{{Name: "widget", Parts: []store.Part{{Table: "widgets", Key: []string{"id"}, OmitEmpty: []string{"Closed_At"}}}}}, `column "Closed_At" is not a plain name`},
				{"a two-column key", []store.Entity{{Name: "widget", Parts: one("widgets", "org_id", "id")}}, `entity "widget": table "widgets" needs a key of 1 column`},
				{"an org-scoped one-column key", []store.Entity{{Name: "widget", OrgScoped: true, Parts: one("widgets", "id")}}, `entity "widget": table "widgets" needs a key of org_id and 1 column`},
				{"an org-scoped key not led by org_id", []store.Entity{{Name: "widget", OrgScoped: true, Parts: one("widgets", "id", "org_id")}}, `needs a key of org_id and 1 column`},
				{"a bulk entity of two tables", []store.Entity{{Name: "widget", Bulk: true, Parts: append(one("widgets", "id"), one("widget_parts", "widget_id")...)}}, `entity "widget" is written in bulk, so it can have only one table`},
			} {
				st, err := store.Open(ctx, dsn, c.content...)
				if err == nil {
					st.Close()
					t.Errorf("Open with %s: no error, want %q", c.what, c.want)
					continue
				}
				if !strings.Contains(err.Error(), c.want) {
					t.Errorf("Open with %s: %v, want %q", c.what, err, c.want)
				}
			}
			st, err := store.Open(ctx, dsn, storetest.Content()...)
			if err != nil {
				t.Fatalf("Open with every wing's content: %v", err)
			}
			st.Close()
		})
	}
}

// Signing in changes none of the user's content, so its entry records none
// (the kernel lists session actions as NoContent): a direct edit of the
// user made before signing in is still found after it.
func TestSigningInRecordsNoUserContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		o := mustOrg(t, st, "RA1")
		u := mustUser(t, st, o, "jo@example.com", auth.Reporter)
		if _, err := st.SQL().Exec(`UPDATE users SET name = 'Forged' WHERE id = $1`, u.ID); err != nil {
			t.Fatal(err)
		}
		storetest.WantFinding(t, st, "user renamed directly", "user "+u.ID, "changed outside the audit trail")
		if _, err := st.StartSession(ctx, "", u.ID, "session-hash", time.Hour); err != nil {
			t.Fatal(err)
		}
		storetest.WantFinding(t, st, "user renamed directly, then signed in", "user "+u.ID, "changed outside the audit trail")
	})
}
