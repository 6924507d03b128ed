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
	// FormEAN is an EAN-13 or EAN-8 barcode (symbology identifier ]E0 or
	// ]E4): a product code (GTIN) and nothing more.
	FormEAN
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
	case FormEAN:
		return "EAN/UPC"
	}
	return "unknown"
}

// Options control parsing. The zero value parses strictly against the
// current time.
type Options struct {
	// Lenient allows for the known habits of scanners (see the package
	// documentation): a missing GS separator is repaired where only one
	// reading is plausible and reported as ambiguous ([KindAmbiguous]) where
	// more are; a misplaced GS is accepted; spaces around bracketed values
	// are trimmed. Each tolerance is noted in Result.Notes.
	Lenient bool
	// TextGS reads the text spellings of the GS separator that some
	// keyboard-wedge scanners and people type (<GS>, {GS}, [GS], \x1d and
	// \u001d, see [NormalizeGS]) as the separator itself, in [Parse] and
	// [ParseElementString]. Set it only for a scanner known to send them:
	// "<GS>" is also valid data in a lot or serial number. The replacement
	// is noted in Result.Notes; error positions refer to the data after it.
	TextGS bool
	// SeveralBarcodes says the scan is one of several barcodes on the same
	// label, read one at a time. The Syntax Dictionary's rule that an AI
	// needs another with it (a serial number needs its GTIN, an expiry date
	// the product it belongs to) applies to the data of all the barcodes of
	// an item together, so with this set an AI without its partner is
	// accepted and Result.Warnings says what is missing. By default it is
	// refused ([KindMissingAI]). AIs that may not stand together are
	// refused either way ([KindConflict]).
	SeveralBarcodes bool
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
	// Warnings are the rules of the Syntax Dictionary that the data breaks
	// but that do not stop it being read: with [Options].SeveralBarcodes,
	// each AI that needs another AI which is not in this barcode.
	Warnings []string
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
	in := s
	s, textGS := applyTextGS(s, opts)
	off := splitSymbology(s)
	body := s[off:]
	var (
		r   *Result
		err error
	)
	switch {
	case hasHTTPScheme(body):
		r, err = parseDigitalLink(s, off, opts)
	case strings.HasPrefix(body, "("):
		r, err = parseBracketed(s, off, opts)
	case strings.HasPrefix(body, "+"):
		r, err = parseHIBCResult(s, off, opts)
	default:
		r, err = parseElementString(s, off, opts)
	}
	return textGSResult(in, textGS, r, err)
}

// ParseElementString parses a GS1 element string as a scanner sends it: an
// optional symbology identifier, then AIs and values, with GS (ASCII 29)
// for FNC1 after each value that is not of predefined length, except the
// last. A GS at the start or the end, a doubled GS and a GS after a value of
// predefined length are errors in strict mode and noted in lenient mode. It
// returns a *ParseError when the data is not valid.
func ParseElementString(s string, opts Options) (*Result, error) {
	in := s
	s, textGS := applyTextGS(s, opts)
	r, err := parseElementString(s, splitSymbology(s), opts)
	return textGSResult(in, textGS, r, err)
}

// applyTextGS replaces the text spellings of GS when opts asks for it, and
// reports whether it replaced any.
func applyTextGS(s string, opts Options) (string, bool) {
	if !opts.TextGS {
		return s, false
	}
	n := NormalizeGS(s)
	return n, n != s
}

// textGSResult records the original input and notes the replacement.
func textGSResult(in string, textGS bool, r *Result, err error) (*Result, error) {
	if err != nil || !textGS {
		return r, err
	}
	r.Input = in
	r.Notes = append(r.Notes, "text spellings of GS (such as <GS>) read as separators, as the scanner setting asks; positions refer to the data after that")
	return r, nil
}

// parser holds the state of one parse.
type parser struct {
	opts Options
	year int // current year, 0 until needed
	r    *Result
	seen map[string]string // first value of each AI, once there are many
	amb  []ambiguity       // places with more than one plausible reading
}

// ambiguity is a variable-length value that can end in more than one place
// because a GS may be missing: the readings of its segment, to be placed at
// index at of the elements read around it.
type ambiguity struct {
	at       int
	pos      int // 0-based offset of the value
	ai       string
	readings []reading
}

