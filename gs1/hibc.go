package gs1

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// HIBC is the data of an HIBC (Health Industry Bar Code) supplier label, as
// defined by the ANSI/HIBC 2.x Supplier Labeling Standard. Some implants
// carry HIBC labels instead of GS1 ones.
//
// Supported structures, each ending in a modulo-43 check character:
//
//   - primary: "+", labeler identification code (LIC, 4 letters or digits,
//     the first a letter), product or catalogue number (PCN, 1-18 letters
//     or digits) and unit of measure (one digit);
//   - secondary on its own: "+", the secondary data, then the link
//     character (the check character of the primary it belongs to);
//   - primary and secondary together: primary, "/", secondary data.
//
// Secondary data is one of the structures of ANSI/HIBC 2.6, named by the
// flag at its start:
//
//   - "$" then the lot, and nothing else;
//   - "$+" then the serial number, and nothing else (no date);
//   - "$$" then an optional quantity ("8" and 2 digits, or "9" and 5
//     digits), then an expiry date, then the lot. A quantity may stand on
//     its own, with no date and no lot after it;
//   - "$$+" then an expiry date, then the serial number (no quantity);
//   - five digits YYJJJ (Julian expiry date), then the lot (the older form).
//
// An expiry date starts with its format code: 0 or 1 is the first digit of
// MMYY; otherwise 2 MMDDYY, 3 YYMMDD, 4 YYMMDDHH, 5 YYJJJ (Julian day),
// 6 YYJJJHH, 7 no date. An hour given (4 and 6), 00 included, is kept: see
// [HIBC.HasExpiryHour].
//
// Lot and serial numbers are 0-18 letters or digits. After them may come
// supplemental fields, each "/" and a data identifier: "S" serial number,
// "14D" expiry date YYYYMMDD, "16D" manufacture date YYYYMMDD, "Q" quantity.
//
// Two-digit years follow the GS1 century rule (see [CenturyYear]); an expiry
// of MMYY means the last day of that month. The Provider Applications
// Standard and HIBC data with other data identifiers are not supported.
type HIBC struct {
	// HasPrimary is set when the data holds the primary structure.
	HasPrimary bool
	// Labeler is the labeler identification code (LIC).
	Labeler string
	// Product is the labeler's product or catalogue number (PCN).
	Product string
	// UnitOfMeasure is the packaging level: 0 the unit of use, 1-8 higher
	// levels, 9 variable quantity.
	UnitOfMeasure int

	// HasSecondary is set when the data holds secondary data.
	HasSecondary bool
	// Quantity is the quantity in the secondary data, 0 when absent.
	Quantity int
	Lot      string
	Serial   string
	// Expiry is the expiry date (and hour, when given) in UTC.
	Expiry time.Time
	// ExpiryFormat is the layout the expiry came in, such as "YYMMDD",
	// "MMYY" or "YYJJJ"; "" when there is no expiry.
	ExpiryFormat string
	// ManufactureDate is the date of manufacture (supplemental field 16D).
	ManufactureDate time.Time

	// Link is the link character of secondary data on its own: it equals
	// the Check of the primary label it belongs to. 0 otherwise.
	Link byte
	// Check is the modulo-43 check character of the data.
	Check byte
	// Notes describe tolerances applied in lenient mode.
	Notes []string
}

// LinksTo reports whether h is stand-alone secondary data that belongs to
// the primary label p, by their link and check characters.
func (h *HIBC) LinksTo(p *HIBC) bool {
	return h.Link != 0 && p.HasPrimary && h.Link == p.Check
}

// HasExpiryHour reports whether the expiry date came with an hour (formats
// YYMMDDHH and YYJJJHH): an hour of 00 is then midnight at the start of
// that day, not "no hour given".
func (h *HIBC) HasExpiryHour() bool { return strings.HasSuffix(h.ExpiryFormat, "HH") }

// JoinHIBC combines a primary label and the stand-alone secondary label
// that belongs to it (two symbols on one pack) into one HIBC, as if they
// were concatenated. It returns an error, safe to show, when primary is
// not primary data alone, secondary is not stand-alone secondary data, or
// the secondary's link character is not the primary's check character
// (the labels belong to different products). Neither argument is changed.
func JoinHIBC(primary, secondary *HIBC) (*HIBC, error) {
	switch {
	case !primary.HasPrimary || primary.HasSecondary:
		return nil, errors.New("the first label is not an HIBC primary label on its own")
	case secondary.HasPrimary || !secondary.HasSecondary || secondary.Link == 0:
		return nil, errors.New("the second label is not an HIBC secondary label on its own")
	case !secondary.LinksTo(primary):
		return nil, fmt.Errorf("the secondary label's link character %c does not match the primary label's check character %c: the two labels are of different products",
			secondary.Link, primary.Check)
	}
	j := *secondary
	j.HasPrimary, j.Labeler, j.Product, j.UnitOfMeasure = true, primary.Labeler, primary.Product, primary.UnitOfMeasure
	j.Notes = append(append([]string(nil), primary.Notes...), secondary.Notes...) // Link and Check stay the secondary's
	return &j, nil
}

