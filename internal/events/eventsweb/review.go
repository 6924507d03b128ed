package eventsweb

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/text"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/xuri/excelize/v2"
)

// reviewRoutes are the routes of the review part: the handlers' queue and
// event page with their changes, the exports, and the API.
func (s *Module) reviewRoutes() []web.Route {
	return []web.Route{
		{Method: "GET", Path: "/events/queue", Roles: evHandle, Handle: s.queuePage},
		{Method: "GET", Path: "/events/queue/csv", Roles: evHandle, Handle: s.queueCSV},
		{Method: "GET", Path: "/events/queue/xlsx", Roles: evHandle, Handle: s.queueXLSX},
		{Method: "GET", Path: "/events/review/{id}", Roles: evHandle, Handle: s.eventPage},
		{Method: "POST", Path: "/events/review/{id}/status", Roles: evHandle, Handle: s.eventStatus},
		{Method: "POST", Path: "/events/review/{id}/assign", Roles: evHandle, Handle: s.eventAssign},
		{Method: "POST", Path: "/events/review/{id}/grading", Roles: evHandle, Handle: s.eventGrade},
		{Method: "POST", Path: "/events/review/{id}/governance", Roles: evHandle, Handle: s.eventGovernance},
		{Method: "POST", Path: "/events/review/{id}/summary", Roles: evHandle, Handle: s.eventSummary},
		{Method: "POST", Path: "/events/review/{id}/addenda", Roles: evHandle, Handle: s.eventAddendum},
		{Method: "POST", Path: "/events/review/{id}/merge", Roles: evHandle, Handle: s.eventMerge},

		{Method: "GET", Path: "/api/v1/events", API: true, Roles: evHandle, Handle: s.apiQueue},
		{Method: "GET", Path: "/api/v1/events/search", API: true, Roles: evHandle, Handle: s.apiSearch},
		{Method: "GET", Path: "/api/v1/events/records/{id}", API: true, Roles: evHandle, Handle: s.apiEvent},
		{Method: "PATCH", Path: "/api/v1/events/records/{id}", API: true, Roles: evHandle, Handle: s.apiUpdate},
		{Method: "POST", Path: "/api/v1/events/records/{id}/status", API: true, Roles: evHandle, Handle: s.apiStatus},
		{Method: "POST", Path: "/api/v1/events/records/{id}/addenda", API: true, Roles: evHandle, Handle: s.apiAddendum},
		{Method: "POST", Path: "/api/v1/events/records/{id}/merge", API: true, Roles: evHandle, Handle: s.apiMerge},
	}
}

// reviewAttention tells a handler of new reports nobody has taken and of
// those assigned to them; urgent with severe or fatal harm or a never event.
func (s *Module) reviewAttention(ctx context.Context, p *store.Principal) ([]web.Attention, error) {
	if p == nil || !auth.HasAny(p.Roles, evHandle...) {
		return nil, nil
	}
	a, err := s.ev.ReviewAttention(ctx, p.Org.ID, p.User.ID)
	if err != nil {
		return nil, err
	}
	urgency := web.UrgencySoon
	if a.Urgent > 0 {
		urgency = web.UrgencyNow
	}
	var out []web.Attention
	if a.New > 0 {
		at := web.Attention{Title: text.Count(a.New, "new report", "new reports") + " to review", Href: "/events/queue?status=submitted&assigned=nobody&sort=oldest",
			Link: "Review the oldest first", Urgency: urgency, Warning: a.Urgent > 0}
		if a.OldestSubmittedAt != nil {
			at.Detail = "The oldest was reported " + a.OldestSubmittedAt.In(clock.London).Format("2 January 2006") + "."
		}
		if a.Urgent > 0 {
			at.Detail += " " + text.Count(a.Urgent, "report needs", "reports need") + " attention now: severe or fatal harm, or a never event."
		}
		for _, e := range a.Oldest {
			at.Items = append(at.Items, web.AttentionItem{Text: e.Ref + ": " + e.Type.Label(), Href: "/events/review/" + e.ID})
		}
		out = append(out, at)
	}
	if a.Mine > 0 {
		out = append(out, web.Attention{Title: text.Count(a.Mine, "event is", "events are") + " assigned to you", Href: "/events/queue?assigned=me",
			Link: "Your events", Urgency: web.UrgencySoon})
	}
	return out, nil
}

