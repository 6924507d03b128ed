package devicesdb_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// names returns the patients' names, sorted.
func names(ps []devicesdb.AffectedPatient) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Patient.Name)
	}
	slices.Sort(out)
	return out
}

func rcName(n int) string { return rcPatient(n).Name }

// explant removes the device with this serial.
func explant(t *testing.T, db *devicesdb.DB, org store.OrgID, gtin, serial string) {
	t.Helper()
	h, err := db.DeviceHistory(ctx, org, gtin, serial)
	if err != nil || len(h) != 1 {
		t.Fatalf("DeviceHistory(%s, %s) = %d, %v", gtin, serial, len(h), err)
	}
	if err := db.Explant(ctx, org, h[0].ID, devices.ExplantInput{Date: "2026-11-22", Reason: "Infection"}); err != nil {
		t.Fatal(err)
	}
}

// TestRecallFindsEveryone: near-identical lots, devices with no lot or
// expiry recorded, products named by catalogue number, and removed
// devices are each found and listed apart, never dropped; another
// organisation's devices are never found.
func TestRecallFindsEveryone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		db := devicesdb.New(st)
		org, other := storetest.Org(t, st, "RF1").ID, storetest.Org(t, st, "RF2").ID
		for _, o := range []store.OrgID{org, other} {
			if _, err := db.ImportCatalogue(ctx, o, []devices.Product{
				{GTIN: rcGTIN(2), Manufacturer: "Acme Orthopaedics Ltd", Model: "Hip A", DeviceType: 89, CatalogueNumber: "71-345"},
				{GTIN: rcGTIN(3), Manufacturer: "Acme Orthopaedics", Model: "Hip B", DeviceType: 89, CatalogueNumber: "71345"},
			}); err != nil {
				t.Fatal(err)
			}
			rcImplant(t, db, o, 0,
				devices.Device{GTIN: rcGTIN(1), Lot: "ABC123", Serial: "P0"},                  // 0 affected: lot in another case
				devices.Device{GTIN: rcGTIN(1), Lot: "012345", Serial: "P1"},                  // 1 possible: leading zero
				devices.Device{GTIN: rcGTIN(1), Serial: "P2"},                                 // 2 possible: no lot
				devices.Device{GTIN: rcGTIN(1), Lot: "12345", Serial: "P3"},                   // 3 explanted
				devices.Device{GTIN: rcGTIN(2), Lot: "l1", Serial: "P4"},                      // 4 affected by REF 71-345
				devices.Device{GTIN: rcGTIN(3), Lot: "L1", Serial: "P5"},                      // 5 possible: REF 71345 is near
				devices.Device{GTIN: rcGTIN(4), Lot: "X", Serial: "P6"},                       // 6 possible: no expiry
				devices.Device{GTIN: rcGTIN(4), Lot: "X", Serial: "P7", Expiry: "2027-02-01"}, // 7 affected: in the window
				devices.Device{GTIN: rcGTIN(4), Lot: "X", Serial: "P8", Expiry: "2028-02-01"}, // 8 not affected
				devices.Device{GTIN: rcGTIN(1), Lot: "99999", Serial: "P9"},                   // 9 not affected
			)
		}
		explant(t, db, org, rcGTIN(1), "P3")
		rc := rcRecall(t, db, org, "FSN-ALL", rcGTIN(1)+" lots abc123, 12345\nREF 71-345 lots L1\n"+rcGTIN(4)+" expiry from 2027-01-01 to 2027-06-30")
		m, err := db.MatchRecall(ctx, org, rc, 0)
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string, got []devicesdb.AffectedPatient, want ...int) {
			t.Helper()
			var w []string
			for _, n := range want {
				w = append(w, rcName(n))
			}
			slices.Sort(w)
			if g := names(got); !slices.Equal(g, w) {
				t.Errorf("%s = %v, want %v", what, g, w)
			}
		}
		check("affected", m.Patients, 0, 4, 7)
		check("possibly affected", m.Possible, 1, 2, 5, 6)
		check("explanted", m.Explanted, 3)
		for _, p := range m.Possible {
			if len(p.Devices) != 1 || p.Devices[0].Match != devices.MatchPossible || len(p.Devices[0].Reasons) == 0 || p.Basis != devices.BasisPossible {
				t.Errorf("possible patient %s: %+v, want one possible device with a reason", p.Patient.Name, p)
			}
		}
		if len(m.Explanted) == 1 && (m.Explanted[0].Devices[0].ExplantedOn != "2026-11-22" || m.Explanted[0].Basis != devices.BasisExplanted) {
			t.Errorf("explanted = %+v", m.Explanted[0])
		}
		c, err := db.CountRecall(ctx, org, rc)
		want := devicesdb.RecallCounts{Devices: 3, Patients: 3, PossibleDevices: 4, PossiblePatients: 4, ExplantedDevices: 1, ExplantedPatients: 1}
		if err != nil || c != want {
			t.Errorf("CountRecall = %+v, %v; want %+v", c, err, want)
		}
		if w, err := db.RecallOpenWork(ctx, org, rc.ID); err != nil || w.Total() != 8 || w.NotStarted != 8 {
			t.Errorf("RecallOpenWork before starting = %+v, %v; want 8 not started", w, err)
		}
		if n, err := db.StartRecallActions(ctx, org, rc.ID); err != nil || n != 8 {
			t.Fatalf("StartRecallActions = %d, %v; want 8", n, err)
		}
		all, err := db.RecallActions(ctx, org, rc.ID)
		if err != nil || len(all) != 8 {
			t.Fatalf("RecallActions = %d, %v", len(all), err)
		}
		for _, a := range all {
			if a.Status != devices.FirstAction(a.Basis) || len(a.Devices) == 0 {
				t.Errorf("%s: basis %s status %s with %d devices, want status %s", a.Patient.Name, a.Basis, a.Status, len(a.Devices), devices.FirstAction(a.Basis))
			}
		}
		if _, err := db.Recall(ctx, other, rc.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("the other organisation reads the recall: %v", err)
		}
	})
}

