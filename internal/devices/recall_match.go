package devices

import (
	"fmt"
	"strings"
)

// How recalls compare device identities
//
// A Field Safety Notice is typed from a manufacturer's letter and a device
// is scanned or typed at the bedside, so the same lot can be written two
// ways. clinsafe compares them in two steps:
//
//   - Same value (the device is affected): NormalizeCode of both sides is
//     equal. It trims surrounding white space and upper-cases letters, so
//     "abc123 " and "ABC123" are the same lot. Lot ranges compare the
//     normalised values in byte order, same length as the range's ends.
//   - Near value (the device is possibly affected, for a person to check):
//     NearCode of both sides is equal. It also drops the separators
//     - . / _ and spaces and any leading zeros, so "012345" is near
//     "12345" and "A-123" is near "A123". A lot range is near when the
//     near codes, padded on the left with zeros to one length, fall in the
//     range.
//
// A device that cannot be ruled out is possibly affected too: a recall
// that lists lots, serial numbers or an expiry window and a device of the
// recalled product with no lot, serial or expiry recorded; and a device
// recorded without a GTIN whose manufacturer and model (or catalogue
// number) are those of a recalled GTIN's catalogue entry. A rule naming an
// HIBC labeler code and catalogue number affects the devices of that
// labeler and catalogue number; a near catalogue number of that labeler,
// or one recorded without a GTIN or labeler code under the recall's
// manufacturer, is possibly affected. Manufacturer and model names
// compare by NormalizeName. Nothing that is possibly affected
// is dropped: the lists show it apart from the affected devices, with the
// reason, for review.

// Levels of a device's match with a recall, from none to affected.
const (
	MatchNone     = ""
	MatchPossible = "possible"
	MatchAffected = "affected"
)

func matchRank(level string) int {
	switch level {
	case MatchAffected:
		return 2
	case MatchPossible:
		return 1
	}
	return 0
}

// NormalizeCode is the form in which a lot, serial number or catalogue
// number is compared for a match: surrounding white space trimmed, letters
// upper-cased.
func NormalizeCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// NearCode is the form in which codes are compared for a near match:
// NormalizeCode, then without the separators - . / _ and spaces and
// without leading zeros.
func NearCode(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '-', '.', '/', '_', ' ', '\t':
			return -1
		}
		return r
	}, NormalizeCode(s))
	return strings.TrimLeft(s, "0")
}

// legalSuffixes are the words dropped from the end of a manufacturer's
// name by NormalizeName.
var legalSuffixes = map[string]bool{"ltd": true, "limited": true, "plc": true, "inc": true, "incorporated": true, "llc": true,
	"gmbh": true, "ag": true, "sa": true, "bv": true, "co": true, "corp": true, "corporation": true, "company": true, "uk": true}

// NormalizeName is the form in which manufacturer and model names compare:
// lower-case letters and digits, other characters as word breaks, and
// trailing legal-form words (Ltd, Limited, plc, Inc, GmbH, UK, ...)
// dropped, so "Acme Orthopaedics Ltd." and "ACME ORTHOPAEDICS LIMITED" are
// one manufacturer.
func NormalizeName(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	})
	for len(words) > 1 && legalSuffixes[words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	return strings.Join(words, " ")
}

// RecordedDevice is what the recall matcher knows of a device on the
// register: its identity, and its product's manufacturer, model and
// catalogue number (as recorded with the device, else from the catalogue;
// "" when not known). Left empty, Manufacturer and CatalogueNumber are
// read from the Device's own Manufacturer and Catalogue.
type RecordedDevice struct {
	Device
	Manufacturer    string
	Model           string
	CatalogueNumber string
}

// maker is the device's manufacturer as the matcher compares it.
func (d RecordedDevice) maker() string {
	if d.Manufacturer != "" {
		return d.Manufacturer
	}
	return d.Device.Manufacturer
}

// catalogue is the device's catalogue number as the matcher compares it.
func (d RecordedDevice) catalogue() string {
	if d.CatalogueNumber != "" {
		return d.CatalogueNumber
	}
	return d.Device.Catalogue
}

// Matcher classifies recorded devices against one recall.
type Matcher struct {
	recall   Recall
	products map[string]Product
}

// NewMatcher returns the matcher of rc. products are the catalogue entries
// of the GTINs the recall names (others are ignored); with them a device
// recorded without a GTIN but of the same manufacturer and model is found
// as possibly affected.
func NewMatcher(rc Recall, products []Product) *Matcher {
	m := &Matcher{recall: rc, products: map[string]Product{}}
	for _, p := range products {
		m.products[p.GTIN] = p
	}
	return m
}

// Classify returns how d matches the recall (MatchAffected, MatchPossible
// or MatchNone) and, for a possible match, the reasons a person should
// check it. The best match of any rule counts.
func (m *Matcher) Classify(d RecordedDevice) (string, []string) {
	best, reasons := MatchNone, []string(nil)
	for _, r := range m.recall.Rules {
		level, reason := m.classifyRule(r, d)
		switch {
		case matchRank(level) > matchRank(best):
			best = level
			reasons = nil
			if reason != "" {
				reasons = []string{reason}
			}
		case level == MatchPossible && best == MatchPossible && reason != "":
			reasons = append(reasons, reason)
		}
		if best == MatchAffected {
			return best, nil
		}
	}
	return best, reasons
}

