package evidencedb

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/google/uuid"
)

// MarkedChange is a digital change marked on a measure: the chart of that
// series rebases at it, and its before-and-after statement may be
// attached to the system's safety case.
type MarkedChange struct {
	ID      string          `json:"id"`
	Measure string          `json:"measure"`
	Dim     string          `json:"dim,omitempty"`
	Value   string          `json:"value,omitempty"`
	Period  evidence.Period `json:"period"`
	Title   string          `json:"title"`
	// On is the day of the change (midnight UTC).
	On time.Time `json:"changed_on"`
	// SystemID is the Health IT system changed; SafetyCase the document
	// version of its issued safety case report when the change was marked
	// ("" when none was issued).
	SystemID     string    `json:"system_id,omitempty"`
	SystemName   string    `json:"system_name,omitempty"`
	CSCRIssueID  string    `json:"cscr_issue_id,omitempty"`
	SafetyCase   string    `json:"safety_case_version,omitempty"`
	MarkedBy     string    `json:"marked_by"`
	MarkedByName string    `json:"marked_by_name"`
	MarkedAt     time.Time `json:"marked_at"`
	// Statement is the before-and-after statement as it read when it was
	// attached to the safety case; AttachedAt is when (nil until then).
	Statement  string     `json:"statement,omitempty"`
	AttachedAt *time.Time `json:"attached_at,omitempty"`
}

const changeCols = `c.id, c.measure, c.dim, c.value, c.period, c.title, c.changed_on, COALESCE(c.system_id, ''), COALESCE(y.name, ''),
	COALESCE(c.cscr_issue_id, ''), COALESCE(ci.document_version, ''), c.marked_by, COALESCE(u.name, ''), c.marked_at, c.statement, c.attached_at`

const changeFrom = ` FROM evidence_changes c LEFT JOIN risk_systems y ON y.id = c.system_id LEFT JOIN cscr_issues ci ON ci.id = c.cscr_issue_id
	LEFT JOIN users u ON u.id = c.marked_by`

func scanChange(r interface{ Scan(...any) error }) (MarkedChange, error) {
	var c MarkedChange
	var on, period string
	var at sql.NullTime
	if err := r.Scan(&c.ID, &c.Measure, &c.Dim, &c.Value, &period, &c.Title, &on, &c.SystemID, &c.SystemName, &c.CSCRIssueID, &c.SafetyCase,
		&c.MarkedBy, &c.MarkedByName, &c.MarkedAt, &c.Statement, &at); err != nil {
		return c, err
	}
	c.Period = evidence.Period(period)
	c.On, _ = time.Parse(time.DateOnly, on)
	c.MarkedAt = c.MarkedAt.UTC()
	if at.Valid {
		t := at.Time.UTC()
		c.AttachedAt = &t
	}
	return c, nil
}

// MarkChange records a change on a measure's series. The system, when
// given, must be one of orgID's; the latest issued safety case report of
// it is recorded with the change. Invalid with per-field messages.
func (s *DB) MarkChange(ctx context.Context, orgID store.OrgID, c MarkedChange) (MarkedChange, error) {
	a := audit.ActorFrom(ctx)
	c.Title = strings.TrimSpace(c.Title)
	m, ok := evidence.MeasureByCode(c.Measure)
	var f apperr.Fields
	f.Check(!ok || !m.Available, "measure", "Select a measure")
	f.Check(c.Title == "", "title", "Enter what changed, for example ePMA go-live")
	f.Check(len(c.Title) > 200, "title", "The title must be 200 characters or fewer")
	f.Check(c.On.IsZero(), "changed_on", "Enter the day of the change")
	f.Check(!c.On.IsZero() && c.On.After(clock.Today(s.Now())), "changed_on", "The day of the change must not be in the future")
	f.Check(!c.Period.Valid(), "period", "Select week or month")
	if ok && c.Dim != "" {
		f.Check(!m.Filterable(c.Dim) || !m.ValidValue(c.Dim, c.Value), "dim", "This measure cannot be narrowed that way")
	}
	if ok && m.MonthlyOnly {
		c.Period = evidence.Month
	}
	if a.UserID == "" {
		return c, apperr.New(apperr.Unauthenticated, "Sign in to mark a change")
	}
	if c.SystemID != "" {
		if _, err := uuid.Parse(c.SystemID); err != nil {
			f.Add("system_id", "Select a Health IT system from the register")
		} else if _, err := s.risk.System(ctx, orgID, c.SystemID); err != nil {
			if !apperr.Is(err, apperr.NotFound) {
				return c, err
			}
			f.Add("system_id", "Select a Health IT system from the register")
		}
	}
	if err := f.Err(); err != nil {
		return c, err
	}
	if c.SystemID != "" {
		issued, err := s.risk.CSCRIssues(ctx, orgID, c.SystemID)
		if err != nil {
			return c, err
		}
		if len(issued) > 0 {
			c.CSCRIssueID = issued[0].ID
		}
	}
	c.ID = store.NewID()
	err := s.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO evidence_changes (id, org_id, measure, dim, value, period, title, changed_on, system_id, cscr_issue_id, marked_by, marked_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, c.ID, orgID, c.Measure, c.Dim, c.Value, string(c.Period), c.Title,
			c.On.Format(time.DateOnly), store.Nullable(c.SystemID), store.Nullable(c.CSCRIssueID), a.UserID, s.Now()); err != nil {
			return s.Wrap(err, "mark change")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "evidence.change_mark", Entity: "evidence_change", EntityID: c.ID,
			Summary: audit.Summarise("measure", c.Measure, "title", c.Title, "changed_on", c.On.Format(time.DateOnly))})
	})
	if err != nil {
		return c, err
	}
	return s.Change(ctx, orgID, c.ID)
}