// TestRecallPatientListAtScale: hundreds of patients in one list, paged
// in a stable order, filtered by status and basis, changed in bulk in one
// audited transaction, and closed only with the open count confirmed and a
// reason.
func TestRecallPatientListAtScale(t *testing.T) {
	const affected, possible, removed = 420, 150, 12
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		db := devicesdb.New(st)
		org, other := storetest.Org(t, st, "RS1").ID, storetest.Org(t, st, "RS2").ID
		var devs []devices.Device
		for i := range affected + possible + removed {
			d := devices.Device{GTIN: rcGTIN(1), Lot: "L1", Serial: fmt.Sprintf("S%d", i)}
			if i >= affected && i < affected+possible {
				d.Lot = "" // no lot recorded: possibly affected
			}
			devs = append(devs, d)
		}
		rcImplant(t, db, org, 0, devs...)
		rcImplant(t, db, other, 0, devs[:3]...)
		for i := affected + possible; i < len(devs); i++ {
			explant(t, db, org, rcGTIN(1), devs[i].Serial)
		}
		rc := rcRecall(t, db, org, "FSN-SCALE", rcGTIN(1)+" lots L1")
		if n, err := db.StartRecallActions(ctx, org, rc.ID); err != nil || n != len(devs) {
			t.Fatalf("StartRecallActions = %d, %v", n, err)
		}
		pageAll := func(q devicesdb.RecallPatientQuery) []devicesdb.AffectedPatient {
			t.Helper()
			var out []devicesdb.AffectedPatient
			for q.Offset = 0; ; {
				p, err := db.RecallPatients(ctx, org, rc.ID, q)
				if err != nil {
					t.Fatalf("RecallPatients(%+v): %v", q, err)
				}
				out = append(out, p.Patients...)
				if !p.HasNext() {
					return out
				}
				q.Offset += len(p.Patients)
			}
		}
		first, err := db.RecallPatients(ctx, org, rc.ID, devicesdb.RecallPatientQuery{Limit: 50})
		if err != nil || first.Total != len(devs) || len(first.Patients) != 50 || !first.HasNext() {
			t.Fatalf("first page: total %d, %d patients, %v", first.Total, len(first.Patients), err)
		}
		wantByBasis := map[string]int{devices.BasisAffected: affected, devices.BasisPossible: possible, devices.BasisExplanted: removed}
		if fmt.Sprint(first.ByBasis) != fmt.Sprint(wantByBasis) {
			t.Errorf("ByBasis = %v, want %v", first.ByBasis, wantByBasis)
		}
		list := pageAll(devicesdb.RecallPatientQuery{Limit: 50})
		seen := map[string]bool{}
		rank := map[string]int{devices.BasisAffected: 0, devices.BasisPossible: 1, devices.BasisExplanted: 2}
		for i, p := range list {
			if seen[p.Patient.ID] {
				t.Fatalf("patient %s listed twice", p.Patient.Name)
			}
			seen[p.Patient.ID] = true
			if len(p.Devices) != 1 {
				t.Errorf("%s has %d devices, want 1", p.Patient.Name, len(p.Devices))
			}
			if i > 0 {
				q := list[i-1]
				if rank[q.Basis] > rank[p.Basis] || rank[q.Basis] == rank[p.Basis] && q.Patient.Name > p.Patient.Name {
					t.Fatalf("list out of order at %d: %s %s after %s %s", i, p.Basis, p.Patient.Name, q.Basis, q.Patient.Name)
				}
			}
		}
		if len(list) != len(devs) {
			t.Fatalf("paged through %d patients, want %d", len(list), len(devs))
		}
		// Filters.
		if p, err := db.RecallPatients(ctx, org, rc.ID, devicesdb.RecallPatientQuery{Basis: devices.BasisPossible}); err != nil || p.Total != possible {
			t.Errorf("basis possible: %d, %v; want %d", p.Total, err, possible)
		}
		toCheck := pageAll(devicesdb.RecallPatientQuery{Statuses: []string{devices.ActionToCheck}, Limit: 100})
		if len(toCheck) != possible+removed {
			t.Errorf("status to_check: %d, want %d", len(toCheck), possible+removed)
		}
		if _, err := db.RecallPatients(ctx, org, rc.ID, devicesdb.RecallPatientQuery{Statuses: []string{"bogus"}}); apperr.FieldsOf(err)["status"] == "" {
			t.Errorf("bogus status filter: %v, want Invalid status", err)
		}
		if _, err := db.RecallPatients(ctx, other, rc.ID, devicesdb.RecallPatientQuery{}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other organisation lists the patients: %v", err)
		}
		// A bulk change with one patient not in the list changes nothing.
		var ids []string
		for _, p := range toCheck[:possible] {
			ids = append(ids, p.Patient.ID)
		}
		before := storetest.AuditCount(t, st)
		_, err = db.SetRecallActions(ctx, org, rc.ID, devices.RecallActionsInput{PatientIDs: append(slices.Clone(ids), "no-such-patient"), Status: devices.ActionNotAffected})
		if apperr.FieldsOf(err)["patient_ids"] == "" {
			t.Fatalf("bulk with a stranger: %v, want Invalid patient_ids", err)
		}
		if p, _ := db.RecallPatients(ctx, org, rc.ID, devicesdb.RecallPatientQuery{Statuses: []string{devices.ActionNotAffected}}); p.Total != 0 || storetest.AuditCount(t, st) != before {
			t.Fatalf("refused bulk change wrote %d statuses and %d audit entries", p.Total, storetest.AuditCount(t, st)-before)
		}
		if _, err := db.SetRecallActions(ctx, other, rc.ID, devices.RecallActionsInput{PatientIDs: ids, Status: devices.ActionNotAffected}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other organisation changes the statuses: %v", err)
		}
		n, err := db.SetRecallActions(ctx, org, rc.ID, devices.RecallActionsInput{PatientIDs: ids, Status: devices.ActionNotAffected, Note: "Lot checked on the operation note"})
		if err != nil || n != possible {
			t.Fatalf("SetRecallActions = %d, %v; want %d", n, err, possible)
		}
		if got := storetest.AuditCount(t, st) - before; got != 1 {
			t.Errorf("bulk change wrote %d audit entries, want 1", got)
		}
		es, err := st.ListAudit(ctx, store.AuditFilter{OrgID: org, Action: "recall.actions", Limit: 1})
		if err != nil || len(es) != 1 || !strings.Contains(es[0].Summary, ids[0]) || !strings.Contains(es[0].Summary, ids[len(ids)-1]) || !strings.Contains(es[0].Summary, "not_affected") {
			t.Errorf("bulk audit entry = %+v, %v; want one naming every patient and the status", es, err)
		}
		after := pageAll(devicesdb.RecallPatientQuery{Limit: 50})
		for i := range after {
			if after[i].Patient.ID != list[i].Patient.ID {
				t.Fatalf("order changed with the statuses at %d", i)
			}
			if slices.Contains(ids, after[i].Patient.ID) && (after[i].Status != devices.ActionNotAffected || after[i].Note != "Lot checked on the operation note") {
				t.Fatalf("%s: status %s note %q after bulk change", after[i].Patient.Name, after[i].Status, after[i].Note)
			}
		}
		// Closing: the open count is confirmed and a reason given.
		open := affected + removed
		w, err := db.RecallOpenWork(ctx, org, rc.ID)
		if err != nil || w.Total() != open || w.OpenActions != open {
			t.Fatalf("RecallOpenWork = %+v, %v; want %d open", w, err, open)
		}
		rcImplant(t, db, org, len(devs), devices.Device{GTIN: rcGTIN(1), Lot: "l1", Serial: "LATE"}) // recorded since the start
		open++
		for _, c := range []struct {
			in    devices.CloseRecallInput
			field string
		}{
			{devices.CloseRecallInput{}, "confirm_open"},
			{devices.CloseRecallInput{ConfirmOpen: open - 1, Reason: "Handed to the new service"}, "confirm_open"},
			{devices.CloseRecallInput{ConfirmOpen: open}, "reason"},
		} {
			err := db.CloseRecall(ctx, org, rc.ID, c.in)
			if msg := apperr.FieldsOf(err)[c.field]; msg == "" || !strings.Contains(msg, fmt.Sprintf("%d patients", open)) {
				t.Errorf("CloseRecall(%+v) = %v, want a %s message naming %d patients", c.in, err, c.field, open)
			}
		}
		if got, _ := db.Recall(ctx, org, rc.ID); got.Status != "open" {
			t.Fatalf("a refused close left the recall %s", got.Status)
		}
		if err := db.CloseRecall(ctx, other, rc.ID, devices.CloseRecallInput{ConfirmOpen: open, Reason: "x"}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other organisation closes the recall: %v", err)
		}
		if err := db.CloseRecall(ctx, org, rc.ID, devices.CloseRecallInput{ConfirmOpen: open, Reason: "Handed to the new service"}); err != nil {
			t.Fatal(err)
		}
		got, _ := db.Recall(ctx, org, rc.ID)
		if got.Status != "closed" || got.ClosedReason != "Handed to the new service" || got.ClosedAt == nil {
			t.Errorf("closed recall = %+v", got)
		}
		es, err = st.ListAudit(ctx, store.AuditFilter{OrgID: org, Action: "recall.close", Limit: 1})
		if err != nil || len(es) != 1 || !strings.Contains(es[0].Summary, "Handed to the new service") || !strings.Contains(es[0].Summary, fmt.Sprint(open)) {
			t.Errorf("close audit entry = %+v, %v", es, err)
		}
	})
}

