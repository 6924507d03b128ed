package risk

import (
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

// closable is a hazard whose actions are done, so only the closing and
// transferring rules can refuse it.
func closable() Hazard {
	h := validHazard()
	h.Actions[0].Done, h.Actions[0].DoneAt = true, day(2026, 3, 1)
	return h
}

func TestClosingAndTransferringNeedResidualAndControls(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(h *Hazard)
		want   map[string]string // field -> part of its message
	}{
		{"catastrophic very high closed with nothing behind it", func(h *Hazard) {
			h.InitialSeverity, h.InitialLikelihood = Catastrophic, VeryHigh
			h.Controls, h.Status = nil, Closed
		}, map[string]string{"residual_severity": "closed", "residual_likelihood": "closed", "controls": "control"}},
		{"closed with a residual but no control", func(h *Hazard) {
			h.Controls, h.Status = nil, Closed
			h.ResidualSeverity, h.ResidualLikelihood = Minor, Low
		}, map[string]string{"controls": "control"}},
		{"closed with controls but no residual", func(h *Hazard) { h.Status = Closed },
			map[string]string{"residual_severity": "closed", "residual_likelihood": "closed"}},
		{"transferred with only an initial rating", func(h *Hazard) {
			h.Status = Transferred
			h.Controls = append(h.Controls, Control{Description: "Local SOP", Type: BusinessProcessChange, Side: Deployer})
		}, map[string]string{"residual_severity": "transferred", "residual_likelihood": "transferred"}},
		{"residual 3 with no rationale", func(h *Hazard) {
			h.ResidualSeverity, h.ResidualLikelihood = Considerable, Medium // 3
		}, map[string]string{"risk_benefit": "rated 3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := closable()
			tt.mutate(&h)
			f := fieldsOf(t, h)
			for field, want := range tt.want {
				if got := f[field]; !strings.Contains(strings.ToLower(got), want) {
					t.Errorf("Validate: message on %q is %q (all: %v), want it to mention %q", field, got, f, want)
				}
			}
		})
	}
}

func TestClosingWithResidualControlsAndRationale(t *testing.T) {
	h := closable()
	h.InitialSeverity, h.InitialLikelihood = Catastrophic, VeryHigh
	h.ResidualSeverity, h.ResidualLikelihood = Considerable, Medium // 3
	h.RiskBenefit = RiskBenefit{Justification: "No safer way to prescribe", ByUserID: "u1", ByName: "Dr A", At: now}
	h.Status = Closed
	if f := fieldsOf(t, h); f != nil {
		t.Fatalf("Validate(closed, residual 3 justified, one control) = %v, want nil", f)
	}
	h.ResidualSeverity, h.ResidualLikelihood, h.RiskBenefit = Minor, Low, RiskBenefit{} // 1: no rationale needed
	if f := fieldsOf(t, h); f != nil {
		t.Fatalf("Validate(closed, residual 1) = %v, want nil", f)
	}
}

func TestRationaleFloorIsThree(t *testing.T) {
	// A plan may ask for a rationale from a lower rating, never from a higher one.
	m := DefaultMatrix()
	if m.JustifyFrom != 3 {
		t.Errorf("DefaultMatrix().JustifyFrom = %d, want 3", m.JustifyFrom)
	}
	for _, tt := range []struct {
		from, rating int
		want         bool
	}{
		{3, 2, false}, {3, 3, true}, {2, 2, true}, {5, 3, true}, {4, 3, true}, {5, 2, false},
	} {
		m.JustifyFrom = tt.from
		if got := m.NeedsJustification(tt.rating); got != tt.want {
			t.Errorf("JustifyFrom %d: NeedsJustification(%d) = %v, want %v", tt.from, tt.rating, got, tt.want)
		}
	}
	m.JustifyFrom = 4
	if f := fieldsOfErr(m.Validate()); !strings.Contains(f["justify_from"], "3") {
		t.Errorf("Matrix.Validate(JustifyFrom 4): %v, want a justify_from message naming 3", f)
	}
}

func TestSeverityWordingCoversLongTermHarm(t *testing.T) {
	for _, s := range []Severity{Major, Catastrophic} {
		d := s.Description()
		for _, want := range []string{"not expected in the short term", "prognosis is death or permanent life-changing incapacity"} {
			if !strings.Contains(d, want) {
				t.Errorf("%s description %q: want it to cover %q", s, d, want)
			}
		}
	}
}

func TestControlTypesInGuidanceOrder(t *testing.T) {
	all := AllControlTypes()
	pos := map[ControlType]int{}
	for i, c := range all {
		pos[c] = i
	}
	if !(pos[Design] < pos[BusinessProcessChange] && pos[BusinessProcessChange] < pos[Training]) {
		t.Errorf("AllControlTypes() = %v, want design, then business process change, then training", all)
	}
	if Design.Rank() != 1 || BusinessProcessChange.Rank() != 2 || Training.Rank() != 3 {
		t.Errorf("ranks: design %d, business process change %d, training %d; want 1, 2, 3", Design.Rank(), BusinessProcessChange.Rank(), Training.Rank())
	}
	cs := []Control{{Type: Training}, {Type: Test}, {Type: BusinessProcessChange}, {Type: Design}}
	SortControls(cs)
	var got []string
	for _, c := range cs {
		got = append(got, string(c.Type))
	}
	if strings.Join(got, ",") != "design,business_process_change,training,test" {
		t.Errorf("SortControls: got %v, want design, business process change, training, test", got)
	}
}

func fieldsOfErr(err error) map[string]string { return apperr.FieldsOf(err) }
