package trainingdb

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/mail"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Assignment asks everyone holding a role, or one named person, to
// complete a course by a date.
type Assignment struct {
	ID          string     `json:"id"`
	CourseID    string     `json:"course_id"`
	CourseTitle string     `json:"course_title"`
	Role        auth.Role  `json:"role,omitempty"`
	UserID      string     `json:"user_id,omitempty"`
	UserName    string     `json:"user_name,omitempty"`
	DueOn       string     `json:"due_on"` // YYYY-MM-DD
	RenewalOf   string     `json:"renewal_of,omitempty"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	WithdrawnAt *time.Time `json:"withdrawn_at,omitempty"`
	Version     int        `json:"version"`
}

// Who says who an assignment is for.
func (a Assignment) Who() string {
	if a.Role != "" {
		return "Everyone with the " + a.Role.Label() + " role"
	}
	return a.UserName
}

// NewAssignment is an assignment to make: Role or UserID.
type NewAssignment struct {
	CourseID string    `json:"course_id"`
	Role     auth.Role `json:"role"`
	UserID   string    `json:"user_id"`
	DueOn    string    `json:"due_on"`
}

// Assign makes an assignment. Invalid (fields course_id, who, due_on) for
// a course or person not of the organisation, an unknown role, both or
// neither of role and person, or a due date that is not a date.
func (s *DB) Assign(ctx context.Context, orgID store.OrgID, n NewAssignment) (Assignment, error) {
	var f apperr.Fields
	if _, err := s.Course(ctx, orgID, n.CourseID); err != nil {
		if !apperr.Is(err, apperr.NotFound) {
			return Assignment{}, err
		}
		f.Add("course_id", "Select a course")
	}
	switch {
	case n.Role == "" && n.UserID == "":
		f.Add("who", "Select a role or a person")
	case n.Role != "" && n.UserID != "":
		f.Add("who", "Select a role or a person, not both")
	case n.Role != "" && !slices.Contains(auth.AllRoles, n.Role):
		f.Add("who", "Select a role from the list")
	case n.UserID != "":
		if _, err := s.memberOf(ctx, s.SQL(), orgID, n.UserID); err != nil {
			if !apperr.Is(err, apperr.NotFound) {
				return Assignment{}, err
			}
			f.Add("who", "Select a person from the list")
		}
	}
	if _, err := time.Parse(time.DateOnly, n.DueOn); err != nil {
		f.Add("due_on", "Enter the date the course is due, like 31 3 2027")
	}
	if err := f.Err(); err != nil {
		return Assignment{}, err
	}
	id := store.NewID()
	err := s.Tx(ctx, func(tx *store.Tx) error {
		return s.insertAssignment(ctx, tx, orgID, id, n, "", audit.ActorFrom(ctx).Name)
	})
	if err != nil {
		return Assignment{}, err
	}
	return s.Assignment(ctx, orgID, id)
}

func (s *DB) insertAssignment(ctx context.Context, tx *store.Tx, orgID store.OrgID, id string, n NewAssignment, renewalOf, by string) error {
	var user, renewal any
	if n.UserID != "" {
		user = n.UserID
	}
	action := "assignment.create"
	if renewalOf != "" {
		renewal, action = renewalOf, "assignment.renew"
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO training_assignments (id, org_id, course_id, role, user_id, due_on, renewal_of, created_by, created_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)`, id, orgID, n.CourseID, string(n.Role), user, n.DueOn, renewal, by, s.Now()); err != nil {
		return s.Wrap(err, "assign course")
	}
	who := string(n.Role)
	if who == "" {
		who = "person " + n.UserID
	}
	return tx.Audit(ctx, store.Change{OrgID: orgID, Action: action, Entity: "assignment", EntityID: id,
		Summary: audit.Summarise("course", n.CourseID, "to", who, "due", n.DueOn)})
}

const assignmentCols = `a.id, a.course_id, v.title, a.role, COALESCE(a.user_id, ''), COALESCE(u.name, ''), a.due_on, COALESCE(a.renewal_of, ''), a.created_by, a.created_at, a.withdrawn_at, a.version`

const assignmentFrom = ` FROM training_assignments a JOIN training_courses c ON c.id = a.course_id
	JOIN training_course_versions v ON v.course_id = c.id AND v.number = c.current_version LEFT JOIN users u ON u.id = a.user_id`

