package eventsweb

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/web"
)

func (s *Module) reportAPIRoutes() []web.Route {
	return []web.Route{
		{Method: "POST", Path: "/api/v1/events", Roles: web.Anyone, API: true, Handle: s.apiReport},
		{Method: "GET", Path: "/api/v1/events/flow", Roles: web.Anyone, API: true, Handle: s.apiFlow},
		{Method: "GET", Path: "/api/v1/events/mine", Roles: web.Anyone, API: true, Handle: s.apiMine},
		{Method: "GET", Path: "/api/v1/events/drafts", Roles: web.Anyone, API: true, Handle: s.apiDrafts},
		{Method: "POST", Path: "/api/v1/events/drafts", Roles: web.Anyone, API: true, Handle: s.apiCreateDraft},
		{Method: "GET", Path: "/api/v1/events/drafts/{id}", Roles: web.Anyone, API: true, Handle: s.apiDraft},
		{Method: "PUT", Path: "/api/v1/events/drafts/{id}", Roles: web.Anyone, API: true, Handle: s.apiUpdateDraft},
		{Method: "POST", Path: "/api/v1/events/drafts/{id}/submit", Roles: web.Anyone, API: true, Handle: s.apiSubmitDraft},
		{Method: "DELETE", Path: "/api/v1/events/drafts/{id}", Roles: web.Anyone, API: true, Handle: s.apiDiscardDraft},
	}
}

// apiRecord is a record as the API takes it.
type apiRecord struct {
	RecordType   events.RecordType           `json:"record_type"`
	Answers      events.Answers              `json:"answers"`
	Groups       map[string][]events.Answers `json:"groups"`
	Anonymous    bool                        `json:"anonymous"`
	Confidential bool                        `json:"confidential"`
	Version      int                         `json:"version"`
}

func (a apiRecord) record() events.Record {
	rec := events.Record{Type: a.RecordType, Answers: a.Answers, Groups: a.Groups}
	if rec.Answers == nil {
		rec.Answers = events.Answers{}
	}
	return rec
}

func (a apiRecord) identity() (eventsdb.Identity, error) {
	switch {
	case a.Anonymous && a.Confidential:
		return "", &apperr.Error{Kind: apperr.Invalid, Message: "A report is anonymous or confidential, not both",
			Fields: map[string]string{"anonymous": "choose anonymous or confidential, not both"}}
	case a.Anonymous:
		return eventsdb.Anonymous, nil
	case a.Confidential:
		return eventsdb.Confidential, nil
	}
	return eventsdb.Named, nil
}

// apiSubmitted is a submitted report, with the follow-up code of an
// anonymous one (given once).
type apiSubmitted struct {
	eventsdb.Event
	FollowUpCode string `json:"follow_up_code,omitempty"`
}

// apiReport creates and submits a complete record in one step.
func (s *Module) apiReport(w http.ResponseWriter, r *http.Request) error {
	var in apiRecord
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	how, err := in.identity()
	if err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	var out apiSubmitted
	if how == eventsdb.Anonymous {
		out.Event, out.FollowUpCode, err = s.ev.ReportAnonymous(r.Context(), p.Org.ID, in.record())
	} else {
		out.Event, err = s.ev.Report(r.Context(), p.Org.ID, in.record(), eventsdb.Submission{Audience: events.Staff, ReporterID: p.User.ID, Confidential: how == eventsdb.Confidential})
	}
	if err != nil {
		return err
	}
	if how == eventsdb.Anonymous {
		out.ReporterID = ""
	}
	return web.WriteJSON(w, http.StatusCreated, out)
}

// answeredPages are the pages of rec that hold an answer: a draft sent
// through the API is checked on what it gives.
func answeredPages(flow events.Flow, rec events.Record) []string {
	out := []string{events.AnsType}
	for _, p := range flow.Pages(rec, events.Staff) {
		if p.Group != nil {
			if len(rec.Groups[p.Group.ID]) > 0 {
				out = append(out, p.ID)
			}
			continue
		}
		if slices.ContainsFunc(p.Questions, func(q events.Question) bool { return len(rec.Answers[q.ID]) > 0 }) {
			out = append(out, p.ID)
		}
	}
	return out
}

func (s *Module) apiSaveDraft(w http.ResponseWriter, r *http.Request, id string) error {
	var in apiRecord
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	if id != "" {
		if _, err := s.ev.Draft(r.Context(), p.Org.ID, id); err != nil {
			return err
		}
		if in.Version < 1 {
			return &apperr.Error{Kind: apperr.Invalid, Message: "Send the version of the draft you changed", Fields: map[string]string{"version": "required"}}
		}
	}
	rec := in.record()
	var pages []string
	if rec.Type != "" {
		flow, err := s.ev.Flow(r.Context(), p.Org.ID)
		if err != nil {
			return err
		}
		pages = answeredPages(flow, rec)
	}
	d, err := s.ev.SaveDraft(r.Context(), p.Org.ID, id, in.Version, rec, pages...)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if id == "" {
		status = http.StatusCreated
	}
	return web.WriteJSON(w, status, d)
}

