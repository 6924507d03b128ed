package trainingdb_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/mail"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/training"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/training/trainingtest"
)

var course = `---
title: Test course
level: local
minutes: 5
audience: reporter, cso
tags: clinical safety
renewal_months: 12
questions_per_attempt: 2
attempts: 2
cooldown_hours: 24
pass_mark: 100
---
# One
Read this.
` + trainingtest.Quiz(3)

// answers answers every drawn question right (0) or wrong (1).
func answers(draw []string, right bool) map[string][]int {
	out := map[string][]int{}
	for _, q := range draw {
		if right {
			out[q] = []int{0}
		} else {
			out[q] = []int{1}
		}
	}
	return out
}

type world struct {
	st                 *store.DB
	db                 *trainingdb.DB
	org, other         store.Org
	edu, learner, peer store.User
	now                time.Time
}

func newWorld(t *testing.T, st *store.DB) *world {
	w := &world{st: st, db: trainingdb.NewWith(st, trainingdb.Options{Seed: 7}), now: storetest.FixedTime}
	st.SetClock(func() time.Time { return w.now })
	w.org, w.other = storetest.Org(t, st, "TR1"), storetest.Org(t, st, "TR2")
	w.edu = storetest.User(t, st, w.org, "edu@example.com", auth.Educator)
	w.learner = storetest.User(t, st, w.org, "learner@example.com", auth.Reporter, auth.CSO)
	w.peer = storetest.User(t, st, w.org, "peer@example.com", auth.Reporter)
	return w
}

func TestVersionPinnedAttemptsOnceCertificate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		edu, me := storetest.As(w.edu), storetest.As(w.learner)
		c, err := w.db.CreateCourse(edu, w.org.ID, course, "")
		if err != nil {
			t.Fatal(err)
		}
		e, err := w.db.Start(me, w.org.ID, w.learner.ID, c.ID)
		if err != nil || e.CourseVersion != 1 {
			t.Fatalf("start: %+v %v", e, err)
		}
		// A new version (renamed) does not change what this learner does.
		if _, err := w.db.PublishVersion(edu, w.org.ID, c.ID, 1, strings.Replace(course, "Test course", "Test course v2", 1)); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.PublishVersion(edu, w.org.ID, c.ID, 1, course); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale publish: got %v, want Conflict", err)
		}
		a, err := w.db.StartAttempt(me, w.org.ID, w.learner.ID, e.ID)
		if err != nil || len(a.Draw) != 2 {
			t.Fatalf("attempt: %+v %v", a, err)
		}
		// Another learner cannot see or submit it.
		if _, err := w.db.Attempt(storetest.As(w.peer), w.org.ID, w.peer.ID, a.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("peer reads attempt: %v", err)
		}
		if _, err := w.db.Enrolment(storetest.As(w.peer), w.org.ID, w.peer.ID, e.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("peer reads enrolment: %v", err)
		}
		// An unanswered question is refused.
		if _, err := w.db.Submit(me, w.org.ID, w.learner.ID, a.ID, a.Version, nil); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("empty submit: %v", err)
		}
		sub, err := w.db.Submit(me, w.org.ID, w.learner.ID, a.ID, a.Version, answers(a.Draw, false))
		if err != nil || sub.Result == nil || sub.Result.Passed || sub.Again {
			t.Fatalf("failed submit: %+v %v", sub, err)
		}
		// The same submission again counts once.
		again, err := w.db.Submit(me, w.org.ID, w.learner.ID, a.ID, a.Version, answers(a.Draw, true))
		if err != nil || !again.Again || again.Result.Passed {
			t.Fatalf("second submit: %+v %v", again, err)
		}
		as, _ := w.db.Attempts(me, w.org.ID, e.ID)
		if len(as) != 1 {
			t.Fatalf("got %d attempts, want 1", len(as))
		}
		a2, err := w.db.StartAttempt(me, w.org.ID, w.learner.ID, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.Submit(me, w.org.ID, w.learner.ID, a2.ID, a2.Version, answers(a2.Draw, false)); err != nil {
			t.Fatal(err)
		}
		// Two failures of two attempts: 24 h cool-down.
		if _, err := w.db.StartAttempt(me, w.org.ID, w.learner.ID, e.ID); !apperr.Is(err, apperr.TooMany) {
			t.Fatalf("third attempt at once: %v, want TooMany", err)
		}
		w.now = w.now.Add(25 * time.Hour)
		a3, err := w.db.StartAttempt(me, w.org.ID, w.learner.ID, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		pass, err := w.db.Submit(me, w.org.ID, w.learner.ID, a3.ID, a3.Version, answers(a3.Draw, true))
		if err != nil || !pass.Result.Passed || pass.Completion == nil {
			t.Fatalf("pass: %+v %v", pass, err)
		}
		if pass.Completion.Title != "Test course" || pass.Completion.CourseVersion != 1 {
			t.Errorf("completed %q v%d, want the version started (1)", pass.Completion.Title, pass.Completion.CourseVersion)
		}
		if _, _, err := w.db.IssueCertificate(storetest.As(w.peer), w.org.ID, w.peer.ID, pass.Completion.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("peer certificate: %v", err)
		}
		_, code, err := w.db.IssueCertificate(me, w.org.ID, w.learner.ID, pass.Completion.ID)
		if err != nil || len(code) != 23 {
			t.Fatalf("certificate: %q %v", code, err)
		}
		v, err := w.db.VerifyCertificate(context.Background(), strings.ToLower(code))
		if err != nil || v.Name != w.learner.Name || v.Course != "Test course" || !v.Valid {
			t.Fatalf("verify: %+v %v", v, err)
		}
		if _, err := w.db.VerifyCertificate(context.Background(), "AAAAA-BBBBB-CCCCC-DDDDD"); err != trainingdb.ErrUnknownCode {
			t.Errorf("forged code: %v", err)
		}
		// A year on, the completion has expired: the certificate says so,
		// and renewal assigns the course again, once.
		w.now = w.now.AddDate(1, 0, 1)
		if v, _ := w.db.VerifyCertificate(context.Background(), code); v.Valid {
			t.Error("expired certificate still valid")
		}
		for i, want := range []int{1, 0} {
			if n, err := w.db.Renew(context.Background(), w.org.ID); err != nil || n != want {
				t.Errorf("renew %d: %d %v, want %d", i, n, err, want)
			}
		}
		ds, err := w.db.Duties(me, w.org.ID, w.learner.ID)
		if err != nil || len(ds) != 1 || ds[0].Status != trainingdb.DutyDue || ds[0].Assignment.RenewalOf != pass.Completion.ID {
			t.Fatalf("duties after renewal: %+v %v", ds, err)
		}
		if f := storetest.Findings(t, st); len(f) > 0 {
			t.Errorf("audit findings: %v", f)
		}
	})
}

