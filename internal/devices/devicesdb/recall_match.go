package devicesdb

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/nhsnumber"
)

// AffectedDevice is a device a recall affects or possibly affects.
type AffectedDevice struct {
	ImplantID   string `json:"implant_id"`
	ProcedureID string `json:"procedure_id"`
	GTIN        string `json:"gtin"`
	// Labeler is the HIBC labeler code, Manufacturer and Catalogue the
	// manufacturer and catalogue number, as recorded with the device
	// (they name a device without a GTIN).
	Labeler      string `json:"labeler,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Catalogue    string `json:"catalogue,omitempty"`
	Lot          string `json:"lot"`
	Serial       string `json:"serial"`
	Expiry       string `json:"expiry"`
	// Match is devices.MatchAffected or devices.MatchPossible; Reasons say
	// what to check for a possible match.
	Match   string   `json:"match"`
	Reasons []string `json:"reasons,omitempty"`
	// ExplantedOn is set when the device has been removed.
	ExplantedOn string `json:"explanted_on,omitempty"`
}

// AffectedPatient is a patient with devices a recall affects or possibly
// affects, why they are listed (Basis: devices.BasisAffected,
// BasisPossible or BasisExplanted), and the recall work for them when it
// has been started.
type AffectedPatient struct {
	Patient   devices.Patient  `json:"patient"`
	Basis     string           `json:"basis"`
	Devices   []AffectedDevice `json:"devices"`
	Status    string           `json:"status,omitempty"`
	Note      string           `json:"note,omitempty"`
	UpdatedAt *time.Time       `json:"updated_at,omitempty"`
}

// LogValue keeps patient data out of logs.
func (a AffectedPatient) LogValue() slog.Value { return slog.StringValue(a.Patient.ID) }

// RecallMatch is the outcome of matching a recall against the register,
// in three lists that are never merged: patients with an affected device
// still implanted; patients whose implanted devices are only possibly
// affected (to check, with the reasons); and patients whose matching
// devices have all been removed (some notices still need them followed up).
type RecallMatch struct {
	Patients  []AffectedPatient `json:"patients"`
	Possible  []AffectedPatient `json:"possible"`
	Explanted []AffectedPatient `json:"explanted"`
	// Truncated is set when a list holds fewer patients than match.
	Truncated bool `json:"truncated"`
	// The number of patients in each whole list, and the first shown
	// (0-based) of each page (see MatchRecallPages).
	Total           int `json:"total"`
	PossibleTotal   int `json:"possible_total"`
	ExplantedTotal  int `json:"explanted_total"`
	Offset          int `json:"offset,omitempty"`
	PossibleOffset  int `json:"possible_offset,omitempty"`
	ExplantedOffset int `json:"explanted_offset,omitempty"`
}

// RecallMatchPages selects one page of each of a recall's three lists
// (see MatchRecallPages).
type RecallMatchPages struct {
	Affected, Possible, Explanted int // patients to skip in each list
	Limit                         int // patients on each page: default and most 1,000
}

// matched is one classified device and its patient.
type matched struct {
	patientID string
	dev       AffectedDevice
}

// nearKeySQL is devices.NearCode in SQL, for lots and serial numbers of
// the characters a label can carry. Migration 0011 indexes it over
// implants (org_id, gtin, lot) and (org_id, gtin, serial) spelt exactly
// so, which lets both engines find near values from the index.
func nearKeySQL(col string) string {
	return `LTRIM(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(UPPER(` + col + `), '-', ''), '.', ''), '/', ''), '_', ''), ' ', ''), '0')`
}

// codeSQL is devices.NormalizeCode in SQL (surrounding spaces trimmed,
// upper case), for the codes a label carries. Migration 0031 indexes it
// over implants (org_id, gtin, serial) and (org_id, labeler, catalogue,
// serial) spelt exactly so.
func codeSQL(col string) string { return "UPPER(TRIM(" + col + "))" }

// candidateSQL builds the query of the devices that may match a recall:
// indexed SELECTs for each rule, joined by UNION ALL (a device found twice
// is read once). They find, for the rule's product, the devices whose
// near lot, serial or expiry is the rule's or is not recorded. The
// product is every device devices.Matcher could call affected or possibly
// affected: for a GTIN, the GTIN and devices recorded without one; for an
// HIBC labeler code, the devices of that labeler code (with or without a
// GTIN) and those recorded with neither a GTIN nor a labeler code; for a
// catalogue number, the catalogue entries whose catalogue number is near
// the rule's, devices recorded without a GTIN, and devices recorded with
// a near catalogue number of their own. It is a superset: the Matcher
// decides.
func candidateSQL(orgID store.OrgID, rules []devices.Rule, cols string, only []string) (string, []any) {
	args := []any{orgID}
	p := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	in := func(vs []string) string {
		ph := make([]string, len(vs))
		for i, v := range vs {
			ph[i] = p(v)
		}
		return strings.Join(ph, ", ")
	}
	keys := func(vs []string) []string {
		out := []string{""} // not recorded
		for _, v := range vs {
			out = append(out, devices.NearCode(v))
		}
		return out
	}
	patients := ""
	if len(only) > 0 {
		patients = " AND i.patient_id IN (" + in(only) + ")"
	}
	var parts []string
	for _, r := range rules {
		var products []string
		switch {
		case r.GTIN != "":
			products = []string{"i.gtin IN (" + p(r.GTIN) + ", '')"}
		case r.Labeler != "":
			products = []string{"i.labeler = " + p(r.Labeler), "i.gtin = '' AND i.labeler = ''"}
		case devices.NearCode(r.Catalogue) != "":
			key := p(devices.NearCode(r.Catalogue))
			products = []string{"i.gtin IN (SELECT gtin FROM device_products WHERE org_id = $1 AND catalogue_key = " + key + " UNION SELECT '')",
				nearKeySQL("i.catalogue") + " = " + key}
		default:
			continue
		}
		var value string
		switch r.Kind {
		case devices.RuleAll:
		case devices.RuleLots:
			value = " AND " + nearKeySQL("i.lot") + " IN (" + in(keys(r.Lots)) + ")"
		case devices.RuleSerials:
			value = " AND " + nearKeySQL("i.serial") + " IN (" + in(keys(r.Serials)) + ")"
		case devices.RuleLotRange:
			// Near keys of equal length in byte order hold the range's
			// lots; ends of different near lengths read the product's lots.
			if f, t := devices.NearCode(r.From), devices.NearCode(r.To); len(f) == len(t) {
				k := nearKeySQL("i.lot")
				value = " AND (" + k + " BETWEEN " + p(f) + " AND " + p(t) + " OR " + k + " = '')"
			}
		case devices.RuleExpiry:
			value = " AND (i.expiry BETWEEN " + p(r.From) + " AND " + p(r.To) + " OR i.expiry = '')"
		default:
			continue
		}
		for _, product := range products {
			parts = append(parts, "SELECT "+cols+" FROM implants i WHERE i.org_id = $1 AND "+product+value+patients)
		}
	}
	if len(parts) == 0 {
		return "SELECT " + cols + " FROM implants i WHERE 1 = 0", args
	}
	return strings.Join(parts, " UNION ALL "), args
}

// matchDevices classifies the organisation's devices that may match the
// recall (candidateSQL) with devices.Matcher, in the order they were
// recorded; only (when not nil) narrows them to those patients.
func (s *DB) matchDevices(ctx context.Context, q store.Querier, orgID store.OrgID, rc devices.Recall, only []string) ([]matched, error) {
	products, err := s.productsOf(ctx, q, orgID, rc.GTINs())
	if err != nil {
		return nil, err
	}
	m := devices.NewMatcher(rc, products)
	var out []matched
	seen := map[string]bool{}
	run := func(patients []string) error {
		cand, args := candidateSQL(orgID, rc.Rules, "i.id, i.procedure_id, i.patient_id, i.gtin, i.labeler, i.manufacturer, i.catalogue, i.lot, i.serial, i.expiry, i.explanted_on", patients)
		rows, err := q.QueryContext(ctx, `SELECT c.id, c.procedure_id, c.patient_id, c.gtin, c.labeler, c.manufacturer, c.catalogue, c.lot, c.serial, c.expiry, COALESCE(c.explanted_on, ''),
			COALESCE(p.manufacturer, ''), COALESCE(p.model, ''), COALESCE(p.catalogue_number, '')
			FROM (`+cand+`) c LEFT JOIN device_products p ON p.org_id = $1 AND p.gtin = c.gtin ORDER BY c.id`, args...)
		if err != nil {
			return s.Wrap(err, "match recall")
		}
		defer rows.Close()
		for rows.Next() {
			var x matched
			var dev devices.Device
			var prod devices.Product
			if err := rows.Scan(&x.dev.ImplantID, &x.dev.ProcedureID, &x.patientID, &dev.GTIN, &dev.Labeler, &dev.Manufacturer, &dev.Catalogue, &dev.Lot, &dev.Serial, &dev.Expiry, &x.dev.ExplantedOn,
				&prod.Manufacturer, &prod.Model, &prod.CatalogueNumber); err != nil {
				return s.Wrap(err, "scan match")
			}
			d := recordedDevice(dev, &prod)
			if seen[x.dev.ImplantID] { // two rules found one device
				continue
			}
			seen[x.dev.ImplantID] = true
			level, reasons := m.Classify(d)
			if level == devices.MatchNone {
				continue
			}
			x.dev.GTIN, x.dev.Labeler, x.dev.Manufacturer, x.dev.Catalogue = d.GTIN, d.Labeler, d.Device.Manufacturer, d.Catalogue
			x.dev.Lot, x.dev.Serial, x.dev.Expiry, x.dev.Match, x.dev.Reasons = d.Lot, d.Serial, d.Expiry, level, reasons
			out = append(out, x)
		}
		return s.Wrap(rows.Err(), "match recall")
	}
	if only == nil {
		return out, run(nil)
	}
	for start := 0; start < len(only); start += 500 {
		if err := run(only[start:min(start+500, len(only))]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Device is the identity of the device, as devices.Device.Key and the
// pages name it.
func (d AffectedDevice) Device() devices.Device {
	return devices.Device{GTIN: d.GTIN, Labeler: d.Labeler, Manufacturer: d.Manufacturer, Catalogue: d.Catalogue, Lot: d.Lot, Serial: d.Serial, Expiry: d.Expiry}
}

// recordedDevice is what devices.Matcher knows of device d, whose
// catalogue entry is p (nil, or empty, when it has none): the
// manufacturer and catalogue number recorded with the device come first,
// then its catalogue entry's, and the entry's model. The recall lists,
// the stops and the warnings all classify devices through it.
func recordedDevice(d devices.Device, p *devices.Product) devices.RecordedDevice {
	rd := devices.RecordedDevice{Device: d, Manufacturer: d.Manufacturer, CatalogueNumber: d.Catalogue}
	if p != nil {
		rd.Model = p.Model
		if rd.Manufacturer == "" {
			rd.Manufacturer = p.Manufacturer
		}
		if rd.CatalogueNumber == "" {
			rd.CatalogueNumber = p.CatalogueNumber
		}
	}
	return rd
}

// productsOf returns the catalogue entries of the GTINs.
func (s *DB) productsOf(ctx context.Context, q store.Querier, orgID store.OrgID, gtins []string) ([]devices.Product, error) {
	if len(gtins) == 0 {
		return nil, nil
	}
	args := []any{orgID}
	ph := make([]string, len(gtins))
	for i, g := range gtins {
		args = append(args, g)
		ph[i] = fmt.Sprintf("$%d", len(args))
	}
	rows, err := q.QueryContext(ctx, `SELECT `+productCols+` FROM device_products WHERE org_id = $1 AND gtin IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return nil, s.Wrap(err, "recalled products")
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
	return out, s.Wrap(rows.Err(), "recalled products")
}

