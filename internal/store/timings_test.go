package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// Each SQLite commit is timed, and a mark measures from a point on; on
// PostgreSQL, whose commits are the driver's, none are.
func TestCommitTimings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		ctx := storetest.Operator
		mark := st.CommitTimings(0).Mark
		for i := range 3 {
			if err := st.Tx(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO organisations (id, ods_code, name, kind, created_at) VALUES ($1, $2, 'Timed', 'trust', $3)`,
					store.NewID(), fmt.Sprintf("TM%d", i), time.Now().UTC())
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		got := st.CommitTimings(mark)
		want := 3 // one writer at a time: three commits
		if st.Engine() == "postgres" {
			want = 0
		}
		if got.Count != want {
			t.Fatalf("commits timed since the mark: %+v, want %d", got, want)
		}
		if want > 0 && (got.P50 <= 0 || got.P99 < got.P50 || got.Max < got.P99) {
			t.Errorf("timings %+v: want 0 < p50 <= p99 <= max", got)
		}
		if again := st.CommitTimings(got.Mark); again.Count != 0 {
			t.Errorf("from the returned mark: %+v, want none", again)
		}
	})
}
