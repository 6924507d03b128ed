package trainingdb_test

import (
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/training"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/training/trainingtest"
)

// TestSystemCSOWhoLostTheRoleIsLapsed: a risk system's CSO of record who
// no longer holds the cso role here (or whose account was disabled) must
// still come back from CSOsOf, as lapsed, so that the system and safety
// case pages warn. Before, CSOsOf skipped them: the system still named
// them as its CSO and no warning showed.
func TestSystemCSOWhoLostTheRoleIsLapsed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		edu := storetest.As(w.edu)
		other := storetest.User(t, st, w.org, "cso2@example.com", auth.CSO)
		sys, err := riskdb.New(st).CreateSystem(storetest.As(w.learner), w.org.ID, riskdb.System{Name: "EPR", Manufacturer: "M", IntendedUse: "U", Standard: risk.DCB0160,
			CSOs: []riskdb.Person{{ID: w.learner.ID}, {ID: other.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetRoles(storetest.Operator, w.org.ID, w.learner.ID, []auth.Role{auth.Reporter}); err != nil {
			t.Fatal(err)
		}
		if err := st.SetDisabled(storetest.Operator, w.org.ID, other.ID, true); err != nil {
			t.Fatal(err)
		}
		sys, err = riskdb.New(st).System(edu, w.org.ID, sys.ID)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := w.db.CSOsOf(edu, w.org.ID, sys)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]trainingdb.CSO{}
		for _, c := range cs {
			got[c.UserID] = c
		}
		for _, id := range []string{w.learner.ID, other.ID} {
			c, ok := got[id]
			if !ok || c.Status != training.Lapsed || len(c.Why) == 0 || c.Name == "" {
				t.Errorf("system CSO %s no longer a CSO here: got %+v (present %v), want lapsed with a reason", id, c, ok)
			}
		}
		// The register itself still lists only those who hold the role.
		if _, err := w.db.CSOEntry(edu, w.org.ID, w.learner.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("register entry of a former CSO: %v", err)
		}
	})
}

// TestCSOTrainingCountsTheValidCompletion: a CSO with clinical safety
// training still valid is trained, whatever other, expired training they
// did later. Before, the register took the latest completion by date
// alone, so a short-lived record of training elsewhere (expired) hid a
// course completion valid for months more and showed the CSO as lapsed.
func TestCSOTrainingCountsTheValidCompletion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		edu, me := storetest.As(w.edu), storetest.As(w.learner)
		c, err := w.db.CreateCourse(edu, w.org.ID, course, "") // clinical safety, renewed every 12 months
		if err != nil {
			t.Fatal(err)
		}
		trainingtest.Pass(t, w.db, w.org.ID, w.learner, c.ID) // 24 November 2026, valid to 24 November 2027
		w.now = time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)
		if _, err := w.db.SetRegistration(edu, w.org.ID, w.learner.ID, 0, "GMC", "1234567", "2027-01-02"); err != nil {
			t.Fatal(err)
		}
		ev, err := w.db.AddEvidence(me, w.org.ID, w.learner.ID, trainingdb.NewEvidence{Title: "Workshop", Provider: "NHS", CompletedOn: "2027-01-05",
			ClinicalSafety: true, FileName: "c.pdf", Data: []byte("%PDF-1.4 x")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.ReviewEvidenceUntil(edu, w.org.ID, ev.ID, ev.Version, true, "", "2027-01-08"); err != nil {
			t.Fatal(err)
		}
		e, err := w.db.CSOEntry(edu, w.org.ID, w.learner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != training.Current || e.Training == nil || e.Training.Source != "course" {
			t.Errorf("CSO with valid course training and later expired evidence: status %s why %v training %+v, want current on the course", e.Status, e.Why, e.Training)
		}
	})
}

// TestRegistrationCheckedTodayInLondon: a check recorded on today's date in
// London is accepted at any hour. Before, the date was compared with the
// UTC instant, so in the first hour of a summer day (BST) today's date was
// refused as "in the future"; the same held for evidence completed today.
func TestRegistrationCheckedTodayInLondon(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		edu, me := storetest.As(w.edu), storetest.As(w.learner)
		w.now = time.Date(2026, 6, 1, 23, 30, 0, 0, time.UTC) // 00:30 on 2 June in London
		if _, err := w.db.SetRegistration(edu, w.org.ID, w.learner.ID, 0, "GMC", "1234567", "2026-06-02"); err != nil {
			t.Errorf("registration checked today (London): %v", err)
		}
		if _, err := w.db.SetRegistration(edu, w.org.ID, w.learner.ID, 1, "GMC", "1234567", "2026-06-03"); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("registration checked tomorrow: got %v, want Invalid", err)
		}
		if _, err := w.db.AddEvidence(me, w.org.ID, w.learner.ID, trainingdb.NewEvidence{Title: "T", Provider: "P", CompletedOn: "2026-06-02",
			FileName: "c.pdf", Data: []byte("%PDF-1.4 x")}); err != nil {
			t.Errorf("evidence completed today (London): %v", err)
		}
	})
}
