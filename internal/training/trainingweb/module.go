// Package trainingweb serves the training wing: courses and their quizzes,
// a learner's assignments, certificates and their public verification,
// evidence of training done elsewhere, the CSO competency register and
// coverage, as pages and as the JSON API (docs/api-training.md).
package trainingweb

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/text"
	"github.com/clinsafe/clinsafe/internal/training"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/web"
)

//go:embed templates
var templateFS embed.FS

// Module is the training wing on the HTTP kernel.
type Module struct {
	k  *web.Server
	db *trainingdb.DB
	gs *guesses // the public verification page's throttle
}

// Options change the wing's behaviour (tests).
type Options struct {
	// Seed fixes the random draw of quiz questions.
	Seed uint64
}

// New makes the wing on kernel k (a web.ModuleFunc).
func New(k *web.Server) web.Module { return NewWith(Options{})(k) }

// NewWith makes a web.ModuleFunc of the wing with options o.
func NewWith(o Options) web.ModuleFunc {
	return func(k *web.Server) web.Module {
		return &Module{k: k, db: trainingdb.NewWith(k.Store(), trainingdb.Options{Seed: o.Seed}), gs: newGuesses()}
	}
}

// Who may do what in the training wing.
//
//   - everyone signed in learns: courses, quizzes, their own certificates
//     and evidence, and what is assigned to them.
//   - educator (and admin) write and version courses, assign them, review
//     evidence and record CSOs' registrations.
//   - analyst reads coverage too; a CSO reads the competency register.
//   - anyone, signed in or not, verifies a certificate's code.
var (
	teach     = web.Roles(auth.Educator, auth.Admin)
	coverage  = web.Roles(auth.Educator, auth.Admin, auth.Analyst)
	register  = web.Roles(auth.CSO, auth.Educator, auth.Admin)
	anyoneMay = web.Anyone
)

// Routes are the routes of the training wing.
func (s *Module) Routes() []web.Route {
	return []web.Route{
		{Method: "GET", Path: "/training", Roles: anyoneMay, Handle: s.home},
		{Method: "GET", Path: "/training/courses", Roles: anyoneMay, Handle: s.courses},
		{Method: "GET", Path: "/training/courses/new", Roles: teach, Handle: s.newCourse},
		{Method: "POST", Path: "/training/courses", Roles: teach, Handle: s.createCourse},
		{Method: "POST", Path: "/training/courses/install", Roles: teach, Handle: s.install},
		{Method: "GET", Path: "/training/courses/{id}", Roles: anyoneMay, Handle: s.course},
		{Method: "GET", Path: "/training/courses/{id}/edit", Roles: teach, Handle: s.editCourse},
		{Method: "POST", Path: "/training/courses/{id}/versions", Roles: teach, Handle: s.publish},
		{Method: "POST", Path: "/training/courses/{id}/start", Roles: anyoneMay, Handle: s.start},
		{Method: "GET", Path: "/training/enrolments/{id}", Roles: anyoneMay, Handle: s.enrolment},
		{Method: "POST", Path: "/training/enrolments/{id}/attempts", Roles: anyoneMay, Handle: s.startAttempt},
		{Method: "GET", Path: "/training/attempts/{id}", Roles: anyoneMay, Handle: s.attempt},
		{Method: "POST", Path: "/training/attempts/{id}", Roles: anyoneMay, Handle: s.submit},
		{Method: "POST", Path: "/training/completions/{id}/certificate", Roles: anyoneMay, Handle: s.certificate},
		{Method: "GET", Path: "/training/verify", Public: true, Handle: s.verify},
		{Method: "POST", Path: "/training/verify", Public: true, Handle: s.verify},
		{Method: "GET", Path: "/training/assignments", Roles: teach, Handle: s.assignments},
		{Method: "POST", Path: "/training/assignments", Roles: teach, Handle: s.assign},
		{Method: "POST", Path: "/training/assignments/{id}/withdraw", Roles: teach, Handle: s.withdraw},
		{Method: "GET", Path: "/training/coverage", Roles: coverage, Handle: s.coverage},
		{Method: "GET", Path: "/training/coverage.csv", Roles: coverage, Handle: s.coverageCSV},
		{Method: "GET", Path: "/training/evidence/new", Roles: anyoneMay, Handle: s.newEvidence},
		{Method: "POST", Path: "/training/evidence", Roles: anyoneMay, Upload: true, Handle: s.addEvidence},
		{Method: "GET", Path: "/training/evidence", Roles: teach, Handle: s.evidenceList},
		{Method: "GET", Path: "/training/evidence/{id}", Roles: anyoneMay, Handle: s.evidence},
		{Method: "GET", Path: "/training/evidence/{id}/file", Roles: anyoneMay, Handle: s.evidenceFile},
		{Method: "POST", Path: "/training/evidence/{id}/review", Roles: teach, Handle: s.review},
		{Method: "GET", Path: "/training/competency", Roles: register, Handle: s.competency},
		{Method: "GET", Path: "/training/competency/{id}", Roles: register, Handle: s.csoPage},
		{Method: "POST", Path: "/training/competency/{id}", Roles: teach, Handle: s.setRegistration},

		// JSON API: see docs/api-training.md.
		{Method: "GET", Path: "/api/v1/training/courses", Roles: anyoneMay, API: true, Handle: s.apiCourses},
		{Method: "POST", Path: "/api/v1/training/courses", Roles: teach, API: true, Handle: s.apiCreateCourse},
		{Method: "GET", Path: "/api/v1/training/courses/{id}", Roles: anyoneMay, API: true, Handle: s.apiCourse},
		{Method: "POST", Path: "/api/v1/training/courses/{id}/versions", Roles: teach, API: true, Handle: s.apiPublish},
		{Method: "GET", Path: "/api/v1/training/assignments", Roles: teach, API: true, Handle: s.apiAssignments},
		{Method: "POST", Path: "/api/v1/training/assignments", Roles: teach, API: true, Handle: s.apiAssign},
		{Method: "GET", Path: "/api/v1/training/me", Roles: anyoneMay, API: true, Handle: s.apiMe},
		{Method: "GET", Path: "/api/v1/training/coverage", Roles: coverage, API: true, Handle: s.apiCoverage},
	}
}

