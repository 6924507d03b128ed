// Package devicesweb serves the implanted devices pillar: procedures and the
// implants scanned in them, the product catalogue, device histories and
// recalls, as pages and as the JSON API.
package devicesweb

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/web"
	"net/http"
	"net/url"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/text"
	"github.com/clinsafe/clinsafe/nhsnumber"
)

// Who may do what in the implanted devices module.
//
//   - devices (devices and theatres staff) record procedures and implants,
//     import the catalogue and manage recalls: every route.
//   - cso and handler (clinical safety and patient safety staff) read the
//     register, device histories and recalls, which name patients.
//   - analyst reads the product catalogue, which names no patient.
//   - everyone signed in sees the module's home page (counts only).
var (
	devWrite   = web.Roles(auth.Devices)
	devRead    = web.Roles(auth.Devices, auth.CSO, auth.Handler)
	devCatalog = web.Roles(auth.Devices, auth.CSO, auth.Handler, auth.Analyst)
)

// Routes are the routes of the implanted devices module.
func (s *Module) Routes() []web.Route {
	return []web.Route{
		{Method: "GET", Path: "/devices", Roles: web.Anyone, Handle: s.devicesHome},
		{Method: "POST", Path: "/devices/patients", Roles: devRead, Handle: s.devicesFindPatient},
		{Method: "GET", Path: "/devices/patients/{id}", Roles: devRead, Handle: s.devicesPatient},
		{Method: "POST", Path: "/devices/patients/{id}/details", Roles: devWrite, Handle: s.devicesUpdatePatient},
		{Method: "GET", Path: "/devices/catalogue", Roles: devCatalog, Handle: s.devicesCatalogue},
		{Method: "GET", Path: "/devices/catalogue.csv", Roles: devCatalog, Handle: s.devicesCatalogueCSV},
		{Method: "POST", Path: "/devices/catalogue", Roles: devWrite, Upload: true, Handle: s.devicesImportCatalogue},
		{Method: "GET", Path: "/devices/procedures", Roles: devRead, Handle: s.devicesProcedures},
		{Method: "GET", Path: "/devices/procedures/new", Roles: devWrite, Handle: s.devicesNewProcedure},
		{Method: "POST", Path: "/devices/procedures", Roles: devWrite, Handle: s.devicesCreateProcedure},
		{Method: "GET", Path: "/devices/procedures/{id}", Roles: devRead, Handle: s.devicesProcedure},
		{Method: "POST", Path: "/devices/procedures/{id}/scan", Roles: devWrite, Handle: s.devicesScan},
		{Method: "POST", Path: "/devices/procedures/{id}/manual", Roles: devWrite, Handle: s.devicesManual},
		{Method: "POST", Path: "/devices/implants/{id}/remove", Roles: devWrite, Handle: s.devicesRemoveImplant},
		{Method: "POST", Path: "/devices/implants/{id}/explant", Roles: devWrite, Handle: s.devicesExplant},
		{Method: "GET", Path: "/devices/gtin/{gtin}", Roles: devRead, Handle: s.devicesDevice},
		{Method: "GET", Path: "/devices/gtin/{gtin}/serial/{serial}", Roles: devRead, Handle: s.devicesDevice},
		{Method: "GET", Path: "/devices/products", Roles: devRead, Handle: s.devicesProduct},
		{Method: "GET", Path: "/devices/recalls", Roles: devRead, Handle: s.devicesRecalls},
		{Method: "GET", Path: "/devices/recalls/new", Roles: devWrite, Handle: s.devicesNewRecall},
		{Method: "POST", Path: "/devices/recalls", Roles: devWrite, Handle: s.devicesCreateRecall},
		{Method: "GET", Path: "/devices/recalls/{id}", Roles: devRead, Handle: s.devicesRecall},
		{Method: "POST", Path: "/devices/recalls/{id}/match", Roles: devWrite, Handle: s.devicesMatchRecall},
		{Method: "POST", Path: "/devices/recalls/{id}/status", Roles: devWrite, Handle: s.devicesRecallStatus},
		{Method: "GET", Path: "/devices/recalls/{id}/close", Roles: devWrite, Handle: s.devicesRecallClosePage},
		{Method: "POST", Path: "/devices/recalls/{id}/close", Roles: devWrite, Handle: s.devicesCloseRecall},
		{Method: "POST", Path: "/devices/recalls/{id}/patients", Roles: devWrite, Handle: s.devicesRecallBulk},
		{Method: "POST", Path: "/devices/recalls/{id}/patients/{patient}", Roles: devWrite, Handle: s.devicesRecallAction},
		{Method: "GET", Path: "/devices/recalls/{id}/letters.csv", Roles: devWrite, Handle: s.devicesRecallCSV},
		{Method: "GET", Path: "/devices/settings", Roles: devWrite, Handle: s.devicesSettings},
		{Method: "POST", Path: "/devices/settings", Roles: devWrite, Handle: s.devicesSaveSettings},

		// JSON API: see docs/api-devices.md.
		{Method: "GET", Path: "/api/v1/devices/catalogue", Roles: devCatalog, API: true, Handle: s.apiCatalogue},
		{Method: "POST", Path: "/api/v1/devices/catalogue", Roles: devWrite, API: true, Upload: true, Handle: s.apiImportCatalogue},
		{Method: "GET", Path: "/api/v1/devices/catalogue/{gtin}", Roles: devCatalog, API: true, Handle: s.apiProduct},
		{Method: "GET", Path: "/api/v1/devices/procedures", Roles: devRead, API: true, Handle: s.apiProcedures},
		{Method: "POST", Path: "/api/v1/devices/procedures", Roles: devWrite, API: true, Handle: s.apiCreateProcedure},
		{Method: "GET", Path: "/api/v1/devices/procedures/{id}", Roles: devRead, API: true, Handle: s.apiProcedure},
		{Method: "POST", Path: "/api/v1/devices/procedures/{id}/implants", Roles: devWrite, API: true, Handle: s.apiAddImplant},
		{Method: "GET", Path: "/api/v1/devices/implants/{id}", Roles: devRead, API: true, Handle: s.apiImplant},
		{Method: "POST", Path: "/api/v1/devices/implants/{id}/explant", Roles: devWrite, API: true, Handle: s.apiExplant},
		{Method: "GET", Path: "/api/v1/devices/gtin/{gtin}", Roles: devRead, API: true, Handle: s.apiDeviceHistory},
		{Method: "GET", Path: "/api/v1/devices/recalls", Roles: devRead, API: true, Handle: s.apiRecalls},
		{Method: "POST", Path: "/api/v1/devices/recalls", Roles: devWrite, API: true, Handle: s.apiCreateRecall},
		{Method: "GET", Path: "/api/v1/devices/recalls/{id}", Roles: devRead, API: true, Handle: s.apiRecall},
		{Method: "GET", Path: "/api/v1/devices/recalls/{id}/patients", Roles: devRead, API: true, Handle: s.apiRecallPatients},
		{Method: "POST", Path: "/api/v1/devices/recalls/{id}/match", Roles: devWrite, API: true, Handle: s.apiMatchRecall},
		{Method: "POST", Path: "/api/v1/devices/recalls/{id}/patients", Roles: devWrite, API: true, Handle: s.apiRecallActions},
		{Method: "PUT", Path: "/api/v1/devices/recalls/{id}/patients/{patient}", Roles: devWrite, API: true, Handle: s.apiRecallAction},
		{Method: "POST", Path: "/api/v1/devices/recalls/{id}/close", Roles: devWrite, API: true, Handle: s.apiCloseRecall},
	}
}