func scanAssignment(sc interface{ Scan(...any) error }) (Assignment, error) {
	var a Assignment
	var role string
	err := sc.Scan(&a.ID, &a.CourseID, &a.CourseTitle, &role, &a.UserID, &a.UserName, &a.DueOn, &a.RenewalOf, &a.CreatedBy, &a.CreatedAt, &a.WithdrawnAt, &a.Version)
	a.Role, a.CreatedAt, a.WithdrawnAt = auth.Role(role), a.CreatedAt.UTC(), utc(a.WithdrawnAt)
	return a, err
}

// Assignment returns one assignment; NotFound for another organisation's.
func (s *DB) Assignment(ctx context.Context, orgID store.OrgID, id string) (Assignment, error) {
	a, err := scanAssignment(s.SQL().QueryRowContext(ctx, `SELECT `+assignmentCols+assignmentFrom+` WHERE a.org_id = $1 AND a.id = $2`, orgID, id))
	return a, s.One(err, "Assignment", "get assignment")
}

// Assignments lists the organisation's assignments still in force (with
// withdrawn ones too when all), by due date.
func (s *DB) Assignments(ctx context.Context, orgID store.OrgID, all bool) ([]Assignment, error) {
	return s.assignments(ctx, s.SQL(), orgID, all)
}

func (s *DB) assignments(ctx context.Context, q store.Querier, orgID store.OrgID, all bool) ([]Assignment, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+assignmentCols+assignmentFrom+` WHERE a.org_id = $1 AND ($2 OR a.withdrawn_at IS NULL) ORDER BY a.due_on, a.id`, orgID, all)
	if err != nil {
		return nil, s.Wrap(err, "list assignments")
	}
	defer rows.Close()
	var out []Assignment
	for rows.Next() {
		a, err := scanAssignment(rows)
		if err != nil {
			return nil, s.Wrap(err, "scan assignment")
		}
		out = append(out, a)
	}
	return out, s.Wrap(rows.Err(), "list assignments")
}

