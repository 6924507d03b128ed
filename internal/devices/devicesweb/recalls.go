package devicesweb

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/web"
	"net/http"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/text"
)

// DevicesRecallsPage lists recalls.
type DevicesRecallsPage struct {
	web.Base
	Recalls  []devicesdb.RecallSummary
	CanWrite bool
}

func (s *Module) devicesRecalls(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.dev.ListRecalls(r.Context(), devOrg(r))
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "devices/recalls", DevicesRecallsPage{Base: s.k.Base(w, r, "Recalls"), Recalls: rs, CanWrite: canWriteDevices(r)})
}

// DevicesNewRecallPage is the form for a Field Safety Notice or National
// Patient Safety Alert.
type DevicesNewRecallPage struct {
	web.Base
	In    devices.RecallInput
	Kinds []web.Option
}

var recallFields = []string{"reference", "kind", "issuer", "issued_on", "manufacturer", "action_required", "deadline", "affects"}

func (s *Module) newRecallPage(w http.ResponseWriter, r *http.Request, in devices.RecallInput) DevicesNewRecallPage {
	return DevicesNewRecallPage{Base: s.k.Base(w, r, "Record a recall"), In: in,
		Kinds: web.Choices(devices.RecallKinds, web.CodeLabel, in.Kind)}
}

func (s *Module) devicesNewRecall(w http.ResponseWriter, r *http.Request) error {
	return s.k.Render(w, http.StatusOK, "devices/recall_new", s.newRecallPage(w, r, devices.RecallInput{}))
}

func (s *Module) devicesCreateRecall(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm.Get
	in := devices.RecallInput{Reference: f("reference"), Kind: f("kind"), Issuer: f("issuer"), IssuedOn: f("issued_on"), Manufacturer: f("manufacturer"),
		ActionRequired: f("action_required"), Deadline: f("deadline"), Affects: f("affects")}
	rc, err := s.dev.CreateRecall(r.Context(), devOrg(r), in)
	if apperr.Is(err, apperr.Invalid) {
		d := s.newRecallPage(w, r, in)
		d.SetErrors(err, recallFields...)
		return s.k.Render(w, http.StatusUnprocessableEntity, "devices/recall_new", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/devices/recalls/"+rc.ID, "Recall "+rc.Reference+" recorded. Check the affected patients below, then start the recall work.")
}

// DevicesRecallPage shows a recall, the patients it affects and the work
// for each.
type DevicesRecallPage struct {
	web.Base
	Recall   devices.Recall
	Counts   devicesdb.RecallCounts
	Match    devicesdb.RecallMatch
	Actions  []devicesdb.AffectedPatient
	Done     int
	CanWrite bool
	Statuses []web.Option
}

func (s *Module) devicesRecall(w http.ResponseWriter, r *http.Request) error {
	org := devOrg(r)
	rc, err := s.dev.Recall(r.Context(), org, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := DevicesRecallPage{Base: s.k.Base(w, r, "Recall "+rc.Reference), Recall: rc, CanWrite: canWriteDevices(r),
		Statuses: web.Choices(devices.ActionStatuses, web.CodeLabel, "")}
	if d.Counts, err = s.dev.CountRecall(r.Context(), org, rc); err != nil {
		return err
	}
	if d.Match, err = s.dev.MatchRecall(r.Context(), org, rc, 1000); err != nil {
		return err
	}
	if d.Actions, err = s.dev.RecallActions(r.Context(), org, rc.ID); err != nil {
		return err
	}
	for _, a := range d.Actions {
		if devices.ActionDone(a.Status) {
			d.Done++
		}
	}
	return s.k.Render(w, http.StatusOK, "devices/recall", d)
}

func (s *Module) devicesMatchRecall(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	n, err := s.dev.StartRecallActions(r.Context(), devOrg(r), id)
	if err != nil {
		return err
	}
	msg := "No new patients: everyone affected already has a recall action."
	if n > 0 {
		msg = text.Count(n, "patient", "patients") + " added to the recall work, to contact."
	}
	return s.k.Redirect(w, r, "/devices/recalls/"+id+"#actions", msg)
}

func (s *Module) devicesRecallStatus(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id, st := r.PathValue("id"), r.PostForm.Get("status")
	if err := s.dev.SetRecallStatus(r.Context(), devOrg(r), id, st); err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/devices/recalls/"+id, "Recall marked "+st+".")
}

func (s *Module) devicesRecallAction(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id, pid := r.PathValue("id"), r.PathValue("patient")
	err := s.dev.SetRecallAction(r.Context(), devOrg(r), id, pid, r.PostForm.Get("status"), r.PostForm.Get("note"))
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/devices/recalls/"+id+"#action-"+pid, "Recall action updated: "+devices.ActionLabel(r.PostForm.Get("status"))+".")
}

// devicesRecallCSV exports the patients with recall actions, for letters:
// one row per patient, with the affected devices joined.
func (s *Module) devicesRecallCSV(w http.ResponseWriter, r *http.Request) error {
	org := devOrg(r)
	rc, err := s.dev.Recall(r.Context(), org, r.PathValue("id"))
	if err != nil {
		return err
	}
	acts, err := s.dev.RecallActions(r.Context(), org, rc.ID)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write([]string{"recall_reference", "nhs_number", "name", "birth_date", "address", "postcode", "phone", "email", "devices", "status", "deadline"})
	for _, a := range acts {
		var devs []string
		for _, d := range a.Devices {
			devs = append(devs, fmt.Sprintf("GTIN %s lot %s serial %s", d.GTIN, d.Lot, d.Serial))
		}
		p := a.Patient
		_ = cw.Write([]string{devices.CSVSafe(rc.Reference), p.NHSNumber.Format(), devices.CSVSafe(p.Name), p.BirthDate, devices.CSVSafe(p.Address), devices.CSVSafe(p.Postcode),
			devices.CSVSafe(p.Phone), devices.CSVSafe(p.Email), devices.CSVSafe(strings.Join(devs, "; ")), devices.ActionLabel(a.Status), rc.Deadline})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="recall-letters.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = buf.WriteTo(w)
	return err
}
