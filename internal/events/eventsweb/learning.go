package eventsweb

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/text"
	"github.com/clinsafe/clinsafe/internal/web"
)

// learningRoutes are the routes of PSIRF learning responses: handlers
// open and run them; the response plan is the handlers' and admins'.
func (s *Module) learningRoutes() []web.Route {
	plan := web.Roles(auth.Handler, auth.Admin)
	return []web.Route{
		{Method: "GET", Path: "/events/learning", Roles: evHandle, Handle: s.learningList},
		{Method: "GET", Path: "/events/learning/new", Roles: evHandle, Handle: s.learningNew},
		{Method: "POST", Path: "/events/learning", Roles: evHandle, Handle: s.learningCreate},
		{Method: "GET", Path: "/events/learning/plan", Roles: plan, Handle: s.learningPlan},
		{Method: "POST", Path: "/events/learning/plan", Roles: plan, Handle: s.learningSavePlan},
		{Method: "GET", Path: "/events/learning/{id}", Roles: evHandle, Handle: s.learningResponse},
		{Method: "POST", Path: "/events/learning/{id}", Roles: evHandle, Handle: s.learningUpdate},
		{Method: "POST", Path: "/events/learning/{id}/actions", Roles: evHandle, Handle: s.learningAddAction},
		{Method: "POST", Path: "/events/learning/{id}/actions/{action}", Roles: evHandle, Handle: s.learningUpdateAction},

		// JSON API: see docs/api-events.md.
		{Method: "GET", Path: "/api/v1/events/learning", Roles: evHandle, API: true, Handle: s.apiLearningList},
		{Method: "POST", Path: "/api/v1/events/learning", Roles: evHandle, API: true, Handle: s.apiLearningCreate},
		{Method: "GET", Path: "/api/v1/events/learning/plan", Roles: plan, API: true, Handle: s.apiLearningPlan},
		{Method: "PUT", Path: "/api/v1/events/learning/plan", Roles: plan, API: true, Handle: s.apiLearningSavePlan},
		{Method: "GET", Path: "/api/v1/events/learning/{id}", Roles: evHandle, API: true, Handle: s.apiLearningGet},
		{Method: "PATCH", Path: "/api/v1/events/learning/{id}", Roles: evHandle, API: true, Handle: s.apiLearningUpdate},
		{Method: "POST", Path: "/api/v1/events/learning/{id}/actions", Roles: evHandle, API: true, Handle: s.apiLearningAddAction},
		{Method: "PATCH", Path: "/api/v1/events/learning/{id}/actions/{action}", Roles: evHandle, API: true, Handle: s.apiLearningUpdateAction},
	}
}

// learningFuncs are the learning pages' template functions.
var learningFuncs = map[string]any{
	"responseStatus":   events.ResponseStatusLabel,
	"responseTypeHint": func(t string) string { return events.ResponseType(t).Describe() },
	"actionStatus": func(st string) string {
		switch st {
		case events.ActionDone:
			return "Done"
		case events.ActionCancelled:
			return "Cancelled"
		}
		return "Open"
	},
}

// learningWords are the words of the learning responses' audit actions.
var learningWords = map[string]string{
	"learning_response": "Learning response", "psirf_plan": "Patient safety incident response plan",
	"learning_response.create":   "Learning response opened",
	"learning_response.update":   "Learning response changed",
	"learning_response.complete": "Learning response completed",
	"learning_response.action":   "Learning response action recorded",
	"psirf_plan.update":          "Response plan changed",
}

// learningAttention tells each person about their overdue actions (urgent:
// the learning is not yet acted on), and handlers about responses past
// their due date.
func (s *Module) learningAttention(ctx context.Context, p *store.Principal) ([]web.Attention, error) {
	var out []web.Attention
	mine, err := s.ev.OverdueActions(ctx, p.Org.ID, p.User.ID)
	if err != nil {
		return nil, err
	}
	if len(mine) > 0 {
		var items []web.AttentionItem
		for _, a := range mine[:min(len(mine), web.MaxAttentionItems)] {
			items = append(items, web.AttentionItem{Text: a.ResponseRef + ": " + a.Description + " (due " + dayWords(a.DueOn) + ")", Href: "/events/learning/" + a.ResponseID})
		}
		out = append(out, web.Attention{Title: text.Count(len(mine), "learning action of yours is", "learning actions of yours are") + " overdue",
			Detail: "Each is an action agreed after a patient safety event. Do it, or record why it is cancelled.", Warning: true, Urgency: web.UrgencyNow, Items: items})
	}
	if !auth.HasAny(p.Roles, evHandle...) {
		return out, nil
	}
	rs, err := s.ev.ListResponses(ctx, p.Org.ID, "")
	if err != nil {
		return nil, err
	}
	var items []web.AttentionItem
	late := 0
	for _, r := range rs {
		if r.PastDue(s.ev.Now()) {
			late++
			if len(items) < web.MaxAttentionItems {
				items = append(items, web.AttentionItem{Text: r.Ref + ": " + r.Title + " (due " + dayWords(r.DueOn) + ")", Href: "/events/learning/" + r.ID})
			}
		}
	}
	if late > 0 {
		out = append(out, web.Attention{Title: text.Count(late, "learning response is", "learning responses are") + " past due",
			Urgency: web.UrgencySoon, Items: items, Href: "/events/learning", Link: "See learning responses"})
	}
	return out, nil
}