// TestRecallNearValuesFound: values that differ from a notice's only in
// case, separators or leading zeros are found by the database, as the
// matcher classifies them.
func TestRecallNearValuesFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		db := devicesdb.New(st)
		org := storetest.Org(t, st, "RN1").ID
		rcImplant(t, db, org, 0,
			devices.Device{GTIN: rcGTIN(1), Lot: "abc-123", Serial: "N0"}, // possible: separator
			devices.Device{GTIN: rcGTIN(1), Lot: "Q", Serial: "sn001"},    // affected: case
			devices.Device{GTIN: rcGTIN(1), Lot: "Q", Serial: "0SN001"},   // possible: leading zero
			devices.Device{GTIN: rcGTIN(2), Lot: "a150", Serial: "N3"},    // affected: range, case
			devices.Device{GTIN: rcGTIN(2), Lot: "0A150", Serial: "N4"},   // possible: range, leading zero
			devices.Device{GTIN: rcGTIN(2), Lot: "A250", Serial: "N5"},    // not affected
			devices.Device{GTIN: rcGTIN(3), Lot: "0120", Serial: "N6"},    // affected: range of ends 0050 to 0150
			devices.Device{GTIN: rcGTIN(3), Lot: "120", Serial: "N7"},     // possible: same without its zero
			devices.Device{GTIN: rcGTIN(3), Lot: "0200", Serial: "N8"},    // not affected
		)
		rc := rcRecall(t, db, org, "FSN-NEAR", rcGTIN(1)+" lots ABC123\n"+rcGTIN(1)+" serials SN001\n"+
			rcGTIN(2)+" lots from A100 to A199\n"+rcGTIN(3)+" lots from 0050 to 0150")
		m, err := db.MatchRecall(ctx, org, rc, 0)
		if err != nil {
			t.Fatal(err)
		}
		var gotA, gotP []string
		for _, p := range m.Patients {
			gotA = append(gotA, p.Patient.Name)
		}
		for _, p := range m.Possible {
			gotP = append(gotP, p.Patient.Name)
		}
		slices.Sort(gotA)
		slices.Sort(gotP)
		wantA := []string{rcName(1), rcName(3), rcName(6)}
		wantP := []string{rcName(0), rcName(2), rcName(4), rcName(7)}
		if !slices.Equal(gotA, wantA) || !slices.Equal(gotP, wantP) {
			t.Errorf("affected %v, possible %v; want %v and %v", gotA, gotP, wantA, wantP)
		}
	})
}

