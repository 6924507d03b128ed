package riskdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/store"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/risk"
)

// HazardEntry is a hazard with the system whose log it is in.
type HazardEntry struct {
	risk.Hazard
	SystemID string `json:"system_id"`
}

func refScope(systemID string) string { return "hazard:" + systemID }

// stampRiskBenefit records who wrote a new or changed risk-benefit
// justification: the person acting, from the context, never what the
// caller put in the record. An unchanged justification of an unchanged
// residual risk keeps its author; one whose residual risk has changed is
// the actor's again (a CSO accepted the residual risk as it was, not as
// it is now); an imported hazard keeps its source's record (its CSO
// belongs to the supplier). It reports whether the justification is the
// actor's to check.
func (s *DB) stampRiskBenefit(ctx context.Context, old, h *risk.Hazard) bool {
	text := strings.TrimSpace(h.RiskBenefit.Justification)
	switch {
	case text == "":
		h.RiskBenefit = risk.RiskBenefit{}
		return false
	case old != nil && old.RiskBenefit.Justification == text &&
		old.ResidualSeverity == h.ResidualSeverity && old.ResidualLikelihood == h.ResidualLikelihood:
		h.RiskBenefit = old.RiskBenefit
		return false
	case !h.Provenance.IsZero() && old == nil:
		return false
	}
	a := audit.ActorFrom(ctx)
	h.RiskBenefit = risk.RiskBenefit{Justification: text, ByUserID: a.UserID, ByName: a.Name, At: s.Now()}
	return true
}

// checkRiskBenefit enforces that a new justification's author is a
// clinical safety officer of the organisation.
func (s *DB) checkRiskBenefit(ctx context.Context, q store.Querier, orgID store.OrgID, h *risk.Hazard) error {
	roles, err := s.MemberRoles(ctx, q, orgID, h.RiskBenefit.ByUserID)
	if err != nil {
		return err
	}
	if h.RiskBenefit.ByUserID == "" || !auth.HasAny(roles, auth.CSO) {
		return &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem",
			Fields: map[string]string{"risk_benefit": "Only a clinical safety officer can record a risk-benefit justification, or keep one when the residual risk it accepts changes"}}
	}
	return nil
}

func (s *DB) validateHazard(ctx context.Context, q store.Querier, orgID store.OrgID, old, h *risk.Hazard, m risk.Matrix) error {
	if h.Status == "" {
		h.Status = risk.Open
	}
	var causes []string
	for _, c := range h.Causes {
		if c = strings.TrimSpace(c); c != "" {
			causes = append(causes, c)
		}
	}
	h.Causes = causes
	byActor := s.stampRiskBenefit(ctx, old, h)
	if err := h.Validate(m, s.Now()); err != nil {
		return err
	}
	// Controls are kept in the guidance's order of preference, so every
	// list, export and report shows them that way. (Sorted after
	// validation, so messages name the controls in the order entered.)
	risk.SortControls(h.Controls)
	if !byActor {
		return nil
	}
	return s.checkRiskBenefit(ctx, q, orgID, h)
}

// CreateHazard adds a hazard to a system's log with the next number
// (HAZ-001, HAZ-002, ... per system). Invalid with per-field messages (the
// rules of risk.Validate, and a risk-benefit justification recorded by a
// non-CSO); store.NotFound when the system is not the organisation's.
func (s *DB) CreateHazard(ctx context.Context, orgID store.OrgID, systemID string, h risk.Hazard) (HazardEntry, error) {
	var out HazardEntry
	err := s.Tx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = s.createHazard(ctx, tx, orgID, systemID, h)
		return err
	})
	return out, err
}

// CreateHazardTx is CreateHazard inside the caller's transaction, for a
// use case of another wing that must add a hazard atomically with its own
// rows (an incident linked to the hazard it raised).
func (s *DB) CreateHazardTx(ctx context.Context, tx *store.Tx, orgID store.OrgID, systemID string, h risk.Hazard) (HazardEntry, error) {
	return s.createHazard(ctx, tx, orgID, systemID, h)
}

