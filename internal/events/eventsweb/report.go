package eventsweb

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// reportRoutes are the routes of staff and public reporting, My reports,
// the local questions and their API.
func (s *Module) reportRoutes() []web.Route {
	rs := []web.Route{
		{Method: "GET", Path: "/events/report", Roles: web.Anyone, Handle: s.reportStart},
		{Method: "GET", Path: "/events/report/{id}", Roles: web.Anyone, Handle: s.reportResume},
		{Method: "GET", Path: "/events/report/{id}/check", Roles: web.Anyone, Handle: s.reportCheck},
		{Method: "POST", Path: "/events/report/{id}/check", Roles: web.Anyone, Handle: s.reportSubmit},
		{Method: "GET", Path: "/events/report/{id}/done", Roles: web.Anyone, Handle: s.reportDone},
		{Method: "GET", Path: "/events/report/{id}/discard", Roles: web.Anyone, Handle: s.reportDiscardPage},
		{Method: "POST", Path: "/events/report/{id}/discard", Roles: web.Anyone, Handle: s.reportDiscard},
		{Method: "GET", Path: "/events/report/{id}/{page}", Roles: web.Anyone, Handle: s.staffPage},
		{Method: "POST", Path: "/events/report/{id}/{page}", Roles: web.Anyone, Handle: s.staffPage},
		{Method: "GET", Path: "/events/report/{id}/{page}/{item}", Roles: web.Anyone, Handle: s.staffItem},
		{Method: "POST", Path: "/events/report/{id}/{page}/{item}", Roles: web.Anyone, Handle: s.staffItem},
		{Method: "POST", Path: "/events/report/{id}/{page}/{item}/remove", Roles: web.Anyone, Handle: s.staffRemove},
		{Method: "GET", Path: "/events/mine", Roles: web.Anyone, Handle: s.myReports},
		{Method: "GET", Path: "/events/mine/{id}", Roles: web.Anyone, Handle: s.myReport},
		{Method: "GET", Path: "/events/questions", Roles: evAdmin, Handle: s.questionsPage},
		{Method: "POST", Path: "/events/questions", Roles: evAdmin, Handle: s.questionsAdd},
		{Method: "POST", Path: "/events/questions/{id}/retire", Roles: evAdmin, Handle: s.questionsRetire},
	}
	rs = append(rs, s.reportPublicRoutes()...)
	return append(rs, s.reportAPIRoutes()...)
}

// reportWords are the words of this part's audit actions.
var reportWords = map[string]string{
	"event.draft_discard": "Draft report deleted",
}

