package fhir

import (
	"errors"
	"strings"
)

// Issue is one problem with a resource, as FHIR's OperationOutcome.issue
// says it: a code of the R4 issue-type value set, words for a person, and
// the FHIRPath-like expression of the element at fault, such as
// "AdverseEvent.extension[2].extension[0].valueCode".
type Issue struct {
	Code       string // invalid, structure, required, value, code-invalid, too-long, not-supported, ...
	Message    string
	Expression string
}

func (i *Issue) Error() string {
	if i.Expression == "" {
		return "fhir: " + i.Message
	}
	return "fhir: " + i.Expression + ": " + i.Message
}

// Issues are several problems found at once.
type Issues []*Issue

func (is Issues) Error() string {
	s := make([]string, len(is))
	for i, x := range is {
		s[i] = x.Error()
	}
	return strings.Join(s, "; ")
}

// Issue codes used here (R4 issue-type).
const (
	CodeInvalid      = "invalid"
	CodeStructure    = "structure"
	CodeRequired     = "required"
	CodeValue        = "value"
	CodeCodeInvalid  = "code-invalid"
	CodeTooLong      = "too-long"
	CodeTooCostly    = "too-costly"
	CodeNotSupported = "not-supported"
	CodeBusinessRule = "business-rule"
	CodeConflict     = "conflict"
	CodeNotFound     = "not-found"
	CodeDuplicate    = "duplicate"
	CodeForbidden    = "forbidden"
	CodeSecurity     = "security"
	CodeLogin        = "login"
	CodeProcessing   = "processing"
	CodeException    = "exception"
	CodeMultiple     = "multiple-matches"
	CodeInvariant    = "invariant"
)

func issue(code, expr, msg string) *Issue { return &Issue{Code: code, Expression: expr, Message: msg} }

// IssuesOf returns the issues of err: the Issue or Issues it wraps, or
// nil.
func IssuesOf(err error) []*Issue {
	var is Issues
	if errors.As(err, &is) {
		return is
	}
	var i *Issue
	if errors.As(err, &i) {
		return []*Issue{i}
	}
	return nil
}

// NewOutcome is an OperationOutcome of error issues.
func NewOutcome(is ...*Issue) OperationOutcome {
	o := OperationOutcome{ResourceType: "OperationOutcome"}
	for _, i := range is {
		oi := OutcomeIssue{Severity: "error", Code: i.Code, Diagnostics: i.Message}
		if oi.Code == "" {
			oi.Code = CodeProcessing
		}
		if i.Expression != "" {
			oi.Expression = []string{i.Expression}
		}
		o.Issue = append(o.Issue, oi)
	}
	if len(o.Issue) == 0 {
		o.Issue = []OutcomeIssue{{Severity: "error", Code: CodeProcessing, Diagnostics: "The request could not be processed"}}
	}
	return o
}

// Information is an OperationOutcome of one informational issue (the
// answer of a batch entry, a DELETE).
func Information(msg string) OperationOutcome {
	return OperationOutcome{ResourceType: "OperationOutcome", Issue: []OutcomeIssue{{Severity: "information", Code: "informational", Diagnostics: msg}}}
}
