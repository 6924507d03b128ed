package devices

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/gs1"
	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/text"
)

// Recall kinds.
var RecallKinds = []struct{ Code, Label string }{
	{"fsn", "Field Safety Notice (manufacturer)"},
	{"natpsa", "National Patient Safety Alert"},
}

// Rule kinds: which devices of a product a recall affects. Lots and
// serial numbers compare as NormalizeCode gives them (see recall_match.go).
const (
	RuleAll      = "all"       // every device of the product
	RuleLots     = "lots"      // listed lots
	RuleLotRange = "lot_range" // lots From..To: same length, byte order, inclusive
	RuleSerials  = "serials"   // listed serial numbers
	RuleExpiry   = "expiry"    // expiry dates From..To (YYYY-MM-DD), inclusive
)

// Rule is one line of what a recall affects. A device matches a recall when
// it matches any of its rules. The product is named by its GTIN or, when
// GTIN is empty, by its catalogue number: with Labeler, the HIBC labeler
// code (for HIBC-labelled devices without a GTIN, written "A123/BJC5D6E7"
// in the text form); without, the REF on the label with the recall's
// manufacturer.
type Rule struct {
	GTIN      string   `json:"gtin"`
	Labeler   string   `json:"labeler,omitempty"`
	Catalogue string   `json:"catalogue_number,omitempty"`
	Kind      string   `json:"kind"`
	Lots      []string `json:"lots,omitempty"`
	Serials   []string `json:"serials,omitempty"`
	From      string   `json:"from,omitempty"`
	To        string   `json:"to,omitempty"`
}

// head is the product a rule names, as written in the text form.
func (r Rule) head() string {
	switch {
	case r.GTIN == "" && r.Labeler != "":
		return r.Labeler + "/" + r.Catalogue
	case r.GTIN == "" && r.Catalogue != "":
		return "REF " + r.Catalogue
	}
	return r.GTIN
}

// onePerLine reports whether a list must be written one value per line:
// a value holds a comma, or the first reads as the start of a range.
func onePerLine(xs []string) bool {
	for i, x := range xs {
		if strings.Contains(x, ",") || i == 0 && strings.EqualFold(x, "from") {
			return true
		}
	}
	return false
}

// String writes the rule in the text form ParseAffects reads (several
// lines when a lot or serial number holds a comma).
func (r Rule) String() string {
	h := r.head()
	list := func(one, many string, xs []string) string {
		if !onePerLine(xs) {
			return h + " " + many + " " + strings.Join(xs, ", ")
		}
		lines := make([]string, len(xs))
		for i, x := range xs {
			lines[i] = h + " " + one + " " + x
		}
		return strings.Join(lines, "\n")
	}
	switch r.Kind {
	case RuleAll:
		return h + " all"
	case RuleLots:
		return list("lot", "lots", r.Lots)
	case RuleLotRange:
		return h + " lots from " + r.From + " to " + r.To
	case RuleSerials:
		return list("serial", "serials", r.Serials)
	case RuleExpiry:
		return h + " expiry from " + r.From + " to " + r.To
	}
	return h + " " + r.Kind
}

// Describe is a sentence for people.
func (r Rule) Describe() string {
	switch r.Kind {
	case RuleAll:
		return "every device"
	case RuleLots:
		return text.Count(len(r.Lots), "lot", "lots") + ": " + strings.Join(r.Lots, ", ")
	case RuleLotRange:
		return "lots " + r.From + " to " + r.To
	case RuleSerials:
		return text.Count(len(r.Serials), "serial number", "serial numbers") + ": " + strings.Join(r.Serials, ", ")
	case RuleExpiry:
		return "expiring " + r.From + " to " + r.To
	}
	return r.Kind
}

// Limits on what a recall may list.
const (
	MaxRules        = 200
	MaxValuesInRule = 5000
)

// MaxCatalogueNumber is the longest catalogue number a rule may name.
const MaxCatalogueNumber = 30

