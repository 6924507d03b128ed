package devicesdb_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/gs1"
	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/nhsnumber"
)

// rcGTIN returns a valid GTIN-14 ending in n.
func rcGTIN(n int) string {
	data := fmt.Sprintf("0501299%06d", n)
	c, err := gs1.CheckDigit(data)
	if err != nil {
		panic(err)
	}
	return data + string(c)
}

// rcPatient returns the n-th patient of these tests, with a valid NHS number.
func rcPatient(n int) devices.PatientInput {
	nhs := ""
	for i := n * 10; ; i++ {
		nine := fmt.Sprintf("998%06d", i%1000000)
		if c, ok, err := nhsnumber.CheckDigit(nine); err == nil && ok {
			nhs = nine + string(c)
			break
		}
	}
	return devices.PatientInput{NHSNumber: nhs, Name: fmt.Sprintf("Patient %04d", n), BirthDate: "1960-05-01", Address: "1 High Street", Postcode: "LS1 4AP"}
}

var rcProc = devices.ProcedureInput{PerformedOn: "2026-11-20", Site: "Theatre 3", Laterality: "left", Clinician: "Ms A Surgeon", Description: "Hip replacement"}

// rcImplant records one procedure per device, patient n for devs[n].
func rcImplant(t *testing.T, db *devicesdb.DB, org store.OrgID, from int, devs ...devices.Device) {
	t.Helper()
	var recs []devicesdb.BulkRecord
	for i, d := range devs {
		if d.EntryType == "" {
			d.EntryType = devices.EntryManual
		}
		recs = append(recs, devicesdb.BulkRecord{Patient: rcPatient(from + i), Procedure: rcProc, Devices: []devices.Device{d}})
	}
	if _, err := db.ImportImplants(ctx, org, slices.Values(recs)); err != nil {
		t.Fatalf("ImportImplants: %v", err)
	}
}

func rcRecall(t *testing.T, db *devicesdb.DB, org store.OrgID, ref, affects string) devices.Recall {
	t.Helper()
	rc, err := db.CreateRecall(ctx, org, devices.RecallInput{Reference: ref, Kind: "fsn", Issuer: "Acme", IssuedOn: "2026-11-01",
		Manufacturer: "Acme Orthopaedics", ActionRequired: "Review the patients", Affects: affects})
	if err != nil {
		t.Fatalf("CreateRecall(%q): %v", affects, err)
	}
	return rc
}

// TestCloseRecallWithOpenActionsIsRefused: a recall whose patients still
// have work to do cannot be closed by a plain status change.
func TestCloseRecallWithOpenActionsIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		db := devicesdb.New(st)
		org := storetest.Org(t, st, "RC1").ID
		rcImplant(t, db, org, 0, devices.Device{GTIN: rcGTIN(1), Lot: "L1"}, devices.Device{GTIN: rcGTIN(1), Lot: "L2"})
		rc := rcRecall(t, db, org, "FSN-1", rcGTIN(1)+" all")
		if n, err := db.StartRecallActions(ctx, org, rc.ID); err != nil || n != 2 {
			t.Fatalf("StartRecallActions = %d, %v", n, err)
		}
		err := db.SetRecallStatus(ctx, org, rc.ID, "closed")
		if !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("closing with 2 open actions: %v, want Invalid", err)
		}
		if got, _ := db.Recall(ctx, org, rc.ID); got.Status != "open" {
			t.Errorf("status after refused close = %q, want open", got.Status)
		}
	})
}

// TestMatchRecallFoldsCase: the database matches a lot typed in another
// case, as the Go rule does.
func TestMatchRecallFoldsCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		db := devicesdb.New(st)
		org := storetest.Org(t, st, "RC2").ID
		rcImplant(t, db, org, 0, devices.Device{GTIN: rcGTIN(1), Lot: "ABC123"}, devices.Device{GTIN: rcGTIN(1), Serial: "sn-9"})
		rc := rcRecall(t, db, org, "FSN-2", rcGTIN(1)+" lots abc123\n"+rcGTIN(1)+" serials SN-9")
		m, err := db.MatchRecall(ctx, org, rc, 0)
		if err != nil || len(m.Patients) != 2 {
			t.Fatalf("MatchRecall = %d patients, %v; want 2", len(m.Patients), err)
		}
	})
}

