package riskdb_test

import (
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// issueFixture is an organisation with a CSO and a system whose log holds
// one hazard with a residual rating of 5 (catastrophic, high), justified by
// the CSO.
type issueFixture struct {
	st  *store.DB
	rk  *riskdb.DB
	org store.Org
	cso store.User
	sys riskdb.System
	haz riskdb.HazardEntry
}

func newIssueFixture(t *testing.T, st *store.DB) issueFixture {
	t.Helper()
	st.SetClock(func() time.Time { return storetest.FixedTime })
	f := issueFixture{st: st, rk: riskdb.New(st), org: storetest.Org(t, st, "RAA")}
	f.cso = storetest.User(t, st, f.org, "cso@a.test", auth.CSO)
	var err error
	f.sys, err = f.rk.CreateSystem(storetest.Operator, f.org.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing",
		Standard: risk.DCB0160, CSOs: []riskdb.Person{{ID: f.cso.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	h := storetest.SampleHazard("Dose given to the wrong patient")
	h.InitialSeverity, h.InitialLikelihood = risk.Catastrophic, risk.VeryHigh
	h.ResidualSeverity, h.ResidualLikelihood = risk.Catastrophic, risk.High
	h.RiskBenefit = risk.RiskBenefit{Justification: "No alternative on the ward", ByUserID: f.cso.ID, ByName: f.cso.Name, At: storetest.FixedTime}
	if f.haz, err = f.rk.CreateHazard(storetest.As(f.cso), f.org.ID, f.sys.ID, h); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f issueFixture) issueLog(t *testing.T) riskdb.LogIssue {
	t.Helper()
	li, err := f.rk.IssueLog(storetest.As(f.cso), f.org, f.sys.ID, "", storetest.Signer(t, f.st, f.cso))
	if err != nil {
		t.Fatal(err)
	}
	return li
}

// issueReport issues the log and then report version v of it.
func (f issueFixture) issueReport(t *testing.T, v string) riskdb.CSCRIssue {
	t.Helper()
	f.issueLog(t)
	fillDraft(t, f, v)
	ci, err := f.rk.IssueCSCR(storetest.As(f.cso), f.org, f.sys.ID, storetest.Signer(t, f.st, f.cso))
	if err != nil {
		t.Fatal(err)
	}
	return ci
}

// A safety case for a log with a residual-5 hazard says so, and cannot be
// issued while its generated text is unedited.
func TestSafetyCaseWithResidualFive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := newIssueFixture(t, st)
		f.issueLog(t)

		// Nothing edited: refused, with a message on each section that
		// needs the CSO's own words, and nothing written.
		before := storetest.AuditCount(t, st)
		_, err := f.rk.IssueCSCR(storetest.As(f.cso), f.org, f.sys.ID, storetest.Signer(t, st, f.cso))
		fs := apperr.FieldsOf(err)
		if !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("issuing an unedited report: %v, want Invalid", err)
		}
		for _, k := range []string{"section-" + risk.SectionSafetyStatement, "section-" + risk.SectionTestIssues, "section-" + risk.SectionRiskAnalysis} {
			if fs[k] == "" {
				t.Errorf("issuing an unedited report: no message for %s in %v", k, fs)
			}
		}
		if n := storetest.AuditCount(t, st) - before; n != 0 {
			t.Errorf("a refused issue wrote %d audit entries", n)
		}
		if cs, _ := f.rk.CSCRIssues(storetest.Operator, f.org.ID, f.sys.ID); len(cs) != 0 {
			t.Errorf("a refused issue stored %d reports", len(cs))
		}

		// The generated statement does not call the risks acceptable, and
		// names the hazard and its rating.
		d, err := f.rk.CSCRDraft(storetest.Operator, f.org.ID, f.sys.ID)
		if err != nil {
			t.Fatal(err)
		}
		lis, _ := f.rk.LogIssues(storetest.Operator, f.org.ID, f.sys.ID)
		preview, err := f.rk.BuildCSCR(storetest.As(f.cso), f.org, f.sys.ID, lis[0], d, f.cso.Name, storetest.FixedTime)
		if err != nil {
			t.Fatal(err)
		}
		stmt, _ := preview.Section(risk.SectionSafetyStatement)
		all := stmt.Text + "\n" + strings.Join(stmt.Facts, "\n")
		if strings.Contains(stmt.Text, "are acceptable") {
			t.Errorf("generated statement claims acceptability with a residual 5 hazard:\n%s", stmt.Text)
		}
		for _, want := range []string{"HAZ-001", "residual rating 5", "open action"} {
			if !strings.Contains(all, want) {
				t.Errorf("generated statement does not mention %q:\n%s", want, all)
			}
		}
		for _, sec := range preview.Sections {
			for _, claim := range []string{"No test issues", "structured review", "structured multidisciplinary", "has been reviewed"} {
				if sec.Generated && !sec.ToWrite && strings.Contains(sec.Text, claim) {
					t.Errorf("section %s asserts %q, which clinsafe cannot know:\n%s", sec.Key, claim, sec.Text)
				}
			}
		}

		// With every required section written, it issues, and the issued
		// statement still lists the residual-5 hazard whatever the CSO wrote.
		fillDraft(t, f, "1.0")
		ci, err := f.rk.IssueCSCR(storetest.As(f.cso), f.org, f.sys.ID, storetest.Signer(t, st, f.cso))
		if err != nil {
			t.Fatal(err)
		}
		stmt, _ = ci.Report.Section(risk.SectionSafetyStatement)
		if facts := strings.Join(stmt.Facts, "\n"); !strings.Contains(facts, "HAZ-001") || !strings.Contains(facts, "residual rating 5") {
			t.Errorf("issued statement facts do not list HAZ-001 at residual 5: %q", facts)
		}
		if stmt.Generated {
			t.Errorf("issued statement is still generated text")
		}
		if ci.Report.Issue.Author != "A N Author" || ci.Report.Issue.CSOName != f.cso.Name || ci.Report.Issue.CSORegistration != "GMC 1234567" {
			t.Errorf("issued author %q, CSO %q %q", ci.Report.Issue.Author, ci.Report.Issue.CSOName, ci.Report.Issue.CSORegistration)
		}
	})
}