// Validate normalises r and returns a message for the person, or "". A
// rule names a GTIN, a catalogue number, or an HIBC labeler code and
// catalogue number: one of them. Lots and serial numbers that are the
// same after NormalizeCode are listed once.
func (r *Rule) Validate() string {
	r.Catalogue = strings.TrimSpace(r.Catalogue)
	r.Labeler = strings.TrimSpace(r.Labeler)
	switch {
	case strings.TrimSpace(r.GTIN) != "" && (r.Catalogue != "" || r.Labeler != ""):
		return "name the product by its GTIN or by its catalogue number, not both"
	case r.Labeler != "":
		l, msg := CheckLabeler(r.Labeler)
		if msg != "" {
			return msg
		}
		c, msg := CheckHIBCCatalogue(r.Catalogue)
		if msg != "" {
			return msg
		}
		r.Labeler, r.Catalogue, r.GTIN = l, c, ""
	case r.Catalogue != "":
		if len(r.Catalogue) > MaxCatalogueNumber || !isCS82(r.Catalogue) {
			return fmt.Sprintf("catalogue number %q must be up to %d characters that can appear on a label", trunc(r.Catalogue), MaxCatalogueNumber)
		}
		r.GTIN = ""
	default:
		g, msg := CheckGTIN(r.GTIN)
		if msg != "" {
			return msg
		}
		r.GTIN = g
	}
	var msg string
	checkList := func(what string, xs []string) ([]string, string) {
		var out []string
		seen := map[string]bool{}
		for _, x := range xs {
			x = strings.TrimSpace(x)
			if x == "" || seen[NormalizeCode(x)] {
				continue
			}
			if len(x) > 20 {
				return nil, fmt.Sprintf("%s %q is longer than 20 characters", what, trunc(x))
			}
			if !isCS82(x) {
				return nil, fmt.Sprintf("%s %q has characters that cannot appear on a GS1 label", what, trunc(x))
			}
			seen[NormalizeCode(x)] = true
			out = append(out, x)
		}
		if len(out) == 0 {
			return nil, "list at least one " + what
		}
		if len(out) > MaxValuesInRule {
			return nil, fmt.Sprintf("list at most %d values in one line", MaxValuesInRule)
		}
		return out, ""
	}
	switch r.Kind {
	case RuleAll:
		r.Lots, r.Serials, r.From, r.To = nil, nil, "", ""
	case RuleLots:
		r.Lots, msg = checkList("lot", r.Lots)
		r.Serials, r.From, r.To = nil, "", ""
	case RuleSerials:
		r.Serials, msg = checkList("serial number", r.Serials)
		r.Lots, r.From, r.To = nil, "", ""
	case RuleLotRange:
		r.Lots, r.Serials = nil, nil
		r.From, r.To = strings.TrimSpace(r.From), strings.TrimSpace(r.To)
		switch {
		case r.From == "" || r.To == "":
			msg = "give the first and last lot of the range"
		case len(r.From) != len(r.To):
			msg = "the first and last lot of a range must have the same number of characters"
		case len(r.From) > 20 || !isCS82(r.From) || !isCS82(r.To):
			msg = "lots must be up to 20 characters that can appear on a GS1 label"
		case NormalizeCode(r.From) > NormalizeCode(r.To):
			msg = "the first lot of the range comes after the last"
		}
	case RuleExpiry:
		r.Lots, r.Serials = nil, nil
		f, m1 := ParseDate(r.From)
		t, m2 := ParseDate(r.To)
		switch {
		case m1 != "":
			msg = "expiry from " + m1
		case m2 != "":
			msg = "expiry to " + m2
		case f.After(t):
			msg = "the expiry window starts after it ends"
		default:
			r.From, r.To = f.Format(time.DateOnly), t.Format(time.DateOnly)
		}
	default:
		msg = "kind must be all, lots, lot_range, serials or expiry"
	}
	return msg
}

func isCS82(s string) bool { return gs1.InCS82(s) }

func trunc(s string) string {
	if len(s) > 24 {
		n := 24
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		return s[:n] + "…"
	}
	return s
}

