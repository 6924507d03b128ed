package devicesdb

import (
	"context"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Kinds of stop: a device that must not be added to a procedure without a
// deliberate override with a reason.
const (
	StopExpired         = "expired"
	StopSerialImplanted = "serial_implanted" // the serial is recorded in another procedure
	StopSerialTwice     = "serial_twice"     // the serial is already in this procedure
	StopLotTwice        = "lot_twice"        // the same product and lot, without a serial, is already in this procedure
	StopRecall          = "recall"           // an open recall affects, or may affect, the device
)

// MaxOverrideReason is the longest reason for an override kept.
const MaxOverrideReason = 1000

// Stop is a reason a scanned or typed device is not added at once.
type Stop struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func longDate(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("2 January 2006")
}

// deviceStops returns the stops for device d (of catalogue entry product,
// nil when not in the catalogue) in procedure procID done on performedOn.
// Serial numbers compare as devices.NormalizeCode gives them, as recalls
// compare them. The open recalls are matched as their patient lists are,
// so a device possibly affected (a near lot, the same product recorded
// without a GTIN) stops as well as one affected.
func (s *DB) deviceStops(ctx context.Context, q store.Querier, orgID store.OrgID, procID, performedOn string, d devices.Device, product *devices.Product, recalls []openRecall) ([]Stop, error) {
	var out []Stop
	if d.Expiry != "" && d.Expiry < performedOn {
		out = append(out, Stop{StopExpired, "This device expired on " + longDate(d.Expiry) + ", before the date of the procedure (" + longDate(performedOn) + "). Do not implant it: check with the device lead."})
	}
	if d.Serial != "" {
		var same, other int
		cond, args := productCond(d.Key(), "", orgID, devices.NormalizeCode(d.Serial), procID)
		if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN procedure_id = $3 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN procedure_id <> $3 THEN 1 ELSE 0 END), 0)
			FROM implants WHERE org_id = $1 AND `+codeSQL("serial")+` = $2 AND `+cond, args...).Scan(&same, &other); err != nil {
			return nil, s.Wrap(err, "check serial")
		}
		if same > 0 {
			out = append(out, Stop{StopSerialTwice, "This device (the same product and serial number " + d.Serial + ") is already recorded in this procedure. It may have been scanned twice."})
		}
		if other > 0 {
			out = append(out, Stop{StopSerialImplanted, "A device of this product with serial number " + d.Serial + " is already recorded as implanted in another procedure. A serial number identifies one device: check the label."})
		}
	} else if d.Lot != "" {
		var n int
		cond, args := productCond(d.Key(), "", orgID, procID, d.Lot)
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM implants WHERE org_id = $1 AND procedure_id = $2 AND lot = $3 AND serial = '' AND `+cond, args...).Scan(&n); err != nil {
			return nil, s.Wrap(err, "check lot")
		}
		if n > 0 {
			out = append(out, Stop{StopLotTwice, "A device of this product and lot " + d.Lot + " is already recorded in this procedure. Add it again only if a second one is being implanted."})
		}
	}
	for _, rc := range recalls {
		level, reasons := rc.classify(d, product)
		if level == devices.MatchNone {
			continue
		}
		msg := "This device is under open recall " + rc.Reference + " (" + rc.KindLabel() + ")"
		if level == devices.MatchPossible {
			msg = "This device may be under open recall " + rc.Reference + " (" + rc.KindLabel() + ")"
			if len(reasons) > 0 {
				msg += ": " + strings.Join(reasons, "; ")
			}
		}
		if rc.Deadline != "" {
			msg += ". Action deadline " + longDate(rc.Deadline)
		}
		out = append(out, Stop{StopRecall, msg + ". " + firstLine(rc.ActionRequired)})
	}
	return out, nil
}