// Withdraw withdraws an assignment (it stays on record). version is the
// assignment's version as shown: Conflict when stale, or when it was
// withdrawn already.
func (s *DB) Withdraw(ctx context.Context, orgID store.OrgID, id string, version int) error {
	a, err := s.Assignment(ctx, orgID, id)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *store.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE training_assignments SET withdrawn_at = $1, version = version + 1 WHERE org_id = $2 AND id = $3 AND version = $4 AND withdrawn_at IS NULL`,
			s.Now(), orgID, id, version)
		if err != nil {
			return s.Wrap(err, "withdraw assignment")
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "This assignment has changed since you opened it: it may have been withdrawn already")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "assignment.withdraw", Entity: "assignment", EntityID: id,
			Summary: audit.Summarise("course", a.CourseTitle, "to", a.Who())})
	})
}

// Duty statuses of one person for one assignment.
const (
	DutyDone    = "done"
	DutyDue     = "due"
	DutyOverdue = "overdue"
)

// Duty is one person's part of an assignment.
type Duty struct {
	Assignment Assignment  `json:"assignment"`
	UserID     string      `json:"user_id"`
	UserName   string      `json:"user_name"`
	Roles      []auth.Role `json:"-"`
	Status     string      `json:"status"`
	// Completion is the person's valid completion of the course, if any.
	Completion *Completion `json:"completion,omitempty"`
}

// duties expands the organisation's assignments in force to each person
// they cover (one duty per person and course: the earliest due), with
// their status at now.
func (s *DB) duties(ctx context.Context, q store.Querier, orgID store.OrgID) ([]Duty, error) {
	as, err := s.assignments(ctx, q, orgID, false)
	if err != nil {
		return nil, err
	}
	ms, err := s.members(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	cs, err := s.completions(ctx, q, orgID, "")
	if err != nil {
		return nil, err
	}
	now := s.Now()
	today := clock.Date(now)
	best := map[string]*Completion{} // user|course -> latest valid completion
	for i := range cs {
		c := &cs[i]
		k := c.UserID + "|" + c.CourseID
		if c.CourseID != "" && c.Valid(now) && best[k] == nil {
			best[k] = c
		}
	}
	seen := map[string]int{}
	var out []Duty
	for _, a := range as {
		for _, m := range ms {
			if (a.Role != "" && !slices.Contains(m.Roles, a.Role)) || (a.UserID != "" && a.UserID != m.ID) {
				continue
			}
			k := m.ID + "|" + a.CourseID
			d := Duty{Assignment: a, UserID: m.ID, UserName: m.Name, Roles: m.Roles, Status: DutyDue, Completion: best[k]}
			switch {
			case d.Completion != nil:
				d.Status = DutyDone
			case a.DueOn < today:
				d.Status = DutyOverdue
			}
			if i, ok := seen[k]; ok {
				if a.DueOn < out[i].Assignment.DueOn {
					out[i] = d
				}
				continue
			}
			seen[k] = len(out)
			out = append(out, d)
		}
	}
	return out, nil
}

// Duties lists what the organisation's assignments ask of learner userID
// (every person when userID is empty), due first.
func (s *DB) Duties(ctx context.Context, orgID store.OrgID, userID string) ([]Duty, error) {
	ds, err := s.duties(ctx, s.SQL(), orgID)
	if err != nil {
		return nil, err
	}
	var out []Duty
	for _, d := range ds {
		if userID == "" || d.UserID == userID {
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b Duty) int {
		if (a.Status == DutyDone) != (b.Status == DutyDone) {
			if a.Status == DutyDone {
				return 1
			}
			return -1
		}
		switch {
		case a.Assignment.DueOn < b.Assignment.DueOn:
			return -1
		case a.Assignment.DueOn > b.Assignment.DueOn:
			return 1
		}
		return 0
	})
	return out, nil
}

// CoverageRow counts, for one role and course of an organisation, the
// people holding the role whom an assignment asks to complete the course.
type CoverageRow struct {
	CourseID  string    `json:"course_id"`
	Course    string    `json:"course"`
	Role      auth.Role `json:"role"`
	Assigned  int       `json:"assigned"`
	Completed int       `json:"completed"`
	Overdue   int       `json:"overdue"`
	// Expiring counts completions that expire in the next 30 days.
	Expiring int `json:"expiring_30_days"`
}

// Coverage is the organisation's training coverage by course and role (a
// person with two roles counts under each), for the coverage page, its
// CSV and the evidence wing. It renews expired completions first.
func (s *DB) Coverage(ctx context.Context, orgID store.OrgID) ([]CoverageRow, error) {
	if _, err := s.Renew(ctx, orgID); err != nil {
		return nil, err
	}
	ds, err := s.duties(ctx, s.SQL(), orgID)
	if err != nil {
		return nil, err
	}
	soon := s.Now().AddDate(0, 0, 30)
	idx := map[string]int{}
	var out []CoverageRow
	for _, d := range ds {
		for _, r := range d.Roles {
			k := d.Assignment.CourseID + "|" + string(r)
			i, ok := idx[k]
			if !ok {
				i = len(out)
				idx[k] = i
				out = append(out, CoverageRow{CourseID: d.Assignment.CourseID, Course: d.Assignment.CourseTitle, Role: r})
			}
			row := &out[i]
			row.Assigned++
			switch d.Status {
			case DutyDone:
				row.Completed++
				if d.Completion.ExpiresAt != nil && d.Completion.ExpiresAt.Before(soon) {
					row.Expiring++
				}
			case DutyOverdue:
				row.Overdue++
			}
		}
	}
	slices.SortFunc(out, func(a, b CoverageRow) int {
		if a.Course != b.Course {
			if a.Course < b.Course {
				return -1
			}
			return 1
		}
		return slices.Index(auth.AllRoles, a.Role) - slices.Index(auth.AllRoles, b.Role)
	})
	return out, nil
}

// RenewalGraceDays is how long a learner has to renew a course after their
// completion expires.
const RenewalGraceDays = 30

// Renew assigns a course again to each learner of the organisation whose
// completion of it has expired, unless they have completed it again since
// or it was renewed already (once per completion), due RenewalGraceDays
// later. It returns how many it assigned. The worker runs it for every
// organisation, and the learner and coverage pages run it on read.
func (s *DB) Renew(ctx context.Context, orgID store.OrgID) (int, error) {
	n := 0
	err := s.Tx(ctx, func(tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT c.id, c.user_id, c.course_id FROM training_completions c
			WHERE c.org_id = $1 AND c.source = 'course' AND c.expires_at IS NOT NULL AND c.expires_at <= $2
			AND NOT EXISTS (SELECT 1 FROM training_assignments a WHERE a.renewal_of = c.id)
			AND NOT EXISTS (SELECT 1 FROM training_completions d WHERE d.org_id = c.org_id AND d.user_id = c.user_id AND d.course_id = c.course_id AND d.completed_at > c.completed_at)
			AND EXISTS (SELECT 1 FROM user_roles r WHERE r.org_id = c.org_id AND r.user_id = c.user_id)
			ORDER BY c.id`, orgID, s.Now())
		if err != nil {
			return s.Wrap(err, "find expired completions")
		}
		type exp struct{ id, user, course string }
		var es []exp
		for rows.Next() {
			var e exp
			if err := rows.Scan(&e.id, &e.user, &e.course); err != nil {
				rows.Close()
				return s.Wrap(err, "scan expired completion")
			}
			es = append(es, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.Wrap(err, "find expired completions")
		}
		due := clock.Today(s.Now()).AddDate(0, 0, RenewalGraceDays).Format(time.DateOnly)
		for _, e := range es {
			if err := s.insertAssignment(ctx, tx, orgID, store.NewID(), NewAssignment{CourseID: e.course, UserID: e.user, DueOn: due}, e.id, "renewal"); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// ReminderDays is how long before its due date a learner is reminded of a
// course, each day until it is done.
const ReminderDays = 7

// Remind emails each learner of the organisation whose assigned course is
// due within ReminderDays or overdue and not done, at most once per
// assignment and day, through the outbox in the transaction that records
// the reminder. It returns how many it sent.
func (s *DB) Remind(ctx context.Context, orgID store.OrgID, baseURL string) (int, error) {
	n := 0
	err := s.Tx(ctx, func(tx *store.Tx) error {
		ds, err := s.duties(ctx, tx, orgID)
		if err != nil {
			return err
		}
		ms, err := s.members(ctx, tx, orgID)
		if err != nil {
			return err
		}
		email := map[string]string{}
		for _, m := range ms {
			email[m.ID] = m.Email
		}
		now := s.Now()
		today := clock.Date(now)
		soon := clock.Today(now).AddDate(0, 0, ReminderDays).Format(time.DateOnly)
		for _, d := range ds {
			if d.Status == DutyDone || d.Assignment.DueOn > soon {
				continue
			}
			r, err := tx.ExecContext(ctx, `INSERT INTO training_reminders (assignment_id, org_id, user_id, day) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
				d.Assignment.ID, orgID, d.UserID, today)
			if err != nil {
				return s.Wrap(err, "record reminder")
			}
			if k, _ := r.RowsAffected(); k == 0 {
				continue
			}
			when := "is due on " + dayWords(d.Assignment.DueOn)
			if d.Status == DutyOverdue {
				when = "was due on " + dayWords(d.Assignment.DueOn) + " and is overdue"
			}
			body := fmt.Sprintf("Hello %s,\n\nThe course \"%s\" %s.\n\nYou can take it at %s/training\n", d.UserName, d.Assignment.CourseTitle, when, baseURL)
			if err := mail.Enqueue(ctx, tx, mail.Message{OrgID: orgID, Kind: "training.reminder", To: email[d.UserID],
				Subject: "Training reminder: " + d.Assignment.CourseTitle, Body: body}); err != nil {
				return err
			}
			if err := tx.Audit(ctx, store.Change{OrgID: orgID, Action: "assignment.remind", Entity: "assignment", EntityID: d.Assignment.ID,
				Summary: audit.Summarise("person", d.UserID, "day", today)}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func dayWords(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("2 January 2006")
}

// Sweep renews and reminds in every organisation, once.
func (s *DB) Sweep(ctx context.Context, baseURL string) (renewed, reminded int, err error) {
	orgs, err := s.ListOrgs(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, o := range orgs {
		n, err := s.Renew(ctx, o.ID)
		if err != nil {
			return renewed, reminded, fmt.Errorf("trainingdb: renew in %s: %w", o.ODSCode, err)
		}
		renewed += n
		if n, err = s.Remind(ctx, o.ID, baseURL); err != nil {
			return renewed, reminded, fmt.Errorf("trainingdb: remind in %s: %w", o.ODSCode, err)
		}
		reminded += n
	}
	return renewed, reminded, nil
}

// Run sweeps every interval until ctx ends, as the mail worker runs
// beside the server, logging failures once each.
func (s *DB) Run(ctx context.Context, every time.Duration, baseURL string, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		renewed, reminded, err := s.Sweep(ctx, baseURL)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("training renewals and reminders", "err", err)
		case renewed+reminded > 0:
			log.Info("training renewals and reminders", "renewed", strconv.Itoa(renewed), "reminded", strconv.Itoa(reminded))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
