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
}

var procedureFields = []string{"patient_nhs_number", "patient_name", "patient_birth_date", "patient_address", "patient_postcode", "patient_phone", "patient_email",
	"performed_on", "site", "laterality", "clinician", "description"}

func (s *Module) newProcedurePage(w http.ResponseWriter, r *http.Request, pin devices.PatientInput, in devices.ProcedureInput) DevicesNewProcedurePage {
	return DevicesNewProcedurePage{Base: s.k.Base(w, r, "Record a procedure"), Patient: pin, Procedure: in,
		Lateralities: web.Choices(devices.Lateralities, web.CodeLabel, in.Laterality)}
}

func (s *Module) devicesNewProcedure(w http.ResponseWriter, r *http.Request) error {
	in := devices.ProcedureInput{PerformedOn: clock.Date(s.k.Store().Now())}
	return s.k.Render(w, http.StatusOK, "devices/procedure_new", s.newProcedurePage(w, r, devices.PatientInput{}, in))
}

func (s *Module) devicesCreateProcedure(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm.Get
	pin := devices.PatientInput{NHSNumber: f("patient_nhs_number"), Name: f("patient_name"), BirthDate: f("patient_birth_date"),
		Address: f("patient_address"), Postcode: f("patient_postcode"), Phone: f("patient_phone"), Email: f("patient_email")}
	in := devices.ProcedureInput{PerformedOn: f("performed_on"), Site: f("site"), Laterality: f("laterality"), Clinician: f("clinician"), Description: f("description")}
	p, err := s.dev.CreateProcedure(r.Context(), devOrg(r), pin, in)
	if apperr.Is(err, apperr.Invalid) {
		d := s.newProcedurePage(w, r, pin, in)
		d.SetErrors(err, procedureFields...)
		return s.k.Render(w, http.StatusUnprocessableEntity, "devices/procedure_new", d)
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
	Manual   devices.ManualInput
	// ManualOpen shows the manual entry form expanded (after its errors).
	ManualOpen bool
	Today      string
}

func (s *Module) procedurePage(w http.ResponseWriter, r *http.Request) (DevicesProcedurePage, error) {
	p, err := s.dev.Procedure(r.Context(), devOrg(r), r.PathValue("id"))
	if err != nil {
		return DevicesProcedurePage{}, err
	}
	return DevicesProcedurePage{Base: s.k.Base(w, r, "Procedure for "+p.Patient.Name), Proc: p, CanWrite: canWriteDevices(r),
		Today: clock.Date(s.k.Store().Now())}, nil
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

func addedFlash(rec devicesdb.ImplantRecord) string {
	msg := "Device added: GTIN " + rec.GTIN
	if rec.Lot != "" {
		msg += ", lot " + rec.Lot
	}
	if rec.Serial != "" {
		msg += ", serial " + rec.Serial
	}
	msg += "."
	if len(rec.Warnings) > 0 {
		msg += " Check the warnings on its line."
	}
	return msg
}

// addDevice records d in the procedure and answers as the page or the
// script expects.
func (s *Module) addDevice(w http.ResponseWriter, r *http.Request, d devices.Device) error {
	id := r.PathValue("id")
	rec, err := s.dev.AddImplant(r.Context(), devOrg(r), id, d)
	if err != nil {
		return err
	}
	if scanFragment(r) {
		return s.k.RenderFragment(w, http.StatusCreated, "devices/procedure", "devices/line", ScanLine{R: rec, CanWrite: true, New: true})
	}
	return s.k.Redirect(w, r, "/devices/procedures/"+id+"#barcode", addedFlash(rec))
}

func (s *Module) devicesScan(w http.ResponseWriter, r *http.Request) error {
	// Text that is not valid (a NUL, bytes that are not UTF-8) is shown
	// like a barcode that cannot be read.
	err := web.ParseForm(r)
	if err != nil && !apperr.Is(err, apperr.Invalid) {
		return err
	}
	raw := r.PostForm.Get("barcode")
	var d devices.Device
	if err == nil {
		d, err = devices.ParseScan(raw, s.k.Store().Now())
	}
	if err != nil {
		if scanFragment(r) {
			if _, perr := s.dev.Procedure(r.Context(), devOrg(r), r.PathValue("id")); perr != nil {
				return perr
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
		pd.Barcode = strings.ToValidUTF8(raw, "")
		pd.SetErrors(err, "barcode")
		return s.k.Render(w, http.StatusUnprocessableEntity, "devices/procedure", pd)
	}
	return s.addDevice(w, r, d)
}

func (s *Module) devicesManual(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	in := devices.ManualInput{GTIN: r.PostForm.Get("gtin"), Lot: r.PostForm.Get("lot"), Serial: r.PostForm.Get("serial"), Expiry: r.PostForm.Get("expiry")}
	d, err := in.Device()
	if err != nil {
		pd, perr := s.procedurePage(w, r)
		if perr != nil {
			return perr
		}
		pd.Manual, pd.ManualOpen = in, true
		pd.SetErrors(err, "gtin", "lot", "serial", "expiry")
		return s.k.Render(w, http.StatusUnprocessableEntity, "devices/procedure", pd)
	}
	return s.addDevice(w, r, d)
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
	err = s.dev.Explant(r.Context(), org, rec.ID, devices.ExplantInput{Date: r.PostForm.Get("explant_date"), Reason: r.PostForm.Get("explant_reason")})
	if apperr.Is(err, apperr.Invalid) {
		p, perr := s.dev.Patient(r.Context(), org, rec.PatientID)
		if perr != nil {
			return perr
		}
		procs, perr := s.dev.PatientProcedures(r.Context(), org, p.ID)
		if perr != nil {
			return perr
		}
		rcs, perr := s.dev.PatientRecalls(r.Context(), org, p.ID)
		if perr != nil {
			return perr
		}
		d := DevicesPatientPage{Base: s.k.Base(w, r, p.Name), Patient: p, Procedures: procs, Recalls: rcs}
		d.SetErrors(err, "explant_date", "explant_reason")
		return s.k.Render(w, http.StatusUnprocessableEntity, "devices/patient", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/devices/patients/"+rec.PatientID, "Removal of the device recorded.")
}
