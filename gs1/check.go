package gs1

import (
	"fmt"
	"strconv"
	"time"
)

// CheckDigit returns the GS1 mod-10 check digit for data, the digits of a
// GTIN, GLN, SSCC, GSRN or other GS1 key without their check digit: the
// digits are weighted 3, 1, 3, 1 ... from the right, and the check digit
// brings the sum up to a multiple of ten. It returns an error when data is
// empty or holds a character other than a digit.
func CheckDigit(data string) (byte, error) {
	if data == "" {
		return 0, errk(KindLength, 0, "", "no digits")
	}
	for i := 0; i < len(data); i++ {
		if !isDigit(data[i]) {
			return 0, errk(KindCharacter, i+1, "", "%s is not a digit", quoteByte(data[i]))
		}
	}
	return checkDigit(data), nil
}

// ValidCheckDigit reports whether s is all digits, at least two, and its last
// digit is the GS1 check digit of the ones before it.
func ValidCheckDigit(s string) bool {
	if len(s) < 2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return checkDigit(s[:len(s)-1]) == s[len(s)-1]
}

// NormalizeGTIN returns a GTIN-8, GTIN-12, GTIN-13 or GTIN-14 as the 14 digits
// used in AI (01) and GS1 Digital Link, padded on the left with zeros. It
// returns a *ParseError when s is not 8, 12, 13 or 14 digits or its check
// digit is wrong.
func NormalizeGTIN(s string) (string, error) {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return "", errk(KindLength, 0, "01", "a GTIN has 8, 12, 13 or 14 digits, not %d", len(s))
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return "", errk(KindCharacter, i+1, "01", "%s is not a digit", quoteByte(s[i]))
		}
	}
	if want := checkDigit(s[:len(s)-1]); want != s[len(s)-1] {
		return "", errk(KindCheckDigit, len(s), "01", "check digit is %c, want %c", s[len(s)-1], want)
	}
	return "00000000000000"[:14-len(s)] + s, nil
}

