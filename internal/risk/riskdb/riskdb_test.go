package riskdb_test

import (
	"fmt"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

func TestRiskSystemsAndHazards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		a, b := storetest.Org(t, st, "RAA"), storetest.Org(t, st, "RBB")
		cso := storetest.User(t, st, a, "cso@a.test", auth.CSO)
		handler := storetest.User(t, st, a, "h@a.test", auth.Handler)
		bcso := storetest.User(t, st, b, "cso@b.test", auth.CSO)

		// Bad input: per-field messages and nothing saved.
		_, err := riskdb.New(st).CreateSystem(storetest.Operator, a.ID, riskdb.System{Standard: "DCB9999", CSOs: []riskdb.Person{{ID: handler.ID}}})
		fs := apperr.FieldsOf(err)
		for _, k := range []string{"name", "manufacturer", "intended_use", "standard", "csos"} {
			if fs[k] == "" {
				t.Errorf("CreateSystem(bad): no message for %s in %v", k, fs)
			}
		}
		sys, err := riskdb.New(st).CreateSystem(storetest.Operator, a.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing",
			Standard: risk.DCB0160, Phases: []string{"Build", "", "Go-live"}, CSOs: []riskdb.Person{{ID: cso.ID}},
			Releases: []riskdb.Release{{Version: "4.2", Date: storetest.FixedTime}}})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := riskdb.New(st).System(storetest.Operator, a.ID, sys.ID); len(got.Phases) != 2 || len(got.CSOs) != 1 || got.LatestRelease() != "4.2" {
			t.Errorf("System = %+v, want 2 phases, 1 CSO, release 4.2", got)
		}
		if _, err := riskdb.New(st).System(storetest.Operator, b.ID, sys.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("System from org B: %v, want NotFound", err)
		}
		if _, err := riskdb.New(st).CreateHazard(storetest.Operator, b.ID, sys.ID, storetest.SampleHazard("x")); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("CreateHazard in org B's name: %v, want NotFound", err)
		}

		h1, err := riskdb.New(st).CreateHazard(storetest.Operator, a.ID, sys.ID, storetest.SampleHazard("Wrong dose"))
		if err != nil {
			t.Fatal(err)
		}
		h2, err := riskdb.New(st).CreateHazard(storetest.Operator, a.ID, sys.ID, storetest.SampleHazard("Wrong patient"))
		if err != nil {
			t.Fatal(err)
		}
		if h1.Ref != "HAZ-001" || h2.Ref != "HAZ-002" {
			t.Errorf("refs %s %s, want HAZ-001 HAZ-002", h1.Ref, h2.Ref)
		}
		got, err := riskdb.New(st).Hazard(storetest.Operator, a.ID, h1.ID)
		if err != nil || len(got.Causes) != 2 || len(got.Controls) != 2 || len(got.Actions) != 1 || got.Controls[1].Side != risk.Deployer {
			t.Errorf("Hazard = %+v, %v", got, err)
		}
		if _, err := riskdb.New(st).Hazard(storetest.Operator, b.ID, h1.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("Hazard from org B: %v, want NotFound", err)
		}

		// Bad hazards: categories, status and the status rules.
		bad := storetest.SampleHazard("")
		bad.InitialSeverity, bad.Status = 9, "maybe"
		_, err = riskdb.New(st).CreateHazard(storetest.Operator, a.ID, sys.ID, bad)
		fs = apperr.FieldsOf(err)
		for _, k := range []string{"name", "initial_severity", "status"} {
			if fs[k] == "" {
				t.Errorf("CreateHazard(bad): no message for %s in %v", k, fs)
			}
		}
		closed := got.Hazard
		closed.Status = risk.Closed
		if _, err := riskdb.New(st).UpdateHazard(storetest.Operator, a.ID, closed); apperr.FieldsOf(err)["status"] == "" {
			t.Errorf("closing with an open action: %v, want a status message", err)
		}
		// A residual 4 needs a justification recorded by a CSO.
		high := got.Hazard
		high.ResidualSeverity, high.ResidualLikelihood = risk.Major, risk.High
		if _, err := riskdb.New(st).UpdateHazard(storetest.Operator, a.ID, high); apperr.FieldsOf(err)["risk_benefit"] == "" {
			t.Errorf("residual 4 without justification: %v, want risk_benefit message", err)
		}
		// The justification's author is who is acting, never what the
		// caller writes into the record: naming the CSO does not help a
		// handler, nor another organisation's CSO.
		high.RiskBenefit = risk.RiskBenefit{Justification: "Benefit outweighs", ByUserID: cso.ID, ByName: cso.Name, At: storetest.FixedTime}
		if _, err := riskdb.New(st).UpdateHazard(storetest.As(handler), a.ID, high); apperr.FieldsOf(err)["risk_benefit"] == "" {
			t.Errorf("justification by a handler naming the CSO: %v, want risk_benefit message", err)
		}
		if _, err := riskdb.New(st).UpdateHazard(storetest.As(bcso), a.ID, high); apperr.FieldsOf(err)["risk_benefit"] == "" {
			t.Errorf("justification by another org's CSO: %v, want risk_benefit message", err)
		}
		high.RiskBenefit = risk.RiskBenefit{Justification: "Benefit outweighs", ByUserID: handler.ID, ByName: "Someone else"}
		upd, err := riskdb.New(st).UpdateHazard(storetest.As(cso), a.ID, high)
		if err != nil {
			t.Fatal(err)
		}
		if upd.Version != 2 {
			t.Errorf("version after edit %d, want 2", upd.Version)
		}
		if rb := upd.RiskBenefit; rb.ByUserID != cso.ID || rb.ByName != cso.Name || !rb.At.Equal(st.Now()) {
			t.Errorf("justification recorded as %+v, want by the acting CSO %s now", rb, cso.ID)
		}
		// A stale edit is a conflict.
		stale := got.Hazard
		stale.Name = "Stale"
		if _, err := riskdb.New(st).UpdateHazard(storetest.Operator, a.ID, stale); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale edit: %v, want Conflict", err)
		}
		// Marking the action done, then saving again without its date,
		// keeps the first completion date and records no change.
		done := upd.Hazard
		done.Actions[0].Done = true
		if upd, err = riskdb.New(st).UpdateHazard(storetest.As(cso), a.ID, done); err != nil {
			t.Fatal(err)
		}
		again := upd.Hazard
		again.Actions[0].DoneAt = time.Time{}
		if upd2, err := riskdb.New(st).UpdateHazard(storetest.As(cso), a.ID, again); err != nil || upd2.Version != upd.Version || !upd2.Actions[0].DoneAt.Equal(upd.Actions[0].DoneAt) {
			t.Errorf("re-save of a done action: version %d → %d, %v", upd.Version, upd2.Version, err)
		}
		undone := upd.Hazard
		undone.Actions[0].Done, undone.Actions[0].DoneAt = false, time.Time{}
		if _, err := riskdb.New(st).UpdateHazard(storetest.As(cso), a.ID, undone); err != nil {
			t.Fatal(err)
		}
		hist, err := riskdb.New(st).HazardHistory(storetest.Operator, a.ID, h1.ID)
		if err != nil || len(hist) != 4 || hist[0].ChangedBy != cso.Name || len(hist[0].Changes) == 0 {
			t.Fatalf("history = %+v, %v", hist, err)
		}
		if _, err := riskdb.New(st).HazardHistory(storetest.Operator, b.ID, h1.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("history from org B: %v", err)
		}

		od, err := riskdb.New(st).OverdueActions(storetest.Operator, a.ID, "")
		if err != nil || len(od) != 2 {
			t.Errorf("OverdueActions = %d, %v; want 2", len(od), err)
		}
		if od, _ := riskdb.New(st).OverdueActions(storetest.Operator, b.ID, ""); len(od) != 0 {
			t.Errorf("org B sees %d overdue actions", len(od))
		}
		list, err := riskdb.New(st).ListSystems(storetest.Operator, a.ID)
		if err != nil || len(list) != 1 || list[0].Hazards != 2 || list[0].OverdueActions != 2 {
			t.Errorf("ListSystems = %+v, %v", list, err)
		}
	})
}

