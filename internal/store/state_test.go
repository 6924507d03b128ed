package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// The state a writer gives with a change (AuditWith) is what the change's
// followers get from State, for that entity only, until a follower's own
// change to the entity makes it stale; after the change it is gone.
func TestAuditWithGivesFollowersTheState(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, dsn := storetest.Open(t, engine)
			var seen []string
			var id string
			look := func(who string, tx *store.Tx, c store.Change) {
				seen = append(seen, fmt.Sprintf("%s %s: %v, other org %v, user %v", who, c.Action,
					tx.State("organisation", id), tx.State("organisation", "other"), tx.State("user", id)))
			}
			first := store.Entity{Name: "first", Follows: []string{"organisation"}, OnChange: func(ctx context.Context, tx *store.Tx, c store.Change) error {
				look("first", tx, c)
				if c.Action == "org.nested_after" {
					// A change of the same organisation, audited by the
					// follower: the writer's state is stale from here on.
					return tx.Audit(ctx, store.Change{Action: "org.nested", Entity: "organisation", EntityID: c.EntityID})
				}
				return nil
			}}
			second := store.Entity{Name: "second", Follows: []string{"organisation"}, OnChange: func(ctx context.Context, tx *store.Tx, c store.Change) error {
				look("second", tx, c)
				return nil
			}}
			st, err := store.Open(ctx, dsn, append(storetest.Content(), first, second)...)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			o, err := st.CreateOrg(ctx, store.Org{ODSCode: "RS1", Name: "State Trust", Kind: "trust"})
			if err != nil {
				t.Fatal(err)
			}
			id = string(o.ID)
			seen = nil
			var after []any
			err = st.Tx(ctx, func(tx *store.Tx) error {
				for _, a := range []string{"org.plain", "org.given", "org.nested_after"} {
					var state any
					if a != "org.plain" {
						state = "state of " + a
					}
					if err := tx.AuditWith(ctx, store.Change{Action: a, Entity: "organisation", EntityID: id}, state); err != nil {
						return err
					}
					after = append(after, tx.State("organisation", id))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{
				"first org.plain: <nil>, other org <nil>, user <nil>",
				"second org.plain: <nil>, other org <nil>, user <nil>",
				"first org.given: state of org.given, other org <nil>, user <nil>",
				"second org.given: state of org.given, other org <nil>, user <nil>",
				"first org.nested_after: state of org.nested_after, other org <nil>, user <nil>",
				"first org.nested: <nil>, other org <nil>, user <nil>",
				"second org.nested: <nil>, other org <nil>, user <nil>",
				"second org.nested_after: <nil>, other org <nil>, user <nil>",
			}
			if !slices.Equal(seen, want) {
				t.Errorf("followers saw\n%q\nwant\n%q", seen, want)
			}
			if !slices.Equal(after, []any{nil, nil, nil}) {
				t.Errorf("State after each AuditWith: %v, want nil each time", after)
			}
		})
	}
}

// The states a batch writer gives with its changes (AuditBatchWith) are
// what the batch's followers get from State, each for its own entity,
// until a follower's own change to one of them makes that one stale;
// after the batch they are gone. States that do not match the changes
// one to one are refused.
func TestAuditBatchWithGivesFollowersTheStates(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, dsn := storetest.Open(t, engine)
			var seen []string
			var ids []string
			look := func(who string, tx *store.Tx, cs []store.Change) {
				for _, c := range cs {
					seen = append(seen, fmt.Sprintf("%s %s %d: %v", who, c.Action, slices.Index(ids, c.EntityID), tx.State("organisation", c.EntityID)))
				}
			}
			first := store.Entity{Name: "first", Follows: []string{"organisation"},
				OnChange: func(ctx context.Context, tx *store.Tx, c store.Change) error {
					look("first", tx, []store.Change{c})
					return nil
				},
				OnChanges: func(ctx context.Context, tx *store.Tx, cs []store.Change) error {
					look("first", tx, cs)
					// A change of the first organisation, audited by the
					// follower: its state is stale from here on.
					return tx.Audit(ctx, store.Change{Action: "org.nested", Entity: "organisation", EntityID: ids[0]})
				}}
			second := store.Entity{Name: "second", Follows: []string{"organisation"},
				OnChange: func(ctx context.Context, tx *store.Tx, c store.Change) error {
					look("second", tx, []store.Change{c})
					return nil
				},
				OnChanges: func(ctx context.Context, tx *store.Tx, cs []store.Change) error { look("second", tx, cs); return nil }}
			st, err := store.Open(ctx, dsn, append(storetest.Content(), first, second)...)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			for i := range 3 {
				o, err := st.CreateOrg(ctx, store.Org{ODSCode: fmt.Sprintf("RB%d", i), Name: "Batch Trust", Kind: "trust"})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, string(o.ID))
			}
			seen = nil
			cs := make([]store.Change, len(ids))
			for i, id := range ids {
				cs[i] = store.Change{Action: "org.batch", Entity: "organisation", EntityID: id}
			}
			var after []any
			err = st.Tx(ctx, func(tx *store.Tx) error {
				if err := tx.AuditBatchWith(ctx, cs, []any{"state 0", "state 1", nil}); err != nil {
					return err
				}
				for _, id := range ids {
					after = append(after, tx.State("organisation", id))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{
				"first org.batch 0: state 0", "first org.batch 1: state 1", "first org.batch 2: <nil>",
				"first org.nested 0: <nil>", "second org.nested 0: <nil>",
				"second org.batch 0: <nil>", "second org.batch 1: state 1", "second org.batch 2: <nil>",
			}
			if !slices.Equal(seen, want) {
				t.Errorf("followers saw\n%q\nwant\n%q", seen, want)
			}
			if !slices.Equal(after, []any{nil, nil, nil}) {
				t.Errorf("State after the batch: %v, want nil for each", after)
			}
			before := storetest.AuditCount(t, st)
			err = st.Tx(ctx, func(tx *store.Tx) error { return tx.AuditBatchWith(ctx, cs, []any{"one state"}) })
			if err == nil || storetest.AuditCount(t, st) != before {
				t.Errorf("one state for three changes: %v, audit %d -> %d; want an error and no entries", err, before, storetest.AuditCount(t, st))
			}
		})
	}
}
