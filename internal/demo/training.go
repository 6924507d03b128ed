package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
)

// loadTraining installs the courses clinsafe ships in the trust, assigns
// the level 1 course to everyone who reports and the harm course to the
// handlers, records the CSO's registration and clinical safety training,
// and gives the administrator and the handler some training in progress.
func loadTraining(ctx context.Context, st *store.DB, trust, _ store.Org, people map[string]store.User, _ string) error {
	db := trainingdb.New(st)
	if _, err := db.InstallBuiltins(ctx, trust.ID); err != nil {
		return fmt.Errorf("demo: install courses: %w", err)
	}
	courses, err := db.Courses(ctx, trust.ID)
	if err != nil {
		return err
	}
	byKey := map[string]string{}
	for _, c := range courses {
		byKey[c.BuiltinKey] = c.ID
	}
	today := clock.Today(st.Now())
	for _, a := range []trainingdb.NewAssignment{
		{CourseID: byKey["essentials"], Role: auth.Reporter, DueOn: today.AddDate(0, 0, 30).Format(time.DateOnly)},
		{CourseID: byKey["harm-and-psirf"], Role: auth.Handler, DueOn: today.AddDate(0, 0, 14).Format(time.DateOnly)},
		{CourseID: byKey["dcb-primer"], Role: auth.CSO, DueOn: today.AddDate(0, 2, 0).Format(time.DateOnly)},
	} {
		if _, err := db.Assign(ctx, trust.ID, a); err != nil {
			return fmt.Errorf("demo: assign course: %w", err)
		}
	}
	if cso := people["cso@demo.clinsafe.test"]; cso.ID != "" {
		if err := complete(ctx, db, trust.ID, cso, byKey["dcb-primer"]); err != nil {
			return err
		}
		checker := audit.Actor{Name: "demo loader"}
		if a := people[AdminEmail]; a.ID != "" && a.ID != cso.ID {
			checker = audit.Actor{UserID: a.ID, Name: a.Name, RequestID: "demo"}
		}
		if _, err := db.SetRegistration(audit.WithActor(ctx, checker), trust.ID, cso.ID, 0, "GMC", "7012345", today.AddDate(0, -2, 0).Format(time.DateOnly)); err != nil {
			return fmt.Errorf("demo: CSO registration: %w", err)
		}
	}
	for _, email := range []string{AdminEmail, "handler@demo.clinsafe.test"} {
		if u := people[email]; u.ID != "" {
			if err := TrainLearner(ctx, st, trust.ID, u); err != nil {
				return err
			}
		}
	}
	return trainingHistory(ctx, st, db, trust.ID, people, byKey["harm-and-psirf"])
}

// trainingHistory gives the evidence wing's training coverage a history:
// eleven months ago the harm course was assigned to four people by name,
// due a month later; one completed it in time, the others late (the last
// two months ago). The store's clock is set back for each step, then
// given back as it was (still, or moving on).
func trainingHistory(ctx context.Context, st *store.DB, db *trainingdb.DB, orgID store.OrgID, people map[string]store.User, courseID string) error {
	before := st.Now()
	time.Sleep(time.Millisecond)
	still, began := st.Now().Equal(before), time.Now()
	defer st.SetClock(func() time.Time {
		if still {
			return before
		}
		return before.Add(time.Since(began))
	})
	at := func(days int) { t := before.AddDate(0, 0, days); st.SetClock(func() time.Time { return t }) }
	at(-335)
	due := clock.Today(before).AddDate(0, 0, -300).Format(time.DateOnly)
	for _, d := range []struct {
		email string
		done  int // days ago
	}{{"cso@demo.clinsafe.test", 310}, {"reporter@demo.clinsafe.test", 280}, {"educator@demo.clinsafe.test", 180}, {"analyst@demo.clinsafe.test", 60}} {
		u := people[d.email]
		if u.ID == "" {
			continue
		}
		at(-335)
		if _, err := db.Assign(ctx, orgID, trainingdb.NewAssignment{CourseID: courseID, UserID: u.ID, DueOn: due}); err != nil {
			return fmt.Errorf("demo: assign course: %w", err)
		}
		at(-d.done)
		if err := complete(ctx, db, orgID, u, courseID); err != nil {
			return err
		}
	}
	return nil
}

