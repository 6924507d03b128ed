package trainingweb

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/web"
)

// TrainingEvidenceFormPage records training done elsewhere.
type TrainingEvidenceFormPage struct {
	web.Base
	Title, Provider string
	Completed       any
	ClinicalSafety  bool
	MaxMB           int
}

func (s *Module) evidenceForm(w http.ResponseWriter, r *http.Request, status int, d TrainingEvidenceFormPage, err error) error {
	d.Base, d.MaxMB = s.k.Base(w, r, "Record training done elsewhere"), trainingdb.MaxEvidenceFile>>20
	if err != nil {
		d.SetErrors(err, "title", "provider", "completed_on", "file")
	}
	return s.k.Render(w, status, "training/evidence_form", d)
}

func (s *Module) newEvidence(w http.ResponseWriter, r *http.Request) error {
	return s.evidenceForm(w, r, http.StatusOK, TrainingEvidenceFormPage{}, nil)
}

func (s *Module) addEvidence(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	on, typed, msg := web.FormDate(r.PostForm, "completed_on", "date you completed the training")
	d := TrainingEvidenceFormPage{Title: r.PostForm.Get("title"), Provider: r.PostForm.Get("provider"), Completed: typed, ClinicalSafety: r.PostForm.Get("clinical_safety") == "yes"}
	n := trainingdb.NewEvidence{Title: d.Title, Provider: d.Provider, CompletedOn: on, ClinicalSafety: d.ClinicalSafety}
	if f, h, err := r.FormFile("file"); err == nil {
		n.FileName = h.Filename
		n.Data, err = io.ReadAll(io.LimitReader(f, trainingdb.MaxEvidenceFile+1))
		f.Close()
		if err != nil {
			return apperr.Wrap(apperr.BadRequest, err, "The file could not be read")
		}
	} else if !errors.Is(err, http.ErrMissingFile) && !errors.Is(err, http.ErrNotMultipart) {
		return apperr.Wrap(apperr.BadRequest, err, "The file could not be read")
	}
	if msg != "" && on == "" {
		n.CompletedOn = "invalid"
	}
	e, err := s.db.AddEvidence(r.Context(), org(r), me(r).User.ID, n)
	if apperr.Is(err, apperr.TooLarge) {
		return s.evidenceForm(w, r, http.StatusRequestEntityTooLarge, d, apperr.Field("file", apperr.MessageOf(err)))
	}
	if apperr.Is(err, apperr.Invalid) {
		if msg != "" {
			fs := apperr.FieldsOf(err)
			fs["completed_on"] = msg
		}
		return s.evidenceForm(w, r, http.StatusUnprocessableEntity, d, err)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/training/evidence/"+e.ID, "Thank you: an educator will review your record of "+e.Title+".")
}

// TrainingEvidenceListPage lists evidence for review.
type TrainingEvidenceListPage struct {
	web.Base
	Waiting, Reviewed []trainingdb.Evidence
}

func (s *Module) evidenceList(w http.ResponseWriter, r *http.Request) error {
	es, err := s.db.EvidenceList(r.Context(), org(r), "", "")
	if err != nil {
		return err
	}
	d := TrainingEvidenceListPage{Base: s.k.Base(w, r, "Evidence of training elsewhere")}
	for _, e := range es {
		if e.Status == trainingdb.EvidenceSubmitted {
			d.Waiting = append(d.Waiting, e)
		} else {
			d.Reviewed = append(d.Reviewed, e)
		}
	}
	return s.k.Render(w, http.StatusOK, "training/evidence_list", d)
}

// TrainingEvidencePage is one record of evidence: its learner sees it, and
// an educator reviews it.
type TrainingEvidencePage struct {
	web.Base
	Evidence  trainingdb.Evidence
	CanReview bool
	// Expires is the date accepted evidence counts until, as typed or
	// the default.
	Expires any
	// Decision ("accept", "reject") and Reason are the review as posted,
	// kept when it comes back with an error.
	Decision, Reason string
}

// readable returns evidence id when the signed-in person is its learner or
// an educator; NotFound otherwise, so that one learner cannot see
// another's.
func (s *Module) readable(r *http.Request) (trainingdb.Evidence, error) {
	p := me(r)
	e, err := s.db.Evidence(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return e, err
	}
	if e.UserID != p.User.ID && !auth.HasAny(p.Roles, teach...) {
		return trainingdb.Evidence{}, apperr.New(apperr.NotFound, "Evidence was not found")
	}
	return e, nil
}

func (s *Module) evidence(w http.ResponseWriter, r *http.Request) error {
	e, err := s.readable(r)
	if err != nil {
		return err
	}
	return s.evidencePage(w, r, http.StatusOK, e, e.DefaultExpiresOn(), nil)
}

func (s *Module) evidencePage(w http.ResponseWriter, r *http.Request, status int, e trainingdb.Evidence, expires any, err error) error {
	p := me(r)
	d := TrainingEvidencePage{Base: s.k.Base(w, r, e.Title), Evidence: e, Expires: expires,
		CanReview: auth.HasAny(p.Roles, teach...) && e.UserID != p.User.ID && e.Status == trainingdb.EvidenceSubmitted}
	if err != nil {
		d.SetErrors(err, "decision", "reason", "expires_on")
		d.Decision, d.Reason = r.PostForm.Get("decision"), r.PostForm.Get("reason")
	}
	return s.k.Render(w, status, "training/evidence", d)
}

func (s *Module) evidenceFile(w http.ResponseWriter, r *http.Request) error {
	e, err := s.readable(r)
	if err != nil {
		return err
	}
	b, err := s.db.EvidenceFile(r.Context(), org(r), e.ID)
	if err != nil {
		return err
	}
	// The type is the content's, sniffed again, never the name's nor what
	// the browser would guess.
	ct := trainingdb.FileType(b)
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="`+trainingdb.DownloadName(e.FileName, ct)+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(b)
	return err
}

func (s *Module) review(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	e, err := s.readable(r)
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(r.PostForm.Get("version"))
	if err != nil {
		return apperr.New(apperr.Invalid, "The form is incomplete: open the evidence again")
	}
	until, typed, msg := web.FormDate(r.PostForm, "expires_on", "the date the evidence counts until")
	decision := r.PostForm.Get("decision")
	if decision != "accept" && decision != "reject" {
		return s.evidencePage(w, r, http.StatusUnprocessableEntity, e, typed, apperr.Field("decision", "Select whether to accept or reject the evidence"))
	}
	if msg != "" && decision == "accept" {
		return s.evidencePage(w, r, http.StatusUnprocessableEntity, e, typed, apperr.Field("expires_on", msg))
	}
	ne, err := s.db.ReviewEvidenceUntil(r.Context(), org(r), e.ID, version, decision == "accept", r.PostForm.Get("reason"), until)
	if apperr.Is(err, apperr.Invalid) {
		return s.evidencePage(w, r, http.StatusUnprocessableEntity, e, typed, err)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/training/evidence", "Evidence "+ne.Status+": "+ne.Title+" of "+ne.UserName+".")
}