// fillDraft writes every section that needs the CSO's words, an author
// other than the CSO and the CSO's registration.
func fillDraft(t *testing.T, f issueFixture, version string) {
	t.Helper()
	n := map[string]string{}
	for _, k := range risk.SectionKeys() {
		n[k] = "Written by the CSO for " + k + "."
	}
	n[risk.SectionSafetyStatement] = "HAZ-001 remains at residual rating 5; the CSO does not judge the system ready for use."
	if _, err := f.rk.SaveCSCRDraft(storetest.Operator, f.org.ID, f.sys.ID, riskdb.CSCRDraft{DocumentVersion: version, Phase: "Go-live",
		Author: "A N Author", CSORegistration: "GMC 1234567", Narratives: n}); err != nil {
		t.Fatal(err)
	}
}

// An issued log keeps the matrix it was rated with: changing the plan's
// matrix later does not re-rate it.
func TestIssuedLogKeepsItsMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := newIssueFixture(t, st)
		li := f.issueLog(t)

		p, err := f.rk.Plan(storetest.Operator, f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		p.Matrix = risk.DefaultMatrix()
		capAt3(&p.Matrix) // catastrophic is now never above 3
		p.Matrix.Wording[4] = "Changed wording"
		if _, err := f.rk.SavePlan(storetest.Operator, f.org.ID, p); err != nil {
			t.Fatal(err)
		}

		again, err := f.rk.LogIssue(storetest.Operator, f.org.ID, li.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := again.Log.ContentHash(); got != li.ContentHash {
			t.Errorf("issued hash %s after re-reading, want %s", got, li.ContentHash)
		}
		m := again.Log.RatingMatrix(p.Matrix)
		if m != risk.DefaultMatrix() {
			t.Errorf("issued log's matrix = %+v, want the matrix it was issued with", m)
		}
		if r, _ := again.Log.Hazards[0].ResidualRating(m); r != 5 {
			t.Errorf("issued residual rating = %d, want 5", r)
		}
		fillDraft(t, f, "1.0")
		ci, err := f.rk.IssueCSCR(storetest.As(f.cso), f.org, f.sys.ID, storetest.Signer(t, st, f.cso))
		if err != nil {
			t.Fatal(err)
		}
		if ci.Report.Hazards[0].ResidualRating != 5 || ci.Report.Hazards[0].InitialRating != 5 || ci.Report.Acceptability[4] != risk.DefaultMatrix().Wording[4] {
			t.Errorf("report from the issued log rated %+v, wording %q: re-rated by the changed plan", ci.Report.Hazards[0], ci.Report.Acceptability[4])
		}
		if sv := again.Log.Basis.Severities; len(sv) != 5 || sv[4].Name != "Catastrophic" || sv[4].Description == "" {
			t.Errorf("issued severity scale = %+v", sv)
		}
	})
}

