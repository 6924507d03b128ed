package gs1

import (
	"fmt"
	"strings"
)

// ParseError is the error returned for input that is not valid barcode data.
// It says where the problem is and which AI it concerns, so that a person at
// a scanner, or a log reader, can see what is wrong with the label.
type ParseError struct {
	// Pos is the 1-based position, in the input as given (symbology
	// identifier included), of the character or element that is wrong; 0
	// when the problem has no single position (such as empty input).
	Pos int
	// AI is the Application Identifier concerned, or "" when none is.
	AI string
	// Msg says what is wrong.
	Msg string
}

// Error returns, for example,
// "position 19: AI (17): date 261341: month 13 is not 1-12".
func (e *ParseError) Error() string {
	var b strings.Builder
	if e.Pos > 0 {
		fmt.Fprintf(&b, "position %d: ", e.Pos)
	}
	if e.AI != "" {
		fmt.Fprintf(&b, "AI (%s): ", e.AI)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// errorf returns a *ParseError. pos is 1-based; 0 means no position.
func errorf(pos int, ai, format string, args ...any) *ParseError {
	return &ParseError{Pos: pos, AI: ai, Msg: fmt.Sprintf(format, args...)}
}

// quoteByte describes a byte for an error message.
func quoteByte(c byte) string {
	switch {
	case c == gs:
		return "GS (ASCII 29)"
	case c == ' ':
		return "space"
	case c < 0x20 || c >= 0x7f:
		return fmt.Sprintf("byte 0x%02X", c)
	}
	return fmt.Sprintf("%q", c)
}