func TestAssignRemindCoverage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		edu := storetest.As(w.edu)
		c, err := w.db.CreateCourse(edu, w.org.ID, course, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []trainingdb.NewAssignment{{CourseID: c.ID, DueOn: "2026-12-01"}, {CourseID: c.ID, Role: "wizard", DueOn: "2026-12-01"},
			{CourseID: c.ID, Role: auth.Reporter, DueOn: "soon"}, {CourseID: "nope", Role: auth.Reporter, DueOn: "2026-12-01"},
			{CourseID: c.ID, UserID: storetest.User(t, st, w.other, "x@example.com", auth.Reporter).ID, DueOn: "2026-12-01"}} {
			if _, err := w.db.Assign(edu, w.org.ID, bad); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("Assign(%+v): %v, want Invalid", bad, err)
			}
		}
		a, err := w.db.Assign(edu, w.org.ID, trainingdb.NewAssignment{CourseID: c.ID, Role: auth.Reporter, DueOn: "2026-11-28"})
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []int{2, 0} {
			if n, err := w.db.Remind(context.Background(), w.org.ID, "https://x"); err != nil || n != want {
				t.Errorf("remind %d: %d %v, want %d", i, n, err, want)
			}
		}
		var queued int
		st.SQL().QueryRow(`SELECT COUNT(*) FROM mail_outbox WHERE kind = 'training.reminder'`).Scan(&queued)
		if queued != 2 {
			t.Errorf("%d reminders queued, want 2", queued)
		}
		w.now = w.now.AddDate(0, 0, 5) // overdue now
		rows, err := w.db.Coverage(context.Background(), w.org.ID)
		if err != nil || len(rows) != 2 {
			t.Fatalf("coverage: %+v %v", rows, err)
		}
		if r := rows[0]; r.Role != auth.Reporter || r.Assigned != 2 || r.Overdue != 2 || r.Completed != 0 {
			t.Errorf("reporter row: %+v", r)
		}
		if r := rows[1]; r.Role != auth.CSO || r.Assigned != 1 {
			t.Errorf("cso row: %+v", r)
		}
		if err := w.db.Withdraw(edu, w.org.ID, a.ID, a.Version+1); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale withdraw: %v", err)
		}
		if err := w.db.Withdraw(edu, w.org.ID, a.ID, a.Version); err != nil {
			t.Fatal(err)
		}
		if ds, _ := w.db.Duties(edu, w.org.ID, ""); len(ds) != 0 {
			t.Errorf("duties after withdrawal: %+v", ds)
		}
		if _, err := w.db.Assignment(edu, w.other.ID, a.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other organisation reads assignment: %v", err)
		}
		_ = mail.Pending
	})
}

