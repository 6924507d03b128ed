// Package trainingtest sets up training for the tests of the packages
// that hold or read it (trainingdb, evidencedb, evidenceweb): a course of
// one question, a learner passing it, the store's clock on a given day,
// and an organisation's training history at known days.
package trainingtest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
)

// Course is the text of a course for the Reporter role named title, of one
// quiz question whose first answer is right, whose completion lasts
// renewalMonths months.
func Course(title string, renewalMonths int) string {
	return "---\ntitle: " + title + "\nlevel: local\nminutes: 5\naudience: reporter\ntags: clinical safety\n" +
		"renewal_months: " + strconv.Itoa(renewalMonths) + "\nquestions_per_attempt: 1\npass_mark: 100\n---\n# One\nRead this.\n" + Quiz(1)
}

// Quiz is the quiz section of a course of n questions, Q1 to Qn, each of
// one right answer, the first ("yes"), and one wrong ("no").
func Quiz(n int) string {
	var b strings.Builder
	b.WriteString("## Quiz\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "? Q%d\n+ yes\n  > right\n- no\n  > wrong\n", i)
	}
	return b.String()
}

// At sets the store's clock to noon UTC of day (YYYY-MM-DD; the same day
// in London).
func At(st *store.DB, day string) {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic("trainingtest: At(" + day + "): " + err.Error())
	}
	st.SetClock(func() time.Time { return t.Add(12 * time.Hour) })
}

// Pass has u start course id of org, now, and answer every question of an
// attempt with its first answer (right in a Course); the test fails unless
// that completes the course.
func Pass(t testing.TB, db *trainingdb.DB, org store.OrgID, u store.User, id string) trainingdb.Completion {
	t.Helper()
	as := storetest.As(u)
	e, err := db.Start(as, org, u.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.StartAttempt(as, org, u.ID, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	answers := map[string][]int{}
	for _, q := range a.Draw {
		answers[q] = []int{0}
	}
	sub, err := db.Submit(as, org, u.ID, a.ID, a.Version, answers)
	if err != nil || sub.Completion == nil {
		t.Fatalf("trainingtest: pass %s as %s: %+v %v", id, u.Email, sub, err)
	}
	return *sub.Completion
}

// History is an organisation with training assigned and done at known
// days of 2026 (noon UTC), and another organisation that assigned none:
//
//   - course X (renewed every 2 months) is assigned on 5 January to the
//     Reporter role (Learner, Peer and Third), due 31 January;
//   - course Y is assigned on 2 February to Peer by name, due 15
//     February, and withdrawn on 5 March; nobody completes it;
//   - Learner (a Reporter and a CSO) completes X on 20 January (in time;
//     it expires on 20 March);
//   - Peer completes X on 10 February (late; it expires on 10 April);
//   - Third never completes X; the Educator is assigned nothing.
//
// NewHistory leaves the clock on 6 May 2026.
type History struct {
	Org, Other                     store.Org
	Educator, Learner, Peer, Third store.User
	X, Y                           string // the courses' ids
	YAssignment                    string // the id of Y's withdrawn assignment
}

// NewHistory makes History in st through db.
func NewHistory(t testing.TB, st *store.DB, db *trainingdb.DB) History {
	t.Helper()
	h := History{Org: storetest.Org(t, st, "TRH"), Other: storetest.Org(t, st, "TRO")}
	h.Educator = storetest.User(t, st, h.Org, "edu@trh.test", auth.Educator)
	h.Learner = storetest.User(t, st, h.Org, "learner@trh.test", auth.Reporter, auth.CSO)
	h.Peer = storetest.User(t, st, h.Org, "peer@trh.test", auth.Reporter)
	h.Third = storetest.User(t, st, h.Org, "third@trh.test", auth.Reporter)
	edu := storetest.As(h.Educator)
	At(st, "2026-01-02")
	for _, c := range []struct {
		id     *string
		title  string
		months int
	}{{&h.X, "Course X", 2}, {&h.Y, "Course Y", 12}} {
		ci, err := db.CreateCourse(edu, h.Org.ID, Course(c.title, c.months), "")
		if err != nil {
			t.Fatal(err)
		}
		*c.id = ci.ID
	}
	At(st, "2026-01-05")
	if _, err := db.Assign(edu, h.Org.ID, trainingdb.NewAssignment{CourseID: h.X, Role: auth.Reporter, DueOn: "2026-01-31"}); err != nil {
		t.Fatal(err)
	}
	At(st, "2026-01-20")
	Pass(t, db, h.Org.ID, h.Learner, h.X)
	At(st, "2026-02-02")
	ay, err := db.Assign(edu, h.Org.ID, trainingdb.NewAssignment{CourseID: h.Y, UserID: h.Peer.ID, DueOn: "2026-02-15"})
	if err != nil {
		t.Fatal(err)
	}
	h.YAssignment = ay.ID
	At(st, "2026-02-10")
	Pass(t, db, h.Org.ID, h.Peer, h.X)
	At(st, "2026-03-05")
	if err := db.Withdraw(edu, h.Org.ID, ay.ID, ay.Version); err != nil {
		t.Fatal(err)
	}
	At(st, "2026-05-06")
	return h
}
