package trainingweb

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/training"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/web"
)

// TrainingHomePage is a learner's training: what is assigned to them,
// courses in progress, completions with certificates, and evidence of
// training done elsewhere.
type TrainingHomePage struct {
	web.Base
	Duties      []trainingdb.Duty
	Enrolments  []trainingdb.Enrolment
	Completions []trainingdb.Completion
	Evidence    []trainingdb.Evidence
	Now         time.Time
	CanTeach    bool
	CanCover    bool
	CanRegister bool
}

// Started are the enrolments not completed yet.
func (p TrainingHomePage) Started() []trainingdb.Enrolment {
	var out []trainingdb.Enrolment
	for _, e := range p.Enrolments {
		if e.CompletedAt == nil {
			out = append(out, e)
		}
	}
	return out
}

func (s *Module) home(w http.ResponseWriter, r *http.Request) error {
	ctx, p := r.Context(), me(r)
	if _, err := s.db.Renew(ctx, p.Org.ID); err != nil {
		return err
	}
	d := TrainingHomePage{Base: s.k.Base(w, r, "Training"), Now: s.db.Now(), CanTeach: auth.HasAny(p.Roles, teach...),
		CanCover: auth.HasAny(p.Roles, coverage...), CanRegister: auth.HasAny(p.Roles, register...)}
	var err error
	if d.Duties, err = s.db.Duties(ctx, p.Org.ID, p.User.ID); err != nil {
		return err
	}
	if d.Enrolments, err = s.db.Enrolments(ctx, p.Org.ID, p.User.ID); err != nil {
		return err
	}
	if d.Completions, err = s.db.Completions(ctx, p.Org.ID, p.User.ID); err != nil {
		return err
	}
	if d.Evidence, err = s.db.EvidenceList(ctx, p.Org.ID, p.User.ID, ""); err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "training/home", d)
}

// TrainingCoursesPage is the organisation's catalogue of courses.
type TrainingCoursesPage struct {
	web.Base
	Courses  []trainingdb.CourseInfo
	CanTeach bool
	// Access says which courses the learner may start; the others are
	// marked as not for their role.
	Access trainingdb.Access
	// Missing counts the courses clinsafe ships that are not installed.
	Missing int
}

func (s *Module) courses(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.db.Courses(r.Context(), org(r))
	if err != nil {
		return err
	}
	d := TrainingCoursesPage{Base: s.k.Base(w, r, "Courses"), Courses: cs, CanTeach: auth.HasAny(me(r).Roles, teach...)}
	if d.Access, err = s.db.Access(r.Context(), org(r), me(r).User.ID); err != nil {
		return err
	}
	bs, err := training.Builtins()
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, c := range cs {
		have[c.BuiltinKey] = true
	}
	for _, b := range bs {
		if !have[b.Key] {
			d.Missing++
		}
	}
	return s.k.Render(w, http.StatusOK, "training/courses", d)
}

func (s *Module) install(w http.ResponseWriter, r *http.Request) error {
	n, err := s.db.InstallBuiltins(r.Context(), org(r))
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/training/courses", strconv.Itoa(n)+" clinsafe courses installed for "+me(r).Org.Name+".")
}

// TrainingCoursePage is one course: what it covers, its versions, and
// the learner's enrolment on it.
type TrainingCoursePage struct {
	web.Base
	Course    trainingdb.CourseInfo
	Versions  []trainingdb.CourseVersion
	Enrolment *trainingdb.Enrolment
	CanTeach  bool
	// MayStart: the learner may start the course (Access.MayStart).
	MayStart bool
}