func devOrg(r *http.Request) store.OrgID { return web.PrincipalFrom(r.Context()).Org.ID }

func canWriteDevices(r *http.Request) bool {
	return auth.HasAny(web.PrincipalFrom(r.Context()).Roles, devWrite...)
}

func canReadDevices(r *http.Request) bool {
	return auth.HasAny(web.PrincipalFrom(r.Context()).Roles, devRead...)
}

// DevicesHome is the module's landing page.
type DevicesHome struct {
	web.Base
	Stats    devicesdb.ImplantStats
	CanRead  bool
	CanWrite bool
	Catalog  bool
	NHS      string
}

func (s *Module) devicesHome(w http.ResponseWriter, r *http.Request) error {
	st, err := s.dev.DeviceStats(r.Context(), devOrg(r))
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "devices/home", DevicesHome{Base: s.k.Base(w, r, "Implanted devices"), Stats: st,
		CanRead: canReadDevices(r), CanWrite: canWriteDevices(r), Catalog: auth.HasAny(web.PrincipalFrom(r.Context()).Roles, devCatalog...)})
}

// devicesFindPatient finds a patient by NHS number and goes to their page;
// a bad or unknown number re-renders the home page with the error. It is a
// POST so that NHS numbers stay out of addresses, history and logs.
func (s *Module) devicesFindPatient(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	raw := r.PostForm.Get("nhs_number")
	fail := func(msg string, status int) error {
		st, err := s.dev.DeviceStats(r.Context(), devOrg(r))
		if err != nil {
			return err
		}
		d := DevicesHome{Base: s.k.Base(w, r, "Implanted devices"), Stats: st, CanRead: true, CanWrite: canWriteDevices(r), Catalog: true, NHS: raw}
		d.SetErrors(&apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"nhs_number": msg}}, "nhs_number")
		return s.k.Render(w, status, "devices/home", d)
	}
	if strings.TrimSpace(raw) == "" {
		return fail("Enter the patient's NHS number", http.StatusUnprocessableEntity)
	}
	n, err := nhsnumber.Parse(raw)
	if err != nil {
		return fail("Enter a valid NHS number: "+strings.TrimPrefix(err.Error(), "NHS number: "), http.StatusUnprocessableEntity)
	}
	p, err := s.dev.PatientByNHSNumber(r.Context(), devOrg(r), n)
	if apperr.Is(err, apperr.NotFound) {
		return fail("No implant is recorded for a patient with this NHS number", http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/devices/patients/"+p.ID, http.StatusSeeOther)
	return nil
}

// DevicesPatientPage shows a patient's procedures, devices and recalls,
// and for the devices role the form that changes their details.
type DevicesPatientPage struct {
	web.Base
	Patient    devices.Patient
	Procedures []devicesdb.ProcedureDetail
	Recalls    []devicesdb.PatientRecall
	CanWrite   bool
	// Change is the change of details as typed; ChangeOpen shows its form
	// expanded (after its errors).
	Change     devices.PatientInput
	ChangeDOB  web.DateParts
	ChangeOpen bool
	// ExplantID is the implant whose removal form has the errors.
	ExplantID   string
	ExplantDate web.DateParts
}

func (s *Module) patientPage(w http.ResponseWriter, r *http.Request, id string) (DevicesPatientPage, error) {
	org := devOrg(r)
	p, err := s.dev.Patient(r.Context(), org, id)
	if err != nil {
		return DevicesPatientPage{}, err
	}
	procs, err := s.dev.PatientProcedures(r.Context(), org, p.ID)
	if err != nil {
		return DevicesPatientPage{}, err
	}
	rcs, err := s.dev.PatientRecalls(r.Context(), org, p.ID)
	if err != nil {
		return DevicesPatientPage{}, err
	}
	return DevicesPatientPage{Base: s.k.Base(w, r, p.Name), Patient: p, Procedures: procs, Recalls: rcs, CanWrite: canWriteDevices(r)}, nil
}

func (s *Module) devicesPatient(w http.ResponseWriter, r *http.Request) error {
	d, err := s.patientPage(w, r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "devices/patient", d)
}

var patientDetailFields = []string{"patient_nhs_number", "patient_name", "patient_birth_date", "patient_address", "patient_postcode", "patient_phone", "patient_email"}

// devicesUpdatePatient is the deliberate change of a patient's details
// (devicesdb.UpdatePatient): blank fields keep what is on file, and the
// audit entry holds each value before and after.
func (s *Module) devicesUpdatePatient(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	org, id := devOrg(r), r.PathValue("id")
	onFile, err := s.dev.Patient(r.Context(), org, id)
	if err != nil {
		return err
	}
	f := r.PostForm.Get
	in := devices.PatientInput{NHSNumber: onFile.NHSNumber.String(), Name: f("patient_name"), Address: f("patient_address"),
		Postcode: f("patient_postcode"), Phone: f("patient_phone"), Email: f("patient_email")}
	iso, typed, msg := web.FormDate(r.PostForm, "patient_birth_date", "the date of birth")
	in.BirthDate = iso
	// The domain validates a whole patient: what is left blank is kept.
	full := in
	if full.Name == "" {
		full.Name = onFile.Name
	}
	if full.BirthDate == "" && msg == "" {
		full.BirthDate = onFile.BirthDate
	}
	_, err = s.dev.UpdatePatient(r.Context(), org, id, full)
	if msg != "" && (err == nil || apperr.Is(err, apperr.Invalid)) {
		fs := apperr.FieldsOf(err)
		if fs == nil {
			fs = map[string]string{}
		}
		fs["patient_birth_date"] = msg
		err = &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with what was entered", Fields: fs}
	}
	if apperr.Is(err, apperr.Invalid) {
		d, perr := s.patientPage(w, r, id)
		if perr != nil {
			return perr
		}
		d.Change, d.ChangeDOB, d.ChangeOpen = in, typed, true
		d.SetErrors(err, patientDetailFields...)
		return s.k.Render(w, http.StatusUnprocessableEntity, "devices/patient", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/devices/patients/"+id, "Patient's details changed. The change is recorded in the audit trail.")
}

// DevicesCataloguePage lists the product catalogue and takes a CSV import.
type DevicesCataloguePage struct {
	web.Base
	Products  []devices.Product
	Q         string
	CanWrite  bool
	RowErrors devices.RowErrors
	Columns   []string
	Types     []devices.DeviceType
}

func (s *Module) cataloguePage(w http.ResponseWriter, r *http.Request) (DevicesCataloguePage, error) {
	q := r.URL.Query().Get("q")
	ps, err := s.dev.ListProducts(r.Context(), devOrg(r), q, 500)
	return DevicesCataloguePage{Base: s.k.Base(w, r, "Product catalogue"), Products: ps, Q: q, CanWrite: canWriteDevices(r),
		Columns: devices.CatalogueColumns, Types: devices.DeviceTypes}, err
}

func (s *Module) devicesCatalogue(w http.ResponseWriter, r *http.Request) error {
	d, err := s.cataloguePage(w, r)
	if apperr.Is(err, apperr.Invalid) {
		d.SetErrors(err, "q")
		return s.k.Render(w, http.StatusUnprocessableEntity, "devices/catalogue", d)
	}
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "devices/catalogue", d)
}

func (s *Module) devicesCatalogueCSV(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.dev.ListProducts(r.Context(), devOrg(r), "", 5000)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := devices.WriteCatalogueCSV(&buf, ps); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="catalogue.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = buf.WriteTo(w)
	return err
}

func (s *Module) devicesImportCatalogue(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	fail := func(err error) error {
		d, lerr := s.cataloguePage(w, r)
		if lerr != nil {
			return lerr
		}
		var rows devices.RowErrors
		if errors.As(err, &rows) {
			d.RowErrors = rows
			err = &apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"file": apperr.MessageOf(err) + ". See the list of problems below the form."}}
		}
		d.SetErrors(err, "file")
		return s.k.Render(w, http.StatusUnprocessableEntity, "devices/catalogue", d)
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return fail(&apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"file": "Select a CSV file to import"}})
	}
	f, err := r.MultipartForm.File["file"][0].Open()
	if err != nil {
		return apperr.Wrap(apperr.BadRequest, err, "The file could not be read")
	}
	defer f.Close()
	ps, err := devices.ParseCatalogueCSV(f)
	if err != nil {
		return fail(err)
	}
	n, err := s.dev.ImportCatalogue(r.Context(), devOrg(r), ps)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			return fail(err)
		}
		return err
	}
	return s.k.Redirect(w, r, "/devices/catalogue", fmt.Sprintf("%s imported into the catalogue.", text.Count(n, "product", "products")))
}