// dayWords is an ISO date as "1 December 2026".
func dayWords(iso string) string {
	if d, err := time.Parse(time.DateOnly, iso); err == nil {
		return d.Format("2 January 2006")
	}
	return iso
}

// LearningListPage lists the organisation's learning responses.
type LearningListPage struct {
	web.Base
	Responses []eventsdb.LearningResponse
	Status    string
	Statuses  []web.Option
}

func (s *Module) learningList(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	st := r.URL.Query().Get("status")
	if st != "" && !slices.Contains(events.ResponseStatuses, st) {
		st = ""
	}
	rs, err := s.ev.ListResponses(r.Context(), p.Org.ID, st)
	if err != nil {
		return err
	}
	opts := []web.Option{{Value: "", Label: "All", Selected: st == ""}}
	for _, v := range events.ResponseStatuses {
		opts = append(opts, web.Option{Value: v, Label: events.ResponseStatusLabel(v), Selected: v == st})
	}
	return s.k.Render(w, http.StatusOK, "events/learning_list", LearningListPage{Base: s.k.Base(w, r, "Learning responses"), Responses: rs, Status: st, Statuses: opts})
}

// LearningNewPage opens a learning response from events.
type LearningNewPage struct {
	web.Base
	Types  []web.Option
	Type   string
	Title  string
	Events string // references, one a line
	Lead   string
	Due    web.DateParts
	People []web.Option
	// Expected is what the response plan expects for the first event.
	Expected *events.PlanRule
}

func (s *Module) people(ctx context.Context, orgID store.OrgID, selected string) ([]web.Option, error) {
	us, err := s.ev.ListUsers(ctx, orgID)
	if err != nil {
		return nil, err
	}
	us = slices.DeleteFunc(us, func(u store.User) bool { return u.Disabled && u.ID != selected })
	return web.Choices(us, func(u store.User) (string, string) { return u.ID, u.Name }, selected), nil
}

func responseTypes(selected string) []web.Option {
	return web.Choices(events.ResponseTypes, func(t events.ResponseType) (string, string) { return string(t), t.Label() }, selected)
}

func (s *Module) learningNew(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	d := LearningNewPage{Base: s.k.Base(w, r, "Open a learning response")}
	var refs []string
	for i, id := range r.URL.Query()["event"] {
		e, err := s.ev.Get(r.Context(), p.Org.ID, id)
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return err
		}
		refs = append(refs, e.Ref)
		if i == 0 {
			if rule, ok, err := s.ev.ExpectedResponse(r.Context(), p.Org.ID, e); err != nil {
				return err
			} else if ok {
				d.Expected = &rule
				if rule.Response.Valid() {
					d.Type = string(rule.Response)
				}
			}
		}
	}
	d.Events = strings.Join(refs, "\n")
	var err error
	if d.People, err = s.people(r.Context(), p.Org.ID, p.User.ID); err != nil {
		return err
	}
	d.Lead = p.User.ID
	d.Types = responseTypes(d.Type)
	return s.k.Render(w, http.StatusOK, "events/learning_new", d)
}

// eventIDs turns references typed one a line (or separated by commas)
// into event ids of orgID; a reference that is not found is a field
// message.
func (s *Module) eventIDs(ctx context.Context, orgID store.OrgID, refs string) ([]string, string, error) {
	var ids []string
	for _, ref := range strings.FieldsFunc(refs, func(r rune) bool { return r == '\n' || r == ',' || r == ' ' || r == '\r' || r == '\t' }) {
		e, err := s.ev.ByRef(ctx, orgID, ref)
		if apperr.Is(err, apperr.NotFound) {
			return nil, "No event " + strings.ToUpper(ref) + " in this organisation: check the reference", nil
		}
		if err != nil {
			return nil, "", err
		}
		ids = append(ids, e.ID)
	}
	return ids, "", nil
}

