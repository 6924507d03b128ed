package riskdb

import (
	"context"
	"encoding/json"
	"github.com/clinsafe/clinsafe/internal/store"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/google/uuid"
)

// System is a health IT system in an organisation's register: the subject
// of one hazard log, kept under DCB0129 (the organisation makes it) or
// DCB0160 (the organisation deploys it).
type System struct {
	ID                string        `json:"id"`
	Name              string        `json:"name"`
	Manufacturer      string        `json:"manufacturer"`
	IntendedUse       string        `json:"intended_use"`
	ClinicalScope     string        `json:"clinical_scope"`
	DeploymentContext string        `json:"deployment_context"`
	Standard          risk.Standard `json:"standard"`
	// Phases are the lifecycle phases from the system's clinical risk
	// management plan, in order.
	Phases []string `json:"phases"`
	// CSOs are the clinical safety officers responsible for the system:
	// members of the organisation holding the cso role.
	CSOs      []Person  `json:"csos"`
	Releases  []Release `json:"releases"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Person names a user.
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Release is one version of a system in its release history.
type Release struct {
	ID      string    `json:"id"`
	Version string    `json:"version"`
	Date    time.Time `json:"date"`
	Notes   string    `json:"notes"`
}

// LatestRelease returns the version of the most recent release, or "".
func (s System) LatestRelease() string {
	if len(s.Releases) == 0 {
		return ""
	}
	return s.Releases[len(s.Releases)-1].Version
}

// Info returns the system as the hazard package describes it, for issued
// logs and reports. org is the organisation keeping the log.
func (s System) Info(org string) risk.SystemInfo {
	si := risk.SystemInfo{Name: s.Name, Version: s.LatestRelease(), Organisation: org, Standard: s.Standard,
		IntendedUse: s.IntendedUse, ClinicalScope: s.ClinicalScope, Configuration: s.DeploymentContext}
	if s.Standard == risk.DCB0160 || s.Manufacturer != org {
		si.Supplier = s.Manufacturer
	}
	return si
}

func validateSystem(sys *System) *apperr.Fields {
	sys.Name = strings.TrimSpace(sys.Name)
	sys.Manufacturer = strings.TrimSpace(sys.Manufacturer)
	var f apperr.Fields
	f.Check(sys.Name == "", "name", "Enter the product name")
	f.Check(len(sys.Name) > risk.MaxName, "name", "Product name must be 200 characters or fewer")
	f.Check(sys.Manufacturer == "", "manufacturer", "Enter the manufacturer")
	f.Check(len(sys.Manufacturer) > risk.MaxName, "manufacturer", "Manufacturer must be 200 characters or fewer")
	f.Check(strings.TrimSpace(sys.IntendedUse) == "", "intended_use", "Enter the intended use")
	for _, v := range []struct{ field, val string }{{"intended_use", sys.IntendedUse}, {"clinical_scope", sys.ClinicalScope}, {"deployment_context", sys.DeploymentContext}} {
		f.Check(len(v.val) > risk.MaxLongText, v.field, "This must be 10,000 characters or fewer")
	}
	f.Check(!sys.Standard.Valid(), "standard", "Select DCB0129 (you make the system) or DCB0160 (you deploy it)")
	var phases []string
	for _, p := range sys.Phases {
		if p = strings.TrimSpace(p); p != "" {
			phases = append(phases, p)
		}
	}
	sys.Phases = phases
	f.Check(len(phases) > risk.MaxItems, "phases", "Enter 100 phases or fewer")
	return &f
}

// checkCSOs checks each id is a member of orgID holding the cso role and
// fills in their names. An unknown user, one without the role or a value
// that is not an id is a field message in f; a failure to read them is
// returned.
func (s *DB) checkCSOs(ctx context.Context, q store.Querier, orgID store.OrgID, f *apperr.Fields, ps []Person) ([]Person, error) {
	var out []Person
	seen := map[string]bool{}
	for _, p := range ps {
		if p.ID == "" || seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		ok, u := false, store.User{}
		// A value that is not an id may not even be text the database accepts.
		if _, err := uuid.Parse(p.ID); err == nil {
			u, err = s.UserQ(ctx, q, p.ID)
			switch {
			case err == nil:
				roles, err := s.MemberRoles(ctx, q, orgID, p.ID)
				if err != nil {
					return nil, err
				}
				ok = auth.HasAny(roles, auth.CSO)
			case !apperr.Is(err, apperr.NotFound):
				return nil, err
			}
		}
		if !ok {
			f.Add("csos", "Select clinical safety officers from the list: each must hold the CSO role here")
			continue
		}
		out = append(out, Person{ID: u.ID, Name: u.Name})
	}
	return out, nil
}

// CreateSystem adds a system to the organisation's register. Invalid with
// per-field messages on bad input.
func (s *DB) CreateSystem(ctx context.Context, orgID store.OrgID, sys System) (System, error) {
	f := validateSystem(&sys)
	sys.ID, sys.CreatedAt, sys.UpdatedAt = store.NewID(), s.Now(), s.Now()
	err := s.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if sys.CSOs, err = s.checkCSOs(ctx, tx, orgID, f, sys.CSOs); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO risk_systems (id, org_id, name, manufacturer, intended_use, clinical_scope, deployment_context, standard, phases, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, sys.ID, orgID, sys.Name, sys.Manufacturer, sys.IntendedUse, sys.ClinicalScope,
			sys.DeploymentContext, string(sys.Standard), strings.Join(sys.Phases, "\n"), sys.CreatedAt, sys.UpdatedAt); err != nil {
			return s.Wrap(err, "create system")
		}
		if err := s.setCSOs(ctx, tx, orgID, sys.ID, sys.CSOs); err != nil {
			return err
		}
		for i := range sys.Releases {
			if err := s.insertRelease(ctx, tx, orgID, sys.ID, &sys.Releases[i]); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "system.create", Entity: "system", EntityID: sys.ID,
			Summary: audit.Summarise("name", sys.Name, "manufacturer", sys.Manufacturer, "standard", string(sys.Standard))})
	})
	return sys, err
}

func (s *DB) setCSOs(ctx context.Context, tx *store.Tx, orgID store.OrgID, systemID string, ps []Person) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM risk_system_csos WHERE org_id = $1 AND system_id = $2`, orgID, systemID); err != nil {
		return s.Wrap(err, "clear system CSOs")
	}
	for _, p := range ps {
		if _, err := tx.ExecContext(ctx, `INSERT INTO risk_system_csos (org_id, system_id, user_id) VALUES ($1, $2, $3)`, orgID, systemID, p.ID); err != nil {
			return s.Wrap(err, "add system CSO")
		}
	}
	return nil
}

