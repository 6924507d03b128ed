package devicesdb

import (
	"context"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/store"
	"iter"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/gs1"
	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/devices"
)

// BulkRecord is one procedure, its patient and its devices, for
// ImportImplants.
type BulkRecord struct {
	Patient   devices.PatientInput
	Procedure devices.ProcedureInput
	Devices   []devices.Device
}

// BulkResult counts what ImportImplants wrote.
type BulkResult struct {
	Patients   int `json:"patients"` // new patients
	Procedures int `json:"procedures"`
	Devices    int `json:"devices"`
}

// bulkChunk is the number of records validated and written together.
const bulkChunk = 500

// ImportImplants records many procedures at once (migration from another
// register, demo and benchmark data): every record is validated as the
// pages validate it, patients are matched by NHS number (existing ones are
// reused unchanged; a record whose name or date of birth differs from the
// patient on file, or from an earlier record of the import, is a problem
// of that record), and rows are written with batched multi-row INSERTs
// in one transaction with one audit entry. On any invalid record nothing is
// written and an Invalid error wrapping devices.RowErrors (row = record
// number, from 1) lists the problems.
func (s *DB) ImportImplants(ctx context.Context, orgID store.OrgID, recs iter.Seq[BulkRecord]) (BulkResult, error) {
	var res BulkResult
	var errs devices.RowErrors
	// To the microsecond, as both engines store it: the bulk set's row
	// hashes are taken from these values (see trackBulk).
	now := s.Now().Truncate(time.Microsecond)
	day := clock.Today(now)
	err := s.Tx(ctx, func(tx *store.Tx) error {
		catalogue := map[string]bool{}
		rows, err := tx.QueryContext(ctx, `SELECT gtin FROM device_products WHERE org_id = $1`, orgID)
		if err != nil {
			return s.Wrap(err, "read catalogue")
		}
		for rows.Next() {
			var g string
			if err := rows.Scan(&g); err != nil {
				rows.Close()
				return s.Wrap(err, "read catalogue")
			}
			catalogue[g] = true
		}
		rows.Close()
		patients := store.NewBatcher(tx, "implant_patients", "id, org_id, nhs_number, name, birth_date, address, postcode, phone, email, created_at", 10, 500)
		procs := store.NewBatcher(tx, "implant_procedures", "id, org_id, patient_id, performed_on, site, laterality, clinician, description, created_at", 9, 500)
		devs := store.NewBatcher(tx, "implants", "id, org_id, procedure_id, patient_id, gtin, lot, serial, expiry, raw, entry_type, in_catalogue, explanted_on, explant_reason, created_at", 14, 500)
		set := store.NewBulkSet()
		patients.TrackBulk(set, "implant_patient")
		procs.TrackBulk(set, "procedure")
		devs.TrackBulk(set, "implant")
		defer patients.Close()
		defer procs.Close()
		defer devs.Close()

		type valid struct {
			pat  devices.Patient
			proc devices.Procedure
			devs []devices.Device
			row  int
		}
		chunk := make([]valid, 0, bulkChunk)
		var existing bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM implant_patients WHERE org_id = $1)`, orgID).Scan(&existing); err != nil {
			return s.Wrap(err, "find patients")
		}
		added := map[string]string{} // NHS number -> id of patients this import adds
		// The name and date of birth each patient is matched on: those on
		// file, or those of the first record of this import that added them.
		identity := map[string]devices.Patient{}
		mismatch := func(v valid, onFile devices.Patient) bool {
			diffs := devices.PatientDifferences(onFile, devices.Patient{Name: v.pat.Name, BirthDate: v.pat.BirthDate}, "patient_")
			for k, m := range diffs {
				if len(errs) < 200 {
					errs = append(errs, devices.RowError{Row: v.row, Column: k, Message: m})
				}
			}
			return len(diffs) > 0
		}
		flush := func() error {
			if len(chunk) == 0 || len(errs) > 0 {
				chunk = chunk[:0]
				return nil
			}
			// Patients registered before this import, looked up by NHS
			// number; those added by it are remembered in added. (Looking
			// rows up that this transaction inserted is slow on PostgreSQL,
			// whose planner has no statistics for them.)
			ids := make(map[string]string, len(chunk))
			if existing {
				args := []any{orgID}
				ph := make([]string, 0, len(chunk))
				for _, v := range chunk {
					n := v.pat.NHSNumber.String()
					if _, ok := added[n]; !ok {
						args = append(args, n)
						ph = append(ph, fmt.Sprintf("$%d", len(args)))
					}
				}
				if len(ph) > 0 {
					rows, err := tx.QueryContext(ctx, `SELECT nhs_number, id, name, birth_date FROM implant_patients WHERE org_id = $1 AND nhs_number IN (`+strings.Join(ph, ", ")+`)`, args...)
					if err != nil {
						return s.Wrap(err, "find patients")
					}
					for rows.Next() {
						var n, id string
						var p devices.Patient
						if err := rows.Scan(&n, &id, &p.Name, &p.BirthDate); err != nil {
							rows.Close()
							return s.Wrap(err, "find patients")
						}
						ids[n], identity[n] = id, p
					}
					rows.Close()
					if err := rows.Err(); err != nil {
						return s.Wrap(err, "find patients")
					}
				}
			}
			for _, v := range chunk {
				n := v.pat.NHSNumber.String()
				pid, ok := ids[n]
				if !ok {
					pid, ok = added[n]
				}
				if ok && mismatch(v, identity[n]) {
					continue
				}
				if !ok {
					pid = store.NewID()
					added[n] = pid
					identity[n] = devices.Patient{Name: v.pat.Name, BirthDate: v.pat.BirthDate}
					p := v.pat
					if err := patients.Add(ctx, pid, orgID, n, p.Name, p.BirthDate, p.Address, p.Postcode, p.Phone, p.Email, now); err != nil {
						return s.Wrap(err, "insert patients")
					}
					res.Patients++
				}
				procID := store.NewID()
				pr := v.proc
				if err := procs.Add(ctx, procID, orgID, pid, pr.PerformedOn, pr.Site, pr.Laterality, pr.Clinician, pr.Description, now); err != nil {
					return s.Wrap(err, "insert procedures")
				}
				res.Procedures++
				for _, d := range v.devs {
					if err := devs.Add(ctx, store.NewID(), orgID, procID, pid, d.GTIN, d.Lot, d.Serial, d.Expiry, d.Raw, d.EntryType, catalogue[d.GTIN], nil, "", now); err != nil {
						return s.Wrap(err, "insert implants")
					}
					res.Devices++
				}
			}
			chunk = chunk[:0]
			// Parents before children: the foreign keys are checked per statement.
			for _, b := range []*store.Batcher{patients, procs, devs} {
				if err := b.Flush(ctx); err != nil {
					return s.Wrap(err, "insert %s", b.Table())
				}
			}
			return nil
		}
		n := 0
		for rec := range recs {
			n++
			if err := ctx.Err(); err != nil {
				return err
			}
			v, problems := validateBulk(rec, day)
			v.row = n
			for _, p := range problems {
				if len(errs) < 200 {
					errs = append(errs, devices.RowError{Row: n, Column: p[0], Message: p[1]})
				}
			}
			if len(problems) > 0 {
				continue
			}
			chunk = append(chunk, valid(v))
			if len(chunk) == bulkChunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if len(errs) > 0 {
			return &apperr.Error{Kind: apperr.Invalid, Message: fmt.Sprintf("%d records have problems; nothing was imported", len(errs)), Err: errs}
		}
		if n == 0 {
			return apperr.New(apperr.Invalid, "There are no records to import")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "implant.bulk_import", Entity: "implant", EntityID: string(orgID),
			Summary:     audit.Summarise("patients_added", fmt.Sprint(res.Patients), "procedures", fmt.Sprint(res.Procedures), "devices", fmt.Sprint(res.Devices)),
			BulkContent: set.Terms()})
	})
	if err != nil {
		return BulkResult{}, err
	}
	return res, nil
}

type bulkValid struct {
	pat  devices.Patient
	proc devices.Procedure
	devs []devices.Device
	row  int
}

// validateBulk checks one record as the pages check it: lot and serial
// number trimmed, as the manual form trims them, and the expiry stored as
// YYYY-MM-DD, so that recalls compare them as they compare a device typed
// on the page. Problems are [field, message] pairs.
func validateBulk(r BulkRecord, day time.Time) (bulkValid, [][2]string) {
	var v bulkValid
	var out [][2]string
	add := func(err error) {
		for k, m := range apperr.FieldsOf(err) {
			out = append(out, [2]string{k, m})
		}
	}
	var err error
	v.pat, err = r.Patient.Patient("patient_", day)
	add(err)
	v.proc, err = r.Procedure.Procedure(day)
	add(err)
	if len(r.Devices) == 0 {
		out = append(out, [2]string{"devices", "A procedure needs at least one device"})
	}
	for i, d := range r.Devices {
		f := fmt.Sprintf("devices[%d].", i)
		g, msg := devices.CheckGTIN(d.GTIN)
		if msg != "" {
			out = append(out, [2]string{f + "gtin", msg})
		}
		d.GTIN, d.Lot, d.Serial = g, strings.TrimSpace(d.Lot), strings.TrimSpace(d.Serial)
		if d.Labeler != "" || d.Manufacturer != "" || d.Catalogue != "" || d.UnitOfMeasure != "" {
			out = append(out, [2]string{f + "catalogue", "Devices are imported by GTIN alone: record a device without a GTIN, or with its catalogue number, in its procedure"})
		}
		if len(d.Lot) > 20 || len(d.Serial) > 20 || !gs1.InCS82(d.Lot) || !gs1.InCS82(d.Serial) {
			out = append(out, [2]string{f + "lot", "Lot and serial number must be up to 20 characters allowed on GS1 labels"})
		}
		if d.Expiry = strings.TrimSpace(d.Expiry); d.Expiry != "" {
			if t, msg := devices.ParseDate(d.Expiry); msg != "" {
				out = append(out, [2]string{f + "expiry", "Expiry " + msg})
			} else {
				d.Expiry = t.Format(time.DateOnly)
			}
		}
		if d.EntryType != devices.EntryBarcode && d.EntryType != devices.EntryManual {
			out = append(out, [2]string{f + "entry_type", "Entry type must be barcode or manual"})
		}
		if len(d.Raw) > devices.MaxScan {
			out = append(out, [2]string{f + "raw", "The scanned string is too long"})
		}
		v.devs = append(v.devs, d)
	}
	return v, out
}
