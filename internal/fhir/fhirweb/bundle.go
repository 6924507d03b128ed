package fhirweb

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// bundle answers a transaction (all or nothing, in one database
// transaction) or a batch (each entry on its own).
func (s *Module) bundle(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	if p == nil || p.TokenID == "" {
		_, err := authorise(r, "Bundle", "write")
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var b fhir.Bundle
	if err := fhir.Decode(body, &b); err != nil {
		return err
	}
	if b.Type != "transaction" && b.Type != "batch" {
		return fail(http.StatusBadRequest, fhir.CodeValue, "Bundle.type", "Send a Bundle of type transaction or batch to the base, not %q", b.Type)
	}
	for i, e := range b.Entry {
		if e.Request == nil {
			return fail(http.StatusBadRequest, fhir.CodeRequired, fmt.Sprintf("Bundle.entry[%d].request", i), "Each entry needs its request")
		}
	}
	base := s.base(r)
	out := fhir.Bundle{ResourceType: "Bundle", Type: b.Type + "-response", Timestamp: fhir.Instant(s.db.Now())}
	if b.Type == "transaction" {
		var results []result
		err := s.db.Tx(r.Context(), func(tx *store.Tx) error {
			results = results[:0]
			for i, e := range b.Entry {
				res, err := s.entry(r.Context(), tx, p, i, e, true)
				if err != nil {
					return err
				}
				results = append(results, res)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, res := range results {
			out.Entry = append(out.Entry, responseEntry(base, res))
		}
		writeResource(w, http.StatusOK, &out)
		return nil
	}
	for i, e := range b.Entry {
		var res result
		var err error
		if e.Request.Method == "POST" {
			err = s.db.Tx(r.Context(), func(tx *store.Tx) error {
				res, err = s.entry(r.Context(), tx, p, i, e, false)
				return err
			})
		} else {
			res, err = s.entry(r.Context(), nil, p, i, e, false)
		}
		if err != nil {
			st, o := outcomeOf(0, err, fhir.EventMeta{})
			if st == 0 || st >= 500 {
				return err
			}
			out.Entry = append(out.Entry, fhir.BundleEntry{Response: &fhir.EntryResponse{Status: statusText(st), Outcome: &o}})
			continue
		}
		out.Entry = append(out.Entry, responseEntry(base, res))
	}
	writeResource(w, http.StatusOK, &out)
	return nil
}

func statusText(st int) string { return strconv.Itoa(st) + " " + http.StatusText(st) }

func responseEntry(base string, res result) fhir.BundleEntry {
	e := fhir.BundleEntry{Resource: res.res, Response: &fhir.EntryResponse{Status: statusText(res.status), Etag: res.etag}}
	if res.location != "" {
		e.Response.Location = res.location
		e.FullURL = base + "/" + strings.Join(strings.SplitN(res.location, "/", 3)[:2], "/")
	}
	return e
}

// entry carries out entry i of a bundle: a create of an AdverseEvent
// (in tx), a read, or, in a batch, an update.
func (s *Module) entry(ctx context.Context, tx *store.Tx, p *store.Principal, i int, e fhir.BundleEntry, transaction bool) (result, error) {
	at := fmt.Sprintf("Bundle.entry[%d]", i)
	req := e.Request
	path := strings.TrimPrefix(strings.TrimPrefix(req.URL, Base+"/"), "/")
	parts := strings.Split(path, "/")
	typ := parts[0]
	if strings.ContainsAny(path, "?#") || len(parts) > 2 {
		return result{}, fail(http.StatusBadRequest, fhir.CodeNotSupported, at+".request.url", "Entries take TYPE or TYPE/ID, without a query")
	}
	switch {
	case req.Method == "POST" && path == "AdverseEvent":
		if !store.HasScope(p.Scopes, "AdverseEvent", "write") {
			return result{}, fail(http.StatusForbidden, fhir.CodeForbidden, at, "This token has no AdverseEvent.write scope")
		}
		ae, ok := e.Resource.(*fhir.AdverseEvent)
		if !ok {
			return result{}, fail(http.StatusBadRequest, fhir.CodeStructure, at+".resource", "A POST to AdverseEvent carries an AdverseEvent")
		}
		return s.create(ctx, tx, p, *ae, req.IfNoneExist, at+".resource")
	case req.Method == "GET" && len(parts) == 2:
		if !store.HasScope(p.Scopes, typ, "read") {
			return result{}, fail(http.StatusForbidden, fhir.CodeForbidden, at, "This token has no %s.read scope", typ)
		}
		if typ == "AdverseEvent" {
			if !auth.HasAny(p.Roles, handlers...) {
				return result{}, fail(http.StatusForbidden, fhir.CodeForbidden, at, "Reading safety events needs the handler role")
			}
			var in fhir.EventInput
			var err error
			if tx != nil {
				in, err = s.db.EventTx(ctx, tx, p.Org.ID, parts[1])
			} else {
				in, err = s.db.Event(ctx, p.Org.ID, parts[1])
			}
			if err != nil {
				return result{}, err
			}
			res, err := s.eventResult(http.StatusOK, in)
			return res, err
		}
		if !auth.HasAny(p.Roles, devRead...) {
			return result{}, fail(http.StatusForbidden, fhir.CodeForbidden, at, "Reading the implant register needs the devices, CSO or handler role")
		}
		if typ != "Device" && typ != "Procedure" && typ != "Patient" {
			return result{}, fail(http.StatusBadRequest, fhir.CodeNotSupported, at+".request.url", "%s is not served here", typ)
		}
		res, err := s.registerRead(ctx, p.Org.ID, typ, parts[1])
		if err != nil {
			return result{}, err
		}
		return result{status: http.StatusOK, res: res, etag: etag(1), location: typ + "/" + parts[1]}, nil
	case req.Method == "PUT" && typ == "AdverseEvent" && len(parts) == 2:
		if transaction {
			return result{}, fail(http.StatusUnprocessableEntity, fhir.CodeNotSupported, at+".request.method", "Updates are taken in a batch, not in a transaction")
		}
		if !store.HasScope(p.Scopes, "AdverseEvent", "write") || !auth.HasAny(p.Roles, handlers...) {
			return result{}, fail(http.StatusForbidden, fhir.CodeForbidden, at, "Updating a safety event needs the AdverseEvent.write scope and the handler role")
		}
		ae, ok := e.Resource.(*fhir.AdverseEvent)
		if !ok {
			return result{}, fail(http.StatusBadRequest, fhir.CodeStructure, at+".resource", "A PUT to AdverseEvent carries an AdverseEvent")
		}
		return s.update(ctx, p, parts[1], *ae, req.IfMatch, at+".resource")
	}
	return result{}, fail(http.StatusBadRequest, fhir.CodeNotSupported, at+".request", "%s %s is not supported in a bundle: use POST AdverseEvent, GET TYPE/ID, or (in a batch) PUT AdverseEvent/ID", req.Method, req.URL)
}
