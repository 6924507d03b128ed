package devicesweb

import (
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/web"
	"net/http"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/devices"
)

func lateralityLabel(code string) string {
	for _, l := range devices.Lateralities {
		if l.Code == code {
			return l.Label
		}
	}
	return code
}

// DevicesProceduresPage lists recent procedures.
type DevicesProceduresPage struct {
	web.Base
	Procedures []devicesdb.ProcedureSummary
	CanWrite   bool
}

func (s *Module) devicesProcedures(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.dev.ListProcedures(r.Context(), devOrg(r), 100)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "devices/procedures", DevicesProceduresPage{Base: s.k.Base(w, r, "Procedures"), Procedures: ps, CanWrite: canWriteDevices(r)})
}

// DevicesNewProcedurePage is the form that starts recording a procedure.
type DevicesNewProcedurePage struct {
	web.Base
	Patient      devices.PatientInput
	Procedure    devices.ProcedureInput
	Lateralities []web.Option
	// BirthDate and PerformedOn are the dates as typed (day, month, year).
	BirthDate, PerformedOn web.DateParts
	// Match is the patient on file for the NHS number entered, shown for
	// confirmation (after "Find patient", or when the details differ).
	Match *devicesdb.PatientMatch
}

var procedureFields = []string{"patient_nhs_number", "patient_name", "patient_birth_date", "patient_address", "patient_postcode", "patient_phone", "patient_email",
	"performed_on", "site", "laterality", "clinician", "description"}

func (s *Module) newProcedurePage(w http.ResponseWriter, r *http.Request, pin devices.PatientInput, in devices.ProcedureInput) DevicesNewProcedurePage {
	return DevicesNewProcedurePage{Base: s.k.Base(w, r, "Record a procedure"), Patient: pin, Procedure: in,
		Lateralities: web.Choices(devices.Lateralities, web.CodeLabel, in.Laterality),
		BirthDate:    web.PartsOf(pin.BirthDate), PerformedOn: web.PartsOf(in.PerformedOn)}
}

func (s *Module) devicesNewProcedure(w http.ResponseWriter, r *http.Request) error {
	in := devices.ProcedureInput{PerformedOn: clock.Date(s.k.Store().Now())}
	return s.k.Render(w, http.StatusOK, "devices/procedure_new", s.newProcedurePage(w, r, devices.PatientInput{}, in))
}

// formDates reads the date inputs named by fields (field -> what, for the
// messages) into the ISO values of the targets, and returns the boxes as
// typed and the messages of dates that are not real.
func formDates(r *http.Request, dates map[string]*string, whats map[string]string) (map[string]web.DateParts, map[string]string) {
	typed, msgs := map[string]web.DateParts{}, map[string]string{}
	for field, target := range dates {
		iso, parts, msg := web.FormDate(r.PostForm, field, whats[field])
		typed[field] = parts
		if msg != "" {
			msgs[field] = msg
			*target = ""
			continue
		}
		*target = iso
	}
	return typed, msgs
}