// Issuing an unchanged log is refused; LogChanges says what changed.
func TestIssueUnchangedLogRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := newIssueFixture(t, st)
		ch, err := f.rk.LogChanges(storetest.Operator, f.org, f.sys.ID)
		if err != nil || ch.Last != nil || !ch.Changed || ch.NextVersion != "1" || len(ch.Diff.Added) != 1 {
			t.Fatalf("LogChanges before any issue = %+v, %v", ch, err)
		}
		v1 := f.issueLog(t)
		if ch, err = f.rk.LogChanges(storetest.Operator, f.org, f.sys.ID); err != nil || ch.Changed || ch.Last == nil || ch.Last.ID != v1.ID || !ch.Diff.Empty() {
			t.Fatalf("LogChanges just after issuing = %+v, %v", ch, err)
		}
		before := storetest.AuditCount(t, st)
		_, err = f.rk.IssueLog(storetest.As(f.cso), f.org, f.sys.ID, "Again", storetest.Signer(t, st, f.cso))
		if !apperr.Is(err, apperr.Conflict) || !strings.Contains(apperr.MessageOf(err), "Nothing has changed since version 1") {
			t.Fatalf("issuing an unchanged log: %v, want Conflict \"Nothing has changed since version 1\"", err)
		}
		if storetest.AuditCount(t, st) != before {
			t.Errorf("a refused issue wrote to the audit trail")
		}
		// Saving the hazard with no real change is still no change.
		same := f.haz.Hazard
		if _, err := f.rk.UpdateHazard(storetest.As(f.cso), f.org.ID, same); err != nil {
			t.Fatal(err)
		}
		if _, err := f.rk.IssueLog(storetest.As(f.cso), f.org, f.sys.ID, "", storetest.Signer(t, st, f.cso)); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("issuing after a save with no change: %v, want Conflict", err)
		}
		// A changed plan matrix re-rates the log: that is a change.
		p, _ := f.rk.Plan(storetest.Operator, f.org.ID)
		p.Matrix.Wording[0] = "Fine."
		if _, err := f.rk.SavePlan(storetest.Operator, f.org.ID, p); err != nil {
			t.Fatal(err)
		}
		if ch, _ = f.rk.LogChanges(storetest.Operator, f.org, f.sys.ID); !ch.Changed || len(ch.Diff.System) == 0 {
			t.Errorf("LogChanges after a matrix change = %+v, want a change", ch.Diff)
		}
		// An edited hazard is a change, listed, and issues as version 2.
		h := f.haz.Hazard
		h.Name = "Dose given to the wrong patient on transfer"
		if _, err := f.rk.UpdateHazard(storetest.As(f.cso), f.org.ID, h); err != nil {
			t.Fatal(err)
		}
		ch, err = f.rk.LogChanges(storetest.Operator, f.org, f.sys.ID)
		if err != nil || !ch.Changed || ch.NextVersion != "2" || len(ch.Diff.Changed) != 1 || ch.Diff.Changed[0].Ref != "HAZ-001" {
			t.Fatalf("LogChanges after an edit = %+v, %v", ch, err)
		}
		v2 := f.issueLog(t)
		if v2.Version != "2" {
			t.Errorf("second version %q, want 2", v2.Version)
		}
		// The database refuses a second version 2 however it is written.
		if _, err := st.SQL().Exec(`INSERT INTO hazard_log_issues (id, org_id, system_id, seq, version, snapshot, content_hash, approved_by_id, approved_by_name, issued_at, comment)
			VALUES ($1, $2, $3, 99, '2', '{}', 'x', $4, 'x', $5, '')`, store.NewID(), f.org.ID, f.sys.ID, f.cso.ID, storetest.FixedTime); err == nil {
			t.Errorf("a second hazard log version 2 was stored by the database")
		}
		if _, err := f.rk.LogChanges(storetest.Operator, storetest.Org(t, st, "RBB"), f.sys.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("LogChanges from another organisation: %v, want NotFound", err)
		}
	})
}