func (s *Module) course(w http.ResponseWriter, r *http.Request) error {
	ctx, p := r.Context(), me(r)
	c, err := s.db.Course(ctx, p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := TrainingCoursePage{Base: s.k.Base(w, r, c.Course.Title), Course: c, CanTeach: auth.HasAny(p.Roles, teach...)}
	es, err := s.db.Enrolments(ctx, p.Org.ID, p.User.ID)
	if err != nil {
		return err
	}
	for i := range es {
		if es[i].CourseID == c.ID && es[i].CompletedAt == nil {
			d.Enrolment = &es[i]
			break
		}
	}
	a, err := s.db.Access(ctx, p.Org.ID, p.User.ID)
	if err != nil {
		return err
	}
	d.MayStart = a.MayStart(c)
	if d.CanTeach {
		if d.Versions, err = s.db.Versions(ctx, p.Org.ID, c.ID); err != nil {
			return err
		}
	}
	return s.k.Render(w, http.StatusOK, "training/course", d)
}

func (s *Module) start(w http.ResponseWriter, r *http.Request) error {
	e, err := s.db.Start(r.Context(), org(r), me(r).User.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/training/enrolments/"+e.ID, "")
}

// TrainingEnrolmentPage is a learner's course: the modules of the version
// they started, and their quiz attempts.
type TrainingEnrolmentPage struct {
	web.Base
	Enrolment trainingdb.Enrolment
	Course    training.Course
	Attempts  []trainingdb.Attempt
	// Open is an attempt started and not submitted.
	Open *trainingdb.Attempt
	// NextAt is when the next attempt may start, while a cool-down runs.
	NextAt      time.Time
	Completions []trainingdb.Completion
}

func (s *Module) enrolment(w http.ResponseWriter, r *http.Request) error {
	ctx, p := r.Context(), me(r)
	e, err := s.db.Enrolment(ctx, p.Org.ID, p.User.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := s.db.Version(ctx, p.Org.ID, e.CourseID, e.CourseVersion)
	if err != nil {
		return err
	}
	as, err := s.db.Attempts(ctx, p.Org.ID, e.ID)
	if err != nil {
		return err
	}
	d := TrainingEnrolmentPage{Base: s.k.Base(w, r, v.Course.Title), Enrolment: e, Course: v.Course, Attempts: as}
	if n := len(as); n > 0 && as[n-1].SubmittedAt == nil {
		d.Open = &as[n-1]
	}
	if next := trainingdb.NextAttemptAt(v.Course, as); next.After(s.db.Now()) {
		d.NextAt = next
	}
	if e.CompletedAt != nil {
		cs, err := s.db.Completions(ctx, p.Org.ID, p.User.ID)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if c.CourseID == e.CourseID && c.CourseVersion == e.CourseVersion && c.CompletedAt.Equal(*e.CompletedAt) {
				d.Completions = append(d.Completions, c)
			}
		}
	}
	return s.k.Render(w, http.StatusOK, "training/enrolment", d)
}

func (s *Module) startAttempt(w http.ResponseWriter, r *http.Request) error {
	a, err := s.db.StartAttempt(r.Context(), org(r), me(r).User.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/training/attempts/"+a.ID, "")
}

// QuizQuestion is a question as the quiz page asks it: its text and its
// answers' text only, never which is right nor why.
type QuizQuestion struct {
	ID       string
	Number   int
	Text     string
	Multiple bool
	Answers  []string
	Chosen   []int // what was ticked, when the page is shown again
}

// TrainingAttemptPage is a quiz attempt: the questions to answer, or once
// submitted, each answer right or wrong with its explanation.
type TrainingAttemptPage struct {
	web.Base
	View      trainingdb.AttemptView
	Title     string
	Questions []QuizQuestion
	Result    *training.Result
	PassMark  int
	Completed *trainingdb.Completion
}

func (s *Module) attempt(w http.ResponseWriter, r *http.Request) error {
	av, err := s.db.Attempt(r.Context(), org(r), me(r).User.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderAttempt(w, r, http.StatusOK, av, nil, nil)
}

func (s *Module) renderAttempt(w http.ResponseWriter, r *http.Request, status int, av trainingdb.AttemptView, given map[string][]int, err error) error {
	c := av.Version.Course
	d := TrainingAttemptPage{Base: s.k.Base(w, r, "Quiz: "+c.Title), View: av, Title: c.Title, Result: av.Result, PassMark: c.PassMark}
	if err != nil {
		d.SetErrors(err, "answers")
	}
	if av.Result == nil {
		for i, id := range av.Attempt.Draw {
			q, ok := c.Question(id)
			if !ok {
				continue
			}
			qq := QuizQuestion{ID: q.ID, Number: i + 1, Text: q.Text, Multiple: q.Multiple, Chosen: given[q.ID]}
			for _, a := range q.Answers {
				qq.Answers = append(qq.Answers, a.Text)
			}
			d.Questions = append(d.Questions, qq)
		}
	}
	if av.Result != nil && av.Result.Passed {
		cs, err := s.db.Completions(r.Context(), org(r), me(r).User.ID)
		if err != nil {
			return err
		}
		for i := range cs {
			if cs[i].CourseID == av.Enrolment.CourseID && av.Enrolment.CompletedAt != nil && cs[i].CompletedAt.Equal(*av.Enrolment.CompletedAt) {
				d.Completed = &cs[i]
				break
			}
		}
	}
	return s.k.Render(w, status, "training/attempt", d)
}

// answersOf reads the quiz form: field q-ID holds the chosen answer
// indexes of question ID.
func answersOf(r *http.Request, draw []string) (map[string][]int, error) {
	out := map[string][]int{}
	for _, id := range draw {
		for _, v := range r.PostForm["q-"+id] {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 50 {
				return nil, apperr.Field("answers", "Choose from the answers given")
			}
			out[id] = append(out[id], n)
		}
	}
	return out, nil
}

func (s *Module) submit(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx, p := r.Context(), me(r)
	av, err := s.db.Attempt(ctx, p.Org.ID, p.User.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(r.PostForm.Get("version"))
	if err != nil {
		return apperr.New(apperr.Invalid, "The quiz form is incomplete: open the quiz again")
	}
	given, err := answersOf(r, av.Attempt.Draw)
	if err != nil {
		return s.renderAttempt(w, r, http.StatusUnprocessableEntity, av, nil, err)
	}
	sub, err := s.db.Submit(ctx, p.Org.ID, p.User.ID, av.Attempt.ID, version, given)
	if apperr.Is(err, apperr.Invalid) {
		return s.renderAttempt(w, r, http.StatusUnprocessableEntity, av, given, err)
	}
	if err != nil {
		return err
	}
	msg := ""
	switch {
	case sub.Again:
		msg = "These answers were already submitted: the mark below stands."
	case sub.Result.Passed:
		msg = "You passed with " + strconv.Itoa(sub.Result.Score) + "%. Your certificate is ready."
	default:
		msg = "You scored " + strconv.Itoa(sub.Result.Score) + "%; the pass mark is " + strconv.Itoa(sub.Version.Course.PassMark) + "%."
	}
	return s.k.Redirect(w, r, "/training/attempts/"+av.Attempt.ID, msg)
}

func (s *Module) certificate(w http.ResponseWriter, r *http.Request) error {
	p := me(r)
	c, code, err := s.db.IssueCertificate(r.Context(), p.Org.ID, p.User.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := certificatePDF(&b, Certificate{Name: p.User.Name, Org: p.Org.Name, Course: c.Title, CompletedAt: c.CompletedAt, ExpiresAt: c.ExpiresAt,
		Code: code, VerifyURL: s.k.Config().BaseURL + "/training/verify"}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="certificate.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = b.WriteTo(w)
	return err
}

// TrainingVerifyPage is the public check of a certificate's code: the
// form, and the name, course, date and whether it is valid, nothing else.
type TrainingVerifyPage struct {
	web.Base
	Code   string
	Result *trainingdb.Verification
}

func (s *Module) verify(w http.ResponseWriter, r *http.Request) error {
	code := r.URL.Query().Get("code")
	if r.Method == http.MethodPost {
		if err := web.ParseForm(r); err != nil {
			return err
		}
		code = r.PostForm.Get("code")
	}
	code = strings.TrimSpace(code)
	d := TrainingVerifyPage{Base: s.k.Base(w, r, "Check a training certificate"), Code: code}
	if code == "" {
		if r.Method == http.MethodPost {
			d.SetErrors(apperr.Field("code", "Enter the code printed on the certificate"))
			return s.k.Render(w, http.StatusUnprocessableEntity, "training/verify", d)
		}
		return s.k.Render(w, http.StatusOK, "training/verify", d)
	}
	v, err := s.checkCode(r, code)
	if err != nil {
		status := http.StatusNotFound
		if apperr.Is(err, apperr.TooMany) {
			status = http.StatusTooManyRequests
			var ae *apperr.Error
			if errors.As(err, &ae) && ae.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(ae.RetryAfter/time.Second)+1))
			}
		} else if !apperr.Is(err, apperr.NotFound) {
			return err
		}
		d.SetErrors(&apperr.Error{Kind: apperr.KindOf(err), Message: apperr.MessageOf(err), Fields: map[string]string{"code": apperr.MessageOf(err)}})
		return s.k.Render(w, status, "training/verify", d)
	}
	d.Result = &v
	return s.k.Render(w, http.StatusOK, "training/verify", d)
}
