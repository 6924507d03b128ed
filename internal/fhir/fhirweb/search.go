package fhirweb

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirdb"
)

// Paging limits of searches.
const (
	DefaultCount = 20
	MaxCount     = 100
)

// Search parameters of each type, as the CapabilityStatement states
// them; the paging parameters _cursor and _snapshot are the server's
// own, in its next links.
var (
	eventParams     = []string{"_id", "identifier", "date", "event", "category", "status", "subject", "location", "_lastUpdated", "_count", "_format", "_cursor", "_snapshot"}
	deviceParams    = []string{"_id", "udi-di", "lot", "serial", "patient", "_count", "_format", "_cursor"}
	procedureParams = []string{"_id", "patient", "_count", "_format", "_cursor"}
	patientParams   = []string{"_id", "identifier", "_count", "_format", "_cursor"}
)

// onlyParams refuses a query parameter not in allowed, naming it.
func onlyParams(r *http.Request, allowed ...string) error {
	for k, vs := range r.URL.Query() {
		name, _, _ := strings.Cut(k, ":")
		if !slices.Contains(allowed, name) || name != k {
			return fail(http.StatusBadRequest, fhir.CodeNotSupported, k, "The search parameter %q is not supported here: use %s", k, strings.Join(publicParams(allowed), ", "))
		}
		for _, v := range vs {
			if v == "" || utf8.RuneCountInString(v) > 500 {
				return fail(http.StatusBadRequest, fhir.CodeValue, k, "Give %s a value of up to 500 characters", k)
			}
		}
	}
	return nil
}

func publicParams(ps []string) []string {
	var out []string
	for _, p := range ps {
		if p != "_cursor" && p != "_snapshot" && p != "_format" {
			out = append(out, p)
		}
	}
	return out
}

