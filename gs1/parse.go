package gs1

import (
	"fmt"
	"strings"
	"time"
)

// gs is the Group Separator, ASCII 29, which scanners send for FNC1.
const gs = '\x1d'

// Form is the form in which barcode data arrived.
type Form uint8

// The forms [Parse] recognises.
const (
	// FormElementString is a GS1 element string as a scanner sends it.
	FormElementString Form = iota + 1
	// FormBracketed is the bracketed human-readable form, (01)...(17)...
	FormBracketed
	// FormDigitalLink is a GS1 Digital Link URI.
	FormDigitalLink
	// FormHIBC is an HIBC supplier label.
	FormHIBC
)

// String returns a short name of the form.
func (f Form) String() string {
	switch f {
	case FormElementString:
		return "element string"
	case FormBracketed:
		return "bracketed"
	case FormDigitalLink:
		return "digital link"
	case FormHIBC:
		return "HIBC"
	}
	return "unknown"
}

// Options control parsing. The zero value parses strictly against the
// current time.
type Options struct {
	// Lenient repairs a missing GS separator where the AI table allows only
	// one reading (see the package documentation), accepts an element string
	// behind a symbology identifier that does not mark GS1 data, and trims
	// spaces around bracketed values. Each repair is noted in Result.Notes.
	Lenient bool
	// Now fixes the current time for the century of two-digit years; the
	// zero value means time.Now().
	Now time.Time
}

// Element is one Application Identifier and its value, as read.
type Element struct {
	AI    string
	Value string
}

// Result is the outcome of parsing one barcode. Typed fields are empty or
// zero when their AI is absent; Elements has every AI in the order read.
type Result struct {
	// Input is the data as given to the parser.
	Input string
	// Form is the form the data arrived in.
	Form Form
	// Symbology is the symbology identifier the scanner put first, such as
	// "]d2", or "" when there was none.
	Symbology string
	// Elements are the AIs and their values in the order read; empty for
	// HIBC data.
	Elements []Element

	GTIN        string // AI (01), 14 digits
	ContentGTIN string // AI (02)
	SSCC        string // AI (00)
	GLN         string // AI (414), the GLN of a location
	CPV         string // AI (22), consumer product variant
	Lot         string // AI (10), or the HIBC lot
	Serial      string // AI (21), or the HIBC serial number

	// Expiry is AI (17), or the HIBC expiry date, at midnight UTC; when the
	// label gives only the month (day 00), the last day of that month.
	Expiry time.Time
	// ExpiryTime is AI (7003), the expiry date and time.
	ExpiryTime time.Time
	// ProductionDate is AI (11).
	ProductionDate time.Time
	// BestBefore is AI (15).
	BestBefore time.Time
	// Count is AI (30), a variable count of items; 0 when absent.
	Count int
	// ContentCount is AI (37), the count of trade items contained; 0 when
	// absent.
	ContentCount int

	GSRNProvider  string // AI (8017), a care provider (member of staff)
	GSRNRecipient string // AI (8018), a service recipient (patient)

	// Recovered is set when lenient parsing repaired the data; Notes says
	// how.
	Recovered bool
	// Notes describe each repair or tolerance applied, for the record.
	Notes []string
	// HIBC holds the parts of HIBC data; nil for GS1 data.
	HIBC *HIBC

	elems [4]Element // backing store for Elements, saving an allocation
}

// Get returns the value of the first element with the given AI.
func (r *Result) Get(ai string) (string, bool) {
	for _, e := range r.Elements {
		if e.AI == ai {
			return e.Value, true
		}
	}
	return "", false
}

// gs1Symbologies are the symbology identifiers that mark GS1 data.
var gs1Symbologies = [...]string{"]C1", "]d2", "]Q3", "]e0", "]J1"}

// IsGS1Symbology reports whether a symbology identifier, such as "]d2",
// marks GS1 element string data: GS1-128 (]C1), GS1 DataMatrix (]d2),
// GS1 QR Code (]Q3), GS1 DataBar (]e0) or GS1 DotCode (]J1).
func IsGS1Symbology(id string) bool {
	for _, s := range gs1Symbologies {
		if id == s {
			return true
		}
	}
	return false
}

