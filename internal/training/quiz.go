package training

import (
	"math/rand/v2"
	"slices"
	"time"
)

// DrawQuestions picks n question ids of bank at random with r, each at
// most once, in the order they are asked. n larger than the bank draws
// the whole bank.
func DrawQuestions(bank []Question, n int, r *rand.Rand) []string {
	ids := make([]string, len(bank))
	for i, q := range bank {
		ids[i] = q.ID
	}
	r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids[:min(n, len(ids))]
}

// Marked is one question of a submitted attempt: what was chosen and
// whether that was right. A question is right only when exactly its right
// answers were chosen.
type Marked struct {
	Question Question `json:"question"`
	Chosen   []int    `json:"chosen"`
	Right    bool     `json:"right"`
}

// Result is a marked attempt.
type Result struct {
	Marked []Marked `json:"marked"`
	Right  int      `json:"right"`
	Score  int      `json:"score"` // per cent, rounded down
	Passed bool     `json:"passed"`
}

// Mark marks the answers given (question id -> chosen answer indexes) to
// the drawn questions of c. Unknown indexes are ignored; an unanswered
// question is wrong.
func Mark(c Course, drawn []string, given map[string][]int) Result {
	var res Result
	for _, id := range drawn {
		q, ok := c.Question(id)
		if !ok {
			continue
		}
		var chosen []int
		for _, i := range given[id] {
			if i >= 0 && i < len(q.Answers) && !slices.Contains(chosen, i) {
				chosen = append(chosen, i)
			}
		}
		slices.Sort(chosen)
		right := len(chosen) > 0
		for i, a := range q.Answers {
			if a.Correct != slices.Contains(chosen, i) {
				right = false
			}
		}
		if right {
			res.Right++
		}
		res.Marked = append(res.Marked, Marked{Question: q, Chosen: chosen, Right: right})
	}
	if len(res.Marked) > 0 {
		res.Score = res.Right * 100 / len(res.Marked)
	}
	res.Passed = len(res.Marked) > 0 && res.Score >= c.PassMark
	return res
}

// NextAttempt says when a learner may next start an attempt at c, given
// the submission times of their failed attempts since their last pass (in
// order): after MaxAttempts failures in a row, not until CooldownHours
// after the last of them; each further block of MaxAttempts failures
// waits again. The zero time means now.
func NextAttempt(c Course, failed []time.Time) time.Time {
	if c.MaxAttempts <= 0 || len(failed) == 0 || len(failed)%c.MaxAttempts != 0 {
		return time.Time{}
	}
	return failed[len(failed)-1].Add(time.Duration(c.CooldownHours) * time.Hour)
}

// Expires is when a completion at done of a course renewed every months
// months expires: the same day months later, or the last day of that
// month when it is shorter (31 August + 6 months is 28 February, not 3
// March); nil when it never does.
func Expires(done time.Time, months int) *time.Time {
	if months <= 0 {
		return nil
	}
	t := AddMonths(done, months)
	return &t
}

// AddMonths is t moved on by months calendar months, kept within the month
// it lands in (time.AddDate would run on into the next).
func AddMonths(t time.Time, months int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}