// Pillar is the training card of the home page and navigation.
func (s *Module) Pillar() web.PillarCard {
	return web.PillarCard{Area: "training", Nav: "Training", Title: "Training", Href: "/training",
		Summary: "Digital clinical safety training and competency records."}
}

// Templates are the wing's pages and partials.
func (s *Module) Templates() fs.FS {
	sub, _ := fs.Sub(templateFS, "templates")
	return sub
}

// Funcs are the training pages' template functions.
func (s *Module) Funcs() template.FuncMap {
	return template.FuncMap{
		// markdown renders a module's Markdown, sanitised (training.RenderMarkdown).
		"markdown":   func(src string) template.HTML { return template.HTML(training.RenderMarkdown(src)) },
		"levelLabel": training.LevelLabel,
		"bodyLabel":  training.BodyLabel,
		"roleLabel":  func(r auth.Role) string { return r.Label() },
		"letter":     func(i int) string { return string(rune('A' + i)) },
		"chosen": func(cs []int, i int) bool {
			for _, c := range cs {
				if c == i {
					return true
				}
			}
			return false
		},
	}
}

// Attention tells a learner what training is overdue or due, and an
// educator what evidence waits for review.
func (s *Module) Attention(ctx context.Context, p *store.Principal) ([]web.Attention, error) {
	ds, err := s.db.Duties(ctx, p.Org.ID, p.User.ID)
	if err != nil {
		return nil, err
	}
	var out []web.Attention
	var items []web.AttentionItem
	overdue, due := 0, 0
	for _, d := range ds {
		what := ""
		switch d.Status {
		case trainingdb.DutyOverdue:
			overdue++
			what = d.Assignment.CourseTitle + ": overdue since " + text.Day(d.Assignment.DueOn)
		case trainingdb.DutyDue:
			due++
			what = d.Assignment.CourseTitle + ": due by " + text.Day(d.Assignment.DueOn)
		default:
			continue
		}
		if len(items) < web.MaxAttentionItems {
			items = append(items, web.AttentionItem{Text: what, Href: "/training/courses/" + d.Assignment.CourseID})
		}
	}
	if overdue+due > 0 {
		title := text.Count(due, "training course is", "training courses are") + " due"
		if overdue > 0 {
			title = text.Count(overdue, "training course is", "training courses are") + " overdue"
			if due > 0 {
				title += ", " + strconv.Itoa(due) + " more due"
			}
		}
		out = append(out, web.Attention{Title: title, Warning: overdue > 0, Items: items, Href: "/training", Link: "See your training"})
	}
	if auth.HasAny(p.Roles, teach...) {
		es, err := s.db.EvidenceList(ctx, p.Org.ID, "", trainingdb.EvidenceSubmitted)
		if err != nil {
			return nil, err
		}
		if len(es) > 0 {
			out = append(out, web.Attention{Title: text.Count(len(es), "record of training elsewhere waits", "records of training elsewhere wait") + " for review",
				Href: "/training/evidence", Link: "Review evidence"})
		}
	}
	return out, nil
}

// AuditWords are the words of the training wing's audit actions.
func (s *Module) AuditWords() map[string]string {
	return map[string]string{
		"course": "Course", "enrolment": "Enrolment", "completion": "Training completion", "assignment": "Training assignment",
		"training_evidence": "Evidence of training", "registration": "Professional registration",
		"course.publish":           "New course version published",
		"enrolment.attempt":        "Quiz attempt started",
		"enrolment.submit":         "Quiz answers submitted",
		"enrolment.complete":       "Course completed",
		"completion.certificate":   "Certificate issued",
		"assignment.renew":         "Course assigned again for renewal",
		"assignment.remind":        "Training reminder sent",
		"assignment.withdraw":      "Training assignment withdrawn",
		"training_evidence.accept": "Evidence of training accepted",
		"training_evidence.reject": "Evidence of training rejected",
		"registration.check":       "Professional registration checked",
	}
}

// org is the organisation of the request.
func org(r *http.Request) store.OrgID { return web.PrincipalFrom(r.Context()).Org.ID }

// me is the signed-in person.
func me(r *http.Request) *store.Principal { return web.PrincipalFrom(r.Context()) }
