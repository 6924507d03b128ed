package events

import (
	"fmt"
	"iter"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/text"
)

// Kind is the kind of answer a question takes, which decides how a page
// asks it and how it is checked.
type Kind string

// The kinds of question.
const (
	KindText     Kind = "text"     // one line of text
	KindLongText Kind = "longtext" // a paragraph
	KindChoice   Kind = "choice"   // one code of a list (radios)
	KindMulti    Kind = "multi"    // any codes of a list (checkboxes)
	KindDate     Kind = "date"     // a calendar day, stored YYYY-MM-DD
	KindTime     Kind = "time"     // a time of day, stored HH:MM
	KindSystem   Kind = "system"   // a Health IT system of the organisation's register, or NoSystem
	KindGroup    Kind = "group"    // a repeating group of the questions whose Group is this id
)

// NoSystem answers a KindSystem question when the system is not in the
// register.
const NoSystem = "none"

// Limits on answers.
const (
	MaxText      = 200
	MaxLongText  = 10000
	MaxGroup     = 20 // items of one repeating group (patients, devices)
	MaxLocal     = 10 // local questions per record type
	MaxLocalOpts = 20
)

// Audience is who is answering: staff signed in, or a patient, carer or
// anonymous reporter on the public page, who is asked only what they can
// know.
type Audience string

// The audiences.
const (
	Staff  Audience = "staff"
	Public Audience = "public"
)

// Cond shows a question only when another question's answer holds any of
// the codes.
type Cond struct {
	Question string
	AnyOf    []string
}

// Prefill names where a staff reporter's default answer comes from, so
// that nobody is asked what the system knows.
type Prefill string

// Sources of prefilled answers.
const (
	FromLastReport Prefill = "last-report" // the reporter's previous report
)

// Question is one question of the flow. Its ID is the key of its answer
// in a record, stable across versions; LFPSE names the element or
// extension of the LFPSE AdverseEvent it fills.
type Question struct {
	ID       string
	Kind     Kind
	Prompt   string
	Hint     string
	List     string  // code list of a choice or multi question
	Options  []Entry // the choices of a local question, instead of List
	Required bool
	// Types are the record types that ask the question (all when empty).
	Types []RecordType
	If    *Cond
	// Public questions are asked of public and anonymous reporters too.
	Public bool
	// Only, when set, asks the question of that audience alone.
	Only Audience
	// Group is the id of the repeating group the question belongs to.
	Group string
	// Page groups questions asked together on one page (the date and
	// time of an event); a question with no Page has a page of its own.
	Page    string
	Prefill Prefill
	LFPSE   string
	// Local marks a question an organisation added.
	Local bool
	// PromptFor words the question for particular record types.
	PromptFor map[RecordType]string
	// Min and Max bound a group's items.
	Min, Max int
}

// PromptOf is the question's words for record type t.
func (q Question) PromptOf(t RecordType) string {
	if p, ok := q.PromptFor[t]; ok {
		return p
	}
	return q.Prompt
}

// PageID is the id of the page that asks q.
func (q Question) PageID() string {
	if q.Page != "" {
		return q.Page
	}
	return q.ID
}

// Choices are the codes that answer a choice or multi question.
func (q Question) Choices(t Taxonomy) []Entry {
	if q.Options != nil {
		return q.Options
	}
	return t.List(q.List).Entries
}

// Flow is the ordered, branching list of questions of every record type.
type Flow struct {
	Taxonomy  Taxonomy
	Questions []Question
}

// Answers hold a record's answers: question id to its values (one value,
// or several for a multi question).
type Answers map[string][]string

