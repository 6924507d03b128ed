package events

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/clock"
)

// ResponseType is a kind of PSIRF learning response: proportionate and
// systems-based, chosen by the organisation's patient safety incident
// response plan.
type ResponseType string

// The learning response types, and LocalReview: the plan's answer when
// no learning response is expected beyond the handler's own review.
const (
	PSII        ResponseType = "psii"
	AAR         ResponseType = "aar"
	SWARM       ResponseType = "swarm"
	MDT         ResponseType = "mdt"
	Thematic    ResponseType = "thematic"
	LocalReview ResponseType = "local"
)

// ResponseTypes are the types a handler can open, in order of depth.
var ResponseTypes = []ResponseType{AAR, SWARM, MDT, PSII, Thematic}

// Valid reports whether t is a type of learning response one can open.
func (t ResponseType) Valid() bool { return slices.Contains(ResponseTypes, t) }

// Label is the type in words.
func (t ResponseType) Label() string {
	switch t {
	case PSII:
		return "Patient safety incident investigation (PSII)"
	case AAR:
		return "After action review"
	case SWARM:
		return "SWARM huddle"
	case MDT:
		return "Multidisciplinary team review"
	case Thematic:
		return "Thematic review"
	case LocalReview:
		return "No learning response: the handler's own review"
	}
	return string(t)
}

// Describe says when the type is used.
func (t ResponseType) Describe() string {
	switch t {
	case PSII:
		return "A systems-based investigation of an incident with significant learning, using the SEIPS work-system factors."
	case AAR:
		return "A structured conversation soon after the event, around four questions."
	case SWARM:
		return "A huddle held within hours, where it happened, while memories are fresh."
	case MDT:
		return "Professionals from the disciplines involved review the care together."
	case Thematic:
		return "Looks across many events for patterns and shared causes."
	}
	return ""
}

// SEIPS are the work-system factors of the Systems Engineering Initiative
// for Patient Safety, the frame of a PSII's findings.
var SEIPS = []Entry{
	{"person", "Person", "The people involved: skills, fatigue, experience"},
	{"tasks", "Tasks", "What had to be done: complexity, interruptions, workload"},
	{"tools", "Tools and technology", "Equipment and IT: design, usability, availability"},
	{"organisation", "Organisation", "Staffing, culture, policies, communication"},
	{"internal_environment", "Internal environment", "Layout, lighting, noise, space"},
	{"external_environment", "External environment", "Regulation, commissioning, the wider system"},
}

// ResponseField is one type-specific part of a learning response's
// content.
type ResponseField struct {
	Key, Label, Hint string
	// Required to complete the response.
	Required bool
	Long     bool
}

// Fields are the type-specific contents of a learning response of type t.
func (t ResponseType) Fields() []ResponseField {
	switch t {
	case AAR:
		return []ResponseField{
			{"aar.expected", "What was supposed to happen?", "", true, true},
			{"aar.actual", "What actually happened?", "", true, true},
			{"aar.difference", "Why was there a difference?", "", true, true},
			{"aar.learning", "What can be learned, and done next time?", "", true, true},
		}
	case SWARM:
		return []ResponseField{
			{"swarm.held_at", "When was the huddle held?", "Date and time, for example 2 December 2026 15:30", true, false},
			{"swarm.where", "Where was it held?", "", false, false},
			{"swarm.discussion", "What was found?", "", true, true},
		}
	case MDT:
		return []ResponseField{
			{"mdt.disciplines", "Which disciplines took part?", "For example nursing, pharmacy, surgery", true, false},
			{"mdt.discussion", "What did the review find about the care?", "", true, true},
		}
	case PSII:
		fs := []ResponseField{{"psii.terms", "Terms of reference", "What the investigation will look at and why", true, true}}
		for _, f := range SEIPS {
			fs = append(fs, ResponseField{"psii." + f.Code, f.Label, f.Hint, false, true})
		}
		return fs
	case Thematic:
		return []ResponseField{
			{"thematic.theme", "What is the theme?", "For example falls at night, or results not acknowledged", true, false},
			{"thematic.scope", "Which events are in scope, and why?", "", true, true},
			{"thematic.patterns", "What patterns were found?", "", true, true},
		}
	}
	return nil
}

// Response statuses.
const (
	ResponsePlanned    = "planned"
	ResponseInProgress = "in_progress"
	ResponseCompleted  = "completed"
)

// ResponseStatuses are the statuses of a learning response in order.
var ResponseStatuses = []string{ResponsePlanned, ResponseInProgress, ResponseCompleted}

// ResponseStatusLabel is a response status in words.
func ResponseStatusLabel(s string) string {
	switch s {
	case ResponsePlanned:
		return "Planned"
	case ResponseInProgress:
		return "In progress"
	case ResponseCompleted:
		return "Completed"
	}
	return s
}

