package trainingdb

import (
	"context"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/training"
)

// Registration is a CSO's professional registration as last checked.
type Registration struct {
	Body        string    `json:"body"`
	Number      string    `json:"number"`
	CheckedOn   string    `json:"checked_on"` // YYYY-MM-DD
	CheckedByID string    `json:"checked_by_id"`
	CheckedBy   string    `json:"checked_by"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int       `json:"version"`
}

// Words is the registration as a report shows it ("GMC 1234567, checked
// 1 December 2026").
func (r Registration) Words() string {
	return r.Body + " " + r.Number + ", checked " + dayWords(r.CheckedOn)
}

// CSO is one clinical safety officer's entry in the competency register.
type CSO struct {
	UserID       string        `json:"user_id"`
	Name         string        `json:"name"`
	Registration *Registration `json:"registration,omitempty"`
	// Training is the latest clinical safety training: a completion of a
	// course tagged "clinical safety", or accepted evidence so tagged.
	Training *Completion     `json:"training,omitempty"`
	Systems  []riskdb.Person `json:"systems"` // id and name of each system
	Status   string          `json:"status"`
	Why      []string        `json:"why,omitempty"`
}

// Register lists the organisation's clinical safety officers (everyone
// holding the cso role) with their registration, training, systems and
// status.
func (s *DB) Register(ctx context.Context, orgID store.OrgID) ([]CSO, error) {
	ms, err := s.members(ctx, s.SQL(), orgID)
	if err != nil {
		return nil, err
	}
	var out []CSO
	for _, m := range ms {
		if !auth.HasAny(m.Roles, auth.CSO) {
			continue
		}
		c, err := s.cso(ctx, orgID, m)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// CSOEntry returns one CSO's entry; NotFound for someone who is not a CSO
// of the organisation.
func (s *DB) CSOEntry(ctx context.Context, orgID store.OrgID, userID string) (CSO, error) {
	m, err := s.memberOf(ctx, s.SQL(), orgID, userID)
	if err != nil || !auth.HasAny(m.Roles, auth.CSO) {
		if err == nil || apperr.Is(err, apperr.NotFound) {
			return CSO{}, apperr.New(apperr.NotFound, "Clinical safety officer was not found")
		}
		return CSO{}, err
	}
	return s.cso(ctx, orgID, m)
}

func (s *DB) cso(ctx context.Context, orgID store.OrgID, m member) (CSO, error) {
	c := CSO{UserID: m.ID, Name: m.Name}
	r, err := s.registration(ctx, orgID, m.ID)
	if err != nil {
		return c, err
	}
	c.Registration = r
	cs, err := s.completions(ctx, s.SQL(), orgID, m.ID)
	if err != nil {
		return c, err
	}
	now := s.Now()
	for i := range cs {
		if !hasTag(cs[i].Tags, training.ClinicalSafetyTag) {
			continue
		}
		// Training still valid wins over training that has expired,
		// whenever either was done; then the latest.
		valid := cs[i].Valid(now)
		if c.Training == nil || (valid && !c.Training.Valid(now)) ||
			(valid == c.Training.Valid(now) && cs[i].CompletedAt.After(c.Training.CompletedAt)) {
			c.Training = &cs[i]
		}
	}
	ids, err := s.risk.CSOSystems(ctx, orgID, m.ID)
	if err != nil {
		return c, err
	}
	for _, id := range ids {
		sys, err := s.risk.System(ctx, orgID, id)
		if err != nil {
			return c, err
		}
		c.Systems = append(c.Systems, riskdb.Person{ID: sys.ID, Name: sys.Name})
	}
	var checked, trained, expires *time.Time
	if r != nil {
		if t, err := time.Parse(time.DateOnly, r.CheckedOn); err == nil {
			checked = &t
		}
	}
	if c.Training != nil {
		trained, expires = &c.Training.CompletedAt, c.Training.ExpiresAt
	}
	c.Status, c.Why = training.CSOStatus(checked, trained, expires, now)
	return c, nil
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}

func (s *DB) registration(ctx context.Context, orgID store.OrgID, userID string) (*Registration, error) {
	var r Registration
	err := s.SQL().QueryRowContext(ctx, `SELECT body, number, checked_on, checked_by_id, checked_by, updated_at, version FROM training_registrations WHERE org_id = $1 AND user_id = $2`,
		orgID, userID).Scan(&r.Body, &r.Number, &r.CheckedOn, &r.CheckedByID, &r.CheckedBy, &r.UpdatedAt, &r.Version)
	if store.NoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, s.Wrap(err, "get registration")
	}
	r.UpdatedAt = r.UpdatedAt.UTC()
	return &r, nil
}

// SetRegistration records that the actor checked CSO userID's professional
// registration on checkedOn. version is the registration's version as
// shown (0 when there was none): Conflict when stale. Invalid per field
// (body, number, checked_on); Forbidden for one's own registration;
// NotFound for someone who is not a CSO of the organisation.
func (s *DB) SetRegistration(ctx context.Context, orgID store.OrgID, userID string, version int, body, number, checkedOn string) (Registration, error) {
	if _, err := s.CSOEntry(ctx, orgID, userID); err != nil {
		return Registration{}, err
	}
	actor := audit.ActorFrom(ctx)
	if actor.UserID == userID {
		return Registration{}, apperr.New(apperr.Forbidden, "Someone else must check your own professional registration")
	}
	number = strings.ToUpper(strings.Join(strings.Fields(number), ""))
	var f apperr.Fields
	f.Check(!training.ValidBody(body), "body", "Select the registration body")
	f.Check(number == "", "number", "Enter the registration number")
	f.Check(len(number) > 30, "number", "Registration number must be 30 characters or fewer")
	if d, err := time.Parse(time.DateOnly, checkedOn); err != nil {
		f.Add("checked_on", "Enter the date the registration was checked, like 1 12 2026")
	} else if d.After(clock.Today(s.Now())) {
		f.Add("checked_on", "The date checked must be today or in the past")
	}
	if err := f.Err(); err != nil {
		return Registration{}, err
	}
	err := s.Tx(ctx, func(tx *store.Tx) error {
		now := s.Now()
		var r interface{ RowsAffected() (int64, error) }
		var err error
		if version == 0 {
			r, err = tx.ExecContext(ctx, `INSERT INTO training_registrations (org_id, user_id, body, number, checked_on, checked_by_id, checked_by, updated_at, version)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1) ON CONFLICT DO NOTHING`, orgID, userID, body, number, checkedOn, actor.UserID, actor.Name, now)
		} else {
			r, err = tx.ExecContext(ctx, `UPDATE training_registrations SET body = $1, number = $2, checked_on = $3, checked_by_id = $4, checked_by = $5, updated_at = $6, version = version + 1
				WHERE org_id = $7 AND user_id = $8 AND version = $9`, body, number, checkedOn, actor.UserID, actor.Name, now, orgID, userID, version)
		}
		if err != nil {
			return s.Wrap(err, "record registration")
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "This registration has changed since you opened it: open it again")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "registration.check", Entity: "registration", EntityID: userID,
			Summary: audit.Summarise("body", body, "number", number, "checked_on", checkedOn)})
	})
	if err != nil {
		return Registration{}, err
	}
	r, err := s.registration(ctx, orgID, userID)
	if err != nil || r == nil {
		return Registration{}, err
	}
	return *r, nil
}

// CSOsOf are the register entries of the CSOs of a risk system, for the
// system and safety case pages (a warning when one has lapsed) and for the
// issued safety case report (each CSO's registration). A CSO of record
// who no longer holds the cso role here (or was disabled) is listed too,
// as lapsed.
func (s *DB) CSOsOf(ctx context.Context, orgID store.OrgID, sys riskdb.System) ([]CSO, error) {
	var out []CSO
	for _, p := range sys.CSOs {
		c, err := s.CSOEntry(ctx, orgID, p.ID)
		if apperr.Is(err, apperr.NotFound) {
			// Still the system's CSO of record but no longer a CSO here
			// (the role removed or the account disabled): lapsed, so
			// that the system's pages warn.
			if c, err = s.formerCSO(ctx, orgID, p); err != nil {
				return nil, err
			}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// formerCSO is the entry of a system's CSO of record p who no longer holds
// the cso role in the organisation: lapsed, with their registration as
// last checked.
func (s *DB) formerCSO(ctx context.Context, orgID store.OrgID, p riskdb.Person) (CSO, error) {
	r, err := s.registration(ctx, orgID, p.ID)
	if err != nil {
		return CSO{}, err
	}
	return CSO{UserID: p.ID, Name: p.Name, Registration: r, Status: training.Lapsed,
		Why: []string{"They no longer hold the clinical safety officer role in this organisation"}}, nil
}
