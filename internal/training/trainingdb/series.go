package trainingdb

import (
	"context"
	"slices"
	"time"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/store"
)

// CoverageCount is an organisation's training coverage at the end of one
// day: of the assignments due by then, how many were in date.
type CoverageCount struct {
	// Day is the day (midnight UTC, a day in London) read at its end.
	Day time.Time `json:"day"`
	// Due counts the assignments, one per person and course, in force on
	// Day (made on or before it and not withdrawn by it) and due on or
	// before it.
	Due int `json:"due"`
	// InDate counts those of them the person had completed on or before
	// Day with a completion that does not expire until after it.
	InDate int `json:"in_date"`
}

// CoverageFilter narrows the coverage to the people holding a role now
// and to one course ("" for every).
type CoverageFilter struct {
	Role     auth.Role
	CourseID string
}

// CoverageHistory is the organisation's training coverage at the end of
// each of days, from its assignments (withdrawn ones while they were in
// force) and its completions of courses; evidence of training done
// elsewhere is not a course's completion and does not count. A person
// counts once per course, under the earliest due of the assignments in
// force that cover them, and under the roles they hold now (roles are not
// kept over time). assigned reports whether any assignment covered
// anyone on any of the days, due or not: an organisation that has
// assigned nothing has no coverage to read. It changes nothing (unlike
// Coverage, it does not renew expired completions).
func (s *DB) CoverageHistory(ctx context.Context, orgID store.OrgID, days []time.Time, f CoverageFilter) (counts []CoverageCount, assigned bool, err error) {
	q := s.SQL()
	as, err := s.assignments(ctx, q, orgID, true)
	if err != nil {
		return nil, false, err
	}
	ms, err := s.members(ctx, q, orgID)
	if err != nil {
		return nil, false, err
	}
	cs, err := s.completions(ctx, q, orgID, "")
	if err != nil {
		return nil, false, err
	}
	type span struct{ from, until string } // completed on, expires on ("" never)
	done := map[string][]span{}            // user|course
	for _, c := range cs {
		if c.CourseID == "" || (f.CourseID != "" && c.CourseID != f.CourseID) {
			continue
		}
		sp := span{from: clock.Date(c.CompletedAt)}
		if c.ExpiresAt != nil {
			sp.until = clock.Date(*c.ExpiresAt)
		}
		k := c.UserID + "|" + c.CourseID
		done[k] = append(done[k], sp)
	}
	type force struct {
		a           Assignment
		from, until string // made on, withdrawn on ("" never)
	}
	var fs []force
	for _, a := range as {
		if f.CourseID != "" && a.CourseID != f.CourseID {
			continue
		}
		x := force{a: a, from: clock.Date(a.CreatedAt)}
		if a.WithdrawnAt != nil {
			x.until = clock.Date(*a.WithdrawnAt)
		}
		fs = append(fs, x)
	}
	var people []member
	for _, m := range ms {
		if f.Role == "" || slices.Contains(m.Roles, f.Role) {
			people = append(people, m)
		}
	}
	counts = make([]CoverageCount, len(days))
	for i, d := range days {
		day := d.Format(time.DateOnly)
		counts[i].Day = d
		for _, m := range people {
			// The earliest due of each course's assignments in force
			// that cover m on day.
			due := map[string]string{}
			for _, x := range fs {
				a := x.a
				if x.from > day || (x.until != "" && x.until <= day) {
					continue
				}
				if (a.Role != "" && !slices.Contains(m.Roles, a.Role)) || (a.UserID != "" && a.UserID != m.ID) {
					continue
				}
				if d, ok := due[a.CourseID]; !ok || a.DueOn < d {
					due[a.CourseID] = a.DueOn
				}
			}
			for course, on := range due {
				assigned = true
				if on > day {
					continue
				}
				counts[i].Due++
				if slices.ContainsFunc(done[m.ID+"|"+course], func(sp span) bool {
					return sp.from <= day && (sp.until == "" || sp.until > day)
				}) {
					counts[i].InDate++
				}
			}
		}
	}
	return counts, assigned, nil
}
