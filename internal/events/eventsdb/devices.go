package eventsdb

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/store"
)

// EventDevice is device n of an event's devices group: its answers, what
// its barcode says (read by the devices wing's scan parser), the implants
// of the register it may be, the implant it is linked to and its MHRA
// Yellow Card reference.
type EventDevice struct {
	N            int    `json:"n"`
	Type         string `json:"device_type,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"`
	Barcode      string `json:"barcode,omitempty"`
	// BarcodeProblem says why the barcode could not be read ("" when it
	// was, or there is none).
	BarcodeProblem string `json:"barcode_problem,omitempty"`
	GTIN           string `json:"gtin,omitempty"`
	Lot            string `json:"lot,omitempty"`
	Serial         string `json:"serial,omitempty"`
	Expiry         string `json:"expiry,omitempty"`
	// Candidates are the register's implants with the same GTIN and
	// serial, or GTIN and lot.
	Candidates []devicesdb.ImplantRecord `json:"candidates,omitempty"`
	Implant    *ImplantLink              `json:"implant,omitempty"`
	YellowCard string                    `json:"yellow_card,omitempty"`
}

// Number is the device's number from 1, as people count.
func (d EventDevice) Number() int { return d.N + 1 }

// ImplantLink is a device of an event linked to an implant.
type ImplantLink struct {
	ImplantID string    `json:"implant_id"`
	GTIN      string    `json:"gtin"`
	Lot       string    `json:"lot,omitempty"`
	Serial    string    `json:"serial,omitempty"`
	LinkedAt  time.Time `json:"linked_at"`
}

// ReadDevice reads device n of a record: the typed answers, and the
// barcode parsed as the devices wing's scan page parses it (a GTIN, lot,
// serial and expiry read from it win over what was typed).
func ReadDevice(a events.Answers, n int, now time.Time) EventDevice {
	d := EventDevice{N: n, Type: a.Get(events.DevType), Manufacturer: a.Get(events.DevManufacturer), Model: a.Get(events.DevModel),
		Barcode: a.Get(events.DevBarcode), Serial: a.Get(events.DevSerial), Lot: a.Get(events.DevLot)}
	if d.Barcode == "" {
		return d
	}
	dev, err := devices.ParseScan(d.Barcode, now)
	if err != nil {
		d.BarcodeProblem = apperr.FieldsOf(err)["barcode"]
		if d.BarcodeProblem == "" {
			d.BarcodeProblem = "The barcode could not be read"
		}
		return d
	}
	d.GTIN, d.Expiry = dev.GTIN, dev.Expiry
	if dev.Lot != "" {
		d.Lot = dev.Lot
	}
	if dev.Serial != "" {
		d.Serial = dev.Serial
	}
	return d
}

