package trainingdb_test

import (
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/training/trainingtest"
)

// monthEnds are the last days of December 2025 to April 2026.
func monthEnds() []time.Time {
	var out []time.Time
	for _, d := range []string{"2025-12-31", "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"} {
		day, _ := time.Parse(time.DateOnly, d)
		out = append(out, day)
	}
	return out
}

// The coverage at the end of each month counts the assignments due by
// then and those of them in date, with a late and an expired completion,
// a withdrawn assignment and the filters by role and course, on both
// engines.
func TestCoverageHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		// The history of trainingtest.History: course X (renewed every 2
		// months) to the Reporter role (learner, peer, third) on 5
		// January, due 31 January; Y to peer on 2 February, due 15
		// February, withdrawn on 5 March, never done; the learner
		// completes X on 20 January, peer on 10 February, third never.
		db, ends := trainingdb.New(st), monthEnds()
		h := trainingtest.NewHistory(t, st, db)
		type dueIn struct{ due, in int }
		for _, c := range []struct {
			name string
			f    trainingdb.CoverageFilter
			want []dueIn
		}{
			// 31 Dec: nothing in force. 31 Jan: X due for 3, learner in
			// date. 28 Feb: X due for 3 (learner and peer, late, in
			// date) and Y due for peer (not done): 2 of 4. 31 Mar: Y
			// withdrawn; learner's X expired on 20 March: 1 of 3. 30
			// Apr: peer's X expired on 10 April: 0 of 3.
			{"all", trainingdb.CoverageFilter{}, []dueIn{{0, 0}, {3, 1}, {4, 2}, {3, 1}, {3, 0}}},
			// The CSO role is the learner's alone.
			{"cso", trainingdb.CoverageFilter{Role: auth.CSO}, []dueIn{{0, 0}, {1, 1}, {1, 1}, {1, 0}, {1, 0}}},
			{"course y", trainingdb.CoverageFilter{CourseID: h.Y}, []dueIn{{0, 0}, {0, 0}, {1, 0}, {0, 0}, {0, 0}}},
			{"educator", trainingdb.CoverageFilter{Role: auth.Educator}, []dueIn{{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}}},
		} {
			got, assigned, err := db.CoverageHistory(storetest.Operator, h.Org.ID, ends, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if assigned != (c.name != "educator") {
				t.Errorf("%s: assigned %v", c.name, assigned)
			}
			for i, g := range got {
				if !g.Day.Equal(ends[i]) || (dueIn{g.Due, g.InDate}) != c.want[i] {
					t.Errorf("%s: %s: %d of %d in date, want %d of %d", c.name, ends[i].Format(time.DateOnly), g.InDate, g.Due, c.want[i].in, c.want[i].due)
				}
			}
		}
		// Another organisation has assigned nothing.
		got, assigned, err := db.CoverageHistory(storetest.Operator, h.Other.ID, ends, trainingdb.CoverageFilter{})
		if err != nil || assigned || len(got) != len(ends) || got[2].Due != 0 {
			t.Errorf("other organisation: %+v assigned %v %v", got, assigned, err)
		}
	})
}