// RecordImplant records a device (scanned or typed) in a procedure unless
// something must stop it first: a device expired before the procedure, a
// serial number already recorded (in this procedure or in another
// patient), the same product and lot without a serial already in this
// procedure, or an open recall that affects or may affect it. Then nothing
// is written and the stops are returned, for the person to see; the device
// is added only when they override with a reason, which the audit entry of
// the implant holds with the kinds of stop overridden. Warnings that do
// not stop (not in the catalogue) are returned on the record as with
// AddImplant. NotFound when the procedure is not the organisation's;
// Invalid (field override_reason) for a reason that is too long.
func (s *DB) RecordImplant(ctx context.Context, orgID store.OrgID, procID string, d devices.Device, overrideReason string) (ImplantRecord, []Stop, error) {
	reason := strings.TrimSpace(overrideReason)
	if len(reason) > MaxOverrideReason {
		return ImplantRecord{}, nil, &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with what was entered",
			Fields: map[string]string{"override_reason": "The reason must be 1000 characters or fewer"}}
	}
	return s.recordImplant(ctx, orgID, procID, d, reason, true)
}

// recordImplant adds d to the procedure in one transaction with its audit
// entry: AddImplant always (warnings only), RecordImplant (stop) only when
// nothing stops it or a reason overrides the stops.
func (s *DB) recordImplant(ctx context.Context, orgID store.OrgID, procID string, d devices.Device, reason string, stop bool) (ImplantRecord, []Stop, error) {
	r := ImplantRecord{ID: store.NewID(), ProcedureID: procID, Device: d, CreatedAt: s.Now()}
	var stops []Stop
	err := s.Tx(ctx, func(tx *store.Tx) error {
		var performedOn string
		err := tx.QueryRowContext(ctx, `SELECT patient_id, performed_on FROM implant_procedures WHERE id = $1 AND org_id = $2`, procID, orgID).Scan(&r.PatientID, &performedOn)
		if err != nil {
			return s.One(err, "Procedure", "get procedure")
		}
		if d.GTIN != "" {
			p, err := scanProduct(tx.QueryRowContext(ctx, `SELECT `+productCols+` FROM device_products WHERE org_id = $1 AND gtin = $2`, orgID, d.GTIN))
			switch {
			case err == nil:
				r.Product = &p
			case !store.NoRows(err):
				return s.Wrap(err, "look up product")
			}
		}
		r.InCatalogue = r.Product != nil
		recalls, err := s.openRecalls(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if stop {
			if stops, err = s.deviceStops(ctx, tx, orgID, procID, performedOn, d, r.Product, recalls); err != nil {
				return err
			}
		}
		if len(stops) > 0 && reason == "" {
			return nil
		}
		if r.Warnings, err = s.deviceWarnings(ctx, tx, orgID, procID, r.ID, performedOn, d, r.Product, recalls); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO implants (id, org_id, procedure_id, patient_id, gtin, lot, serial, expiry, raw, entry_type, in_catalogue, explanted_on, explant_reason, created_at,
			labeler, manufacturer, catalogue, unit_of_measure)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, '', $12, $13, $14, $15, $16)`,
			r.ID, orgID, procID, r.PatientID, d.GTIN, d.Lot, d.Serial, d.Expiry, d.Raw, d.EntryType, r.InCatalogue, r.CreatedAt,
			d.Labeler, d.Manufacturer, d.Catalogue, d.UnitOfMeasure); err != nil {
			return s.Wrap(err, "add implant")
		}
		kinds := make([]string, len(r.Warnings))
		for i, w := range r.Warnings {
			kinds[i] = w.Kind
		}
		product := []string{"gtin", d.GTIN}
		if d.GTIN == "" {
			product = []string{"product", d.Key().String()}
		}
		kv := []string{"procedure_id", procID, product[0], product[1], "entry", d.EntryType, "warnings", strings.Join(kinds, ",")}
		if len(stops) > 0 {
			sk := make([]string, len(stops))
			for i, st := range stops {
				sk[i] = st.Kind
			}
			kv = append(kv, "overridden", strings.Join(sk, ","), "override_reason", reason)
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "implant.create", Entity: "implant", EntityID: r.ID, Summary: audit.Summarise(kv...)})
	})
	if err != nil {
		return ImplantRecord{}, nil, err
	}
	if len(stops) > 0 && reason == "" {
		return ImplantRecord{}, stops, nil
	}
	return r, nil, nil
}
