package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
)

// OrgID is an organisation's id. It has a type of its own, apart from the
// other ids that are plain strings, so that an organisation id passed where a
// user, system or hazard id belongs (or the other way round) does not
// compile: every store method that scopes by organisation takes an OrgID,
// first after its context. Ids from outside (a form field, a flag, a path)
// are converted once, where they come in.
type OrgID string

// Org is an organisation: an NHS body identified by its ODS code, or a
// supplier.
type Org struct {
	ID        OrgID     `json:"id"`
	ODSCode   string    `json:"ods_code"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
}

// OrgKinds lists the kinds of organisation, with labels.
var OrgKinds = []struct{ Code, Label string }{
	{"trust", "NHS trust"},
	{"icb", "Integrated care board"},
	{"gp", "GP practice"},
	{"supplier", "Health IT supplier"},
	{"region", "Regional or national team"},
	{"other", "Other"},
}

var odsRe = regexp.MustCompile(`^[A-Z0-9]{3,10}$`)

// ValidateOrg checks an organisation's fields.
func ValidateOrg(o *Org) error {
	o.ODSCode = strings.ToUpper(strings.TrimSpace(o.ODSCode))
	o.Name = strings.TrimSpace(o.Name)
	var f apperr.Fields
	f.Check(!odsRe.MatchString(o.ODSCode), "ods_code", "Enter an ODS code of 3 to 10 letters and numbers, like RX1")
	f.Check(o.Name == "", "name", "Enter the organisation name")
	f.Check(len(o.Name) > 200, "name", "Organisation name must be 200 characters or fewer")
	ok := false
	for _, k := range OrgKinds {
		ok = ok || k.Code == o.Kind
	}
	f.Check(!ok, "kind", "Select the kind of organisation")
	return f.Err()
}

// CreateOrg adds an organisation.
func (s *DB) CreateOrg(ctx context.Context, o Org) (Org, error) {
	if err := ValidateOrg(&o); err != nil {
		return Org{}, err
	}
	o.ID, o.CreatedAt = OrgID(NewID()), s.now()
	err := s.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO organisations (id, ods_code, name, kind, created_at) VALUES ($1, $2, $3, $4, $5)`,
			o.ID, o.ODSCode, o.Name, o.Kind, o.CreatedAt); err != nil {
			if apperr.Is(s.MapErr(err), apperr.Conflict) {
				return apperr.Field("ods_code", "An organisation with this ODS code already exists")
			}
			return s.Wrap(err, "create org %s", o.ODSCode)
		}
		return tx.Audit(ctx, Change{OrgID: o.ID, Action: "org.create", Entity: "organisation", EntityID: string(o.ID),
			Summary: audit.Summarise("ods_code", o.ODSCode, "name", o.Name, "kind", o.Kind)})
	})
	return o, err
}

