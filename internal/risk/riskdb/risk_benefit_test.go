package riskdb_test

import (
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// A risk-benefit justification accepts the residual risk as it was when
// the CSO recorded it. An edit that keeps its words but changes that
// residual risk is a new decision: someone who is not a CSO cannot make
// it (before, the CSO's record stayed, in their name and on their date,
// beside a residual risk raised from 3 to 5 that they never saw), and a
// CSO who makes it is recorded as its author. Other edits keep the
// record as it was.
func TestRiskBenefitFollowsTheResidualRiskItAccepts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		day := storetest.FixedTime
		st.SetClock(func() time.Time { return day })
		org := storetest.Org(t, st, "RVW")
		cso := storetest.User(t, st, org, "cso@rvw.test", auth.CSO)
		other := storetest.User(t, st, org, "cso2@rvw.test", auth.CSO)
		admin := storetest.User(t, st, org, "admin@rvw.test", auth.Admin)
		db := riskdb.New(st)
		sys, err := db.CreateSystem(storetest.Operator, org.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing",
			Standard: risk.DCB0160, CSOs: []riskdb.Person{{ID: cso.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		h := storetest.SampleHazard("Dose given twice")
		h.InitialSeverity, h.InitialLikelihood = risk.Catastrophic, risk.VeryHigh // 5
		h.ResidualSeverity, h.ResidualLikelihood = risk.Considerable, risk.Medium // 3
		h.RiskBenefit = risk.RiskBenefit{Justification: "Residual 3 accepted: no safer workflow"}
		e, err := db.CreateHazard(storetest.As(cso), org.ID, sys.ID, h)
		if err != nil {
			t.Fatal(err)
		}
		if rb := e.RiskBenefit; rb.ByUserID != cso.ID || !rb.At.Equal(day) {
			t.Fatalf("justification recorded as %+v, want by the CSO on %s", rb, day)
		}

		// An administrator raises the residual risk to 5, keeping the words.
		worse := e.Hazard
		worse.ResidualSeverity, worse.ResidualLikelihood = risk.Catastrophic, risk.High // 5
		got, err := db.UpdateHazard(storetest.As(admin), org.ID, worse)
		if apperr.FieldsOf(err)["risk_benefit"] == "" {
			r, _ := got.ResidualRating(risk.DefaultMatrix())
			t.Errorf("a non-CSO raised the residual rating from 3 to %d: %v; the justification reads as recorded by %q on %s; want a risk_benefit message",
				r, err, got.RiskBenefit.ByName, got.RiskBenefit.At.Format(time.DateOnly))
		}
		// or lowers it, still to a rating that needs a justification.
		lower := e.Hazard
		lower.ResidualSeverity, lower.ResidualLikelihood = risk.Considerable, risk.Low // 3, other cell
		if _, err := db.UpdateHazard(storetest.As(admin), org.ID, lower); apperr.FieldsOf(err)["risk_benefit"] == "" {
			t.Errorf("a non-CSO changed the residual estimate the CSO accepted: %v, want a risk_benefit message", err)
		}

		// Another edit by the administrator keeps the CSO's record.
		day = day.Add(24 * time.Hour)
		renamed := e.Hazard
		renamed.Name = "Dose given twice on transfer"
		got, err = db.UpdateHazard(storetest.As(admin), org.ID, renamed)
		if err != nil {
			t.Fatal(err)
		}
		if rb := got.RiskBenefit; rb.ByUserID != cso.ID || !rb.At.Equal(storetest.FixedTime) {
			t.Errorf("after a rename the justification is %+v, want the CSO's of %s", rb, storetest.FixedTime)
		}

		// A CSO who changes the residual risk is the justification's author.
		worse = got.Hazard
		worse.ResidualSeverity, worse.ResidualLikelihood = risk.Catastrophic, risk.High
		got, err = db.UpdateHazard(storetest.As(other), org.ID, worse)
		if err != nil {
			t.Fatal(err)
		}
		if rb := got.RiskBenefit; rb.ByUserID != other.ID || rb.ByName != other.Name || !rb.At.Equal(day) {
			t.Errorf("after a CSO raised the residual risk the justification is %+v, want by %s on %s", rb, other.ID, day)
		}
	})
}