// ParseAffects reads what a recall affects, one rule per line:
//
//	05012345678906 all
//	05012345678906 lots A123, A124
//	05012345678906 lot A,125
//	05012345678906 lots from A100 to A199
//	05012345678906 serials SN001, SN002
//	05012345678906 expiry from 2026-01-01 to 2026-06-30
//	REF 71-345 lots A123
//	A123/BJC5D6E7 lots L1, L2
//
// A line names the product by its GTIN, by REF and its catalogue number
// (the recall's manufacturer's), or, for an HIBC-labelled product without
// a GTIN, by its HIBC labeler code, "/" and catalogue number. After lots
// and serials, values are separated by commas or spaces; after lot and
// serial the rest of the line is one value, so a lot holding a comma is
// typed one per line (following lot or serial lines of the same product
// make one rule). Blank lines and lines starting with # are ignored. It
// returns the rules, or an Invalid error whose field "affects" names every
// bad line. It never panics.
func ParseAffects(text string) ([]Rule, error) {
	var rules []Rule
	var problems []string
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, msg := parseRuleLine(line)
		if msg == "" {
			msg = r.Validate()
		}
		if msg != "" {
			problems = append(problems, fmt.Sprintf("line %d: %s", i+1, msg))
			if len(problems) >= 10 {
				break
			}
			continue
		}
		if n := len(rules); n > 0 && mergeable(rules[n-1], r) {
			rules[n-1].Lots = appendNew(rules[n-1].Lots, r.Lots)
			rules[n-1].Serials = appendNew(rules[n-1].Serials, r.Serials)
			if len(rules[n-1].Lots)+len(rules[n-1].Serials) > MaxValuesInRule {
				problems = append(problems, fmt.Sprintf("line %d: list at most %d values for one product", i+1, MaxValuesInRule))
				break
			}
			continue
		}
		rules = append(rules, r)
	}
	if len(problems) == 0 && len(rules) == 0 {
		problems = append(problems, "Enter at least one line saying which devices are affected, like: 05012345678906 lots A123, A124")
	}
	if len(rules) > MaxRules {
		problems = append(problems, fmt.Sprintf("list at most %d lines", MaxRules))
	}
	if len(problems) > 0 {
		return nil, &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with the affected devices",
			Fields: map[string]string{"affects": "Affected devices: " + strings.Join(problems, "; ")}}
	}
	return rules, nil
}

// mergeable reports whether b continues a's list: the same product and
// both lots, or both serial numbers.
func mergeable(a, b Rule) bool {
	return a.GTIN == b.GTIN && a.Labeler == b.Labeler && a.Catalogue == b.Catalogue && a.Kind == b.Kind && (a.Kind == RuleLots || a.Kind == RuleSerials)
}

// appendNew adds the values of add not already in xs (as NormalizeCode
// compares them).
func appendNew(xs, add []string) []string {
	for _, a := range add {
		dup := false
		for _, x := range xs {
			dup = dup || NormalizeCode(x) == NormalizeCode(a)
		}
		if !dup {
			xs = append(xs, a)
		}
	}
	return xs
}

// nextWord splits the first word (ended by white space; a trailing comma
// dropped) from the rest of s, trimmed.
func nextWord(s string) (string, string) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return strings.TrimRight(s, ","), ""
	}
	return strings.TrimRight(s[:i], ","), strings.TrimSpace(s[i:])
}

