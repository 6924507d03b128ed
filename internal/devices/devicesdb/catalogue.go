package devicesdb

import (
	"context"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/store"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/devices"
)

// ImportCatalogue adds or replaces products in an organisation's catalogue,
// all in one transaction with one audit entry. Every product is validated
// first; an Invalid error wrapping devices.RowErrors (row = index + 2, as in
// a CSV with a header) is returned and nothing is written if any is bad.
func (s *DB) ImportCatalogue(ctx context.Context, orgID store.OrgID, ps []devices.Product) (int, error) {
	var errs devices.RowErrors
	for i := range ps {
		if err := devices.ValidateProduct(&ps[i]); err != nil {
			for k, m := range apperr.FieldsOf(err) {
				errs = append(errs, devices.RowError{Row: i + 2, Column: k, Message: m})
			}
		}
	}
	if len(errs) > 0 {
		return 0, &apperr.Error{Kind: apperr.Invalid, Message: "Some products are not valid; nothing was imported", Err: errs}
	}
	if len(ps) == 0 {
		return 0, apperr.New(apperr.Invalid, "There are no products to import")
	}
	now := s.Now()
	err := s.Tx(ctx, func(tx *store.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO device_products (org_id, gtin, manufacturer, brand, model, description, device_type, updated_at, catalogue_number, catalogue_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (org_id, gtin) DO UPDATE SET manufacturer = excluded.manufacturer, brand = excluded.brand,
			model = excluded.model, description = excluded.description, device_type = excluded.device_type, updated_at = excluded.updated_at,
			catalogue_number = excluded.catalogue_number, catalogue_key = excluded.catalogue_key`)
		if err != nil {
			return s.Wrap(err, "prepare catalogue import")
		}
		defer stmt.Close()
		for _, p := range ps {
			if _, err := stmt.ExecContext(ctx, orgID, p.GTIN, p.Manufacturer, p.Brand, p.Model, p.Description, p.DeviceType, now, p.CatalogueNumber, devices.NearCode(p.CatalogueNumber)); err != nil {
				return s.Wrap(err, "import product %s", p.GTIN)
			}
		}
		// Devices recorded before their product was catalogued are now known.
		if _, err := tx.ExecContext(ctx, `UPDATE implants SET in_catalogue = TRUE WHERE org_id = $1 AND NOT in_catalogue
			AND gtin IN (SELECT gtin FROM device_products WHERE org_id = $1)`, orgID); err != nil {
			return s.Wrap(err, "flag catalogued implants")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "catalogue.import", Entity: "catalogue", EntityID: string(orgID),
			Summary: audit.Summarise("products", fmt.Sprint(len(ps)))})
	})
	return len(ps), err
}

const productCols = `gtin, manufacturer, brand, model, description, device_type, catalogue_number`

func scanProduct(sc interface{ Scan(...any) error }) (devices.Product, error) {
	var p devices.Product
	err := sc.Scan(&p.GTIN, &p.Manufacturer, &p.Brand, &p.Model, &p.Description, &p.DeviceType, &p.CatalogueNumber)
	return p, err
}

// Product returns the catalogue entry for a GTIN; store.NotFound when there is none.
func (s *DB) Product(ctx context.Context, orgID store.OrgID, gtin string) (devices.Product, error) {
	p, err := scanProduct(s.SQL().QueryRowContext(ctx, `SELECT `+productCols+` FROM device_products WHERE org_id = $1 AND gtin = $2`, orgID, gtin))
	return p, s.One(err, "Product "+gtin, "get product")
}

// ListProducts returns the catalogue, filtered by q (GTIN prefix, or part of
// the manufacturer, brand or model, taken literally), at most limit
// (default 500). Search text over store.MaxSearchText is Invalid.
func (s *DB) ListProducts(ctx context.Context, orgID store.OrgID, q string, limit int) ([]devices.Product, error) {
	if limit <= 0 || limit > 5000 {
		limit = 500
	}
	where, args := `org_id = $1`, []any{orgID}
	if err := store.CheckSearch("q", q); err != nil {
		return nil, err
	}
	if q = strings.TrimSpace(q); q != "" {
		like := "%" + store.EscapeLike(q) + "%"
		op := s.ILike()
		where += ` AND (gtin LIKE $2 ESCAPE '\' OR manufacturer ` + op + ` $3 ESCAPE '\' OR brand ` + op + ` $3 ESCAPE '\' OR model ` + op + ` $3 ESCAPE '\')`
		args = append(args, store.EscapeLike(q)+"%", like)
	}
	rows, err := s.SQL().QueryContext(ctx, `SELECT `+productCols+` FROM device_products WHERE `+where+fmt.Sprintf(` ORDER BY manufacturer, brand, model, gtin LIMIT %d`, limit), args...)
	if err != nil {
		return nil, s.Wrap(err, "list products")
	}
	defer rows.Close()
	var out []devices.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, s.Wrap(err, "scan product")
		}
		out = append(out, p)
	}
	return out, s.Wrap(rows.Err(), "list products")
}

// ImplantStats counts an organisation's register, for the devices home page.
type ImplantStats struct {
	Products, Patients, Procedures, Implants, OpenRecalls int
}

// DeviceStats returns the counts of the register.
func (s *DB) DeviceStats(ctx context.Context, orgID store.OrgID) (ImplantStats, error) {
	var st ImplantStats
	err := s.SQL().QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM device_products WHERE org_id = $1),
		(SELECT COUNT(*) FROM implant_patients WHERE org_id = $1),
		(SELECT COUNT(*) FROM implant_procedures WHERE org_id = $1),
		(SELECT COUNT(*) FROM implants WHERE org_id = $1),
		(SELECT COUNT(*) FROM recalls WHERE org_id = $1 AND status = 'open')`, orgID).
		Scan(&st.Products, &st.Patients, &st.Procedures, &st.Implants, &st.OpenRecalls)
	return st, s.Wrap(err, "device stats")
}