// UpdateOrg changes an organisation's name and kind.
func (s *DB) UpdateOrg(ctx context.Context, o Org) error {
	if err := ValidateOrg(&o); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Tx) error {
		old, err := getOrg(ctx, s, tx, o.ID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE organisations SET name = $1, kind = $2 WHERE id = $3`, o.Name, o.Kind, o.ID); err != nil {
			return s.Wrap(err, "update org")
		}
		return tx.Audit(ctx, Change{OrgID: o.ID, Action: "org.update", Entity: "organisation", EntityID: string(o.ID),
			Summary: audit.Summarise("name", old.Name+" → "+o.Name, "kind", old.Kind+" → "+o.Kind)})
	})
}

const orgCols = `id, ods_code, name, kind, created_at`

func scanOrg(sc interface{ Scan(...any) error }) (Org, error) {
	var o Org
	err := sc.Scan(orgDest(&o)...)
	return o, err
}

// orgDest are the scan destinations of orgCols into o.
func orgDest(o *Org) []any { return []any{&o.ID, &o.ODSCode, &o.Name, &o.Kind, &o.CreatedAt} }

func getOrg(ctx context.Context, s *DB, q Querier, id OrgID) (Org, error) {
	o, err := scanOrg(q.QueryRowContext(ctx, `SELECT `+orgCols+` FROM organisations WHERE id = $1`, id))
	return o, s.One(err, "Organisation", "get org")
}

// Org returns an organisation by id.
func (s *DB) Org(ctx context.Context, id OrgID) (Org, error) { return getOrg(ctx, s, s.db, id) }

// OrgByODS returns an organisation by ODS code.
func (s *DB) OrgByODS(ctx context.Context, code string) (Org, error) {
	o, err := scanOrg(s.db.QueryRowContext(ctx, `SELECT `+orgCols+` FROM organisations WHERE ods_code = $1`, strings.ToUpper(code)))
	return o, s.One(err, "Organisation "+code, "get org by ODS code")
}

// ListOrgs returns every organisation (instance administration).
func (s *DB) ListOrgs(ctx context.Context) ([]Org, error) {
	return s.queryOrgs(ctx, `SELECT `+orgCols+` FROM organisations ORDER BY name`)
}

// OrgsOfUser returns the organisations in which the user holds a role.
func (s *DB) OrgsOfUser(ctx context.Context, userID string) ([]Org, error) {
	return s.queryOrgs(ctx, `SELECT `+orgCols+` FROM organisations WHERE id IN (SELECT org_id FROM user_roles WHERE user_id = $1) ORDER BY name`, userID)
}

func (s *DB) queryOrgs(ctx context.Context, q string, args ...any) ([]Org, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.Wrap(err, "list orgs")
	}
	defer rows.Close()
	var out []Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, s.Wrap(err, "scan org")
		}
		out = append(out, o)
	}
	return out, s.Wrap(rows.Err(), "list orgs")
}

// nextRefSQL moves an organisation's reference counter on by $3 and
// returns its new value: one upsert, so that two transactions taking the
// first reference of a scope at once both succeed (the second waits for
// the first's row).
const nextRefSQL = `INSERT INTO ref_counters (org_id, scope, value) VALUES ($1, $2, $3)
	ON CONFLICT (org_id, scope) DO UPDATE SET value = ref_counters.value + excluded.value RETURNING value`

// takeRefSQL is nextRefSQL as a statement of its own (an implicit
// transaction, on PostgreSQL) whose commit does not wait for its flush to
// disk: see TakeRefs.
const takeRefSQL = `WITH nowait AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
	INSERT INTO ref_counters (org_id, scope, value) SELECT $1::TEXT, $2::TEXT, $3::BIGINT FROM nowait
	ON CONFLICT (org_id, scope) DO UPDATE SET value = ref_counters.value + excluded.value RETURNING value`

// NextRef returns the next value of an organisation's reference counter
// (e.g. scope "hazard:<system id>" or "event:2026") inside tx.
func (s *DB) NextRef(ctx context.Context, tx *Tx, orgID OrgID, scope string) (int64, error) {
	return s.NextRefs(ctx, tx, orgID, scope, 1)
}

// TakeRef is NextRef for records made many at a time by many writers
// (safety events): see TakeRefs.
func (s *DB) TakeRef(ctx context.Context, tx *Tx, orgID OrgID, scope string) (int64, error) {
	return s.TakeRefs(ctx, tx, orgID, scope, 1)
}

// TakeRefs is NextRefs for records made many at a time by many writers
// (safety events): on PostgreSQL the counter moves in a transaction of its
// own, one statement, so that writers do not wait in turn for each other's
// commits, and a number taken by a transaction that then fails is left
// unused (numbers stay unique and increasing, and are never given twice).
// That transaction does not wait for its flush to disk: a crash can lose
// it only with every transaction after it, so a number can be given again
// only when no record kept it. On SQLite, whose one writer serialises
// anyway, it is NextRefs in tx, and numbers have no gaps.
func (s *DB) TakeRefs(ctx context.Context, tx *Tx, orgID OrgID, scope string, n int) (int64, error) {
	if s.dialect.oneWriter() {
		return s.NextRefs(ctx, tx, orgID, scope, n)
	}
	if n < 1 {
		return 0, fmt.Errorf("store: take references %s: %d is not a number of references", scope, n)
	}
	var last int64
	if err := s.db.QueryRowContext(ctx, takeRefSQL, orgID, scope, n).Scan(&last); err != nil {
		return 0, s.Wrap(err, "next reference %s", scope)
	}
	return last - int64(n) + 1, nil
}