func (s *DB) createHazard(ctx context.Context, tx *store.Tx, orgID store.OrgID, systemID string, h risk.Hazard) (HazardEntry, error) {
	if _, err := s.system(ctx, tx, orgID, systemID); err != nil {
		return HazardEntry{}, err
	}
	pl, err := s.plan(ctx, tx, orgID)
	if err != nil {
		return HazardEntry{}, err
	}
	h.Number, h.Ref = 0, ""
	if err := s.validateHazard(ctx, tx, orgID, nil, &h, pl.Matrix); err != nil {
		return HazardEntry{}, err
	}
	n, err := s.NextRef(ctx, tx, orgID, refScope(systemID))
	if err != nil {
		return HazardEntry{}, err
	}
	h.Number, h.Ref = int(n), risk.FormatRef(int(n))
	h.ID, h.CreatedAt, h.UpdatedAt, h.Version = store.NewID(), s.Now(), s.Now(), 1
	if err := s.insertHazard(ctx, tx, orgID, systemID, &h); err != nil {
		return HazardEntry{}, err
	}
	if err := tx.Audit(ctx, store.Change{OrgID: orgID, Action: "hazard.create", Entity: "hazard", EntityID: h.ID,
		Summary: audit.Summarise("ref", h.Ref, "name", h.Name, "status", string(h.Status))}); err != nil {
		return HazardEntry{}, err
	}
	return HazardEntry{Hazard: h, SystemID: systemID}, nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func (s *DB) insertHazard(ctx context.Context, tx *store.Tx, orgID store.OrgID, systemID string, h *risk.Hazard) error {
	causes, _ := json.Marshal(h.Causes)
	prov := ""
	if !h.Provenance.IsZero() {
		b, err := json.Marshal(h.Provenance)
		if err != nil {
			return fmt.Errorf("store: hazard %s provenance: %w", h.Ref, err)
		}
		prov = string(b)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO hazards (id, org_id, system_id, number, name, description, clinical_impact, causes, existing_controls,
		initial_severity, initial_likelihood, residual_severity, residual_likelihood, status, rb_justification, rb_by_user_id, rb_by_name, rb_at,
		provenance, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
		h.ID, orgID, systemID, h.Number, h.Name, h.Description, h.ClinicalImpact, string(causes), h.ExistingControls,
		int(h.InitialSeverity), int(h.InitialLikelihood), int(h.ResidualSeverity), int(h.ResidualLikelihood), string(h.Status),
		h.RiskBenefit.Justification, h.RiskBenefit.ByUserID, h.RiskBenefit.ByName, nullTime(h.RiskBenefit.At),
		prov, h.Version, h.CreatedAt, h.UpdatedAt); err != nil {
		return s.Wrap(err, "create hazard")
	}
	if err := s.insertChildren(ctx, tx, orgID, h); err != nil {
		return err
	}
	return s.recordVersion(ctx, tx, orgID, h, "")
}

func (s *DB) insertChildren(ctx context.Context, tx *store.Tx, orgID store.OrgID, h *risk.Hazard) error {
	for i := range h.Controls {
		c := &h.Controls[i]
		c.ID = store.NewID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO hazard_controls (id, org_id, hazard_id, position, description, type, owner, side, implementation_evidence, verification_evidence)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, c.ID, orgID, h.ID, i, c.Description, string(c.Type), c.Owner, string(c.Side),
			c.ImplementationEvidence, c.VerificationEvidence); err != nil {
			return s.Wrap(err, "add control")
		}
	}
	for i := range h.Actions {
		a := &h.Actions[i]
		a.ID = store.NewID()
		if a.Done && a.DoneAt.IsZero() {
			a.DoneAt = s.Now()
		}
		if !a.Done {
			a.DoneAt = time.Time{}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO hazard_actions (id, org_id, hazard_id, position, summary, owner, due, done, done_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, a.ID, orgID, h.ID, i, a.Summary, a.Owner, a.Due.UTC(), a.Done, nullTime(a.DoneAt)); err != nil {
			return s.Wrap(err, "add action")
		}
	}
	return nil
}

func (s *DB) recordVersion(ctx context.Context, tx *store.Tx, orgID store.OrgID, h *risk.Hazard, reason string) error {
	snap, err := json.Marshal(h)
	if err != nil {
		return s.Wrap(err, "encode hazard version")
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO hazard_versions (id, org_id, hazard_id, version, snapshot, changed_by, changed_at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		store.NewID(), orgID, h.ID, h.Version, string(snap), audit.ActorFrom(ctx).Name, h.UpdatedAt, reason)
	return s.Wrap(err, "record hazard version")
}

// UpdateHazard saves an edit of a hazard. h.ID names it; when h.Version is
// not 0 it must be the version the edit started from, or the save is a
// Conflict (someone else saved first). Number, reference and provenance
// cannot change. Every save records a new version for the history.
func (s *DB) UpdateHazard(ctx context.Context, orgID store.OrgID, h risk.Hazard) (HazardEntry, error) {
	return s.UpdateHazardWithReason(ctx, orgID, h, "")
}

// MaxReasonLen is the longest reason for a change that is kept.
const MaxReasonLen = 2000

// UpdateHazardWithReason is UpdateHazard with the reason for the change,
// kept with the version the save makes (HazardVersion.Reason) and in the
// audit entry; an edit that changes nothing records nothing. Invalid
// (field "reason") for a reason longer than MaxReasonLen.
func (s *DB) UpdateHazardWithReason(ctx context.Context, orgID store.OrgID, h risk.Hazard, reason string) (HazardEntry, error) {
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > MaxReasonLen {
		return HazardEntry{}, &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem",
			Fields: map[string]string{"reason": fmt.Sprintf("Reason for the change must be %d characters or fewer", MaxReasonLen)}}
	}
	var out HazardEntry
	err := s.Tx(ctx, func(tx *store.Tx) error {
		old, err := s.hazard(ctx, tx, orgID, h.ID)
		if err != nil {
			return err
		}
		if h.Version != 0 && h.Version != old.Version {
			return apperr.New(apperr.Conflict, "%s was changed by someone else while you were editing it. Reload it and make your change again.", old.Ref)
		}
		pl, err := s.plan(ctx, tx, orgID)
		if err != nil {
			return err
		}
		h.Number, h.Ref, h.Provenance, h.CreatedAt = old.Number, old.Ref, old.Provenance, old.CreatedAt
		// A form does not send completion dates: an action that was
		// already done keeps the date it was done.
		for i := range h.Actions {
			a := &h.Actions[i]
			if !a.Done || !a.DoneAt.IsZero() {
				continue
			}
			for _, o := range old.Actions {
				if o.Done && o.Summary == a.Summary {
					a.DoneAt = o.DoneAt
					break
				}
			}
		}
		if err := s.validateHazard(ctx, tx, orgID, &old.Hazard, &h, pl.Matrix); err != nil {
			return err
		}
		changes := risk.Diff(old.Hazard, h)
		if len(changes) == 0 {
			out = old
			return nil
		}
		h.Version, h.UpdatedAt = old.Version+1, s.Now()
		causes, _ := json.Marshal(h.Causes)
		if _, err := tx.ExecContext(ctx, `UPDATE hazards SET name = $1, description = $2, clinical_impact = $3, causes = $4, existing_controls = $5,
			initial_severity = $6, initial_likelihood = $7, residual_severity = $8, residual_likelihood = $9, status = $10,
			rb_justification = $11, rb_by_user_id = $12, rb_by_name = $13, rb_at = $14, version = $15, updated_at = $16
			WHERE org_id = $17 AND id = $18`, h.Name, h.Description, h.ClinicalImpact, string(causes), h.ExistingControls,
			int(h.InitialSeverity), int(h.InitialLikelihood), int(h.ResidualSeverity), int(h.ResidualLikelihood), string(h.Status),
			h.RiskBenefit.Justification, h.RiskBenefit.ByUserID, h.RiskBenefit.ByName, nullTime(h.RiskBenefit.At), h.Version, h.UpdatedAt,
			orgID, h.ID); err != nil {
			return s.Wrap(err, "update hazard")
		}
		for _, t := range []string{"hazard_controls", "hazard_actions"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE org_id = $1 AND hazard_id = $2`, orgID, h.ID); err != nil {
				return s.Wrap(err, "replace %s", t)
			}
		}
		if err := s.insertChildren(ctx, tx, orgID, &h); err != nil {
			return err
		}
		if err := s.recordVersion(ctx, tx, orgID, &h, reason); err != nil {
			return err
		}
		labels := make([]string, len(changes))
		for i, c := range changes {
			labels[i] = c.Label
		}
		out = HazardEntry{Hazard: h, SystemID: old.SystemID}
		kv := []string{"ref", h.Ref, "version", fmt.Sprint(h.Version), "changed", strings.Join(labels, ", ")}
		if reason != "" {
			kv = append(kv, "reason", reason)
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "hazard.update", Entity: "hazard", EntityID: h.ID,
			Summary: audit.Summarise(kv...)})
	})
	return out, err
}

const hazardCols = `id, system_id, number, name, description, clinical_impact, causes, existing_controls, initial_severity, initial_likelihood,
	residual_severity, residual_likelihood, status, rb_justification, rb_by_user_id, rb_by_name, rb_at, provenance, version, created_at, updated_at`

func scanHazard(sc interface{ Scan(...any) error }) (HazardEntry, error) {
	var e HazardEntry
	h := &e.Hazard
	var causes, status, prov string
	var is, il, rs, rl int
	var rbAt sql.NullTime
	if err := sc.Scan(&h.ID, &e.SystemID, &h.Number, &h.Name, &h.Description, &h.ClinicalImpact, &causes, &h.ExistingControls, &is, &il, &rs, &rl,
		&status, &h.RiskBenefit.Justification, &h.RiskBenefit.ByUserID, &h.RiskBenefit.ByName, &rbAt, &prov, &h.Version, &h.CreatedAt, &h.UpdatedAt); err != nil {
		return e, err
	}
	h.Ref = risk.FormatRef(h.Number)
	h.InitialSeverity, h.InitialLikelihood = risk.Severity(is), risk.Likelihood(il)
	h.ResidualSeverity, h.ResidualLikelihood = risk.Severity(rs), risk.Likelihood(rl)
	h.Status = risk.Status(status)
	if rbAt.Valid {
		h.RiskBenefit.At = rbAt.Time.UTC()
	}
	h.CreatedAt, h.UpdatedAt = h.CreatedAt.UTC(), h.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(causes), &h.Causes); err != nil {
		return e, err
	}
	if prov != "" {
		if err := json.Unmarshal([]byte(prov), &h.Provenance); err != nil {
			return e, fmt.Errorf("store: hazard %s provenance: %w", h.Ref, err)
		}
	}
	return e, nil
}

func (s *DB) hazard(ctx context.Context, q store.Querier, orgID store.OrgID, id string) (HazardEntry, error) {
	e, err := scanHazard(q.QueryRowContext(ctx, `SELECT `+hazardCols+` FROM hazards WHERE org_id = $1 AND id = $2`, orgID, id))
	if err != nil {
		return HazardEntry{}, s.One(err, "Hazard", "get hazard")
	}
	hs := []*risk.Hazard{&e.Hazard}
	if err := s.loadChildren(ctx, q, orgID, `h.id = $2`, id, hs); err != nil {
		return HazardEntry{}, err
	}
	return e, nil
}

// Hazard returns one hazard of the organisation with its controls and
// actions; store.NotFound for another organisation's.
func (s *DB) Hazard(ctx context.Context, orgID store.OrgID, id string) (HazardEntry, error) {
	return s.hazard(ctx, s.SQL(), orgID, id)
}

// loadChildren fills the controls and actions of hs (hazards selected by
// where on alias h with $1 the org and $2 arg).
func (s *DB) loadChildren(ctx context.Context, q store.Querier, orgID store.OrgID, where, arg string, hs []*risk.Hazard) error {
	byID := make(map[string]*risk.Hazard, len(hs))
	for _, h := range hs {
		byID[h.ID] = h
	}
	rows, err := q.QueryContext(ctx, `SELECT c.hazard_id, c.id, c.description, c.type, c.owner, c.side, c.implementation_evidence, c.verification_evidence
		FROM hazard_controls c JOIN hazards h ON h.id = c.hazard_id WHERE c.org_id = $1 AND `+where+` ORDER BY c.hazard_id, c.position`, orgID, arg)
	if err != nil {
		return s.Wrap(err, "get controls")
	}
	for rows.Next() {
		var hid, typ, side string
		var c risk.Control
		if err := rows.Scan(&hid, &c.ID, &c.Description, &typ, &c.Owner, &side, &c.ImplementationEvidence, &c.VerificationEvidence); err != nil {
			rows.Close()
			return s.Wrap(err, "scan control")
		}
		c.Type, c.Side = risk.ControlType(typ), risk.Side(side)
		if h := byID[hid]; h != nil {
			h.Controls = append(h.Controls, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.Wrap(err, "get controls")
	}
	// Hazards saved before controls were kept in order of preference are
	// listed in that order too.
	for _, h := range hs {
		risk.SortControls(h.Controls)
	}
	rows, err = q.QueryContext(ctx, `SELECT a.hazard_id, a.id, a.summary, a.owner, a.due, a.done, a.done_at
		FROM hazard_actions a JOIN hazards h ON h.id = a.hazard_id WHERE a.org_id = $1 AND `+where+` ORDER BY a.hazard_id, a.position`, orgID, arg)
	if err != nil {
		return s.Wrap(err, "get actions")
	}
	defer rows.Close()
	for rows.Next() {
		var hid string
		var a risk.Action
		var doneAt sql.NullTime
		if err := rows.Scan(&hid, &a.ID, &a.Summary, &a.Owner, &a.Due, &a.Done, &doneAt); err != nil {
			return s.Wrap(err, "scan action")
		}
		a.Due = a.Due.UTC()
		if doneAt.Valid {
			a.DoneAt = doneAt.Time.UTC()
		}
		if h := byID[hid]; h != nil {
			h.Actions = append(h.Actions, a)
		}
	}
	return s.Wrap(rows.Err(), "get actions")
}

// ListHazards returns a system's hazard log in number order, with controls
// and actions. store.NotFound when the system is not the organisation's.
func (s *DB) ListHazards(ctx context.Context, orgID store.OrgID, systemID string) ([]risk.Hazard, error) {
	return s.listHazards(ctx, s.SQL(), orgID, systemID)
}

func (s *DB) listHazards(ctx context.Context, q store.Querier, orgID store.OrgID, systemID string) ([]risk.Hazard, error) {
	if _, err := s.system(ctx, q, orgID, systemID); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+hazardCols+` FROM hazards WHERE org_id = $1 AND system_id = $2 ORDER BY number`, orgID, systemID)
	if err != nil {
		return nil, s.Wrap(err, "list hazards")
	}
	var out []risk.Hazard
	for rows.Next() {
		e, err := scanHazard(rows)
		if err != nil {
			rows.Close()
			return nil, s.Wrap(err, "scan hazard")
		}
		out = append(out, e.Hazard)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.Wrap(err, "list hazards")
	}
	ps := make([]*risk.Hazard, len(out))
	for i := range out {
		ps[i] = &out[i]
	}
	return out, s.loadChildren(ctx, q, orgID, `h.system_id = $2`, systemID, ps)
}

// HazardVersion is one saved version of a hazard, with what changed from
// the version before.
type HazardVersion struct {
	Version   int           `json:"version"`
	ChangedBy string        `json:"changed_by"`
	ChangedAt time.Time     `json:"changed_at"`
	Changes   []risk.Change `json:"changes"`
	// Reason is why the editor made the change, as they gave it ("" when
	// none was given, and for the first version).
	Reason string      `json:"reason"`
	Hazard risk.Hazard `json:"hazard"`
}

// HazardHistory returns every version of a hazard, newest first, each with
// its changes from the one before (risk.Diff). store.NotFound for another
// organisation's hazard.
func (s *DB) HazardHistory(ctx context.Context, orgID store.OrgID, id string) ([]HazardVersion, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT version, snapshot, changed_by, changed_at, reason FROM hazard_versions WHERE org_id = $1 AND hazard_id = $2 ORDER BY version`, orgID, id)
	if err != nil {
		return nil, s.Wrap(err, "hazard history")
	}
	defer rows.Close()
	var out []HazardVersion
	for rows.Next() {
		var v HazardVersion
		var snap string
		if err := rows.Scan(&v.Version, &snap, &v.ChangedBy, &v.ChangedAt, &v.Reason); err != nil {
			return nil, s.Wrap(err, "scan version")
		}
		v.ChangedAt = v.ChangedAt.UTC()
		if err := json.Unmarshal([]byte(snap), &v.Hazard); err != nil {
			return nil, s.Wrap(err, "read version")
		}
		if n := len(out); n > 0 {
			v.Changes = risk.Diff(out[n-1].Hazard, v.Hazard)
		} else {
			v.Changes = risk.Diff(risk.Hazard{}, v.Hazard)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.Wrap(err, "hazard history")
	}
	if len(out) == 0 {
		return nil, store.NotFound("Hazard")
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// OverdueAction is an action past its due date, with its hazard.
type OverdueAction struct {
	HazardID   string      `json:"hazard_id"`
	Ref        string      `json:"ref"`
	HazardName string      `json:"hazard_name"`
	SystemID   string      `json:"system_id"`
	SystemName string      `json:"system_name"`
	Action     risk.Action `json:"action"`
}

// OverdueActions lists the organisation's open actions whose due date has
// passed, oldest first; systemID narrows it to one system when not empty.
func (s *DB) OverdueActions(ctx context.Context, orgID store.OrgID, systemID string) ([]OverdueAction, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT h.id, h.number, h.name, y.id, y.name, a.id, a.summary, a.owner, a.due
		FROM hazard_actions a JOIN hazards h ON h.id = a.hazard_id JOIN risk_systems y ON y.id = h.system_id
		WHERE a.org_id = $1 AND NOT a.done AND a.due < $2 AND ($3 = '' OR y.id = $3) ORDER BY a.due, h.number`, orgID, clock.Today(s.Now()), systemID)
	if err != nil {
		return nil, s.Wrap(err, "overdue actions")
	}
	defer rows.Close()
	var out []OverdueAction
	for rows.Next() {
		var o OverdueAction
		var n int
		if err := rows.Scan(&o.HazardID, &n, &o.HazardName, &o.SystemID, &o.SystemName, &o.Action.ID, &o.Action.Summary, &o.Action.Owner, &o.Action.Due); err != nil {
			return nil, s.Wrap(err, "scan overdue action")
		}
		o.Ref, o.Action.Due = risk.FormatRef(n), o.Action.Due.UTC()
		out = append(out, o)
	}
	return out, s.Wrap(rows.Err(), "overdue actions")
}

// TransferredControl is a deployer-side control on a hazard that came from
// a supplier's hazard log: a control the deploying organisation must own.
type TransferredControl struct {
	HazardID   string          `json:"hazard_id"`
	Ref        string          `json:"ref"`
	HazardName string          `json:"hazard_name"`
	Status     risk.Status     `json:"status"`
	SystemID   string          `json:"system_id"`
	SystemName string          `json:"system_name"`
	Provenance risk.Provenance `json:"provenance"`
	Control    risk.Control    `json:"control"`
}

// TransferredControls lists deployer-side controls on imported hazards,
// each hazard's in the order of preference of risk.AllControlTypes.
func (s *DB) TransferredControls(ctx context.Context, orgID store.OrgID) ([]TransferredControl, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT h.id, h.number, h.name, h.status, y.id, y.name, h.provenance,
		c.id, c.description, c.type, c.owner, c.side, c.implementation_evidence, c.verification_evidence
		FROM hazard_controls c JOIN hazards h ON h.id = c.hazard_id JOIN risk_systems y ON y.id = h.system_id
		WHERE c.org_id = $1 AND c.side = 'deployer' AND h.provenance <> ''
		ORDER BY y.name, h.number, CASE c.type WHEN 'design' THEN 1 WHEN 'business_process_change' THEN 2 WHEN 'training' THEN 3 ELSE 4 END, c.position`, orgID)
	if err != nil {
		return nil, s.Wrap(err, "transferred controls")
	}
	defer rows.Close()
	var out []TransferredControl
	for rows.Next() {
		var t TransferredControl
		var n int
		var status, prov, typ, side string
		if err := rows.Scan(&t.HazardID, &n, &t.HazardName, &status, &t.SystemID, &t.SystemName, &prov,
			&t.Control.ID, &t.Control.Description, &typ, &t.Control.Owner, &side, &t.Control.ImplementationEvidence, &t.Control.VerificationEvidence); err != nil {
			return nil, s.Wrap(err, "scan transferred control")
		}
		t.Ref, t.Status, t.Control.Type, t.Control.Side = risk.FormatRef(n), risk.Status(status), risk.ControlType(typ), risk.Side(side)
		if err := json.Unmarshal([]byte(prov), &t.Provenance); err != nil {
			return nil, fmt.Errorf("store: transferred control %s provenance: %w", t.Ref, err)
		}
		out = append(out, t)
	}
	return out, s.Wrap(rows.Err(), "transferred controls")
}