// hibcChars is the HIBC character set, in the order of the mod-43 values.
const hibcChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"

var hibcValue [256]int8

func init() {
	for i := range hibcValue {
		hibcValue[i] = -1
	}
	for i := 0; i < len(hibcChars); i++ {
		hibcValue[hibcChars[i]] = int8(i)
	}
}

// HIBCCheck returns the modulo-43 check character for HIBC data, which
// includes the leading "+": the sum of the characters' values (0-9, then
// A-Z as 10-35, then - . space $ / + % as 36-42) modulo 43. It returns an
// error when data holds a character outside that set.
func HIBCCheck(data string) (byte, error) {
	sum := 0
	for i := 0; i < len(data); i++ {
		v := hibcValue[data[i]]
		if v < 0 {
			return 0, errorf(i+1, "", "%s is not in the HIBC character set (0-9 A-Z - . space $ / + %%)", quoteByte(data[i]))
		}
		sum += int(v)
	}
	return hibcChars[sum%43], nil
}

// ParseHIBC parses HIBC supplier label data, optionally after a symbology
// identifier, and checks its modulo-43 check character. See [HIBC] for the
// structures supported. It returns a *ParseError saying what is wrong.
func ParseHIBC(s string, opts Options) (*HIBC, error) {
	return parseHIBC(s, splitSymbology(s), opts)
}

func parseHIBCResult(s string, off int, opts Options) (*Result, error) {
	h, err := parseHIBC(s, off, opts)
	if err != nil {
		return nil, err
	}
	return &Result{
		Input:     s,
		Form:      FormHIBC,
		Symbology: s[:off],
		Lot:       h.Lot,
		Serial:    h.Serial,
		Expiry:    h.Expiry,
		Notes:     h.Notes,
		HIBC:      h,
	}, nil
}

// hibcParser holds the state of one HIBC parse.
type hibcParser struct {
	p parser
	h *HIBC
}

func parseHIBC(s string, off int, opts Options) (*HIBC, error) {
	if off >= len(s) || s[off] != '+' {
		return nil, errorf(off+1, "", "HIBC data starts with \"+\"")
	}
	if _, err := HIBCCheck(s[off:]); err != nil {
		pe := err.(*ParseError)
		pe.Pos += off
		return nil, pe
	}
	n := len(s) - 1
	if n-off < 2 {
		return nil, errorf(off+1, "", "HIBC data %q is too short", s[off:])
	}
	want, _ := HIBCCheck(s[off:n])
	if s[n] != want {
		return nil, errorf(n+1, "", "HIBC check character is %c, want %c", s[n], want)
	}
	hp := &hibcParser{p: parser{opts: opts}, h: &HIBC{Check: s[n]}}
	start := off + 1
	data := s[start:n]
	if data[0] == '$' || isDigit(data[0]) {
		if len(data) < 2 {
			return nil, errorf(start+1, "", "secondary data %q is too short", data)
		}
		hp.h.Link = data[len(data)-1]
		if err := hp.secondary(data[:len(data)-1], start); err != nil {
			return nil, err
		}
		return hp.h, nil
	}
	primary, secondary, both := strings.Cut(data, "/")
	if err := hp.primary(primary, start); err != nil {
		return nil, err
	}
	if both {
		if err := hp.secondary(secondary, start+len(primary)+1); err != nil {
			return nil, err
		}
	}
	return hp.h, nil
}

