package lfpse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Request is one submission as the Sender sends it.
type Request struct {
	// EventID is clinsafe's id of the event, carried in the resource's
	// identifier (IdentifierSystem) and in the conditional create.
	EventID string
	// NationalID is empty for a create (POST), the national record's id
	// for an update (PUT).
	NationalID string
	// Body is the AdverseEvent, application/fhir+json.
	Body []byte
}

// Accepted is the service's answer to a submission it accepted.
type Accepted struct {
	// ID is the national record's logical id (for later PUTs); Ref its
	// reference number, shown to handlers.
	ID, Ref string
}

// Sender sends one submission to the national service: Client in
// production; tests use Client against lfpsetest's stand-in.
type Sender interface {
	Send(ctx context.Context, r Request) (Accepted, error)
}

// Refusal is a submission the service refused (4xx with an
// OperationOutcome): sending it again as it is would be refused again.
type Refusal struct {
	Status int
	// Words are the outcome's issues in plain words, one sentence each.
	Words string
}

func (e *Refusal) Error() string { return fmt.Sprintf("refused (%d): %s", e.Status, e.Words) }

// TransientError is a failure worth trying again: a timeout, a 5xx, the
// service being down.
type TransientError struct {
	Words string
	Err   error
}

func (e *TransientError) Error() string {
	if e.Err != nil {
		return e.Words + ": " + e.Err.Error()
	}
	return e.Words
}
func (e *TransientError) Unwrap() error { return e.Err }

// IdentifierSystem is the system of the identifier that carries
// clinsafe's event id in every AdverseEvent sent (and in the conditional
// create), under the instance's public base URL.
func IdentifierSystem(baseURL string) string { return strings.TrimRight(baseURL, "/") + "/fhir/events" }

// Client sends submissions to the LFPSE API over HTTP.
type Client struct {
	// BaseURL is the FHIR base of the service, e.g.
	// https://host/adverse-event/fhir (AdverseEvent is appended).
	BaseURL string
	// Key is the API subscription key (Ocp-Apim-Subscription-Key).
	Key string
	// System is the identifier system of clinsafe's event ids.
	System string
	// HTTP is the client; its Timeout bounds each request (default 30s).
	HTTP *http.Client
}

// NewClient returns a client for base with key, timing out after timeout
// (30 seconds when 0).
func NewClient(base, key, system string, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &Client{BaseURL: strings.TrimRight(base, "/"), Key: key, System: system, HTTP: &http.Client{Timeout: timeout}}
}

// maxResponse bounds what is read of an answer.
const maxResponse = 1 << 20

// Send POSTs a create (conditional on the event's identifier) or PUTs an
// update, and reads the answer: Accepted on 200/201, a *Refusal on 4xx
// (other than 408 and 429), a *TransientError otherwise (a redirect
// included: it is not followed, so the key goes to BaseURL's host only).
// The reference number is the answer's (see accepted); a create's answer
// without one gives its id, an update's gives none (the reference is
// kept).
func (c *Client) Send(ctx context.Context, r Request) (Accepted, error) {
	method, target := http.MethodPost, c.BaseURL+"/AdverseEvent"
	if r.NationalID != "" {
		method, target = http.MethodPut, c.BaseURL+"/AdverseEvent/"+url.PathEscape(r.NationalID)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(r.Body))
	if err != nil {
		return Accepted{}, fmt.Errorf("lfpse: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/fhir+json")
	req.Header.Set("Accept", "application/fhir+json")
	req.Header.Set("Ocp-Apim-Subscription-Key", c.Key)
	if method == http.MethodPost {
		req.Header.Set("If-None-Exist", "identifier="+url.QueryEscape(c.System+"|"+r.EventID))
	}
	hc := http.Client{Timeout: 30 * time.Second}
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	// A redirect is not followed: Go would forward the subscription key
	// (a header of its own, not Authorization) to whatever host it names.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(req)
	if err != nil {
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			return Accepted{}, &TransientError{Words: "The national service did not answer in time", Err: err}
		}
		return Accepted{}, &TransientError{Words: "The national service could not be reached", Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return Accepted{}, &TransientError{Words: "The national service's answer was cut short", Err: err}
	}
	switch {
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated:
		a, err := accepted(body)
		if err != nil {
			return Accepted{}, &TransientError{Words: "The national service's answer could not be read", Err: err}
		}
		if a.Ref == "" && r.NationalID == "" {
			// A create whose answer names no reference: its id is the
			// reference. An update's answer without one keeps the
			// reference the create returned (see markSent).
			a.Ref = a.ID
		}
		return a, nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests:
		words := OutcomeWords(body)
		if words == "" {
			words = fmt.Sprintf("The national service refused the record (HTTP %d) without saying why", resp.StatusCode)
		}
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			words = "The national service did not accept clinsafe's subscription key: the instance administrator needs to check CLINSAFE_LFPSE_KEY"
		}
		return Accepted{}, &Refusal{Status: resp.StatusCode, Words: words}
	default:
		return Accepted{}, &TransientError{Words: fmt.Sprintf("The national service had a problem (HTTP %d)", resp.StatusCode)}
	}
}

