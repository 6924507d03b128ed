package eventsdb_test

import (
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// triageWorld is a trust with two systems (a CSO for each), a supplier
// organisation with its own CSO and system, and a handler.
type triageWorld struct {
	ev                        *eventsdb.DB
	rk                        *riskdb.DB
	trust, supplier           store.Org
	nurse, cso, cso2, handler store.User
	supCSO                    store.User
	sys, sys2, supSys         riskdb.System
}

func newTriageWorld(t *testing.T, st *store.DB) triageWorld {
	t.Helper()
	st.SetClock(func() time.Time { return storetest.FixedTime })
	w := triageWorld{ev: eventsdb.New(st), rk: riskdb.New(st)}
	w.trust = storetest.Org(t, st, "TAA")
	var err error
	if w.supplier, err = st.CreateOrg(storetest.Operator, store.Org{ODSCode: "SUP1", Name: "Meridian Clinical Software Ltd", Kind: "supplier"}); err != nil {
		t.Fatal(err)
	}
	w.nurse = storetest.User(t, st, w.trust, "nurse@t.test", auth.Reporter)
	w.cso = storetest.User(t, st, w.trust, "cso@t.test", auth.CSO)
	w.cso2 = storetest.User(t, st, w.trust, "cso2@t.test", auth.CSO)
	w.handler = storetest.User(t, st, w.trust, "handler@t.test", auth.Handler)
	w.supCSO = storetest.User(t, st, w.supplier, "cso@sup.test", auth.CSO)
	mk := func(org store.Org, name, maker string, std risk.Standard, cso store.User) riskdb.System {
		s, err := w.rk.CreateSystem(storetest.Operator, org.ID, riskdb.System{Name: name, Manufacturer: maker, IntendedUse: "Care", Standard: std, CSOs: []riskdb.Person{{ID: cso.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	w.sys = mk(w.trust, "ePMA", "Meridian Clinical Software", risk.DCB0160, w.cso)
	w.sys2 = mk(w.trust, "PAS", "Other Co", risk.DCB0160, w.cso2)
	w.supSys = mk(w.supplier, "Meridian ePMA", "Meridian Clinical Software Ltd", risk.DCB0129, w.supCSO)
	return w
}

func (w triageWorld) report(t *testing.T, rec events.Record) eventsdb.Event {
	t.Helper()
	e, err := w.ev.Report(storetest.As(w.nurse), w.trust.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: w.nurse.ID})
	if err != nil {
		t.Fatalf("report: %v %v", err, apperr.FieldsOf(err))
	}
	return e
}

func TestTriageRoutingLinksAndLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newTriageWorld(t, st)
		rec := incident(w.sys.ID)
		rec.Answers[events.AnsITProblem] = []string{"The list was not refreshed after the night run\nmore detail"}
		e1 := w.report(t, rec)
		e2 := w.report(t, incident(w.sys2.ID))
		plain := incident(w.sys.ID)
		plain.Answers[events.AnsAgents] = []string{"13"}
		w.report(t, plain) // not an IT incident: routed to no CSO
		cso, cso2, handler := storetest.As(w.cso), storetest.As(w.cso2), storetest.As(w.handler)

		// Routing: each CSO sees the incidents of their own systems; a
		// handler sees all IT incidents.
		got, err := w.ev.Triage(cso, w.trust.ID, false, 0)
		if err != nil || len(got) != 1 || got[0].ID != e1.ID || got[0].SystemName != "ePMA" {
			t.Fatalf("CSO's triage = %+v, %v; want only %s", got, err, e1.Ref)
		}
		if got, _ := w.ev.Triage(handler, w.trust.ID, true, 0); len(got) != 2 {
			t.Errorf("handler's triage has %d incidents, want the 2 IT incidents", len(got))
		}
		if n, _ := w.ev.TriageCount(cso, w.trust.ID, w.cso.ID); n != 1 {
			t.Errorf("TriageCount = %d, want 1", n)
		}
		if _, err := w.ev.TriageEvent(cso2, w.trust.ID, false, e1.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another system's CSO reads %s: %v, want NotFound", e1.Ref, err)
		}

		// Link to an existing hazard of the system, not of another.
		hz, err := w.rk.CreateHazard(cso, w.trust.ID, w.sys.ID, storetest.SampleHazard("Stale results"))
		if err != nil {
			t.Fatal(err)
		}
		other, err := w.rk.CreateHazard(cso2, w.trust.ID, w.sys2.ID, storetest.SampleHazard("PAS hazard"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.ev.LinkHazard(cso, w.trust.ID, e1.ID, other.ID, ""); apperr.FieldsOf(err)["hazard_id"] == "" {
			t.Errorf("link to another system's hazard: %v, want a message on hazard_id", err)
		}
		if _, err := w.ev.LinkHazard(cso, w.trust.ID, e1.ID, hz.ID, "Same fault as before"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.ev.LinkHazard(cso, w.trust.ID, e1.ID, hz.ID, ""); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("second link: %v, want Conflict", err)
		}
		if n, _ := w.ev.TriageCount(cso, w.trust.ID, w.cso.ID); n != 0 {
			t.Errorf("TriageCount after linking = %d, want 0", n)
		}

		// Raise a new hazard prefilled from the event, linked in the same
		// transaction; a hazard the rules refuse leaves nothing behind.
		h := eventsdb.HazardFromEvent(e1)
		if h.Name != "The list was not refreshed after the night run" || !strings.Contains(h.Description, "ward round list") ||
			len(h.Causes) != 1 || h.Causes[0] != "It was faulty or malfunctioned" {
			t.Errorf("HazardFromEvent = %+v", h)
		}
		before := storetest.AuditCount(t, st)
		if _, err := w.ev.RaiseHazard(cso, w.trust.ID, e1.ID, h, ""); apperr.FieldsOf(err)["initial_severity"] == "" {
			t.Errorf("hazard without ratings: %v %v, want a message on initial_severity", err, apperr.FieldsOf(err))
		}
		if storetest.AuditCount(t, st) != before {
			t.Error("a refused new hazard wrote audit entries")
		}
		h.InitialSeverity, h.InitialLikelihood = risk.Considerable, risk.Low
		nh, err := w.ev.RaiseHazard(cso, w.trust.ID, e1.ID, h, "")
		if err != nil {
			t.Fatalf("RaiseHazard: %v %v", err, apperr.FieldsOf(err))
		}
		links, err := w.ev.EventHazards(cso, w.trust.ID, e1.ID)
		if err != nil || len(links) != 2 || links[1].HazardID != nh.ID {
			t.Fatalf("EventHazards = %+v, %v; want the linked and the new hazard", links, err)
		}
		log, err := w.ev.HazardEvents(cso, w.trust.ID, nh.ID)
		if err != nil || len(log) != 1 || log[0].Ref != e1.Ref || log[0].Harm != "4" {
			t.Fatalf("HazardEvents = %+v, %v", log, err)
		}
		if _, err := w.ev.HazardEvents(storetest.As(w.supCSO), w.supplier.ID, nh.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another organisation's hazard log: %v, want NotFound", err)
		}

		// Unlink keeps the history.
		if err := w.ev.UnlinkHazard(cso, w.trust.ID, e1.ID, hz.ID); err != nil {
			t.Fatal(err)
		}
		if err := w.ev.UnlinkHazard(cso, w.trust.ID, e1.ID, hz.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("second unlink: %v, want NotFound", err)
		}
		links, _ = w.ev.EventHazards(cso, w.trust.ID, e1.ID)
		if len(links) != 2 || links[0].RemovedAt == nil || links[1].RemovedAt != nil {
			t.Errorf("after unlink = %+v, want the old link kept as removed", links)
		}
		if log, _ := w.ev.HazardEvents(cso, w.trust.ID, hz.ID); len(log) != 0 {
			t.Errorf("unlinked hazard's log = %+v, want empty", log)
		}

		// The likelihood prompt: three links since the last change, or one
		// with moderate harm.
		if eventsdb.LikelihoodReview(log, time.Time{}) {
			t.Error("prompt with one low-harm event")
		}
		three := []eventsdb.LoggedEvent{{Harm: "4", LinkedAt: storetest.FixedTime}, {Harm: "5", LinkedAt: storetest.FixedTime}, {Harm: "4", LinkedAt: storetest.FixedTime}}
		if !eventsdb.LikelihoodReview(three, time.Time{}) || eventsdb.LikelihoodReview(three, storetest.FixedTime) {
			t.Error("three links: want a prompt when linked after the last change, none when not")
		}
		if !eventsdb.LikelihoodReview([]eventsdb.LoggedEvent{{Harm: "3"}}, storetest.FixedTime) {
			t.Error("moderate harm: want a prompt")
		}

		// The system's log lists every incident naming it, with hazards.
		sl, err := w.ev.SystemEvents(cso, w.trust.ID, w.sys.ID)
		if err != nil || len(sl) != 1 || sl[0].Ref != e1.Ref || len(sl[0].Hazards) != 1 || sl[0].Hazards[0] != nh.Ref {
			t.Fatalf("SystemEvents = %+v, %v", sl, err)
		}
		if _, err := w.ev.SystemEvents(cso, w.supplier.ID, w.sys.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another organisation's system log: %v, want NotFound", err)
		}
		_ = e2
		if f := storetest.Findings(t, st); len(f) != 0 {
			t.Errorf("deep audit check: %v", f)
		}
	})
}

func TestShareWithSupplier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newTriageWorld(t, st)
		e := w.report(t, incident(w.sys.ID))
		cso, sup := storetest.As(w.cso), storetest.As(w.supCSO)
		sups, match, err := w.ev.SupplierOrgs(cso, w.trust.ID, w.sys)
		if err != nil || !match || len(sups) != 1 || sups[0].ID != w.supplier.ID {
			t.Fatalf("SupplierOrgs = %v %v %v, want the manufacturer's organisation", sups, match, err)
		}
		in := eventsdb.ShareInput{ToOrg: w.supplier.ID, Description: "Patient 943 476 5919 saw stale results", ConsentBy: "Dr C Guardian, Caldicott Guardian",
			ConsentBasis: "caldicott", ConsentedOn: "2026-11-24"}
		if _, err := w.ev.ShareEvent(cso, w.trust.ID, e.ID, in); apperr.FieldsOf(err)["description"] == "" {
			t.Errorf("share with an NHS number: %v, want a message on description", err)
		}
		bad := in
		bad.Description, bad.ConsentBasis, bad.ConsentedOn, bad.ToOrg = "ok", "zz", "2027-01-01", w.trust.ID
		fs := apperr.FieldsOf(func() error { _, err := w.ev.ShareEvent(cso, w.trust.ID, e.ID, bad); return err }())
		if fs["consent_basis"] == "" || fs["consented_on"] == "" {
			t.Errorf("bad share fields = %v", fs)
		}
		if _, err := w.ev.ShareEvent(cso, w.trust.ID, e.ID, bad); err == nil {
			t.Error("sharing with oneself succeeded")
		}
		in.Description = "The ward round list showed the previous day's results after the overnight refresh failed."
		sh, err := w.ev.ShareEvent(cso, w.trust.ID, e.ID, in)
		if err != nil {
			t.Fatalf("share: %v %v", err, apperr.FieldsOf(err))
		}
		if sh.OccurredMonth != "2026-11" || sh.SystemName != "ePMA" || sh.Harm != "4" || len(sh.ITFactors) != 1 || sh.FromOrg != w.trust.Name {
			t.Errorf("share = %+v", sh)
		}
		if _, err := w.ev.ShareEvent(cso, w.trust.ID, e.ID, in); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("second share: %v, want Conflict", err)
		}
		// The supplier sees the share, never the trust's event.
		list, err := w.ev.SharedWith(sup, w.supplier.ID)
		if err != nil || len(list) != 1 || list[0].ID != sh.ID {
			t.Fatalf("SharedWith = %+v, %v", list, err)
		}
		if _, err := w.ev.Get(sup, w.supplier.ID, e.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("supplier reads the trust's event: %v, want NotFound", err)
		}
		if _, err := w.ev.SharedEvent(cso, w.trust.ID, sh.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("share read as another organisation: %v, want NotFound", err)
		}
		hz, err := w.rk.CreateHazard(sup, w.supplier.ID, w.supSys.ID, storetest.SampleHazard("Stale chart"))
		if err != nil {
			t.Fatal(err)
		}
		trustHz, err := w.rk.CreateHazard(cso, w.trust.ID, w.sys.ID, storetest.SampleHazard("Trust hazard"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.ev.LinkShare(sup, w.supplier.ID, sh.ID, trustHz.ID, ""); apperr.FieldsOf(err)["hazard_id"] == "" {
			t.Errorf("supplier links the trust's hazard: %v, want a message on hazard_id", err)
		}
		if _, err := w.ev.LinkShare(sup, w.supplier.ID, sh.ID, hz.ID, "Known defect"); err != nil {
			t.Fatal(err)
		}
		log, err := w.ev.HazardEvents(sup, w.supplier.ID, hz.ID)
		if err != nil || len(log) != 1 || log[0].ShareID != sh.ID || log[0].SharedBy != w.trust.Name || log[0].Date != "2026-11" || log[0].EventID != "" {
			t.Fatalf("supplier's hazard log = %+v, %v", log, err)
		}
		sl, err := w.ev.SystemEvents(sup, w.supplier.ID, w.supSys.ID)
		if err != nil || len(sl) != 1 || sl[0].ShareID != sh.ID || len(sl[0].Hazards) != 1 {
			t.Errorf("supplier's system log = %+v, %v", sl, err)
		}
		if err := w.ev.UnlinkShare(sup, w.supplier.ID, sh.ID, hz.ID); err != nil {
			t.Fatal(err)
		}
		if f := storetest.Findings(t, st); len(f) != 0 {
			t.Errorf("deep audit check: %v", f)
		}
	})
}

func TestEventDevicesAndImplants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newTriageWorld(t, st)
		dev := devicesdb.New(st)
		ctx := storetest.As(w.handler)
		proc, err := dev.CreateProcedure(storetest.Operator, w.trust.ID, devices.PatientInput{NHSNumber: "9434765919", Name: "Ada Patient", BirthDate: "1950-01-02"},
			devices.ProcedureInput{PerformedOn: "2026-11-20", Site: "Theatre 2", Laterality: "right", Clinician: "Mr B", Description: "Knee"})
		if err != nil {
			t.Fatal(err)
		}
		gtin := "05099990000010"
		imp, err := dev.AddImplant(storetest.Operator, w.trust.ID, proc.ID, devices.Device{GTIN: gtin, Lot: "LOT7", Serial: "SER1", EntryType: devices.EntryBarcode})
		if err != nil {
			t.Fatal(err)
		}
		rec := events.Record{Type: events.Incident, Answers: events.Answers{
			events.AnsDescription: {"The knee implant loosened"}, events.AnsWhenKind: {"exact"}, events.AnsDate: {"2026-11-23"}, events.AnsTime: {"08:40"},
			events.AnsLocation: {"Ward 7"}, events.AnsServiceArea: {"acute"}, events.AnsAgents: {events.AgentDevice},
			events.AnsPatientsSaid: {"n"}, events.AnsConcern: {"3"}, events.AnsDataSharing: {events.DataShare},
		}, Groups: map[string][]events.Answers{events.GroupDevices: {
			{events.DevBarcode: {"(01)" + gtin + "(17)271231(10)LOT7(21)SER1"}, events.DevFactors: {"1"}},
			{events.DevBarcode: {"not a barcode"}, events.DevFactors: {"1"}},
		}}}
		e := w.report(t, rec)
		ds, err := w.ev.EventDevices(ctx, w.trust.ID, e)
		if err != nil || len(ds) != 2 {
			t.Fatalf("EventDevices = %+v, %v", ds, err)
		}
		if ds[0].GTIN != gtin || ds[0].Lot != "LOT7" || ds[0].Serial != "SER1" || ds[0].Expiry != "2027-12-31" || len(ds[0].Candidates) != 1 || ds[0].Candidates[0].ID != imp.ID {
			t.Errorf("device 1 = %+v, want the barcode read and the implant found", ds[0])
		}
		if ds[0].Candidates[0].PatientName != "" {
			t.Error("the candidate implant carries the patient's name")
		}
		if ds[1].BarcodeProblem == "" || ds[1].GTIN != "" {
			t.Errorf("device 2 = %+v, want the barcode's problem", ds[1])
		}
		if _, err := w.ev.LinkImplant(ctx, w.trust.ID, e.ID, 1, imp.ID); apperr.FieldsOf(err)["implant_id"] == "" {
			t.Errorf("linking a device that is not the implant: %v", err)
		}
		if _, err := w.ev.LinkImplant(ctx, w.trust.ID, e.ID, 5, imp.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("device 6 of 2: %v, want NotFound", err)
		}
		if _, err := w.ev.LinkImplant(ctx, w.trust.ID, e.ID, 0, imp.ID); err != nil {
			t.Fatal(err)
		}
		for _, q := range [][2]string{{gtin, "SER1"}, {gtin, ""}} {
			if got, err := w.ev.DeviceEvents(ctx, w.trust.ID, q[0], q[1]); err != nil || len(got) != 1 || got[0].Ref != e.Ref {
				t.Errorf("DeviceEvents(%v) = %+v, %v", q, got, err)
			}
		}
		if got, _ := w.ev.DeviceEvents(ctx, w.supplier.ID, gtin, ""); len(got) != 0 {
			t.Errorf("another organisation's device events = %+v", got)
		}
		if got, _ := w.ev.ProductEvents(ctx, w.trust.ID, []string{"05099990000027", gtin}); len(got) != 1 {
			t.Errorf("ProductEvents = %+v", got)
		}
		for _, bad := range []string{"", "has space", "a--b", strings.Repeat("A", 41), "<script>"} {
			if _, err := w.ev.SetYellowCard(ctx, w.trust.ID, e.ID, 0, bad); apperr.FieldsOf(err)["yellow_card"] == "" {
				t.Errorf("Yellow Card %q: %v, want a message", bad, err)
			}
		}
		if ref, err := w.ev.SetYellowCard(ctx, w.trust.ID, e.ID, 0, "yc-2026-0042"); err != nil || ref != "YC-2026-0042" {
			t.Fatalf("SetYellowCard = %q, %v", ref, err)
		}
		ds, _ = w.ev.EventDevices(ctx, w.trust.ID, e)
		if ds[0].Implant == nil || ds[0].Implant.ImplantID != imp.ID || ds[0].YellowCard != "YC-2026-0042" {
			t.Errorf("device 1 after linking = %+v", ds[0])
		}
		if f := storetest.Findings(t, st); len(f) != 0 {
			t.Errorf("deep audit check: %v", f)
		}
	})
}
