// Package trainingdb is the SQL of the training wing: courses and their
// versions, enrolments and quiz attempts, completions and certificates,
// assignments and their reminders, evidence of training done elsewhere,
// and the professional registrations of the CSO competency register. It is
// the only writer of those tables; other wings read them through it
// (Coverage, CSOsOf).
package trainingdb

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
)

// DB is the training wing's view of the database.
type DB struct {
	*store.DB
	risk *riskdb.DB
	mu   sync.Mutex
	rng  *mrand.Rand
}

// Options change how the wing's db behaves.
type Options struct {
	// Seed, when set, fixes the random draw of quiz questions (tests).
	Seed uint64
}

// New returns the wing's SQL on db, drawing quiz questions at random.
func New(db *store.DB) *DB { return NewWith(db, Options{}) }

// NewWith returns the wing's SQL on db with options o.
func NewWith(db *store.DB, o Options) *DB {
	seed := o.Seed
	if seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		seed = binary.LittleEndian.Uint64(b[:])
	}
	return &DB{DB: db, risk: riskdb.New(db), rng: mrand.New(mrand.NewPCG(seed, seed>>1|1))}
}

// Content lists the training wing's audited entities and the tables that
// hold their content, for store.Open.
func Content() []store.Entity {
	return []store.Entity{
		{Name: "course", Parts: []store.Part{{Table: "training_courses", Key: []string{"id"}}, {Table: "training_course_versions", Key: []string{"course_id"}}}},
		{Name: "enrolment", Parts: []store.Part{{Table: "training_enrolments", Key: []string{"id"}}, {Table: "training_attempts", Key: []string{"enrolment_id"}}}},
		{Name: "completion", Parts: []store.Part{{Table: "training_completions", Key: []string{"id"}}, {Table: "training_certificates", Key: []string{"completion_id"}}}},
		{Name: "assignment", Parts: []store.Part{{Table: "training_assignments", Key: []string{"id"}}, {Table: "training_reminders", Key: []string{"assignment_id"}}}},
		{Name: "training_evidence", Parts: []store.Part{{Table: "training_evidence", Key: []string{"id"}}}},
		// One row per CSO of an organisation: the entity id is the user's.
		{Name: "registration", OrgScoped: true, Parts: []store.Part{{Table: "training_registrations", Key: []string{"org_id", "user_id"}}}},
	}
}

// joinSet stores a set as |a|b| so that LIKE '%|a|%' finds a member.
func joinSet(xs []string) string {
	if len(xs) == 0 {
		return "||"
	}
	return "|" + strings.Join(xs, "|") + "|"
}

func splitSet(s string) []string {
	var out []string
	for _, x := range strings.Split(strings.Trim(s, "|"), "|") {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

func roleNames(rs []auth.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// member is a person of an organisation with their roles there.
type member struct {
	ID, Name, Email string
	Roles           []auth.Role
}

// members lists the organisation's people and their roles, by name.
func (s *DB) members(ctx context.Context, q store.Querier, orgID store.OrgID) ([]member, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.name, u.email, r.role FROM user_roles r JOIN users u ON u.id = r.user_id
		WHERE r.org_id = $1 AND NOT u.disabled ORDER BY u.name, u.id, r.role`, orgID)
	if err != nil {
		return nil, s.Wrap(err, "list people")
	}
	defer rows.Close()
	var out []member
	for rows.Next() {
		var m member
		var role string
		if err := rows.Scan(&m.ID, &m.Name, &m.Email, &role); err != nil {
			return nil, s.Wrap(err, "scan person")
		}
		if n := len(out); n > 0 && out[n-1].ID == m.ID {
			out[n-1].Roles = append(out[n-1].Roles, auth.Role(role))
			continue
		}
		m.Roles = []auth.Role{auth.Role(role)}
		out = append(out, m)
	}
	for i := range out {
		auth.SortRoles(out[i].Roles)
	}
	return out, s.Wrap(rows.Err(), "list people")
}

// memberOf returns one person of the organisation; NotFound otherwise.
func (s *DB) memberOf(ctx context.Context, q store.Querier, orgID store.OrgID, userID string) (member, error) {
	ms, err := s.members(ctx, q, orgID)
	if err != nil {
		return member{}, err
	}
	for _, m := range ms {
		if m.ID == userID {
			return m, nil
		}
	}
	return member{}, apperr.New(apperr.NotFound, "Person was not found")
}