// A report version is issued once per system: by check and by constraint.
func TestReportVersionNeverRepeats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := newIssueFixture(t, st)
		ci := f.issueReport(t, "1.0")
		_, err := f.rk.IssueCSCR(storetest.As(f.cso), f.org, f.sys.ID, storetest.Signer(t, st, f.cso))
		if msg := apperr.FieldsOf(err)["document_version"]; !strings.Contains(msg, "1.0") {
			t.Fatalf("issuing report version 1.0 twice: %v (fields %v), want a document_version message", err, apperr.FieldsOf(err))
		}
		// The database refuses a second 1.0 however it is written.
		if _, err := st.SQL().Exec(`INSERT INTO cscr_issues (id, org_id, system_id, log_issue_id, document_version, snapshot, issued_by_id, issued_by_name, issued_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, store.NewID(), f.org.ID, f.sys.ID, ci.LogIssueID, "1.0", "{}", f.cso.ID, f.cso.Name, storetest.FixedTime); err == nil {
			t.Errorf("a second report version 1.0 was stored by the database")
		}
		fillDraft(t, f, "1.1")
		if ci2, err := f.rk.IssueCSCR(storetest.As(f.cso), f.org, f.sys.ID, storetest.Signer(t, st, f.cso)); err != nil || ci2.DocumentVersion != "1.1" {
			t.Errorf("issuing 1.1: %+v, %v", ci2.DocumentVersion, err)
		}
		// Required report fields.
		if _, err := f.rk.SaveCSCRDraft(storetest.Operator, f.org.ID, f.sys.ID, riskdb.CSCRDraft{DocumentVersion: "1.2"}); err != nil {
			t.Fatal(err)
		}
		_, err = f.rk.IssueCSCR(storetest.As(f.cso), f.org, f.sys.ID, storetest.Signer(t, st, f.cso))
		for _, k := range []string{"author", "cso_registration", "section-" + risk.SectionThirdParty, "section-" + risk.SectionReview} {
			if apperr.FieldsOf(err)[k] == "" {
				t.Errorf("issuing an empty draft: no message for %s in %v", k, apperr.FieldsOf(err))
			}
		}
	})
}

// capAt3 lowers every rating above 3 to 3, keeping the matrix consistent.
func capAt3(m *risk.Matrix) {
	for s := range m.Ratings {
		for l := range m.Ratings[s] {
			m.Ratings[s][l] = min(m.Ratings[s][l], 3)
		}
	}
}
