package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
)

// Network is a group of organisations: an integrated care system, a
// region, or the whole country. Its analysts see each member's aggregate
// measures side by side (never a member's records), and documents can be
// shared with its members. Instance administrators (and the operator, on
// the command line) manage networks.
type Network struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
}

// NetworkKinds lists the kinds of network, with labels.
var NetworkKinds = []struct{ Code, Label string }{
	{"ics", "Integrated care system"},
	{"region", "Region"},
	{"national", "National"},
	{"other", "Other"},
}

// networkAuthority returns Forbidden unless the actor in ctx is the
// operator or an instance administrator.
func (s *DB) networkAuthority(ctx context.Context, q Querier) error {
	a := audit.ActorFrom(ctx)
	if a.Operator {
		return nil
	}
	if a.UserID != "" {
		if u, err := s.UserQ(ctx, q, a.UserID); err == nil && u.PlatformAdmin && !a.ViaToken {
			return nil
		}
	}
	return apperr.New(apperr.Forbidden, "Only an instance administrator can change networks of organisations")
}

// CreateNetwork adds a network with no members.
func (s *DB) CreateNetwork(ctx context.Context, n Network) (Network, error) {
	n.Name = strings.TrimSpace(n.Name)
	var f apperr.Fields
	f.Check(n.Name == "", "name", "Enter the network's name")
	f.Check(len(n.Name) > 200, "name", "The name must be 200 characters or fewer")
	f.Check(!slices.ContainsFunc(NetworkKinds, func(k struct{ Code, Label string }) bool { return k.Code == n.Kind }), "kind", "Select the kind of network")
	if err := f.Err(); err != nil {
		return Network{}, err
	}
	n.ID, n.CreatedAt = NewID(), s.now()
	err := s.Tx(ctx, func(tx *Tx) error {
		if err := s.networkAuthority(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO networks (id, name, kind, created_at) VALUES ($1, $2, $3, $4)`, n.ID, n.Name, n.Kind, n.CreatedAt); err != nil {
			if apperr.Is(s.MapErr(err), apperr.Conflict) {
				return apperr.Field("name", "A network with this name already exists")
			}
			return s.Wrap(err, "create network")
		}
		return tx.Audit(ctx, Change{Action: "network.create", Entity: "network", EntityID: n.ID, Summary: audit.Summarise("name", n.Name, "kind", n.Kind)})
	})
	return n, err
}

// Network returns one network.
func (s *DB) Network(ctx context.Context, id string) (Network, error) {
	var n Network
	err := s.db.QueryRowContext(ctx, `SELECT id, name, kind, created_at FROM networks WHERE id = $1`, id).Scan(&n.ID, &n.Name, &n.Kind, &n.CreatedAt)
	return n, s.One(err, "Network", "network %s", id)
}

// ListNetworks returns every network by name (instance administration).
func (s *DB) ListNetworks(ctx context.Context) ([]Network, error) {
	return s.queryNetworks(ctx, `SELECT id, name, kind, created_at FROM networks ORDER BY lower(name)`)
}

// NetworksOfOrg returns the networks the organisation belongs to.
func (s *DB) NetworksOfOrg(ctx context.Context, orgID OrgID) ([]Network, error) {
	return s.queryNetworks(ctx, `SELECT n.id, n.name, n.kind, n.created_at FROM networks n JOIN network_members m ON m.network_id = n.id
		WHERE m.org_id = $1 ORDER BY lower(n.name)`, orgID)
}

// AnalystNetworks returns the networks the user is an analyst of.
func (s *DB) AnalystNetworks(ctx context.Context, userID string) ([]Network, error) {
	return s.queryNetworks(ctx, `SELECT n.id, n.name, n.kind, n.created_at FROM networks n JOIN network_analysts a ON a.network_id = n.id
		WHERE a.user_id = $1 ORDER BY lower(n.name)`, userID)
}

// IsNetworkAnalyst reports whether the user is an analyst of the network.
func (s *DB) IsNetworkAnalyst(ctx context.Context, networkID, userID string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM network_analysts WHERE network_id = $1 AND user_id = $2`, networkID, userID).Scan(&n)
	return n > 0, s.Wrap(err, "network analyst")
}

func (s *DB) queryNetworks(ctx context.Context, q string, args ...any) ([]Network, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.Wrap(err, "list networks")
	}
	defer rows.Close()
	var out []Network
	for rows.Next() {
		var n Network
		if err := rows.Scan(&n.ID, &n.Name, &n.Kind, &n.CreatedAt); err != nil {
			return nil, s.Wrap(err, "scan network")
		}
		out = append(out, n)
	}
	return out, s.Wrap(rows.Err(), "list networks")
}

// NetworkMembers returns the member organisations of a network, by name.
func (s *DB) NetworkMembers(ctx context.Context, networkID string) ([]Org, error) {
	return s.queryOrgs(ctx, `SELECT `+Qualify("o.", orgCols)+` FROM organisations o
		JOIN network_members m ON m.org_id = o.id WHERE m.network_id = $1 ORDER BY o.name`, networkID)
}

// NetworkAnalysts returns the analysts of a network, by name.
func (s *DB) NetworkAnalysts(ctx context.Context, networkID string) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.user_id FROM network_analysts a JOIN users u ON u.id = a.user_id
		WHERE a.network_id = $1 ORDER BY u.name, u.id`, networkID)
	if err != nil {
		return nil, s.Wrap(err, "network analysts")
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, s.Wrap(err, "network analysts")
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.Wrap(err, "network analysts")
	}
	out := make([]User, 0, len(ids))
	for _, id := range ids {
		u, err := s.UserQ(ctx, s.db, id)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// SetNetworkMember adds orgID to the network (in true) or removes it.
func (s *DB) SetNetworkMember(ctx context.Context, orgID OrgID, networkID string, in bool) error {
	return s.setNetworkLink(ctx, networkID, "network_members", "org_id", string(orgID), in, "network.member_add", "network.member_remove")
}

// SetNetworkAnalyst makes the user an analyst of the network (in true) or
// no longer one.
func (s *DB) SetNetworkAnalyst(ctx context.Context, networkID, userID string, in bool) error {
	return s.setNetworkLink(ctx, networkID, "network_analysts", "user_id", userID, in, "network.analyst_add", "network.analyst_remove")
}

// setNetworkLink adds or removes one row of a network's members or
// analysts (table and col are constants of the two callers above).
func (s *DB) setNetworkLink(ctx context.Context, networkID, table, col, id string, in bool, addAction, removeAction string) error {
	return s.Tx(ctx, func(tx *Tx) error {
		if err := s.networkAuthority(ctx, tx); err != nil {
			return err
		}
		var name string
		if err := s.One(tx.QueryRowContext(ctx, `SELECT name FROM networks WHERE id = $1`, networkID).Scan(&name), "Network", "network %s", networkID); err != nil {
			return err
		}
		action := removeAction
		var err error
		if in {
			action = addAction
			_, err = tx.ExecContext(ctx, `INSERT INTO `+table+` (network_id, `+col+`, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, networkID, id, s.now())
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE network_id = $1 AND `+col+` = $2`, networkID, id)
		}
		if err != nil {
			if apperr.Is(s.MapErr(err), apperr.Invalid) {
				return apperr.New(apperr.NotFound, "Not found")
			}
			return s.Wrap(err, "%s", action)
		}
		return tx.Audit(ctx, Change{Action: action, Entity: "network", EntityID: networkID, Summary: audit.Summarise("network", name, col, id)})
	})
}