// patientMatch is one patient's classified devices and the basis they are
// listed on.
type patientMatch struct {
	id, basis string
	devs      []AffectedDevice
}

// basisOf is why a patient with these devices is listed: an affected
// device still implanted, else a possibly affected one still implanted,
// else only removed devices match.
func basisOf(devs []AffectedDevice) string {
	basis := devices.BasisExplanted
	for _, d := range devs {
		switch {
		case d.ExplantedOn != "":
		case d.Match == devices.MatchAffected:
			return devices.BasisAffected
		default:
			basis = devices.BasisPossible
		}
	}
	return basis
}

// groupByPatient groups classified devices by patient, in the order of
// each patient's first device.
func groupByPatient(ms []matched) []patientMatch {
	idx := map[string]int{}
	var out []patientMatch
	for _, m := range ms {
		i, ok := idx[m.patientID]
		if !ok {
			i = len(out)
			idx[m.patientID] = i
			out = append(out, patientMatch{id: m.patientID})
		}
		out[i].devs = append(out[i].devs, m.dev)
	}
	for i := range out {
		out[i].basis = basisOf(out[i].devs)
	}
	return out
}

// MatchRecall finds the patients the recall affects, possibly affects, or
// affected through a device since removed (see RecallMatch): up to limit
// patients in each list (default and most 1,000), each with their devices
// (affected, possibly affected with reasons, removed), in order of first
// device recorded. It reads only; StartRecallActions records the work.
// For lists longer than a page, see MatchRecallPages.
func (s *DB) MatchRecall(ctx context.Context, orgID store.OrgID, rc devices.Recall, limit int) (RecallMatch, error) {
	return s.MatchRecallPages(ctx, orgID, rc, RecallMatchPages{Limit: limit})
}

