package risk

import (
	"fmt"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

// Matrix is an organisation's risk matrix: a lookup from (severity,
// likelihood) to a risk rating 1-5, the acceptability wording of each
// rating, and the rating from which a residual risk needs a recorded
// risk-benefit justification. The Clinical Risk Management Plan may redefine
// all three, so the store keeps one Matrix per organisation.
//
// The zero Matrix is not usable; methods on it fall back to DefaultMatrix so
// a forgotten configuration never silently rates every hazard 0.
type Matrix struct {
	// Ratings is indexed [severity-1][likelihood-1].
	Ratings [5][5]int `json:"ratings"`
	// Wording is the acceptability wording of each rating, indexed by rating-1.
	Wording [5]string `json:"acceptability"`
	// JustifyFrom is the lowest residual rating that needs a risk-benefit
	// justification recorded by a Clinical Safety Officer. It is at most
	// JustifyFloor: a plan may ask for a rationale from a lower rating,
	// never from a higher one.
	JustifyFrom int `json:"justify_from"`
}

// JustifyFloor is the residual rating from which a recorded risk-benefit
// rationale is always needed, whatever the plan says: in the guidance's
// acceptability table a rating of 3 is undesirable, acceptable only where
// further risk reduction is impractical, so accepting it is a decision the
// Clinical Safety Officer must record with its reasons (DCB0129 and
// DCB0160 6.1.4 and 6.2.1).
const JustifyFloor = 3

// DefaultMatrix returns the example matrix from the DCB0129/DCB0160
// implementation guidance, with acceptability wording in our own words.
// Residual ratings of 3 and above need a risk-benefit justification.
func DefaultMatrix() Matrix {
	return Matrix{
		// Columns: very low, low, medium, high, very high.
		Ratings: [5][5]int{
			{1, 1, 2, 2, 3}, // Minor
			{1, 2, 2, 3, 4}, // Significant
			{2, 2, 3, 3, 4}, // Considerable
			{2, 3, 3, 4, 5}, // Major
			{3, 4, 4, 5, 5}, // Catastrophic
		},
		Wording: [5]string{
			"Acceptable: no further action is needed.",
			"Acceptable where reducing the risk further would cost more than it gains, or is not practicable.",
			"Undesirable: accept only if reducing the risk further is not practicable.",
			"Not acceptable as it stands: the risk must be removed or controlled down to an acceptable level.",
			"Unacceptable.",
		},
		JustifyFrom: JustifyFloor,
	}
}

func (m Matrix) orDefault() Matrix {
	if m.Ratings[0][0] == 0 && m.JustifyFrom == 0 {
		return DefaultMatrix()
	}
	return m
}

// Rating looks up the default matrix. It returns an Invalid error when either
// category is not set or not valid.
func Rating(sev Severity, lik Likelihood) (int, error) {
	return DefaultMatrix().Rate(sev, lik)
}

// Rate returns the risk rating (1-5) for a severity and likelihood. It returns
// an Invalid error when either category is not set or not valid.
func (m Matrix) Rate(sev Severity, lik Likelihood) (int, error) {
	m = m.orDefault()
	if !sev.Valid() {
		return 0, apperr.New(apperr.Invalid, "severity is not set to one of the categories")
	}
	if !lik.Valid() {
		return 0, apperr.New(apperr.Invalid, "likelihood is not set to one of the categories")
	}
	return m.Ratings[sev-1][lik-1], nil
}

// Acceptability returns the acceptability wording for a rating, or "" for a
// rating outside 1-5.
func (m Matrix) Acceptability(rating int) string {
	m = m.orDefault()
	if rating < 1 || rating > 5 {
		return ""
	}
	return m.Wording[rating-1]
}

// NeedsJustification reports whether a residual rating needs a recorded
// risk-benefit justification: from m.JustifyFrom, and from JustifyFloor
// whatever m says.
func (m Matrix) NeedsJustification(rating int) bool {
	m = m.orDefault()
	return rating >= min(m.JustifyFrom, JustifyFloor)
}

// Validate checks that every cell holds a rating 1-5, that ratings never fall
// as severity or likelihood rises, that each rating has wording and that
// JustifyFrom is 1 to JustifyFloor. It returns an Invalid error with per-field messages
// (fields "ratings", "acceptability", "justify_from").
func (m Matrix) Validate() error {
	var f apperr.Fields
	for s := range 5 {
		for l := range 5 {
			r := m.Ratings[s][l]
			if r < 1 || r > 5 {
				f.Add("ratings", fmt.Sprintf("the rating for %s severity and %s likelihood is %d; ratings must be 1 to 5",
					Severity(s+1), Likelihood(l+1), r))
				continue
			}
			if s > 0 && m.Ratings[s-1][l] > r {
				f.Add("ratings", fmt.Sprintf("the rating for %s severity and %s likelihood is lower than for %s severity",
					Severity(s+1), Likelihood(l+1), Severity(s)))
			}
			if l > 0 && m.Ratings[s][l-1] > r {
				f.Add("ratings", fmt.Sprintf("the rating for %s severity and %s likelihood is lower than for %s likelihood",
					Severity(s+1), Likelihood(l+1), Likelihood(l)))
			}
		}
	}
	for i, w := range m.Wording {
		if w == "" {
			f.Add("acceptability", fmt.Sprintf("rating %d has no acceptability wording", i+1))
		}
	}
	f.Check(m.JustifyFrom < 1 || m.JustifyFrom > JustifyFloor, "justify_from",
		fmt.Sprintf("the rating that needs a risk-benefit justification must be 1 to %d: the standards need a recorded rationale for any residual risk rated %d or more", JustifyFloor, JustifyFloor))
	return f.Err()
}

var ratingWords = [...]string{"", "Very low", "Low", "Medium", "High", "Very high"}

// RatingWord is the word the implementation guidance's matrix gives a
// risk rating 1-5 ("Very low" to "Very high"), or "" for any other.
func RatingWord(rating int) string {
	if rating < 1 || rating > 5 {
		return ""
	}
	return ratingWords[rating]
}

// RatingLabel is a rating as people read it: its number and its word
// ("4 High"), or "Not estimated" for a rating outside 1-5.
func RatingLabel(rating int) string {
	if rating < 1 || rating > 5 {
		return "Not estimated"
	}
	return fmt.Sprintf("%d %s", rating, ratingWords[rating])
}
