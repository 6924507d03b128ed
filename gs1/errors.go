package gs1

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorKind says what sort of problem a [ParseError] reports, so that it
// can be explained in plain words ([ParseError.Message]).
type ErrorKind uint8

// The kinds of problem.
const (
	// KindInvalid is any other problem with the data.
	KindInvalid ErrorKind = iota
	// KindNoData: the input holds no barcode data.
	KindNoData
	// KindNotGS1: the scanner reports a barcode that does not carry GS1
	// data (its symbology identifier says so).
	KindNotGS1
	// KindUnknownAI: the data holds an Application Identifier that GS1
	// has not defined.
	KindUnknownAI
	// KindLength: a value is too long, too short or cut off.
	KindLength
	// KindCharacter: a value holds a character it may not.
	KindCharacter
	// KindCheckDigit: a check digit or check character pair is wrong.
	KindCheckDigit
	// KindDate: a date or time is not a real one.
	KindDate
	// KindCode: a code (country, currency, sex) is not in its code list.
	KindCode
	// KindSeparator: a GS separator is missing, doubled or misplaced.
	KindSeparator
	// KindDuplicate: an AI appears twice with different values.
	KindDuplicate
	// KindAmbiguous: a missing separator leaves more than one plausible
	// reading; [ParseError.Candidates] holds them.
	KindAmbiguous
	// KindDigitalLink: a Digital Link URI breaks the rules of the GS1
	// Digital Link standard.
	KindDigitalLink
	// KindRange: a value is outside the range its AI allows, such as a
	// latitude beyond 90 degrees or a birth sequence "3/2".
	KindRange
	// KindConflict: the data holds two AIs that GS1 does not allow
	// together (the Syntax Dictionary's "ex" rule), such as a GTIN (01) and
	// the GTIN of the contents (02).
	KindConflict
	// KindMissingAI: an AI is there without an AI it needs (the Syntax
	// Dictionary's "req" rule), such as a serial number (21) without a
	// GTIN (01). See [Options].SeveralBarcodes.
	KindMissingAI
)