// MatchRecallPages is MatchRecall with one page of each list: p.Limit
// patients after skipping the list's offset, with each list's total, so
// that every patient of a long list can be reached.
func (s *DB) MatchRecallPages(ctx context.Context, orgID store.OrgID, rc devices.Recall, p RecallMatchPages) (RecallMatch, error) {
	limit := p.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	ms, err := s.matchDevices(ctx, s.SQL(), orgID, rc, nil)
	if err != nil {
		return RecallMatch{}, err
	}
	m := RecallMatch{Patients: []AffectedPatient{}, Possible: []AffectedPatient{}, Explanted: []AffectedPatient{},
		Offset: max(p.Affected, 0), PossibleOffset: max(p.Possible, 0), ExplantedOffset: max(p.Explanted, 0)}
	for _, pm := range groupByPatient(ms) {
		list, total, skip := &m.Patients, &m.Total, m.Offset
		switch pm.basis {
		case devices.BasisPossible:
			list, total, skip = &m.Possible, &m.PossibleTotal, m.PossibleOffset
		case devices.BasisExplanted:
			list, total, skip = &m.Explanted, &m.ExplantedTotal, m.ExplantedOffset
		}
		*total++
		if *total <= skip {
			continue
		}
		if len(*list) == limit {
			m.Truncated = true
			continue
		}
		*list = append(*list, AffectedPatient{Patient: devices.Patient{ID: pm.id}, Basis: pm.basis, Devices: pm.devs})
	}
	if m.Offset > 0 || m.PossibleOffset > 0 || m.ExplantedOffset > 0 {
		m.Truncated = true
	}
	for _, l := range [][]AffectedPatient{m.Patients, m.Possible, m.Explanted} {
		if err := s.fillPatients(ctx, orgID, rc.ID, l); err != nil {
			return RecallMatch{}, err
		}
	}
	return m, nil
}

