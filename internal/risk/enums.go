package risk

import (
	"slices"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

// Status is where a hazard stands in the hazard log. The value is the stable
// storage/API code.
type Status string

// The hazard statuses.
const (
	// Open: not all of the manufacturer's (or, under DCB0160, the health
	// organisation's own) actions on the hazard are complete.
	Open Status = "open"
	// Transferred: our actions are complete; actions owned by the deploying
	// organisation remain, and the controls they own are marked as theirs.
	Transferred Status = "transferred"
	// Closed: every action on the hazard is complete.
	Closed Status = "closed"
)

// AllStatuses returns the statuses in lifecycle order.
func AllStatuses() []Status { return []Status{Open, Transferred, Closed} }

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == Open || s == Transferred || s == Closed }

// Label returns the display name ("Open", "Transferred", "Closed").
func (s Status) Label() string {
	switch s {
	case Open:
		return "Open"
	case Transferred:
		return "Transferred"
	case Closed:
		return "Closed"
	}
	return string(s)
}

// ParseStatus reads a status from its code or display name, ignoring case.
// It returns an Invalid error listing the accepted values.
func ParseStatus(s string) (Status, error) {
	k := normKey(s)
	for _, v := range AllStatuses() {
		if k == string(v) {
			return v, nil
		}
	}
	return "", apperr.New(apperr.Invalid, "status %q is not one of Open, Transferred or Closed", strings.TrimSpace(s))
}

// ControlType classifies a risk control. AllControlTypes lists them in the
// order of preference of the DCB0129/DCB0160 implementation guidance: a
// control designed into the system first, then a change of business
// process, then training. A test comes last: it shows that a control
// works rather than reducing the risk itself.
type ControlType string

// The control types.
const (
	Design                ControlType = "design"
	Test                  ControlType = "test"
	Training              ControlType = "training"
	BusinessProcessChange ControlType = "business_process_change"
)

// AllControlTypes returns the control types in order of preference.
func AllControlTypes() []ControlType {
	return []ControlType{Design, BusinessProcessChange, Training, Test}
}

// SortControls puts controls in order of preference of their type (see
// AllControlTypes), keeping the recorded order within a type; controls of
// an unknown type go last.
func SortControls(cs []Control) {
	rank := func(t ControlType) int {
		if r := t.Rank(); r > 0 {
			return r
		}
		return len(AllControlTypes()) + 1
	}
	slices.SortStableFunc(cs, func(a, b Control) int { return rank(a.Type) - rank(b.Type) })
}

// Valid reports whether t is a known control type.
func (t ControlType) Valid() bool { return t.Rank() > 0 }

// Rank is the position in the preference order (1 is most preferred), or 0
// for an unknown type.
func (t ControlType) Rank() int {
	for i, v := range AllControlTypes() {
		if v == t {
			return i + 1
		}
	}
	return 0
}

// Label returns the display name (e.g. "Business Process Change").
func (t ControlType) Label() string {
	switch t {
	case Design:
		return "Design"
	case Test:
		return "Test"
	case Training:
		return "Training"
	case BusinessProcessChange:
		return "Business Process Change"
	}
	return string(t)
}

// ParseControlType reads a control type from its code or display name,
// ignoring case. It returns an Invalid error listing the accepted values.
func ParseControlType(s string) (ControlType, error) {
	k := normKey(s)
	for _, v := range AllControlTypes() {
		if k == string(v) {
			return v, nil
		}
	}
	return "", apperr.New(apperr.Invalid, "control type %q is not one of Design, Business Process Change, Training or Test", strings.TrimSpace(s))
}

// Side says which organisation owns a control: the manufacturer of the
// system or the health organisation deploying it.
type Side string

// The sides.
const (
	Manufacturer Side = "manufacturer"
	Deployer     Side = "deployer"
)

// Valid reports whether s is a known side.
func (s Side) Valid() bool { return s == Manufacturer || s == Deployer }

// Label returns the display name ("Manufacturer", "Deployer").
func (s Side) Label() string {
	switch s {
	case Manufacturer:
		return "Manufacturer"
	case Deployer:
		return "Deployer"
	}
	return string(s)
}

// ParseSide reads a side from its code or display name, ignoring case.
func ParseSide(s string) (Side, error) {
	switch normKey(s) {
	case "manufacturer":
		return Manufacturer, nil
	case "deployer":
		return Deployer, nil
	}
	return "", apperr.New(apperr.Invalid, "side %q is not one of manufacturer or deployer", strings.TrimSpace(s))
}

// Standard is the clinical risk management standard a hazard log is kept
// under.
type Standard string

// The standards.
const (
	// DCB0129 applies to manufacturers of health IT systems.
	DCB0129 Standard = "DCB0129"
	// DCB0160 applies to health organisations deploying them.
	DCB0160 Standard = "DCB0160"
)

// Valid reports whether s is a known standard.
func (s Standard) Valid() bool { return s == DCB0129 || s == DCB0160 }

// Side returns the side that works to the standard.
func (s Standard) Side() Side {
	if s == DCB0160 {
		return Deployer
	}
	return Manufacturer
}

// ParseStandard reads a standard, ignoring case ("dcb0129", "DCB0160").
func ParseStandard(s string) (Standard, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "DCB0129":
		return DCB0129, nil
	case "DCB0160":
		return DCB0160, nil
	}
	return "", apperr.New(apperr.Invalid, "standard %q is not one of DCB0129 or DCB0160", strings.TrimSpace(s))
}