// Response is the content of a learning response: what a handler writes.
type Response struct {
	Title        string            `json:"title"`
	Type         ResponseType      `json:"type"`
	Status       string            `json:"status"`
	LeadID       string            `json:"lead_id,omitempty"`
	Participants string            `json:"participants"`
	StartedOn    string            `json:"started_on,omitempty"`
	DueOn        string            `json:"due_on,omitempty"`
	CompletedOn  string            `json:"completed_on,omitempty"`
	Content      map[string]string `json:"content"`
	Findings     string            `json:"findings"`
	// Summary is the learning in a few sentences, fit for the reporter and
	// for the events' learning summary.
	Summary string `json:"summary"`
}

// Check validates r as of now; Invalid with per-field messages. Completing
// a response needs its type's required content, findings and a summary.
func (r *Response) Check(now time.Time) error {
	r.Title, r.Participants = strings.TrimSpace(r.Title), strings.TrimSpace(r.Participants)
	r.Findings, r.Summary = strings.TrimSpace(r.Findings), strings.TrimSpace(r.Summary)
	var fs apperr.Fields
	fs.Check(!r.Type.Valid(), "type", "Select the type of learning response")
	fs.Check(r.Title == "", "title", "Enter a title")
	fs.Check(utf8.RuneCountInString(r.Title) > MaxText, "title", "The title must be 200 characters or fewer")
	if r.Status == "" {
		r.Status = ResponsePlanned
	}
	fs.Check(!slices.Contains(ResponseStatuses, r.Status), "status", "Select a status")
	for _, v := range []struct{ field, val string }{{"participants", r.Participants}, {"findings", r.Findings}, {"summary", r.Summary}} {
		fs.Check(utf8.RuneCountInString(v.val) > MaxLongText, v.field, "This must be 10,000 characters or fewer")
	}
	today := clock.Today(now)
	for _, d := range []struct{ field, val string }{{"started_on", r.StartedOn}, {"completed_on", r.CompletedOn}, {"due_on", r.DueOn}} {
		if d.val == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.val)
		switch {
		case err != nil:
			fs.Add(d.field, "Enter a real date")
		case d.field != "due_on" && t.After(today):
			fs.Add(d.field, "The date must be today or in the past")
		}
	}
	known := map[string]bool{}
	for _, f := range r.Type.Fields() {
		known[f.Key] = true
	}
	content := map[string]string{}
	for k, v := range r.Content {
		if v = strings.TrimSpace(v); known[k] && v != "" {
			fs.Check(utf8.RuneCountInString(v) > MaxLongText, k, "This must be 10,000 characters or fewer")
			content[k] = v
		}
	}
	r.Content = content
	if r.Status == ResponseCompleted {
		for _, f := range r.Type.Fields() {
			fs.Check(f.Required && content[f.Key] == "", f.Key, "Enter an answer before completing: "+strings.TrimSuffix(lowerFirst(f.Label), "?"))
		}
		if r.Type == PSII {
			any := slices.ContainsFunc(SEIPS, func(e Entry) bool { return content["psii."+e.Code] != "" })
			fs.Check(!any, "psii.person", "Record the findings for at least one work-system factor before completing")
		}
		fs.Check(r.Findings == "", "findings", "Enter the findings before completing the response")
		fs.Check(r.Summary == "", "summary", "Enter a summary of the learning before completing the response")
		if r.CompletedOn == "" {
			r.CompletedOn = clock.Date(now)
		}
	} else {
		r.CompletedOn = ""
	}
	return fs.Err()
}

// Action statuses.
const (
	ActionOpen      = "open"
	ActionDone      = "done"
	ActionCancelled = "cancelled"
)

// Action is a SMART action of a learning response: specific (what),
// measurable (the measure), assigned (an owner), time-bound (due).
type Action struct {
	Description  string `json:"description"`
	OwnerID      string `json:"owner_id"`
	DueOn        string `json:"due_on"`
	Measure      string `json:"measure"`
	Status       string `json:"status"`
	DoneOn       string `json:"done_on,omitempty"`
	Evidence     string `json:"evidence,omitempty"`
	CancelReason string `json:"cancel_reason,omitempty"`
}

// Check validates a as of now; Invalid with per-field messages.
func (a *Action) Check(now time.Time) error {
	a.Description, a.Measure = strings.TrimSpace(a.Description), strings.TrimSpace(a.Measure)
	a.Evidence, a.CancelReason = strings.TrimSpace(a.Evidence), strings.TrimSpace(a.CancelReason)
	var fs apperr.Fields
	fs.Check(a.Description == "", "description", "Enter what will be done")
	fs.Check(utf8.RuneCountInString(a.Description) > 2000, "description", "The action must be 2,000 characters or fewer")
	fs.Check(a.OwnerID == "", "owner_id", "Select who owns the action")
	fs.Check(a.Measure == "", "measure", "Enter how you will know the action worked")
	fs.Check(utf8.RuneCountInString(a.Measure) > 2000, "measure", "The measure must be 2,000 characters or fewer")
	if _, err := time.Parse(time.DateOnly, a.DueOn); err != nil {
		fs.Add("due_on", "Enter the date the action is due")
	}
	if a.Status == "" {
		a.Status = ActionOpen
	}
	switch a.Status {
	case ActionOpen:
		a.DoneOn, a.Evidence, a.CancelReason = "", "", ""
	case ActionDone:
		if a.DoneOn == "" {
			a.DoneOn = clock.Date(now)
		}
		d, err := time.Parse(time.DateOnly, a.DoneOn)
		fs.Check(err != nil || d.After(clock.Today(now)), "done_on", "Enter the date it was done: today or in the past")
		fs.Check(a.Evidence == "", "evidence", "Say what shows the action was done")
		a.CancelReason = ""
	case ActionCancelled:
		fs.Check(a.CancelReason == "", "cancel_reason", "Say why the action is cancelled")
		a.DoneOn, a.Evidence = "", ""
	default:
		fs.Add("status", "Select open, done or cancelled")
	}
	return fs.Err()
}

