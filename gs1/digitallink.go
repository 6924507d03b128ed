package gs1

import (
	"strings"
)

// DefaultDomain is the Digital Link domain used when none is given: GS1's
// own resolver.
const DefaultDomain = "https://id.gs1.org"

// dlKey is a GS1 Digital Link primary key and the sequences of key
// qualifiers that may follow it in the path. Each sequence is ordered; any
// of its qualifiers may be left out.
type dlKey struct {
	ai    string
	quals [][]string
}

// dlKeys are the primary keys in the order of preference for building a
// URI from element strings that hold more than one.
var dlKeys = []dlKey{
	{"01", [][]string{{"22", "10", "21"}, {"235"}}},
	{"00", nil},
	{"8006", [][]string{{"22", "10", "21"}}},
	{"414", [][]string{{"254"}, {"7040"}}},
	{"417", [][]string{{"7040"}}},
	{"415", [][]string{{"8020"}}},
	{"8017", [][]string{{"8019"}}},
	{"8018", [][]string{{"8019"}}},
	{"8003", nil},
	{"8004", [][]string{{"7040"}}},
	{"253", nil},
	{"255", nil},
	{"401", nil},
	{"402", nil},
	{"8010", [][]string{{"8011"}}},
	{"8013", nil},
}

// notDataAttribute are the AIs that the Syntax Dictionary does not permit
// as Digital Link data attributes (query parameters): key qualifiers and the
// others without its "?" flag.
var notDataAttribute = map[string]bool{
	"03": true, "21": true, "22": true, "235": true, "254": true, "7040": true, "7041": true,
	"8011": true, "8014": true, "8019": true, "8020": true,
	"8040": true, "8041": true, "8042": true, "8043": true, "8200": true,
}

func findKey(ai string) *dlKey {
	for i := range dlKeys {
		if dlKeys[i].ai == ai {
			return &dlKeys[i]
		}
	}
	return nil
}