// reviewWords are the words of the review part's audit actions.
var reviewWords = map[string]string{
	"event.review":   "Safety event reviewed (assignment, grading, governance or summary)",
	"event.status":   "Safety event status changed",
	"event.addendum": "Addendum added to a safety event",
}

// QueueTab is a status tab of the queue with its count.
type QueueTab struct {
	Label, Href string
	Count       int
	Current     bool
}

// EventsQueuePage is the review queue.
type EventsQueuePage struct {
	web.Base
	Filter   eventsdb.QueueFilter
	Page     eventsdb.QueuePage
	Tabs     []QueueTab
	Types    []web.Option
	Harms    []web.Option
	Agents   []web.Option
	Systems  []web.Option
	Assigned []web.Option
	Sorts    []web.Option
	From, To web.DateParts
	Names    map[string]string // assignee names by id
	Prev     string
	Next     string
	First    int
	Last     int
	// Query is the filters (without the page) for the export links.
	Query string
}

// queueFilter reads the queue's filters from a query string; dates come
// from the date inputs (from-day ...) or one box each (from=2026-11-01).
func queueFilter(q url.Values) (eventsdb.QueueFilter, web.DateParts, web.DateParts, error) {
	f := eventsdb.QueueFilter{Type: q.Get("type"), Status: q.Get("status"), Harm: q.Get("harm"), Agent: q.Get("agent"), Location: q.Get("location"),
		System: q.Get("system"), Assigned: q.Get("assigned"), Q: q.Get("q"), Sort: q.Get("sort")}
	var fs apperr.Fields
	var fromTyped, toTyped web.DateParts
	var msg string
	f.From, fromTyped, msg = web.FormDate(q, "from", "the date from")
	fs.Check(msg != "", "from", msg)
	f.To, toTyped, msg = web.FormDate(q, "to", "the date to")
	fs.Check(msg != "", "to", msg)
	for _, n := range []struct {
		name string
		v    *int
	}{{"offset", &f.Offset}, {"limit", &f.Limit}} {
		if v := q.Get(n.name); v != "" {
			i, err := strconv.Atoi(v)
			fs.Check(err != nil, n.name, "The "+n.name+" must be a whole number")
			*n.v = i
		}
	}
	if err := fs.Err(); err != nil {
		return f, fromTyped, toTyped, err
	}
	return f, fromTyped, toTyped, f.Check()
}

// encode is f as a query string, without the page unless withPage.
func encode(f eventsdb.QueueFilter, withPage bool) url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"type": f.Type, "status": f.Status, "harm": f.Harm, "agent": f.Agent, "location": f.Location, "system": f.System,
		"from": f.From, "to": f.To, "assigned": f.Assigned, "q": f.Q, "sort": f.Sort} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if withPage && f.Offset > 0 {
		v.Set("offset", strconv.Itoa(f.Offset))
	}
	return v
}

func codeOptions(list string, selected string) []web.Option {
	return web.Choices(events.LFPSE.List(list).Entries, func(e events.Entry) (string, string) { return e.Code, e.Label }, selected)
}

