package training

import (
	"slices"
	"time"

	"github.com/clinsafe/clinsafe/internal/clock"
)

// Bodies are the professional registration bodies a clinical safety
// officer may be registered with.
var Bodies = []string{"GMC", "NMC", "HCPC", "GPhC", "GDC", "other"}

// BodyLabel names a registration body.
func BodyLabel(b string) string {
	switch b {
	case "GMC":
		return "General Medical Council (GMC)"
	case "NMC":
		return "Nursing and Midwifery Council (NMC)"
	case "HCPC":
		return "Health and Care Professions Council (HCPC)"
	case "GPhC":
		return "General Pharmaceutical Council (GPhC)"
	case "GDC":
		return "General Dental Council (GDC)"
	case "other":
		return "Another regulator"
	}
	return b
}

// ValidBody reports whether b is one of Bodies.
func ValidBody(b string) bool { return slices.Contains(Bodies, b) }

// RegistrationCheckMonths is how long a check of a CSO's registration
// stands: after it the register shows the CSO as lapsed.
const RegistrationCheckMonths = 12

// Competency statuses of a clinical safety officer.
const (
	Current = "current"
	Lapsed  = "lapsed"
)

// CSOStatus is a CSO's status at now, and why it is lapsed: no
// registration recorded, a check older than RegistrationCheckMonths, no
// clinical safety training, or training that has expired (trainingExpires
// nil: it never does).
func CSOStatus(checkedOn *time.Time, trained *time.Time, trainingExpires *time.Time, now time.Time) (string, []string) {
	var why []string
	switch {
	case checkedOn == nil:
		why = append(why, "No professional registration has been checked")
	case !checkedOn.AddDate(0, RegistrationCheckMonths, 0).After(clock.Today(now)):
		// checkedOn is a day (midnight UTC): compared with today in
		// London, it lapses as that day begins there.
		why = append(why, "The professional registration was last checked more than 12 months ago")
	}
	switch {
	case trained == nil:
		why = append(why, "No clinical safety training is recorded")
	case trainingExpires != nil && !trainingExpires.After(now):
		why = append(why, "The clinical safety training has expired")
	}
	if len(why) > 0 {
		return Lapsed, why
	}
	return Current, nil
}