func parseRuleLine(line string) (Rule, string) {
	first, rest := nextWord(line)
	var r Rule
	if strings.EqualFold(first, "ref") {
		r.Catalogue, rest = nextWord(rest)
		if r.Catalogue == "" {
			return r, "write the catalogue number after REF"
		}
	} else if l, c, ok := strings.Cut(first, "/"); ok {
		r.Labeler, r.Catalogue = l, c
		if l == "" || c == "" || strings.Contains(c, "/") {
			return r, "write an HIBC product as its labeler code and catalogue number, like A123/BJC5D6E7"
		}
	} else {
		r.GTIN = first
	}
	kwWord, rest := nextWord(rest)
	if kwWord == "" {
		return Rule{}, "write a GTIN (or REF and a catalogue number, or an HIBC labeler code/catalogue number), then all, lots, serials or expiry"
	}
	kw := strings.ToLower(kwWord)
	words := strings.FieldsFunc(rest, func(c rune) bool { return unicode.IsSpace(c) || c == ',' })
	fromTo := func() (string, string, bool) {
		if len(words) == 4 && strings.EqualFold(words[0], "from") && strings.EqualFold(words[2], "to") {
			return words[1], words[3], true
		}
		return "", "", false
	}
	switch kw {
	case "all":
		if rest != "" {
			return r, "nothing may follow all"
		}
		r.Kind = RuleAll
	case "lot", "lots":
		if f, t, ok := fromTo(); ok {
			r.Kind, r.From, r.To = RuleLotRange, f, t
		} else if kw == "lot" {
			r.Kind = RuleLots
			if strings.ContainsFunc(rest, unicode.IsSpace) {
				return r, "a lot cannot hold spaces: to list several lots write lots A1, A2"
			}
			if rest != "" {
				r.Lots = []string{rest}
			}
		} else if len(words) > 0 && strings.EqualFold(words[0], "from") {
			return r, "write a lot range as: lots from FIRST to LAST (or a lot called from as: lot from)"
		} else {
			r.Kind, r.Lots = RuleLots, words
		}
	case "serial":
		r.Kind = RuleSerials
		if strings.ContainsFunc(rest, unicode.IsSpace) {
			return r, "a serial number cannot hold spaces: to list several write serials S1, S2"
		}
		if rest != "" {
			r.Serials = []string{rest}
		}
	case "serials":
		r.Kind, r.Serials = RuleSerials, words
	case "expiry":
		f, t, ok := fromTo()
		if !ok {
			return r, "write an expiry window as: expiry from YYYY-MM-DD to YYYY-MM-DD"
		}
		r.Kind, r.From, r.To = RuleExpiry, f, t
	default:
		return r, fmt.Sprintf("after the GTIN write all, lots, serials or expiry, not %q", trunc(kwWord))
	}
	return r, ""
}

