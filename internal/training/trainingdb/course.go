package trainingdb

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/training"
)

// CourseInfo is a course as the catalogue lists it: its current version.
type CourseInfo struct {
	ID         string `json:"id"`
	BuiltinKey string `json:"builtin_key,omitempty"`
	// Version is the current published version, the one new learners
	// start; publishing needs it (a stale one is a Conflict).
	Version   int             `json:"version"`
	Course    training.Course `json:"course"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// CourseVersion is one published version of a course, as it stays.
type CourseVersion struct {
	CourseID    string          `json:"course_id"`
	Number      int             `json:"number"`
	Source      string          `json:"source"`
	Course      training.Course `json:"course"`
	PublishedAt time.Time       `json:"published_at"`
	PublishedBy string          `json:"published_by"`
}

// CreateCourse publishes version 1 of a new course from its source
// (training.Parse: Invalid with field "source"). builtinKey names the
// shipped course it was installed from, or is empty.
func (s *DB) CreateCourse(ctx context.Context, orgID store.OrgID, source, builtinKey string) (CourseInfo, error) {
	c, err := training.Parse(source)
	if err != nil {
		return CourseInfo{}, err
	}
	id, now := store.NewID(), s.Now()
	err = s.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO training_courses (id, org_id, builtin_key, current_version, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4)`,
			id, orgID, builtinKey, now); err != nil {
			return s.Wrap(err, "create course")
		}
		if err := s.insertVersion(ctx, tx, orgID, id, 1, source, c, now); err != nil {
			return err
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "course.create", Entity: "course", EntityID: id,
			Summary: audit.Summarise("title", c.Title, "level", c.Level, "version", "1")})
	})
	if err != nil {
		return CourseInfo{}, err
	}
	return s.Course(ctx, orgID, id)
}

func (s *DB) insertVersion(ctx context.Context, tx *store.Tx, orgID store.OrgID, courseID string, n int, source string, c training.Course, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO training_course_versions (course_id, org_id, number, title, level, audience, tags, renewal_months, source, published_at, published_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, courseID, orgID, n, c.Title, c.Level, joinSet(roleNames(c.Audience)), joinSet(c.Tags),
		c.RenewalMonths, source, now, audit.ActorFrom(ctx).Name)
	return s.Wrap(err, "publish course version")
}

