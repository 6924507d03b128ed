package risk

import (
	"fmt"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

func TestDefaultMatrixCells(t *testing.T) {
	// Rows and columns as printed in the DCB0129 guidance: likelihood down,
	// severity across.
	tests := []struct {
		lik  Likelihood
		sev  Severity
		want int
	}{
		{VeryHigh, Minor, 3}, {VeryHigh, Significant, 4}, {VeryHigh, Considerable, 4}, {VeryHigh, Major, 5}, {VeryHigh, Catastrophic, 5},
		{High, Minor, 2}, {High, Significant, 3}, {High, Considerable, 3}, {High, Major, 4}, {High, Catastrophic, 5},
		{Medium, Minor, 2}, {Medium, Significant, 2}, {Medium, Considerable, 3}, {Medium, Major, 3}, {Medium, Catastrophic, 4},
		{Low, Minor, 1}, {Low, Significant, 2}, {Low, Considerable, 2}, {Low, Major, 3}, {Low, Catastrophic, 4},
		{VeryLow, Minor, 1}, {VeryLow, Significant, 1}, {VeryLow, Considerable, 2}, {VeryLow, Major, 2}, {VeryLow, Catastrophic, 3},
	}
	if len(tests) != 25 {
		t.Fatalf("got %d cells, want 25", len(tests))
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.sev, tt.lik), func(t *testing.T) {
			got, err := Rating(tt.sev, tt.lik)
			if err != nil {
				t.Fatalf("Rating(%s, %s): %v", tt.sev, tt.lik, err)
			}
			if got != tt.want {
				t.Errorf("Rating(%s, %s) = %d, want %d", tt.sev, tt.lik, got, tt.want)
			}
			got2, _ := DefaultMatrix().Rate(tt.sev, tt.lik)
			if got2 != tt.want {
				t.Errorf("DefaultMatrix().Rate(%s, %s) = %d, want %d", tt.sev, tt.lik, got2, tt.want)
			}
		})
	}
}

func TestRateInvalid(t *testing.T) {
	for _, c := range []struct {
		s Severity
		l Likelihood
	}{{0, Low}, {Minor, 0}, {6, Low}, {Minor, 9}, {-1, -1}} {
		if _, err := Rating(c.s, c.l); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("Rating(%d, %d): got err %v, want Invalid", c.s, c.l, err)
		}
	}
}

func TestMatrixValidate(t *testing.T) {
	if err := DefaultMatrix().Validate(); err != nil {
		t.Fatalf("DefaultMatrix().Validate() = %v, want nil", err)
	}
	m := DefaultMatrix()
	m.Ratings[2][2] = 7
	m.Wording[0] = ""
	m.JustifyFrom = 0
	fields := apperr.FieldsOf(m.Validate())
	for _, k := range []string{"ratings", "acceptability", "justify_from"} {
		if fields[k] == "" {
			t.Errorf("Validate of broken matrix: got no message for %q, want one (got %v)", k, fields)
		}
	}
	m = DefaultMatrix()
	m.Ratings[4][4] = 1 // lower than its neighbours
	if err := m.Validate(); err == nil {
		t.Errorf("Validate of non-monotonic matrix: got nil, want error")
	}
}

func TestAcceptability(t *testing.T) {
	m := DefaultMatrix()
	for r := 1; r <= 5; r++ {
		if m.Acceptability(r) == "" {
			t.Errorf("Acceptability(%d) = \"\", want wording", r)
		}
	}
	if got := m.Acceptability(0); got != "" {
		t.Errorf("Acceptability(0) = %q, want \"\"", got)
	}
	var zero Matrix
	if got, want := zero.Acceptability(5), m.Acceptability(5); got != want {
		t.Errorf("zero Matrix Acceptability(5) = %q, want default %q", got, want)
	}
	custom := DefaultMatrix()
	custom.Wording[4] = "Stop."
	if got := custom.Acceptability(5); got != "Stop." {
		t.Errorf("custom Acceptability(5) = %q, want %q", got, "Stop.")
	}
}

func TestParseCategories(t *testing.T) {
	sev := []struct {
		in   string
		want Severity
	}{{"minor", Minor}, {"Minor", Minor}, {" CATASTROPHIC ", Catastrophic}, {"considerable", Considerable}}
	for _, tt := range sev {
		got, err := ParseSeverity(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	lik := []struct {
		in   string
		want Likelihood
	}{{"very_low", VeryLow}, {"Very low", VeryLow}, {"VERY HIGH", VeryHigh}, {"very-high", VeryHigh}, {"medium", Medium}}
	for _, tt := range lik {
		got, err := ParseLikelihood(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseLikelihood(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	_, err := ParseSeverity("severe")
	if err == nil || !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("ParseSeverity(severe): got %v, want Invalid", err)
	}
	if msg := apperr.MessageOf(err); msg != `severity "severe" is not one of Minor, Significant, Considerable, Major or Catastrophic` {
		t.Errorf("ParseSeverity(severe) message: got %q", msg)
	}
	if _, err := ParseLikelihood("rare"); err == nil {
		t.Errorf("ParseLikelihood(rare): got nil error, want one")
	}
	for _, s := range AllSeverities() {
		if s.Description() == "" || s.Code() == "" {
			t.Errorf("severity %v: got empty description or code", s)
		}
	}
	for _, l := range AllLikelihoods() {
		if l.Description() == "" || l.Code() == "" {
			t.Errorf("likelihood %v: got empty description or code", l)
		}
	}
	if got := VeryHigh.String(); got != "Very high" {
		t.Errorf("VeryHigh.String() = %q, want %q", got, "Very high")
	}
}

func TestParseOthers(t *testing.T) {
	if got, err := ParseStatus("Transferred"); err != nil || got != Transferred {
		t.Errorf("ParseStatus(Transferred) = %v, %v", got, err)
	}
	if got, err := ParseControlType("business process change"); err != nil || got != BusinessProcessChange {
		t.Errorf("ParseControlType = %v, %v; want %v", got, err, BusinessProcessChange)
	}
	if got := Design.Rank(); got != 1 {
		t.Errorf("Design.Rank() = %d, want 1", got)
	}
	if got, err := ParseAnswer("N/A"); err != nil || got != NotApplicable {
		t.Errorf("ParseAnswer(N/A) = %v, %v", got, err)
	}
	if _, err := ParseStatus("done"); err == nil {
		t.Errorf("ParseStatus(done): got nil error")
	}
}

func TestRef(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want string
	}{{1, "HAZ-001"}, {42, "HAZ-042"}, {999, "HAZ-999"}, {1234, "HAZ-1234"}} {
		if got := FormatRef(tt.n); got != tt.want {
			t.Errorf("FormatRef(%d) = %q, want %q", tt.n, got, tt.want)
		}
		if got, err := ParseRef(tt.want); err != nil || got != tt.n {
			t.Errorf("ParseRef(%q) = %d, %v; want %d", tt.want, got, err, tt.n)
		}
	}
	for _, bad := range []string{"", "HAZ-", "HAZ-0", "HAZ--1", "HAZ-+1", "X-1", "HAZ-1a"} {
		if _, err := ParseRef(bad); err == nil {
			t.Errorf("ParseRef(%q): got nil error, want one", bad)
		}
	}
}

func TestRatingLabel(t *testing.T) {
	for r, want := range map[int]string{0: "Not estimated", 1: "1 Very low", 2: "2 Low", 3: "3 Medium", 4: "4 High", 5: "5 Very high", 6: "Not estimated"} {
		if got := RatingLabel(r); got != want {
			t.Errorf("RatingLabel(%d) = %q, want %q", r, got, want)
		}
	}
}