func (s *Module) reportAttention(ctx context.Context, p *store.Principal) ([]web.Attention, error) {
	ds, err := s.ev.Drafts(ctx, p.Org.ID)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	a := web.Attention{Title: "Reports you have not finished", Href: "/events", Link: "Your safety event reports",
		Detail: fmt.Sprintf("%d draft %s saved. Carry on where you stopped.", len(ds), plural(len(ds), "report", "reports")), Urgency: web.UrgencySoon}
	for i, d := range ds {
		if i == web.MaxAttentionItems {
			break
		}
		what := "New report"
		if d.Type != "" {
			what = d.Type.Label()
		}
		a.Items = append(a.Items, web.AttentionItem{Text: what + ", saved " + d.UpdatedAt.In(clock.London).Format("2 Jan 2006 15:04"), Href: "/events/report/" + d.ID})
	}
	return []web.Attention{a}, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Page data of the reporting flow.

// ReportField is one question drawn on a page.
type ReportField struct {
	ID, Name, Label, Hint, Error, Value string
	Kind                                events.Kind
	Values                              []string
	Options                             []ReportOption
	Date                                web.DateParts
	// AsHeading draws the question as the page's heading (a page of one
	// question).
	AsHeading bool
	Select    bool
	Max       int
}

// ReportOption is one radio, checkbox or option of a select.
type ReportOption struct {
	ID, Value, Label, Hint string
	Checked                bool
}

// ReportQuestionPage is one page of the flow: its questions, or one item
// of a repeating group.
type ReportQuestionPage struct {
	web.Base
	Action, Back string
	Heading      string
	Caption      string
	Fields       []ReportField
	Version      int
	Public       bool
	Button       string
	// Return is "check" when the page was opened from check your answers.
	Return string
}

// ReportGroupItem is one item of a repeating group on its summary page.
type ReportGroupItem struct {
	Title        string
	Rows         []events.SummaryRow
	ChangeHref   string
	RemoveAction string
}

// ReportGroupPage lists a repeating group's items (the NHS.UK "add
// another" pattern).
type ReportGroupPage struct {
	web.Base
	Action, Back, Heading string
	Items                 []ReportGroupItem
	AddHref               string
	Version               int
	Public                bool
}

// ReportCheckRow is one line of check your answers.
type ReportCheckRow struct {
	Prompt string
	Answer []string
	Href   string
}

// ReportCheckPage is check your answers.
type ReportCheckPage struct {
	web.Base
	Action, Back string
	Rows         []ReportCheckRow
	Version      int
	Public       bool
	Identity     string
	// IdentityField asks a staff reporter how to send the report.
	IdentityField *ReportField
	// Similar are events of the organisation that may be the same, for a
	// staff reporter (never blocking the submission).
	Similar []SimilarEvent
	// DiscardHref deletes a staff reporter's draft instead of sending it.
	DiscardHref string
}

// ReportDonePage is the confirmation: the reference, what happens next,
// and for an anonymous report its follow-up code, shown once.
type ReportDonePage struct {
	web.Base
	Ref          string
	Code         string
	FollowUpHref string
	Public       bool
	Anonymous    bool
	Confidential bool
	OrgName      string
}

// flowPart is one reporting flow: the staff reporter's draft, or the
// public reporter's draft held by their cookie.
type flowPart struct {
	audience events.Audience
	orgID    store.OrgID
	base     string // the flow's URL prefix
	exit     string // the back link of the first page
	load     func(ctx context.Context) (eventsdb.Event, error)
	save     func(ctx context.Context, version int, rec events.Record, pages ...string) (eventsdb.Event, error)
}

func (s *Module) staffFlow(r *http.Request) flowPart {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	return flowPart{audience: events.Staff, orgID: p.Org.ID, base: "/events/report/" + id, exit: "/events",
		load: func(ctx context.Context) (eventsdb.Event, error) { return s.ev.Draft(ctx, p.Org.ID, id) },
		save: func(ctx context.Context, v int, rec events.Record, pages ...string) (eventsdb.Event, error) {
			return s.ev.SaveDraft(ctx, p.Org.ID, id, v, rec, pages...)
		}}
}

// fieldID is the HTML id of a question's field.
func fieldID(qid string) string { return strings.ReplaceAll(qid, ".", "-") }

// reportStart starts a draft, prefilled with what clinsafe knows, and
// opens its first page.
func (s *Module) reportStart(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	// A draft not yet typed is this same start: open it again rather than
	// leave a trail of empty drafts each time the link is followed.
	drafts, err := s.ev.Drafts(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	for _, d := range drafts {
		if d.Type == "" {
			return s.k.Redirect(w, r, "/events/report/"+d.ID+"/"+events.AnsType, "")
		}
	}
	pre, err := s.ev.Prefill(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	d, err := s.ev.SaveDraft(r.Context(), p.Org.ID, "", 0, events.Record{Answers: pre})
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/events/report/"+d.ID+"/"+events.AnsType, "")
}

// reportResume opens a draft at its first page that still needs an
// answer, or at check your answers.
func (s *Module) reportResume(w http.ResponseWriter, r *http.Request) error {
	fl := s.staffFlow(r)
	d, err := fl.load(r.Context())
	if err != nil {
		return err
	}
	flow, cc, err := s.flowOf(r.Context(), fl.orgID)
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, fl.base+"/"+firstUnanswered(flow, d.Record, fl.audience, cc), "")
}

// firstUnanswered is the id of the first page whose answers are not yet
// complete, or "check".
func firstUnanswered(flow events.Flow, rec events.Record, a events.Audience, cc events.Context) string {
	for _, p := range flow.Pages(rec, a) {
		if flow.Check(rec, a, cc, p.ID) != nil {
			return p.ID
		}
	}
	return "check"
}

func (s *Module) flowOf(ctx context.Context, orgID store.OrgID) (events.Flow, events.Context, error) {
	flow, err := s.ev.Flow(ctx, orgID)
	if err != nil {
		return flow, events.Context{}, err
	}
	cc, err := s.ev.CheckContext(ctx, orgID)
	return flow, cc, err
}

func (s *Module) staffPage(w http.ResponseWriter, r *http.Request) error {
	return s.flowPage(w, r, s.staffFlow(r), r.PathValue("page"))
}

func (s *Module) staffItem(w http.ResponseWriter, r *http.Request) error {
	return s.flowItem(w, r, s.staffFlow(r), r.PathValue("page"), r.PathValue("item"))
}

func (s *Module) staffRemove(w http.ResponseWriter, r *http.Request) error {
	return s.flowRemove(w, r, s.staffFlow(r), r.PathValue("page"), r.PathValue("item"))
}

// formVersion reads the draft version the form was drawn at.
func formVersion(r *http.Request) (int, error) {
	v, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || v < 0 {
		return 0, apperr.New(apperr.BadRequest, "The form has no version of what it changes: reload the page and try again")
	}
	return v, nil
}

// neighbours are the pages before and after page id in rec's flow.
func neighbours(flow events.Flow, rec events.Record, a events.Audience, id string) (prev, next string) {
	pages := flow.Pages(rec, a)
	i := slices.IndexFunc(pages, func(p events.Page) bool { return p.ID == id })
	if i > 0 {
		prev = pages[i-1].ID
	}
	if i >= 0 && i+1 < len(pages) {
		next = pages[i+1].ID
	} else {
		next = "check"
	}
	return prev, next
}

// flowPage draws (GET) or saves (POST) one page of the flow.
func (s *Module) flowPage(w http.ResponseWriter, r *http.Request, fl flowPart, pageID string) error {
	ctx := r.Context()
	d, err := fl.load(ctx)
	if err != nil {
		return err
	}
	flow, cc, err := s.flowOf(ctx, fl.orgID)
	if err != nil {
		return err
	}
	page, _, ok := flow.FindPage(d.Record, fl.audience, pageID)
	if !ok {
		return apperr.New(apperr.NotFound, "This report does not ask that question. Go back to the previous page.")
	}
	if page.Group != nil {
		return s.groupPage(w, r, fl, flow, cc, d, page)
	}
	if r.Method == http.MethodGet {
		return s.renderQuestions(w, r, fl, flow, cc, d, page, d.Record.Answers, -1, nil, nil, http.StatusOK)
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	rec := cloneRecord(d.Record)
	typed, dateErrs := readAnswers(r.PostForm, page.Questions, rec.Answers, &rec)
	var saveErr error
	if len(dateErrs) == 0 {
		_, saveErr = fl.save(ctx, version, rec, page.ID)
	}
	if len(dateErrs) > 0 || apperr.Is(saveErr, apperr.Invalid) {
		errs := dateErrs
		if errs == nil {
			errs = apperr.FieldsOf(saveErr)
		}
		return s.renderQuestions(w, r, fl, flow, cc, d, page, rec.Answers, -1, errs, typed, http.StatusUnprocessableEntity)
	}
	if saveErr != nil {
		return saveErr
	}
	_, next := neighbours(flow, rec, fl.audience, page.ID)
	if r.PostFormValue("return") == "check" && next != "check" {
		// A changed answer that opens no new page goes back to the check.
		if p, _, ok := flow.FindPage(rec, fl.audience, next); ok && flow.Check(rec, fl.audience, cc, p.ID) == nil {
			next = "check"
		}
	}
	return s.k.Redirect(w, r, fl.base+"/"+next, "")
}

// returnTo is "check" when a page was opened from check your answers.
func returnTo(r *http.Request) string {
	if r.URL.Query().Get("return") == "check" || r.PostFormValue("return") == "check" {
		return "check"
	}
	return ""
}

func cloneRecord(r events.Record) events.Record {
	out := events.Record{Type: r.Type, TaxonomyVersion: r.TaxonomyVersion, Answers: events.Answers{}, Groups: map[string][]events.Answers{}}
	for k, v := range r.Answers {
		out.Answers[k] = slices.Clone(v)
	}
	for g, items := range r.Groups {
		for _, it := range items {
			c := events.Answers{}
			for k, v := range it {
				c[k] = slices.Clone(v)
			}
			out.Groups[g] = append(out.Groups[g], c)
		}
	}
	return out
}

// readAnswers reads the answers of qs from form into ans (the record
// type into rec). Dates come from the NHS.UK date input; a date that is
// not real is a message for its question. A question given more than one
// value keeps them all, for the flow's check to refuse.
func readAnswers(form url.Values, qs []events.Question, ans events.Answers, rec *events.Record) (map[string]web.DateParts, map[string]string) {
	typed := map[string]web.DateParts{}
	var errs map[string]string
	for _, q := range qs {
		var vs []string
		switch q.Kind {
		case events.KindMulti:
			vs = form[q.ID]
		case events.KindDate:
			iso, parts, msg := web.FormDate(form, fieldID(q.ID), "the date")
			typed[q.ID] = parts
			if msg != "" {
				if errs == nil {
					errs = map[string]string{}
				}
				errs[q.ID] = msg
			}
			if iso != "" {
				vs = []string{iso}
			}
		default:
			// Every value given, so that a forged form answering a
			// one-answer question twice is refused by the flow's check
			// rather than read as its first answer.
			for _, v := range form[q.ID] {
				if v = strings.TrimSpace(v); v != "" {
					vs = append(vs, v)
				}
			}
		}
		if q.ID == events.AnsType && rec != nil {
			rec.Type = events.RecordType(strings.Join(vs, ""))
			continue
		}
		if len(vs) == 0 {
			delete(ans, q.ID)
		} else {
			ans[q.ID] = vs
		}
	}
	return typed, errs
}

// fields draws questions qs with answers ans; errs are keyed by question
// id.
func fields(flow events.Flow, cc events.Context, t events.RecordType, qs []events.Question, ans events.Answers, errs map[string]string, typed map[string]web.DateParts) []ReportField {
	var out []ReportField
	for _, q := range qs {
		vs := ans[q.ID]
		if q.ID == events.AnsType && t != "" {
			vs = []string{string(t)}
		}
		f := ReportField{ID: fieldID(q.ID), Name: q.ID, Label: q.PromptOf(t), Hint: q.Hint, Error: errs[q.ID], Kind: q.Kind, Values: vs,
			AsHeading: len(qs) == 1}
		if len(vs) > 0 {
			f.Value = vs[0]
		}
		switch q.Kind {
		case events.KindText:
			f.Max = events.MaxText
		case events.KindLongText:
			f.Max = events.MaxLongText
		case events.KindDate:
			if p, ok := typed[q.ID]; ok {
				f.Date = p
			} else {
				f.Date = web.PartsOf(f.Value)
			}
		case events.KindChoice, events.KindMulti, events.KindSystem:
			var choices []events.Entry
			if q.Kind == events.KindSystem {
				choices = append(slices.Clone(cc.Systems), events.Entry{Code: events.NoSystem, Label: "Not listed", Hint: "The system is not in the register, or you do not know which it is"})
			} else {
				choices = q.Choices(flow.Taxonomy)
			}
			f.Select = q.Kind == events.KindChoice && len(choices) > 15
			for i, c := range choices {
				id := f.ID
				if i > 0 {
					id = fmt.Sprintf("%s-%d", f.ID, i+1)
				}
				f.Options = append(f.Options, ReportOption{ID: id, Value: c.Code, Label: c.Label, Hint: c.Hint, Checked: slices.Contains(vs, c.Code)})
			}
		}
		out = append(out, f)
	}
	return out
}

func pageHeading(page events.Page, t events.RecordType) string {
	if len(page.Questions) == 1 {
		return page.Questions[0].PromptOf(t)
	}
	if page.ID == events.AnsDate {
		return "When it happened"
	}
	return page.Questions[0].PromptOf(t)
}

// renderQuestions draws a page of questions, or item item (from 0; -1
// outside groups; len(items) for a new one) of a group page.
func (s *Module) renderQuestions(w http.ResponseWriter, r *http.Request, fl flowPart, flow events.Flow, cc events.Context, d eventsdb.Event,
	page events.Page, ans events.Answers, item int, errs map[string]string, typed map[string]web.DateParts, status int) error {
	rec := d.Record
	data := ReportQuestionPage{Base: s.k.Base(w, r, pageHeading(page, rec.Type)), Version: d.Version, Public: fl.audience == events.Public,
		Heading: pageHeading(page, rec.Type), Button: "Continue", Return: returnTo(r)}
	prev, _ := neighbours(flow, rec, fl.audience, page.ID)
	data.Back = fl.exit
	if prev != "" {
		data.Back = fl.base + "/" + prev
	}
	data.Action = fl.base + "/" + page.ID
	if page.Group != nil {
		data.Back = fl.base + "/" + page.ID
		if len(rec.Groups[page.Group.ID]) == 0 {
			data.Back = fl.exit
			if prev != "" {
				data.Back = fl.base + "/" + prev
			}
		}
		data.Caption = fmt.Sprintf("%s: %d", page.Group.PromptOf(rec.Type), item+1)
		data.Heading = strings.TrimSuffix(groupNoun(page.Group.ID), "s") + " " + strconv.Itoa(item+1)
		data.Title = data.Heading
		data.Action = fmt.Sprintf("%s/%s/%d", fl.base, page.ID, item)
		data.Button = "Save and continue"
	}
	data.Fields = fields(flow, cc, rec.Type, page.Questions, ans, errs, typed)
	if page.Group == nil && len(page.Questions) > 1 {
		for i := range data.Fields {
			data.Fields[i].AsHeading = false
		}
	}
	if page.Group != nil {
		for i := range data.Fields {
			data.Fields[i].AsHeading = false
		}
	}
	if len(errs) > 0 {
		var order []string
		byID := map[string]string{}
		for _, f := range data.Fields {
			order = append(order, f.ID)
			if f.Error != "" {
				byID[f.ID] = f.Error
			}
			if f.Kind == events.KindDate && f.Error != "" {
				delete(byID, f.ID)
				byID[f.ID+"-day"] = f.Error
				order = append(order, f.ID+"-day")
			}
		}
		// A message of a question on another page links to that page; one
		// of no question (a group with no items) is this page's.
		pages := flow.Pages(rec, fl.audience)
		var elsewhere []web.FieldError
		at := map[string]int{}
		for k, m := range errs {
			if slices.ContainsFunc(page.Questions, func(q events.Question) bool { return q.ID == k }) {
				continue
			}
			if i := pageOfField(pages, k); i >= 0 && pages[i].ID != page.ID {
				elsewhere = append(elsewhere, web.FieldError{Message: m, Href: fl.base + "/" + pages[i].ID + "?return=check"})
				at[m] = i
				continue
			}
			if id := fieldID(page.ID); byID[id] == "" {
				byID[id] = m
			}
		}
		slices.SortStableFunc(elsewhere, func(a, b web.FieldError) int {
			if d := at[a.Message] - at[b.Message]; d != 0 {
				return d
			}
			return strings.Compare(a.Message, b.Message)
		})
		data.SetErrors(&apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: byID}, order...)
		data.ErrorList = append(data.ErrorList, elsewhere...)
	}
	return s.k.Render(w, status, "events/report_question", data)
}

// pageOfField is the index in pages of the page that asks field (a
// question id, or a group's "patients.0.physical_harm"), or -1.
func pageOfField(pages []events.Page, field string) int {
	for i, p := range pages {
		if p.Group != nil && (field == p.Group.ID || strings.HasPrefix(field, p.Group.ID+".")) {
			return i
		}
		if slices.ContainsFunc(p.Questions, func(q events.Question) bool { return q.ID == field }) {
			return i
		}
	}
	return -1
}

// checkRows are the rows of check your answers, with their Change links.
func checkRows(flow events.Flow, rec events.Record, a events.Audience, cc events.Context, base string) []ReportCheckRow {
	var out []ReportCheckRow
	for _, row := range flow.Summary(rec, a, cc) {
		href := base + "/" + row.Page
		prompt := row.Prompt
		if row.Item >= 0 {
			href = fmt.Sprintf("%s/%s/%d", base, row.Page, row.Item)
			if g, ok := flow.Question(row.Page); ok {
				prompt = fmt.Sprintf("%s %d: %s", strings.TrimSuffix(groupNoun(g.ID), "s"), row.Item+1, row.Prompt)
			}
		}
		ans := row.Answer
		if len(ans) == 0 {
			ans = []string{"Not answered"}
		}
		out = append(out, ReportCheckRow{Prompt: prompt, Answer: ans, Href: href + "?return=check"})
	}
	return out
}

var identities = []ReportOption{
	{ID: "identity", Value: string(eventsdb.Named), Label: "With my name", Hint: "The patient safety team can contact you and you can follow the report in My reports"},
	{ID: "identity-2", Value: string(eventsdb.Confidential), Label: "In confidence", Hint: "Only the patient safety lead sees your name"},
	{ID: "identity-3", Value: string(eventsdb.Anonymous), Label: "Anonymously", Hint: "Your name is not stored. You get a follow-up code to read feedback and answer questions"},
}

func (s *Module) reportCheck(w http.ResponseWriter, r *http.Request) error {
	fl := s.staffFlow(r)
	d, err := fl.load(r.Context())
	if err != nil {
		return err
	}
	return s.renderCheck(w, r, fl, d, string(eventsdb.Named), nil)
}

func (s *Module) renderCheck(w http.ResponseWriter, r *http.Request, fl flowPart, d eventsdb.Event, identity string, err error) error {
	flow, cc, ferr := s.flowOf(r.Context(), fl.orgID)
	if ferr != nil {
		return ferr
	}
	data := ReportCheckPage{Base: s.k.Base(w, r, "Check your answers before sending your report"), Action: fl.base + "/check",
		Rows: checkRows(flow, d.Record, fl.audience, cc, fl.base), Version: d.Version, Public: fl.audience == events.Public, Identity: identity}
	pages := flow.Pages(d.Record, fl.audience)
	data.Back = fl.exit
	if len(pages) > 0 {
		data.Back = fl.base + "/" + pages[len(pages)-1].ID
	}
	status := http.StatusOK
	if err != nil {
		status = http.StatusUnprocessableEntity
		data.SetErrors(err)
	}
	if fl.audience == events.Staff {
		f := &ReportField{ID: "identity", Name: "identity", Kind: events.KindChoice, Label: "How do you want to send it?", Error: data.Errors["identity"]}
		for _, o := range identities {
			o.Checked = o.Value == identity
			f.Options = append(f.Options, o)
		}
		data.IdentityField = f
		data.DiscardHref = fl.base + "/discard"
		if data.Similar, ferr = s.similarFor(r.Context(), web.PrincipalFrom(r.Context()), d.Record, d.ID); ferr != nil {
			return ferr
		}
	}
	return s.k.Render(w, status, "events/report_check", data)
}

// faultPage renders the first page at fault of a refused submission with
// its messages.
func (s *Module) faultPage(w http.ResponseWriter, r *http.Request, fl flowPart, d eventsdb.Event, err error) error {
	flow, cc, ferr := s.flowOf(r.Context(), fl.orgID)
	if ferr != nil {
		return ferr
	}
	fs := apperr.FieldsOf(err)
	for _, p := range flow.Pages(d.Record, fl.audience) {
		if p.Group != nil {
			g := p.Group.ID
			for k := range fs {
				if k == g {
					if len(d.Record.Groups[g]) == 0 {
						return s.renderQuestions(w, r, fl, flow, cc, d, p, events.Answers{}, 0, map[string]string{"-": fs[k]}, nil, http.StatusUnprocessableEntity)
					}
					return s.renderGroup(w, r, fl, flow, cc, d, p, fs)
				}
				if strings.HasPrefix(k, g+".") {
					n, _ := strconv.Atoi(itemOf(k, g))
					errs := map[string]string{}
					prefix := fmt.Sprintf("%s.%d.", g, n-1)
					for k2, m := range fs {
						if q, ok := strings.CutPrefix(k2, prefix); ok {
							errs[q] = m
						}
					}
					return s.renderQuestions(w, r, fl, flow, cc, d, p, d.Record.Groups[g][n-1], n-1, errs, nil, http.StatusUnprocessableEntity)
				}
			}
			continue
		}
		for _, q := range p.Questions {
			if _, ok := fs[q.ID]; ok {
				return s.renderQuestions(w, r, fl, flow, cc, d, p, d.Record.Answers, -1, fs, nil, http.StatusUnprocessableEntity)
			}
		}
	}
	return s.renderCheck(w, r, fl, d, "", err)
}

func (s *Module) reportSubmit(w http.ResponseWriter, r *http.Request) error {
	fl := s.staffFlow(r)
	if err := web.ParseForm(r); err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	d, err := fl.load(r.Context())
	if err != nil {
		return err
	}
	how := eventsdb.Identity(r.PostFormValue("identity"))
	if !slices.ContainsFunc(identities, func(o ReportOption) bool { return o.Value == string(how) }) {
		return s.renderCheck(w, r, fl, d, "", &apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"identity": "Choose how to send your report"}})
	}
	e, code, err := s.ev.SubmitAs(r.Context(), fl.orgID, d.ID, version, how)
	if apperr.Is(err, apperr.Invalid) {
		if len(apperr.FieldsOf(err)) == 0 {
			return s.renderCheck(w, r, fl, d, string(how), err)
		}
		return s.faultPage(w, r, fl, d, err)
	}
	if err != nil {
		return err
	}
	if how == eventsdb.Anonymous {
		// The code is shown once, on this page: it is never stored.
		p := web.PrincipalFrom(r.Context())
		return s.k.Render(w, http.StatusOK, "events/report_done", ReportDonePage{Base: s.k.Base(w, r, "Report sent"), Ref: e.Ref, Code: code,
			Anonymous: true, FollowUpHref: "/report/" + p.Org.ODSCode + "/follow-up", OrgName: p.Org.Name})
	}
	return s.k.Redirect(w, r, "/events/report/"+e.ID+"/done", "")
}

