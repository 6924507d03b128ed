// Package nhsnumber parses and validates NHS numbers, the 10-digit
// identifiers of patients in England, Wales and the Isle of Man.
//
// The tenth digit is a modulus 11 check digit: the first nine digits are
// weighted 10 down to 2, the sum is divided by 11, and the check digit is
// 11 minus the remainder, with 11 becoming 0. A result of 10 means no valid
// NHS number has those nine digits.
//
// A [Number] never appears in logs: it implements [slog.LogValuer] and logs
// as "[nhs-number]". Error messages never repeat the number either.
package nhsnumber

import (
	"fmt"
	"log/slog"
	"strings"
)

// Number is a valid NHS number. The zero value is not a valid number; see
// IsZero.
type Number struct {
	d [10]byte // the digits, '0'-'9'
}

// Error describes why a string is not a valid NHS number. Its message says
// what is wrong without repeating the number.
type Error struct {
	// Pos is the 1-based position in the input of the offending character,
	// or 0 when the problem is not at one position.
	Pos int
	// Msg says what is wrong.
	Msg string
}

func (e *Error) Error() string {
	if e.Pos > 0 {
		return fmt.Sprintf("NHS number: position %d: %s", e.Pos, e.Msg)
	}
	return "NHS number: " + e.Msg
}

// Parse parses an NHS number written as 10 digits, optionally grouped by
// spaces or dashes (such as "943 476 5919" or "943-476-5919") and surrounded
// by white space. It returns an *Error when a character other than a digit,
// space or dash appears, when there are not exactly 10 digits, when the
// check digit is wrong, or when the first nine digits give a check digit
// of 10, which is never valid.
func Parse(s string) (Number, error) {
	var n Number
	start := len(s) - len(strings.TrimLeft(s, " \t\r\n"))
	t := strings.TrimSpace(s)
	if t == "" {
		return Number{}, &Error{Msg: "no digits"}
	}
	count := 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= '0' && c <= '9':
			if count < len(n.d) {
				n.d[count] = c
			}
			count++
		case (c == ' ' || c == '-') && i > 0 && i < len(t)-1:
		default:
			return Number{}, &Error{Pos: start + i + 1, Msg: fmt.Sprintf("%s is not a digit", describe(c))}
		}
	}
	if count != len(n.d) {
		return Number{}, &Error{Msg: fmt.Sprintf("has %d digits, want 10", count)}
	}
	want, ok := checkDigit(n.d[:9])
	if !ok {
		return Number{}, &Error{Msg: "the first nine digits give a check digit of 10, so this is never a valid NHS number"}
	}
	if n.d[9] != want {
		return Number{}, &Error{Msg: fmt.Sprintf("check digit is %c, want %c", n.d[9], want)}
	}
	return n, nil
}

// Valid reports whether s is a valid NHS number as Parse accepts it.
func Valid(s string) bool {
	_, err := Parse(s)
	return err == nil
}

// CheckDigit returns the check digit for the first nine digits of an NHS
// number, and false when those digits give 10 and so cannot start a valid
// NHS number. It returns an *Error unless nine is exactly nine digits.
func CheckDigit(nine string) (byte, bool, error) {
	if len(nine) != 9 {
		return 0, false, &Error{Msg: fmt.Sprintf("has %d digits, want 9 before the check digit", len(nine))}
	}
	for i := 0; i < len(nine); i++ {
		if nine[i] < '0' || nine[i] > '9' {
			return 0, false, &Error{Pos: i + 1, Msg: fmt.Sprintf("%s is not a digit", describe(nine[i]))}
		}
	}
	c, ok := checkDigit([]byte(nine))
	return c, ok, nil
}

// checkDigit computes the modulus 11 check digit of nine digits.
func checkDigit(d []byte) (byte, bool) {
	sum := 0
	for i, c := range d {
		sum += int(c-'0') * (10 - i)
	}
	check := 11 - sum%11
	switch check {
	case 11:
		return '0', true
	case 10:
		return 0, false
	}
	return byte(check) + '0', true
}

func describe(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("byte 0x%02X", c)
	}
	return fmt.Sprintf("%q", c)
}

// IsZero reports whether n is the zero Number, which is not a valid NHS
// number.
func (n Number) IsZero() bool { return n == Number{} }

// String returns the 10 digits with no spaces, or "" for the zero Number.
func (n Number) String() string {
	if n.IsZero() {
		return ""
	}
	return string(n.d[:])
}

// Format returns the number grouped 3-3-4 as the NHS displays it, such as
// "943 476 5919", or "" for the zero Number.
func (n Number) Format() string {
	if n.IsZero() {
		return ""
	}
	d := n.d
	return string(d[:3]) + " " + string(d[3:6]) + " " + string(d[6:])
}

// IsTestRange reports whether n lies in 999 000 0000 to 999 999 9999, a
// range never issued to patients and kept for testing.
func (n Number) IsTestRange() bool {
	return n.d[0] == '9' && n.d[1] == '9' && n.d[2] == '9'
}

// LogValue implements slog.LogValuer so that an NHS number never reaches a
// log: it logs as "[nhs-number]".
func (n Number) LogValue() slog.Value { return slog.StringValue("[nhs-number]") }

// MarshalText returns the 10 digits, for JSON and other encodings where the
// number is meant to be seen. It returns an error for the zero Number.
func (n Number) MarshalText() ([]byte, error) {
	if n.IsZero() {
		return nil, &Error{Msg: "no number to encode"}
	}
	return n.d[:], nil
}

// UnmarshalText parses text as Parse does.
func (n *Number) UnmarshalText(text []byte) error {
	v, err := Parse(string(text))
	if err != nil {
		return err
	}
	*n = v
	return nil
}