func (s *Module) learningCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	f := r.PostForm.Get
	due, dueTyped, dueMsg := web.FormDate(r.PostForm, "due_on", "the date it is due")
	resp := events.Response{Title: f("title"), Type: events.ResponseType(f("type")), LeadID: f("lead_id"), DueOn: due, StartedOn: ""}
	ids, refMsg, err := s.eventIDs(r.Context(), p.Org.ID, f("events"))
	if err != nil {
		return err
	}
	var lr eventsdb.LearningResponse
	if dueMsg == "" && refMsg == "" {
		lr, err = s.ev.OpenResponse(r.Context(), p.Org.ID, resp, ids)
	} else {
		fs := map[string]string{}
		if dueMsg != "" {
			fs["due_on"] = dueMsg
		}
		if refMsg != "" {
			fs["events"] = refMsg
		}
		err = &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: fs}
	}
	if apperr.Is(err, apperr.Invalid) {
		d := LearningNewPage{Base: s.k.Base(w, r, "Open a learning response"), Type: f("type"), Title: f("title"), Events: f("events"), Lead: f("lead_id"), Due: dueTyped}
		d.Types = responseTypes(d.Type)
		var perr error
		if d.People, perr = s.people(r.Context(), p.Org.ID, d.Lead); perr != nil {
			return perr
		}
		d.SetErrors(err, "type", "title", "events", "lead_id", "due_on")
		return s.k.Render(w, http.StatusUnprocessableEntity, "events/learning_new", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/events/learning/"+lr.ID, lr.Ref+" opened: "+lr.Type.Label()+".")
}

// LearningPage is one learning response, its content and its actions.
type LearningPage struct {
	web.Base
	R        eventsdb.LearningResponse
	Form     events.Response // as typed (after a refused change)
	Fields   []events.ResponseField
	Statuses []web.Option
	People   []web.Option
	Started  web.DateParts
	Due      web.DateParts
	// NewAction is the add-action form as typed.
	NewAction events.Action
	ActionDue web.DateParts
	// ActionErrors are the messages of a refused change to one action.
	ActionID     string
	ActionErrors map[string]string
}

func (s *Module) learningPage(w http.ResponseWriter, r *http.Request, lr eventsdb.LearningResponse) (LearningPage, error) {
	p := web.PrincipalFrom(r.Context())
	d := LearningPage{Base: s.k.Base(w, r, lr.Ref+": "+lr.Title), R: lr, Form: lr.Response, Fields: lr.Type.Fields(),
		Started: web.PartsOf(lr.StartedOn), Due: web.PartsOf(lr.DueOn)}
	for _, v := range events.ResponseStatuses {
		d.Statuses = append(d.Statuses, web.Option{Value: v, Label: events.ResponseStatusLabel(v), Selected: v == lr.Status})
	}
	var err error
	d.People, err = s.people(r.Context(), p.Org.ID, lr.LeadID)
	return d, err
}

func (s *Module) learningResponse(w http.ResponseWriter, r *http.Request) error {
	lr, err := s.ev.Response(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	d, err := s.learningPage(w, r, lr)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "events/learning_response", d)
}

// responseFromForm reads the response form.
func responseFromForm(form url.Values, old eventsdb.LearningResponse) (events.Response, web.DateParts, web.DateParts, map[string]string) {
	f := form.Get
	msgs := map[string]string{}
	started, startedTyped, m1 := web.FormDate(form, "started_on", "the date it started")
	due, dueTyped, m2 := web.FormDate(form, "due_on", "the date it is due")
	if m1 != "" {
		msgs["started_on"] = m1
	}
	if m2 != "" {
		msgs["due_on"] = m2
	}
	resp := events.Response{Title: f("title"), Type: old.Type, Status: f("status"), LeadID: f("lead_id"), Participants: f("participants"),
		StartedOn: started, DueOn: due, Findings: f("findings"), Summary: f("summary"), Content: map[string]string{}}
	for _, fld := range old.Type.Fields() {
		resp.Content[fld.Key] = f(fld.Key)
	}
	return resp, startedTyped, dueTyped, msgs
}

func (s *Module) learningUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	orgID := web.PrincipalFrom(r.Context()).Org.ID
	old, err := s.ev.Response(r.Context(), orgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	resp, started, due, msgs := responseFromForm(r.PostForm, old)
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	var lr eventsdb.LearningResponse
	if len(msgs) > 0 {
		err = &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: msgs}
	} else {
		lr, err = s.ev.UpdateResponse(r.Context(), orgID, old.ID, version, resp)
	}
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
		d, perr := s.learningPage(w, r, old)
		if perr != nil {
			return perr
		}
		d.Form, d.Started, d.Due = resp, started, due
		order := []string{"title", "status", "lead_id", "participants", "started_on", "due_on"}
		for _, fld := range old.Type.Fields() {
			order = append(order, fld.Key)
		}
		d.SetErrors(err, append(order, "findings", "summary")...)
		status := http.StatusUnprocessableEntity
		if apperr.Is(err, apperr.Conflict) {
			status = http.StatusConflict
		}
		return s.k.Render(w, status, "events/learning_response", d)
	}
	if err != nil {
		return err
	}
	msg := "Learning response saved."
	if lr.Status == events.ResponseCompleted && old.Status != events.ResponseCompleted {
		msg = lr.Ref + " completed. Its summary can now be used as the learning summary of its events."
	}
	return s.k.Redirect(w, r, "/events/learning/"+lr.ID, msg)
}