func (s *Module) devicesCreateProcedure(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm.Get
	pin := devices.PatientInput{NHSNumber: f("patient_nhs_number"), Name: f("patient_name"),
		Address: f("patient_address"), Postcode: f("patient_postcode"), Phone: f("patient_phone"), Email: f("patient_email"),
		UpdateDetails: f("update_details") == "yes"}
	in := devices.ProcedureInput{Site: f("site"), Laterality: f("laterality"), Clinician: f("clinician"), Description: f("description")}
	typed, msgs := formDates(r, map[string]*string{"patient_birth_date": &pin.BirthDate, "performed_on": &in.PerformedOn},
		map[string]string{"patient_birth_date": "the date of birth", "performed_on": "the date of the procedure"})
	page := func(status int, err error) error {
		d := s.newProcedurePage(w, r, pin, in)
		d.BirthDate, d.PerformedOn = typed["patient_birth_date"], typed["performed_on"]
		if m, merr := s.dev.MatchPatient(r.Context(), devOrg(r), pin); merr == nil && m.Found {
			d.Match = &m
		}
		if err != nil {
			d.SetErrors(err, procedureFields...)
		}
		return s.k.Render(w, status, "devices/procedure_new", d)
	}
	if f("action") == "find" {
		// Show the patient on file for this NHS number, to confirm.
		if _, err := s.dev.MatchPatient(r.Context(), devOrg(r), pin); err != nil {
			if apperr.Is(err, apperr.Invalid) {
				return page(http.StatusUnprocessableEntity, err)
			}
			return err
		}
		return page(http.StatusOK, nil)
	}
	p, err := s.dev.CreateProcedure(r.Context(), devOrg(r), pin, in)
	if len(msgs) > 0 && apperr.Is(err, apperr.Invalid) {
		// A date that is not real was passed on blank: say what is wrong with it.
		fs := apperr.FieldsOf(err)
		for k, v := range msgs {
			fs[k] = v
		}
		err = &apperr.Error{Kind: apperr.Invalid, Message: apperr.MessageOf(err), Fields: fs}
	}
	if apperr.Is(err, apperr.Invalid) {
		return page(http.StatusUnprocessableEntity, err)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/devices/procedures/"+p.ID, "Procedure recorded. Scan each device as it is implanted.")
}

// DevicesProcedurePage is the point-of-care page: the procedure, its
// devices and, for the devices role, the scan field.
type DevicesProcedurePage struct {
	web.Base
	Proc     devicesdb.ProcedureDetail
	CanWrite bool
	Barcode  string
	// TextGS is the scanner setting: read "<GS>" and the like as the
	// separator (devices.ScanOptions); it starts from the organisation's
	// (devicesdb.Settings).
	TextGS bool
	Manual devices.ManualInput
	// ManualExpiry is the manual expiry date as typed (day, month, year).
	ManualExpiry web.DateParts
	// ManualOpen shows the manual entry form expanded (after its errors).
	ManualOpen bool
	Today      string
	// Stop, when set, is a device stopped before it was added, with the
	// override form.
	Stop *ScanStop
	// Choice, when set, is an ambiguous scan's readings to choose from.
	Choice *ScanChoice
	// Pending, when set, is an HIBC primary label waiting for its
	// secondary label.
	Pending *ScanPending
}

// Hidden is a form field carried over to a confirming form.
type Hidden struct{ Name, Value string }

// ScanStop is a device that was not added: why, and the form that adds it
// on an explicit override with a reason.
type ScanStop struct {
	Action string
	Hidden []Hidden
	Device devices.Device
	Stops  []devicesdb.Stop
	Reason string
	Error  string
}

// ScanChoice is an ambiguous scan with its readings, for the practitioner
// to choose the one that matches the label.
type ScanChoice struct {
	Action   string
	Barcode  string
	TextGS   bool
	Readings []devices.Reading
	Error    string
}

func (s *Module) procedurePage(w http.ResponseWriter, r *http.Request) (DevicesProcedurePage, error) {
	p, err := s.dev.Procedure(r.Context(), devOrg(r), r.PathValue("id"))
	if err != nil {
		return DevicesProcedurePage{}, err
	}
	// The scanner setting starts from the organisation's.
	st, err := s.dev.Settings(r.Context(), devOrg(r))
	if err != nil {
		return DevicesProcedurePage{}, err
	}
	return DevicesProcedurePage{Base: s.k.Base(w, r, "Procedure for "+p.Patient.Name), Proc: p, CanWrite: canWriteDevices(r),
		TextGS: st.TextGS, Today: clock.Date(s.k.Store().Now())}, nil
}

func (s *Module) devicesProcedure(w http.ResponseWriter, r *http.Request) error {
	d, err := s.procedurePage(w, r)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "devices/procedure", d)
}

// scanFragment reports whether the scan page's script asked for a line of HTML
// instead of a page (progressive enhancement; see static/devices.js).
func scanFragment(r *http.Request) bool { return r.Header.Get("X-Clinsafe-Fragment") == "scan" }

// ScanLine is the data of one device line of the scan page.
type ScanLine struct {
	R        devicesdb.ImplantRecord
	CanWrite bool
	New      bool
}

// ScanError is the data of a scan error answered to the script.
type ScanError struct {
	Field, Message string
}

// productWords names a device's product for a message: its GTIN, or its
// labeler code or manufacturer and catalogue number.
func productWords(d devices.Device) string {
	k := d.Key()
	switch {
	case k.GTIN != "":
		return "GTIN " + k.GTIN
	case k.Labeler != "":
		return "labeler " + k.Labeler + ", catalogue number " + k.Catalogue
	}
	return k.Manufacturer + ", catalogue number " + k.Catalogue
}

