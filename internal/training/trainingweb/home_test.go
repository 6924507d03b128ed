package trainingweb_test

import (
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/training/trainingtest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// My training lists "Courses you have started" only when one is in
// progress: a learner who has finished every course they started sees no
// empty heading, on both engines.
func TestHomeStartedOnlyInProgress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		tr := trainingdb.New(st)
		edu, u := storetest.As(f.Users["A/educator"]), f.Users["A/reporter"]
		var ids []string
		for _, title := range []string{"Done course", "Open course"} {
			c, err := tr.CreateCourse(edu, f.OrgA.ID, trainingtest.Course(title, 12), "")
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		trainingtest.Pass(t, tr, f.OrgA.ID, u, ids[0])
		me := f.Client(t, "A/reporter")
		if body := webtest.Get(t, me, f.Srv.URL+"/training", 200); strings.Contains(body, "Courses you have started") {
			t.Errorf("with the only course started completed, my training still heads a list of courses started")
		}
		if _, err := tr.Start(storetest.As(u), f.OrgA.ID, u.ID, ids[1]); err != nil {
			t.Fatal(err)
		}
		body := webtest.Get(t, me, f.Srv.URL+"/training", 200)
		if !strings.Contains(body, "Courses you have started") || !strings.Contains(body, ">Open course</a>") {
			t.Errorf("my training does not list the course in progress")
		}
	})
}
