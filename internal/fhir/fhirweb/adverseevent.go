package fhirweb

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirdb"
	"github.com/clinsafe/clinsafe/internal/store"
)

// result is the answer of one interaction, alone or in a bundle.
type result struct {
	made         *fhir.EventInput // an event made, before it is mapped
	status       int
	res          fhir.Resource
	location     string // relative to the base: AdverseEvent/ID/_history/N
	etag         string
	lastModified string
}

func (s *Module) write(w http.ResponseWriter, r *http.Request, res result) error {
	if res.etag != "" {
		w.Header().Set("ETag", res.etag)
	}
	if res.lastModified != "" {
		w.Header().Set("Last-Modified", res.lastModified)
	}
	if res.location != "" {
		w.Header().Set("Location", s.base(r)+"/"+res.location)
	}
	writeResource(w, res.status, res.res)
	return nil
}

func etag(v int) string { return `W/"` + strconv.Itoa(v) + `"` }

// eventResult is in as an AdverseEvent.
func (s *Module) eventResult(status int, in fhir.EventInput) (result, error) {
	ae, err := fhir.AdverseEventFromEvent(s.cfg, in)
	if err != nil {
		return result{}, err
	}
	return result{status: status, res: &ae, etag: etag(in.Version), lastModified: in.UpdatedAt.UTC().Format(http.TimeFormat),
		location: "AdverseEvent/" + in.ID + "/_history/" + strconv.Itoa(in.Version)}, nil
}

func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, fail(http.StatusBadRequest, fhir.CodeRequired, "", "Send the resource in the body")
	}
	return b, nil
}