// TestRecallActionsBeforeBasis: actions recorded before patients were
// listed by basis (basis ”) are the affected ones.
func TestRecallActionsBeforeBasis(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		db := devicesdb.New(st)
		org := storetest.Org(t, st, "RB1").ID
		rcImplant(t, db, org, 0, devices.Device{GTIN: rcGTIN(1), Lot: "L1", Serial: "B0"}, devices.Device{GTIN: rcGTIN(1), Serial: "B1"})
		rc := rcRecall(t, db, org, "FSN-OLD", rcGTIN(1)+" lots L1")
		if _, err := db.StartRecallActions(ctx, org, rc.ID); err != nil {
			t.Fatal(err)
		}
		// As a database migrated from before the basis column holds them.
		if _, err := st.SQL().Exec(`UPDATE recall_actions SET basis = '' WHERE basis = 'affected'`); err != nil {
			t.Fatal(err)
		}
		p, err := db.RecallPatients(ctx, org, rc.ID, devicesdb.RecallPatientQuery{Basis: devices.BasisAffected})
		if err != nil || p.Total != 1 || len(p.Patients) != 1 || p.Patients[0].Basis != devices.BasisAffected || p.ByBasis[devices.BasisAffected] != 1 || p.ByBasis[devices.BasisPossible] != 1 {
			t.Errorf("RecallPatients(affected) = %+v, %v; want the one affected patient", p, err)
		}
		all, err := db.RecallActions(ctx, org, rc.ID)
		if err != nil || len(all) != 2 || all[0].Basis != devices.BasisAffected || all[1].Basis != devices.BasisPossible {
			t.Errorf("RecallActions = %+v, %v; want the affected patient first, then the possible one", all, err)
		}
	})
}