// checkDigit computes the GS1 check digit of digits, which must be all
// digits.
func checkDigit(digits string) byte {
	sum, w := 0, 3
	for i := len(digits) - 1; i >= 0; i-- {
		sum += int(digits[i]-'0') * w
		w = 4 - w
	}
	return byte((10-sum%10)%10) + '0'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Character set membership, indexed by byte.
var cs82, cs39, cs64 [256]bool

func init() {
	for c := '0'; c <= '9'; c++ {
		cs82[c], cs39[c], cs64[c] = true, true, true
	}
	for c := 'A'; c <= 'Z'; c++ {
		cs82[c], cs39[c], cs64[c] = true, true, true
		cs82[c+32], cs64[c+32] = true, true
	}
	for _, c := range "!\"%&'()*+,-./:;<=>?_" {
		cs82[c] = true
	}
	for _, c := range "#-/" {
		cs39[c] = true
	}
	for _, c := range "-_=" {
		cs64[c] = true
	}
}

// InCS82 reports whether every character of s is in GS1 AI encodable
// character set 82, the set allowed in alphanumeric AI values.
func InCS82(s string) bool {
	for i := 0; i < len(s); i++ {
		if !cs82[s[i]] {
			return false
		}
	}
	return true
}

// charsetOK returns the index of the first character of s not in set cs,
// or -1.
func charsetOK(cs Charset, s string) int {
	switch cs {
	case Numeric:
		for i := 0; i < len(s); i++ {
			if !isDigit(s[i]) {
				return i
			}
		}
	case CS82:
		for i := 0; i < len(s); i++ {
			if !cs82[s[i]] {
				return i
			}
		}
	case CS39:
		for i := 0; i < len(s); i++ {
			if !cs39[s[i]] {
				return i
			}
		}
	case CS64:
		for i := 0; i < len(s); i++ {
			if !cs64[s[i]] {
				return i
			}
		}
	}
	return -1
}

// atoi2 converts two digits, already checked, to a number.
func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

// CenturyYear returns the four-digit year for the two-digit year yy (0-99)
// under the GS1 rule (General Specifications 7.12): the year lies between
// 49 years before and 50 years after the current year.
func CenturyYear(yy, current int) int {
	century, cy := current/100*100, current%100
	switch d := yy - cy; {
	case d >= 51:
		return century - 100 + yy
	case d <= -50:
		return century + 100 + yy
	}
	return century + yy
}

// daysIn returns the number of days in month m of year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// dateError is a date problem: the offset within the value and a message.
type dateError struct {
	off int
	msg string
}

// parseDate checks a date component of the given kind, all digits and of
// the right length, and returns its time in UTC. year is the current year.
func parseDate(kind DateKind, v string, year int) (time.Time, *dateError) {
	switch kind {
	case YYMMDD, YYMMD0:
		return ymd(CenturyYear(atoi2(v), year), v[2:], 2, kind == YYMMD0)
	case YYMMDDHH, YYMMDDHHMM:
		t, err := ymd(CenturyYear(atoi2(v), year), v[2:6], 2, false)
		if err != nil {
			return t, err
		}
		h, m := atoi2(v[6:8]), 0
		if h > 23 {
			return t, &dateError{6, fmt.Sprintf("hour %d is not 0-23", h)}
		}
		if kind == YYMMDDHHMM {
			if m = atoi2(v[8:10]); m > 59 {
				return t, &dateError{8, fmt.Sprintf("minute %d is not 0-59", m)}
			}
		}
		return t.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute), nil
	case HHMM:
		if h := atoi2(v); h > 23 {
			return time.Time{}, &dateError{0, fmt.Sprintf("hour %d is not 0-23", h)}
		}
		if m := atoi2(v[2:]); m > 59 {
			return time.Time{}, &dateError{2, fmt.Sprintf("minute %d is not 0-59", m)}
		}
	case MMOptSS:
		if len(v) != 2 && len(v) != 4 {
			return time.Time{}, &dateError{0, "want minutes (MM) or minutes and seconds (MMSS)"}
		}
		if m := atoi2(v); m > 59 {
			return time.Time{}, &dateError{0, fmt.Sprintf("minute %d is not 0-59", m)}
		}
		if len(v) == 4 {
			if sec := atoi2(v[2:]); sec > 59 {
				return time.Time{}, &dateError{2, fmt.Sprintf("second %d is not 0-59", sec)}
			}
		}
	case YYYYMMDD, YYYYMMDDHHMM:
		y, _ := strconv.Atoi(v[:4])
		t, err := ymd(y, v[4:8], 4, false)
		if err != nil || kind == YYYYMMDD {
			return t, err
		}
		h, m := atoi2(v[8:10]), atoi2(v[10:12])
		if h > 23 {
			return t, &dateError{8, fmt.Sprintf("hour %d is not 0-23", h)}
		}
		if m > 59 {
			return t, &dateError{10, fmt.Sprintf("minute %d is not 0-59", m)}
		}
		return t.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute), nil
	}
	return time.Time{}, nil
}

// ymd checks MMDD (off is its offset in the value) in year y. A day of 00
// means the last day of the month when zeroDay is set.
func ymd(y int, mmdd string, off int, zeroDay bool) (time.Time, *dateError) {
	m, d := atoi2(mmdd), atoi2(mmdd[2:])
	if m < 1 || m > 12 {
		return time.Time{}, &dateError{off, fmt.Sprintf("month %d is not 1-12", m)}
	}
	last := daysIn(y, m)
	switch {
	case d == 0 && zeroDay:
		d = last
	case d == 0 && !zeroDay:
		return time.Time{}, &dateError{off + 2, "day 00 is not allowed here"}
	case d > last:
		return time.Time{}, &dateError{off + 2, fmt.Sprintf("day %d is not 1-%d in %04d-%02d", d, last, y, m)}
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
}