// reading is one way to read a segment: its elements and, for a split, the
// note that says where.
type reading struct {
	elems []Element
	note  string
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

// tolerate returns a separator error in strict mode; in lenient mode it
// notes the tolerance and returns nil.
func (p *parser) tolerate(pos int, ai, msg string) *ParseError {
	if !p.opts.Lenient {
		return errk(KindSeparator, pos, ai, "%s", msg)
	}
	if ai != "" {
		p.note("position %d: AI (%s): %s; accepted", pos, ai, msg)
	} else {
		p.note("position %d: %s; accepted", pos, msg)
	}
	return nil
}

func parseElementString(s string, off int, opts Options) (*Result, error) {
	p := newParser(s, off, FormElementString, opts)
	if off > 0 && !IsGS1Symbology(p.r.Symbology) {
		return parseNonGS1(s, off, p)
	}
	// A GS anywhere shows that the scanner sends the separators.
	hasGS := strings.IndexByte(s[off:], gs) >= 0
	i := off
	prevFixed := "" // the predefined-length AI just read, if any
	for i < len(s) {
		if s[i] == gs {
			var err *ParseError
			switch {
			case i == off:
				err = p.tolerate(i+1, "", "GS (FNC1) at the start of the data")
			case i == len(s)-1:
				err = p.tolerate(i+1, "", "GS (FNC1) at the end of the data")
			case s[i-1] == gs:
				err = p.tolerate(i+1, "", "GS (FNC1) doubled")
			case prevFixed != "":
				err = p.tolerate(i+1, prevFixed, "GS (FNC1) after a value of predefined length, where none belongs")
			}
			if err != nil {
				return nil, err
			}
			prevFixed = ""
			i++
			continue
		}
		prevFixed = ""
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
			if a.Predefined {
				prevFixed = a.Code
			} else if i < len(s) && s[i] != gs {
				if !opts.Lenient {
					return nil, errk(KindSeparator, i+1, a.Code, "GS (FNC1) missing after the value: this AI is not of predefined length")
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
		if !opts.Lenient {
			if err == nil {
				err = p.addValid(a, s[start:end], start, t)
			}
			if err != nil {
				return nil, err
			}
			i = end
			continue
		}
		// Lenient: where the scanner may have dropped a GS, every place the
		// value could end is a reading.
		var readings []reading
		if err == nil {
			readings = append(readings, reading{elems: []Element{{a.Code, s[start:end]}}})
		}
		if err != nil || !hasGS {
			readings = append(readings, p.splits(a, s, start, end)...)
		}
		switch {
		case len(readings) == 0:
			return nil, err
		case len(readings) == 1 && err == nil:
			if err := p.addValid(a, s[start:end], start, t); err != nil {
				return nil, err
			}
		case len(readings) == 1:
			if err := p.addReading(readings[0], start); err != nil {
				return nil, err
			}
		default:
			p.amb = append(p.amb, ambiguity{at: len(p.r.Elements), pos: start, ai: a.Code, readings: readings})
		}
		i = end
	}
	if len(p.amb) > 0 {
		return p.resolve(s, off)
	}
	return p.finish()
}

// finish checks the elements read as a whole and returns the result.
func (p *parser) finish() (*Result, error) {
	if len(p.r.Elements) == 0 {
		return nil, errk(KindNoData, 0, "", "no GS1 data")
	}
	if err := p.checkAssociations(); err != nil {
		return nil, err
	}
	return p.r, nil
}

// parseNonGS1 reads data behind a symbology identifier that does not mark
// GS1 data. Only an EAN-13 (]E0) or EAN-8 (]E4) is read, as the product code
// it is; anything else is not a GS1 barcode, in either mode.
func parseNonGS1(s string, off int, p *parser) (*Result, error) {
	body := s[off:]
	want := 0
	switch p.r.Symbology {
	case "]E0":
		want = 13
	case "]E4":
		want = 8
	}
	if want == 0 || len(body) != want || charsetOK(Numeric, body) >= 0 {
		return nil, errk(KindNotGS1, 1, "", "symbology identifier %s does not mark GS1 data: not a GS1 barcode", p.r.Symbology)
	}
	g, err := NormalizeGTIN(body)
	if err != nil {
		pe := err.(*ParseError)
		return nil, errk(pe.Kind, off+pe.Pos, "", "EAN-%d: %s", want, pe.Msg)
	}
	p.r.Form = FormEAN
	p.r.Elements = append(p.r.Elements, Element{AI: "01", Value: g})
	p.r.GTIN = g
	p.note("EAN-%d barcode (%s): a product code only, read as GTIN %s", want, p.r.Symbology, g)
	return p.r, nil
}

// lookupAt reads the AI that starts at s[i], looking no further than end.
// It returns the AI and the number of digits it has.
func lookupAt(s string, i, end int) (*AI, int, *ParseError) {
	if !isDigit(s[i]) {
		return nil, 0, errk(KindInvalid, i+1, "", "expected an AI (digits), found %s", quoteByte(s[i]))
	}
	if i+1 >= end || !isDigit(s[i+1]) {
		return nil, 0, errk(KindLength, i+1, "", "incomplete AI %q", s[i:min(i+2, end)])
	}
	n := int(aiLen[atoi2(s[i:])])
	if n == 0 {
		return nil, 0, errk(KindUnknownAI, i+1, s[i:i+2], "unknown AI: no GS1 Application Identifier begins %s", s[i:i+2])
	}
	if i+n > end {
		return nil, 0, errk(KindLength, i+1, "", "incomplete AI %q", s[i:end])
	}
	for j := i + 2; j < i+n; j++ {
		if !isDigit(s[j]) {
			return nil, 0, errk(KindLength, j+1, "", "incomplete AI %q: %s is not a digit", s[i:j], quoteByte(s[j]))
		}
	}
	a := lookupCode(s[i : i+n])
	if a == nil {
		return nil, 0, errk(KindUnknownAI, i+1, s[i:i+n], "unknown AI")
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
		return 0, errk(KindLength, start+1, a.Code, "value %q has %d characters, want %d", s[start:stop], got, a.fixed)
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
		return first, errk(KindLength, pos+1, a.Code, "no value")
	case len(v) > a.max:
		return first, errk(KindLength, pos+1, a.Code, "value has %d characters, at most %d allowed", len(v), a.max)
	case len(v) < a.min && a.fixed > 0:
		return first, errk(KindLength, pos+1, a.Code, "value %q has %d characters, want %d", v, len(v), a.fixed)
	case len(v) < a.min:
		return first, errk(KindLength, pos+1, a.Code, "value %q has %d characters, want at least %d", v, len(v), a.min)
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
			return first, errk(KindLength, pos+off+1, a.Code, "value %q: the part from character %d has %d characters, want %s",
				v, off+1, len(part), lengthRange(c))
		}
		if bad := charsetOK(c.Charset, part); bad >= 0 {
			at := pos + off + bad + 1
			if c.Charset == Numeric {
				return first, errk(KindCharacter, at, a.Code, "%s is not a digit", quoteByte(part[bad]))
			}
			return first, errk(KindCharacter, at, a.Code, "%s is not in GS1 character set %s", quoteByte(part[bad]), charsetName(c.Charset))
		}
		if c.Check {
			if want := checkDigit(part[:len(part)-1]); want != part[len(part)-1] {
				return first, errk(KindCheckDigit, pos+off+len(part), a.Code, "check digit is %c, want %c", part[len(part)-1], want)
			}
		}
		if c.Date != NoDate {
			t, de := parseDate(c.Date, part, p.currentYear())
			if de != nil {
				return first, errk(KindDate, pos+off+de.off+1, a.Code, "date %s: %s", part, de.msg)
			}
			if ci == 0 {
				first = t
			}
		}
		if c.lints != 0 {
			if err := checkLints(c, part, pos+off, a.Code); err != nil {
				return first, err
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
			return errk(KindDuplicate, pos+1, a.Code, "appears twice with different values %q and %q", prev, v)
		}
		return nil
	}
	for _, e := range els {
		if e.AI == a.Code && e.Value != v {
			return errk(KindDuplicate, pos+1, a.Code, "appears twice with different values %q and %q", e.Value, v)
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

// maxCandidates is the most readings offered for one scan; beyond it the
// scan is refused as too ambiguous to offer.
const maxCandidates = 8

// splits returns the readings of the segment s[start:end] of the
// variable-length AI a in which its value ends early, at k, because a GS
// may have been dropped: s[start:k] must be a valid value of a, and
// s[k:end] must read completely and strictly as element strings.
func (p *parser) splits(a *AI, s string, start, end int) []reading {
	var out []reading
	for k := start + a.min; k <= start+a.max && k < end; k++ {
		if !isDigit(s[k]) {
			continue
		}
		rest, ok := p.strictRun(s, k, end)
		if !ok {
			continue
		}
		if _, err := p.validate(a, s[start:k], start); err != nil {
			continue
		}
		var ais strings.Builder
		for _, e := range rest {
			fmt.Fprintf(&ais, "(%s)", e.AI)
		}
		out = append(out, reading{
			elems: append([]Element{{a.Code, s[start:k]}}, rest...),
			note:  fmt.Sprintf("AI (%s): GS missing after the value; split at position %d, before %s", a.Code, k+1, ais.String()),
		})
		if len(out) > maxCandidates {
			break
		}
	}
	return out
}

// strictRun reads s[i:end], a stretch with no GS in it, completely as
// element strings with valid values, and returns them.
func (p *parser) strictRun(s string, i, end int) ([]Element, bool) {
	var out []Element
	for i < end {
		a, n, err := lookupAt(s, i, end)
		if err != nil {
			return nil, false
		}
		vs, ve := i+n, end
		if a.fixed > 0 {
			ve = vs + a.fixed
			if ve > end || (!a.Predefined && ve < end) {
				return nil, false
			}
		}
		if _, err := p.validate(a, s[vs:ve], vs); err != nil {
			return nil, false
		}
		out = append(out, Element{a.Code, s[vs:ve]})
		i = ve
	}
	return out, len(out) > 0
}

// addReading records the elements of a reading of the segment that starts
// at offset pos, and its note.
func (p *parser) addReading(rd reading, pos int) *ParseError {
	for _, e := range rd.elems {
		if err := p.add(lookupCode(e.AI), e.Value, pos); err != nil {
			return err
		}
	}
	if rd.note != "" {
		p.recovered("%s", rd.note)
	}
	return nil
}

// resolve builds every complete reading of data with ambiguous segments.
// Readings that break a rule across segments (an AI twice with different
// values, AIs that may not stand together or an AI without one it needs)
// are dropped. One valid reading is the result; more are returned
// as the Candidates of a KindAmbiguous error.
func (p *parser) resolve(s string, off int) (*Result, error) {
	total := 1
	for _, a := range p.amb {
		total *= len(a.readings)
		if total > maxCandidates {
			a0 := p.amb[0]
			return nil, errk(KindAmbiguous, a0.pos+1, a0.ai, "GS (FNC1) may be missing: more than %d readings are possible", maxCandidates)
		}
	}
	var (
		out      []*Result
		firstErr *ParseError
	)
	choice := make([]int, len(p.amb))
	for range total {
		c := newParser(s, off, FormElementString, p.opts)
		c.year = p.year
		c.r.Notes = append(c.r.Notes, p.r.Notes...)
		c.r.Recovered = p.r.Recovered
		var err *ParseError
		next := 0
		for ai, amb := range p.amb {
			for ; next < amb.at && err == nil; next++ {
				err = c.add(lookupCode(p.r.Elements[next].AI), p.r.Elements[next].Value, 0)
			}
			if err == nil {
				err = c.addReading(amb.readings[choice[ai]], amb.pos)
			}
		}
		for ; next < len(p.r.Elements) && err == nil; next++ {
			err = c.add(lookupCode(p.r.Elements[next].AI), p.r.Elements[next].Value, 0)
		}
		if err == nil {
			err = c.checkAssociations()
		}
		if err == nil {
			out = append(out, c.r)
		} else if firstErr == nil {
			firstErr = err
		}
		for j := len(choice) - 1; j >= 0; j-- {
			if choice[j]++; choice[j] < len(p.amb[j].readings) {
				break
			}
			choice[j] = 0
		}
	}
	switch len(out) {
	case 0:
		return nil, firstErr
	case 1:
		return out[0], nil
	}
	a0 := p.amb[0]
	return nil, &ParseError{Pos: a0.pos + 1, AI: a0.ai, Kind: KindAmbiguous, Candidates: out,
		Msg: fmt.Sprintf("GS (FNC1) may be missing: %d readings are possible", len(out))}
}
