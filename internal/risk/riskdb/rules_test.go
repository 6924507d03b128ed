package riskdb_test

import (
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

func TestHazardClosingRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		ctx := storetest.Operator
		org := storetest.Org(t, st, "RUL")
		cso := storetest.User(t, st, org, "cso@rul.test", auth.CSO)
		db := riskdb.New(st)
		sys, err := db.CreateSystem(ctx, org.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing",
			Standard: risk.DCB0129, CSOs: []riskdb.Person{{ID: cso.ID}}})
		if err != nil {
			t.Fatal(err)
		}

		// A catastrophic, very-high-likelihood hazard closed with no
		// controls and no residual estimate: refused, per field, and
		// nothing written.
		worst := risk.Hazard{Name: "Dose ten times too high", InitialSeverity: risk.Catastrophic, InitialLikelihood: risk.VeryHigh, Status: risk.Closed}
		before := storetest.AuditCount(t, st)
		_, err = db.CreateHazard(ctx, org.ID, sys.ID, worst)
		if !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("CreateHazard(closed, nothing behind it): %v, want Invalid", err)
		}
		fs := apperr.FieldsOf(err)
		for _, k := range []string{"residual_severity", "residual_likelihood", "controls"} {
			if fs[k] == "" {
				t.Errorf("CreateHazard(closed, nothing behind it): no message on %s in %v", k, fs)
			}
		}
		if hs, _ := db.ListHazards(ctx, org.ID, sys.ID); len(hs) != 0 || storetest.AuditCount(t, st) != before {
			t.Errorf("refused hazard left %d hazards and %d audit entries, want none", len(hs), storetest.AuditCount(t, st)-before)
		}

		// Transferring with only an initial rating: refused on the residual.
		h, err := db.CreateHazard(ctx, org.ID, sys.ID, storetest.SampleHazard("Wrong patient"))
		if err != nil {
			t.Fatal(err)
		}
		h.Actions[0].Done = true
		h.Status = risk.Transferred
		_, err = db.UpdateHazard(ctx, org.ID, h.Hazard)
		if fs := apperr.FieldsOf(err); !strings.Contains(fs["residual_severity"], "transferred") || !strings.Contains(fs["residual_likelihood"], "transferred") {
			t.Errorf("UpdateHazard(transferred, no residual): %v, want residual messages", err)
		}

		// A residual of 3 with no rationale: refused on risk_benefit.
		h.Status = risk.Closed
		h.ResidualSeverity, h.ResidualLikelihood = risk.Considerable, risk.Medium // 3
		_, err = db.UpdateHazard(ctx, org.ID, h.Hazard)
		if fs := apperr.FieldsOf(err); !strings.Contains(fs["risk_benefit"], "rated 3") {
			t.Errorf("UpdateHazard(closed, residual 3, no rationale): %v, want a risk_benefit message", err)
		}
		if got, _ := db.Hazard(ctx, org.ID, h.ID); got.Status != risk.Open || got.Version != 1 {
			t.Errorf("after refused updates: status %s version %d, want open version 1", got.Status, got.Version)
		}

		// With the rationale recorded by the CSO (the person acting) it closes.
		h.RiskBenefit = risk.RiskBenefit{Justification: "Benefit of electronic prescribing outweighs it"}
		got, err := db.UpdateHazard(storetest.As(cso), org.ID, h.Hazard)
		if err != nil || got.Status != risk.Closed {
			t.Fatalf("UpdateHazard(closed, justified): %+v, %v; want closed", got.Status, err)
		}
		// Controls are kept in the guidance's order of preference.
		if got.Controls[0].Type != risk.Design || got.Controls[1].Type != risk.Training {
			t.Errorf("controls %v, want design first", got.Controls)
		}
	})
}

func TestControlsStoredInGuidanceOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		ctx := storetest.Operator
		org := storetest.Org(t, st, "ORD")
		cso := storetest.User(t, st, org, "cso@ord.test", auth.CSO)
		db := riskdb.New(st)
		sys, err := db.CreateSystem(ctx, org.ID, riskdb.System{Name: "PAS", Manufacturer: "M", IntendedUse: "Admin",
			Standard: risk.DCB0160, CSOs: []riskdb.Person{{ID: cso.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		h := storetest.SampleHazard("Lost referral")
		h.Controls = []risk.Control{
			{Description: "Test plan", Type: risk.Test, Side: risk.Manufacturer},
			{Description: "Training", Type: risk.Training, Side: risk.Deployer},
			{Description: "SOP", Type: risk.BusinessProcessChange, Side: risk.Deployer},
			{Description: "Hard stop", Type: risk.Design, Side: risk.Manufacturer},
		}
		if _, err := db.CreateHazard(ctx, org.ID, sys.ID, h); err != nil {
			t.Fatal(err)
		}
		hs, err := db.ListHazards(ctx, org.ID, sys.ID)
		if err != nil || len(hs) != 1 {
			t.Fatalf("ListHazards: %v, %v", hs, err)
		}
		var types []string
		for _, c := range hs[0].Controls {
			types = append(types, string(c.Type))
		}
		if got := strings.Join(types, ","); got != "design,business_process_change,training,test" {
			t.Errorf("stored controls %s, want design,business_process_change,training,test", got)
		}
	})
}