func TestIssuedLogIsImmutable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		a, b := storetest.Org(t, st, "RAA"), storetest.Org(t, st, "RBB")
		cso := storetest.User(t, st, a, "cso@a.test", auth.CSO)
		admin := storetest.User(t, st, a, "admin@a.test", auth.Admin)
		sys, err := riskdb.New(st).CreateSystem(storetest.Operator, a.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing", Standard: risk.DCB0129})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := riskdb.New(st).IssueLog(storetest.As(cso), a, sys.ID, "", storetest.Signer(t, st, cso)); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("issuing an empty log: %v, want Invalid", err)
		}
		h, err := riskdb.New(st).CreateHazard(storetest.Operator, a.ID, sys.ID, storetest.SampleHazard("Wrong dose"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := riskdb.New(st).IssueLog(storetest.As(admin), a, sys.ID, "", storetest.Signer(t, st, admin)); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("admin approving: %v, want Forbidden", err)
		}
		if _, err := riskdb.New(st).IssueCSCR(storetest.As(cso), a, sys.ID, storetest.Signer(t, st, cso)); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("report before an issued log: %v, want Invalid", err)
		}
		before := storetest.AuditCount(t, st)
		v1, err := riskdb.New(st).IssueLog(storetest.As(cso), a, sys.ID, "First issue", storetest.Signer(t, st, cso))
		if err != nil {
			t.Fatal(err)
		}
		if storetest.AuditCount(t, st) != before+1 {
			t.Errorf("issuing wrote %d audit entries, want 1", storetest.AuditCount(t, st)-before)
		}
		if want, _ := v1.Log.ContentHash(); v1.ContentHash != want || v1.Version != "1" || v1.ApprovedByName != cso.Name {
			t.Errorf("issue = %+v", v1)
		}
		// Editing the hazard afterwards leaves the issued version unchanged.
		h.Name = "Wrong dose calculated"
		if _, err := riskdb.New(st).UpdateHazard(storetest.Operator, a.ID, h.Hazard); err != nil {
			t.Fatal(err)
		}
		again, err := riskdb.New(st).LogIssue(storetest.Operator, a.ID, v1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := again.Log.ContentHash(); got != v1.ContentHash || again.Log.Hazards[0].Name != "Wrong dose" {
			t.Errorf("issued version changed: hash %s, name %q", got, again.Log.Hazards[0].Name)
		}
		// The database itself refuses to change or remove an issued version.
		for _, q := range []string{`UPDATE hazard_log_issues SET comment = 'tampered'`, `DELETE FROM hazard_log_issues`} {
			if _, err := st.SQL().Exec(q); err == nil {
				t.Errorf("%s: no error, want the trigger to refuse it", q)
			}
		}
		v2, err := riskdb.New(st).IssueLog(storetest.As(cso), a, sys.ID, "", storetest.Signer(t, st, cso))
		if err != nil {
			t.Fatal(err)
		}
		d := risk.DiffLogs(again.Log, v2.Log)
		if len(d.Changed) != 1 || d.Changed[0].Ref != "HAZ-001" {
			t.Errorf("DiffLogs = %+v, want HAZ-001 changed", d)
		}
		if _, err := riskdb.New(st).LogIssue(storetest.Operator, b.ID, v1.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("issue from org B: %v", err)
		}
		if _, err := riskdb.New(st).SaveCSCRDraft(storetest.Operator, a.ID, sys.ID, riskdb.CSCRDraft{DocumentVersion: "1.0", Narratives: map[string]string{"nonsense": "x"}}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("draft with unknown section: %v", err)
		}
		written := map[string]string{}
		for _, k := range risk.SectionKeys() {
			written[k] = "The CSO's own " + k + "."
		}
		written[risk.SectionIntroduction] = "Our intro"
		if _, err := riskdb.New(st).SaveCSCRDraft(storetest.Operator, a.ID, sys.ID, riskdb.CSCRDraft{DocumentVersion: "1.0", Phase: "Go-live",
			Author: "A N Author", CSORegistration: "NMC 12A3456B", Narratives: written}); err != nil {
			t.Fatal(err)
		}
		ci, err := riskdb.New(st).IssueCSCR(storetest.As(cso), a, sys.ID, storetest.Signer(t, st, cso))
		if err != nil {
			t.Fatal(err)
		}
		if ci.LogIssueID != v2.ID || ci.Report.LogHash != v2.ContentHash {
			t.Errorf("report tied to %s/%s, want %s/%s", ci.LogIssueID, ci.Report.LogHash, v2.ID, v2.ContentHash)
		}
		if sec, _ := ci.Report.Section(risk.SectionIntroduction); sec.Text != "Our intro" {
			t.Errorf("introduction %q", sec.Text)
		}
		if _, err := st.SQL().Exec(`UPDATE cscr_issues SET document_version = '9.9'`); err == nil {
			t.Errorf("updating an issued report: no error")
		}
		if _, err := riskdb.New(st).CSCRIssue(storetest.Operator, b.ID, ci.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("report from org B: %v", err)
		}
	})
}