func (s *Module) queuePage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	f, fromTyped, toTyped, ferr := queueFilter(r.URL.Query())
	d := EventsQueuePage{Base: s.k.Base(w, r, "Review queue"), Filter: f, From: fromTyped, To: toTyped, Names: map[string]string{}}
	if d.From == (web.DateParts{}) {
		d.From = web.PartsOf(f.From)
	}
	if d.To == (web.DateParts{}) {
		d.To = web.PartsOf(f.To)
	}
	d.Types = codeOptions(events.ListRecordType, f.Type)
	d.Harms = append(codeOptions(events.ListPhysicalHarm, f.Harm), web.Option{Value: "none", Label: "No patient harm recorded", Selected: f.Harm == "none"})
	d.Agents = codeOptions(events.ListAgent, f.Agent)
	d.Sorts = web.Choices(eventsdb.QueueSorts, web.CodeLabel, f.Sort)
	cc, err := s.ev.CheckContext(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	d.Systems = web.Choices(cc.Systems, func(e events.Entry) (string, string) { return e.Code, e.Label }, f.System)
	hs, err := s.ev.Handlers(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	d.Assigned = []web.Option{{Value: "me", Label: "Me", Selected: f.Assigned == "me"}, {Value: "nobody", Label: "Nobody", Selected: f.Assigned == "nobody"}}
	us, err := s.k.Store().ListUsers(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	for _, u := range us {
		d.Names[u.ID] = u.Name
	}
	for _, u := range hs {
		d.Assigned = append(d.Assigned, web.Option{Value: u.ID, Label: u.Name, Selected: f.Assigned == u.ID})
	}
	if ferr != nil {
		if !apperr.Is(ferr, apperr.Invalid) {
			return ferr
		}
		d.SetErrors(ferr, "type", "status", "harm", "agent", "location", "system", "from", "to", "assigned", "q", "sort")
		return s.k.Render(w, http.StatusUnprocessableEntity, "events/review_queue", d)
	}
	if d.Page, err = s.ev.Queue(r.Context(), p.Org.ID, f); err != nil {
		return err
	}
	d.Query = encode(f, false).Encode()
	tabs := []struct {
		status, label string
	}{{"open", "Open"}, {string(events.Submitted), "New"}, {string(events.InReview), "In review"}, {string(events.AwaitingInfo), "Awaiting information"},
		{string(events.Closed), "Closed"}, {string(events.Duplicate), "Duplicates"}, {string(events.NotPSE), "Not patient safety"}, {"all", "All"}}
	for _, t := range tabs {
		g := f
		g.Status, g.Offset = t.status, 0
		n := 0
		for _, st := range statusesOf(t.status) {
			n += d.Page.Counts[st]
		}
		d.Tabs = append(d.Tabs, QueueTab{Label: t.label, Href: "/events/queue?" + encode(g, false).Encode(), Count: n, Current: f.Status == t.status})
	}
	if len(d.Page.Events) > 0 {
		d.First, d.Last = f.Offset+1, f.Offset+len(d.Page.Events)
	}
	if f.Offset > 0 {
		g := f
		g.Offset = max(0, f.Offset-f.Limit)
		d.Prev = "/events/queue?" + encode(g, true).Encode()
	}
	if f.Offset+len(d.Page.Events) < d.Page.Total {
		g := f
		g.Offset = f.Offset + f.Limit
		d.Next = "/events/queue?" + encode(g, true).Encode()
	}
	return s.k.Render(w, http.StatusOK, "events/review_queue", d)
}

func statusesOf(filter string) []events.Status {
	switch filter {
	case "open":
		return []events.Status{events.Submitted, events.InReview, events.AwaitingInfo}
	case "all":
		return events.Statuses
	}
	return []events.Status{events.Status(filter)}
}

// exportRows streams the rows of the queue's export: a header, then one
// row per event that the filters match (every page), with the local
// questions' answers as columns.
func (s *Module) exportRows(r *http.Request, row func([]string) error) error {
	p := web.PrincipalFrom(r.Context())
	f, _, _, err := queueFilter(r.URL.Query())
	if err != nil {
		return err
	}
	ctx := r.Context()
	local, err := s.ev.LocalQuestions(ctx, p.Org.ID, true)
	if err != nil {
		return err
	}
	flow, err := s.ev.Flow(ctx, p.Org.ID)
	if err != nil {
		return err
	}
	cc, err := s.ev.CheckContext(ctx, p.Org.ID)
	if err != nil {
		return err
	}
	systems := map[string]string{}
	for _, e := range cc.Systems {
		systems[e.Code] = e.Label
	}
	names := map[string]string{}
	us, err := s.k.Store().ListUsers(ctx, p.Org.ID)
	if err != nil {
		return err
	}
	for _, u := range us {
		names[u.ID] = u.Name
	}
	head := []string{"Reference", "Record type", "Status", "Reported", "Occurred", "Date estimated", "Location", "Service area", "Involved agents", "System",
		"Harm", "Harm as reported", "Assigned to", "Description"}
	for _, q := range local {
		head = append(head, q.Prompt)
	}
	if err := row(head); err != nil {
		return err
	}
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(clock.London).Format("2 January 2006")
	}
	iso := func(v string) string {
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			return t.Format("2 January 2006")
		}
		return v
	}
	return s.ev.QueueEach(ctx, p.Org.ID, f, func(e eventsdb.Event) error {
		var agents []string
		for _, a := range e.Record.Agents() {
			agents = append(agents, events.LFPSE.Label(events.ListAgent, a))
		}
		est := "No"
		if e.OccurredEstimate {
			est = "Yes"
		}
		harm, reported := "", ""
		if e.Harm != "" {
			harm = harmWords(e.Harm)
		}
		if e.ReportedHarm != "" {
			reported = harmWords(e.ReportedHarm)
		}
		rec := []string{e.Ref, e.Type.Label(), e.Status.Label(), day(e.SubmittedAt), iso(e.OccurredOn), est, e.Location,
			events.LFPSE.Label(events.ListServiceArea, e.ServiceArea), strings.Join(agents, "; "), systems[e.SystemID], harm, reported, names[e.AssignedTo],
			e.Record.Answers.Get(events.AnsDescription)}
		for _, l := range local {
			q := l.Question()
			rec = append(rec, strings.Join(flow.Words(q, e.Record.Answers[q.ID], cc), "; "))
		}
		return row(rec)
	})
}

