package risk

import (
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

// A residual risk rated above the initial risk says the controls made the
// hazard worse: it is refused, on the residual estimate, unless a CSO's
// risk-benefit justification says why. (Before, a residual of 2 over an
// initial 1 was accepted with nothing to explain it; from 3 up a
// justification was needed anyway.)
func TestResidualAboveInitialNeedsAReason(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	m := DefaultMatrix()
	hazard := func(rs Severity, rl Likelihood) Hazard {
		return Hazard{Name: "Wrong patient selected", Status: Open,
			InitialSeverity: Minor, InitialLikelihood: VeryLow, // rating 1
			ResidualSeverity: rs, ResidualLikelihood: rl,
			Controls: []Control{{Description: "Banner", Type: Design, Side: Manufacturer}}}
	}
	worse := hazard(Minor, Medium) // rating 2
	if ini, _ := worse.InitialRating(m); ini != 1 {
		t.Fatalf("set-up: initial rating %d", ini)
	}
	if res, _ := worse.ResidualRating(m); res != 2 {
		t.Fatalf("set-up: residual rating %d", res)
	}
	msg := apperr.FieldsOf(worse.Validate(m, now))["residual_likelihood"]
	if !strings.Contains(msg, "higher than the initial risk") {
		t.Errorf("residual 2 above initial 1: residual_likelihood message %q, want one saying it is higher than the initial risk", msg)
	}
	worse.RiskBenefit = RiskBenefit{Justification: "The banner adds a step that can itself mislead", ByUserID: "u1", ByName: "A CSO", At: now}
	if err := worse.Validate(m, now); err != nil {
		t.Errorf("residual above initial with a CSO's justification: %v", err)
	}
	for _, h := range []Hazard{hazard(Minor, VeryLow), hazard(Minor, 0)} {
		if h.ResidualLikelihood == 0 {
			h.ResidualSeverity = 0
		}
		if err := h.Validate(m, now); err != nil {
			t.Errorf("residual %v/%v, not above the initial: %v", h.ResidualSeverity, h.ResidualLikelihood, err)
		}
	}
}
