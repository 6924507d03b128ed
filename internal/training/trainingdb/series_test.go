package trainingdb_test

import (
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
)

// historyWorld is an organisation with training assigned and done at
// known days of 2026 (noon UTC, the same day in London):
//
//   - course X (renewed every 2 months) is assigned on 5 January to the
//     Reporter role (learner, peer and third), due 31 January;
//   - course Y is assigned on 2 February to peer by name, due 15
//     February, and withdrawn on 5 March; nobody completes it;
//   - learner completes X on 20 January (in time; it expires 20 March);
//   - peer completes X on 10 February (late; it expires 10 April);
//   - third never completes X; the educator is assigned nothing.
type historyWorld struct {
	*world
	third  store.User
	x, y   string
	ends   []time.Time // the last days of December to April
	yAsgID string
}

func noon(day string) time.Time {
	t, _ := time.Parse(time.DateOnly, day)
	return t.Add(12 * time.Hour)
}

func newHistoryWorld(t *testing.T, st *store.DB) *historyWorld {
	t.Helper()
	h := &historyWorld{world: newWorld(t, st)}
	h.third = storetest.User(t, st, h.org, "third@example.com", auth.Reporter)
	edu := storetest.As(h.edu)
	h.now = noon("2026-01-02")
	cx, err := h.db.CreateCourse(edu, h.org.ID, strings.Replace(strings.Replace(course, "renewal_months: 12", "renewal_months: 2", 1), "Test course", "Course X", 1), "")
	if err != nil {
		t.Fatal(err)
	}
	cy, err := h.db.CreateCourse(edu, h.org.ID, strings.Replace(course, "Test course", "Course Y", 1), "")
	if err != nil {
		t.Fatal(err)
	}
	h.x, h.y = cx.ID, cy.ID
	h.now = noon("2026-01-05")
	if _, err := h.db.Assign(edu, h.org.ID, trainingdb.NewAssignment{CourseID: h.x, Role: auth.Reporter, DueOn: "2026-01-31"}); err != nil {
		t.Fatal(err)
	}
	h.now = noon("2026-01-20")
	h.complete(t, h.learner, h.x)
	h.now = noon("2026-02-02")
	ay, err := h.db.Assign(edu, h.org.ID, trainingdb.NewAssignment{CourseID: h.y, UserID: h.peer.ID, DueOn: "2026-02-15"})
	if err != nil {
		t.Fatal(err)
	}
	h.yAsgID = ay.ID
	h.now = noon("2026-02-10")
	h.complete(t, h.peer, h.x)
	h.now = noon("2026-03-05")
	if err := h.db.Withdraw(edu, h.org.ID, ay.ID, ay.Version); err != nil {
		t.Fatal(err)
	}
	h.now = noon("2026-05-06")
	for _, d := range []string{"2025-12-31", "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"} {
		day, _ := time.Parse(time.DateOnly, d)
		h.ends = append(h.ends, day)
	}
	return h
}

// complete passes course id's quiz as u, now.
func (h *historyWorld) complete(t *testing.T, u store.User, id string) {
	t.Helper()
	as := storetest.As(u)
	e, err := h.db.Start(as, h.org.ID, u.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	a, err := h.db.StartAttempt(as, h.org.ID, u.ID, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := h.db.Submit(as, h.org.ID, u.ID, a.ID, a.Version, answers(a.Draw, true))
	if err != nil || sub.Completion == nil {
		t.Fatalf("complete: %+v %v", sub, err)
	}
}

// The coverage at the end of each month counts the assignments due by
// then and those of them in date, with a late and an expired completion,
// a withdrawn assignment and the filters by role and course, on both
// engines.
func TestCoverageHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		h := newHistoryWorld(t, st)
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
			{"course y", trainingdb.CoverageFilter{CourseID: h.y}, []dueIn{{0, 0}, {0, 0}, {1, 0}, {0, 0}, {0, 0}}},
			{"educator", trainingdb.CoverageFilter{Role: auth.Educator}, []dueIn{{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}}},
		} {
			got, assigned, err := h.db.CoverageHistory(storetest.Operator, h.org.ID, h.ends, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if assigned != (c.name != "educator") {
				t.Errorf("%s: assigned %v", c.name, assigned)
			}
			for i, g := range got {
				if !g.Day.Equal(h.ends[i]) || (dueIn{g.Due, g.InDate}) != c.want[i] {
					t.Errorf("%s: %s: %d of %d in date, want %d of %d", c.name, h.ends[i].Format(time.DateOnly), g.InDate, g.Due, c.want[i].in, c.want[i].due)
				}
			}
		}
		// Another organisation has assigned nothing.
		got, assigned, err := h.db.CoverageHistory(storetest.Operator, h.other.ID, h.ends, trainingdb.CoverageFilter{})
		if err != nil || assigned || len(got) != len(h.ends) || got[2].Due != 0 {
			t.Errorf("other organisation: %+v assigned %v %v", got, assigned, err)
		}
	})
}
