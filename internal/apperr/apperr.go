// Package apperr defines the kinds of error clinsafe returns and carries a
// message that is safe to show a user, plus optional per-field messages for
// form and API validation. One adapter in the web package maps a Kind to an
// HTTP status, an HTML page or a JSON body.
package apperr

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Kind classifies an error for the user-facing adapters.
type Kind string

// The error kinds. Internal is the default for errors that carry no kind.
const (
	Invalid         Kind = "invalid"
	BadRequest      Kind = "bad_request"
	NotFound        Kind = "not_found"
	Conflict        Kind = "conflict"
	Forbidden       Kind = "forbidden"
	Unauthenticated Kind = "unauthenticated"
	TooLarge        Kind = "too_large"
	TooMany         Kind = "too_many_requests"
	Internal        Kind = "internal"
)

// Error is an error with a kind, a user-safe message and optional field
// messages. Err, when set, is the underlying cause (never shown to users).
type Error struct {
	Kind    Kind
	Message string
	Fields  map[string]string
	Err     error
	// RetryAfter, for TooMany, is how long to wait before trying again
	// (sent as the Retry-After header).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	msg := e.Message
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			msg += fmt.Sprintf("; %s: %s", k, e.Fields[k])
		}
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, msg, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Kind, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with a user-safe message.
func New(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error of kind k with a user-safe message and a cause.
func Wrap(k Kind, err error, message string) *Error {
	return &Error{Kind: k, Message: message, Err: err}
}

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err has kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// MessageOf returns the user-safe message of err, or a generic one for
// internal errors.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal {
		return e.Message
	}
	return "Something went wrong on our side. The problem has been logged."
}

// FieldsOf returns the per-field messages of err, if any.
func FieldsOf(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Fields collects per-field validation messages, the first for each field.
// The zero value is ready to use.
type Fields struct {
	m map[string]string
}

// Add records msg for field unless the field already has a message.
func (f *Fields) Add(field, msg string) {
	if f.m == nil {
		f.m = map[string]string{}
	}
	if _, ok := f.m[field]; ok {
		return
	}
	f.m[field] = msg
}

// Check adds msg for field when bad is true.
func (f *Fields) Check(bad bool, field, msg string) {
	if bad {
		f.Add(field, msg)
	}
}

// Err returns nil when no field has a message, otherwise an Invalid error
// carrying every message.
func (f *Fields) Err() error {
	if len(f.m) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: "There is a problem with what was entered", Fields: f.m}
}

// Field is an Invalid error with one field's message: what a check that
// finds one thing wrong returns.
func Field(field, msg string) error {
	return &Error{Kind: Invalid, Message: "There is a problem", Fields: map[string]string{field: msg}}
}
