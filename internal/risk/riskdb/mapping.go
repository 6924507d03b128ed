package riskdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/exchange"
	"github.com/clinsafe/clinsafe/internal/store"
)

// ImportMapping is the column mapping an organisation chose for hazard log
// files with one header, remembered for the next file with that header.
type ImportMapping struct {
	// HeaderKey is exchange.HeaderKey(Header).
	HeaderKey string           `json:"header_key"`
	Header    []string         `json:"header"`
	Mapping   exchange.Mapping `json:"mapping"`
	UpdatedBy string           `json:"updated_by,omitempty"`
	UpdatedAt time.Time        `json:"updated_at,omitzero"`
}

// RememberedMapping returns the mapping the organisation last used for
// files with this header (by exchange.HeaderKey), or ok false when there is
// none. A remembered mapping that no longer fits the header is not
// returned.
func (s *DB) RememberedMapping(ctx context.Context, orgID store.OrgID, header []string) (ImportMapping, bool, error) {
	key := exchange.HeaderKey(header)
	var m ImportMapping
	var hdr, mp string
	err := s.SQL().QueryRowContext(ctx, `SELECT header_key, header, mapping, updated_by, updated_at FROM risk_import_mappings
		WHERE org_id = $1 AND header_key = $2`, orgID, key).Scan(&m.HeaderKey, &hdr, &mp, &m.UpdatedBy, &m.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return ImportMapping{}, false, nil
	}
	if err != nil {
		return ImportMapping{}, false, s.Wrap(err, "get import mapping")
	}
	if err := json.Unmarshal([]byte(hdr), &m.Header); err != nil {
		return ImportMapping{}, false, fmt.Errorf("riskdb: import mapping %s: header: %w", key, err)
	}
	if err := json.Unmarshal([]byte(mp), &m.Mapping); err != nil {
		return ImportMapping{}, false, fmt.Errorf("riskdb: import mapping %s: mapping: %w", key, err)
	}
	m.UpdatedAt = m.UpdatedAt.UTC()
	if len(m.Mapping.Valid(len(header))) > 0 {
		return ImportMapping{}, false, nil
	}
	return m, true, nil
}

// ImportHazardsMapped imports l as ImportHazards does and, in the same
// transaction, remembers mp as the organisation's mapping for files with
// header: nothing is written unless the whole import succeeds. Invalid as
// ImportHazards, or when mp does not fit header.
func (s *DB) ImportHazardsMapped(ctx context.Context, orgID store.OrgID, systemID string, l *risk.Log, fromSupplier bool, header []string, mp exchange.Mapping) (int, error) {
	if bad := mp.Valid(len(header)); len(bad) > 0 {
		return 0, apperr.New(apperr.Invalid, "The column mapping does not fit the file")
	}
	err := s.Tx(ctx, func(tx *store.Tx) error {
		if err := s.importHazards(ctx, tx, orgID, systemID, l, fromSupplier); err != nil {
			return err
		}
		return s.saveMapping(ctx, tx, orgID, header, mp)
	})
	if err != nil {
		return 0, err
	}
	return len(l.Hazards), nil
}

func (s *DB) saveMapping(ctx context.Context, tx *store.Tx, orgID store.OrgID, header []string, mp exchange.Mapping) error {
	key := exchange.HeaderKey(header)
	hdr, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("riskdb: save import mapping: %w", err)
	}
	js, err := json.Marshal(mp)
	if err != nil {
		return fmt.Errorf("riskdb: save import mapping: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM risk_import_mappings WHERE org_id = $1 AND header_key = $2`, orgID, key); err != nil {
		return s.Wrap(err, "clear import mapping")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO risk_import_mappings (org_id, header_key, header, mapping, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		orgID, key, string(hdr), string(js), audit.ActorFrom(ctx).Name, s.Now()); err != nil {
		return s.Wrap(err, "save import mapping")
	}
	var cols []string
	for f, i := range mp {
		if i >= 0 && i < len(header) {
			cols = append(cols, string(f)+"="+header[i])
		}
	}
	sort.Strings(cols)
	return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "import_mapping.save", Entity: "import_mapping", EntityID: key,
		Summary: audit.Summarise("columns", strings.Join(cols, ", "))})
}
