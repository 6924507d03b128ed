package trainingweb

import (
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/web"
)

// TrainingAssignmentsPage lists the organisation's assignments, with the
// form to assign a course by role or to a named person.
type TrainingAssignmentsPage struct {
	web.Base
	Assignments []trainingdb.Assignment
	Courses     []web.Option
	Roles       []web.Option
	People      []web.Option
	Form        AssignForm
}

// AssignForm is the assignment form as typed.
type AssignForm struct {
	CourseID, Role, UserID string
	Due                    any // web.DateParts or an ISO date
}

func (s *Module) assignmentsPage(w http.ResponseWriter, r *http.Request, status int, f AssignForm, err error) error {
	ctx := r.Context()
	d := TrainingAssignmentsPage{Base: s.k.Base(w, r, "Assign training"), Form: f}
	if err != nil {
		d.SetErrors(err, "course_id", "who", "due_on")
	}
	var e error
	if d.Assignments, e = s.db.Assignments(ctx, org(r), false); e != nil {
		return e
	}
	cs, e := s.db.Courses(ctx, org(r))
	if e != nil {
		return e
	}
	d.Courses = web.Choices(cs, func(c trainingdb.CourseInfo) (string, string) { return c.ID, c.Course.Title }, f.CourseID)
	d.Roles = web.Choices(auth.AllRoles, func(r auth.Role) (string, string) { return string(r), r.Label() }, f.Role)
	us, e := s.k.Store().ListUsers(ctx, org(r))
	if e != nil {
		return e
	}
	d.People = web.Choices(us, func(u store.User) (string, string) { return u.ID, u.Name }, f.UserID)
	return s.k.Render(w, status, "training/assignments", d)
}

func (s *Module) assignments(w http.ResponseWriter, r *http.Request) error {
	return s.assignmentsPage(w, r, http.StatusOK, AssignForm{}, nil)
}

func (s *Module) assign(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	due, typed, msg := web.FormDate(r.PostForm, "due_on", "due date")
	f := AssignForm{CourseID: r.PostForm.Get("course_id"), Role: r.PostForm.Get("role"), UserID: r.PostForm.Get("user_id"), Due: typed}
	if msg != "" {
		return s.assignmentsPage(w, r, http.StatusUnprocessableEntity, f, apperr.Field("due_on", msg))
	}
	a, err := s.db.Assign(r.Context(), org(r), trainingdb.NewAssignment{CourseID: f.CourseID, Role: auth.Role(f.Role), UserID: f.UserID, DueOn: due})
	if apperr.Is(err, apperr.Invalid) {
		return s.assignmentsPage(w, r, http.StatusUnprocessableEntity, f, err)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/training/assignments", a.CourseTitle+" assigned to "+whoWords(a)+", due "+a.DueOn+".")
}

func whoWords(a trainingdb.Assignment) string {
	if a.Role != "" {
		return "everyone with the " + a.Role.Label() + " role"
	}
	return a.UserName
}

func (s *Module) withdraw(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	version, err := strconv.Atoi(r.PostForm.Get("version"))
	if err != nil {
		return apperr.New(apperr.Invalid, "The form is incomplete: open the assignments page again")
	}
	if err := s.db.Withdraw(r.Context(), org(r), r.PathValue("id"), version); err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/training/assignments", "Assignment withdrawn. It stays on record.")
}

// TrainingCoveragePage is the organisation's coverage by course and role.
type TrainingCoveragePage struct {
	web.Base
	Rows []trainingdb.CoverageRow
}

func (s *Module) coverage(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.db.Coverage(r.Context(), org(r))
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "training/coverage", TrainingCoveragePage{Base: s.k.Base(w, r, "Training coverage"), Rows: rows})
}

func (s *Module) coverageCSV(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.db.Coverage(r.Context(), org(r))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="training-coverage.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"organisation", "course", "role", "assigned", "completed", "overdue", "expiring_30_days"})
	for _, row := range rows {
		_ = cw.Write([]string{csvSafe(me(r).Org.Name), csvSafe(row.Course), string(row.Role), strconv.Itoa(row.Assigned), strconv.Itoa(row.Completed),
			strconv.Itoa(row.Overdue), strconv.Itoa(row.Expiring)})
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}