// DevicesDevicePage is the history of a GTIN, or of one device (GTIN and
// serial). The safety-events module will link events to devices here when
// it exists (see EventsSeam).
type DevicesDevicePage struct {
	web.Base
	GTIN, Serial string
	// Key and KeyWords name a product without a GTIN (see devicesProduct).
	Key      devices.ProductKey
	KeyWords string
	Product  *devices.Product
	History  []devicesdb.ImplantRecord
	// EventsSeam is where safety events that involve this device will be
	// listed once the safety-events module records device details.
	EventsSeam bool
	// SafetyEvents are the safety events linked to this device (or any
	// device of the product).
	SafetyEvents []eventsdb.DeviceEvent
}

func (s *Module) devicesDevice(w http.ResponseWriter, r *http.Request) error {
	gtin, msg := devices.CheckGTIN(r.PathValue("gtin"))
	if msg != "" {
		return apperr.New(apperr.NotFound, "There is no device with that GTIN: %s", msg)
	}
	serial := r.PathValue("serial")
	org := devOrg(r)
	d := DevicesDevicePage{GTIN: gtin, Serial: serial, EventsSeam: true}
	if p, err := s.dev.Product(r.Context(), org, gtin); err == nil {
		d.Product = &p
	} else if !apperr.Is(err, apperr.NotFound) {
		return err
	}
	var err error
	if d.History, err = s.dev.DeviceHistory(r.Context(), org, gtin, serial); err != nil {
		return err
	}
	if d.Product == nil && len(d.History) == 0 {
		return apperr.New(apperr.NotFound, "No device with GTIN %s is in the catalogue or the register", gtin)
	}
	if d.SafetyEvents, err = eventsdb.New(s.k.Store()).DeviceEvents(r.Context(), org, gtin, serial); err != nil {
		return err
	}
	title := "Device " + gtin
	if serial != "" {
		title += " serial " + serial
	}
	d.Base = s.k.Base(w, r, title)
	return s.k.Render(w, http.StatusOK, "devices/device", d)
}