// UpdateSystem changes a system's details and CSOs (not its releases).
func (s *DB) UpdateSystem(ctx context.Context, orgID store.OrgID, sys System) (System, error) {
	f := validateSystem(&sys)
	err := s.Tx(ctx, func(tx *store.Tx) error {
		old, err := s.system(ctx, tx, orgID, sys.ID)
		if err != nil {
			return err
		}
		if sys.CSOs, err = s.checkCSOs(ctx, tx, orgID, f, sys.CSOs); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		sys.CreatedAt, sys.UpdatedAt, sys.Releases = old.CreatedAt, s.Now(), old.Releases
		if _, err := tx.ExecContext(ctx, `UPDATE risk_systems SET name = $1, manufacturer = $2, intended_use = $3, clinical_scope = $4,
			deployment_context = $5, standard = $6, phases = $7, updated_at = $8 WHERE org_id = $9 AND id = $10`,
			sys.Name, sys.Manufacturer, sys.IntendedUse, sys.ClinicalScope, sys.DeploymentContext, string(sys.Standard),
			strings.Join(sys.Phases, "\n"), sys.UpdatedAt, orgID, sys.ID); err != nil {
			return s.Wrap(err, "update system")
		}
		if err := s.setCSOs(ctx, tx, orgID, sys.ID, sys.CSOs); err != nil {
			return err
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "system.update", Entity: "system", EntityID: sys.ID,
			Summary: audit.Summarise("name", old.Name+" → "+sys.Name, "standard", string(old.Standard)+" → "+string(sys.Standard))})
	})
	return sys, err
}

