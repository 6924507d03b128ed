package training

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

func TestBuiltinsParseWithQuizzes(t *testing.T) {
	bs, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 3 {
		t.Fatalf("got %d built-in courses, want 3", len(bs))
	}
	for _, b := range bs {
		if n := len(b.Course.Bank()); n < 8 || b.Course.Draw < 8 {
			t.Errorf("%s: bank of %d, draw %d: want at least 8", b.Key, n, b.Course.Draw)
		}
		// The quiz page shows questions and answers; "correct" in them
		// would read as a marker of the answer.
		for _, q := range b.Course.Bank() {
			for _, s := range append([]string{q.Text}, answerTexts(q)...) {
				if strings.Contains(strings.ToLower(s), "correct") {
					t.Errorf("%s %s: %q says correct", b.Key, q.ID, s)
				}
			}
		}
	}
	if !bs[0].Course.Tagged(ClinicalSafetyTag) || bs[0].Course.Level == "" {
		t.Errorf("dcb primer: tags %v level %q", bs[0].Course.Tags, bs[0].Course.Level)
	}
}

const small = `---
title: T
level: local
minutes: 5
audience: reporter
questions_per_attempt: 2
---
# One
Text
## Quiz
? Q1
+ yes
  > right
- no
  > wrong
?* Q2
+ a
  > a is right
+ b
  > b is right
- c
  > c is wrong
`

func TestParseProblems(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"", "Enter the course"},
		{"# No header", "must start with its details"},
		{"---\ntitle: T\n", "must end with a line of ---"},
		{strings.Replace(small, "level: local", "level: 9", 1), "level must be"},
		{strings.Replace(small, "audience: reporter", "audience: wizard", 1), `"wizard" is not a role`},
		{strings.Replace(small, "+ yes", "- yes", 1), "needs a right answer"},
		{strings.Replace(small, "?* Q2", "? Q2", 1), "more than one right answer"},
		{strings.Replace(small, "  > right\n", "", 1), "needs an explanation"},
		{strings.Replace(small, "questions_per_attempt: 2", "questions_per_attempt: 5", 1), "banks hold 2"},
		{strings.Replace(small, "## Quiz", "", 1), "needs a quiz"},
	} {
		_, err := Parse(tc.src)
		if !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.FieldsOf(err)["source"], tc.want) {
			t.Errorf("Parse(%.40q): got %v, want a source problem with %q", tc.src, apperr.FieldsOf(err), tc.want)
		}
	}
	c, err := Parse(small)
	if err != nil {
		t.Fatal(err)
	}
	if q, _ := c.Question("m1q2"); !q.Multiple || len(q.Answers) != 3 || c.PassMark != 80 || c.MaxAttempts != 3 {
		t.Errorf("got %+v", c)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(small)
	f.Add("---\n---\n# x\n## Quiz\n? \n+ \n>")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err == nil && (len(c.Bank()) == 0 || c.Draw < 1 || c.Draw > len(c.Bank())) {
			t.Errorf("accepted a course with bank %d draw %d", len(c.Bank()), c.Draw)
		}
	})
}

func TestDrawAndMark(t *testing.T) {
	c, _ := Parse(small)
	a := DrawQuestions(c.Bank(), 2, rand.New(rand.NewPCG(1, 2)))
	b := DrawQuestions(c.Bank(), 2, rand.New(rand.NewPCG(1, 2)))
	if !slices.Equal(a, b) || len(a) != 2 {
		t.Fatalf("same seed drew %v and %v", a, b)
	}
	res := Mark(c, []string{"m1q1", "m1q2"}, map[string][]int{"m1q1": {0}, "m1q2": {0}})
	if res.Right != 1 || res.Score != 50 || res.Passed {
		t.Errorf("half right: got %+v", res)
	}
	res = Mark(c, []string{"m1q1", "m1q2"}, map[string][]int{"m1q1": {0, 0, 7}, "m1q2": {1, 0}})
	if res.Right != 2 || !res.Passed {
		t.Errorf("all right: got %+v", res)
	}
}

func TestNextAttemptCooldown(t *testing.T) {
	c := Course{MaxAttempts: 3, CooldownHours: 24}
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if !NextAttempt(c, []time.Time{t0, t0}).IsZero() {
		t.Error("two failures: want no wait")
	}
	if got := NextAttempt(c, []time.Time{t0, t0, t0}); !got.Equal(t0.Add(24 * time.Hour)) {
		t.Errorf("three failures: got %v", got)
	}
}

func TestRenderMarkdownSanitises(t *testing.T) {
	got := RenderMarkdown("# Hi\n\n<script>alert(1)</script>\n\n<iframe src=x></iframe>\n\n[x](javascript:alert(1)) **bold**")
	for _, bad := range []string{"<script", "<iframe", "javascript:"} {
		if strings.Contains(got, bad) {
			t.Errorf("rendered %q keeps %s", got, bad)
		}
	}
	if !strings.Contains(got, "<strong>bold</strong>") {
		t.Errorf("rendered %q lost the Markdown", got)
	}
}

func TestCSOStatus(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	old, recent := now.AddDate(-2, 0, 0), now.AddDate(0, -1, 0)
	if s, _ := CSOStatus(&recent, &recent, nil, now); s != Current {
		t.Errorf("recent check and training: %s", s)
	}
	if s, why := CSOStatus(&old, &recent, nil, now); s != Lapsed || len(why) != 1 {
		t.Errorf("old check: %s %v", s, why)
	}
	if s, why := CSOStatus(nil, nil, nil, now); s != Lapsed || len(why) != 2 {
		t.Errorf("nothing: %s %v", s, why)
	}
	if s, _ := CSOStatus(&recent, &old, &recent, now); s != Lapsed {
		t.Errorf("expired training: %s", s)
	}
}

func answerTexts(q Question) []string {
	var out []string
	for _, a := range q.Answers {
		out = append(out, a.Text)
	}
	return out
}