// list is every comma-separated value of every occurrence of name (each
// occurrence ANDed by the caller where it means to, values ORed).
func list(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

func count(q url.Values) (int, error) {
	v := q.Get("_count")
	if v == "" {
		return DefaultCount, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxCount {
		return 0, fail(http.StatusBadRequest, fhir.CodeValue, "_count", "_count must be a whole number from 1 to %d", MaxCount)
	}
	return n, nil
}

// prefixed splits a date parameter into its prefix and value.
func prefixed(v string) (string, string) {
	if len(v) > 2 && v[0] >= 'a' && v[0] <= 'z' {
		return v[:2], v[2:]
	}
	return "eq", v
}

// dayBounds is the range of days [from, to) that a FHIR date of any
// precision (2026, 2026-11, 2026-11-29, or a date and time) covers.
func dayBounds(v string) (string, string, bool) {
	switch len(v) {
	case 4:
		t, err := time.Parse("2006", v)
		return t.Format(time.DateOnly), t.AddDate(1, 0, 0).Format(time.DateOnly), err == nil
	case 7:
		t, err := time.Parse("2006-01", v)
		return t.Format(time.DateOnly), t.AddDate(0, 1, 0).Format(time.DateOnly), err == nil
	case 10:
		t, err := time.Parse(time.DateOnly, v)
		return t.Format(time.DateOnly), t.AddDate(0, 0, 1).Format(time.DateOnly), err == nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return "", "", false
	}
	d := t.In(london).Format(time.DateOnly)
	n, _ := time.Parse(time.DateOnly, d)
	return d, n.AddDate(0, 0, 1).Format(time.DateOnly), true
}

var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return l
}()

// ranged applies a FHIR prefix to the range [from, to) a value covers.
func ranged[T any](prefix string, from, to T, zero T) (T, T, bool) {
	switch prefix {
	case "eq":
		return from, to, true
	case "ge":
		return from, zero, true
	case "gt":
		return to, zero, true
	case "le":
		return zero, to, true
	case "lt":
		return zero, from, true
	}
	return zero, zero, false
}

func dateParam(q url.Values, name string) ([]fhirdb.DayRange, error) {
	var out []fhirdb.DayRange
	for _, v := range q[name] {
		p, val := prefixed(v)
		from, to, ok := dayBounds(val)
		if !ok {
			return nil, fail(http.StatusBadRequest, fhir.CodeValue, name, "%s takes a date such as 2026-11-29 (or 2026-11, or 2026), with a prefix eq, ge, gt, le or lt", name)
		}
		f, t, ok := ranged(p, from, to, "")
		if !ok {
			return nil, fail(http.StatusBadRequest, fhir.CodeNotSupported, name, "The prefix %q is not supported: use eq, ge, gt, le or lt", p)
		}
		out = append(out, fhirdb.DayRange{From: f, To: t})
	}
	return out, nil
}

func instantParam(q url.Values, name string) ([]fhirdb.TimeRange, error) {
	var out []fhirdb.TimeRange
	for _, v := range q[name] {
		p, val := prefixed(v)
		var from, to time.Time
		if len(val) > 10 {
			t, err := time.Parse(time.RFC3339, val)
			if err != nil {
				return nil, fail(http.StatusBadRequest, fhir.CodeValue, name, "%s takes a date or a date and time with its zone, such as 2026-11-29T10:00:00Z", name)
			}
			from, to = t, t.Add(time.Second)
		} else {
			f, t, ok := dayBounds(val)
			if !ok {
				return nil, fail(http.StatusBadRequest, fhir.CodeValue, name, "%s takes a date or a date and time with its zone, such as 2026-11-29T10:00:00Z", name)
			}
			from, _ = time.ParseInLocation(time.DateOnly, f, london)
			to, _ = time.ParseInLocation(time.DateOnly, t, london)
		}
		f, t, ok := ranged(p, from, to, time.Time{})
		if !ok {
			return nil, fail(http.StatusBadRequest, fhir.CodeNotSupported, name, "The prefix %q is not supported: use eq, ge, gt, le or lt", p)
		}
		out = append(out, fhirdb.TimeRange{From: f, To: t})
	}
	return out, nil
}

// token is a token parameter value: [system|]code.
func token(v string) (string, string) {
	if sys, code, ok := strings.Cut(v, "|"); ok {
		return sys, code
	}
	return "", v
}

func (s *Module) eventQuery(q url.Values) (fhirdb.EventQuery, error) {
	var eq fhirdb.EventQuery
	var err error
	eq.IDs = list(q, "_id")
	for _, v := range list(q, "identifier") {
		sys, val := token(v)
		if sys == "" || sys == s.cfg.ReferenceSystem() {
			eq.Refs = append(eq.Refs, strings.ToUpper(val))
		}
		if sys != s.cfg.ReferenceSystem() {
			eq.Idents = append(eq.Idents, fhir.Identifier{System: sys, Value: val})
		}
	}
	for _, name := range []string{"event", "category"} {
		for _, v := range list(q, name) {
			sys, code := token(v)
			if sys != "" && sys != s.cfg.EventTypeSystem() || !events.RecordType(code).Valid() {
				return eq, fail(http.StatusBadRequest, fhir.CodeCodeInvalid, name, "%s takes an LFPSE event type: 1, 2, 3 or 4 (system %s)", name, s.cfg.EventTypeSystem())
			}
			eq.Types = append(eq.Types, events.RecordType(code))
		}
	}
	for _, v := range list(q, "status") {
		if !slices.Contains(events.Statuses, events.Status(v)) {
			return eq, fail(http.StatusBadRequest, fhir.CodeCodeInvalid, "status", "status is one of the statuses of a submitted event: submitted, in_review, awaiting_information, closed, duplicate, not_patient_safety")
		}
		eq.Statuses = append(eq.Statuses, events.Status(v))
	}
	for _, v := range list(q, "subject") {
		eq.Subjects = append(eq.Subjects, strings.TrimPrefix(v, "Patient/"))
	}
	eq.Locations = q["location"]
	if eq.Occurred, err = dateParam(q, "date"); err != nil {
		return eq, err
	}
	if eq.Updated, err = instantParam(q, "_lastUpdated"); err != nil {
		return eq, err
	}
	if eq.Count, err = count(q); err != nil {
		return eq, err
	}
	eq.After, eq.Upto = q.Get("_cursor"), q.Get("_snapshot")
	return eq, nil
}

// links are the self and next links of a page of a search: next keeps
// the query, with the cursor after the page's last entry.
func links(base, typ string, q url.Values, more bool, next map[string]string) []fhir.BundleLink {
	self := base + "/" + typ
	if enc := q.Encode(); enc != "" {
		self += "?" + enc
	}
	out := []fhir.BundleLink{{Relation: "self", URL: self}}
	if more {
		n := url.Values{}
		for k, v := range q {
			n[k] = v
		}
		for k, v := range next {
			n.Set(k, v)
		}
		out = append(out, fhir.BundleLink{Relation: "next", URL: base + "/" + typ + "?" + n.Encode()})
	}
	return out
}

func searchset(ls []fhir.BundleLink, now time.Time) fhir.Bundle {
	return fhir.Bundle{ResourceType: "Bundle", Type: "searchset", Timestamp: fhir.Instant(now), Link: ls}
}

func (s *Module) searchEvents(w http.ResponseWriter, r *http.Request) error {
	p, err := authorise(r, "AdverseEvent", "read")
	if err != nil {
		return err
	}
	if err := onlyParams(r, eventParams...); err != nil {
		return err
	}
	q := r.URL.Query()
	eq, err := s.eventQuery(q)
	if err != nil {
		return err
	}
	if eq.Upto == "" {
		if eq.Upto, err = s.db.HighestRef(r.Context(), p.Org.ID); err != nil {
			return err
		}
		if eq.Upto == "" {
			eq.Upto = "PSE-0"
		}
	}
	found, more, err := s.db.SearchEvents(r.Context(), p.Org.ID, eq)
	if err != nil {
		return err
	}
	next := map[string]string{"_snapshot": eq.Upto}
	if len(found) > 0 {
		next["_cursor"] = found[len(found)-1].Ref
	}
	base := s.base(r)
	b := searchset(links(base, "AdverseEvent", q, more, next), s.db.Now())
	for _, in := range found {
		ae, err := fhir.AdverseEventFromEvent(s.cfg, in)
		if err != nil {
			return err
		}
		b.Entry = append(b.Entry, fhir.BundleEntry{FullURL: base + "/AdverseEvent/" + in.ID, Resource: &ae, Search: &fhir.EntrySearch{Mode: "match"}})
	}
	writeResource(w, http.StatusOK, &b)
	return nil
}
