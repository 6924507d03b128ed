// Package training is the pure domain of the training wing: courses
// written as Markdown with their quiz banks, the rules of a quiz attempt
// (the random draw, the pass mark, the limit on attempts and its
// cool-down), renewal of a completion, and the status of a clinical safety
// officer in the competency register. It knows no HTTP and no SQL.
package training

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
)

// Levels are the NHS Patient Safety Syllabus levels a course may be at, and
// "local" for an organisation's own course outside the syllabus.
var Levels = []string{"1", "2", "3", "4", "5", "local"}

// LevelLabel says a level in words.
func LevelLabel(l string) string {
	if l == "local" {
		return "Local course"
	}
	return "Patient Safety Syllabus level " + l
}

// ClinicalSafetyTag marks a course whose completion counts as clinical
// safety training in the CSO competency register.
const ClinicalSafetyTag = "clinical safety"

// Limits of a course's source.
const (
	MaxSource    = 200_000 // bytes
	MaxTitle     = 200     // characters
	MaxQuestions = 200     // in one course
)

// Course is one version of a course as its source defines it.
type Course struct {
	Title         string      `json:"title"`
	Summary       string      `json:"summary"`
	Level         string      `json:"level"`
	Minutes       int         `json:"minutes"`
	RenewalMonths int         `json:"renewal_months"` // 0: never expires
	Audience      []auth.Role `json:"audience"`
	Tags          []string    `json:"tags"`
	PassMark      int         `json:"pass_mark"`             // per cent
	Draw          int         `json:"questions_per_attempt"` // questions drawn for each attempt
	MaxAttempts   int         `json:"attempts"`              // attempts before the cool-down
	CooldownHours int         `json:"cooldown_hours"`
	Modules       []Module    `json:"modules"`
}

// Module is one part of a course: Markdown to read and a bank of questions.
type Module struct {
	Title     string     `json:"title"`
	Body      string     `json:"-"` // Markdown
	Questions []Question `json:"-"`
}

// Question is one question of a module's bank. ID ("m1q3") is stable
// within one version of the course.
type Question struct {
	ID       string   `json:"id"`
	Text     string   `json:"text"`
	Multiple bool     `json:"multiple"` // more than one answer may be right
	Answers  []Answer `json:"answers"`
}

// Answer is one choice of a question, with why it is right or wrong.
type Answer struct {
	Text        string `json:"text"`
	Correct     bool   `json:"-"`
	Explanation string `json:"-"`
}

// Tagged reports whether the course carries tag (case does not matter).
func (c Course) Tagged(tag string) bool {
	return slices.ContainsFunc(c.Tags, func(t string) bool { return strings.EqualFold(t, tag) })
}

// ForRole reports whether the course's audience includes r.
func (c Course) ForRole(r auth.Role) bool { return slices.Contains(c.Audience, r) }

// MayStart reports whether someone holding roles may start the course:
// when it is assigned to them (by role or by name), when its audience
// includes one of their roles, or when they are an educator or an
// administrator, who may preview any course. Someone who started a
// version of the course always finishes it, whatever its audience now.
func (c Course) MayStart(roles []auth.Role, assigned bool) bool {
	return assigned || slices.ContainsFunc(roles, c.ForRole) || auth.HasAny(roles, auth.Educator, auth.Admin)
}

// Bank is every question of every module, in order.
func (c Course) Bank() []Question {
	var out []Question
	for _, m := range c.Modules {
		out = append(out, m.Questions...)
	}
	return out
}

// Question returns the question with id.
func (c Course) Question(id string) (Question, bool) {
	for _, m := range c.Modules {
		for _, q := range m.Questions {
			if q.ID == id {
				return q, true
			}
		}
	}
	return Question{}, false
}

