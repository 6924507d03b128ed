package trainingweb

import (
	"net/http"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/web"
)

func (s *Module) apiCourses(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.db.Courses(r.Context(), org(r))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(cs))
}

func (s *Module) apiCourse(w http.ResponseWriter, r *http.Request) error {
	c, err := s.db.Course(r.Context(), org(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, c)
}

type apiCourseBody struct {
	Source  string `json:"source"`
	Version int    `json:"version"`
}

func (s *Module) apiCreateCourse(w http.ResponseWriter, r *http.Request) error {
	var b apiCourseBody
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	c, err := s.db.CreateCourse(r.Context(), org(r), b.Source, "")
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, c)
}

func (s *Module) apiPublish(w http.ResponseWriter, r *http.Request) error {
	var b apiCourseBody
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	if b.Version < 1 {
		return apperr.Field("version", "Send the current version of the course you edited")
	}
	if _, err := s.db.Course(r.Context(), org(r), r.PathValue("id")); err != nil {
		return err
	}
	c, err := s.db.PublishVersion(r.Context(), org(r), r.PathValue("id"), b.Version, b.Source)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, c)
}

func (s *Module) apiAssignments(w http.ResponseWriter, r *http.Request) error {
	as, err := s.db.Assignments(r.Context(), org(r), true)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(as))
}

func (s *Module) apiAssign(w http.ResponseWriter, r *http.Request) error {
	var b trainingdb.NewAssignment
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	a, err := s.db.Assign(r.Context(), org(r), b)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, a)
}

// apiLearning is the signed-in learner's training.
type apiLearning struct {
	Duties      []trainingdb.Duty       `json:"assigned"`
	Enrolments  []trainingdb.Enrolment  `json:"enrolments"`
	Completions []trainingdb.Completion `json:"completions"`
	Evidence    []trainingdb.Evidence   `json:"evidence"`
}

func (s *Module) apiMe(w http.ResponseWriter, r *http.Request) error {
	ctx, p := r.Context(), me(r)
	if _, err := s.db.Renew(ctx, p.Org.ID); err != nil {
		return err
	}
	out := apiLearning{Duties: []trainingdb.Duty{}, Enrolments: []trainingdb.Enrolment{}, Completions: []trainingdb.Completion{}, Evidence: []trainingdb.Evidence{}}
	var err error
	ds, err := s.db.Duties(ctx, p.Org.ID, p.User.ID)
	if err != nil {
		return err
	}
	es, err := s.db.Enrolments(ctx, p.Org.ID, p.User.ID)
	if err != nil {
		return err
	}
	cs, err := s.db.Completions(ctx, p.Org.ID, p.User.ID)
	if err != nil {
		return err
	}
	ev, err := s.db.EvidenceList(ctx, p.Org.ID, p.User.ID, "")
	if err != nil {
		return err
	}
	out.Duties, out.Enrolments, out.Completions, out.Evidence = append(out.Duties, ds...), append(out.Enrolments, es...), append(out.Completions, cs...), append(out.Evidence, ev...)
	return web.WriteJSON(w, http.StatusOK, out)
}

func (s *Module) apiCoverage(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.db.Coverage(r.Context(), org(r))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(rows))
}
