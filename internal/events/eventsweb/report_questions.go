package eventsweb

import (
	"net/http"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/web"
)

// QuestionsType is one record type's local questions.
type QuestionsType struct {
	Type      events.RecordType
	Label     string
	Questions []events.LocalQuestion
}

// QuestionsPage lists an organisation's local questions per record type,
// with the form to add one.
type QuestionsPage struct {
	web.Base
	Types   []QuestionsType
	Form    events.LocalQuestion
	Options string
	TypeOpt []web.Option
	Kind    ReportField
}

var localKindWords = map[events.Kind]string{events.KindText: "Text", events.KindChoice: "A choice from a list", events.KindDate: "A date"}

func (s *Module) questionsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderQuestionsAdmin(w, r, events.LocalQuestion{Kind: events.KindText}, "", nil)
}

func (s *Module) renderQuestionsAdmin(w http.ResponseWriter, r *http.Request, form events.LocalQuestion, opts string, err error) error {
	p := web.PrincipalFrom(r.Context())
	qs, lerr := s.ev.LocalQuestions(r.Context(), p.Org.ID, false)
	if lerr != nil {
		return lerr
	}
	data := QuestionsPage{Base: s.k.Base(w, r, "Local questions"), Form: form, Options: opts,
		TypeOpt: web.Choices(events.RecordTypes, func(t events.RecordType) (string, string) { return string(t), t.Label() }, string(form.Type))}
	data.Kind = ReportField{ID: "kind", Name: "kind", Kind: events.KindChoice, Label: "Kind of answer"}
	for i, k := range events.LocalKinds {
		id := "kind"
		if i > 0 {
			id = "kind-" + string(k)
		}
		data.Kind.Options = append(data.Kind.Options, ReportOption{ID: id, Value: string(k), Label: localKindWords[k], Checked: k == form.Kind})
	}
	for _, t := range events.RecordTypes {
		qt := QuestionsType{Type: t, Label: t.Label()}
		for _, q := range qs {
			if q.Type == t {
				qt.Questions = append(qt.Questions, q)
			}
		}
		data.Types = append(data.Types, qt)
	}
	status := http.StatusOK
	if err != nil {
		status = http.StatusUnprocessableEntity
		data.SetErrors(err, "record_type", "kind", "prompt", "hint", "options")
		data.Kind.Error = data.Errors["kind"]
	}
	return s.k.Render(w, status, "events/report_questions", data)
}

func (s *Module) questionsAdd(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	opts := r.PostFormValue("options")
	q := events.LocalQuestion{Type: events.RecordType(r.PostFormValue("record_type")), Kind: events.Kind(r.PostFormValue("kind")),
		Prompt: r.PostFormValue("prompt"), Hint: r.PostFormValue("hint"), Required: r.PostFormValue("required") == "yes",
		Options: strings.Split(strings.ReplaceAll(opts, "\r\n", "\n"), "\n")}
	p := web.PrincipalFrom(r.Context())
	if _, err := s.ev.AddLocalQuestion(r.Context(), p.Org.ID, q); err != nil {
		if apperr.Is(err, apperr.Invalid) {
			return s.renderQuestionsAdmin(w, r, q, opts, err)
		}
		return err
	}
	return s.k.Redirect(w, r, "/events/questions", "Question added: "+strings.TrimSpace(q.Prompt))
}

func (s *Module) questionsRetire(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	if err := s.ev.RetireLocalQuestion(r.Context(), p.Org.ID, r.PathValue("id")); err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/events/questions", "Question retired. Answers already given keep their words.")
}
