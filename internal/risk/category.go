package risk

import (
	"fmt"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

// Severity is the consequence category of a hazard (DCB0129/DCB0160). The
// zero value means "not set"; the categories are ordered from Minor (1) to
// Catastrophic (5) so they can index a risk matrix.
type Severity int

// The severity categories, least to most severe.
const (
	Minor Severity = iota + 1
	Significant
	Considerable
	Major
	Catastrophic
)

var severityInfo = [...]struct{ code, name, desc string }{
	{},
	{"minor", "Minor", "One patient suffers a minor injury that heals quickly, minor distress or inconvenience, or any negligible consequence."},
	{"significant", "Significant", "One patient suffers a minor injury without quick recovery or significant distress; or several patients suffer minor, quickly recovered injury, minor distress or inconvenience."},
	{"considerable", "Considerable", "One patient suffers a severe injury or incapacity with short-term recovery, or severe psychological trauma; or several patients suffer minor injury without quick recovery or significant distress."},
	{"major", "Major", "One patient dies, is left with permanent, life-changing incapacity, has a condition whose prognosis is death or permanent life-changing incapacity, or suffers severe injury or incapacity from which recovery is not expected in the short term; or several patients suffer severe injury or incapacity from which they recover in the short term, or severe psychological trauma."},
	{"catastrophic", "Catastrophic", "Several patients die, are left with permanent, life-changing incapacity, have a condition whose prognosis is death or permanent life-changing incapacity, or suffer severe injury or incapacity from which recovery is not expected in the short term."},
}

// AllSeverities returns the severity categories from least to most severe.
func AllSeverities() []Severity {
	return []Severity{Minor, Significant, Considerable, Major, Catastrophic}
}

// Valid reports whether s is one of the five categories.
func (s Severity) Valid() bool { return s >= Minor && s <= Catastrophic }

// Code returns the stable storage/API code (e.g. "minor"), or "" when unset
// or invalid.
func (s Severity) Code() string {
	if !s.Valid() {
		return ""
	}
	return severityInfo[s].code
}

// String returns the display name as used in DCB0129 (e.g. "Minor").
func (s Severity) String() string {
	if !s.Valid() {
		if s == 0 {
			return ""
		}
		return fmt.Sprintf("Severity(%d)", int(s))
	}
	return severityInfo[s].name
}

// Description explains the category in plain words.
func (s Severity) Description() string {
	if !s.Valid() {
		return ""
	}
	return severityInfo[s].desc
}

// MarshalText encodes s as its code; an unset severity encodes as "".
func (s Severity) MarshalText() ([]byte, error) {
	if s != 0 && !s.Valid() {
		return nil, apperr.New(apperr.Invalid, "severity %d is not a category", int(s))
	}
	return []byte(s.Code()), nil
}

// UnmarshalText decodes a code (strictly, as in the JSON schema); "" means
// unset.
func (s *Severity) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*s = 0
		return nil
	}
	for _, v := range AllSeverities() {
		if string(b) == v.Code() {
			*s = v
			return nil
		}
	}
	return apperr.New(apperr.Invalid, "severity %q is not one of %s", string(b), codeList(severityCodes()))
}

func severityCodes() []string {
	var out []string
	for _, v := range AllSeverities() {
		out = append(out, v.Code())
	}
	return out
}

// ParseSeverity reads a severity from its code or display name, ignoring case
// and surrounding space (so "Considerable", "considerable" and "CONSIDERABLE"
// all work). It returns an Invalid error listing the accepted values.
func ParseSeverity(s string) (Severity, error) {
	k := normKey(s)
	for _, v := range AllSeverities() {
		if k == v.Code() || k == normKey(v.String()) {
			return v, nil
		}
	}
	var names []string
	for _, v := range AllSeverities() {
		names = append(names, v.String())
	}
	return 0, apperr.New(apperr.Invalid, "severity %q is not one of %s", strings.TrimSpace(s), codeList(names))
}

// Likelihood is the likelihood category of a hazard. The zero value means
// "not set"; categories run from Very low (1) to Very high (5).
type Likelihood int

// The likelihood categories, least to most likely.
const (
	VeryLow Likelihood = iota + 1
	Low
	Medium
	High
	VeryHigh
)

var likelihoodInfo = [...]struct{ code, name, desc string }{
	{},
	{"very_low", "Very low", "The chance of it happening is negligible or close to it."},
	{"low", "Low", "It could happen, but on the great majority of occasions it will not."},
	{"medium", "Medium", "It may well happen."},
	{"high", "High", "Not certain, but quite possible: it can be expected in most cases."},
	{"very_high", "Very high", "Certain or nearly so: it is very likely to happen."},
}

// AllLikelihoods returns the likelihood categories from least to most likely.
func AllLikelihoods() []Likelihood {
	return []Likelihood{VeryLow, Low, Medium, High, VeryHigh}
}

// Valid reports whether l is one of the five categories.
func (l Likelihood) Valid() bool { return l >= VeryLow && l <= VeryHigh }

// Code returns the stable storage/API code (e.g. "very_low"), or "".
func (l Likelihood) Code() string {
	if !l.Valid() {
		return ""
	}
	return likelihoodInfo[l].code
}

// String returns the display name (e.g. "Very low").
func (l Likelihood) String() string {
	if !l.Valid() {
		if l == 0 {
			return ""
		}
		return fmt.Sprintf("Likelihood(%d)", int(l))
	}
	return likelihoodInfo[l].name
}

// Description explains the category in plain words.
func (l Likelihood) Description() string {
	if !l.Valid() {
		return ""
	}
	return likelihoodInfo[l].desc
}

// MarshalText encodes l as its code; unset encodes as "".
func (l Likelihood) MarshalText() ([]byte, error) {
	if l != 0 && !l.Valid() {
		return nil, apperr.New(apperr.Invalid, "likelihood %d is not a category", int(l))
	}
	return []byte(l.Code()), nil
}

// UnmarshalText decodes a code strictly; "" means unset.
func (l *Likelihood) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*l = 0
		return nil
	}
	for _, v := range AllLikelihoods() {
		if string(b) == v.Code() {
			*l = v
			return nil
		}
	}
	var codes []string
	for _, v := range AllLikelihoods() {
		codes = append(codes, v.Code())
	}
	return apperr.New(apperr.Invalid, "likelihood %q is not one of %s", string(b), codeList(codes))
}

// ParseLikelihood reads a likelihood from its code or display name, ignoring
// case, surrounding space and the difference between "_", "-" and " "
// ("Very low", "very_low", "VERY-LOW"). It returns an Invalid error listing
// the accepted values.
func ParseLikelihood(s string) (Likelihood, error) {
	k := normKey(s)
	for _, v := range AllLikelihoods() {
		if k == v.Code() || k == normKey(v.String()) {
			return v, nil
		}
	}
	var names []string
	for _, v := range AllLikelihoods() {
		names = append(names, v.String())
	}
	return 0, apperr.New(apperr.Invalid, "likelihood %q is not one of %s", strings.TrimSpace(s), codeList(names))
}

// normKey lower-cases s, trims it and folds runs of space, "-" and "_" into a
// single "_", so display names and codes compare equal.
func normKey(s string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if r == ' ' || r == '-' || r == '_' || r == '\t' {
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('_')
		}
		sep = false
		b.WriteRune(r)
	}
	return b.String()
}

// codeList renders accepted values for an error message: "A, B or C".
func codeList(vals []string) string {
	switch len(vals) {
	case 0:
		return ""
	case 1:
		return vals[0]
	}
	return strings.Join(vals[:len(vals)-1], ", ") + " or " + vals[len(vals)-1]
}
