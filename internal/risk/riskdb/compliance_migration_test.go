package riskdb_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// TestComplianceMigration stores answers against every clause of the old
// checklist, as the store did before migration 0009, migrates, and checks
// that each answer reached exactly the requirements risk.OldChecklist maps
// it to, that every old answer is kept with its old text, and that the
// audit trail accounts for the change.
func TestComplianceMigration(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			st, dsn := storetest.OpenBefore(t, engine, 9)
			org := storetest.Org(t, st, "MIG")
			other := storetest.Org(t, st, "OTH")
			answers := []risk.Answer{risk.Yes, risk.Partial, risk.No, risk.NotApplicable, risk.Awaiting}
			for _, std := range []risk.Standard{risk.DCB0129, risk.DCB0160} {
				err := st.Tx(ctx, func(tx *store.Tx) error {
					for i, o := range risk.OldChecklist(std) {
						if _, err := tx.ExecContext(ctx, `INSERT INTO compliance_answers (org_id, standard, clause, answer, evidence, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
							org.ID, string(std), o.Clause, string(answers[i%len(answers)]), "evidence for "+string(std)+" "+o.Clause, storetest.FixedTime); err != nil {
							return err
						}
					}
					return tx.Audit(ctx, store.Change{OrgID: org.ID, Action: "compliance.update", Entity: "compliance", EntityID: string(std)})
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			// A plan that asked for a rationale only from 4.
			m := risk.DefaultMatrix()
			m.JustifyFrom = 4
			mj, _ := json.Marshal(m)
			if err := st.Tx(ctx, func(tx *store.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO risk_plans (org_id, matrix, roles, phases, updated_at) VALUES ($1, $2, '', '', $3)`, org.ID, string(mj), storetest.FixedTime); err != nil {
					return err
				}
				return tx.Audit(ctx, store.Change{OrgID: org.ID, Action: "plan.update", Entity: "plan", EntityID: string(org.ID)})
			}); err != nil {
				t.Fatal(err)
			}
			// Another organisation's single answer stays its own.
			if err := st.Tx(ctx, func(tx *store.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO compliance_answers (org_id, standard, clause, answer, evidence, updated_at) VALUES ($1, 'DCB0160', '4.2', 'yes', 'theirs', $2)`, other.ID, storetest.FixedTime); err != nil {
					return err
				}
				return tx.Audit(ctx, store.Change{OrgID: other.ID, Action: "compliance.update", Entity: "compliance", EntityID: "DCB0160"})
			}); err != nil {
				t.Fatal(err)
			}

			// The upgraded binary opens the database afresh and migrates.
			st.Close()
			st, err := store.Open(ctx, dsn, storetest.Content()...)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			st.SetClock(func() time.Time { return storetest.FixedTime })
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			db := riskdb.New(st)
			for _, std := range []risk.Standard{risk.DCB0129, risk.DCB0160} {
				got, err := db.Compliance(storetest.Operator, org.ID, std)
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]string{} // new clause -> old clause
				for _, o := range risk.OldChecklist(std) {
					for _, n := range o.MapsTo {
						want[n] = o.Clause
					}
				}
				for n, oc := range want {
					a, ok := got[n]
					if !ok {
						t.Errorf("%s: no answer for %s after migration, want the one given to old %s", std, n, oc)
						continue
					}
					if a.CarriedFrom != oc || a.Evidence != "evidence for "+string(std)+" "+oc {
						t.Errorf("%s %s: carried from %q with evidence %q, want from %s with its evidence", std, n, a.CarriedFrom, a.Evidence, oc)
					}
				}
				for n := range got {
					if _, ok := want[n]; !ok {
						t.Errorf("%s: answer for %s, which no old clause maps to", std, n)
					}
				}
				old, err := db.OldComplianceAnswers(storetest.Operator, org.ID, std)
				if err != nil {
					t.Fatal(err)
				}
				if len(old) != len(risk.OldChecklist(std)) {
					t.Errorf("%s: %d old answers kept, want all %d", std, len(old), len(risk.OldChecklist(std)))
				}
				for _, o := range old {
					if o.Text == "" || o.Evidence != "evidence for "+string(std)+" "+o.Clause {
						t.Errorf("%s old %s: text %q, evidence %q; want the old item's text and its evidence", std, o.Clause, o.Text, o.Evidence)
					}
					if o.Clause == "5.2" && len(o.MapsTo) != 0 {
						t.Errorf("%s old 5.2 maps to %v, want nothing", std, o.MapsTo)
					}
				}
			}
			if got, _ := db.Compliance(storetest.Operator, org.ID, risk.DCB0160); got["4.2.2"].CarriedFrom != "4.2" {
				t.Errorf("DCB0160 4.2.2 = %+v, want carried from 4.2", got["4.2.2"])
			}
			if got, _ := db.Compliance(storetest.Operator, other.ID, risk.DCB0160); len(got) != 1 || got["4.2.2"].Evidence != "theirs" {
				t.Errorf("other organisation's answers = %+v, want only its own 4.2.2", got)
			}

			if got, err := db.Matrix(storetest.Operator, org.ID); err != nil || got.JustifyFrom != 3 {
				t.Errorf("plan after migration: justify_from %d (%v), want 3", got.JustifyFrom, err)
			}

			// The migration's changes are in the audit trail.
			findings, _, err := st.VerifyContent(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range findings {
				t.Errorf("after migration: %s", f)
			}
			var n int
			if err := st.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'schema.migrate' AND entity = 'compliance'`).Scan(&n); err != nil || n != 3 {
				t.Errorf("schema.migrate entries for compliance: %d (%v), want 3 (two standards of one organisation, one of the other)", n, err)
			}

			// Saving an answer under the new checklist makes it the CSO's own.
			if err := db.SaveCompliance(storetest.Operator, org.ID, risk.DCB0129, []riskdb.ComplianceAnswer{{Clause: "2.1.1", Answer: risk.Yes, Evidence: "CRM process v3"}}); err != nil {
				t.Fatal(err)
			}
			got, _ := db.Compliance(storetest.Operator, org.ID, risk.DCB0129)
			if a := got["2.1.1"]; a.CarriedFrom != "" || a.Evidence != "CRM process v3" {
				t.Errorf("2.1.1 after saving = %+v, want the saved answer, not carried over", a)
			}
			if old, _ := db.OldComplianceAnswers(storetest.Operator, org.ID, risk.DCB0129); len(old) != 26 || !strings.Contains(old[0].Text, "process") {
				t.Errorf("old answers after saving: %d (first %+v), want all 26 still kept", len(old), old)
			}
		})
	}
}