func validateRelease(r *Release) error {
	r.Version, r.Notes = strings.TrimSpace(r.Version), strings.TrimSpace(r.Notes)
	var f apperr.Fields
	f.Check(r.Version == "", "version", "Enter the release version, like 4.2.0")
	f.Check(len(r.Version) > 100, "version", "Version must be 100 characters or fewer")
	f.Check(r.Date.IsZero(), "date", "Enter the release date")
	f.Check(len(r.Notes) > risk.MaxLongText, "notes", "Notes must be 10,000 characters or fewer")
	return f.Err()
}

func (s *DB) insertRelease(ctx context.Context, tx *store.Tx, orgID store.OrgID, systemID string, r *Release) error {
	if err := validateRelease(r); err != nil {
		return err
	}
	r.ID = store.NewID()
	_, err := tx.ExecContext(ctx, `INSERT INTO risk_releases (id, org_id, system_id, version, released_on, notes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		r.ID, orgID, systemID, r.Version, r.Date.UTC(), r.Notes, s.Now())
	return s.Wrap(err, "add release")
}

// AddRelease records a release of a system.
func (s *DB) AddRelease(ctx context.Context, orgID store.OrgID, systemID string, r Release) (Release, error) {
	err := s.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.system(ctx, tx, orgID, systemID); err != nil {
			return err
		}
		if err := s.insertRelease(ctx, tx, orgID, systemID, &r); err != nil {
			return err
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "system.release", Entity: "system", EntityID: systemID,
			Summary: audit.Summarise("version", r.Version, "date", r.Date.Format("2006-01-02"))})
	})
	return r, err
}

const systemCols = `id, name, manufacturer, intended_use, clinical_scope, deployment_context, standard, phases, created_at, updated_at`

func scanSystem(sc interface{ Scan(...any) error }) (System, error) {
	var sys System
	var std, phases string
	err := sc.Scan(&sys.ID, &sys.Name, &sys.Manufacturer, &sys.IntendedUse, &sys.ClinicalScope, &sys.DeploymentContext, &std, &phases, &sys.CreatedAt, &sys.UpdatedAt)
	sys.Standard = risk.Standard(std)
	if phases != "" {
		sys.Phases = strings.Split(phases, "\n")
	}
	sys.CreatedAt, sys.UpdatedAt = sys.CreatedAt.UTC(), sys.UpdatedAt.UTC()
	return sys, err
}

func (s *DB) system(ctx context.Context, q store.Querier, orgID store.OrgID, id string) (System, error) {
	sys, err := scanSystem(q.QueryRowContext(ctx, `SELECT `+systemCols+` FROM risk_systems WHERE org_id = $1 AND id = $2`, orgID, id))
	if err != nil {
		return System{}, s.One(err, "System", "get system")
	}
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.name FROM risk_system_csos c JOIN users u ON u.id = c.user_id WHERE c.org_id = $1 AND c.system_id = $2 ORDER BY u.name`, orgID, id)
	if err != nil {
		return System{}, s.Wrap(err, "get system CSOs")
	}
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.ID, &p.Name); err != nil {
			rows.Close()
			return System{}, s.Wrap(err, "scan CSO")
		}
		sys.CSOs = append(sys.CSOs, p)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT id, version, released_on, notes FROM risk_releases WHERE org_id = $1 AND system_id = $2 ORDER BY released_on, created_at`, orgID, id)
	if err != nil {
		return System{}, s.Wrap(err, "get releases")
	}
	defer rows.Close()
	for rows.Next() {
		var r Release
		if err := rows.Scan(&r.ID, &r.Version, &r.Date, &r.Notes); err != nil {
			return System{}, s.Wrap(err, "scan release")
		}
		r.Date = r.Date.UTC()
		sys.Releases = append(sys.Releases, r)
	}
	return sys, s.Wrap(rows.Err(), "get releases")
}

// System returns one system of the organisation; store.NotFound for another's.
func (s *DB) System(ctx context.Context, orgID store.OrgID, id string) (System, error) {
	return s.system(ctx, s.SQL(), orgID, id)
}

// SystemByName finds a system by id or exact name (command line).
func (s *DB) SystemByName(ctx context.Context, orgID store.OrgID, idOrName string) (System, error) {
	var id string
	err := s.SQL().QueryRowContext(ctx, `SELECT id FROM risk_systems WHERE org_id = $1 AND (id = $2 OR name = $2) ORDER BY created_at LIMIT 1`, orgID, idOrName).Scan(&id)
	if err != nil {
		return System{}, s.One(err, "System "+idOrName, "find system")
	}
	return s.System(ctx, orgID, id)
}

// CSOSystems are the ids of the organisation's systems that user userID
// is a clinical safety officer for.
func (s *DB) CSOSystems(ctx context.Context, orgID store.OrgID, userID string) ([]string, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT system_id FROM risk_system_csos WHERE org_id = $1 AND user_id = $2 ORDER BY system_id`, orgID, userID)
	if err != nil {
		return nil, s.Wrap(err, "systems of CSO")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, s.Wrap(err, "systems of CSO")
		}
		out = append(out, id)
	}
	return out, s.Wrap(rows.Err(), "systems of CSO")
}