// Parse reads a course's source: a header of "key: value" lines between
// "---" lines, then modules, each starting with a "# Title" line, with
// Markdown and then, after a "## Quiz" line, its questions:
//
//	? A question with one right answer
//	+ the right answer
//	  > why it is right
//	- a wrong answer
//	  > why it is wrong
//	?* A question where more than one answer may be right
//
// It returns Invalid with the field "source" naming the first problems
// and their lines.
func Parse(src string) (Course, error) {
	var c Course
	var probs []string
	bad := func(line int, format string, args ...any) {
		if len(probs) < 5 {
			probs = append(probs, fmt.Sprintf("line %d: ", line)+fmt.Sprintf(format, args...))
		}
	}
	switch {
	case strings.TrimSpace(src) == "":
		return c, apperr.Field("source", "Enter the course")
	case len(src) > MaxSource:
		return c, apperr.Field("source", fmt.Sprintf("The course must be %d KB or smaller", MaxSource/1000))
	case !utf8.ValidString(src):
		return c, apperr.Field("source", "The course must be text")
	}
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i >= len(lines) || strings.TrimSpace(lines[i]) != "---" {
		return c, apperr.Field("source", "The course must start with its details between two lines of ---")
	}
	c.PassMark, c.Draw, c.MaxAttempts, c.CooldownHours = 80, 0, 3, 24
	seen := map[string]bool{}
	i++
	for ; i < len(lines) && strings.TrimSpace(lines[i]) != "---"; i++ {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if !ok {
			bad(i+1, "a detail must be written as name: value")
			continue
		}
		seen[k] = true
		num := func(lo, hi int) int {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				bad(i+1, "%s must be a whole number from %d to %d", k, lo, hi)
			}
			return n
		}
		switch k {
		case "title":
			c.Title = v
		case "summary":
			c.Summary = v
		case "level":
			c.Level = strings.ToLower(v)
			if !slices.Contains(Levels, c.Level) {
				bad(i+1, "level must be 1, 2, 3, 4, 5 or local")
			}
		case "minutes":
			c.Minutes = num(1, 600)
		case "renewal_months":
			c.RenewalMonths = num(0, 120)
		case "audience":
			c.Audience = nil
			for _, p := range strings.Split(v, ",") {
				r, err := auth.ParseRole(p)
				if err != nil {
					bad(i+1, "audience: %q is not a role (use %s)", strings.TrimSpace(p), auth.RoleNames())
					continue
				}
				if !slices.Contains(c.Audience, r) {
					c.Audience = append(c.Audience, r)
				}
			}
			auth.SortRoles(c.Audience)
		case "tags":
			c.Tags = nil
			for _, t := range strings.Split(v, ",") {
				if t = strings.ToLower(strings.Join(strings.Fields(t), " ")); t != "" && !slices.Contains(c.Tags, t) {
					c.Tags = append(c.Tags, t)
				}
			}
		case "pass_mark":
			c.PassMark = num(1, 100)
		case "questions_per_attempt":
			c.Draw = num(1, MaxQuestions)
		case "attempts":
			c.MaxAttempts = num(1, 10)
		case "cooldown_hours":
			c.CooldownHours = num(0, 720)
		default:
			bad(i+1, "%q is not a course detail", k)
		}
	}
	if i >= len(lines) {
		return c, apperr.Field("source", "The course's details must end with a line of ---")
	}
	i++
	for _, k := range []string{"title", "level", "minutes", "audience"} {
		if !seen[k] {
			probs = append(probs, "the details need "+k)
		}
	}
	switch n := utf8.RuneCountInString(c.Title); {
	case seen["title"] && n == 0:
		probs = append(probs, "the title must not be empty")
	case n > MaxTitle:
		probs = append(probs, fmt.Sprintf("the title must be %d characters or fewer", MaxTitle))
	}
	if seen["audience"] && len(c.Audience) == 0 {
		probs = append(probs, "the audience needs at least one role")
	}
	var m *Module
	var q *Question
	var a *Answer
	quiz := false
	var body []string
	flush := func() {
		if m != nil {
			m.Body = strings.TrimSpace(strings.Join(body, "\n"))
		}
		body = nil
	}
	for ; i < len(lines); i++ {
		raw := lines[i]
		l := strings.TrimSpace(raw)
		switch {
		case strings.HasPrefix(raw, "# "):
			flush()
			c.Modules = append(c.Modules, Module{Title: strings.TrimSpace(raw[2:])})
			m, q, a, quiz = &c.Modules[len(c.Modules)-1], nil, nil, false
		case m == nil:
			if l != "" {
				bad(i+1, "a module must start with a line \"# Title\"")
			}
		case !quiz && strings.EqualFold(l, "## Quiz"):
			quiz = true
		case !quiz:
			body = append(body, raw)
		case strings.HasPrefix(l, "?* ") || strings.HasPrefix(l, "? "):
			multi := strings.HasPrefix(l, "?* ")
			text := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(l, "?* "), "? "))
			m.Questions = append(m.Questions, Question{ID: fmt.Sprintf("m%dq%d", len(c.Modules), len(m.Questions)+1), Text: text, Multiple: multi})
			q, a = &m.Questions[len(m.Questions)-1], nil
		case strings.HasPrefix(l, "+ ") || strings.HasPrefix(l, "- "):
			if q == nil {
				bad(i+1, "an answer must follow a question (a line starting with ?)")
				continue
			}
			q.Answers = append(q.Answers, Answer{Text: strings.TrimSpace(l[2:]), Correct: l[0] == '+'})
			a = &q.Answers[len(q.Answers)-1]
		case strings.HasPrefix(l, ">"):
			if a == nil {
				bad(i+1, "an explanation (>) must follow an answer")
				continue
			}
			a.Explanation = strings.TrimSpace(strings.Join([]string{a.Explanation, strings.TrimSpace(l[1:])}, " "))
		case l == "":
		default:
			bad(i+1, "in a quiz, a line must start with ?, ?*, +, - or >")
		}
	}
	flush()
	if len(c.Modules) == 0 {
		probs = append(probs, "the course needs at least one module (a line \"# Title\")")
	}
	n := 0
	for _, m := range c.Modules {
		if m.Title == "" {
			probs = append(probs, "every module needs a title")
		}
		for _, q := range m.Questions {
			n++
			right := 0
			for _, a := range q.Answers {
				if a.Correct {
					right++
				}
				if a.Explanation == "" && len(probs) < 5 {
					probs = append(probs, fmt.Sprintf("question %s: every answer needs an explanation (a line starting with >)", q.ID))
				}
			}
			switch {
			case q.Text == "":
				probs = append(probs, fmt.Sprintf("question %s has no text", q.ID))
			case len(q.Answers) < 2:
				probs = append(probs, fmt.Sprintf("question %s needs at least two answers", q.ID))
			case right == 0:
				probs = append(probs, fmt.Sprintf("question %s needs a right answer (a line starting with +)", q.ID))
			case !q.Multiple && right > 1:
				probs = append(probs, fmt.Sprintf("question %s has more than one right answer: start it with ?* if that is meant", q.ID))
			}
		}
	}
	switch {
	case n == 0:
		probs = append(probs, "the course needs a quiz: at least one question after a \"## Quiz\" line")
	case n > MaxQuestions:
		probs = append(probs, fmt.Sprintf("a course may have at most %d questions", MaxQuestions))
	case c.Draw == 0 || c.Draw > n:
		if seen["questions_per_attempt"] {
			probs = append(probs, fmt.Sprintf("questions_per_attempt is %d but the banks hold %d questions", c.Draw, n))
		}
		c.Draw = n
	}
	if len(probs) > 0 {
		if len(probs) > 5 {
			probs = probs[:5]
		}
		return c, apperr.Field("source", "The course has problems: "+strings.Join(probs, "; "))
	}
	return c, nil
}