// deviceWords names a device for people: its product (productWords),
// then its lot and serial number when recorded.
func deviceWords(d devices.Device) string {
	msg := productWords(d)
	if d.Lot != "" {
		msg += ", lot " + d.Lot
	}
	if d.Serial != "" {
		msg += ", serial " + d.Serial
	}
	return msg
}

func addedFlash(rec devicesdb.ImplantRecord) string {
	msg := "Device added: " + deviceWords(rec.Device) + "."
	if len(rec.Warnings) > 0 {
		msg += " Check the warnings on its line."
	}
	return msg
}

// overrideRequested reports whether the form is the override of a stop,
// and returns its reason; a blank reason is the error message.
func overrideRequested(r *http.Request) (bool, string) {
	return r.PostForm.Get("override") == "yes", strings.TrimSpace(r.PostForm.Get("override_reason"))
}

// addDevice records d in the procedure unless it must stop (see
// devicesdb.RecordImplant), and answers as the page or the script
// expects: the new line, or the stop with its override form. hidden are
// the fields that the override form posts again to action.
//
// note, when not "", is told with the device added (the flash, or for the
// script the X-Clinsafe-Scan-Note header).
func (s *Module) addDevice(w http.ResponseWriter, r *http.Request, d devices.Device, action string, hidden []Hidden, note string) error {
	id := r.PathValue("id")
	override, reason := overrideRequested(r)
	stopErr := ""
	if override && reason == "" {
		stopErr = "Enter why this device is being added despite the warning"
	}
	var rec devicesdb.ImplantRecord
	var stops []devicesdb.Stop
	var err error
	if stopErr == "" {
		rec, stops, err = s.dev.RecordImplant(r.Context(), devOrg(r), id, d, reason)
	} else {
		// Show the stops again with the error; nothing is written.
		rec, stops, err = s.dev.RecordImplant(r.Context(), devOrg(r), id, d, "")
	}
	if apperr.Is(err, apperr.Invalid) {
		stopErr = apperr.FieldsOf(err)["override_reason"]
		rec, stops, err = s.dev.RecordImplant(r.Context(), devOrg(r), id, d, "")
	}
	if err != nil {
		return err
	}
	if len(stops) > 0 {
		st := &ScanStop{Action: action, Hidden: hidden, Device: d, Stops: stops, Reason: r.PostForm.Get("override_reason"), Error: stopErr}
		status := http.StatusConflict
		if stopErr != "" {
			status = http.StatusUnprocessableEntity
		}
		if scanFragment(r) {
			return s.k.RenderFragment(w, status, "devices/procedure", "devices/scan_stop", st)
		}
		pd, perr := s.procedurePage(w, r)
		if perr != nil {
			return perr
		}
		pd.Stop = st
		if stopErr != "" {
			pd.SetErrors(&apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"override_reason": stopErr}}, "override_reason")
		}
		return s.k.Render(w, status, "devices/procedure", pd)
	}
	if scanFragment(r) {
		if note != "" {
			w.Header().Set("X-Clinsafe-Scan-Note", note)
		}
		return s.k.RenderFragment(w, http.StatusCreated, "devices/procedure", "devices/line", ScanLine{R: rec, CanWrite: true, New: true})
	}
	msg := addedFlash(rec)
	if note != "" {
		msg += " " + note
	}
	return s.k.Redirect(w, r, "/devices/procedures/"+id+"#barcode", msg)
}

// ScanPending is an HIBC primary label scanned on its own, kept (a hidden
// field of the scan form) until its secondary label is scanned, or added
// without it.
type ScanPending struct {
	Action  string
	Barcode string
	Device  devices.Device
}

// scanPendingOf is the pending primary label the scan form carried back,
// or nil.
func (s *Module) scanPendingOf(r *http.Request, action string) *ScanPending {
	raw := r.PostForm.Get("hibc_primary")
	if raw == "" {
		return nil
	}
	d, ok := devices.HIBCPrimary(raw, s.k.Store().Now())
	if !ok {
		return nil
	}
	return &ScanPending{Action: action, Barcode: d.Raw, Device: d}
}