// identity says whether d is the product the rule names: affected for the
// same GTIN (or manufacturer and catalogue number, or HIBC labeler code
// and catalogue number), possible with a reason for a near identity.
func (m *Matcher) identity(r Rule, d RecordedDevice) (string, string) {
	maker, cat := d.maker(), d.catalogue()
	if r.GTIN != "" {
		if d.GTIN == r.GTIN {
			return MatchAffected, ""
		}
		p, ok := m.products[r.GTIN]
		if d.GTIN != "" || !ok || NormalizeName(maker) == "" || NormalizeName(maker) != NormalizeName(p.Manufacturer) {
			return MatchNone, ""
		}
		if NormalizeName(d.Model) != "" && NormalizeName(d.Model) == NormalizeName(p.Model) {
			return MatchPossible, fmt.Sprintf("recorded without a GTIN; same manufacturer and model as GTIN %s", r.GTIN)
		}
		if p.CatalogueNumber != "" && NearCode(cat) == NearCode(p.CatalogueNumber) {
			return MatchPossible, fmt.Sprintf("recorded without a GTIN; same manufacturer and catalogue number as GTIN %s", r.GTIN)
		}
		return MatchNone, ""
	}
	if r.Catalogue == "" || cat == "" {
		return MatchNone, ""
	}
	near := NearCode(cat) == NearCode(r.Catalogue) && NearCode(r.Catalogue) != ""
	if r.Labeler != "" {
		switch {
		case d.Labeler == "" && d.GTIN == "" && near && NormalizeName(maker) != "" && NormalizeName(maker) == NormalizeName(m.recall.Manufacturer):
			return MatchPossible, fmt.Sprintf("recorded without an HIBC labeler code; same manufacturer and catalogue number as %s/%s", r.Labeler, r.Catalogue)
		case NormalizeCode(d.Labeler) != NormalizeCode(r.Labeler):
			return MatchNone, ""
		case NormalizeCode(cat) == NormalizeCode(r.Catalogue):
			return MatchAffected, ""
		case near:
			return MatchPossible, fmt.Sprintf("catalogue number %s is close to the listed %s", cat, r.Catalogue)
		}
		return MatchNone, ""
	}
	sameMaker := NormalizeName(maker) == NormalizeName(m.recall.Manufacturer)
	switch {
	case NormalizeCode(cat) == NormalizeCode(r.Catalogue) && sameMaker:
		return MatchAffected, ""
	case NormalizeCode(cat) == NormalizeCode(r.Catalogue) && maker == "" && d.Labeler != "":
		return MatchPossible, fmt.Sprintf("catalogue number %s is listed; the device is recorded by HIBC labeler code %s, not by manufacturer", cat, d.Labeler)
	case NormalizeCode(cat) == NormalizeCode(r.Catalogue):
		return MatchPossible, fmt.Sprintf("catalogue number %s is listed, but the manufacturer is recorded as %q", cat, maker)
	case near:
		return MatchPossible, fmt.Sprintf("catalogue number %s is close to the listed %s", cat, r.Catalogue)
	}
	return MatchNone, ""
}

func (m *Matcher) classifyRule(r Rule, d RecordedDevice) (string, string) {
	id, idReason := m.identity(r, d)
	if id == MatchNone {
		return MatchNone, ""
	}
	val, valReason := r.valueMatch(d.Device)
	switch {
	case val == MatchNone:
		return MatchNone, ""
	case id == MatchAffected && val == MatchAffected:
		return MatchAffected, ""
	case idReason != "" && valReason != "":
		return MatchPossible, idReason + "; " + valReason
	case idReason != "":
		return MatchPossible, idReason
	}
	return MatchPossible, valReason
}

// valueMatch compares the lot, serial or expiry of d with the rule.
func (r Rule) valueMatch(d Device) (string, string) {
	list := func(what string, listed []string, v string) (string, string) {
		if NormalizeCode(v) == "" {
			return MatchPossible, "no " + what + " recorded"
		}
		for _, x := range listed {
			if NormalizeCode(x) == NormalizeCode(v) {
				return MatchAffected, ""
			}
		}
		if near := NearCode(v); near != "" {
			for _, x := range listed {
				if NearCode(x) == near {
					return MatchPossible, fmt.Sprintf("%s %s is close to the listed %s", what, v, x)
				}
			}
		}
		return MatchNone, ""
	}
	switch r.Kind {
	case RuleAll:
		return MatchAffected, ""
	case RuleLots:
		return list("lot", r.Lots, d.Lot)
	case RuleSerials:
		return list("serial number", r.Serials, d.Serial)
	case RuleLotRange:
		lot, from, to := NormalizeCode(d.Lot), NormalizeCode(r.From), NormalizeCode(r.To)
		if lot == "" {
			return MatchPossible, "no lot recorded"
		}
		if len(lot) == len(from) && lot >= from && lot <= to {
			return MatchAffected, ""
		}
		k, f, t := NearCode(lot), NearCode(from), NearCode(to)
		n := max(len(k), len(f), len(t))
		pad := func(s string) string { return strings.Repeat("0", n-len(s)) + s }
		if k != "" && pad(k) >= pad(f) && pad(k) <= pad(t) {
			return MatchPossible, fmt.Sprintf("lot %s is close to the range %s to %s", d.Lot, r.From, r.To)
		}
		return MatchNone, ""
	case RuleExpiry:
		if d.Expiry == "" {
			return MatchPossible, "no expiry date recorded"
		}
		if d.Expiry >= r.From && d.Expiry <= r.To {
			return MatchAffected, ""
		}
		return MatchNone, ""
	}
	return MatchNone, ""
}
