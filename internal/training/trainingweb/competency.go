package trainingweb

import (
	"net/http"
	"strconv"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/training"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/web"
)

// TrainingCompetencyPage is the CSO competency register.
type TrainingCompetencyPage struct {
	web.Base
	CSOs []trainingdb.CSO
}

func (s *Module) competency(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.db.Register(r.Context(), org(r))
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "training/competency", TrainingCompetencyPage{Base: s.k.Base(w, r, "CSO competency register"), CSOs: cs})
}

// TrainingCSOPage is one CSO's entry, with the form to record a check of
// their professional registration.
type TrainingCSOPage struct {
	web.Base
	CSO      trainingdb.CSO
	CanCheck bool
	Bodies   []web.Option
	Number   string
	Checked  any
	Version  int
}

func (s *Module) csoPage(w http.ResponseWriter, r *http.Request) error {
	c, err := s.db.CSOEntry(r.Context(), org(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	d := TrainingCSOPage{CSO: c}
	body := ""
	if c.Registration != nil {
		body, d.Number, d.Version = c.Registration.Body, c.Registration.Number, c.Registration.Version
	}
	return s.renderCSO(w, r, http.StatusOK, d, body, nil)
}

func (s *Module) renderCSO(w http.ResponseWriter, r *http.Request, status int, d TrainingCSOPage, body string, err error) error {
	p := me(r)
	d.Base = s.k.Base(w, r, d.CSO.Name)
	d.CanCheck = auth.HasAny(p.Roles, teach...) && p.User.ID != d.CSO.UserID
	d.Bodies = web.Choices(training.Bodies, func(b string) (string, string) { return b, training.BodyLabel(b) }, body)
	if err != nil {
		d.SetErrors(err, "body", "number", "checked_on")
	}
	return s.k.Render(w, status, "training/cso", d)
}

func (s *Module) setRegistration(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.db.CSOEntry(ctx, org(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(r.PostForm.Get("version"))
	if err != nil {
		return apperr.New(apperr.Invalid, "The form is incomplete: open the register again")
	}
	on, typed, msg := web.FormDate(r.PostForm, "checked_on", "date checked")
	body, number := r.PostForm.Get("body"), r.PostForm.Get("number")
	d := TrainingCSOPage{CSO: c, Number: number, Checked: typed, Version: version}
	if msg != "" {
		return s.renderCSO(w, r, http.StatusUnprocessableEntity, d, body, apperr.Field("checked_on", msg))
	}
	if _, err := s.db.SetRegistration(ctx, org(r), c.UserID, version, body, number, on); apperr.Is(err, apperr.Invalid) {
		return s.renderCSO(w, r, http.StatusUnprocessableEntity, d, body, err)
	} else if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/training/competency", "Registration of "+c.Name+" recorded.")
}