// splitSymbology returns the length of the symbology identifier at the
// start of s: "]", a letter and a digit or letter; 0 when there is none.
func splitSymbology(s string) int {
	if len(s) >= 3 && s[0] == ']' && isLetter(s[1]) && (isDigit(s[2]) || isLetter(s[2])) {
		return 3
	}
	return 0
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// Parse parses barcode data in any of the forms the package knows,
// detected from the data after any symbology identifier: a Digital Link
// URI starts with http:// or https://, the bracketed form with "(", HIBC
// with "+", and anything else is read as a GS1 element string.
//
// It returns a *ParseError when the data is not valid. It never panics.
func Parse(s string, opts Options) (*Result, error) {
	off := splitSymbology(s)
	body := s[off:]
	switch {
	case hasHTTPScheme(body):
		return parseDigitalLink(s, off, opts)
	case strings.HasPrefix(body, "("):
		return parseBracketed(s, off, opts)
	case strings.HasPrefix(body, "+"):
		return parseHIBCResult(s, off, opts)
	}
	return parseElementString(s, off, opts)
}

// ParseElementString parses a GS1 element string as a scanner sends it: an
// optional symbology identifier, then AIs and values, with GS (ASCII 29)
// for FNC1 after each value that is not of predefined length. A GS at the
// start, at the end or doubled is ignored. It returns a *ParseError when
// the data is not valid.
func ParseElementString(s string, opts Options) (*Result, error) {
	return parseElementString(s, splitSymbology(s), opts)
}

// parser holds the state of one parse.
type parser struct {
	opts Options
	year int // current year, 0 until needed
	r    *Result
	seen map[string]string // first value of each AI, once there are many
}

func newParser(s string, off int, form Form, opts Options) *parser {
	r := &Result{Input: s, Form: form, Symbology: s[:off]}
	r.Elements = r.elems[:0]
	return &parser{opts: opts, r: r}
}

// currentYear returns the year that decides the century of YY dates.
func (p *parser) currentYear() int {
	if p.year == 0 {
		now := p.opts.Now
		if now.IsZero() {
			now = time.Now()
		}
		p.year = now.Year()
	}
	return p.year
}

// note records a tolerance applied to the data.
func (p *parser) note(format string, args ...any) {
	p.r.Notes = append(p.r.Notes, fmt.Sprintf(format, args...))
}

// recovered records a repair of the data.
func (p *parser) recovered(format string, args ...any) {
	p.r.Recovered = true
	p.note(format, args...)
}

func parseElementString(s string, off int, opts Options) (*Result, error) {
	p := newParser(s, off, FormElementString, opts)
	if off > 0 && !IsGS1Symbology(p.r.Symbology) {
		if !opts.Lenient {
			return nil, errorf(1, "", "symbology identifier %s does not mark GS1 data", p.r.Symbology)
		}
		p.note("symbology identifier %s does not mark GS1 data; read as a GS1 element string", p.r.Symbology)
	}
	i := off
	for i < len(s) {
		if s[i] == gs {
			i++
			continue
		}
		a, n, err := lookupAt(s, i, len(s))
		if err != nil {
			return nil, err
		}
		start := i + n
		if a.fixed > 0 {
			end, err := fixedEnd(a, s, start, len(s))
			if err != nil {
				return nil, err
			}
			if err := p.add(a, s[start:end], start); err != nil {
				return nil, err
			}
			i = end
			if !a.Predefined && i < len(s) && s[i] != gs {
				if !opts.Lenient {
					return nil, errorf(i+1, a.Code, "GS (FNC1) missing after the value: this AI is not of predefined length")
				}
				p.recovered("AI (%s): GS missing after its fixed-length value; next AI read from position %d", a.Code, i+1)
			}
			continue
		}
		end := len(s)
		if g := strings.IndexByte(s[start:], gs); g >= 0 {
			end = start + g
		}
		t, err := p.validate(a, s[start:end], start)
		if err == nil {
			err = p.addValid(a, s[start:end], start, t)
		} else if opts.Lenient {
			if k, ok := p.split(a, s, start, end); ok {
				err = p.addSplit(a, s, start, k, end)
			}
		}
		if err != nil {
			return nil, err
		}
		i = end
	}
	if len(p.r.Elements) == 0 {
		return nil, errorf(0, "", "no GS1 data")
	}
	return p.r, nil
}

// lookupAt reads the AI that starts at s[i], looking no further than end.
// It returns the AI and the number of digits it has.
func lookupAt(s string, i, end int) (*AI, int, *ParseError) {
	if !isDigit(s[i]) {
		return nil, 0, errorf(i+1, "", "expected an AI (digits), found %s", quoteByte(s[i]))
	}
	if i+1 >= end || !isDigit(s[i+1]) {
		return nil, 0, errorf(i+1, "", "incomplete AI %q", s[i:min(i+2, end)])
	}
	n := int(aiLen[atoi2(s[i:])])
	if n == 0 {
		return nil, 0, errorf(i+1, s[i:i+2], "unknown AI: no GS1 Application Identifier begins %s", s[i:i+2])
	}
	if i+n > end {
		return nil, 0, errorf(i+1, "", "incomplete AI %q", s[i:end])
	}
	for j := i + 2; j < i+n; j++ {
		if !isDigit(s[j]) {
			return nil, 0, errorf(j+1, "", "incomplete AI %q: %s is not a digit", s[i:j], quoteByte(s[j]))
		}
	}
	a := lookupCode(s[i : i+n])
	if a == nil {
		return nil, 0, errorf(i+1, s[i:i+n], "unknown AI")
	}
	return a, n, nil
}

// fixedEnd returns the end of the fixed-length value of a that starts at
// s[start], checking that it is all there before end.
func fixedEnd(a *AI, s string, start, end int) (int, *ParseError) {
	stop := start + a.fixed
	if stop > end {
		stop = end
	}
	if g := strings.IndexByte(s[start:stop], gs); g >= 0 {
		stop = start + g
	}
	if got := stop - start; got < a.fixed {
		return 0, errorf(start+1, a.Code, "value %q has %d characters, want %d", s[start:stop], got, a.fixed)
	}
	return stop, nil
}

// add validates the value v of a, found at offset pos of the input, and
// records it.
func (p *parser) add(a *AI, v string, pos int) *ParseError {
	t, err := p.validate(a, v, pos)
	if err != nil {
		return err
	}
	return p.addValid(a, v, pos, t)
}

// validate checks the value v of a, found at offset pos of the input, and
// returns the date or time of its first component, if it has one.
func (p *parser) validate(a *AI, v string, pos int) (time.Time, *ParseError) {
	var first time.Time
	switch {
	case v == "":
		return first, errorf(pos+1, a.Code, "no value")
	case len(v) > a.max:
		return first, errorf(pos+1, a.Code, "value has %d characters, at most %d allowed", len(v), a.max)
	case len(v) < a.min && a.fixed > 0:
		return first, errorf(pos+1, a.Code, "value %q has %d characters, want %d", v, len(v), a.fixed)
	case len(v) < a.min:
		return first, errorf(pos+1, a.Code, "value %q has %d characters, want at least %d", v, len(v), a.min)
	}
	off := 0
	for ci := range a.Components {
		c := &a.Components[ci]
		part := v[off:]
		if ci < len(a.Components)-1 {
			part = v[off : off+c.Max]
		} else if part == "" && c.Optional {
			break
		} else if len(part) < c.Min || len(part) > c.Max {
			return first, errorf(pos+off+1, a.Code, "value %q: the part from character %d has %d characters, want %s",
				v, off+1, len(part), lengthRange(c))
		}
		if bad := charsetOK(c.Charset, part); bad >= 0 {
			at := pos + off + bad + 1
			if c.Charset == Numeric {
				return first, errorf(at, a.Code, "%s is not a digit", quoteByte(part[bad]))
			}
			return first, errorf(at, a.Code, "%s is not in GS1 character set %s", quoteByte(part[bad]), charsetName(c.Charset))
		}
		if c.Check {
			if want := checkDigit(part[:len(part)-1]); want != part[len(part)-1] {
				return first, errorf(pos+off+len(part), a.Code, "check digit is %c, want %c", part[len(part)-1], want)
			}
		}
		if c.Date != NoDate {
			t, de := parseDate(c.Date, part, p.currentYear())
			if de != nil {
				return first, errorf(pos+off+de.off+1, a.Code, "date %s: %s", part, de.msg)
			}
			if ci == 0 {
				first = t
			}
		}
		off += len(part)
	}
	return first, nil
}

func lengthRange(c *Component) string {
	s := fmt.Sprint(c.Max)
	if c.Min != c.Max {
		s = fmt.Sprintf("%d to %d", c.Min, c.Max)
	}
	if c.Optional {
		s = "0 or " + s
	}
	return s
}

func charsetName(c Charset) string {
	switch c {
	case CS39:
		return "39"
	case CS64:
		return "64"
	}
	return "82"
}

// addValid records the valid value v of a, found at offset pos; t is the
// date of its first component, if any.
func (p *parser) addValid(a *AI, v string, pos int, t time.Time) *ParseError {
	r := p.r
	if err := p.checkDuplicate(a, v, pos); err != nil {
		return err
	}
	r.Elements = append(r.Elements, Element{AI: a.Code, Value: v})
	switch a.Code {
	case "01":
		r.GTIN = v
	case "02":
		r.ContentGTIN = v
	case "00":
		r.SSCC = v
	case "414":
		r.GLN = v
	case "22":
		r.CPV = v
	case "10":
		r.Lot = v
	case "21":
		r.Serial = v
	case "17":
		r.Expiry = t
	case "7003":
		r.ExpiryTime = t
	case "11":
		r.ProductionDate = t
	case "15":
		r.BestBefore = t
	case "30":
		r.Count = atoi(v)
	case "37":
		r.ContentCount = atoi(v)
	case "8017":
		r.GSRNProvider = v
	case "8018":
		r.GSRNRecipient = v
	}
	return nil
}

// checkDuplicate returns an error when a already has a value other than v.
// Long data is indexed by a map, so that it costs no more than linear time.
func (p *parser) checkDuplicate(a *AI, v string, pos int) *ParseError {
	const mapFrom = 16
	els := p.r.Elements
	if len(els) >= mapFrom && p.seen == nil {
		p.seen = make(map[string]string, 2*mapFrom)
		for _, e := range els {
			if _, ok := p.seen[e.AI]; !ok {
				p.seen[e.AI] = e.Value
			}
		}
	}
	if p.seen != nil {
		prev, ok := p.seen[a.Code]
		if !ok {
			p.seen[a.Code] = v
		} else if prev != v {
			return errorf(pos+1, a.Code, "appears twice with different values %q and %q", prev, v)
		}
		return nil
	}
	for _, e := range els {
		if e.AI == a.Code && e.Value != v {
			return errorf(pos+1, a.Code, "appears twice with different values %q and %q", e.Value, v)
		}
	}
	return nil
}

// atoi converts up to 8 digits, already checked.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// split looks for the one place k at which the variable-length value of a
// that starts at s[start] can end, when its segment (to end, the next GS or
// the end of the data) is invalid as read: s[start:k] must be a valid value
// of a, and s[k:end] must read completely as predefined fixed-length
// element strings with valid values. It fails unless exactly one k fits.
func (p *parser) split(a *AI, s string, start, end int) (int, bool) {
	found := -1
	for k := start + a.min; k <= start+a.max && k < end; k++ {
		if !p.fixedRun(s, k, end) {
			continue
		}
		if _, err := p.validate(a, s[start:k], start); err != nil {
			continue
		}
		if found >= 0 {
			return 0, false
		}
		found = k
	}
	return found, found >= 0
}

// fixedRun reports whether s[i:end] reads completely as predefined
// fixed-length element strings with valid values.
func (p *parser) fixedRun(s string, i, end int) bool {
	if i >= end {
		return false
	}
	for i < end {
		a, n, err := lookupAt(s, i, end)
		if err != nil || !a.Predefined || a.fixed == 0 {
			return false
		}
		vs, ve := i+n, i+n+a.fixed
		if ve > end {
			return false
		}
		if _, err := p.validate(a, s[vs:ve], vs); err != nil {
			return false
		}
		i = ve
	}
	return true
}

// addSplit records the value of a from start to k and the fixed-length
// elements from k to end, which split has found valid.
func (p *parser) addSplit(a *AI, s string, start, k, end int) *ParseError {
	if err := p.add(a, s[start:k], start); err != nil {
		return err
	}
	n := len(p.r.Elements)
	for i := k; i < end; {
		b, m, err := lookupAt(s, i, end)
		if err != nil {
			return err
		}
		if err := p.add(b, s[i+m:i+m+b.fixed], i+m); err != nil {
			return err
		}
		i += m + b.fixed
	}
	var ais strings.Builder
	for _, e := range p.r.Elements[n:] {
		fmt.Fprintf(&ais, "(%s)", e.AI)
	}
	p.recovered("AI (%s): GS missing after the value; split at position %d, before %s", a.Code, k+1, ais.String())
	return nil
}
