package devices

import (
	"strings"
	"unicode"
)

// Patient details are matched by NHS number. A patient on file is never
// changed by recording a procedure: typed details that differ from those
// on file stop the procedure unless the person chooses to update the
// patient's details (PatientInput.UpdateDetails), and blank optional
// fields never erase what is stored.

// patientField is one detail of a patient, for comparing and merging.
type patientField struct {
	name, label string
	identity    bool // name and date of birth: a difference may be another person
	get         func(*Patient) *string
	same        func(a, b string) bool
}

var patientFields = []patientField{
	{"name", "Name", true, func(p *Patient) *string { return &p.Name }, sameWords},
	{"birth_date", "Date of birth", true, func(p *Patient) *string { return &p.BirthDate }, sameExact},
	{"address", "Address", false, func(p *Patient) *string { return &p.Address }, sameWords},
	{"postcode", "Postcode", false, func(p *Patient) *string { return &p.Postcode }, sameNoSpace},
	{"phone", "Phone number", false, func(p *Patient) *string { return &p.Phone }, sameNoSpace},
	{"email", "Email address", false, func(p *Patient) *string { return &p.Email }, sameExact},
}

func sameExact(a, b string) bool { return a == b }

// sameWords compares ignoring case and runs of spaces: "ann  SMITH" is
// "Ann Smith".
func sameWords(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// sameNoSpace compares ignoring case and spaces: "ls14ap" is "LS1 4AP".
func sameNoSpace(a, b string) bool {
	strip := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
	}
	return strings.EqualFold(strip(a), strip(b))
}

// PatientDifferences compares typed details with the patient on file and
// returns a message per differing field, keyed by prefix plus the field
// name (name, birth_date, address, postcode, phone, email). Blank typed
// fields are not differences. The messages do not repeat the details on
// file. Identity fields (name, date of birth) say that the NHS number may
// be wrong; others say how to keep the details on file.
func PatientDifferences(onFile, typed Patient, prefix string) map[string]string {
	var out map[string]string
	for _, f := range patientFields {
		v := *f.get(&typed)
		if v == "" || f.same(*f.get(&onFile), v) {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		if f.identity {
			out[prefix+f.name] = f.label + " does not match the patient on file with this NHS number. Check the NHS number and the " +
				strings.ToLower(f.label) + ", or choose to update the patient's details"
		} else {
			out[prefix+f.name] = f.label + " is different from the one on file for this patient. Leave it blank to keep the one on file, or choose to update the patient's details"
		}
	}
	return out
}

// IsIdentityField reports whether a field name (without prefix) is one of
// the details that identify a patient with their NHS number: name and date
// of birth.
func IsIdentityField(name string) bool { return name == "name" || name == "birth_date" }

// PatientChange is one detail changed by MergePatient.
type PatientChange struct {
	Field, Before, After string
}

// MergePatient returns the patient on file with typed details applied:
// every non-blank typed field that differs replaces the one on file, blank
// ones keep it. It also returns the changes, in field order.
func MergePatient(onFile, typed Patient) (Patient, []PatientChange) {
	out := onFile
	var changes []PatientChange
	for _, f := range patientFields {
		v := *f.get(&typed)
		old := f.get(&out)
		if v == "" || v == *old {
			continue
		}
		changes = append(changes, PatientChange{Field: f.name, Before: *old, After: v})
		*old = v
	}
	return out, changes
}