func (s *Module) readEvent(w http.ResponseWriter, r *http.Request) error {
	p, err := authorise(r, "AdverseEvent", "read")
	if err != nil {
		return err
	}
	in, err := s.db.Event(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	res, err := s.eventResult(http.StatusOK, in)
	res.location = ""
	if err != nil {
		return err
	}
	return s.write(w, r, res)
}

func (s *Module) vreadEvent(w http.ResponseWriter, r *http.Request) error {
	p, err := authorise(r, "AdverseEvent", "read")
	if err != nil {
		return err
	}
	v, err := strconv.Atoi(r.PathValue("vid"))
	if err != nil || v < 1 {
		return fail(http.StatusNotFound, fhir.CodeNotFound, "", "There is no version %q: versions are 1, 2, 3 ...", r.PathValue("vid"))
	}
	in, err := s.db.Version(r.Context(), p.Org.ID, r.PathValue("id"), v)
	if err != nil {
		return err
	}
	res, err := s.eventResult(http.StatusOK, in)
	if err != nil {
		return err
	}
	res.location = ""
	return s.write(w, r, res)
}

func (s *Module) historyEvent(w http.ResponseWriter, r *http.Request) error {
	p, err := authorise(r, "AdverseEvent", "read")
	if err != nil {
		return err
	}
	if err := onlyParams(r, "_format"); err != nil {
		return err
	}
	vs, err := s.db.History(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	base := s.base(r)
	b := fhir.Bundle{ResourceType: "Bundle", Type: "history", Total: ptr(len(vs)), Timestamp: fhir.Instant(s.db.Now()),
		Link: []fhir.BundleLink{{Relation: "self", URL: base + "/AdverseEvent/" + r.PathValue("id") + "/_history"}}}
	for _, in := range vs {
		ae, err := fhir.AdverseEventFromEvent(s.cfg, in)
		if err != nil {
			return err
		}
		req := &fhir.EntryRequest{Method: "PUT", URL: "AdverseEvent/" + in.ID}
		status := "200"
		if in.Version == 1 {
			req, status = &fhir.EntryRequest{Method: "POST", URL: "AdverseEvent"}, "201"
		}
		b.Entry = append(b.Entry, fhir.BundleEntry{FullURL: base + "/AdverseEvent/" + in.ID, Resource: &ae, Request: req,
			Response: &fhir.EntryResponse{Status: status, Etag: etag(in.Version), LastModified: fhir.Instant(in.UpdatedAt)}})
	}
	writeResource(w, http.StatusOK, &b)
	return nil
}

// deleteEvent refuses: no one deletes a safety event, whatever their
// token.
func (s *Module) deleteEvent(w http.ResponseWriter, r *http.Request) error {
	return fail(http.StatusMethodNotAllowed, fhir.CodeNotSupported, "", "Safety events are never deleted: a handler closes one, or marks it a duplicate or not a patient safety event")
}

func (s *Module) createEvent(w http.ResponseWriter, r *http.Request) error {
	p, err := authorise(r, "AdverseEvent", "write")
	if err != nil {
		return err
	}
	arrived := s.creates.on() // a batch may wait for it (see creates)
	defer arrived()
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if h := mapHook.Load(); h != nil {
		(*h)(body)
	}
	var ae fhir.AdverseEvent
	if err := fhir.Decode(body, &ae); err != nil {
		return err
	}
	if r.Header.Get("If-None-Exist") == "" {
		rec, meta, err := s.mapNew(ae, "")
		if err != nil {
			return err
		}
		// A plain create is written with the others that arrive with it
		// (see creates); a client's identifier or an anonymous report
		// takes the path of one.
		if meta.Identifier == nil && !meta.Anonymous {
			in, err := s.creates.do(&createJob{ctx: r.Context(), p: p, ae: ae, rec: rec, meta: meta}, arrived)
			if err != nil {
				return err
			}
			res, err := s.eventResult(http.StatusCreated, in)
			if err != nil {
				return err
			}
			return s.write(w, r, res)
		}
	}
	arrived() // not batched
	var res result
	err = s.db.Tx(r.Context(), func(tx *store.Tx) error {
		var err error
		res, err = s.create(r.Context(), tx, p, ae, r.Header.Get("If-None-Exist"), "")
		return err
	})
	if err != nil {
		return err
	}
	if res.made != nil { // made: mapped now that it is committed
		if res, err = s.eventResult(http.StatusCreated, *res.made); err != nil {
			return err
		}
	}
	return s.write(w, r, res)
}

// conditional reads an If-None-Exist query: identifier=[system|]value.
func conditional(q, expr string) (*fhir.Identifier, error) {
	vals, err := url.ParseQuery(q)
	if err != nil || len(vals) != 1 || len(vals["identifier"]) != 1 {
		return nil, fail(http.StatusBadRequest, fhir.CodeNotSupported, expr, "If-None-Exist takes one identifier=system|value")
	}
	sys, val, ok := strings.Cut(vals["identifier"][0], "|")
	if !ok {
		sys, val = "", sys
	}
	if val == "" || len(val) > 200 || len(sys) > 200 {
		return nil, fail(http.StatusBadRequest, fhir.CodeValue, expr, "If-None-Exist needs an identifier value of up to 200 characters")
	}
	return &fhir.Identifier{System: sys, Value: val}, nil
}

// create makes the event ae says in tx, unless ifNoneExist finds one;
// prefix places the expressions of its issues in a bundle.
func (s *Module) create(ctx context.Context, tx *store.Tx, p *store.Principal, ae fhir.AdverseEvent, ifNoneExist, prefix string) (result, error) {
	rec, meta, err := s.mapNew(ae, prefix)
	if err != nil {
		return result{}, err
	}
	ident := meta.Identifier
	if ifNoneExist != "" {
		expr := ""
		if prefix != "" {
			expr = strings.TrimSuffix(prefix, ".resource") + ".request.ifNoneExist"
		}
		id, err := conditional(ifNoneExist, expr)
		if err != nil {
			return result{}, err
		}
		found, err := s.db.ByIdentifier(ctx, tx, p.Org.ID, s.cfg.ReferenceSystem(), id.System, id.Value)
		if err != nil {
			return result{}, err
		}
		if found != "" {
			in, err := s.db.EventTx(ctx, tx, p.Org.ID, found)
			if err != nil {
				return result{}, err
			}
			return s.eventResult(http.StatusOK, in)
		}
		if ident == nil && id.System != "" && id.System != s.cfg.ReferenceSystem() {
			ident = id
		}
	}
	if ident != nil {
		ctx = fhirdb.WithIdentifier(ctx, *ident)
	}
	ctx = fhirdb.WithOrganisation(ctx, p.Org.ID, p.Org.ODSCode)
	if err := s.db.Events.Prepare(ctx, p.Org.ID, &rec, events.Staff); err != nil {
		return result{}, placed(refused(err, meta), prefix)
	}
	var e eventsdb.Event
	if meta.Anonymous {
		e, _, err = s.db.Events.ReportAnonymousTx(ctx, tx, p.Org.ID, rec)
	} else {
		e, err = s.db.Events.ReportTx(ctx, tx, p.Org.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: p.User.ID, Confidential: meta.Confidential})
	}
	if err != nil {
		return result{}, placed(refused(err, meta), prefix)
	}
	// The event as the transaction stored it, which is also the version
	// kept of it: nothing else of the request changes it after.
	in := fhirdb.Made(e, p.Org.ODSCode)
	if prefix == "" {
		// A create on its own is mapped after its commit, so that the
		// reference counter's lock is held no longer than the write.
		return result{status: http.StatusCreated, made: &in}, nil
	}
	return s.eventResult(http.StatusCreated, in)
}

// mapNew is the event that ae, sent to be created, says: a new event has
// no clinsafe reference and is submitted. prefix places the expressions
// of its issues in a bundle.
func (s *Module) mapNew(ae fhir.AdverseEvent, prefix string) (events.Record, fhir.EventMeta, error) {
	rec, meta, err := fhir.EventFromAdverseEvent(s.cfg, ae)
	if err != nil {
		return rec, meta, placed(err, prefix)
	}
	if meta.Ref != "" {
		return rec, meta, placed(fail(http.StatusUnprocessableEntity, fhir.CodeBusinessRule, "AdverseEvent.identifier", "clinsafe gives the reference of a new event: leave out its identifier, or give your own system's"), prefix)
	}
	if meta.Status != "" && meta.Status != events.Submitted {
		return rec, meta, placed(fail(http.StatusUnprocessableEntity, fhir.CodeBusinessRule, "AdverseEvent.extension", "A new event is submitted: its status is set by the handlers"), prefix)
	}
	return rec, meta, nil
}

// refused is the flow's refusal of a record as issues at the elements
// that hold each answer.
func refused(err error, meta fhir.EventMeta) error {
	fields := apperr.FieldsOf(err)
	if !apperr.Is(err, apperr.Invalid) || len(fields) == 0 {
		return err
	}
	var is []*fhir.Issue
	for _, f := range sortedKeys(fields) {
		is = append(is, &fhir.Issue{Code: fhir.CodeInvariant, Expression: meta.Expression(f), Message: fields[f]})
	}
	return &httpError{status: http.StatusUnprocessableEntity, issues: is}
}

// placed is err with the expressions of its issues moved under prefix
// (Bundle.entry[3].resource).
func placed(err error, prefix string) error {
	if prefix == "" {
		return err
	}
	var is []*fhir.Issue
	status := http.StatusBadRequest
	if he, ok := err.(*httpError); ok {
		is, status = he.issues, he.status
	} else if found := fhir.IssuesOf(err); len(found) > 0 {
		is = found
		st, _ := outcomeOf(0, err, fhir.EventMeta{})
		status = st
	} else {
		return err
	}
	out := make([]*fhir.Issue, len(is))
	for i, x := range is {
		c := *x
		c.Expression = strings.TrimSuffix(prefix+"."+strings.TrimPrefix(strings.TrimPrefix(x.Expression, "AdverseEvent"), "."), ".")
		out[i] = &c
	}
	return &httpError{status: status, issues: out}
}

func (s *Module) updateEvent(w http.ResponseWriter, r *http.Request) error {
	p, err := authorise(r, "AdverseEvent", "write")
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var ae fhir.AdverseEvent
	if err := fhir.Decode(body, &ae); err != nil {
		return err
	}
	res, err := s.update(r.Context(), p, r.PathValue("id"), ae, r.Header.Get("If-Match"), "")
	if err != nil {
		return err
	}
	return s.write(w, r, res)
}

// parseETag reads W/"3" (or "3", or 3) as 3.
func parseETag(s string) (int, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "W/")
	v, err := strconv.Atoi(strings.Trim(s, `"`))
	return v, err == nil && v > 0
}