func (s *Module) reportDone(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	e, err := s.ev.MyReport(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "events/report_done", ReportDonePage{Base: s.k.Base(w, r, "Report sent"), Ref: e.Ref,
		Confidential: e.Confidential, OrgName: p.Org.Name})
}

// MyReportsPage lists the signed-in person's reports.
type MyReportsPage struct {
	web.Base
	Events []eventsdb.Event
	Drafts []eventsdb.Event
}

func (s *Module) myReports(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	mine, err := s.ev.Mine(r.Context(), p.Org.ID, 500)
	if err != nil {
		return err
	}
	drafts, err := s.ev.Drafts(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "events/report_mine", MyReportsPage{Base: s.k.Base(w, r, "My reports"), Events: mine, Drafts: drafts})
}

// ReportDiscardPage asks before a draft is deleted.
type ReportDiscardPage struct {
	web.Base
	Draft eventsdb.Event
}

func (s *Module) reportDiscardPage(w http.ResponseWriter, r *http.Request) error {
	fl := s.staffFlow(r)
	d, err := fl.load(r.Context())
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "events/report_discard", ReportDiscardPage{Base: s.k.Base(w, r, "Delete this draft report?"), Draft: d})
}

func (s *Module) reportDiscard(w http.ResponseWriter, r *http.Request) error {
	fl := s.staffFlow(r)
	if err := web.ParseForm(r); err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	if err := s.ev.DiscardDraft(r.Context(), fl.orgID, r.PathValue("id"), version); err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/events/mine", "Your draft report was deleted")
}

