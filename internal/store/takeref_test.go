package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// TakeRef (and TakeRefs, for several) gives every writer its own number, increasing, never twice,
// however many take them at once; a transaction that fails leaves its
// number unused on PostgreSQL (it is taken in a transaction of its own)
// and gives it back on SQLite.
func TestTakeRefUniqueUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test", Operator: true})
		o := mustOrg(t, st, "TR1")
		const writers, each = 10, 10
		var mu sync.Mutex
		var got []int64
		var wg sync.WaitGroup
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					err := st.Tx(ctx, func(tx *store.Tx) error {
						if i%2 == 0 {
							n, err := st.TakeRef(ctx, tx, o.ID, "T-2026")
							if err != nil {
								return err
							}
							mu.Lock()
							got = append(got, n)
							mu.Unlock()
							return nil
						}
						// A batch of creates takes several at once.
						first, err := st.TakeRefs(ctx, tx, o.ID, "T-2026", 3)
						if err != nil {
							return err
						}
						mu.Lock()
						got = append(got, first, first+1, first+2)
						mu.Unlock()
						return nil
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		slices.Sort(got)
		total := writers * (each/2 + 3*each/2)
		if len(got) != total || got[0] != 1 || got[len(got)-1] != int64(total) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Fatalf("numbers taken %v, want 1..%d once each", got, total)
		}
		refused := errors.New("refused")
		err := st.Tx(ctx, func(tx *store.Tx) error {
			if _, err := st.TakeRef(ctx, tx, o.ID, "T-2026"); err != nil {
				return err
			}
			return refused
		})
		if !errors.Is(err, refused) {
			t.Fatalf("refused transaction: %v", err)
		}
		var next int64
		if err := st.Tx(ctx, func(tx *store.Tx) error {
			var err error
			next, err = st.TakeRef(ctx, tx, o.ID, "T-2026")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		want := int64(total + 1)
		if st.Engine() == "postgres" {
			want++ // the refused transaction's number stays unused
		}
		if next != want {
			t.Errorf("number after a refused transaction: %d, want %d", next, want)
		}
	})
}