func (s *Module) devicesScan(w http.ResponseWriter, r *http.Request) error {
	// Text that is not valid (a NUL, bytes that are not UTF-8) is shown
	// like a barcode that cannot be read.
	err := web.ParseForm(r)
	if err != nil && !apperr.Is(err, apperr.Invalid) {
		return err
	}
	action := "/devices/procedures/" + r.PathValue("id") + "/scan"
	raw := r.PostForm.Get("barcode")
	opts := devices.ScanOptions{TextGS: r.PostForm.Get("text_gs") == "yes"}
	reading := r.PostForm.Get("reading")
	now := s.k.Store().Now()
	var pending *ScanPending
	if err == nil {
		pending = s.scanPendingOf(r, action)
	}
	hidden := []Hidden{{"barcode", raw}}
	var d devices.Device
	dropped := "" // says that a primary label kept was not added
	if err == nil {
		switch {
		case r.PostForm.Get("primary_only") == "yes":
			// The primary label added without its secondary.
			var ok bool
			if d, ok = devices.HIBCPrimary(raw, now); !ok {
				_, err = devices.ParseScanWith(raw, now, opts)
				if err == nil {
					err = &apperr.Error{Kind: apperr.Invalid, Message: "The barcode could not be read",
						Fields: map[string]string{"barcode": "This is not an HIBC label with only the product code: scan the device again"}}
				}
			}
			hidden = append(hidden, Hidden{"primary_only", "yes"})
			pending = nil
		case pending != nil && devices.HIBCSecondary(raw, now):
			// The second label of the primary kept: combined, checked by
			// the link character.
			d, err = devices.ParseHIBCPair(pending.Barcode, raw, now)
			hidden = append(hidden, Hidden{"hibc_primary", pending.Barcode})
			if err == nil {
				pending = nil
			}
		default:
			if p, ok := devices.HIBCPrimary(raw, now); ok {
				return s.scanPending(w, r, &ScanPending{Action: action, Barcode: p.Raw, Device: p})
			}
			if reading != "" {
				d, err = devices.ParseReading(raw, reading, now, opts)
			} else {
				d, err = devices.ParseScanWith(raw, now, opts)
			}
			if err == nil && pending != nil {
				// Another device was scanned: the primary kept is dropped.
				dropped = "The HIBC label with the product code scanned before it (labeler " + pending.Device.Labeler + ", product " +
					pending.Device.Catalogue + ") was not added: scan it again with its second label if that device is being implanted."
				pending = nil
			}
		}
	}
	if err != nil {
		var choice *ScanChoice
		if rs := devices.ScanReadings(err); len(rs) > 1 {
			choice = &ScanChoice{Action: action, Barcode: raw, TextGS: opts.TextGS, Readings: rs, Error: apperr.FieldsOf(err)["barcode"]}
		}
		if scanFragment(r) {
			if _, perr := s.dev.Procedure(r.Context(), devOrg(r), r.PathValue("id")); perr != nil {
				return perr
			}
			if choice != nil {
				return s.k.RenderFragment(w, http.StatusConflict, "devices/procedure", "devices/scan_choice", choice)
			}
			msg := apperr.FieldsOf(err)["barcode"]
			if msg == "" {
				msg = apperr.MessageOf(err)
			}
			return s.k.RenderFragment(w, http.StatusUnprocessableEntity, "devices/procedure", "devices/scan_error", ScanError{Field: "barcode", Message: msg})
		}
		pd, perr := s.procedurePage(w, r)
		if perr != nil {
			return perr
		}
		pd.Barcode, pd.TextGS, pd.Pending = strings.ToValidUTF8(raw, ""), opts.TextGS, pending
		if choice != nil {
			pd.Choice = choice
			return s.k.Render(w, http.StatusConflict, "devices/procedure", pd)
		}
		pd.SetErrors(err, "barcode")
		return s.k.Render(w, http.StatusUnprocessableEntity, "devices/procedure", pd)
	}
	if opts.TextGS {
		hidden = append(hidden, Hidden{"text_gs", "yes"})
	}
	if reading != "" {
		hidden = append(hidden, Hidden{"reading", reading})
	}
	return s.addDevice(w, r, d, action, hidden, dropped)
}