// Overdue reports whether an open action's due date is past in London.
func (a Action) Overdue(now time.Time) bool {
	d, err := time.Parse(time.DateOnly, a.DueOn)
	return a.Status == ActionOpen && err == nil && d.Before(clock.Today(now))
}

// PlanRule is one line of a patient safety incident response plan: events
// that match (every condition set) expect a response of type Response.
type PlanRule struct {
	Name string `json:"name"`
	// Type, when set, is the record type the rule applies to.
	Type RecordType `json:"record_type,omitempty"`
	// HarmAtLeast, when set, is the least physical harm (an LFPSE code: 1
	// fatal ... 5 none) the event's harm must reach.
	HarmAtLeast string `json:"harm_at_least,omitempty"`
	// Agent, when set, must be among the agents involved.
	Agent     string       `json:"agent,omitempty"`
	Response  ResponseType `json:"response"`
	Rationale string       `json:"rationale"`
}

// Matches reports whether an event of type t with graded harm (or "")
// and agents matches the rule.
func (p PlanRule) Matches(t RecordType, harm string, agents []string) bool {
	if p.Type != "" && p.Type != t {
		return false
	}
	if p.HarmAtLeast != "" && (harm == "" || harm > p.HarmAtLeast) {
		return false
	}
	return p.Agent == "" || slices.Contains(agents, p.Agent)
}

// CheckPlan validates a plan; Invalid naming the rule (from 1).
func CheckPlan(rules []PlanRule) error {
	var fs apperr.Fields
	fs.Check(len(rules) > 50, "rules", "A plan can have 50 rules at most")
	for i, r := range rules {
		at := fmt.Sprintf("rules.%d", i)
		fs.Check(strings.TrimSpace(r.Name) == "", at+".name", fmt.Sprintf("Rule %d: enter a name", i+1))
		fs.Check(r.Type != "" && !r.Type.Valid(), at+".record_type", fmt.Sprintf("Rule %d: select a record type", i+1))
		fs.Check(r.HarmAtLeast != "" && !LFPSE.List(ListPhysicalHarm).Has(r.HarmAtLeast), at+".harm_at_least", fmt.Sprintf("Rule %d: select a harm level", i+1))
		fs.Check(r.Agent != "" && !LFPSE.List(ListAgent).Has(r.Agent), at+".agent", fmt.Sprintf("Rule %d: select an agent", i+1))
		fs.Check(!r.Response.Valid() && r.Response != LocalReview, at+".response", fmt.Sprintf("Rule %d: select the expected response", i+1))
		fs.Check(utf8.RuneCountInString(r.Rationale) > 2000, at+".rationale", fmt.Sprintf("Rule %d: the rationale must be 2,000 characters or fewer", i+1))
	}
	return fs.Err()
}

// Expected is the first rule of the plan that the event matches, and
// whether one did.
func Expected(rules []PlanRule, t RecordType, harm string, agents []string) (PlanRule, bool) {
	for _, r := range rules {
		if r.Matches(t, harm, agents) {
			return r, true
		}
	}
	return PlanRule{}, false
}

// DefaultPlan is the plan an organisation starts with, following the
// national priorities of PSIRF in our own words; each organisation should
// make it its own.
var DefaultPlan = []PlanRule{
	{Name: "Death thought likely to be due to problems in care", Type: Incident, HarmAtLeast: "1", Response: PSII,
		Rationale: "A national priority: deaths more likely than not due to problems in care are investigated."},
	{Name: "Severe harm", Type: Incident, HarmAtLeast: "2", Response: PSII,
		Rationale: "Incidents with severe harm are likely to hold significant learning."},
	{Name: "IT systems with moderate harm or worse", Type: Incident, HarmAtLeast: "3", Agent: AgentIT, Response: MDT,
		Rationale: "Digital incidents need clinical and technical staff together, and the system's CSO."},
	{Name: "Moderate harm", Type: Incident, HarmAtLeast: "3", Response: AAR,
		Rationale: "A prompt after action review with the team involved."},
	{Name: "Poor outcomes", Type: Outcome, Response: MDT, Rationale: "Outcomes are reviewed by the disciplines involved."},
	{Name: "Everything else", Response: LocalReview, Rationale: "Reviewed by the handler, and looked at together in thematic reviews."},
}