// TrainLearner gives u in organisation orgID (whose shipped courses are
// installed) a completed DCB0129 and DCB0160 primer, the level 1 course
// started with a quiz attempt open, and a record of training done
// elsewhere waiting for review: one of each kind of training record (the
// demo and the route walk use it).
func TrainLearner(ctx context.Context, st *store.DB, orgID store.OrgID, u store.User) error {
	db := trainingdb.New(st)
	courses, err := db.Courses(ctx, orgID)
	if err != nil {
		return err
	}
	byKey := map[string]string{}
	access, err := db.Access(ctx, orgID, u.ID)
	if err != nil {
		return err
	}
	for _, c := range courses {
		byKey[c.BuiltinKey] = c.ID
		// A course not for u's roles is assigned to them by name first, as
		// an educator would.
		if (c.BuiltinKey == "dcb-primer" || c.BuiltinKey == "essentials") && !access.MayStart(c) {
			if _, err := db.Assign(ctx, orgID, trainingdb.NewAssignment{CourseID: c.ID, UserID: u.ID, DueOn: clock.Today(st.Now()).AddDate(0, 2, 0).Format(time.DateOnly)}); err != nil {
				return fmt.Errorf("demo: assign course: %w", err)
			}
		}
	}
	if err := complete(ctx, db, orgID, u, byKey["dcb-primer"]); err != nil {
		return err
	}
	as := audit.WithActor(ctx, audit.Actor{UserID: u.ID, Name: u.Name, RequestID: "demo"})
	e, err := db.Start(as, orgID, u.ID, byKey["essentials"])
	if err != nil {
		return fmt.Errorf("demo: start course: %w", err)
	}
	if _, err := db.StartAttempt(as, orgID, u.ID, e.ID); err != nil {
		return fmt.Errorf("demo: start quiz: %w", err)
	}
	pdf := []byte("%PDF-1.4\n% demo certificate of an e-learning course\n%%EOF\n")
	if _, err := db.AddEvidence(as, orgID, u.ID, trainingdb.NewEvidence{Title: "Digital clinical safety e-learning", Provider: "Regional training hub",
		CompletedOn: clock.Today(st.Now()).AddDate(0, -1, 0).Format(time.DateOnly), ClinicalSafety: true, FileName: "certificate.pdf", Data: pdf}); err != nil {
		return fmt.Errorf("demo: evidence: %w", err)
	}
	return nil
}

// complete takes course courseID as u and passes its quiz.
func complete(ctx context.Context, db *trainingdb.DB, orgID store.OrgID, u store.User, courseID string) error {
	as := audit.WithActor(ctx, audit.Actor{UserID: u.ID, Name: u.Name, RequestID: "demo"})
	e, err := db.Start(as, orgID, u.ID, courseID)
	if err != nil {
		return fmt.Errorf("demo: start course: %w", err)
	}
	a, err := db.StartAttempt(as, orgID, u.ID, e.ID)
	if err != nil {
		return fmt.Errorf("demo: start quiz: %w", err)
	}
	v, err := db.Version(as, orgID, e.CourseID, e.CourseVersion)
	if err != nil {
		return err
	}
	answers := map[string][]int{}
	for _, id := range a.Draw {
		q, _ := v.Course.Question(id)
		for i, ans := range q.Answers {
			if ans.Correct {
				answers[id] = append(answers[id], i)
			}
		}
	}
	if _, err := db.Submit(as, orgID, u.ID, a.ID, a.Version, answers); err != nil {
		return fmt.Errorf("demo: pass quiz: %w", err)
	}
	return nil
}