func TestImportAndPlan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		a := storetest.Org(t, st, "RAA")
		sys, err := riskdb.New(st).CreateSystem(storetest.Operator, a.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing", Standard: risk.DCB0160})
		if err != nil {
			t.Fatal(err)
		}
		l := &risk.Log{System: risk.SystemInfo{Name: "ePMA", Organisation: "Meridian"}, Version: "3", Hazards: []risk.Hazard{storetest.SampleHazard("One"), storetest.SampleHazard("")}}
		l.Hazards[0].Number, l.Hazards[0].Ref = 7, "HAZ-007"
		l.Hazards[1].Number, l.Hazards[1].Ref = 8, "HAZ-008"
		if _, err := riskdb.New(st).ImportHazards(storetest.Operator, a.ID, sys.ID, l, true); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("import with a bad hazard: %v, want Invalid", err)
		}
		if hs, _ := riskdb.New(st).ListHazards(storetest.Operator, a.ID, sys.ID); len(hs) != 0 {
			t.Fatalf("a failed import saved %d hazards", len(hs))
		}
		l.Hazards[1].Name = "Two"
		if n, err := riskdb.New(st).ImportHazards(storetest.Operator, a.ID, sys.ID, l, true); err != nil || n != 2 {
			t.Fatalf("import = %d, %v", n, err)
		}
		tc, err := riskdb.New(st).TransferredControls(storetest.Operator, a.ID)
		if err != nil || len(tc) != 2 || tc[0].Provenance.Ref != "HAZ-007" || tc[0].Provenance.Source != "Meridian" || tc[0].Ref != "HAZ-001" {
			t.Errorf("TransferredControls = %+v, %v", tc, err)
		}

		p, err := riskdb.New(st).Plan(storetest.Operator, a.ID)
		if err != nil || p.Matrix != risk.DefaultMatrix() {
			t.Fatalf("default plan = %+v, %v", p, err)
		}
		p.Matrix.Ratings[0][0] = 6
		if _, err := riskdb.New(st).SavePlan(storetest.Operator, a.ID, p); apperr.FieldsOf(err)["ratings"] == "" {
			t.Errorf("bad matrix: %v", err)
		}
		p.Matrix = risk.DefaultMatrix()
		p.Matrix.Wording[4] = "Never acceptable here."
		if _, err := riskdb.New(st).SavePlan(storetest.Operator, a.ID, p); err != nil {
			t.Fatal(err)
		}
		if m, _ := riskdb.New(st).Matrix(storetest.Operator, a.ID); m.Wording[4] != "Never acceptable here." {
			t.Errorf("saved wording %q", m.Wording[4])
		}
		if err := riskdb.New(st).SaveCompliance(storetest.Operator, a.ID, risk.DCB0160, []riskdb.ComplianceAnswer{{Clause: "2.1.1", Answer: "perhaps"}}); apperr.FieldsOf(err)["answer-2.1.1"] == "" {
			t.Errorf("bad answer: %v", err)
		}
		if err := riskdb.New(st).SaveCompliance(storetest.Operator, a.ID, risk.DCB0160, []riskdb.ComplianceAnswer{{Clause: "2.1.1", Answer: risk.Partial, Evidence: "https://example.nhs.uk/crms"}}); err != nil {
			t.Fatal(err)
		}
		if got, _ := riskdb.New(st).Compliance(storetest.Operator, a.ID, risk.DCB0160); got["2.1.1"].Answer != risk.Partial {
			t.Errorf("compliance = %+v", got)
		}
	})
}