func actionFromForm(form url.Values) (events.Action, web.DateParts, map[string]string) {
	f := form.Get
	due, typed, msg := web.FormDate(form, "due_on", "the date it is due")
	msgs := map[string]string{}
	if msg != "" {
		msgs["due_on"] = msg
	}
	a := events.Action{Description: f("description"), OwnerID: f("owner_id"), DueOn: due, Measure: f("measure"), Status: f("status"),
		Evidence: f("evidence"), CancelReason: f("cancel_reason")}
	if form.Has("done_on-day") {
		done, _, m := web.FormDate(form, "done_on", "the date it was done")
		if m != "" {
			msgs["done_on"] = m
		}
		a.DoneOn = done
	}
	return a, typed, msgs
}

func (s *Module) learningAddAction(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	orgID := web.PrincipalFrom(r.Context()).Org.ID
	lr, err := s.ev.Response(r.Context(), orgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	a, due, msgs := actionFromForm(r.PostForm)
	if len(msgs) > 0 {
		err = &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: msgs}
	} else {
		_, err = s.ev.AddAction(r.Context(), orgID, lr.ID, a)
	}
	if apperr.Is(err, apperr.Invalid) {
		d, perr := s.learningPage(w, r, lr)
		if perr != nil {
			return perr
		}
		d.NewAction, d.ActionDue = a, due
		d.SetErrors(err, "description", "owner_id", "due_on", "measure")
		return s.k.Render(w, http.StatusUnprocessableEntity, "events/learning_response", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/events/learning/"+lr.ID+"#actions", "Action added.")
}

func (s *Module) learningUpdateAction(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	orgID := web.PrincipalFrom(r.Context()).Org.ID
	lr, err := s.ev.Response(r.Context(), orgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	var old *eventsdb.LearningAction
	for i := range lr.Actions {
		if lr.Actions[i].ID == r.PathValue("action") {
			old = &lr.Actions[i]
		}
	}
	if old == nil {
		return store.NotFound("action")
	}
	// The status forms send only what changes; the rest is the action as it is.
	a := old.Action
	a.Status = r.PostForm.Get("status")
	a.Evidence, a.CancelReason = r.PostForm.Get("evidence"), r.PostForm.Get("cancel_reason")
	a.DoneOn = ""
	msgs := map[string]string{}
	if r.PostForm.Has("done_on-day") {
		done, _, m := web.FormDate(r.PostForm, "done_on", "the date it was done")
		if m != "" {
			msgs["done_on"] = m
		}
		a.DoneOn = done
	}
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	if len(msgs) > 0 {
		err = &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: msgs}
	} else {
		_, err = s.ev.UpdateAction(r.Context(), orgID, lr.ID, old.ID, version, a)
	}
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
		d, perr := s.learningPage(w, r, lr)
		if perr != nil {
			return perr
		}
		d.ActionID, d.ActionErrors = old.ID, apperr.FieldsOf(err)
		d.SetErrors(err, "done_on", "evidence", "cancel_reason")
		status := http.StatusUnprocessableEntity
		if apperr.Is(err, apperr.Conflict) {
			status = http.StatusConflict
		}
		return s.k.Render(w, status, "events/learning_response", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/events/learning/"+lr.ID+"#actions", "Action "+actionStatusWords(a.Status)+".")
}

func actionStatusWords(st string) string {
	switch st {
	case events.ActionDone:
		return "marked done"
	case events.ActionCancelled:
		return "cancelled"
	}
	return "reopened"
}

// LearningPlanPage edits the patient safety incident response plan.
type LearningPlanPage struct {
	web.Base
	Rules  []events.PlanRule
	Own    bool
	Types  []events.RecordType
	Harms  []events.Entry
	Agents []events.Entry
	Resps  []events.ResponseType
}

func (s *Module) planPage(w http.ResponseWriter, r *http.Request, rules []events.PlanRule, own bool) LearningPlanPage {
	return LearningPlanPage{Base: s.k.Base(w, r, "Patient safety incident response plan"), Rules: append(rules, events.PlanRule{}), Own: own,
		Types: events.RecordTypes, Harms: events.LFPSE.List(events.ListPhysicalHarm).Entries, Agents: events.LFPSE.List(events.ListAgent).Entries,
		Resps: append(append([]events.ResponseType{}, events.ResponseTypes...), events.LocalReview)}
}

func (s *Module) learningPlan(w http.ResponseWriter, r *http.Request) error {
	rules, own, err := s.ev.PSIRFPlan(r.Context(), web.PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "events/learning_plan", s.planPage(w, r, rules, own))
}

func (s *Module) learningSavePlan(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	var rules []events.PlanRule
	for i := 0; i < 60 && r.PostForm.Has("rules."+strconv.Itoa(i)+".name"); i++ {
		at := func(k string) string { return r.PostForm.Get("rules." + strconv.Itoa(i) + "." + k) }
		rule := events.PlanRule{Name: at("name"), Type: events.RecordType(at("record_type")), HarmAtLeast: at("harm_at_least"), Agent: at("agent"),
			Response: events.ResponseType(at("response")), Rationale: at("rationale")}
		if strings.TrimSpace(rule.Name) == "" && rule.Response == "" && rule.Type == "" && rule.Agent == "" && rule.HarmAtLeast == "" {
			continue // the blank line for a new rule
		}
		if at("remove") != "" {
			continue
		}
		rules = append(rules, rule)
	}
	err := s.ev.SavePSIRFPlan(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, rules)
	if apperr.Is(err, apperr.Invalid) {
		d := s.planPage(w, r, rules, true)
		d.SetErrors(err)
		return s.k.Render(w, http.StatusUnprocessableEntity, "events/learning_plan", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/events/learning/plan", "Response plan saved.")
}

// The JSON API.

func (s *Module) apiLearningList(w http.ResponseWriter, r *http.Request) error {
	st := r.URL.Query().Get("status")
	if st != "" && !slices.Contains(events.ResponseStatuses, st) {
		return apperr.New(apperr.Invalid, "status must be planned, in_progress or completed")
	}
	rs, err := s.ev.ListResponses(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, st)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(rs))
}

type apiResponseBody struct {
	events.Response
	Events  []string `json:"events"`
	Version int      `json:"version"`
}

func (s *Module) apiLearningCreate(w http.ResponseWriter, r *http.Request) error {
	var in apiResponseBody
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	lr, err := s.ev.OpenResponse(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, in.Response, in.Events)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/events/learning/"+lr.ID)
	return web.WriteJSON(w, http.StatusCreated, lr)
}

func (s *Module) apiLearningGet(w http.ResponseWriter, r *http.Request) error {
	lr, err := s.ev.Response(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, lr)
}

func (s *Module) apiLearningUpdate(w http.ResponseWriter, r *http.Request) error {
	var in apiResponseBody
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	lr, err := s.ev.UpdateResponse(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), in.Version, in.Response)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, lr)
}

type apiActionBody struct {
	events.Action
	Version int `json:"version"`
}

func (s *Module) apiLearningAddAction(w http.ResponseWriter, r *http.Request) error {
	var in apiActionBody
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	a, err := s.ev.AddAction(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), in.Action)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, a)
}

func (s *Module) apiLearningUpdateAction(w http.ResponseWriter, r *http.Request) error {
	var in apiActionBody
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	a, err := s.ev.UpdateAction(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), r.PathValue("action"), in.Version, in.Action)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, a)
}

func (s *Module) apiLearningPlan(w http.ResponseWriter, r *http.Request) error {
	rules, own, err := s.ev.PSIRFPlan(r.Context(), web.PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"rules": rules, "default": !own})
}

func (s *Module) apiLearningSavePlan(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Rules []events.PlanRule `json:"rules"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.ev.SavePSIRFPlan(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, in.Rules); err != nil {
		return err
	}
	return s.apiLearningPlan(w, r)
}