// Change returns one of orgID's marked changes; NotFound for another's.
func (s *DB) Change(ctx context.Context, orgID store.OrgID, id string) (MarkedChange, error) {
	if _, err := uuid.Parse(id); err != nil {
		return MarkedChange{}, store.NotFound("Change")
	}
	c, err := scanChange(s.SQL().QueryRowContext(ctx, `SELECT `+changeCols+changeFrom+` WHERE c.org_id = $1 AND c.id = $2`, orgID, id))
	return c, s.One(err, "Change", "change %s", id)
}

// Changes lists orgID's changes marked on a measure's series (measure ""
// for every measure), by day.
func (s *DB) Changes(ctx context.Context, orgID store.OrgID, measure, dim, value string) ([]MarkedChange, error) {
	return s.queryChanges(ctx, ` WHERE c.org_id = $1 AND ($2 = '' OR (c.measure = $2 AND c.dim = $3 AND c.value = $4)) ORDER BY c.changed_on, c.marked_at`, orgID, measure, dim, value)
}

// SystemEvidence lists the changes attached to the safety case of one of
// orgID's systems, newest first (the risk wing's safety case page).
func (s *DB) SystemEvidence(ctx context.Context, orgID store.OrgID, systemID string) ([]MarkedChange, error) {
	return s.queryChanges(ctx, ` WHERE c.org_id = $1 AND c.system_id = $2 AND c.attached_at IS NOT NULL ORDER BY c.attached_at DESC`, orgID, systemID)
}

func (s *DB) queryChanges(ctx context.Context, where string, args ...any) ([]MarkedChange, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT `+changeCols+changeFrom+where, args...)
	if err != nil {
		return nil, s.Wrap(err, "list changes")
	}
	defer rows.Close()
	var out []MarkedChange
	for rows.Next() {
		c, err := scanChange(rows)
		if err != nil {
			return nil, s.Wrap(err, "list changes")
		}
		out = append(out, c)
	}
	return out, s.Wrap(rows.Err(), "list changes")
}

// AttachChange attaches the change's before-and-after statement (as read
// now) to its system's safety case as evidence. Invalid when the change
// names no system; Conflict when it is already attached.
func (s *DB) AttachChange(ctx context.Context, orgID store.OrgID, id, statement string) (MarkedChange, error) {
	c, err := s.Change(ctx, orgID, id)
	if err != nil {
		return c, err
	}
	if c.SystemID == "" {
		return c, apperr.New(apperr.Invalid, "This change names no Health IT system, so there is no safety case to attach it to")
	}
	if c.AttachedAt != nil {
		return c, apperr.New(apperr.Conflict, "This change is already attached to the safety case")
	}
	statement = strings.TrimSpace(statement)
	if statement == "" {
		return c, apperr.New(apperr.Invalid, "There is no statement to attach yet")
	}
	err = s.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE evidence_changes SET statement = $1, attached_by = $2, attached_at = $3 WHERE org_id = $4 AND id = $5 AND attached_at IS NULL`,
			statement, store.Nullable(audit.ActorFrom(ctx).UserID), s.Now(), orgID, id)
		if err != nil {
			return s.Wrap(err, "attach change")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "This change is already attached to the safety case")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "evidence.change_attach", Entity: "evidence_change", EntityID: id,
			Summary: audit.Summarise("title", c.Title, "system", c.SystemName)})
	})
	if err != nil {
		return c, err
	}
	return s.Change(ctx, orgID, id)
}

// Others are the changes as evidence.Change, for a statement's caveats.
func Others(cs []MarkedChange) []evidence.Change {
	out := make([]evidence.Change, len(cs))
	for i, c := range cs {
		out[i] = evidence.Change{Title: c.Title, On: c.On}
	}
	return out
}

// SystemChoice is a Health IT system a change may name.
type SystemChoice struct{ ID, Name string }

// Systems lists orgID's registered Health IT systems, for the form that
// marks a change and for the names of the system filter.
func (s *DB) Systems(ctx context.Context, orgID store.OrgID) ([]SystemChoice, error) {
	cs, err := s.risk.SystemChoices(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]SystemChoice, len(cs))
	for i, c := range cs {
		out[i] = SystemChoice{ID: c.ID, Name: c.Name}
	}
	return out, nil
}