// cellSafe keeps a cell from being read as a formula by a spreadsheet.
func cellSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func (s *Module) queueCSV(w http.ResponseWriter, r *http.Request) error {
	if _, _, _, err := queueFilter(r.URL.Query()); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="safety-events.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	n := 0
	err := s.exportRows(r, func(rec []string) error {
		for i := range rec {
			rec[i] = cellSafe(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
		if n++; n%500 == 0 {
			cw.Flush()
		}
		return cw.Error()
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}

func (s *Module) queueXLSX(w http.ResponseWriter, r *http.Request) error {
	if _, _, _, err := queueFilter(r.URL.Query()); err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	n := 0
	if err := s.exportRows(r, func(rec []string) error {
		n++
		cells := make([]any, len(rec))
		for i, v := range rec {
			cells[i] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		return sw.SetRow(cell, cells)
	}); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="safety-events.xlsx"`)
	w.Header().Set("Cache-Control", "no-store")
	return f.Write(w)
}

// PatientGrade is one patient of an event with the harm as reported and
// as graded.
type PatientGrade struct {
	Index                      int
	Label                      string
	ReportedPhys, ReportedPsy  string
	Physical, Psychological    string // current grading, or as reported
	Graded                     bool
	PhysicalOpts, PsychOptions []web.Option
}

// EventsReviewPage is a handler's page of one event.
type EventsReviewPage struct {
	web.Base
	Event   eventsdb.Event
	Review  eventsdb.EventReview
	Summary []events.SummaryRow
	// Reporter is who reported, in words: "Anonymous" when nothing is
	// kept, "Confidential" when only the patient safety lead may know.
	Reporter   string
	Similar    []eventsdb.Match
	Patients   []PatientGrade
	Handlers   []web.Option
	Statuses   []web.Option
	NeverTypes []web.Option
	CandourDue string
	// Join is what the follow-up, learning and triage parts show here.
	Join EventJoin
	// LFPSE is the event's national submission; nil when never queued.
	LFPSE *lfpse.Submission
	// Form holds what was posted when the page is shown again with errors.
	Form  url.Values
	Dates map[string]web.DateParts
}

// DataSharing is the reporter's answer to the data sharing question in
// words, shown beside the LFPSE status.
func (p EventsReviewPage) DataSharing() string {
	switch r := p.Event.Record; {
	case !r.DataSharingAnswered():
		return "Not asked (reported before clinsafe asked): sent as not opted out, the LFPSE default"
	case r.DataSharingOptOut():
		return "Opted out"
	}
	return "Agreed to sharing for learning, with anything that could identify a person removed"
}

// Val is the value of form field name as posted, else def.
func (p EventsReviewPage) Val(name, def string) string {
	if p.Form != nil {
		if _, ok := p.Form[name]; ok {
			return p.Form.Get(name)
		}
	}
	return def
}

// Date is the date input field as typed, else the ISO date def.
func (p EventsReviewPage) Date(field, def string) web.DateParts {
	if d, ok := p.Dates[field]; ok {
		return d
	}
	return web.PartsOf(def)
}

func (s *Module) reviewPage(w http.ResponseWriter, r *http.Request, id string) (EventsReviewPage, error) {
	p := web.PrincipalFrom(r.Context())
	ctx := r.Context()
	e, err := s.ev.Get(ctx, p.Org.ID, id)
	if err != nil {
		return EventsReviewPage{}, err
	}
	d := EventsReviewPage{Base: s.k.Base(w, r, e.Ref), Event: e, Dates: map[string]web.DateParts{}}
	if d.Review, err = s.ev.GetReview(ctx, p.Org.ID, id); err != nil {
		return d, err
	}
	flow, err := s.ev.Flow(ctx, p.Org.ID)
	if err != nil {
		return d, err
	}
	cc, err := s.ev.CheckContext(ctx, p.Org.ID)
	if err != nil {
		return d, err
	}
	d.Summary = flow.Summary(e.Record, e.Audience, cc)
	d.Reporter = "Anonymous"
	switch {
	case e.ReporterID == "":
	case e.Confidential:
		d.Reporter = "Confidential: the reporter's name is shown to the patient safety lead only"
	default:
		if u, err := s.k.Store().User(ctx, e.ReporterID); err == nil {
			d.Reporter = u.Name
		}
	}
	if d.Similar, err = s.ev.Similar(ctx, p.Org.ID, e.Record, 5, e.ID); err != nil {
		return d, err
	}
	graded := map[int]eventsdb.Grading{}
	for _, g := range d.Review.Gradings {
		graded[g.Patient] = g
	}
	for i, pat := range e.Record.Groups[events.GroupPatients] {
		pg := PatientGrade{Index: i, Label: fmt.Sprintf("Patient %d", i+1), ReportedPhys: pat.Get(events.PatPhysical), ReportedPsy: pat.Get(events.PatPsych)}
		pg.Physical, pg.Psychological = pg.ReportedPhys, pg.ReportedPsy
		if g, ok := graded[i]; ok {
			pg.Physical, pg.Psychological, pg.Graded = g.Physical, g.Psychological, true
		}
		pg.PhysicalOpts = codeOptions(events.ListPhysicalHarm, pg.Physical)
		pg.PsychOptions = codeOptions(events.ListPsychHarm, pg.Psychological)
		d.Patients = append(d.Patients, pg)
	}
	hs, err := s.ev.Handlers(ctx, p.Org.ID)
	if err != nil {
		return d, err
	}
	for _, u := range hs {
		d.Handlers = append(d.Handlers, web.Option{Value: u.ID, Label: u.Name, Selected: u.ID == e.AssignedTo})
	}
	for _, st := range []events.Status{events.InReview, events.AwaitingInfo, events.Closed, events.NotPSE} {
		if st != e.Status {
			d.Statuses = append(d.Statuses, web.Option{Value: string(st), Label: st.Label()})
		}
	}
	d.NeverTypes = codeOptions(events.ListNeverEventType, d.Review.Governance.NeverEventType)
	d.CandourDue = d.Review.Governance.CandourDue()
	d.Join, err = s.joinEvent(ctx, p.Org.ID, e, d.Review.LearningSummary)
	if err != nil {
		return d, err
	}
	if sub, err := lfpse.New(s.k.Store()).Get(ctx, p.Org.ID, id); err == nil {
		d.LFPSE = &sub
	} else if !apperr.Is(err, apperr.NotFound) {
		return d, err
	}
	return d, nil
}

func (s *Module) eventPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.reviewPage(w, r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "events/review_event", d)
}

// changed redirects to the event page after a change, or shows it again
// with the messages of an Invalid or Conflict error.
func (s *Module) changed(w http.ResponseWriter, r *http.Request, err error, flash string, dates map[string]web.DateParts, order ...string) error {
	id := r.PathValue("id")
	if err == nil {
		return s.k.Redirect(w, r, "/events/review/"+id, flash)
	}
	status := http.StatusUnprocessableEntity
	if apperr.Is(err, apperr.Conflict) {
		status = http.StatusConflict
	} else if !apperr.Is(err, apperr.Invalid) {
		return err
	}
	d, perr := s.reviewPage(w, r, id)
	if perr != nil {
		return perr
	}
	d.Form = r.PostForm
	for k, v := range dates {
		d.Dates[k] = v
	}
	d.SetErrors(err, order...)
	return s.k.Render(w, status, "events/review_event", d)
}

func (s *Module) eventStatus(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v, err := formVersion(r)
	if err != nil {
		return err
	}
	f := r.PostForm.Get
	e, err := s.ev.SetStatus(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), eventsdb.StatusInput{Version: v, Status: events.Status(f("status")),
		Reason: f("reason"), LearningSummary: f("learning_summary")})
	return s.changed(w, r, err, "Status changed to "+strings.ToLower(e.Status.Label())+".", nil, "status", "reason", "learning_summary")
}

func (s *Module) eventMerge(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v, err := formVersion(r)
	if err != nil {
		return err
	}
	_, err = s.ev.Merge(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), v, r.PostForm.Get("duplicate_of"), r.PostForm.Get("reason"))
	return s.changed(w, r, err, "Marked as a duplicate: the kept record lists it.", nil, "duplicate_of")
}

func (s *Module) update(w http.ResponseWriter, r *http.Request, flash string, fill func(*eventsdb.Update) (map[string]web.DateParts, error), order ...string) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v, err := formVersion(r)
	if err != nil {
		return err
	}
	u := eventsdb.Update{Version: v}
	dates, err := fill(&u)
	if err == nil {
		_, err = s.ev.Update(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), u)
	}
	return s.changed(w, r, err, flash, dates, order...)
}

func (s *Module) eventAssign(w http.ResponseWriter, r *http.Request) error {
	return s.update(w, r, "Assignment saved.", func(u *eventsdb.Update) (map[string]web.DateParts, error) {
		to := r.PostForm.Get("assigned_to")
		u.AssignTo = &to
		return nil, nil
	}, "assigned_to")
}

func (s *Module) eventGrade(w http.ResponseWriter, r *http.Request) error {
	return s.update(w, r, "Harm grading saved.", func(u *eventsdb.Update) (map[string]web.DateParts, error) {
		for i := 0; i < events.MaxGroup; i++ {
			ph, ps := r.PostForm.Get(fmt.Sprintf("gradings.%d.physical_harm", i)), r.PostForm.Get(fmt.Sprintf("gradings.%d.psychological_harm", i))
			if ph == "" && ps == "" {
				continue
			}
			u.Grades = append(u.Grades, eventsdb.Grading{Patient: i, Physical: ph, Psychological: ps, Reason: r.PostForm.Get("reason")})
		}
		if len(u.Grades) == 0 {
			return nil, &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: map[string]string{"gradings.0.physical_harm": "Select the physical harm"}}
		}
		return nil, nil
	})
}

var governanceDates = []struct{ field, what string }{
	{"candour_aware_on", "the date you became aware"}, {"candour_notified_on", "the date the patient was told"},
	{"candour_written_on", "the date of the written follow-up"}, {"cqc_notified_on", "the date CQC was notified"},
}

func (s *Module) eventGovernance(w http.ResponseWriter, r *http.Request) error {
	return s.update(w, r, "Governance flags saved.", func(u *eventsdb.Update) (map[string]web.DateParts, error) {
		f := r.PostForm.Get
		g := eventsdb.Governance{Candour: f("duty_of_candour"), NeverEvent: f("never_event"), NeverEventType: f("never_event_type"),
			CQCNotified: f("cqc_notified"), Safeguarding: f("safeguarding_referral"), SeriousIncident: f("serious_incident")}
		dates := map[string]web.DateParts{}
		var fs apperr.Fields
		for _, d := range governanceDates {
			iso, typed, msg := web.FormDate(r.PostForm, d.field, d.what)
			dates[d.field] = typed
			fs.Check(msg != "", d.field, msg)
			switch d.field {
			case "candour_aware_on":
				g.CandourAwareOn = iso
			case "candour_notified_on":
				g.CandourToldOn = iso
			case "candour_written_on":
				g.CandourWrittenOn = iso
			case "cqc_notified_on":
				g.CQCNotifiedOn = iso
			}
		}
		u.Governance = &g
		return dates, fs.Err()
	}, "duty_of_candour", "candour_aware_on", "candour_notified_on", "candour_written_on", "never_event", "never_event_type", "cqc_notified", "cqc_notified_on")
}

func (s *Module) eventSummary(w http.ResponseWriter, r *http.Request) error {
	return s.update(w, r, "Saved.", func(u *eventsdb.Update) (map[string]web.DateParts, error) {
		if _, ok := r.PostForm["learning_summary"]; ok {
			v := r.PostForm.Get("learning_summary")
			u.LearningSummary = &v
		}
		if _, ok := r.PostForm["notes"]; ok {
			v := r.PostForm.Get("notes")
			u.Notes = &v
		}
		return nil, nil
	}, "learning_summary", "notes")
}

func (s *Module) eventAddendum(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	_, err := s.ev.AddAddendum(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), r.PostForm.Get("body"))
	return s.changed(w, r, err, "Addendum added.", nil, "body")
}