// FormatAffects writes rules in the text form.
func FormatAffects(rules []Rule) string {
	var b strings.Builder
	for _, r := range rules {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Recall is a Field Safety Notice or National Patient Safety Alert and the
// devices it affects.
type Recall struct {
	ID             string    `json:"id"`
	Reference      string    `json:"reference"`
	Kind           string    `json:"kind"`
	Issuer         string    `json:"issuer"`
	IssuedOn       string    `json:"issued_on"`
	Manufacturer   string    `json:"manufacturer"`
	ActionRequired string    `json:"action_required"`
	Deadline       string    `json:"deadline,omitempty"`
	Status         string    `json:"status"` // open or closed
	Rules          []Rule    `json:"affects"`
	CreatedAt      time.Time `json:"created_at"`
	// ClosedReason and ClosedAt say why and when it was closed (the reason
	// is required while patients' recall work was open).
	ClosedReason string     `json:"closed_reason,omitempty"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
}

// KindLabel names the recall's kind.
func (r Recall) KindLabel() string {
	for _, k := range RecallKinds {
		if k.Code == r.Kind {
			return k.Label
		}
	}
	return r.Kind
}

// Affects reports whether d is affected by the recall, as the recall's
// patient lists find it: the recall's Matcher, with products the catalogue
// entries of the GTINs it names (see NewMatcher), so that a rule naming a
// catalogue number is compared with the recall's manufacturer and the
// device's catalogue entry. A device only possibly affected is not.
func (r Recall) Affects(d RecordedDevice, products []Product) bool {
	level, _ := NewMatcher(r, products).Classify(d)
	return level == MatchAffected
}

// GTINs lists the GTINs the recall's rules name, whose catalogue entries
// its Matcher needs (see NewMatcher).
func (r Recall) GTINs() []string {
	var out []string
	for _, rule := range r.Rules {
		if rule.GTIN != "" {
			out = append(out, rule.GTIN)
		}
	}
	return out
}

// RecallInput is a recall as typed or sent. Affects is the text form (the
// page); Rules the structured form (the API); one of them is given.
type RecallInput struct {
	Reference      string `json:"reference"`
	Kind           string `json:"kind"`
	Issuer         string `json:"issuer"`
	IssuedOn       string `json:"issued_on"`
	Manufacturer   string `json:"manufacturer"`
	ActionRequired string `json:"action_required"`
	Deadline       string `json:"deadline"`
	Affects        string `json:"affects_text,omitempty"`
	Rules          []Rule `json:"affects,omitempty"`
}

// Recall validates in.
func (in RecallInput) Recall(today time.Time) (Recall, error) {
	var f apperr.Fields
	r := Recall{Reference: strings.TrimSpace(in.Reference), Kind: in.Kind, Issuer: strings.TrimSpace(in.Issuer),
		Manufacturer: strings.TrimSpace(in.Manufacturer), ActionRequired: strings.TrimSpace(in.ActionRequired), Status: "open"}
	f.Check(r.Reference == "", "reference", "Enter the notice or alert reference")
	f.Check(len(r.Reference) > 100, "reference", "Reference must be 100 characters or fewer")
	f.Check(!hasCode(RecallKinds, r.Kind), "kind", "Select whether this is a Field Safety Notice or a National Patient Safety Alert")
	f.Check(r.Issuer == "", "issuer", "Enter who issued it")
	f.Check(len(r.Issuer) > 200, "issuer", "Issuer must be 200 characters or fewer")
	if d, ok := pastDate(&f, "issued_on", in.IssuedOn, "Enter the date it was issued", "Date issued",
		"Date issued must be today or in the past", today); ok {
		r.IssuedOn = d.Format(time.DateOnly)
	}
	f.Check(r.Manufacturer == "", "manufacturer", "Enter the manufacturer")
	f.Check(len(r.Manufacturer) > 200, "manufacturer", "Manufacturer must be 200 characters or fewer")
	f.Check(r.ActionRequired == "", "action_required", "Enter the action required")
	f.Check(len(r.ActionRequired) > 4000, "action_required", "Action required must be 4000 characters or fewer")
	if strings.TrimSpace(in.Deadline) != "" {
		if d, msg := ParseDate(in.Deadline); msg != "" {
			f.Add("deadline", "Deadline "+msg)
		} else if r.IssuedOn != "" && d.Format(time.DateOnly) < r.IssuedOn {
			f.Add("deadline", "Deadline must be on or after the date issued")
		} else {
			r.Deadline = d.Format(time.DateOnly)
		}
	}
	if len(in.Rules) > 0 {
		if len(in.Rules) > MaxRules {
			f.Add("affects", fmt.Sprintf("List at most %d rules", MaxRules))
		}
		for i := range in.Rules {
			if msg := in.Rules[i].Validate(); msg != "" {
				f.Add("affects", fmt.Sprintf("Affected devices: rule %d: %s", i+1, msg))
			}
		}
		r.Rules = in.Rules
	} else if rules, err := ParseAffects(in.Affects); err != nil {
		f.Add("affects", apperr.FieldsOf(err)["affects"])
	} else {
		r.Rules = rules
	}
	return r, f.Err()
}

// Action statuses of a patient in a recall, in the order they progress.
// A possibly affected patient, or one whose recalled device has been
// removed, starts at ActionToCheck: a person decides whether the notice
// applies to them.
const (
	ActionToCheck     = "to_check"
	ActionToContact   = "to_contact"
	ActionContacted   = "contacted"
	ActionReviewed    = "reviewed"
	ActionExplanted   = "explanted"
	ActionNotAffected = "not_affected"
)

// ActionStatuses lists the statuses with labels.
var ActionStatuses = []struct{ Code, Label string }{
	{ActionToCheck, "To check"},
	{ActionToContact, "To contact"},
	{ActionContacted, "Contacted"},
	{ActionReviewed, "Reviewed"},
	{ActionExplanted, "Explanted"},
	{ActionNotAffected, "Not affected"},
}

// ActionLabel names a status.
func ActionLabel(code string) string {
	for _, s := range ActionStatuses {
		if s.Code == code {
			return s.Label
		}
	}
	return code
}

// ValidAction reports whether code is a status.
func ValidAction(code string) bool { return ActionLabel(code) != code }

// ActionDone reports whether a status completes the patient's recall work.
func ActionDone(code string) bool {
	return code == ActionReviewed || code == ActionExplanted || code == ActionNotAffected
}

// Bases on which a patient is in a recall's list, in the order the list
// shows them: their devices still implanted are affected, or possibly
// affected (see Matcher), or only devices since removed are.
const (
	BasisAffected  = "affected"
	BasisPossible  = "possible"
	BasisExplanted = "explanted"
)

// Bases lists the bases with labels, in list order.
var Bases = []struct{ Code, Label string }{
	{BasisAffected, "Affected"},
	{BasisPossible, "Possibly affected: check"},
	{BasisExplanted, "Device removed: check whether follow-up is needed"},
}

// BasisLabel names a basis.
func BasisLabel(code string) string {
	for _, b := range Bases {
		if b.Code == code {
			return b.Label
		}
	}
	return code
}

// FirstAction is the status a patient's recall work starts at.
func FirstAction(basis string) string {
	if basis == BasisAffected {
		return ActionToContact
	}
	return ActionToCheck
}

// MaxBulkPatients bounds the patients of one bulk status change.
const MaxBulkPatients = 1000

// RecallActionsInput is one status change for several patients of a
// recall, as chosen on the patient list or sent to the API.
type RecallActionsInput struct {
	PatientIDs []string `json:"patient_ids"`
	Status     string   `json:"status"`
	Note       string   `json:"note"` // added to each patient's note; blank keeps the notes
}

// Validate trims and de-duplicates the patient ids and checks the status
// and note. Invalid with fields patient_ids, status, note.
func (in *RecallActionsInput) Validate() error {
	var f apperr.Fields
	seen := map[string]bool{}
	var ids []string
	for _, id := range in.PatientIDs {
		if id = strings.TrimSpace(id); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	in.PatientIDs, in.Note = ids, strings.TrimSpace(in.Note)
	f.Check(len(ids) == 0, "patient_ids", "Select at least one patient")
	f.Check(len(ids) > MaxBulkPatients, "patient_ids", fmt.Sprintf("Select at most %d patients at a time", MaxBulkPatients))
	f.Check(!ValidAction(in.Status), "status", "Select what has happened")
	f.Check(len(in.Note) > 2000, "note", "Note must be 2000 characters or fewer")
	return f.Err()
}

// CloseRecallInput is the request to close a recall. While patients'
// recall work is open, the person confirms how many they are closing it
// with (ConfirmOpen, the number they were shown) and says why.
type CloseRecallInput struct {
	ConfirmOpen int    `json:"confirm_open"`
	Reason      string `json:"reason"`
}

// Validate checks in against open, the patients whose recall work is not
// done now, and returns the trimmed reason. With open patients it needs
// ConfirmOpen equal to open (a count that has changed since the page was
// shown is refused) and a reason. Invalid with fields confirm_open and
// reason.
func (in CloseRecallInput) Validate(open int) (string, error) {
	var f apperr.Fields
	reason := strings.TrimSpace(in.Reason)
	f.Check(len(reason) > 2000, "reason", "Reason must be 2000 characters or fewer")
	if open > 0 {
		who := text.Count(open, "patient", "patients")
		switch {
		case in.ConfirmOpen == 0:
			f.Add("confirm_open", fmt.Sprintf("Confirm that you are closing this recall with %s whose recall work is not done", who))
		case in.ConfirmOpen != open:
			f.Add("confirm_open", fmt.Sprintf("The recall work of %s is not done now (you confirmed %d): check the list and confirm again", who, in.ConfirmOpen))
		}
		f.Check(reason == "", "reason", fmt.Sprintf("Enter why the recall is being closed while the work for %s is not done", who))
	}
	return reason, f.Err()
}