// PublishVersion publishes a new version of a course from source. version
// is the current version the editor started from: Conflict when someone
// published since. Learners who started an earlier version keep it.
func (s *DB) PublishVersion(ctx context.Context, orgID store.OrgID, courseID string, version int, source string) (CourseInfo, error) {
	c, err := training.Parse(source)
	if err != nil {
		return CourseInfo{}, err
	}
	err = s.Tx(ctx, func(tx *store.Tx) error {
		var cur int
		err := tx.QueryRowContext(ctx, `SELECT current_version FROM training_courses WHERE org_id = $1 AND id = $2`, orgID, courseID).Scan(&cur)
		if err != nil {
			return s.One(err, "Course", "get course")
		}
		if cur != version {
			return apperr.New(apperr.Conflict, "Someone published version %d of this course since you started editing: open it again and make your change there", cur)
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE training_courses SET current_version = $1, updated_at = $2 WHERE org_id = $3 AND id = $4`, cur+1, now, orgID, courseID); err != nil {
			return s.Wrap(err, "update course")
		}
		if err := s.insertVersion(ctx, tx, orgID, courseID, cur+1, source, c, now); err != nil {
			return err
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "course.publish", Entity: "course", EntityID: courseID,
			Summary: audit.Summarise("title", c.Title, "version", strconv.Itoa(cur+1))})
	})
	if err != nil {
		return CourseInfo{}, err
	}
	return s.Course(ctx, orgID, courseID)
}

// Courses lists the organisation's courses at their current versions, by title.
func (s *DB) Courses(ctx context.Context, orgID store.OrgID) ([]CourseInfo, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT c.id, c.builtin_key, c.current_version, c.created_at, c.updated_at, v.source
		FROM training_courses c JOIN training_course_versions v ON v.course_id = c.id AND v.number = c.current_version
		WHERE c.org_id = $1 ORDER BY v.title, c.id`, orgID)
	if err != nil {
		return nil, s.Wrap(err, "list courses")
	}
	defer rows.Close()
	var out []CourseInfo
	for rows.Next() {
		ci, err := scanCourse(rows)
		if err != nil {
			return nil, s.Wrap(err, "scan course")
		}
		out = append(out, ci)
	}
	return out, s.Wrap(rows.Err(), "list courses")
}

func scanCourse(sc interface{ Scan(...any) error }) (CourseInfo, error) {
	var ci CourseInfo
	var src string
	if err := sc.Scan(&ci.ID, &ci.BuiltinKey, &ci.Version, &ci.CreatedAt, &ci.UpdatedAt, &src); err != nil {
		return ci, err
	}
	ci.CreatedAt, ci.UpdatedAt = ci.CreatedAt.UTC(), ci.UpdatedAt.UTC()
	c, err := training.Parse(src)
	ci.Course = c
	return ci, err
}

// Course returns one course of the organisation at its current version;
// NotFound for another organisation's.
func (s *DB) Course(ctx context.Context, orgID store.OrgID, id string) (CourseInfo, error) {
	ci, err := scanCourse(s.SQL().QueryRowContext(ctx, `SELECT c.id, c.builtin_key, c.current_version, c.created_at, c.updated_at, v.source
		FROM training_courses c JOIN training_course_versions v ON v.course_id = c.id AND v.number = c.current_version
		WHERE c.org_id = $1 AND c.id = $2`, orgID, id))
	return ci, s.One(err, "Course", "get course")
}

// Version returns version n of a course; NotFound for another organisation's.
func (s *DB) Version(ctx context.Context, orgID store.OrgID, courseID string, n int) (CourseVersion, error) {
	return s.version(ctx, s.SQL(), orgID, courseID, n)
}

func (s *DB) version(ctx context.Context, q store.Querier, orgID store.OrgID, courseID string, n int) (CourseVersion, error) {
	v := CourseVersion{CourseID: courseID, Number: n}
	err := q.QueryRowContext(ctx, `SELECT source, published_at, published_by FROM training_course_versions WHERE org_id = $1 AND course_id = $2 AND number = $3`,
		orgID, courseID, n).Scan(&v.Source, &v.PublishedAt, &v.PublishedBy)
	if err != nil {
		return v, s.One(err, "Course version", "get course version")
	}
	v.PublishedAt = v.PublishedAt.UTC()
	v.Course, err = training.Parse(v.Source)
	return v, err
}

// Versions lists the published versions of a course, newest first
// (without their source).
func (s *DB) Versions(ctx context.Context, orgID store.OrgID, courseID string) ([]CourseVersion, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT number, published_at, published_by FROM training_course_versions WHERE org_id = $1 AND course_id = $2 ORDER BY number DESC`, orgID, courseID)
	if err != nil {
		return nil, s.Wrap(err, "list course versions")
	}
	defer rows.Close()
	var out []CourseVersion
	for rows.Next() {
		v := CourseVersion{CourseID: courseID}
		if err := rows.Scan(&v.Number, &v.PublishedAt, &v.PublishedBy); err != nil {
			return nil, s.Wrap(err, "scan course version")
		}
		v.PublishedAt = v.PublishedAt.UTC()
		out = append(out, v)
	}
	return out, s.Wrap(rows.Err(), "list course versions")
}

// InstallBuiltins adds each course clinsafe ships that the organisation
// does not have yet, and returns how many it added.
func (s *DB) InstallBuiltins(ctx context.Context, orgID store.OrgID) (int, error) {
	bs, err := training.Builtins()
	if err != nil {
		return 0, err
	}
	have := map[string]bool{}
	cs, err := s.Courses(ctx, orgID)
	if err != nil {
		return 0, err
	}
	for _, c := range cs {
		have[c.BuiltinKey] = true
	}
	n := 0
	for _, b := range bs {
		if have[b.Key] {
			continue
		}
		if _, err := s.CreateCourse(ctx, orgID, b.Source, b.Key); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// ErrNotForRole refuses to start a course that is neither for any of the
// learner's roles nor assigned to them.
var ErrNotForRole = apperr.New(apperr.Forbidden, "This course is not for your role. Ask an educator to assign it to you if you need it.")

// Access is what decides which of an organisation's courses one learner
// may start: their roles there and the courses assigned to them.
type Access struct {
	Roles    []auth.Role
	Assigned map[string]bool // course id -> assigned to them, by role or by name
}

// MayStart reports whether the learner may start a new enrolment on the
// course at its current version (training.Course.MayStart).
func (a Access) MayStart(c CourseInfo) bool { return c.Course.MayStart(a.Roles, a.Assigned[c.ID]) }

// Access returns what decides which courses learner userID may start.
func (s *DB) Access(ctx context.Context, orgID store.OrgID, userID string) (Access, error) {
	return s.access(ctx, s.SQL(), orgID, userID)
}

func (s *DB) access(ctx context.Context, q store.Querier, orgID store.OrgID, userID string) (Access, error) {
	a := Access{Assigned: map[string]bool{}}
	rows, err := q.QueryContext(ctx, `SELECT role FROM user_roles WHERE org_id = $1 AND user_id = $2`, orgID, userID)
	if err != nil {
		return a, s.Wrap(err, "list roles")
	}
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			rows.Close()
			return a, s.Wrap(err, "scan role")
		}
		a.Roles = append(a.Roles, auth.Role(r))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return a, s.Wrap(err, "list roles")
	}
	auth.SortRoles(a.Roles)
	rows, err = q.QueryContext(ctx, `SELECT course_id, role, COALESCE(user_id, '') FROM training_assignments WHERE org_id = $1 AND withdrawn_at IS NULL`, orgID)
	if err != nil {
		return a, s.Wrap(err, "list assignments")
	}
	defer rows.Close()
	for rows.Next() {
		var course, role, user string
		if err := rows.Scan(&course, &role, &user); err != nil {
			return a, s.Wrap(err, "scan assignment")
		}
		if user == userID || (role != "" && slices.Contains(a.Roles, auth.Role(role))) {
			a.Assigned[course] = true
		}
	}
	return a, s.Wrap(rows.Err(), "list assignments")
}
