package riskdb_test

import (
	"testing"

	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// Importing a hazard log changes none of the system's own content, so its
// entry records none (riskdb.Content lists it as NoContent): a direct edit
// of the system made before the import is still found after it.
func TestHazardLogImportRecordsNoSystemContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a := storetest.Org(t, st, "RAA")
		sys, err := riskdb.New(st).CreateSystem(storetest.Operator, a.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing", Standard: risk.DCB0160})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.SQL().Exec(`UPDATE risk_systems SET name = 'Forged' WHERE id = $1`, sys.ID); err != nil {
			t.Fatal(err)
		}
		storetest.WantFinding(t, st, "system renamed directly", "system "+sys.ID, "changed outside the audit trail")
		l := &risk.Log{Hazards: []risk.Hazard{storetest.SampleHazard("Imported")}}
		if n, err := riskdb.New(st).ImportHazards(storetest.Operator, a.ID, sys.ID, l, false); err != nil || n != 1 {
			t.Fatalf("ImportHazards = %d, %v", n, err)
		}
		storetest.WantFinding(t, st, "system renamed directly, then a hazard log imported", "system "+sys.ID, "changed outside the audit trail")
	})
}

// cscr_versions, filled by a trigger as a report is issued, is part of the
// system's audited content: an issued report leaves the deep check clean,
// and a version claimed by a row written directly (which would stop that
// version ever being issued) is found.
func TestReportVersionsAreSystemContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := newIssueFixture(t, st)
		ci := f.issueReport(t, "1.0")
		if got := storetest.Findings(t, st); len(got) != 0 {
			t.Fatalf("after issuing a report: findings %q, want none", got)
		}
		if _, err := st.SQL().Exec(`INSERT INTO cscr_versions (system_id, org_id, document_version, cscr_issue_id) VALUES ($1, $2, '2.0', $3)`,
			f.sys.ID, f.org.ID, ci.ID); err != nil {
			t.Fatal(err)
		}
		storetest.WantFinding(t, st, "report version 2.0 claimed directly", "system "+f.sys.ID, "changed outside the audit trail")
	})
}
