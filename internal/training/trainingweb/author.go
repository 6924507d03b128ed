package trainingweb

import (
	"net/http"
	"strconv"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/web"
)

// courseTemplate is the start of a new course's source.
const courseTemplate = `---
title: 
summary: 
level: local
minutes: 20
renewal_months: 36
audience: reporter
tags: 
pass_mark: 80
questions_per_attempt: 
attempts: 3
cooldown_hours: 24
---

# First module

Write the module in Markdown.

## Quiz

? A question with one right answer
+ The right answer
  > Why it is right
- A wrong answer
  > Why it is wrong
`

// TrainingCourseFormPage writes a new course or a new version of one.
type TrainingCourseFormPage struct {
	web.Base
	Course  *trainingdb.CourseInfo // nil for a new course
	Source  string
	Version int
}

func (s *Module) newCourse(w http.ResponseWriter, r *http.Request) error {
	return s.k.Render(w, http.StatusOK, "training/course_form", TrainingCourseFormPage{Base: s.k.Base(w, r, "New course"), Source: courseTemplate})
}

func (s *Module) createCourse(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	src := r.PostForm.Get("source")
	c, err := s.db.CreateCourse(r.Context(), org(r), src, "")
	if apperr.Is(err, apperr.Invalid) {
		d := TrainingCourseFormPage{Base: s.k.Base(w, r, "New course"), Source: src}
		d.SetErrors(err, "source")
		return s.k.Render(w, http.StatusUnprocessableEntity, "training/course_form", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/training/courses/"+c.ID, "Course published: "+c.Course.Title+", version 1.")
}

func (s *Module) editCourse(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := s.db.Course(ctx, org(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := s.db.Version(ctx, org(r), c.ID, c.Version)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "training/course_form", TrainingCourseFormPage{Base: s.k.Base(w, r, "Edit "+c.Course.Title), Course: &c, Source: v.Source, Version: c.Version})
}

func (s *Module) publish(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.db.Course(ctx, org(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(r.PostForm.Get("version"))
	if err != nil {
		return apperr.New(apperr.Invalid, "The form is incomplete: open the course's edit page again")
	}
	src := r.PostForm.Get("source")
	nc, err := s.db.PublishVersion(ctx, org(r), c.ID, version, src)
	if apperr.Is(err, apperr.Invalid) {
		d := TrainingCourseFormPage{Base: s.k.Base(w, r, "Edit "+c.Course.Title), Course: &c, Source: src, Version: version}
		d.SetErrors(err, "source")
		return s.k.Render(w, http.StatusUnprocessableEntity, "training/course_form", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/training/courses/"+c.ID, "Version "+strconv.Itoa(nc.Version)+" published. Learners who started an earlier version finish that one.")
}