// TestAffectedDeviceAfterNotAffectedReopensRecallWork: a patient checked
// and marked "not affected" on a near lot who then receives a device of a
// recalled lot is open recall work again: counted as open at once (so the
// recall cannot close without confirmation), and, when the recall is
// matched again, their action's basis is raised to affected and their
// work restarts at "to contact", audited. Before, matching again skipped
// every patient with an action and the open work counted only unfinished
// actions, so the patient kept a finished action on basis "possible", the
// recall closed without confirmation and they were never contacted.
func TestAffectedDeviceAfterNotAffectedReopensRecallWork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		db := devicesdb.New(st)
		org := storetest.Org(t, st, "RRO").ID
		addImplant(t, db, org, 71, devices.Device{GTIN: rcGTIN(1), Lot: "0L7", Serial: "S71"}) // near lot: possible
		rc := rcRecall(t, db, org, "FSN-RRO-1", rcGTIN(1)+" lots L7")
		if n, err := db.StartRecallActions(ctx, org, rc.ID); err != nil || n != 1 {
			t.Fatalf("StartRecallActions = %d, %v; want 1", n, err)
		}
		as, err := db.RecallActions(ctx, org, rc.ID)
		if err != nil || len(as) != 1 || as[0].Basis != devices.BasisPossible {
			t.Fatalf("RecallActions = %+v, %v; want one patient, possibly affected", as, err)
		}
		if err := db.SetRecallAction(ctx, org, rc.ID, as[0].Patient.ID, devices.ActionNotAffected, "lot 0L7 checked with the manufacturer"); err != nil {
			t.Fatal(err)
		}
		if w, err := db.RecallOpenWork(ctx, org, rc.ID); err != nil || w.Total() != 0 {
			t.Fatalf("premise: RecallOpenWork after not affected = %+v, %v; want none open", w, err)
		}
		// The same patient (same NHS number) has a revision with a device of the recalled lot.
		p2 := hxProc(t, db, org, 71)
		if _, err := db.AddImplant(ctx, org, p2.ID, devices.Device{GTIN: rcGTIN(1), Lot: "L7", Serial: "S72", EntryType: devices.EntryManual}); err != nil {
			t.Fatal(err)
		}
		if w, err := db.RecallOpenWork(ctx, org, rc.ID); err != nil || w.Raised != 1 || w.Total() != 1 {
			t.Errorf("RecallOpenWork before matching again = %+v, %v; want the patient now affected counted open (raised 1)", w, err)
		}
		if err := db.CloseRecall(ctx, org, rc.ID, devices.CloseRecallInput{}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("CloseRecall without confirmation = %v; want Invalid while a patient with an affected implant has never been contacted", err)
		}
		started, err := db.StartRecallWork(ctx, org, rc.ID)
		if err != nil || started != (devicesdb.RecallStart{Reopened: 1}) {
			t.Fatalf("StartRecallWork after the affected device = %+v, %v; want 1 reopened", started, err)
		}
		as, err = db.RecallActions(ctx, org, rc.ID)
		if err != nil || len(as) != 1 || as[0].Basis != devices.BasisAffected || as[0].Status != devices.ActionToContact || as[0].Note != "lot 0L7 checked with the manufacturer" {
			t.Errorf("RecallActions after matching again = %+v, %v; want the patient affected, to contact, note kept", as, err)
		}
		w, err := db.RecallOpenWork(ctx, org, rc.ID)
		if err != nil || w != (devicesdb.OpenWork{OpenActions: 1}) {
			t.Errorf("RecallOpenWork after matching again = %+v, %v; want one open action", w, err)
		}
		if summary := ptLastAudit(t, st, "recall.match"); !strings.Contains(summary, "patients_reopened: 1") || !strings.Contains(summary, as[0].Patient.ID+" (possible not_affected to affected to_contact)") {
			t.Errorf("recall.match audit summary = %q; want the reopened patient named with the basis and status before and after", summary)
		}
		if err := db.CloseRecall(ctx, org, rc.ID, devices.CloseRecallInput{}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("CloseRecall without confirmation after reopening = %v; want Invalid", err)
		}
		// Nothing more serious is found again: nothing changes.
		if started, err := db.StartRecallWork(ctx, org, rc.ID); err != nil || started != (devicesdb.RecallStart{}) {
			t.Errorf("StartRecallWork again = %+v, %v; want nothing added or reopened", started, err)
		}
	})
}