// Get is the first value of id, or "".
func (a Answers) Get(id string) string {
	if v := a[id]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Has reports whether the answer to id includes code.
func (a Answers) Has(id, code string) bool { return slices.Contains(a[id], code) }

// Record is a safety event as reported: its type, the answers of the
// flow's questions, and the items of its repeating groups (the patients
// affected, the devices and the medicines involved).
type Record struct {
	Type            RecordType           `json:"type"`
	TaxonomyVersion string               `json:"taxonomy_version"`
	Answers         Answers              `json:"answers"`
	Groups          map[string][]Answers `json:"groups,omitempty"`
}

// Items returns the items of group id.
func (r Record) Items(id string) []Answers { return r.Groups[id] }

// Context is what checking answers needs to know beyond the flow: the day,
// and the organisation's registered Health IT systems.
type Context struct {
	Now     time.Time
	Systems []Entry
}

// Visible reports whether q is asked in r of audience a. A question of a
// group is visible when its group is.
func (f Flow) Visible(q Question, r Record, a Audience) bool {
	if a == Public && !q.Public || q.Only != "" && q.Only != a {
		return false
	}
	if len(q.Types) > 0 && !slices.Contains(q.Types, r.Type) {
		return false
	}
	if q.If != nil && !slices.ContainsFunc(q.If.AnyOf, func(c string) bool { return r.Answers.Has(q.If.Question, c) }) {
		return false
	}
	if q.Group != "" {
		g, ok := f.Question(q.Group)
		return ok && f.Visible(g, r, a)
	}
	return true
}

// Question returns the question with id.
func (f Flow) Question(id string) (Question, bool) {
	for _, q := range f.Questions {
		if q.ID == id {
			return q, true
		}
	}
	return Question{}, false
}

// Members are the questions of group id, in order.
func (f Flow) Members(id string) iter.Seq[Question] {
	return func(yield func(Question) bool) {
		for _, q := range f.Questions {
			if q.Group == id && !yield(q) {
				return
			}
		}
	}
}

// Page is one page of the reporting flow: the questions asked together,
// or one repeating group.
type Page struct {
	ID        string
	Questions []Question
	// Group is set for the page of a repeating group; its questions are
	// the group's members.
	Group *Question
}

// Pages are the pages that record r asks of audience a, in order. The
// record type is asked first, so that a record without one has only
// that page.
func (f Flow) Pages(r Record, a Audience) []Page {
	var out []Page
	for _, q := range f.Questions {
		if q.Group != "" || !f.Visible(q, r, a) {
			continue
		}
		if q.Kind == KindGroup {
			g := q
			var members []Question
			for m := range f.Members(q.ID) {
				if a != Public || m.Public {
					members = append(members, m)
				}
			}
			out = append(out, Page{ID: q.ID, Questions: members, Group: &g})
			continue
		}
		if n := len(out); n > 0 && out[n-1].Group == nil && out[n-1].ID == q.PageID() {
			out[n-1].Questions = append(out[n-1].Questions, q)
			continue
		}
		out = append(out, Page{ID: q.PageID(), Questions: []Question{q}})
		if r.Type == "" {
			break
		}
	}
	return out
}

// FindPage returns the page with id among the pages r asks of a.
func (f Flow) FindPage(r Record, a Audience, id string) (Page, int, bool) {
	for i, p := range f.Pages(r, a) {
		if p.ID == id {
			return p, i, true
		}
	}
	return Page{}, -1, false
}

// Prune removes the answers of questions the record does not ask (after a
// branch changed: unticking "IT systems" drops the IT answers) and of ids
// the flow does not know, and empty values.
func (f Flow) Prune(r *Record, a Audience) {
	keep := Answers{}
	for _, q := range f.Questions {
		if q.Group != "" || q.Kind == KindGroup || q.ID == AnsType || !f.Visible(q, *r, a) {
			continue
		}
		if v := nonEmpty(r.Answers[q.ID]); len(v) > 0 {
			keep[q.ID] = v
		}
	}
	groups := map[string][]Answers{}
	for _, q := range f.Questions {
		if q.Kind != KindGroup || !f.Visible(q, *r, a) {
			continue
		}
		for _, item := range r.Groups[q.ID] {
			k := Answers{}
			for m := range f.Members(q.ID) {
				if a == Public && !m.Public {
					continue
				}
				if v := nonEmpty(item[m.ID]); len(v) > 0 {
					k[m.ID] = v
				}
			}
			groups[q.ID] = append(groups[q.ID], k)
		}
	}
	r.Answers = keep
	r.Groups = groups
	if len(groups) == 0 {
		r.Groups = nil
	}
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// Check validates the answers of record r for audience a: every visible
// question when pages is empty (a submission), or only the questions of
// the named pages (one step of the flow, so that a draft is saved with
// what the reporter knows so far). Field names are question ids, and
// "GROUP.N.ID" for item N (from 0) of a group. It returns nil when all is
// well, else an Invalid error with per-field messages.
func (f Flow) Check(r Record, a Audience, c Context, pages ...string) error {
	var fs apperr.Fields
	if r.Type == "" || !r.Type.Valid() {
		fs.Add("type", "Select what kind of event you are reporting")
		return fs.Err()
	}
	for _, p := range f.Pages(r, a) {
		if len(pages) > 0 && !slices.Contains(pages, p.ID) {
			continue
		}
		if p.Group != nil {
			items := r.Groups[p.Group.ID]
			g := *p.Group
			fs.Check(len(items) < g.Min, g.ID, fmt.Sprintf("Add at least one: %s", strings.ToLower(g.PromptOf(r.Type))))
			fs.Check(len(items) > min(g.Max, MaxGroup) && g.Max > 0 || len(items) > MaxGroup, g.ID, fmt.Sprintf("Enter %d or fewer", MaxGroup))
			for i, item := range items {
				for _, q := range p.Questions {
					f.checkOne(&fs, q, item, r.Type, c, fmt.Sprintf("%s.%d.%s", g.ID, i, q.ID))
				}
			}
			continue
		}
		for _, q := range p.Questions {
			if q.ID != AnsType { // the record's Type, checked above
				f.checkOne(&fs, q, r.Answers, r.Type, c, q.ID)
			}
		}
	}
	f.checkWhen(&fs, r, a, c, pages)
	return fs.Err()
}

var timeRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

func (f Flow) checkOne(fs *apperr.Fields, q Question, ans Answers, t RecordType, c Context, field string) {
	vs := nonEmpty(ans[q.ID])
	what := strings.TrimSuffix(q.PromptOf(t), "?")
	if len(vs) == 0 {
		if q.Required {
			switch q.Kind {
			case KindChoice, KindSystem:
				fs.Add(field, "Select an answer: "+lowerFirst(what))
			case KindMulti:
				fs.Add(field, "Select at least one: "+lowerFirst(what))
			default:
				fs.Add(field, "Enter an answer: "+lowerFirst(what))
			}
		}
		return
	}
	for _, v := range vs {
		if bad := text.Unstorable(v); bad != "" {
			fs.Add(field, "The answer cannot be stored: "+bad)
			return
		}
	}
	switch q.Kind {
	case KindText, KindLongText:
		limit := MaxText
		if q.Kind == KindLongText {
			limit = MaxLongText
		}
		fs.Check(len(vs) > 1, field, "Enter one answer")
		fs.Check(utf8.RuneCountInString(vs[0]) > limit, field, fmt.Sprintf("The answer must be %s characters or fewer", thousands(limit)))
	case KindChoice, KindMulti:
		fs.Check(q.Kind == KindChoice && len(vs) > 1, field, "Select one answer")
		choices := q.Choices(f.Taxonomy)
		for _, v := range vs {
			if !slices.ContainsFunc(choices, func(e Entry) bool { return e.Code == v }) {
				fs.Add(field, "Select an answer from the list")
				break
			}
		}
	case KindSystem:
		ok := vs[0] == NoSystem || slices.ContainsFunc(c.Systems, func(e Entry) bool { return e.Code == vs[0] })
		fs.Check(!ok || len(vs) > 1, field, "Select a system from the register, or say it is not listed")
	case KindDate:
		d, err := time.Parse(time.DateOnly, vs[0])
		switch {
		case err != nil || len(vs) > 1:
			fs.Add(field, "Enter a real date, for example 27 3 2026")
		case !c.Now.IsZero() && d.After(clock.Today(c.Now)):
			fs.Add(field, "The date must be today or in the past")
		case d.Year() < 1900:
			fs.Add(field, "Enter a year after 1900")
		}
	case KindTime:
		fs.Check(!timeRE.MatchString(vs[0]) || len(vs) > 1, field, "Enter a time in 24-hour format, for example 14:30")
	}
}

// checkWhen refuses a date and time today that is still to come.
func (f Flow) checkWhen(fs *apperr.Fields, r Record, a Audience, c Context, pages []string) {
	q, ok := f.Question(AnsTime)
	if !ok || c.Now.IsZero() || !f.Visible(q, r, a) || len(pages) > 0 && !slices.Contains(pages, q.PageID()) {
		return
	}
	d, t := r.Answers.Get(AnsDate), r.Answers.Get(AnsTime)
	at, err := clock.Earliest("2006-01-02 15:04", d+" "+t)
	if err == nil && at.After(c.Now.Add(5*time.Minute)) {
		fs.Add(AnsTime, "The time must be now or in the past")
	}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	if n < len(s) {
		if r2, _ := utf8.DecodeRuneInString(s[n:]); r2 >= 'A' && r2 <= 'Z' {
			return s // an abbreviation: "IT systems"
		}
	}
	return strings.ToLower(string(r)) + s[n:]
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	if len(s) > 3 {
		return s[:len(s)-3] + "," + s[len(s)-3:]
	}
	return s
}

// SummaryRow is one line of the check-your-answers page.
type SummaryRow struct {
	Page   string // the page that asks it, for the Change link
	Item   int    // the item of a group, from 0; -1 outside groups
	Field  string
	Prompt string
	Answer []string // in words
}

// Summary is the check-your-answers summary of r for audience a: every
// question asked, answered or not, in words.
func (f Flow) Summary(r Record, a Audience, c Context) []SummaryRow {
	var out []SummaryRow
	for _, p := range f.Pages(r, a) {
		if p.Group != nil {
			for i, item := range r.Groups[p.Group.ID] {
				for _, q := range p.Questions {
					out = append(out, SummaryRow{Page: p.ID, Item: i, Field: fmt.Sprintf("%s.%d.%s", p.ID, i, q.ID),
						Prompt: q.PromptOf(r.Type), Answer: f.Words(q, item[q.ID], c)})
				}
			}
			if len(r.Groups[p.Group.ID]) == 0 {
				out = append(out, SummaryRow{Page: p.ID, Item: -1, Field: p.ID, Prompt: p.Group.PromptOf(r.Type), Answer: []string{"None added"}})
			}
			continue
		}
		for _, q := range p.Questions {
			vs := r.Answers[q.ID]
			if q.ID == AnsType {
				vs = []string{string(r.Type)}
			}
			out = append(out, SummaryRow{Page: p.ID, Item: -1, Field: q.ID, Prompt: q.PromptOf(r.Type), Answer: f.Words(q, vs, c)})
		}
	}
	return out
}

// Words are the answer vs to q in words: labels for codes, dates as
// "1 December 2026".
func (f Flow) Words(q Question, vs []string, c Context) []string {
	var out []string
	for _, v := range vs {
		switch q.Kind {
		case KindChoice, KindMulti:
			choices := q.Choices(f.Taxonomy)
			label := v
			if i := slices.IndexFunc(choices, func(e Entry) bool { return e.Code == v }); i >= 0 {
				label = choices[i].Label
			}
			out = append(out, label)
		case KindSystem:
			label := "Not in the register"
			if i := slices.IndexFunc(c.Systems, func(e Entry) bool { return e.Code == v }); i >= 0 {
				label = c.Systems[i].Label
			} else if v != NoSystem {
				label = v
			}
			out = append(out, label)
		case KindDate:
			if d, err := time.Parse(time.DateOnly, v); err == nil {
				out = append(out, d.Format("2 January 2006"))
			} else {
				out = append(out, v)
			}
		default:
			out = append(out, v)
		}
	}
	return out
}
