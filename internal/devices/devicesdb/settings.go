package devicesdb

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Settings are an organisation's settings of the implanted devices wing.
type Settings struct {
	// TextGS: the organisation's scanners type the GS separator as text,
	// so the scan page reads "<GS>", "{GS}" and the like as the separator
	// by default (devices.ScanOptions.TextGS).
	TextGS bool `json:"text_gs"`
	// UpdatedAt is when they were last changed; nil for the defaults.
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// Settings returns the organisation's settings, or the defaults (text_gs
// off) when none were set.
func (s *DB) Settings(ctx context.Context, orgID store.OrgID) (Settings, error) {
	var out Settings
	var at time.Time
	err := s.SQL().QueryRowContext(ctx, `SELECT text_gs, updated_at FROM devices_settings WHERE org_id = $1`, orgID).Scan(&out.TextGS, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Settings{}, nil
	}
	if err != nil {
		return Settings{}, s.Wrap(err, "read devices settings")
	}
	at = at.UTC()
	out.UpdatedAt = &at
	return out, nil
}

// SetTextGS records whether the organisation's scanners type the GS
// separator as text, with an audit entry in the same transaction.
func (s *DB) SetTextGS(ctx context.Context, orgID store.OrgID, on bool) error {
	return s.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO devices_settings (org_id, text_gs, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (org_id) DO UPDATE SET text_gs = excluded.text_gs, updated_at = excluded.updated_at`, orgID, on, s.Now()); err != nil {
			return s.Wrap(err, "save devices settings")
		}
		v := "no"
		if on {
			v = "yes"
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "devices_settings.update", Entity: "devices_settings", EntityID: string(orgID),
			Summary: audit.Summarise("text_gs", v)})
	})
}
