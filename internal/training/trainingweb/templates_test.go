package trainingweb_test

import (
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/training"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/training/trainingweb"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestEveryPageTemplateExecutes runs every page of the training wing with
// the typed data its handler passes.
func TestEveryPageTemplateExecutes(t *testing.T) {
	at := time.Date(2026, 12, 1, 14, 5, 0, 0, time.UTC)
	bs, err := training.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	c := bs[1].Course
	ci := trainingdb.CourseInfo{ID: "c", Version: 2, Course: c}
	e := trainingdb.Enrolment{ID: "e", CourseID: "c", CourseVersion: 1, Title: c.Title, StartedAt: at, CompletedAt: &at}
	comp := trainingdb.Completion{ID: "k", Title: c.Title, Source: "course", CompletedAt: at, ExpiresAt: &at}
	a := trainingdb.Attempt{ID: "a", EnrolmentID: "e", Number: 1, Draw: []string{"m1q1"}, SubmittedAt: &at, Score: 50}
	res := training.Mark(c, []string{"m1q1", "m1q3"}, map[string][]int{"m1q1": {0}})
	asg := trainingdb.Assignment{ID: "g", CourseID: "c", CourseTitle: c.Title, Role: auth.Reporter, DueOn: "2026-12-31", RenewalOf: "k"}
	ev := trainingdb.Evidence{ID: "v", Title: "T", Provider: "P", CompletedOn: "2026-11-01", Status: trainingdb.EvidenceRejected, Reason: "r", ReviewedAt: &at, ExpiresAt: &at}
	reg := &trainingdb.Registration{Body: "GMC", Number: "1234567", CheckedOn: "2026-11-01", CheckedBy: "Ed"}
	cso := trainingdb.CSO{UserID: "u", Name: "Dr A", Registration: reg, Training: &comp, Systems: []riskdb.Person{{ID: "s", Name: "EPR"}}, Status: training.Lapsed, Why: []string{"why"}}
	webtest.EveryPage(t, "training", func(b web.Base) map[string]any {
		return map[string]any{
			"home": trainingweb.TrainingHomePage{Base: b, Now: at, Duties: []trainingdb.Duty{{Assignment: asg, Status: trainingdb.DutyOverdue}},
				Enrolments: []trainingdb.Enrolment{{ID: "e2", Title: "x"}}, Completions: []trainingdb.Completion{comp, {Source: "evidence"}}, Evidence: []trainingdb.Evidence{ev}},
			"courses":     trainingweb.TrainingCoursesPage{Base: b, Courses: []trainingdb.CourseInfo{ci}, CanTeach: true, Missing: 2},
			"course":      trainingweb.TrainingCoursePage{Base: b, Course: ci, CanTeach: true, Enrolment: &e, Versions: []trainingdb.CourseVersion{{Number: 1, PublishedAt: at}}},
			"course_form": trainingweb.TrainingCourseFormPage{Base: b, Course: &ci, Source: "x", Version: 2},
			"enrolment":   trainingweb.TrainingEnrolmentPage{Base: b, Enrolment: e, Course: c, Attempts: []trainingdb.Attempt{a}, Completions: []trainingdb.Completion{comp}, NextAt: at},
			"attempt": trainingweb.TrainingAttemptPage{Base: b, Title: c.Title, View: trainingdb.AttemptView{Attempt: a, Enrolment: e}, Result: &res, Completed: &comp,
				Questions: []trainingweb.QuizQuestion{{ID: "m1q1", Number: 1, Text: "Q", Multiple: true, Answers: []string{"a", "b"}, Chosen: []int{1}}}},
			"verify":        trainingweb.TrainingVerifyPage{Base: b, Code: "X", Result: &trainingdb.Verification{Name: "N", Course: "C", CompletedAt: at, Valid: true}},
			"assignments":   trainingweb.TrainingAssignmentsPage{Base: b, Assignments: []trainingdb.Assignment{asg}, Courses: []web.Option{{Value: "c", Label: "C"}}},
			"coverage":      trainingweb.TrainingCoveragePage{Base: b, Rows: []trainingdb.CoverageRow{{Course: "C", Role: auth.CSO, Assigned: 2}}},
			"evidence_form": trainingweb.TrainingEvidenceFormPage{Base: b, Title: "T", ClinicalSafety: true, MaxMB: 5},
			"evidence_list": trainingweb.TrainingEvidenceListPage{Base: b, Waiting: []trainingdb.Evidence{ev}, Reviewed: []trainingdb.Evidence{ev}},
			"evidence":      trainingweb.TrainingEvidencePage{Base: b, Evidence: ev, CanReview: true, Expires: "2029-11-01"},
			"competency":    trainingweb.TrainingCompetencyPage{Base: b, CSOs: []trainingdb.CSO{cso, {Name: "B", Status: training.Current}}},
			"cso":           trainingweb.TrainingCSOPage{Base: b, CSO: cso, CanCheck: true, Version: 1},
		}
	}, "verify")
}