// MyReportPage is one of the person's reports: the answers in words and
// its status history.
type MyReportPage struct {
	web.Base
	Event   eventsdb.Event
	Rows    []events.SummaryRow
	History []eventsdb.StatusChange
	// Thread is the conversation with the patient safety team.
	Thread ThreadView
}

func (s *Module) myReport(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	e, err := s.ev.MyReport(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	flow, cc, err := s.flowOf(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	hist, err := s.ev.History(r.Context(), p.Org.ID, e.ID)
	if err != nil {
		return err
	}
	var rows []events.SummaryRow
	for _, row := range flow.Summary(e.Record, events.Staff, cc) {
		if row.Item >= 0 {
			row.Prompt = fmt.Sprintf("%s %d: %s", strings.TrimSuffix(groupNoun(row.Page), "s"), row.Item+1, row.Prompt)
		}
		if len(row.Answer) == 0 {
			row.Answer = []string{"Not answered"}
		}
		rows = append(rows, row)
	}
	_, ms, err := s.ev.MineThread(r.Context(), p.Org.ID, e.ID)
	if err != nil {
		return err
	}
	if err := s.ev.MarkRead(r.Context(), p.Org.ID, e.ID, eventsdb.ReporterView); err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "events/report_mine_event", MyReportPage{Base: s.k.Base(w, r, e.Ref), Event: e, Rows: rows, History: hist,
		Thread: ThreadView{Messages: ms}})
}
