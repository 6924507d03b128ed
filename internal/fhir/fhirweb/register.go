package fhirweb

import (
	"context"
	"net/http"
	"strings"

	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/nhsnumber"
)

// registerRead reads resource id of type typ from the implant register.
func (s *Module) registerRead(ctx context.Context, orgID store.OrgID, typ, id string) (fhir.Resource, error) {
	switch typ {
	case "Device":
		im, err := s.db.Implant(ctx, orgID, id)
		if err != nil {
			return nil, err
		}
		d := fhir.DeviceFromImplant(s.cfg, im)
		return &d, nil
	case "Procedure":
		p, err := s.db.RegisterProcedure(ctx, orgID, id)
		if err != nil {
			return nil, err
		}
		out := fhir.ProcedureFromRegister(s.cfg, p)
		return &out, nil
	case "Patient":
		p, err := s.db.RegisterPatient(ctx, orgID, id)
		if err != nil {
			return nil, err
		}
		out := fhir.PatientFromRegister(s.cfg, p)
		return &out, nil
	}
	return nil, fail(http.StatusNotFound, fhir.CodeNotSupported, "", "%s is not served here", typ)
}

func (s *Module) readRegister(typ string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := authorise(r, typ, "read")
		if err != nil {
			return err
		}
		res, err := s.registerRead(r.Context(), p.Org.ID, typ, r.PathValue("id"))
		if err != nil {
			return err
		}
		w.Header().Set("ETag", etag(1))
		writeResource(w, http.StatusOK, res)
		return nil
	}
}

func (s *Module) readDevice(w http.ResponseWriter, r *http.Request) error {
	return s.readRegister("Device")(w, r)
}
func (s *Module) readProcedure(w http.ResponseWriter, r *http.Request) error {
	return s.readRegister("Procedure")(w, r)
}
func (s *Module) readPatient(w http.ResponseWriter, r *http.Request) error {
	return s.readRegister("Patient")(w, r)
}

func (s *Module) searchRegister(w http.ResponseWriter, r *http.Request, typ, table string, allowed []string) error {
	p, err := authorise(r, typ, "read")
	if err != nil {
		return err
	}
	if err := onlyParams(r, allowed...); err != nil {
		return err
	}
	q := r.URL.Query()
	rq := fhirdb.RegisterQuery{IDs: list(q, "_id"), Lots: list(q, "lot"), Serials: list(q, "serial"), After: q.Get("_cursor")}
	if rq.Count, err = count(q); err != nil {
		return err
	}
	for _, v := range list(q, "udi-di") {
		rq.UDIDI = append(rq.UDIDI, v)
	}
	for _, v := range list(q, "patient") {
		rq.Patients = append(rq.Patients, strings.TrimPrefix(v, "Patient/"))
	}
	for _, v := range list(q, "identifier") {
		sys, val := token(v)
		if sys != "" && sys != fhir.NHSNumberSystem && sys != s.cfg.PatientSystem() {
			return fail(http.StatusBadRequest, fhir.CodeValue, "identifier", "Patients are found by NHS number (%s) or by id", fhir.NHSNumberSystem)
		}
		if sys == s.cfg.PatientSystem() {
			rq.IDs = append(rq.IDs, val)
			continue
		}
		n, err := nhsnumber.Parse(val)
		if err != nil {
			return fail(http.StatusBadRequest, fhir.CodeValue, "identifier", "%q is not a valid NHS number", val)
		}
		rq.NHSNumbers = append(rq.NHSNumbers, n.String())
	}
	ids, more, err := s.db.SearchRegister(r.Context(), p.Org.ID, table, rq)
	if err != nil {
		return err
	}
	next := map[string]string{}
	if len(ids) > 0 {
		next["_cursor"] = ids[len(ids)-1]
	}
	base := s.base(r)
	b := searchset(links(base, typ, q, more, next), s.db.Now())
	for _, id := range ids {
		res, err := s.registerRead(r.Context(), p.Org.ID, typ, id)
		if err != nil {
			return err
		}
		b.Entry = append(b.Entry, fhir.BundleEntry{FullURL: base + "/" + typ + "/" + id, Resource: res, Search: &fhir.EntrySearch{Mode: "match"}})
	}
	writeResource(w, http.StatusOK, &b)
	return nil
}

func (s *Module) searchDevices(w http.ResponseWriter, r *http.Request) error {
	return s.searchRegister(w, r, "Device", "implants", deviceParams)
}

func (s *Module) searchProcedures(w http.ResponseWriter, r *http.Request) error {
	return s.searchRegister(w, r, "Procedure", "implant_procedures", procedureParams)
}

func (s *Module) searchPatients(w http.ResponseWriter, r *http.Request) error {
	return s.searchRegister(w, r, "Patient", "implant_patients", patientParams)
}
