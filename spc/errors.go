package spc

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error an entry point returns is an [*Error] that
// wraps one of these, so errors.Is(err, spc.ErrTooFewPoints) works.
var (
	// ErrTooFewPoints: the series (or a rebase segment) has fewer points
	// than a chart needs (two: one moving range).
	ErrTooFewPoints = errors.New("too few points")
	// ErrLength: x and y (or numerators and denominators) differ in length.
	ErrLength = errors.New("lengths differ")
	// ErrNotFinite: a value is NaN or infinite.
	ErrNotFinite = errors.New("value is not a finite number")
	// ErrNegative: a count, interval or denominator that cannot be negative is.
	ErrNegative = errors.New("value must not be negative")
	// ErrXOrder: the dates are not strictly increasing.
	ErrXOrder = errors.New("dates are not strictly increasing")
	// ErrBaseline: FixAfterNPoints is below the minimum or longer than the series.
	ErrBaseline = errors.New("baseline is not usable")
	// ErrRebase: a rebase date is out of order, out of range or leaves an
	// empty segment.
	ErrRebase = errors.New("rebase date is not usable")
	// ErrDirection: the improvement direction is not increase, decrease or neutral.
	ErrDirection = errors.New("unknown improvement direction")
	// ErrTargetWithoutDirection: a target was given with a neutral
	// direction, so passing and failing have no meaning.
	ErrTargetWithoutDirection = errors.New("a target needs an improvement direction of increase or decrease")
	// ErrRunLength: a shift or trend run length is out of range.
	ErrRunLength = errors.New("run length out of range")
	// ErrMissingPeriod: a period is missing and RejectGaps was set.
	ErrMissingPeriod = errors.New("a period is missing")
	// ErrDenominator: a denominator is zero, or a numerator exceeds it in a p chart.
	ErrDenominator = errors.New("denominator is not usable")
	// ErrMissingValue: a value is null or absent.
	ErrMissingValue = errors.New("value is missing")
	// ErrSyntax: a series line is not valid JSON of the expected shape.
	ErrSyntax = errors.New("malformed series")
)

// Error is the error every entry point returns for bad input.
type Error struct {
	// Field is the input at fault, in the names of the NDJSON format:
	// "x", "y", "n", "fix_after_n_points", "rebase", "target",
	// "improvement_direction", "shift_length", "trend_length".
	Field string
	// Index is the position in Field's list that is at fault, or -1.
	Index int
	// Err is one of the sentinel errors.
	Err error
	// Detail says more, in words safe to show a user.
	Detail string
}

func (e *Error) Error() string {
	s := "spc: " + e.Field
	if e.Index >= 0 {
		s += fmt.Sprintf("[%d]", e.Index)
	}
	s += ": " + e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func errf(field string, index int, err error, format string, args ...any) *Error {
	return &Error{Field: field, Index: index, Err: err, Detail: fmt.Sprintf(format, args...)}
}