// The first hazards of a new system, created at the same moment, each get
// a reference: the counter's first row must not make all but one conflict.
func TestConcurrentFirstHazards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a := storetest.Org(t, st, "RAA")
		cso := storetest.User(t, st, a, "cso@a.test", auth.CSO)
		sys, err := riskdb.New(st).CreateSystem(storetest.As(cso), a.ID, riskdb.System{Name: "ePMA", Manufacturer: "M", IntendedUse: "x", Standard: risk.DCB0160})
		if err != nil {
			t.Fatal(err)
		}
		const n = 40
		errs := make(chan error, n)
		for i := range n {
			go func() {
				_, err := riskdb.New(st).CreateHazard(storetest.As(cso), a.ID, sys.ID, storetest.SampleHazard(fmt.Sprintf("Hazard %d", i)))
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Errorf("concurrent create: %v", err)
			}
		}
		hs, err := riskdb.New(st).ListHazards(storetest.Operator, a.ID, sys.ID)
		if err != nil || len(hs) != n {
			t.Fatalf("hazards = %d, %v; want %d", len(hs), err, n)
		}
		refs := map[string]bool{}
		for _, h := range hs {
			refs[h.Ref] = true
		}
		if len(refs) != n {
			t.Fatalf("distinct references = %d, want %d", len(refs), n)
		}
	})
}