// scanPending answers a primary HIBC label scanned on its own: nothing is
// added; the page (or, for the script, the message alone, 202) says what
// was read and keeps the label for the next scan.
func (s *Module) scanPending(w http.ResponseWriter, r *http.Request, p *ScanPending) error {
	if scanFragment(r) {
		if _, err := s.dev.Procedure(r.Context(), devOrg(r), r.PathValue("id")); err != nil {
			return err
		}
		return s.k.RenderFragment(w, http.StatusAccepted, "devices/procedure", "devices/scan_pending", p)
	}
	pd, err := s.procedurePage(w, r)
	if err != nil {
		return err
	}
	pd.Pending, pd.TextGS = p, r.PostForm.Get("text_gs") == "yes"
	return s.k.Render(w, http.StatusOK, "devices/procedure", pd)
}

var manualFields = []string{"gtin", "manufacturer", "labeler", "catalogue", "lot", "serial", "expiry"}

func (s *Module) devicesManual(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm.Get
	in := devices.ManualInput{GTIN: f("gtin"), Labeler: f("labeler"), Manufacturer: f("manufacturer"), Catalogue: f("catalogue"), Lot: f("lot"), Serial: f("serial")}
	iso, typed, msg := web.FormDate(r.PostForm, "expiry", "the expiry date")
	in.Expiry = iso
	d, err := in.Device()
	if msg != "" {
		fs := apperr.FieldsOf(err)
		if fs == nil {
			fs = map[string]string{}
		}
		fs["expiry"] = msg
		err = &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with what was entered", Fields: fs}
	}
	if err != nil {
		pd, perr := s.procedurePage(w, r)
		if perr != nil {
			return perr
		}
		pd.Manual, pd.ManualOpen = in, true
		pd.ManualExpiry = typed
		pd.SetErrors(err, manualFields...)
		return s.k.Render(w, http.StatusUnprocessableEntity, "devices/procedure", pd)
	}
	hidden := []Hidden{{"gtin", in.GTIN}, {"manufacturer", in.Manufacturer}, {"labeler", in.Labeler}, {"catalogue", in.Catalogue},
		{"lot", in.Lot}, {"serial", in.Serial}, {"expiry", iso}}
	return s.addDevice(w, r, d, "/devices/procedures/"+r.PathValue("id")+"/manual", hidden, "")
}

func (s *Module) devicesRemoveImplant(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.dev.Implant(r.Context(), devOrg(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := s.dev.RemoveImplant(r.Context(), devOrg(r), rec.ID); err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/devices/procedures/"+rec.ProcedureID+"#barcode", "Device line removed (recorded in error).")
}

func (s *Module) devicesExplant(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	org := devOrg(r)
	rec, err := s.dev.Implant(r.Context(), org, r.PathValue("id"))
	if err != nil {
		return err
	}
	field := "explant_date-" + rec.ID
	iso, typed, msg := web.FormDate(r.PostForm, field, "the date removed")
	if iso == "" && msg == "" {
		// One box named explant_date (the JSON-like form of earlier pages).
		iso, typed, msg = web.FormDate(r.PostForm, "explant_date", "the date removed")
	}
	err = s.dev.Explant(r.Context(), org, rec.ID, devices.ExplantInput{Date: iso, Reason: r.PostForm.Get("explant_reason")})
	if msg != "" && (err == nil || apperr.Is(err, apperr.Invalid)) {
		fs := apperr.FieldsOf(err)
		if fs == nil {
			fs = map[string]string{}
		}
		fs["explant_date"] = msg
		err = &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with what was entered", Fields: fs}
	}
	if apperr.Is(err, apperr.Invalid) {
		d, perr := s.patientPage(w, r, rec.PatientID)
		if perr != nil {
			return perr
		}
		d.ExplantID, d.ExplantDate = rec.ID, typed
		// The fields of this implant's form, so the error summary links to them.
		fs := map[string]string{}
		for k, v := range apperr.FieldsOf(err) {
			fs[k+"-"+rec.ID] = v
		}
		d.SetErrors(&apperr.Error{Kind: apperr.Invalid, Fields: fs}, "explant_date-"+rec.ID, "explant_reason-"+rec.ID)
		return s.k.Render(w, http.StatusUnprocessableEntity, "devices/patient", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/devices/patients/"+rec.PatientID, "Removal of the device recorded.")
}