// implantIDs lists the implant ids of every device in the patients' lists.
func implantIDs(ps []devicesdb.AffectedPatient) []string {
	var out []string
	for _, p := range ps {
		for _, d := range p.Devices {
			out = append(out, d.ImplantID)
		}
	}
	return out
}

// addImplant records device d, typed by hand unless it says otherwise,
// in a new procedure of test patient n, and returns its id.
func addImplant(t *testing.T, db *devicesdb.DB, org store.OrgID, n int, d devices.Device) string {
	t.Helper()
	p := hxProc(t, db, org, n)
	if d.EntryType == "" {
		d.EntryType = devices.EntryManual
	}
	r, err := db.AddImplant(ctx, org, p.ID, d)
	if err != nil {
		t.Fatalf("AddImplant(%+v): %v", d, err)
	}
	return r.ID
}

// TestHIBCRecallFindsDevicesRecordedWithAGTIN: a recall naming an HIBC
// labeler code and catalogue number lists a device typed by hand with its
// GTIN as well as that labeler code and catalogue number (ManualInput
// keeps all three): the matcher calls it affected, so the patient lists
// must find it. Before, the recall query looked for HIBC rules only among
// devices with no GTIN, so MatchRecall and StartRecallActions never
// listed the patient while the scan page stopped the same device.
func TestHIBCRecallFindsDevicesRecordedWithAGTIN(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		db := devicesdb.New(st)
		org := storetest.Org(t, st, "HRG").ID
		d, err := devices.ManualInput{GTIN: "09521234543213", Labeler: "H123", Catalogue: "HIP22", Serial: "SN9"}.Device()
		if err != nil {
			t.Fatal(err)
		}
		id := addImplant(t, db, org, 1, d)
		rc, err := db.CreateRecall(ctx, org, devices.RecallInput{Reference: "FSN-HRG-1", Kind: "fsn", Issuer: "Northwind", IssuedOn: "2026-11-21",
			Manufacturer: "Northwind Orthopaedics", ActionRequired: "Review the patients", Affects: "H123/HIP22 all"})
		if err != nil {
			t.Fatal(err)
		}
		if lvl, _ := devices.NewMatcher(rc, nil).Classify(devices.RecordedDevice{Device: d}); lvl != devices.MatchAffected {
			t.Fatalf("premise: matcher level = %q; want affected", lvl)
		}
		m, err := db.MatchRecall(ctx, org, rc, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := implantIDs(m.Patients); !slices.Equal(got, []string{id}) {
			t.Errorf("MatchRecall(H123/HIP22 all) affected = %v; want the implant %s (GTIN + H123/HIP22), which the matcher calls affected", got, id)
		}
		if n, err := db.StartRecallActions(ctx, org, rc.ID); err != nil || n != 1 {
			t.Errorf("StartRecallActions(H123/HIP22 all) = %d, %v; want 1 patient added", n, err)
		}
	})
}