// EventDevices are the devices of event e of orgID, with the implants
// each may be.
func (s *DB) EventDevices(ctx context.Context, orgID store.OrgID, e Event) ([]EventDevice, error) {
	dev := devicesdb.New(s.DB)
	var out []EventDevice
	for n, a := range e.Record.Groups[events.GroupDevices] {
		d := ReadDevice(a, n, s.Now())
		if d.GTIN != "" && (d.Serial != "" || d.Lot != "") {
			hist, err := dev.DeviceHistory(ctx, orgID, d.GTIN, d.Serial)
			if err != nil {
				return nil, err
			}
			for _, r := range hist {
				if d.Serial != "" || strings.EqualFold(r.Lot, d.Lot) {
					r.PatientName, r.NHSNumber = "", nil // not for the event's pages
					d.Candidates = append(d.Candidates, r)
				}
			}
		}
		out = append(out, d)
	}
	rows, err := s.SQL().QueryContext(ctx, `SELECT device_n, implant_id, gtin, lot, serial, linked_at FROM event_implant_links
		WHERE org_id = $1 AND event_id = $2 AND removed_at IS NULL`, orgID, e.ID)
	if err != nil {
		return nil, s.Wrap(err, "implants of event %s", e.ID)
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		var l ImplantLink
		if err := rows.Scan(&n, &l.ImplantID, &l.GTIN, &l.Lot, &l.Serial, &l.LinkedAt); err != nil {
			return nil, s.Wrap(err, "implants of event %s", e.ID)
		}
		l.LinkedAt = l.LinkedAt.UTC()
		if n >= 0 && n < len(out) {
			out[n].Implant = &l
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.Wrap(err, "implants of event %s", e.ID)
	}
	yc, err := s.SQL().QueryContext(ctx, `SELECT device_n, reference FROM event_yellow_cards WHERE org_id = $1 AND event_id = $2 ORDER BY recorded_at, id`, orgID, e.ID)
	if err != nil {
		return nil, s.Wrap(err, "Yellow Card references of event %s", e.ID)
	}
	defer yc.Close()
	for yc.Next() {
		var n int
		var ref string
		if err := yc.Scan(&n, &ref); err != nil {
			return nil, s.Wrap(err, "Yellow Card references of event %s", e.ID)
		}
		if n >= 0 && n < len(out) {
			out[n].YellowCard = ref
		}
	}
	return out, s.Wrap(yc.Err(), "Yellow Card references of event %s", e.ID)
}

// device is device n of orgID's event eventID, read in tx; NotFound when
// the event has no such device.
func (s *DB) device(ctx context.Context, tx *store.Tx, orgID store.OrgID, eventID string, n int) (Event, []EventDevice, error) {
	e, err := s.get(ctx, tx, orgID, eventID)
	if err != nil {
		return e, nil, err
	}
	ds, err := s.EventDevices(ctx, orgID, e)
	if err != nil {
		return e, nil, err
	}
	if n < 0 || n >= len(ds) {
		return e, nil, store.NotFound("device")
	}
	return e, ds, nil
}

// LinkImplant links device n of event eventID to implantID, one of the
// register's implants the device may be (Candidates); a device linked
// already is linked anew, the old link kept as removed. Invalid when the
// implant is not one the device may be.
func (s *DB) LinkImplant(ctx context.Context, orgID store.OrgID, eventID string, n int, implantID string) (ImplantLink, error) {
	uid, err := actorID(ctx)
	if err != nil {
		return ImplantLink{}, err
	}
	var out ImplantLink
	err = s.Tx(ctx, func(tx *store.Tx) error {
		e, ds, err := s.device(ctx, tx, orgID, eventID, n)
		if err != nil {
			return err
		}
		var imp *devicesdb.ImplantRecord
		for i := range ds[n].Candidates {
			if ds[n].Candidates[i].ID == implantID {
				imp = &ds[n].Candidates[i]
			}
		}
		if imp == nil {
			return apperr.Field("implant_id", "Select an implant in the register with this device's GTIN and serial or lot number")
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE event_implant_links SET removed_at = $1, removed_by = $2 WHERE org_id = $3 AND event_id = $4 AND device_n = $5 AND removed_at IS NULL`,
			now, uid, orgID, e.ID, n); err != nil {
			return s.Wrap(err, "relink device")
		}
		out = ImplantLink{ImplantID: imp.ID, GTIN: imp.GTIN, Lot: imp.Lot, Serial: imp.Serial, LinkedAt: now}
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_implant_links (id, event_id, device_n, implant_id, gtin, lot, serial, org_id, linked_by, linked_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, store.NewID(), e.ID, n, imp.ID, imp.GTIN, imp.Lot, imp.Serial, orgID, uid, now); err != nil {
			return s.Wrap(err, "link implant")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event.implant_link", Entity: "event", EntityID: e.ID,
			Summary: audit.Summarise("event", e.Ref, "device", fmt.Sprint(n+1), "gtin", imp.GTIN)})
	})
	return out, err
}

var yellowCardRe = regexp.MustCompile(`^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$`)

// MaxYellowCard is the longest Yellow Card reference.
const MaxYellowCard = 40

// CheckYellowCard validates an MHRA Yellow Card reference: letters,
// digits and single dashes, at most 40 characters.
func CheckYellowCard(ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	msg := ""
	switch {
	case ref == "":
		msg = "Enter the Yellow Card reference"
	case len(ref) > MaxYellowCard:
		msg = fmt.Sprintf("The Yellow Card reference must be %d characters or fewer", MaxYellowCard)
	case !yellowCardRe.MatchString(ref):
		msg = "The Yellow Card reference must be letters, numbers and dashes only"
	}
	if msg != "" {
		return "", apperr.Field("yellow_card", msg)
	}
	return strings.ToUpper(ref), nil
}

// SetYellowCard records the MHRA Yellow Card reference of device n of
// event eventID (the earlier one is kept). Invalid per CheckYellowCard.
func (s *DB) SetYellowCard(ctx context.Context, orgID store.OrgID, eventID string, n int, ref string) (string, error) {
	uid, err := actorID(ctx)
	if err != nil {
		return "", err
	}
	if ref, err = CheckYellowCard(ref); err != nil {
		return "", err
	}
	err = s.Tx(ctx, func(tx *store.Tx) error {
		e, _, err := s.device(ctx, tx, orgID, eventID, n)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_yellow_cards (id, event_id, device_n, org_id, reference, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			store.NewID(), e.ID, n, orgID, ref, uid, s.Now()); err != nil {
			return s.Wrap(err, "record Yellow Card reference")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event.yellow_card", Entity: "event", EntityID: e.ID,
			Summary: audit.Summarise("event", e.Ref, "device", fmt.Sprint(n+1), "yellow_card", ref)})
	})
	return ref, err
}

// DeviceEvent is a safety event linked to a device of the register, as
// the device's history and its recalls list it.
type DeviceEvent struct {
	EventID string            `json:"event_id"`
	Ref     string            `json:"reference"`
	Type    events.RecordType `json:"record_type"`
	Date    string            `json:"date"`
	Harm    string            `json:"harm,omitempty"`
	Status  events.Status     `json:"status"`
	GTIN    string            `json:"gtin"`
	Lot     string            `json:"lot,omitempty"`
	Serial  string            `json:"serial,omitempty"`
}

// DeviceEvents are orgID's events linked to an implant with the GTIN (and
// serial, when given), newest first.
func (s *DB) DeviceEvents(ctx context.Context, orgID store.OrgID, gtin, serial string) ([]DeviceEvent, error) {
	if serial == "" {
		return s.deviceEvents(ctx, `l.gtin = $2`, orgID, gtin)
	}
	return s.deviceEvents(ctx, `l.gtin = $2 AND l.serial = $3`, orgID, gtin, serial)
}

// ProductEvents are orgID's events linked to an implant of any of the
// GTINs (the products of a recall), newest first.
func (s *DB) ProductEvents(ctx context.Context, orgID store.OrgID, gtins []string) ([]DeviceEvent, error) {
	if len(gtins) == 0 {
		return nil, nil
	}
	args := []any{orgID}
	var ps []string
	for _, g := range gtins {
		args = append(args, g)
		ps = append(ps, fmt.Sprintf("$%d", len(args)))
	}
	return s.deviceEvents(ctx, `l.gtin IN (`+strings.Join(ps, ", ")+`)`, args...)
}

func (s *DB) deviceEvents(ctx context.Context, cond string, args ...any) ([]DeviceEvent, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT e.id, COALESCE(e.ref, ''), e.record_type, e.occurred_on, e.harm, e.status, l.gtin, l.lot, l.serial
		FROM event_implant_links l JOIN events e ON e.id = l.event_id
		WHERE l.org_id = $1 AND l.removed_at IS NULL AND `+cond+` ORDER BY e.submitted_at DESC, e.id LIMIT 500`, args...)
	if err != nil {
		return nil, s.Wrap(err, "events of device")
	}
	defer rows.Close()
	var out []DeviceEvent
	for rows.Next() {
		var d DeviceEvent
		if err := rows.Scan(&d.EventID, &d.Ref, &d.Type, &d.Date, &d.Harm, &d.Status, &d.GTIN, &d.Lot, &d.Serial); err != nil {
			return nil, s.Wrap(err, "events of device")
		}
		out = append(out, d)
	}
	return out, s.Wrap(rows.Err(), "events of device")
}