// ParseError is the error returned for input that is not valid barcode data.
// Error (and Detail) give the technical detail, for logs and tests: where
// the problem is and which AI it concerns. Message says the same in plain
// words for the person at the scanner.
type ParseError struct {
	// Pos is the 1-based position, in the input as given (symbology
	// identifier included), of the character or element that is wrong; 0
	// when the problem has no single position (such as empty input).
	Pos int
	// AI is the Application Identifier concerned, or "" when none is.
	AI string
	// Msg says what is wrong, technically.
	Msg string
	// Kind says what sort of problem it is.
	Kind ErrorKind
	// Candidates are, for KindAmbiguous, the plausible readings of the
	// data, each complete and valid; the person scanning must choose the
	// one that matches the label. Nil for other kinds, and when there are
	// too many readings to offer.
	Candidates []*Result

	with []string // the other AIs concerned, for KindConflict and KindMissingAI
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

// Detail returns the technical description of the problem, the same as
// Error, for logs and tests.
func (e *ParseError) Detail() string { return e.Error() }

// Message returns what is wrong in plain words, with what to do about it,
// for a practitioner at the point of care; for example "The product code
// (GTIN) fails its check digit: the barcode may be damaged or mistyped.
// Scan again or type it from the label."
func (e *ParseError) Message() string {
	f := fieldName(e.AI)
	switch e.Kind {
	case KindNoData:
		return "The scan has no barcode data in it. Scan the barcode again."
	case KindNotGS1:
		return "This is not a GS1 barcode, so it has no product code, lot, serial number or expiry date to read. " +
			"Scan the GS1 barcode on the label (usually a square DataMatrix, or a long barcode with numbers in brackets under it), or type the details from the label."
	case KindUnknownAI:
		return "The barcode holds a code that GS1 has not defined, so it cannot be read safely: it may be damaged or misread. " +
			"Scan again; if it fails again, type the details from the label."
	case KindLength:
		return "The " + f + " in the barcode is the wrong length: the barcode may be damaged or misprinted. Scan again or type it from the label."
	case KindCharacter:
		return "The " + f + " in the barcode has a character that is not allowed there: the barcode may be damaged or misread. Scan again or type it from the label."
	case KindCheckDigit:
		return "The " + f + " fails its check digit: the barcode may be damaged or mistyped. Scan again or type it from the label."
	case KindDate:
		return "The " + f + " in the barcode is not a real date: the barcode may be damaged or misprinted. Check the date on the label and type it."
	case KindCode:
		return "The " + f + " in the barcode is not a recognised code: the barcode may be damaged or misprinted. Scan again or type the details from the label."
	case KindSeparator:
		return "The parts of the barcode are not separated as GS1 requires, so it cannot be read safely. " +
			"The scanner may need setting up for GS1 barcodes: ask your local support team. Meanwhile, type the details from the label."
	case KindDuplicate:
		return "The barcode gives two different values for the " + f + ", so it cannot be trusted. Type the details from the label."
	case KindAmbiguous:
		if len(e.Candidates) > 1 {
			return "The scanner left out a separator, so this barcode can be read in more than one way. Choose the reading that matches the label."
		}
		return "The scanner left out a separator, so this barcode can be read in too many ways. Type the details from the label."
	case KindDigitalLink:
		return "This web address is not a valid GS1 Digital Link, so the product details cannot be read from it safely. " +
			"Scan the other barcode on the label, or type the details from it."
	case KindRange:
		return "The " + f + " in the barcode is outside the values GS1 allows: the barcode may be damaged or misprinted. Scan again or type the details from the label."
	case KindConflict:
		other := "another field"
		if len(e.with) > 0 {
			other = "the " + fieldName(e.with[0])
		}
		return "The barcode holds both the " + f + " and " + other + ", which GS1 does not allow together, so it cannot be trusted. Type the details from the label."
	case KindMissingAI:
		need := "the other details that must go with it"
		if len(e.with) > 0 {
			var names []string
			for _, ai := range e.with {
				if n := fieldName(ai); !containsString(names, n) {
					names = append(names, n)
				}
			}
			need = "the " + strings.Join(names, " and ") + " that must go with it"
		}
		return "The barcode has the " + f + " but not " + need + ". " +
			"If the label has more than one barcode, scan the others as well; otherwise type the details from the label."
	}
	return "The barcode could not be read. Scan it again, or type the details from the label."
}

// Message returns the plain-words message of an error from this package
// (see [ParseError.Message]), or a general one for any other error.
func Message(err error) string {
	var pe *ParseError
	if errors.As(err, &pe) {
		return pe.Message()
	}
	return "The barcode could not be read. Scan it again, or type the details from the label."
}

// Candidates returns the readings offered by an error of [KindAmbiguous]
// (see [ParseError].Candidates), or nil for any other error.
func Candidates(err error) []*Result {
	var pe *ParseError
	if errors.As(err, &pe) && pe.Kind == KindAmbiguous {
		return pe.Candidates
	}
	return nil
}

// fieldNames name the AIs a practitioner meets, in plain words.
var fieldNames = map[string]string{
	"00":   "shipping container code (SSCC)",
	"01":   "product code (GTIN)",
	"02":   "product code of the contents (GTIN)",
	"03":   "product code (GTIN)",
	"10":   "lot (batch) number",
	"11":   "production date",
	"12":   "due date",
	"13":   "packing date",
	"15":   "best before date",
	"16":   "sell by date",
	"17":   "expiry date",
	"21":   "serial number",
	"22":   "product variant",
	"30":   "item count",
	"37":   "item count",
	"414":  "location code (GLN)",
	"7003": "expiry date and time",
	"8017": "staff identifier (GSRN)",
	"8018": "patient identifier (GSRN)",
	"8019": "service instance number",
	"8006": "product piece code (ITIP)",
	"4300": "delivery company name",
	"4301": "delivery contact name",
	"4302": "delivery address",
	"4303": "delivery address",
	"4309": "delivery location (latitude and longitude)",
	"4310": "return company name",
	"4311": "return contact name",
	"4312": "return address",
	"4313": "return address",
	"7041": "freight unit type",
	"7241": "AIDC media type",
	"7250": "date of birth",
	"7251": "date and time of birth",
	"7252": "biological sex",
	"7253": "family name",
	"7254": "given name",
	"7256": "full name",
	"7257": "address of the person",
	"7258": "baby's birth sequence",
	"7259": "baby's family name",
	"8007": "bank account number (IBAN)",
}

// fieldName names an AI in plain words.
func fieldName(ai string) string {
	if n, ok := fieldNames[ai]; ok {
		return n
	}
	if ai == "" {
		return "data"
	}
	return "data field (" + ai + ")"
}

// errorf returns a *ParseError of KindInvalid. pos is 1-based; 0 means no
// position.
func errorf(pos int, ai, format string, args ...any) *ParseError {
	return &ParseError{Pos: pos, AI: ai, Msg: fmt.Sprintf(format, args...)}
}

// errk returns a *ParseError of the given kind. pos is 1-based; 0 means no
// position.
func errk(k ErrorKind, pos int, ai, format string, args ...any) *ParseError {
	return &ParseError{Pos: pos, AI: ai, Msg: fmt.Sprintf(format, args...), Kind: k}
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