// TestREFRecallFindsDevicesWithAnUncataloguedGTIN: a recall "REF <cat>"
// lists a device typed by hand with a GTIN that is not (yet) in the
// catalogue and the manufacturer and catalogue number on its label, and a
// near catalogue number of its own for review. Before, the recall query
// looked only at GTINs whose catalogue entry carries the catalogue number
// and at devices with no GTIN, so such a patient was never listed though
// the matcher calls the device affected.
func TestREFRecallFindsDevicesWithAnUncataloguedGTIN(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		db := devicesdb.New(st)
		org := storetest.Org(t, st, "RFG").ID
		same, err := devices.ManualInput{GTIN: "09521234543213", Manufacturer: "Acme Orthopaedics", Catalogue: "71-345", Lot: "L1"}.Device()
		if err != nil {
			t.Fatal(err)
		}
		near, err := devices.ManualInput{GTIN: rcGTIN(7), Manufacturer: "Acme Orthopaedics", Catalogue: "71345", Lot: "L1"}.Device()
		if err != nil {
			t.Fatal(err)
		}
		other, err := devices.ManualInput{GTIN: rcGTIN(8), Manufacturer: "Acme Orthopaedics", Catalogue: "99-999", Lot: "L1"}.Device()
		if err != nil {
			t.Fatal(err)
		}
		sameID, nearID := addImplant(t, db, org, 2, same), addImplant(t, db, org, 3, near)
		addImplant(t, db, org, 4, other)
		rc := rcRecall(t, db, org, "FSN-RFG-1", "REF 71-345 lots L1")
		if lvl, _ := devices.NewMatcher(rc, nil).Classify(devices.RecordedDevice{Device: same}); lvl != devices.MatchAffected {
			t.Fatalf("premise: matcher level = %q; want affected", lvl)
		}
		m, err := db.MatchRecall(ctx, org, rc, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := implantIDs(m.Patients); !slices.Equal(got, []string{sameID}) {
			t.Errorf("MatchRecall(REF 71-345 lots L1) affected = %v; want the implant %s (GTIN not catalogued, Acme, REF 71-345, lot L1)", got, sameID)
		}
		if got := implantIDs(m.Possible); !slices.Equal(got, []string{nearID}) {
			t.Errorf("MatchRecall(REF 71-345 lots L1) possible = %v; want the implant %s (GTIN not catalogued, Acme, REF 71345, lot L1)", got, nearID)
		}
	})
}