func TestMain(m *testing.M) { storetest.Main(m) }

// A saved edit keeps the reason given for it with the hazard version, and
// the audit entry says it too; the first version has none.
func TestHazardVersionRecordsReasonForChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a := storetest.Org(t, st, "RAA")
		db := riskdb.New(st)
		sys, err := db.CreateSystem(storetest.Operator, a.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing", Standard: risk.DCB0160})
		if err != nil {
			t.Fatal(err)
		}
		e, err := db.CreateHazard(storetest.Operator, a.ID, sys.ID, storetest.SampleHazard("Wrong dose"))
		if err != nil {
			t.Fatal(err)
		}
		h := e.Hazard
		h.Description = "Found again in the pharmacy review"
		reason := "Pharmacy review REASON-7 found a second cause"
		if _, err := db.UpdateHazardWithReason(storetest.Operator, a.ID, h, "  "+reason+" "); err != nil {
			t.Fatal(err)
		}
		vs, err := db.HazardHistory(storetest.Operator, a.ID, e.ID)
		if err != nil || len(vs) != 2 {
			t.Fatalf("HazardHistory = %d versions, %v; want 2", len(vs), err)
		}
		if vs[0].Reason != reason || vs[1].Reason != "" {
			t.Errorf("reasons = %q, %q; want %q, \"\"", vs[0].Reason, vs[1].Reason, reason)
		}
		var summary string
		if err := st.SQL().QueryRow(`SELECT summary FROM audit_log WHERE action = 'hazard.update' AND entity_id = $1`, e.ID).Scan(&summary); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(summary, "REASON-7") {
			t.Errorf("audit summary %q lacks the reason", summary)
		}
		if f := storetest.Findings(t, st); len(f) != 0 {
			t.Errorf("deep check findings after the edit: %v", f)
		}
	})
}