// fillPatients reads the patients' details and recall actions in chunks.
func (s *DB) fillPatients(ctx context.Context, orgID store.OrgID, recallID string, ps []AffectedPatient) error {
	idx := make(map[string]int, len(ps))
	for i, p := range ps {
		idx[p.Patient.ID] = i
	}
	for start := 0; start < len(ps); start += 500 {
		end := min(start+500, len(ps))
		args := []any{orgID, recallID}
		ph := make([]string, 0, end-start)
		for _, p := range ps[start:end] {
			args = append(args, p.Patient.ID)
			ph = append(ph, fmt.Sprintf("$%d", len(args)))
		}
		rows, err := s.SQL().QueryContext(ctx, `SELECT pt.id, pt.nhs_number, pt.name, pt.birth_date, pt.address, pt.postcode, pt.phone, pt.email, a.status, a.note, a.updated_at, a.basis
			FROM implant_patients pt LEFT JOIN recall_actions a ON a.patient_id = pt.id AND a.recall_id = $2
			WHERE pt.org_id = $1 AND pt.id IN (`+strings.Join(ph, ", ")+`)`, args...)
		if err != nil {
			return s.Wrap(err, "read affected patients")
		}
		for rows.Next() {
			var p devices.Patient
			var nhs string
			var st, note, basis sql.NullString
			var at sql.NullTime
			if err := rows.Scan(&p.ID, &nhs, &p.Name, &p.BirthDate, &p.Address, &p.Postcode, &p.Phone, &p.Email, &st, &note, &at, &basis); err != nil {
				rows.Close()
				return s.Wrap(err, "scan affected patient")
			}
			p.NHSNumber, _ = nhsnumber.Parse(nhs)
			a := &ps[idx[p.ID]]
			a.Patient, a.Status, a.Note = p, st.String, note.String
			if a.Basis == "" && basis.Valid {
				a.Basis = basisOfRow(basis.String)
			}
			if at.Valid {
				t := at.Time.UTC()
				a.UpdatedAt = &t
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.Wrap(err, "read affected patients")
		}
	}
	return nil
}

// RecallCounts are the numbers a recall finds: affected devices still
// implanted and their patients, possibly affected ones, and patients whose
// matching devices have all been removed.
type RecallCounts struct {
	Devices           int `json:"devices"`
	Patients          int `json:"patients"`
	PossibleDevices   int `json:"possible_devices"`
	PossiblePatients  int `json:"possible_patients"`
	ExplantedDevices  int `json:"explanted_devices"`
	ExplantedPatients int `json:"explanted_patients"`
}

// CountRecall counts what the recall finds (see RecallCounts).
func (s *DB) CountRecall(ctx context.Context, orgID store.OrgID, rc devices.Recall) (RecallCounts, error) {
	ms, err := s.matchDevices(ctx, s.SQL(), orgID, rc, nil)
	if err != nil {
		return RecallCounts{}, err
	}
	var c RecallCounts
	for _, m := range ms {
		switch {
		case m.dev.ExplantedOn != "":
			c.ExplantedDevices++
		case m.dev.Match == devices.MatchAffected:
			c.Devices++
		default:
			c.PossibleDevices++
		}
	}
	for _, p := range groupByPatient(ms) {
		switch p.basis {
		case devices.BasisAffected:
			c.Patients++
		case devices.BasisPossible:
			c.PossiblePatients++
		default:
			c.ExplantedPatients++
		}
	}
	return c, nil
}

// actionState is a patient's recall action as stored: its status and the
// basis it was started (or last reopened) on.
type actionState struct {
	status, basis string
}

// actionStates returns the recall's actions by patient id.
func (s *DB) actionStates(ctx context.Context, q store.Querier, orgID store.OrgID, recallID string) (map[string]actionState, error) {
	rows, err := q.QueryContext(ctx, `SELECT patient_id, status, basis FROM recall_actions WHERE org_id = $1 AND recall_id = $2`, orgID, recallID)
	if err != nil {
		return nil, s.Wrap(err, "read recall actions")
	}
	defer rows.Close()
	out := map[string]actionState{}
	for rows.Next() {
		var id string
		var a actionState
		if err := rows.Scan(&id, &a.status, &a.basis); err != nil {
			return nil, s.Wrap(err, "scan recall action")
		}
		a.basis = basisOfRow(a.basis)
		out[id] = a
	}
	return out, s.Wrap(rows.Err(), "read recall actions")
}

// basisRank orders the bases by how serious they are: a device still
// implanted that is affected, then one possibly affected, then only
// devices since removed.
func basisRank(basis string) int {
	switch basis {
	case devices.BasisAffected:
		return 2
	case devices.BasisPossible:
		return 1
	}
	return 0
}

// raised reports whether the recall now finds a patient, whose action is
// a, on a more serious basis than the action was started on: a patient
// checked and marked not affected on a near lot who has since received a
// device of a recalled lot, say. Their recall work must start again.
func (a actionState) raised(basis string) bool { return basisRank(basis) > basisRank(a.basis) }

// RecallStart is what StartRecallWork did: patients added to the recall
// work, and patients whose work started again because the recall now
// finds them on a more serious basis.
type RecallStart struct {
	Added    int `json:"added"`
	Reopened int `json:"reopened"`
}

// StartRecallActions is StartRecallWork, returning the number of patients
// added or reopened.
func (s *DB) StartRecallActions(ctx context.Context, orgID store.OrgID, recallID string) (int, error) {
	st, err := s.StartRecallWork(ctx, orgID, recallID)
	return st.Added + st.Reopened, err
}

// StartRecallWork adds an action for every patient the recall finds who
// has none yet: "to contact" for the affected, "to check" for the
// possibly affected and those whose devices were removed. A patient with
// an action whom the recall now finds on a more serious basis than the
// action was started on (possibly affected, or only a removed device, and
// now affected) has the action's basis raised and its work started again
// at the basis's first status, whatever its status was (even "not
// affected"), keeping the note. Run it again after more devices are
// recorded. One audit entry says how many were added and names the
// patients reopened. store.NotFound for another organisation's recall.
func (s *DB) StartRecallWork(ctx context.Context, orgID store.OrgID, recallID string) (RecallStart, error) {
	rc, err := s.Recall(ctx, orgID, recallID)
	if err != nil {
		return RecallStart{}, err
	}
	var res RecallStart
	err = s.Tx(ctx, func(tx *store.Tx) error {
		ms, err := s.matchDevices(ctx, tx, orgID, rc, nil)
		if err != nil {
			return err
		}
		started, err := s.actionStates(ctx, tx, orgID, recallID)
		if err != nil {
			return err
		}
		var todo, reopen []patientMatch
		byBasis := map[string]int{}
		for _, p := range groupByPatient(ms) {
			a, ok := started[p.id]
			switch {
			case !ok:
				todo = append(todo, p)
				byBasis[p.basis]++
			case a.raised(p.basis):
				reopen = append(reopen, p)
			}
		}
		now := s.Now()
		for start := 0; start < len(todo); start += 200 {
			var vals []string
			var args []any
			for _, p := range todo[start:min(start+200, len(todo))] {
				args = append(args, orgID, recallID, p.id, devices.FirstAction(p.basis), len(p.devs), now, p.basis)
				k := len(args)
				vals = append(vals, fmt.Sprintf("($%d, $%d, $%d, $%d, '', $%d, $%d, $%d)", k-6, k-5, k-4, k-3, k-2, k-1, k))
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO recall_actions (org_id, recall_id, patient_id, status, note, devices, updated_at, basis) VALUES `+
				strings.Join(vals, ", "), args...); err != nil {
				return s.Wrap(err, "start recall actions")
			}
		}
		var reopened []string
		for _, p := range reopen {
			if _, err := tx.ExecContext(ctx, `UPDATE recall_actions SET status = $1, basis = $2, devices = $3, updated_at = $4 WHERE org_id = $5 AND recall_id = $6 AND patient_id = $7`,
				devices.FirstAction(p.basis), p.basis, len(p.devs), now, orgID, recallID, p.id); err != nil {
				return s.Wrap(err, "reopen recall action")
			}
			a := started[p.id]
			reopened = append(reopened, p.id+" ("+a.basis+" "+a.status+" to "+p.basis+" "+devices.FirstAction(p.basis)+")")
		}
		res = RecallStart{Added: len(todo), Reopened: len(reopen)}
		summary := audit.Summarise("patients_added", fmt.Sprint(res.Added), "affected", fmt.Sprint(byBasis[devices.BasisAffected]),
			"possible", fmt.Sprint(byBasis[devices.BasisPossible]), "explanted", fmt.Sprint(byBasis[devices.BasisExplanted]),
			"patients_reopened", fmt.Sprint(res.Reopened))
		if len(reopened) > 0 {
			summary += "; reopened: " + strings.Join(reopened, ", ")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "recall.match", Entity: "recall", EntityID: recallID, Summary: summary})
	})
	if err != nil {
		return RecallStart{}, err
	}
	return res, nil
}