// devicesProduct is the history of a product without a GTIN: by HIBC
// labeler code and catalogue number, or by manufacturer and catalogue
// number (query labeler or manufacturer, catalogue and optional serial).
// The product key is in the query, not the path, since a manufacturer's
// name is free text.
func (s *Module) devicesProduct(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	key := devices.ProductKey{Labeler: strings.TrimSpace(q.Get("labeler")), Catalogue: strings.TrimSpace(q.Get("catalogue"))}
	if key.Labeler == "" {
		key.Manufacturer = strings.TrimSpace(q.Get("manufacturer"))
	}
	serial := strings.TrimSpace(q.Get("serial"))
	for _, v := range []string{key.Labeler, key.Manufacturer, key.Catalogue, serial} {
		if len(v) > 200 || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return apperr.New(apperr.NotFound, "There is no such product")
		}
	}
	if key.Catalogue == "" || (key.Labeler == "" && key.Manufacturer == "") {
		return apperr.New(apperr.NotFound, "Name a product by its manufacturer or HIBC labeler code and its catalogue number")
	}
	hist, err := s.dev.DeviceHistoryOf(r.Context(), devOrg(r), key, serial)
	if err != nil {
		return err
	}
	if len(hist) == 0 {
		return apperr.New(apperr.NotFound, "No device of this product is recorded in the register")
	}
	// Named as recorded (the query may differ in case).
	words := productWords(devices.Device{Labeler: key.Labeler, Manufacturer: hist[0].Manufacturer, Catalogue: key.Catalogue})
	d := DevicesDevicePage{Key: key, KeyWords: sentenceCase(words), Serial: serial, History: hist, EventsSeam: true}
	title := "Device " + words
	if serial != "" {
		title += " serial " + serial
	}
	d.Base = s.k.Base(w, r, title)
	return s.k.Render(w, http.StatusOK, "devices/device", d)
}

// sentenceCase capitalises the first letter of s.
func sentenceCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// productHref is the history page of a device's product: by GTIN, or by
// labeler code or manufacturer and catalogue number.
func productHref(d devices.Device) string {
	k := d.Key()
	if k.GTIN != "" {
		return deviceHref(k.GTIN, "")
	}
	v := url.Values{"catalogue": {k.Catalogue}}
	if k.Labeler != "" {
		v.Set("labeler", k.Labeler)
	} else {
		v.Set("manufacturer", k.Manufacturer)
	}
	return "/devices/products?" + v.Encode()
}

func deviceHref(gtin, serial string) string {
	h := "/devices/gtin/" + url.PathEscape(gtin)
	if serial != "" {
		h += "/serial/" + url.PathEscape(serial)
	}
	return h
}