// TestREFRecallWarnsOnTheProcedurePage: a device that a recall's patient
// list shows as affected carries the "Under open recall" warning on the
// procedure and patient pages. Here the recall names a catalogue number
// (REF) that the device's catalogue entry carries. Before, the warnings
// asked each rule on its own, without the recall's manufacturer or the
// device's catalogue entry, so the device was listed in the recall but
// shown to the clinician with no recall warning.
func TestREFRecallWarnsOnTheProcedurePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		db := devicesdb.New(st)
		org := storetest.Org(t, st, "RFW").ID
		if _, err := db.ImportCatalogue(ctx, org, []devices.Product{
			{GTIN: rcGTIN(2), Manufacturer: "Acme Orthopaedics Ltd", Model: "Hip A", DeviceType: 89, CatalogueNumber: "71-345"},
		}); err != nil {
			t.Fatal(err)
		}
		p := hxProc(t, db, org, 61)
		rec, err := db.AddImplant(ctx, org, p.ID, devices.Device{GTIN: rcGTIN(2), Lot: "L1", Serial: "S61", EntryType: devices.EntryManual})
		if err != nil {
			t.Fatal(err)
		}
		rc := rcRecall(t, db, org, "FSN-RFW-1", "REF 71-345 lots L1")
		m, err := db.MatchRecall(ctx, org, rc, 0)
		if err != nil || !slices.Contains(implantIDs(m.Patients), rec.ID) {
			t.Fatalf("premise: MatchRecall affected = %v, %v; want implant %s", implantIDs(m.Patients), err, rec.ID)
		}
		isRecall := func(w devicesdb.Warning) bool { return w.Kind == "recall" && strings.Contains(w.Message, "FSN-RFW-1") }
		pd, err := db.Procedure(ctx, org, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(pd.Implants) != 1 || !slices.ContainsFunc(pd.Implants[0].Warnings, isRecall) {
			t.Errorf("Procedure().Implants = %+v; want one implant with a recall warning for open recall FSN-RFW-1, which lists it as affected", pd.Implants)
		}
		procs, err := db.PatientProcedures(ctx, org, p.PatientID)
		if err != nil {
			t.Fatal(err)
		}
		if len(procs) != 1 || len(procs[0].Implants) != 1 || !slices.ContainsFunc(procs[0].Implants[0].Warnings, isRecall) {
			t.Errorf("PatientProcedures() = %+v; want the implant with a recall warning for FSN-RFW-1", procs)
		}
		// A device recorded after the recall is warned about as it is added.
		p2 := hxProc(t, db, org, 62)
		rec2, err := db.AddImplant(ctx, org, p2.ID, devices.Device{GTIN: rcGTIN(2), Lot: "L1", Serial: "S62", EntryType: devices.EntryManual})
		if err != nil || !slices.ContainsFunc(rec2.Warnings, isRecall) {
			t.Errorf("AddImplant(REF 71-345, lot L1) warnings = %+v, %v; want a recall warning for FSN-RFW-1", rec2.Warnings, err)
		}
	})
}