// primary parses the primary structure d (after "+", before any "/")
// found at offset pos.
func (hp *hibcParser) primary(d string, pos int) *ParseError {
	h := hp.h
	if len(d) < 6 {
		return errorf(pos+1, "", "primary data %q is too short: want a 4-character labeler code, a product number and a unit of measure", d)
	}
	if !isUpper(d[0]) || !isAlnum(d[1]) || !isAlnum(d[2]) || !isAlnum(d[3]) {
		return errorf(pos+1, "", "labeler code %q must be 4 letters or digits, the first a letter", d[:4])
	}
	pcn := d[4 : len(d)-1]
	if len(pcn) > 18 {
		return errorf(pos+5, "", "product number %q has %d characters, at most 18 allowed", pcn, len(pcn))
	}
	for i := 0; i < len(pcn); i++ {
		if !isAlnum(pcn[i]) {
			return errorf(pos+5+i, "", "product number: %s is not a letter or digit", quoteByte(pcn[i]))
		}
	}
	um := d[len(d)-1]
	if !isDigit(um) {
		return errorf(pos+len(d), "", "unit of measure %s is not a digit", quoteByte(um))
	}
	h.HasPrimary = true
	h.Labeler, h.Product, h.UnitOfMeasure = d[:4], pcn, int(um-'0')
	return nil
}

// secondary parses secondary data d (without "+", link or check
// character) found at offset pos.
func (hp *hibcParser) secondary(d string, pos int) *ParseError {
	h := hp.h
	h.HasSecondary = true
	core, supp, hasSupp := strings.Cut(d, "/")
	var err *ParseError
	switch {
	case strings.HasPrefix(core, "$$+"):
		i := 3
		if i >= len(core) {
			return errorf(pos+i+1, "", "no expiry date format after $$+")
		}
		if c := core[i]; c == '8' || c == '9' {
			return errorf(pos+i+1, "", "unknown expiry date format %s after $$+: want MMYY or a format digit 2-7 (a quantity is only defined after $$)", quoteByte(c))
		}
		if i, err = hp.expiry(core, i, pos, "$$+"); err != nil {
			return err
		}
		if i == len(core) {
			return errorf(pos+i+1, "", "no serial number after $$+")
		}
		h.Serial, err = hibcField("serial number", core[i:], pos+i)
	case strings.HasPrefix(core, "$$"):
		i := 2
		if i < len(core) && (core[i] == '8' || core[i] == '9') {
			n := 2
			if core[i] == '9' {
				n = 5
			}
			q := core[i+1 : min(i+1+n, len(core))]
			if len(q) < n || charsetOK(Numeric, q) >= 0 {
				return errorf(pos+i+2, "", "quantity after $$%c must be %d digits", core[i], n)
			}
			h.Quantity = atoi(q)
			i += 1 + n
			if i == len(core) {
				break // a quantity on its own
			}
		}
		if i, err = hp.expiry(core, i, pos, "$$"); err != nil {
			return err
		}
		h.Lot, err = hibcField("lot", core[i:], pos+i)
	case strings.HasPrefix(core, "$+"):
		if len(core) == 2 {
			return errorf(pos+3, "", "no serial number after $+")
		}
		h.Serial, err = hibcField("serial number", core[2:], pos+2)
	case strings.HasPrefix(core, "$"):
		if len(core) == 1 {
			return errorf(pos+2, "", "no lot after $")
		}
		h.Lot, err = hibcField("lot", core[1:], pos+1)
	case core != "" && isDigit(core[0]):
		if len(core) < 5 || charsetOK(Numeric, core[:5]) >= 0 {
			return errorf(pos+1, "", "secondary data starting with a digit must begin with a 5-digit Julian date YYJJJ")
		}
		if err = hp.date(core[:5], "YYJJJ", pos); err != nil {
			return err
		}
		h.Lot, err = hibcField("lot", core[5:], pos+5)
	default:
		return errorf(pos+1, "", "secondary data %q must start with $, $$, $+, $$+ or a 5-digit Julian date", core)
	}
	if err != nil || !hasSupp {
		return err
	}
	return hp.supplemental(supp, pos+len(core)+1)
}

// expiry reads the expiry date in core at i, after the flag ("$$", with
// any quantity, or "$$+"), and returns the index after it.
func (hp *hibcParser) expiry(core string, i, pos int, flag string) (int, *ParseError) {
	if i >= len(core) {
		return i, errorf(pos+i+1, "", "no expiry date format or lot after %s", flag)
	}
	var layout string
	n := 0
	switch c := core[i]; c {
	case '0', '1':
		layout, n = "MMYY", 4
	case '2':
		layout, n = "MMDDYY", 6
	case '3':
		layout, n = "YYMMDD", 6
	case '4':
		layout, n = "YYMMDDHH", 8
	case '5':
		layout, n = "YYJJJ", 5
	case '6':
		layout, n = "YYJJJHH", 7
	case '7':
		return i + 1, nil
	default:
		return i, errorf(pos+i+1, "", "unknown expiry date format %s after %s: want MMYY or a format digit 2-7", quoteByte(c), flag)
	}
	if layout != "MMYY" {
		i++
	}
	v := core[i:min(i+n, len(core))]
	if len(v) < n || charsetOK(Numeric, v) >= 0 {
		return i, errorf(pos+i+1, "", "expiry date %q is not %d digits %s", v, n, layout)
	}
	return i + n, hp.date(v, layout, pos+i)
}