func TestEvidenceAndCompetency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		me, edu := storetest.As(w.learner), storetest.As(w.edu)
		pdf := []byte("%PDF-1.4 certificate")
		if _, err := w.db.AddEvidence(me, w.org.ID, w.learner.ID, trainingdb.NewEvidence{Title: "T", Provider: "P", CompletedOn: "2026-11-01", Data: []byte("MZ..exe")}); !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)["file"] == "" {
			t.Errorf("exe upload: %v", err)
		}
		if _, err := w.db.AddEvidence(me, w.org.ID, w.learner.ID, trainingdb.NewEvidence{Title: "T", Provider: "P", CompletedOn: "2026-11-01", Data: make([]byte, trainingdb.MaxEvidenceFile+1)}); !apperr.Is(err, apperr.TooLarge) {
			t.Errorf("big upload: %v", err)
		}
		ev, err := w.db.AddEvidence(me, w.org.ID, w.learner.ID, trainingdb.NewEvidence{Title: "CSO course", Provider: "NHS", CompletedOn: "2026-11-01", ClinicalSafety: true, FileName: `C:\x\cert.pdf`, Data: pdf})
		if err != nil || ev.FileName != "cert.pdf" || ev.ContentType != "application/pdf" {
			t.Fatalf("evidence: %+v %v", ev, err)
		}
		if _, err := w.db.ReviewEvidence(me, w.org.ID, ev.ID, ev.Version, true, ""); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("own review: %v", err)
		}
		if _, err := w.db.ReviewEvidence(edu, w.org.ID, ev.ID, ev.Version, false, ""); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("reject without reason: %v", err)
		}
		reg, err := w.db.Register(edu, w.org.ID)
		if err != nil || len(reg) != 1 || reg[0].Status != training.Lapsed || len(reg[0].Why) != 2 {
			t.Fatalf("register before: %+v %v", reg, err)
		}
		if _, err := w.db.ReviewEvidence(edu, w.org.ID, ev.ID, ev.Version, true, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.SetRegistration(me, w.org.ID, w.learner.ID, 0, "GMC", "1234567", "2026-11-20"); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("own registration: %v", err)
		}
		if _, err := w.db.SetRegistration(edu, w.org.ID, w.learner.ID, 0, "XYZ", "", "2027-01-01"); len(apperr.FieldsOf(err)) != 3 {
			t.Errorf("bad registration: %v", apperr.FieldsOf(err))
		}
		if _, err := w.db.SetRegistration(edu, w.org.ID, w.peer.ID, 0, "GMC", "1", "2026-11-20"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("registration of a non-CSO: %v", err)
		}
		r, err := w.db.SetRegistration(edu, w.org.ID, w.learner.ID, 0, "GMC", "123 4567", "2026-11-20")
		if err != nil || r.Number != "1234567" || r.CheckedBy != w.edu.Name {
			t.Fatalf("registration: %+v %v", r, err)
		}
		if _, err := w.db.SetRegistration(edu, w.org.ID, w.learner.ID, 0, "GMC", "1", "2026-11-20"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale registration: %v", err)
		}
		sys, err := riskdb.New(st).CreateSystem(me, w.org.ID, riskdb.System{Name: "EPR", Manufacturer: "M", IntendedUse: "U", Standard: risk.DCB0160, CSOs: []riskdb.Person{{ID: w.learner.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		cs, err := w.db.CSOsOf(edu, w.org.ID, sys)
		if err != nil || len(cs) != 1 || cs[0].Status != training.Current || len(cs[0].Systems) != 1 || cs[0].Training == nil {
			t.Fatalf("CSOs of system: %+v %v", cs, err)
		}
		w.now = w.now.AddDate(1, 0, 0) // the check is a year old
		if c, _ := w.db.CSOEntry(edu, w.org.ID, w.learner.ID); c.Status != training.Lapsed {
			t.Errorf("a year on: %+v", c)
		}
		if f := storetest.Findings(t, st); len(f) > 0 {
			t.Errorf("audit findings: %v", f)
		}
	})
}

// TestWorkerSweep: the worker's sweep renews and reminds in every
// organisation, once a day, and Run stops with its context.
func TestWorkerSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		for _, o := range []store.Org{w.org, w.other} {
			c, err := w.db.CreateCourse(storetest.As(w.edu), o.ID, course, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.db.Assign(storetest.As(w.edu), o.ID, trainingdb.NewAssignment{CourseID: c.ID, Role: auth.Reporter, DueOn: "2026-11-25"}); err != nil {
				t.Fatal(err)
			}
		}
		storetest.User(t, st, w.other, "o@example.com", auth.Reporter)
		if _, n, err := w.db.Sweep(context.Background(), "https://x"); err != nil || n != 3 {
			t.Errorf("first sweep reminded %d (%v), want 3", n, err)
		}
		if _, n, _ := w.db.Sweep(context.Background(), "https://x"); n != 0 {
			t.Errorf("second sweep the same day reminded %d, want 0", n)
		}
		w.now = w.now.AddDate(0, 0, 1)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); w.db.Run(ctx, time.Hour, "https://x", slog.New(slog.DiscardHandler)) }()
		for deadline := time.Now().Add(20 * time.Second); ; {
			var n int
			st.SQL().QueryRow(`SELECT COUNT(*) FROM mail_outbox WHERE kind = 'training.reminder'`).Scan(&n)
			if n == 6 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("Run sent %d reminders in all, want 6", n)
			}
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
		<-done
	})
}
