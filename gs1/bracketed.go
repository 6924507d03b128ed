package gs1

import (
	"strings"
	"time"
)

// ParseBracketed parses the bracketed form of GS1 data, each AI in
// parentheses followed by its value:
//
//	(01)09521234543213(17)261231(10)ABC123(21)SN001
//
// A value ends where the next "(" starts an AI in parentheses (two to four
// digits), so a value may itself contain "(" and ")"; write "\(" for a "("
// that would otherwise be read as the start of an AI. An AI in parentheses
// that GS1 has not defined is an error. In lenient mode spaces around a
// value are dropped. It returns a *ParseError when the data is not valid.
func ParseBracketed(s string, opts Options) (*Result, error) {
	return parseBracketed(s, splitSymbology(s), opts)
}

func parseBracketed(s string, off int, opts Options) (*Result, error) {
	p := newParser(s, off, FormBracketed, opts)
	i := off
	if opts.Lenient {
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
	for i < len(s) {
		if s[i] != '(' {
			return nil, errk(KindInvalid, i+1, "", "expected \"(\" to open an AI, found %s", quoteByte(s[i]))
		}
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j >= len(s) || s[j] != ')' {
			return nil, errorf(i+1, "", "\"(\" is not followed by an AI and \")\"")
		}
		code := s[i+1 : j]
		a := lookupCode(code)
		if a == nil {
			return nil, errk(KindUnknownAI, i+2, code, "unknown AI")
		}
		vs := j + 1
		ve := nextBracket(s, vs)
		v := s[vs:ve]
		if opts.Lenient {
			if t := strings.Trim(v, " "); len(t) != len(v) {
				p.note("AI (%s): spaces around the value dropped", code)
				vs += strings.Index(v, t)
				v = t
			}
		}
		if strings.Contains(v, `\(`) {
			v = strings.ReplaceAll(v, `\(`, "(")
		}
		if err := p.add(a, v, vs); err != nil {
			return nil, err
		}
		i = ve
	}
	return p.finish()
}

// nextBracket returns the index of the next "(" at or after i that is not
// escaped by a backslash and is followed by two to four digits and ")", as
// an AI is, or len(s). An unknown AI there is an error, not part of the
// value before it.
func nextBracket(s string, i int) int {
	for ; i < len(s); i++ {
		if s[i] != '(' || (i > 0 && s[i-1] == '\\') {
			continue
		}
		j := i + 1
		for j < len(s) && j-i <= 5 && isDigit(s[j]) {
			j++
		}
		if n := j - i - 1; j < len(s) && s[j] == ')' && n >= 2 && n <= 4 {
			return i
		}
	}
	return len(s)
}

// ElementString returns the canonical GS1 element string of the elements:
// no symbology identifier, each AI followed by its value, and a GS (ASCII
// 29, standing for FNC1) after every value whose AI is not of predefined
// length, except the last. It is "" for HIBC data.
func (r *Result) ElementString() string {
	n := 0
	for _, e := range r.Elements {
		n += len(e.AI) + len(e.Value) + 1
	}
	var b strings.Builder
	b.Grow(n)
	for i, e := range r.Elements {
		b.WriteString(e.AI)
		b.WriteString(e.Value)
		if i < len(r.Elements)-1 {
			if a := lookupCode(e.AI); a == nil || !a.Predefined {
				b.WriteByte(gs)
			}
		}
	}
	return b.String()
}

// HRI returns the human-readable interpretation printed under a GS1
// barcode: each AI in parentheses followed by its value, such as
// "(01)09521234543213(17)261231". It is "" for HIBC data.
func (r *Result) HRI() string {
	n := 0
	for _, e := range r.Elements {
		n += len(e.AI) + len(e.Value) + 2
	}
	var b strings.Builder
	b.Grow(n)
	for _, e := range r.Elements {
		b.WriteByte('(')
		b.WriteString(e.AI)
		b.WriteByte(')')
		b.WriteString(e.Value)
	}
	return b.String()
}

// ExpiryISO returns the expiry date as YYYY-MM-DD, or "" when there is none.
// A label that gives only the month expires on the last day of that month.
func (r *Result) ExpiryISO() string { return isoDate(r.Expiry) }

// ProductionDateISO returns the production date as YYYY-MM-DD, or "".
func (r *Result) ProductionDateISO() string { return isoDate(r.ProductionDate) }

func isoDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}