func (s *Module) apiCreateDraft(w http.ResponseWriter, r *http.Request) error {
	return s.apiSaveDraft(w, r, "")
}

func (s *Module) apiUpdateDraft(w http.ResponseWriter, r *http.Request) error {
	return s.apiSaveDraft(w, r, r.PathValue("id"))
}

func (s *Module) apiDraft(w http.ResponseWriter, r *http.Request) error {
	d, err := s.ev.Draft(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, d)
}

// apiDiscardDraft deletes one of the caller's drafts at ?version=N.
func (s *Module) apiDiscardDraft(w http.ResponseWriter, r *http.Request) error {
	v, err := strconv.Atoi(r.URL.Query().Get("version"))
	if err != nil || v < 1 {
		return apperr.Field("version", "Give the draft's version (?version=N) so a draft changed elsewhere is not deleted")
	}
	if err := s.ev.DiscardDraft(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), v); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type apiSubmit struct {
	Version      int  `json:"version"`
	Anonymous    bool `json:"anonymous"`
	Confidential bool `json:"confidential"`
}

func (s *Module) apiSubmitDraft(w http.ResponseWriter, r *http.Request) error {
	var in apiSubmit
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	how, err := apiRecord{Anonymous: in.Anonymous, Confidential: in.Confidential}.identity()
	if err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	var out apiSubmitted
	out.Event, out.FollowUpCode, err = s.ev.SubmitAs(r.Context(), p.Org.ID, r.PathValue("id"), in.Version, how)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, out)
}

func (s *Module) apiDrafts(w http.ResponseWriter, r *http.Request) error {
	ds, err := s.ev.Drafts(r.Context(), web.PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(ds))
}

// apiMineItem is one of the person's reports with its status history.
type apiMineItem struct {
	eventsdb.Event
	History []eventsdb.StatusChange `json:"history"`
}

func (s *Module) apiMine(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	mine, err := s.ev.Mine(r.Context(), p.Org.ID, 500)
	if err != nil {
		return err
	}
	out := []apiMineItem{}
	for _, e := range mine {
		h, err := s.ev.History(r.Context(), p.Org.ID, e.ID)
		if err != nil {
			return err
		}
		out = append(out, apiMineItem{Event: e, History: h})
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(out))
}

// apiQuestion is a question of the flow as data.
type apiQuestion struct {
	ID       string              `json:"id"`
	Kind     events.Kind         `json:"kind"`
	Prompt   string              `json:"prompt"`
	PromptBy map[string]string   `json:"prompt_for,omitempty"`
	Hint     string              `json:"hint,omitempty"`
	List     string              `json:"list,omitempty"`
	Options  []events.Entry      `json:"options,omitempty"`
	Required bool                `json:"required"`
	Types    []events.RecordType `json:"record_types,omitempty"`
	If       *apiCond            `json:"if,omitempty"`
	Public   bool                `json:"public"`
	Only     events.Audience     `json:"only,omitempty"`
	Group    string              `json:"group,omitempty"`
	Page     string              `json:"page"`
	LFPSE    string              `json:"lfpse"`
	Local    bool                `json:"local,omitempty"`
	Min      int                 `json:"min,omitempty"`
	Max      int                 `json:"max,omitempty"`
}

type apiCond struct {
	Question string   `json:"question"`
	AnyOf    []string `json:"any_of"`
}

type apiFlowDoc struct {
	TaxonomyVersion string                     `json:"taxonomy_version"`
	Questions       []apiQuestion              `json:"questions"`
	Lists           map[string]events.CodeList `json:"lists"`
	Systems         []events.Entry             `json:"systems"`
	Limits          map[string]int             `json:"limits"`
}

// apiFlow is the organisation's question flow and code lists as data:
// the API's contract for records.
func (s *Module) apiFlow(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	flow, cc, err := s.flowOf(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	doc := apiFlowDoc{TaxonomyVersion: flow.Taxonomy.Version, Lists: flow.Taxonomy.Lists, Systems: cc.Systems,
		Limits: map[string]int{"text": events.MaxText, "longtext": events.MaxLongText, "group_items": events.MaxGroup}}
	if doc.Systems == nil {
		doc.Systems = []events.Entry{}
	}
	for _, q := range flow.Questions {
		aq := apiQuestion{ID: q.ID, Kind: q.Kind, Prompt: q.Prompt, Hint: q.Hint, List: q.List, Options: q.Options, Required: q.Required,
			Types: q.Types, Public: q.Public, Only: q.Only, Group: q.Group, Page: q.PageID(), LFPSE: q.LFPSE, Local: q.Local, Min: q.Min, Max: q.Max}
		if q.If != nil {
			aq.If = &apiCond{Question: q.If.Question, AnyOf: q.If.AnyOf}
		}
		if len(q.PromptFor) > 0 {
			aq.PromptBy = map[string]string{}
			for t, p := range q.PromptFor {
				aq.PromptBy[string(t)] = p
			}
		}
		doc.Questions = append(doc.Questions, aq)
	}
	return web.WriteJSON(w, http.StatusOK, doc)
}