// NationalRefSystem is the identifier system in which the service returns
// its reference number (any identifier of another system than clinsafe's
// is taken as the reference when this one is absent).
const NationalRefSystem = "https://psims.nhs.uk/reference"

// Identifiers reads an identifier element given as one object (as R4's
// AdverseEvent has it) or as a list.
func Identifiers(raw json.RawMessage) []struct{ System, Value string } {
	type id struct{ System, Value string }
	var one id
	if json.Unmarshal(raw, &one) == nil && (one.System != "" || one.Value != "") {
		return []struct{ System, Value string }{one}
	}
	var many []struct{ System, Value string }
	_ = json.Unmarshal(raw, &many)
	return many
}

// accepted reads the id and reference number from the returned resource:
// the identifier of NationalRefSystem, else the first identifier that is
// not clinsafe's (none: Ref is empty).
func accepted(body []byte) (Accepted, error) {
	var res struct {
		ResourceType string          `json:"resourceType"`
		ID           string          `json:"id"`
		Identifier   json.RawMessage `json:"identifier"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return Accepted{}, err
	}
	if res.ResourceType != "AdverseEvent" || res.ID == "" {
		return Accepted{}, errors.New("the answer is not an AdverseEvent with an id")
	}
	a := Accepted{ID: res.ID}
	ids := Identifiers(res.Identifier)
	for _, id := range ids {
		if id.System == NationalRefSystem {
			a.Ref = id.Value
		}
	}
	if a.Ref == "" {
		for _, id := range ids {
			if !strings.HasSuffix(id.System, "/fhir/events") && id.Value != "" {
				a.Ref = id.Value
				break
			}
		}
	}
	return a, nil
}

// elementWords name the elements of the submitted AdverseEvent a refusal
// may point at, in the words of the question the reporter or handler
// answered (matched on the expression's start).
var elementWords = []struct{ prefix, words string }{
	{"AdverseEvent.description", "What happened"},
	{"AdverseEvent.event.text", "What happened"},
	{"AdverseEvent.date", "When it happened"},
	{"AdverseEvent.event", "The kind of record (incident, outcome, risk or good care)"},
	{"AdverseEvent.location", "Where it happened"},
	{"AdverseEvent.subject", "The patient involved"},
	{"AdverseEvent.suspectEntity", "What was involved (a medicine, device or system)"},
	{"AdverseEvent.recorder", "Who reported it"},
	{"AdverseEvent.contained.ofType(Patient)", "The patients affected"},
	{"AdverseEvent.contained.ofType(Practitioner)", "Who reported it"},
	{"AdverseEvent.contained.ofType(Device)", "The device involved"},
	{"AdverseEvent.contained.ofType(Medication)", "The medicine involved"},
	{"AdverseEvent.contained.ofType(Location)", "Where it happened"},
	{"AdverseEvent.extension", "The LFPSE details of the event"},
}

// OutcomeWords turns an OperationOutcome into plain words: each issue's
// details.text (else diagnostics), prefixed by the question its
// expression names where it names a known element. Empty when body is
// not an OperationOutcome with issues.
func OutcomeWords(body []byte) string {
	var oo struct {
		ResourceType string `json:"resourceType"`
		Issue        []struct {
			Severity    string   `json:"severity"`
			Code        string   `json:"code"`
			Diagnostics string   `json:"diagnostics"`
			Expression  []string `json:"expression"`
			Details     struct {
				Text string `json:"text"`
			} `json:"details"`
		} `json:"issue"`
	}
	if json.Unmarshal(body, &oo) != nil || oo.ResourceType != "OperationOutcome" {
		return ""
	}
	var out []string
	for _, is := range oo.Issue {
		if is.Severity == "information" || is.Severity == "warning" {
			continue
		}
		msg := strings.TrimSpace(is.Details.Text)
		if msg == "" {
			msg = strings.TrimSpace(is.Diagnostics)
		}
		if msg == "" {
			msg = "the national service found a problem (" + is.Code + ")"
		}
		where := ""
		for _, ex := range is.Expression {
			for _, w := range elementWords {
				if strings.HasPrefix(ex, w.prefix) {
					where = w.words
					break
				}
			}
			if where != "" {
				break
			}
		}
		msg = strings.TrimSuffix(msg, ".")
		if where != "" {
			msg = where + ": " + lowerFirst(msg)
		}
		out = append(out, msg+".")
	}
	s := strings.Join(out, " ")
	if len(s) > 2000 {
		s = strings.ToValidUTF8(s[:2000], "")
	}
	return s
}

func lowerFirst(s string) string {
	if len(s) > 1 && s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z') {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}