// update applies a handler's change through the AdverseEvent: the harm
// grading of its patients. The record as reported is never changed.
func (s *Module) update(ctx context.Context, p *store.Principal, id string, ae fhir.AdverseEvent, ifMatch, prefix string) (result, error) {
	if ifMatch == "" {
		return result{}, fail(http.StatusPreconditionRequired, fhir.CodeRequired, "", "Send If-Match with the ETag of the version you changed, such as W/\"3\"")
	}
	want, ok := parseETag(ifMatch)
	if !ok {
		return result{}, fail(http.StatusBadRequest, fhir.CodeValue, "", "If-Match must be an ETag such as W/\"3\"")
	}
	if ae.ID != id {
		return result{}, placed(fail(http.StatusBadRequest, fhir.CodeValue, "AdverseEvent.id", "The id of the resource must be the id in the address"), prefix)
	}
	cur, err := s.db.Event(ctx, p.Org.ID, id)
	if err != nil {
		return result{}, err
	}
	if cur.Version != want {
		return result{}, fail(http.StatusPreconditionFailed, fhir.CodeConflict, "", "AdverseEvent %s is at version %d, not %d: read it again and send your change on the latest version", id, cur.Version, want)
	}
	rec, meta, err := fhir.EventFromAdverseEvent(s.cfg, ae)
	if err != nil {
		return result{}, placed(err, prefix)
	}
	// A changed harm without the reported one beside it is a grading.
	graded := map[int]fhir.Grading{}
	for _, g := range meta.Gradings {
		graded[g.Patient] = g
	}
	curPats, newPats := cur.Record.Groups[events.GroupPatients], rec.Groups[events.GroupPatients]
	if len(curPats) == len(newPats) {
		for i := range newPats {
			g, isGraded := graded[i]
			if !isGraded {
				g = fhir.Grading{Patient: i, Physical: newPats[i].Get(events.PatPhysical), Psychological: newPats[i].Get(events.PatPsych)}
				newPats[i] = cloneItem(newPats[i])
				for _, k := range []string{events.PatPhysical, events.PatPsych} {
					if v := curPats[i][k]; v != nil {
						newPats[i][k] = v
					} else {
						delete(newPats[i], k)
					}
				}
			}
			graded[i] = g
		}
	}
	if field, differs := firstDifference(cur.Record, rec); differs {
		return result{}, placed(fail(http.StatusUnprocessableEntity, fhir.CodeBusinessRule, meta.Expression(field),
			"A reported event is never rewritten: only the harm of its patients (PhysicalHarm, PsychologicalHarm) may be graded through an update"), prefix)
	}
	if meta.Status != "" && meta.Status != cur.Status {
		return result{}, placed(fail(http.StatusUnprocessableEntity, fhir.CodeBusinessRule, "AdverseEvent.extension", "The status is changed on the event's page or through /api/v1, with its reason"), prefix)
	}
	if meta.Anonymous != cur.Anonymous || meta.Confidential != cur.Confidential {
		return result{}, placed(fail(http.StatusUnprocessableEntity, fhir.CodeBusinessRule, "AdverseEvent.recorder", "Who reported an event, and how, is never changed"), prefix)
	}
	effective := map[int]fhir.Grading{}
	for i, pt := range curPats {
		effective[i] = fhir.Grading{Patient: i, Physical: pt.Get(events.PatPhysical), Psychological: pt.Get(events.PatPsych)}
	}
	for _, g := range cur.Gradings {
		effective[g.Patient] = g
	}
	var grades []eventsdb.Grading
	for i := range curPats {
		g, ok := graded[i]
		if ok && g != effective[i] {
			grades = append(grades, eventsdb.Grading{Patient: i, Physical: g.Physical, Psychological: g.Psychological, Reason: "Graded through the FHIR API"})
		}
	}
	if len(grades) == 0 {
		return s.eventResult(http.StatusOK, cur)
	}
	if _, err := s.db.Events.Update(ctx, p.Org.ID, id, eventsdb.Update{Version: cur.Version, Grades: grades}); err != nil {
		if fs := apperr.FieldsOf(err); len(fs) > 0 {
			var is []*fhir.Issue
			for _, f := range sortedKeys(fs) {
				is = append(is, &fhir.Issue{Code: fhir.CodeInvariant, Expression: "AdverseEvent.contained", Message: fs[f]})
			}
			return result{}, placed(&httpError{status: http.StatusUnprocessableEntity, issues: is}, prefix)
		}
		return result{}, err
	}
	in, err := s.db.Event(ctx, p.Org.ID, id)
	if err != nil {
		return result{}, err
	}
	return s.eventResult(http.StatusOK, in)
}

func cloneItem(a events.Answers) events.Answers {
	out := events.Answers{}
	for k, v := range a {
		out[k] = v
	}
	return out
}

// firstDifference is the first answer (as a flow field name) in which
// two records differ.
func firstDifference(a, b events.Record) (string, bool) {
	if a.Type != b.Type {
		return events.AnsType, true
	}
	if f, ok := differ(a.Answers, b.Answers, ""); ok {
		return f, true
	}
	groups := map[string]bool{}
	for g := range a.Groups {
		groups[g] = true
	}
	for g := range b.Groups {
		groups[g] = true
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	slices.Sort(names)
	for _, g := range names {
		ia, ib := a.Groups[g], b.Groups[g]
		if len(ia) != len(ib) {
			return g, true
		}
		for i := range ia {
			if f, ok := differ(ia[i], ib[i], g+"."+strconv.Itoa(i)+"."); ok {
				return f, true
			}
		}
	}
	return "", false
}

func differ(a, b events.Answers, prefix string) (string, bool) {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if !reflect.DeepEqual(a[k], b[k]) && (len(a[k]) > 0 || len(b[k]) > 0) {
			return prefix + k, true
		}
	}
	return "", false
}

func ptr[T any](v T) *T { return &v }