// date checks an HIBC date of the given layout and stores it as the expiry.
func (hp *hibcParser) date(v, layout string, pos int) *ParseError {
	year := hp.p.currentYear()
	var t time.Time
	var de *dateError
	switch layout {
	case "MMYY":
		t, de = ymd(CenturyYear(atoi2(v[2:]), year), v[:2]+"00", 0, true)
	case "MMDDYY":
		t, de = ymd(CenturyYear(atoi2(v[4:]), year), v[:4], 0, false)
	case "YYMMDD", "YYMMDDHH":
		t, de = ymd(CenturyYear(atoi2(v), year), v[2:6], 2, false)
	case "YYJJJ", "YYJJJHH":
		y := CenturyYear(atoi2(v), year)
		j := atoi(v[2:5])
		days := 365
		if daysIn(y, 2) == 29 {
			days = 366
		}
		if j < 1 || j > days {
			de = &dateError{2, fmt.Sprintf("day of year %d is not 1-%d", j, days)}
			break
		}
		t = time.Date(y, 1, j, 0, 0, 0, 0, time.UTC)
	case "YYYYMMDD":
		t, de = parseDate(YYYYMMDD, v, year)
	}
	if de == nil && strings.HasSuffix(layout, "HH") {
		h := atoi2(v[len(v)-2:])
		if h > 23 {
			de = &dateError{len(v) - 2, fmt.Sprintf("hour %d is not 0-23", h)}
		}
		t = t.Add(time.Duration(h) * time.Hour)
	}
	if de != nil {
		return errorf(pos+de.off+1, "", "expiry date %s (%s): %s", v, layout, de.msg)
	}
	if !hp.h.Expiry.IsZero() && !hp.h.Expiry.Equal(t) {
		return errorf(pos+1, "", "two different expiry dates")
	}
	hp.h.Expiry, hp.h.ExpiryFormat = t, layout
	return nil
}

// supplemental parses the "/"-separated supplemental fields at offset pos.
func (hp *hibcParser) supplemental(s string, pos int) *ParseError {
	h := hp.h
	for f := range strings.SplitSeq(s, "/") {
		switch {
		case strings.HasPrefix(f, "14D"), strings.HasPrefix(f, "16D"):
			v := f[3:]
			if len(v) != 8 || charsetOK(Numeric, v) >= 0 {
				return errorf(pos+4, "", "field %s: date %q is not 8 digits YYYYMMDD", f[:3], v)
			}
			if f[:3] == "14D" {
				if err := hp.date(v, "YYYYMMDD", pos+3); err != nil {
					return err
				}
				break
			}
			t, de := parseDate(YYYYMMDD, v, 0)
			if de != nil {
				return errorf(pos+4+de.off, "", "manufacture date %s: %s", v, de.msg)
			}
			h.ManufactureDate = t
		case strings.HasPrefix(f, "S"):
			v, err := hibcField("serial number", f[1:], pos+1)
			if err != nil {
				return err
			}
			if v == "" || (h.Serial != "" && h.Serial != v) {
				return errorf(pos+1, "", "field S: serial number %q is empty or differs from %q", v, h.Serial)
			}
			h.Serial = v
		case strings.HasPrefix(f, "Q"):
			v := f[1:]
			if v == "" || len(v) > 8 || charsetOK(Numeric, v) >= 0 {
				return errorf(pos+2, "", "field Q: quantity %q is not 1-8 digits", v)
			}
			h.Quantity = atoi(v)
		default:
			if !hp.p.opts.Lenient {
				return errorf(pos+1, "", "unknown supplemental field %q: want S, 14D, 16D or Q", f)
			}
			h.Notes = append(h.Notes, fmt.Sprintf("unknown supplemental field %q ignored", f))
		}
		pos += len(f) + 1
	}
	return nil
}

// hibcField checks a lot or serial number: 0-18 letters or digits.
func hibcField(what, v string, pos int) (string, *ParseError) {
	if len(v) > 18 {
		return "", errorf(pos+1, "", "%s %q has %d characters, at most 18 allowed", what, v, len(v))
	}
	for i := 0; i < len(v); i++ {
		if !isAlnum(v[i]) {
			return "", errorf(pos+i+1, "", "%s: %s is not a letter or digit", what, quoteByte(v[i]))
		}
	}
	return v, nil
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool { return isUpper(c) || isDigit(c) }
