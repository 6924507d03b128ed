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

// Rule kinds: which devices of a GTIN a recall affects.
const (
	RuleAll      = "all"       // every device of the GTIN
	RuleLots     = "lots"      // listed lots
	RuleLotRange = "lot_range" // lots From..To: same length, byte order, inclusive
	RuleSerials  = "serials"   // listed serial numbers
	RuleExpiry   = "expiry"    // expiry dates From..To (YYYY-MM-DD), inclusive
)

// Rule is one line of what a recall affects. A device matches a recall when
// it matches any of its rules. A rule names its product by GTIN or, for
// HIBC-labelled devices without one, by HIBC labeler code and catalogue
// number (written "A123/BJC5D6E7" in the text form).
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

// Matches reports whether d is affected by the rule. The store's SQL
// implements the same semantics.
func (r Rule) Matches(d Device) bool {
	if !r.names(d) {
		return false
	}
	switch r.Kind {
	case RuleAll:
		return true
	case RuleLots:
		return d.Lot != "" && contains(r.Lots, d.Lot)
	case RuleLotRange:
		return d.Lot != "" && len(d.Lot) == len(r.From) && d.Lot >= r.From && d.Lot <= r.To
	case RuleSerials:
		return d.Serial != "" && contains(r.Serials, d.Serial)
	case RuleExpiry:
		return d.Expiry != "" && d.Expiry >= r.From && d.Expiry <= r.To
	}
	return false
}

// names reports whether d is of the rule's product: the same GTIN, or for
// an HIBC rule the same labeler code and catalogue number.
func (r Rule) names(d Device) bool {
	if r.GTIN != "" {
		return d.GTIN == r.GTIN
	}
	return r.Labeler != "" && d.Labeler == r.Labeler && d.Catalogue == r.Catalogue
}

// product writes the rule's product as the text form does.
func (r Rule) product() string {
	if r.GTIN == "" && r.Labeler != "" {
		return r.Labeler + "/" + r.Catalogue
	}
	return r.GTIN
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// String writes the rule in the text form ParseAffects reads.
func (r Rule) String() string {
	switch r.Kind {
	case RuleAll:
		return r.product() + " all"
	case RuleLots:
		return r.product() + " lots " + strings.Join(r.Lots, ", ")
	case RuleLotRange:
		return r.product() + " lots from " + r.From + " to " + r.To
	case RuleSerials:
		return r.product() + " serials " + strings.Join(r.Serials, ", ")
	case RuleExpiry:
		return r.product() + " expiry from " + r.From + " to " + r.To
	}
	return r.product() + " " + r.Kind
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

// Validate normalises r and returns a message for the person, or "".
func (r *Rule) Validate() string {
	if r.GTIN == "" && (r.Labeler != "" || r.Catalogue != "") {
		l, msg := CheckLabeler(r.Labeler)
		if msg != "" {
			return msg
		}
		c, msg := CheckHIBCCatalogue(r.Catalogue)
		if msg != "" {
			return msg
		}
		r.Labeler, r.Catalogue = l, c
	} else {
		if r.Labeler != "" || r.Catalogue != "" {
			return "name the product by its GTIN or by its HIBC labeler code and catalogue number, not both"
		}
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
			if x == "" || seen[x] {
				continue
			}
			if len(x) > 20 {
				return nil, fmt.Sprintf("%s %q is longer than 20 characters", what, trunc(x))
			}
			if !isCS82(x) {
				return nil, fmt.Sprintf("%s %q has characters that cannot appear on a GS1 label", what, trunc(x))
			}
			seen[x] = true
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
		if msg == "" && strings.EqualFold(r.Lots[0], "from") {
			msg = "a lot called \"from\" reads as a range: list another lot first"
		}
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
		case r.From > r.To:
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
//	05012345678906 lots from A100 to A199
//	05012345678906 serials SN001, SN002
//	05012345678906 expiry from 2026-01-01 to 2026-06-30
//	A123/BJC5D6E7 lots L1, L2
//
// A product without a GTIN is written as its HIBC labeler code, "/" and
// catalogue number.
// Values are separated by commas or spaces; blank lines and lines starting
// with # are ignored. It returns the rules, or an Invalid error whose field
// "affects" names every bad line. It never panics.
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

func parseRuleLine(line string) (Rule, string) {
	words := strings.FieldsFunc(line, func(c rune) bool { return unicode.IsSpace(c) || c == ',' })
	if len(words) < 2 {
		return Rule{}, "write a GTIN, then all, lots, serials or expiry"
	}
	r := Rule{GTIN: words[0]}
	if l, c, ok := strings.Cut(words[0], "/"); ok {
		r = Rule{Labeler: l, Catalogue: c}
		if l == "" || c == "" || strings.Contains(c, "/") {
			return r, "write an HIBC product as its labeler code and catalogue number, like A123/BJC5D6E7"
		}
	}
	kw, rest := strings.ToLower(words[1]), words[2:]
	fromTo := func() (string, string, bool) {
		if len(rest) == 4 && strings.EqualFold(rest[0], "from") && strings.EqualFold(rest[2], "to") {
			return rest[1], rest[3], true
		}
		return "", "", false
	}
	switch kw {
	case "all":
		if len(rest) > 0 {
			return r, "nothing may follow all"
		}
		r.Kind = RuleAll
	case "lot", "lots":
		if len(rest) > 0 && strings.EqualFold(rest[0], "from") {
			f, t, ok := fromTo()
			if !ok {
				return r, "write a lot range as: lots from FIRST to LAST"
			}
			r.Kind, r.From, r.To = RuleLotRange, f, t
		} else {
			r.Kind, r.Lots = RuleLots, rest
		}
	case "serial", "serials":
		r.Kind, r.Serials = RuleSerials, rest
	case "expiry":
		f, t, ok := fromTo()
		if !ok {
			return r, "write an expiry window as: expiry from YYYY-MM-DD to YYYY-MM-DD"
		}
		r.Kind, r.From, r.To = RuleExpiry, f, t
	default:
		return r, fmt.Sprintf("after the GTIN write all, lots, serials or expiry, not %q", trunc(words[1]))
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

// Affects reports whether d is affected by the recall.
func (r Recall) Affects(d Device) bool {
	for _, rule := range r.Rules {
		if rule.Matches(d) {
			return true
		}
	}
	return false
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
const (
	ActionToContact   = "to_contact"
	ActionContacted   = "contacted"
	ActionReviewed    = "reviewed"
	ActionExplanted   = "explanted"
	ActionNotAffected = "not_affected"
)

// ActionStatuses lists the statuses with labels.
var ActionStatuses = []struct{ Code, Label string }{
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