// SystemSummary is a row of the register with hazard counts.
type SystemSummary struct {
	System
	Hazards        int `json:"hazards"`
	OpenHazards    int `json:"open_hazards"`
	OverdueActions int `json:"overdue_actions"`
}

// ListSystems returns the organisation's register, by name.
func (s *DB) ListSystems(ctx context.Context, orgID store.OrgID) ([]SystemSummary, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT `+systemCols+`,
		(SELECT COUNT(*) FROM hazards h WHERE h.system_id = risk_systems.id),
		(SELECT COUNT(*) FROM hazards h WHERE h.system_id = risk_systems.id AND h.status <> 'closed'),
		(SELECT COUNT(*) FROM hazard_actions a JOIN hazards h ON h.id = a.hazard_id WHERE h.system_id = risk_systems.id AND NOT a.done AND a.due < $2)
		FROM risk_systems WHERE org_id = $1 ORDER BY name, id`, orgID, clock.Today(s.Now()))
	if err != nil {
		return nil, s.Wrap(err, "list systems")
	}
	defer rows.Close()
	var out []SystemSummary
	for rows.Next() {
		var ss SystemSummary
		var std, phases string
		if err := rows.Scan(&ss.ID, &ss.Name, &ss.Manufacturer, &ss.IntendedUse, &ss.ClinicalScope, &ss.DeploymentContext, &std, &phases,
			&ss.CreatedAt, &ss.UpdatedAt, &ss.Hazards, &ss.OpenHazards, &ss.OverdueActions); err != nil {
			return nil, s.Wrap(err, "scan system")
		}
		ss.Standard = risk.Standard(std)
		if phases != "" {
			ss.Phases = strings.Split(phases, "\n")
		}
		out = append(out, ss)
	}
	return out, s.Wrap(rows.Err(), "list systems")
}

// Plan is an organisation's Clinical Risk Management Plan: its risk
// acceptability criteria (the matrix), the clinical risk management roles
// and the lifecycle phases.
type Plan struct {
	Matrix    risk.Matrix `json:"matrix"`
	Roles     string      `json:"roles"`
	Phases    string      `json:"phases"`
	UpdatedAt time.Time   `json:"updated_at,omitzero"`
}

// Plan returns the organisation's plan; an organisation without one gets the
// default matrix and empty text.
func (s *DB) Plan(ctx context.Context, orgID store.OrgID) (Plan, error) {
	return s.plan(ctx, s.SQL(), orgID)
}

func (s *DB) plan(ctx context.Context, q store.Querier, orgID store.OrgID) (Plan, error) {
	var p Plan
	var m string
	err := q.QueryRowContext(ctx, `SELECT matrix, roles, phases, updated_at FROM risk_plans WHERE org_id = $1`, orgID).Scan(&m, &p.Roles, &p.Phases, &p.UpdatedAt)
	if store.NoRows(err) {
		return Plan{Matrix: risk.DefaultMatrix()}, nil
	}
	if err != nil {
		return Plan{}, s.Wrap(err, "get plan")
	}
	if err := json.Unmarshal([]byte(m), &p.Matrix); err != nil {
		return Plan{}, s.Wrap(err, "read plan matrix")
	}
	return p, nil
}

// Matrix returns the organisation's risk matrix.
func (s *DB) Matrix(ctx context.Context, orgID store.OrgID) (risk.Matrix, error) {
	p, err := s.Plan(ctx, orgID)
	return p.Matrix, err
}

// SavePlan replaces the organisation's plan. Invalid when the matrix is not
// consistent (risk.Matrix.Validate) or the text is too long.
func (s *DB) SavePlan(ctx context.Context, orgID store.OrgID, p Plan) (Plan, error) {
	var f apperr.Fields
	if err := p.Matrix.Validate(); err != nil {
		for k, v := range apperr.FieldsOf(err) {
			f.Add(k, strings.ToUpper(v[:1])+v[1:])
		}
	}
	f.Check(len(p.Roles) > risk.MaxLongText, "roles", "Roles must be 10,000 characters or fewer")
	f.Check(len(p.Phases) > risk.MaxLongText, "phases", "Phases must be 10,000 characters or fewer")
	if err := f.Err(); err != nil {
		return Plan{}, err
	}
	p.UpdatedAt = s.Now()
	mj, _ := json.Marshal(p.Matrix)
	err := s.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM risk_plans WHERE org_id = $1`, orgID); err != nil {
			return s.Wrap(err, "replace plan")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO risk_plans (org_id, matrix, roles, phases, updated_at) VALUES ($1, $2, $3, $4, $5)`,
			orgID, string(mj), p.Roles, p.Phases, p.UpdatedAt); err != nil {
			return s.Wrap(err, "save plan")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "plan.update", Entity: "plan", EntityID: string(orgID),
			Summary: audit.Summarise("matrix", string(mj))})
	})
	return p, err
}

// ComplianceAnswer is the answer to one clause of the compliance checklist.
type ComplianceAnswer struct {
	Clause    string      `json:"clause"`
	Answer    risk.Answer `json:"answer"`
	Evidence  string      `json:"evidence"`
	UpdatedAt time.Time   `json:"updated_at,omitzero"`
	// CarriedFrom is set on an answer carried over from the old checklist
	// (risk.OldChecklist) and names the old clause; it is cleared when
	// someone saves the answer. Such an answer was given to a coarser
	// question and should be checked.
	CarriedFrom string `json:"carried_from,omitempty"`
}

// Compliance returns the organisation's answers for a standard by clause
// of the current checklist (risk.ClauseGroups).
func (s *DB) Compliance(ctx context.Context, orgID store.OrgID, std risk.Standard) (map[string]ComplianceAnswer, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT clause, answer, evidence, updated_at, carried_from FROM compliance_answers
		WHERE org_id = $1 AND standard = $2 AND old_text = ''`, orgID, string(std))
	if err != nil {
		return nil, s.Wrap(err, "get compliance")
	}
	defer rows.Close()
	out := map[string]ComplianceAnswer{}
	for rows.Next() {
		var a ComplianceAnswer
		var ans string
		if err := rows.Scan(&a.Clause, &ans, &a.Evidence, &a.UpdatedAt, &a.CarriedFrom); err != nil {
			return nil, s.Wrap(err, "scan compliance")
		}
		a.Answer = risk.Answer(ans)
		out[a.Clause] = a
	}
	return out, s.Wrap(rows.Err(), "get compliance")
}