func hasHTTPScheme(s string) bool {
	return hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// ParseDigitalLink parses a GS1 Digital Link URI (uncompressed form):
//
//	https://id.example.com/01/09521234543213/10/ABC/21/SN1?17=261231
//
// The scheme is http or https, the domain anything, and any path may come
// before the primary key. The primary key (01 GTIN, 00 SSCC, 414 GLN, 8017
// and 8018 GSRN, and the other GS1 keys) and its qualifiers (for a GTIN:
// 22, 10 and 21, in that order, each optional) are path segments; other AIs
// are query parameters with numeric names. Query parameters whose names are
// not all digits (such as linkType) and the fragment are ignored. Values
// are percent-decoded. As the GS1 Digital Link standard requires, a GTIN
// has its 14 digits, the path does not end in "/", a key qualifier (such as
// the lot or serial number of a GTIN) is never a query parameter, nor is an
// AI the Syntax Dictionary does not permit as a data attribute, and no AI
// appears twice. It returns a *ParseError when the URI is not valid.
func ParseDigitalLink(s string, opts Options) (*Result, error) {
	return parseDigitalLink(s, splitSymbology(s), opts)
}

// span is a part of the input: s[start:end].
type span struct{ start, end int }

func parseDigitalLink(s string, off int, opts Options) (*Result, error) {
	p := newParser(s, off, FormDigitalLink, opts)
	i := off
	switch {
	case hasPrefixFold(s[i:], "http://"):
		i += len("http://")
	case hasPrefixFold(s[i:], "https://"):
		i += len("https://")
	default:
		return nil, errk(KindDigitalLink, off+1, "", "a Digital Link URI starts with http:// or https://")
	}
	end := len(s)
	if h := strings.IndexByte(s[i:], '#'); h >= 0 {
		end = i + h
	}
	pathEnd := end
	if q := strings.IndexByte(s[i:end], '?'); q >= 0 {
		pathEnd = i + q
	}
	hostEnd := pathEnd
	if sl := strings.IndexByte(s[i:pathEnd], '/'); sl >= 0 {
		hostEnd = i + sl
	}
	if hostEnd == i {
		return nil, errk(KindDigitalLink, i+1, "", "no domain in the URI")
	}
	for j := i; j < hostEnd; j++ {
		if c := s[j]; c <= ' ' || c >= 0x7f {
			return nil, errk(KindDigitalLink, j+1, "", "%s is not allowed in a domain", quoteByte(c))
		}
	}

	var segs []span
	for j := hostEnd; j < pathEnd; {
		k := strings.IndexByte(s[j+1:pathEnd], '/')
		e := pathEnd
		if k >= 0 {
			e = j + 1 + k
		}
		segs = append(segs, span{j + 1, e})
		j = e
	}
	if n := len(segs); n > 0 && segs[n-1].start == segs[n-1].end {
		return nil, errk(KindDigitalLink, segs[n-1].start, "", "a Digital Link URI may not end its path with \"/\"")
	}
	at := -1
	var key *dlKey
	for j := 0; j+1 < len(segs) && at < 0; j++ {
		if k := findKey(s[segs[j].start:segs[j].end]); k != nil && qualifiersFit(s, k, segs[j+2:]) {
			at, key = j, k
		}
	}
	if at < 0 {
		return nil, errk(KindDigitalLink, hostEnd+1, "", "no GS1 primary key (such as /01/ and a GTIN) with valid key qualifiers in the path")
	}
	for j := at; j+1 < len(segs); j += 2 {
		code := s[segs[j].start:segs[j].end]
		a := lookupCode(code)
		v, bad := unescape(s[segs[j+1].start:segs[j+1].end])
		if bad >= 0 {
			return nil, errk(KindDigitalLink, segs[j+1].start+bad+1, code, "bad percent-encoding")
		}
		pos := segs[j+1].start
		if code == "01" && (len(v) == 8 || len(v) == 12 || len(v) == 13) {
			return nil, errk(KindDigitalLink, pos+1, code, "a GTIN in a Digital Link URI has 14 digits: pad the GTIN-%d with zeros on the left", len(v))
		}
		if err := p.addOnce(a, v, pos); err != nil {
			return nil, err
		}
	}

	for j := pathEnd + 1; j < end; {
		e := end
		if k := strings.IndexByte(s[j:end], '&'); k >= 0 {
			e = j + k
		}
		param := s[j:e]
		name, value, hasValue := strings.Cut(param, "=")
		if name != "" && charsetOK(Numeric, name) < 0 {
			a := lookupCode(name)
			if a == nil {
				return nil, errk(KindUnknownAI, j+1, name, "unknown AI")
			}
			if !hasValue {
				return nil, errk(KindDigitalLink, j+1, name, "query parameter has no value")
			}
			if key.qualifies(name) {
				return nil, errk(KindDigitalLink, j+1, name, "a key qualifier of (%s) belongs in the path, not in the query string", key.ai)
			}
			if notDataAttribute[name] {
				return nil, errk(KindDigitalLink, j+1, name, "not permitted as a Digital Link query parameter")
			}
			v, bad := unescape(value)
			if bad >= 0 {
				return nil, errk(KindDigitalLink, j+len(name)+2+bad, name, "bad percent-encoding")
			}
			if err := p.addOnce(a, v, j+len(name)+1); err != nil {
				return nil, err
			}
		}
		j = e + 1
	}
	return p.finish()
}

// qualifies reports whether ai is one of the key qualifiers of k.
func (k *dlKey) qualifies(ai string) bool {
	for _, seq := range k.quals {
		for _, q := range seq {
			if q == ai {
				return true
			}
		}
	}
	return false
}

// addOnce records the value v of a, at offset pos, which must be the first
// of its AI: a Digital Link URI may not repeat an AI.
func (p *parser) addOnce(a *AI, v string, pos int) *ParseError {
	if p.r.index(a.Code) >= 0 {
		return errk(KindDigitalLink, pos+1, a.Code, "appears more than once: a Digital Link URI may not repeat an AI")
	}
	return p.add(a, v, pos)
}

// qualifiersFit reports whether the segments after a primary key's value
// are pairs of key qualifier and value in one of the key's orders.
func qualifiersFit(s string, k *dlKey, rest []span) bool {
	if len(rest)%2 != 0 {
		return false
	}
	if len(rest) == 0 {
		return true
	}
next:
	for _, seq := range k.quals {
		q := 0
		for j := 0; j < len(rest); j += 2 {
			code := s[rest[j].start:rest[j].end]
			for q < len(seq) && seq[q] != code {
				q++
			}
			if q == len(seq) {
				continue next
			}
			q++
		}
		return true
	}
	return false
}

// unescape decodes percent-encoding. It returns the offset of a malformed
// escape, or -1. "+" stands for itself.
func unescape(s string) (string, int) {
	n := strings.IndexByte(s, '%')
	if n < 0 {
		return s, -1
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:n]...)
	for i := n; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", i
		}
		h, l := unhex(s[i+1]), unhex(s[i+2])
		if h < 0 || l < 0 {
			return "", i
		}
		b = append(b, byte(h<<4|l))
		i += 2
	}
	return string(b), -1
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// escape writes v percent-encoded: every byte but the URI unreserved
// characters (letters, digits, - . _ ~) becomes %XX.
func escape(b *strings.Builder, v string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(v); i++ {
		c := v[i]
		if isLetter(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}

// DigitalLink returns the GS1 Digital Link URI of the elements under
// domain, such as "https://id.example.com" or "id.example.com/path" (https
// is assumed); "" means [DefaultDomain]. The path holds the primary key and
// its qualifiers in order (for a GTIN: 01, 22, 10, 21); the other elements
// follow as query parameters in the order read, percent-encoded, each AI
// once. It returns "" when the elements hold no GS1 primary key, when they
// hold key qualifiers that no one path can carry (such as (235) with (21))
// or an AI that may not be a query parameter (such as (8200)), and for HIBC
// data.
func (r *Result) DigitalLink(domain string) string {
	var key *dlKey
	keyIdx := -1
	for i := range dlKeys {
		if keyIdx = r.index(dlKeys[i].ai); keyIdx >= 0 {
			key = &dlKeys[i]
			break
		}
	}
	if key == nil {
		return ""
	}
	used := make([]bool, len(r.Elements))
	var b strings.Builder
	b.WriteString(normalizeDomain(domain))
	write := func(i int) {
		used[i] = true
		b.WriteByte('/')
		b.WriteString(r.Elements[i].AI)
		b.WriteByte('/')
		escape(&b, r.Elements[i].Value)
	}
	write(keyIdx)
	for _, seq := range key.quals {
		wrote := false
		for _, q := range seq {
			if i := r.index(q); i >= 0 {
				write(i)
				wrote = true
			}
		}
		if wrote {
			break
		}
	}
	for i, e := range r.Elements {
		if !used[i] && (key.qualifies(e.AI) || notDataAttribute[e.AI]) {
			return "" // a qualifier that cannot go in the path with the others, or no data attribute
		}
	}
	sep := byte('?')
	for i, e := range r.Elements {
		if used[i] || r.index(e.AI) != i {
			continue // written, or a repeat of an AI already written
		}
		b.WriteByte(sep)
		b.WriteString(e.AI)
		b.WriteByte('=')
		escape(&b, e.Value)
		sep = '&'
	}
	return b.String()
}

// index returns the index of the first element with the AI, or -1.
func (r *Result) index(ai string) int {
	for i, e := range r.Elements {
		if e.AI == ai {
			return i
		}
	}
	return -1
}

// normalizeDomain turns a domain into the start of a URI: https:// is
// added when there is no scheme, and a trailing slash is dropped.
func normalizeDomain(d string) string {
	d = strings.TrimSpace(d)
	if d == "" {
		return DefaultDomain
	}
	if !hasHTTPScheme(d) {
		d = "https://" + d
	}
	return strings.TrimRight(d, "/")
}