// OldComplianceAnswer is an answer given to the old checklist, before it
// followed the standards' requirement numbering, kept as it was.
type OldComplianceAnswer struct {
	Clause    string      `json:"clause"`
	Text      string      `json:"text"`
	Answer    risk.Answer `json:"answer"`
	Evidence  string      `json:"evidence"`
	UpdatedAt time.Time   `json:"updated_at,omitzero"`
	// MapsTo lists the current requirements the answer was carried over
	// to; empty when none says the same thing, so the answer needs the
	// Clinical Safety Officer's review.
	MapsTo []string `json:"maps_to"`
}

// OldComplianceAnswers returns the organisation's answers to the old
// checklist of a standard, in clause order (none for an organisation that
// started on the current one).
func (s *DB) OldComplianceAnswers(ctx context.Context, orgID store.OrgID, std risk.Standard) ([]OldComplianceAnswer, error) {
	maps := map[string][]string{}
	var order []string
	for _, o := range risk.OldChecklist(std) {
		maps[o.Clause] = o.MapsTo
		order = append(order, o.Clause)
	}
	rows, err := s.SQL().QueryContext(ctx, `SELECT clause, old_text, answer, evidence, updated_at FROM compliance_answers
		WHERE org_id = $1 AND standard = $2 AND old_text <> ''`, orgID, string(std))
	if err != nil {
		return nil, s.Wrap(err, "get old compliance answers")
	}
	defer rows.Close()
	byClause := map[string]OldComplianceAnswer{}
	for rows.Next() {
		var a OldComplianceAnswer
		var ans string
		if err := rows.Scan(&a.Clause, &a.Text, &ans, &a.Evidence, &a.UpdatedAt); err != nil {
			return nil, s.Wrap(err, "scan old compliance answer")
		}
		a.Answer, a.UpdatedAt, a.MapsTo = risk.Answer(ans), a.UpdatedAt.UTC(), maps[a.Clause]
		byClause[a.Clause] = a
	}
	if err := rows.Err(); err != nil {
		return nil, s.Wrap(err, "get old compliance answers")
	}
	out := []OldComplianceAnswer{}
	for _, c := range order {
		if a, ok := byClause[c]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// SaveCompliance records answers for a standard's checklist. Each clause
// must be on the checklist and each answer one of the five; an empty answer
// clears the clause. Invalid with per-clause messages (field "answer-CLAUSE").
func (s *DB) SaveCompliance(ctx context.Context, orgID store.OrgID, std risk.Standard, answers []ComplianceAnswer) error {
	known := map[string]bool{}
	for _, g := range risk.ClauseGroups(std) {
		for _, it := range g.Items {
			known[it.Clause] = true
		}
	}
	var f apperr.Fields
	f.Check(!std.Valid(), "standard", "Select DCB0129 or DCB0160")
	for _, a := range answers {
		switch {
		case !known[a.Clause]:
			f.Add("answer-"+a.Clause, "Clause "+a.Clause+" is not on the checklist")
		case a.Answer != "" && !a.Answer.Valid():
			f.Add("answer-"+a.Clause, "Select Yes, No, Not applicable, Partial or Awaiting for clause "+a.Clause)
		case len(a.Evidence) > risk.MaxLongText:
			f.Add("evidence-"+a.Clause, "Evidence for clause "+a.Clause+" must be 10,000 characters or fewer")
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *store.Tx) error {
		var changed []string
		for _, a := range answers {
			if _, err := tx.ExecContext(ctx, `DELETE FROM compliance_answers WHERE org_id = $1 AND standard = $2 AND clause = $3 AND old_text = ''`, orgID, string(std), a.Clause); err != nil {
				return s.Wrap(err, "clear answer")
			}
			if a.Answer == "" && strings.TrimSpace(a.Evidence) == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO compliance_answers (org_id, standard, clause, answer, evidence, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
				orgID, string(std), a.Clause, string(a.Answer), strings.TrimSpace(a.Evidence), s.Now()); err != nil {
				return s.Wrap(err, "save answer")
			}
			changed = append(changed, a.Clause+"="+string(a.Answer))
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "compliance.update", Entity: "compliance", EntityID: string(std),
			Summary: audit.Summarise("answers", strings.Join(changed, ", "))})
	})
}

// SystemChoice names a system of the register for a choice list.
type SystemChoice struct {
	ID, Name, Manufacturer string
}

// SystemChoices are the organisation's systems by name, without the
// counts ListSystems adds: what a form that names a system needs.
func (s *DB) SystemChoices(ctx context.Context, orgID store.OrgID) ([]SystemChoice, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT id, name, manufacturer FROM risk_systems WHERE org_id = $1 ORDER BY name, id`, orgID)
	if err != nil {
		return nil, s.Wrap(err, "list systems")
	}
	defer rows.Close()
	var out []SystemChoice
	for rows.Next() {
		var c SystemChoice
		if err := rows.Scan(&c.ID, &c.Name, &c.Manufacturer); err != nil {
			return nil, s.Wrap(err, "list systems")
		}
		out = append(out, c)
	}
	return out, s.Wrap(rows.Err(), "list systems")
}
