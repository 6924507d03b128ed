// Package implant holds the domain of implanted device tracking: the
// product catalogue, patients, procedures, the devices implanted in them,
// and recalls (Field Safety Notices and National Patient Safety Alerts)
// with the rules that say which devices they affect. It is pure: no SQL,
// no HTTP. Barcodes are read with the gs1 package; NHS numbers with
// nhsnumber.
package devices

import (
	"fmt"
	"log/slog"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/gs1"
	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/nhsnumber"
)

// DeviceType is an implant category of the national LFPSE device type list.
type DeviceType struct {
	Code  int    `json:"code"`
	Label string `json:"label"`
}

// DeviceTypes are the LFPSE device types that cover implants, in code order.
var DeviceTypes = []DeviceType{
	{36, "Breast implants"},
	{40, "Implant materials, including mesh and tapes"},
	{89, "Orthopaedic implants (such as hip and knee)"},
	{90, "Gastrointestinal implants"},
	{91, "Neurological implants"},
	{92, "Obstetric and gynaecological implants"},
	{93, "Cardiovascular implants (such as stents)"},
	{94, "Active cardiovascular implants (such as pacemakers and defibrillators)"},
	{95, "Other non-active implants"},
	{96, "Other active implants"},
	{100, "Standalone software and apps that are medical devices"},
}

// DeviceTypeLabel returns the label of a device type code, or "" when the
// code is not an implant category.
func DeviceTypeLabel(code int) string {
	for _, d := range DeviceTypes {
		if d.Code == code {
			return d.Label
		}
	}
	return ""
}

// Product is one entry of an organisation's catalogue, keyed by GTIN.
type Product struct {
	GTIN         string `json:"gtin"` // 14 digits
	Manufacturer string `json:"manufacturer"`
	Brand        string `json:"brand"`
	Model        string `json:"model"`
	Description  string `json:"description"`
	DeviceType   int    `json:"device_type"`
	// CatalogueNumber is the manufacturer's reference (REF on the label);
	// recalls may name products by it.
	CatalogueNumber string `json:"catalogue_number,omitempty"`
}

// TypeLabel is the label of the product's device type.
func (p Product) TypeLabel() string { return DeviceTypeLabel(p.DeviceType) }

// CheckGTIN validates a GTIN-8/12/13/14 (check digit included) and returns
// it as 14 digits, or a message for the person who typed it.
func CheckGTIN(s string) (string, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "Enter the GTIN"
	}
	g, err := gs1.NormalizeGTIN(s)
	if err != nil {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return "", "GTIN must contain only digits"
			}
		}
		switch len(s) {
		case 8, 12, 13, 14:
			return "", "GTIN check digit is wrong: check the number against the label"
		}
		return "", fmt.Sprintf("GTIN must be 8, 12, 13 or 14 digits (this has %d)", len(s))
	}
	return g, ""
}

// ValidateProduct normalises p and checks its fields. Field names are the
// CSV column names. It returns an Invalid error with per-field messages.
func ValidateProduct(p *Product) error {
	var f apperr.Fields
	g, msg := CheckGTIN(p.GTIN)
	f.Check(msg != "", "gtin", msg)
	p.GTIN = g
	p.Manufacturer, p.Brand = strings.TrimSpace(p.Manufacturer), strings.TrimSpace(p.Brand)
	p.Model, p.Description = strings.TrimSpace(p.Model), strings.TrimSpace(p.Description)
	f.Check(p.Manufacturer == "", "manufacturer", "Enter the manufacturer")
	f.Check(len(p.Manufacturer) > 200, "manufacturer", "Manufacturer must be 200 characters or fewer")
	f.Check(len(p.Brand) > 200, "brand", "Brand must be 200 characters or fewer")
	f.Check(p.Model == "", "model", "Enter the model")
	f.Check(len(p.Model) > 200, "model", "Model must be 200 characters or fewer")
	f.Check(len(p.Description) > 1000, "description", "Description must be 1000 characters or fewer")
	p.CatalogueNumber = strings.TrimSpace(p.CatalogueNumber)
	f.Check(len(p.CatalogueNumber) > MaxCatalogueNumber || p.CatalogueNumber != "" && !gs1.InCS82(p.CatalogueNumber), "catalogue_number",
		fmt.Sprintf("Catalogue number must be up to %d letters, digits and the punctuation allowed on labels", MaxCatalogueNumber))
	f.Check(DeviceTypeLabel(p.DeviceType) == "", "device_type", "Device type must be one of the LFPSE implant codes 36, 40, 89 to 96 or 100")
	return f.Err()
}

// Patient is a person who received an implant. It carries patient data:
// it logs only its id.
type Patient struct {
	ID        string           `json:"id"`
	NHSNumber nhsnumber.Number `json:"nhs_number"`
	Name      string           `json:"name"`
	BirthDate string           `json:"birth_date"` // YYYY-MM-DD
	Address   string           `json:"address"`
	Postcode  string           `json:"postcode"`
	Phone     string           `json:"phone"`
	Email     string           `json:"email"`
}

// LogValue keeps patient data out of logs.
func (p Patient) LogValue() slog.Value { return slog.GroupValue(slog.String("patient_id", p.ID)) }

// PatientInput is a patient as typed into a form or sent to the API.
type PatientInput struct {
	NHSNumber string `json:"nhs_number"`
	Name      string `json:"name"`
	BirthDate string `json:"birth_date"`
	Address   string `json:"address"`
	Postcode  string `json:"postcode"`
	Phone     string `json:"phone"`
	Email     string `json:"email"`
	// UpdateDetails is the deliberate step of changing the details on file
	// of the patient with this NHS number to these (blank fields keep what
	// is stored). Without it, details that differ from those on file stop
	// the procedure.
	UpdateDetails bool `json:"update_details,omitempty"`
}

// LogValue keeps patient data out of logs.
func (p PatientInput) LogValue() slog.Value { return slog.StringValue("[patient]") }

// ParseDate reads a YYYY-MM-DD date; a zero time and a message when it is
// not a real date.
func ParseDate(s string) (time.Time, string) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, "must be a real date in the format YYYY-MM-DD, like 2026-03-27"
	}
	return t, ""
}

// pastDate checks a required YYYY-MM-DD date that may not be after today.
// It adds missing when value is empty, label plus the format problem when it
// is not a real date, and future when it is after today; it returns the
// date and whether it was good.
func pastDate(f *apperr.Fields, field, value, missing, label, future string, today time.Time) (time.Time, bool) {
	if strings.TrimSpace(value) == "" {
		f.Add(field, missing)
		return time.Time{}, false
	}
	d, msg := ParseDate(value)
	if msg != "" {
		f.Add(field, label+" "+msg)
		return time.Time{}, false
	}
	if d.After(today) {
		f.Add(field, future)
		return time.Time{}, false
	}
	return d, true
}

// hasCode reports whether code is one of the options.
func hasCode(options []struct{ Code, Label string }, code string) bool {
	for _, o := range options {
		if o.Code == code {
			return true
		}
	}
	return false
}

// Patient validates in against today and returns the patient, or an
// Invalid error whose fields are prefixed by prefix (e.g. "patient_").
func (in PatientInput) Patient(prefix string, today time.Time) (Patient, error) {
	var f apperr.Fields
	p := Patient{Name: strings.TrimSpace(in.Name), Address: strings.TrimSpace(in.Address), Postcode: strings.ToUpper(strings.TrimSpace(in.Postcode)),
		Phone: strings.TrimSpace(in.Phone), Email: strings.TrimSpace(in.Email)}
	if strings.TrimSpace(in.NHSNumber) == "" {
		f.Add(prefix+"nhs_number", "Enter the patient's NHS number")
	} else if n, err := nhsnumber.Parse(in.NHSNumber); err != nil {
		f.Add(prefix+"nhs_number", "Enter a valid NHS number: "+strings.TrimPrefix(err.Error(), "NHS number: "))
	} else {
		p.NHSNumber = n
	}
	f.Check(p.Name == "", prefix+"name", "Enter the patient's full name")
	f.Check(len(p.Name) > 200, prefix+"name", "Name must be 200 characters or fewer")
	const notPast = "Date of birth must be in the past"
	if d, ok := pastDate(&f, prefix+"birth_date", in.BirthDate, "Enter the patient's date of birth", "Date of birth", notPast, today); ok {
		if d.Year() < 1880 {
			f.Add(prefix+"birth_date", notPast)
		} else {
			p.BirthDate = d.Format(time.DateOnly)
		}
	}
	f.Check(len(p.Address) > 500, prefix+"address", "Address must be 500 characters or fewer")
	f.Check(len(p.Postcode) > 10, prefix+"postcode", "Enter a real postcode, like LS1 4AP")
	f.Check(len(p.Phone) > 40, prefix+"phone", "Phone number must be 40 characters or fewer")
	if p.Email != "" {
		a, err := mail.ParseAddress(p.Email)
		f.Check(err != nil || a.Address != p.Email, prefix+"email", "Enter an email address in the correct format, like name@example.com")
	}
	return p, f.Err()
}

// Lateralities of a procedure.
var Lateralities = []struct{ Code, Label string }{
	{"left", "Left"}, {"right", "Right"}, {"bilateral", "Both sides"}, {"midline", "Midline"}, {"na", "Not applicable"},
}

// Procedure is an operation in which devices were implanted.
type Procedure struct {
	ID          string    `json:"id"`
	PatientID   string    `json:"patient_id"`
	PerformedOn string    `json:"performed_on"` // YYYY-MM-DD
	Site        string    `json:"site"`         // site or theatre
	Laterality  string    `json:"laterality"`
	Clinician   string    `json:"clinician"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
}

// ProcedureInput is a procedure as typed or sent to the API.
type ProcedureInput struct {
	PerformedOn string `json:"performed_on"`
	Site        string `json:"site"`
	Laterality  string `json:"laterality"`
	Clinician   string `json:"clinician"`
	Description string `json:"description"`
}

// Procedure validates in; a procedure cannot be in the future.
func (in ProcedureInput) Procedure(today time.Time) (Procedure, error) {
	var f apperr.Fields
	p := Procedure{Site: strings.TrimSpace(in.Site), Laterality: in.Laterality, Clinician: strings.TrimSpace(in.Clinician), Description: strings.TrimSpace(in.Description)}
	if d, ok := pastDate(&f, "performed_on", in.PerformedOn, "Enter the date of the procedure", "Date of the procedure",
		"Date of the procedure must be today or in the past", today); ok {
		p.PerformedOn = d.Format(time.DateOnly)
	}
	f.Check(p.Site == "", "site", "Enter the site or theatre")
	f.Check(len(p.Site) > 200, "site", "Site or theatre must be 200 characters or fewer")
	f.Check(!hasCode(Lateralities, p.Laterality), "laterality", "Select the side of the body")
	f.Check(p.Clinician == "", "clinician", "Enter the operating clinician")
	f.Check(len(p.Clinician) > 200, "clinician", "Clinician must be 200 characters or fewer")
	f.Check(p.Description == "", "description", "Describe the procedure")
	f.Check(len(p.Description) > 2000, "description", "Description must be 2000 characters or fewer")
	return p, f.Err()
}

// Entry types say how a device's identity was captured (FHIR
// Device.udiCarrier.entryType).
const (
	EntryBarcode = "barcode"
	EntryManual  = "manual"
)

// Device is the identity of one device as scanned or typed. A device is
// identified by its GTIN or, when it has none (an HIBC label, or a label
// with only a catalogue number), by its labeler or manufacturer and its
// catalogue number: see [Device.Key].
type Device struct {
	GTIN string `json:"gtin"` // 14 digits, or "" for a device without one
	// Labeler is the HIBC labeler identification code (LIC), 4 letters or
	// digits; Manufacturer is the manufacturer's name as typed, for a
	// device with neither a GTIN nor an HIBC label.
	Labeler      string `json:"labeler,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	// Catalogue is the product or catalogue number (the HIBC PCN, or the
	// REF on the label); UnitOfMeasure the HIBC unit of measure digit
	// (packaging level), "" when not known.
	Catalogue     string   `json:"catalogue,omitempty"`
	UnitOfMeasure string   `json:"unit_of_measure,omitempty"`
	Lot           string   `json:"lot"`
	Serial        string   `json:"serial"`
	Expiry        string   `json:"expiry"` // YYYY-MM-DD or ""
	Raw           string   `json:"raw"`    // the scanned string; "" for manual entry
	EntryType     string   `json:"entry_type"`
	Notes         []string `json:"notes,omitempty"` // lenient repairs made by the parser
}

// ProductKey identifies the product a device is one of: its GTIN; or, for
// a device without one, its HIBC labeler code and catalogue number; or the
// manufacturer's name and catalogue number. Exactly one form is set.
type ProductKey struct {
	GTIN         string `json:"gtin,omitempty"`
	Labeler      string `json:"labeler,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Catalogue    string `json:"catalogue,omitempty"`
}

// Key returns the identity of the device's product: the GTIN when it has
// one, else the labeler code and catalogue number, else the manufacturer
// and catalogue number.
func (d Device) Key() ProductKey {
	switch {
	case d.GTIN != "":
		return ProductKey{GTIN: d.GTIN}
	case d.Labeler != "":
		return ProductKey{Labeler: d.Labeler, Catalogue: d.Catalogue}
	}
	return ProductKey{Manufacturer: d.Manufacturer, Catalogue: d.Catalogue}
}

// String names the product for people: the GTIN, "A123/BJC5D6E7" (HIBC
// labeler code and catalogue number) or "Acme, catalogue number REF1".
func (k ProductKey) String() string {
	switch {
	case k.GTIN != "":
		return k.GTIN
	case k.Labeler != "":
		return k.Labeler + "/" + k.Catalogue
	}
	return k.Manufacturer + ", catalogue number " + k.Catalogue
}

// CheckLabeler validates an HIBC labeler identification code (LIC) and
// returns it in capitals, or a message for the person who typed it.
func CheckLabeler(s string) (string, string) {
	s = strings.ToUpper(strings.TrimSpace(s))
	ok := len(s) == 4 && s[0] >= 'A' && s[0] <= 'Z'
	for i := 0; ok && i < len(s); i++ {
		ok = isUpperAlnum(s[i])
	}
	if !ok {
		return "", "HIBC labeler code must be 4 letters or digits, the first a letter, like H123"
	}
	return s, ""
}

// CheckHIBCCatalogue validates a catalogue number that goes with an HIBC
// labeler code (the HIBC product or catalogue number, PCN) and returns it
// in capitals, or a message.
func CheckHIBCCatalogue(s string) (string, string) {
	s = strings.ToUpper(strings.TrimSpace(s))
	switch {
	case s == "":
		return "", "Enter the catalogue number"
	case len(s) > 18:
		return "", "HIBC catalogue number must be 18 characters or fewer"
	}
	for i := 0; i < len(s); i++ {
		if !isUpperAlnum(s[i]) {
			return "", "HIBC catalogue number must use only letters and digits"
		}
	}
	return s, ""
}

func isUpperAlnum(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

// MaxScan is the longest scan accepted, in bytes.
const MaxScan = 512

// ParseScan reads one scan from a keyboard-wedge scanner with the default
// scanner setting (see ParseScanWith): the data is parsed leniently by
// gs1.Parse, and text spellings of GS such as "<GS>" are data, not
// separators. Field "barcode" carries the message of an
// Invalid error. A GS1 barcode without a GTIN is refused with a message
// pointing to manual entry. An HIBC label gives a device without a GTIN,
// identified by labeler code and catalogue number; one of a pair of HIBC
// labels on its own (the product code, or the lot and expiry) is refused:
// read the pair with ParseHIBCPair.
func ParseScan(raw string, now time.Time) (Device, error) {
	return ParseScanWith(raw, now, ScanOptions{})
}

// ParseScanWith is ParseScan with the scanner setting o.
func ParseScanWith(raw string, now time.Time, o ScanOptions) (Device, error) {
	data, r, err := parseScan(raw, now, o)
	if err != nil {
		return Device{}, err
	}
	if r.HIBC != nil {
		h := r.HIBC
		switch {
		case h.HasPrimary && !h.HasSecondary:
			return badScan("This HIBC label has only the product code: scan its second HIBC label (lot, serial number or expiry) with it, or enter the details by hand")
		case !h.HasPrimary:
			return badScan("This HIBC label has the lot, serial number or expiry but no product code: scan the HIBC label with the product code first, or enter the details by hand")
		}
		return hibcDevice(h, data), nil
	}
	if r.GTIN == "" {
		return badScan("The barcode has no GTIN (AI 01); scan the GS1 barcode on the label, or enter the details by hand")
	}
	d := Device{GTIN: r.GTIN, Lot: r.Lot, Serial: r.Serial, Expiry: r.ExpiryISO(), Raw: data, EntryType: EntryBarcode, Notes: r.Notes}
	if d.Expiry == "" && !r.ExpiryTime.IsZero() {
		d.Expiry = r.ExpiryTime.Format(time.DateOnly)
	}
	return d, nil
}

func badScan(msg string) (Device, error) {
	return Device{}, &apperr.Error{Kind: apperr.Invalid, Message: "The barcode could not be read", Fields: map[string]string{"barcode": msg}}
}

// parseScan parses one scan. A barcode that cannot be read is an Invalid
// error whose barcode message is gs1.Message's plain words; it wraps the
// gs1 error, so that ScanReadings can offer the readings of an ambiguous
// one.
func parseScan(raw string, now time.Time, o ScanOptions) (string, *gs1.Result, error) {
	data := strings.TrimSpace(raw)
	if data == "" {
		_, err := badScan("Scan the barcode on the device label, or enter the details by hand")
		return "", nil, err
	}
	if len(data) > MaxScan {
		_, err := badScan(fmt.Sprintf("The scan is too long (%d characters); scan one barcode at a time", len(data)))
		return "", nil, err
	}
	r, err := gs1.Parse(data, gs1.Options{Lenient: true, TextGS: o.TextGS, Now: now})
	if err != nil {
		return "", nil, &apperr.Error{Kind: apperr.Invalid, Message: "The barcode could not be read", Fields: map[string]string{"barcode": gs1.Message(err)}, Err: err}
	}
	return data, r, nil
}

// hibcDevice is the device of HIBC data holding primary and secondary data.
func hibcDevice(h *gs1.HIBC, raw string) Device {
	d := Device{Labeler: h.Labeler, Catalogue: h.Product, UnitOfMeasure: strconv.Itoa(h.UnitOfMeasure),
		Lot: h.Lot, Serial: h.Serial, Raw: raw, EntryType: EntryBarcode, Notes: h.Notes}
	if !h.Expiry.IsZero() {
		d.Expiry = h.Expiry.Format(time.DateOnly)
	}
	return d
}

// ParseHIBCPair reads a device from its two HIBC labels scanned one after
// the other: the primary label (labeler code, catalogue number, unit of
// measure) and the secondary label (lot or serial number, expiry), whose
// link character must be the primary's check character. Raw is the two
// scans separated by a space. Invalid with field "barcode" otherwise.
func ParseHIBCPair(primary, secondary string, now time.Time) (Device, error) {
	pd, pr, err := parseScan(primary, now, ScanOptions{})
	if err != nil {
		return Device{}, err
	}
	sd, sr, err := parseScan(secondary, now, ScanOptions{})
	if err != nil {
		return Device{}, err
	}
	if pr.HIBC == nil || sr.HIBC == nil {
		return badScan("Both barcodes must be HIBC labels (starting with +): the label with the product code, then the one with the lot or serial number")
	}
	if !pr.HIBC.HasPrimary || pr.HIBC.HasSecondary {
		return badScan("Scan the HIBC label with the product code first, then the one with the lot or serial number")
	}
	h, err := gs1.JoinHIBC(pr.HIBC, sr.HIBC)
	if err != nil {
		return badScan("These two HIBC labels do not belong together: " + err.Error())
	}
	return hibcDevice(h, pd+" "+sd), nil
}

// ManualInput is a device typed by hand when there is no readable barcode.
// A device without a GTIN is entered by its manufacturer (or HIBC labeler
// code) and catalogue number.
type ManualInput struct {
	GTIN         string `json:"gtin"`
	Labeler      string `json:"labeler"`
	Manufacturer string `json:"manufacturer"`
	Catalogue    string `json:"catalogue"`
	Lot          string `json:"lot"`
	Serial       string `json:"serial"`
	Expiry       string `json:"expiry"`
}

// Device validates a manual entry: the GTIN check digit, or, without a
// GTIN, a catalogue number with an HIBC labeler code or a manufacturer;
// GS1 characters in lot and serial (at most 20), and a real expiry date.
// A catalogue number typed with a GTIN is kept with it. Invalid with
// fields gtin, labeler, manufacturer, catalogue, lot, serial and expiry.
func (in ManualInput) Device() (Device, error) {
	var f apperr.Fields
	d := Device{Lot: strings.TrimSpace(in.Lot), Serial: strings.TrimSpace(in.Serial), EntryType: EntryManual,
		Manufacturer: strings.TrimSpace(in.Manufacturer), Catalogue: strings.TrimSpace(in.Catalogue)}
	labeler := strings.TrimSpace(in.Labeler)
	if strings.TrimSpace(in.GTIN) != "" || (labeler == "" && d.Manufacturer == "" && d.Catalogue == "") {
		g, msg := CheckGTIN(in.GTIN)
		if msg == "Enter the GTIN" {
			msg = "Enter the GTIN, or the manufacturer and catalogue number if the label has no GTIN"
		}
		f.Check(msg != "", "gtin", msg)
		d.GTIN = g
	} else {
		f.Check(labeler == "" && d.Manufacturer == "", "manufacturer", "Enter the manufacturer or its HIBC labeler code")
		f.Check(d.Catalogue == "", "catalogue", "Enter the catalogue number")
	}
	if labeler != "" {
		l, msg := CheckLabeler(labeler)
		f.Check(msg != "", "labeler", msg)
		d.Labeler = l
		if d.Catalogue != "" {
			c, msg := CheckHIBCCatalogue(d.Catalogue)
			f.Check(msg != "", "catalogue", msg)
			d.Catalogue = c
		}
	} else if d.Catalogue != "" {
		f.Check(len(d.Catalogue) > 40, "catalogue", "Catalogue number must be 40 characters or fewer")
		f.Check(!gs1.InCS82(d.Catalogue), "catalogue", "Catalogue number must use only letters, digits and the punctuation allowed on GS1 labels")
	}
	f.Check(len(d.Manufacturer) > 200, "manufacturer", "Manufacturer must be 200 characters or fewer")
	checkX := func(field, label, v string) {
		f.Check(len(v) > 20, field, label+" must be 20 characters or fewer")
		f.Check(v != "" && !gs1.InCS82(v), field, label+" must use only letters, digits and the punctuation allowed on GS1 labels")
	}
	checkX("lot", "Lot", d.Lot)
	checkX("serial", "Serial number", d.Serial)
	f.Check(d.Lot == "" && d.Serial == "", "lot", "Enter the lot or the serial number (or both)")
	if e := strings.TrimSpace(in.Expiry); e != "" {
		if t, msg := ParseDate(e); msg != "" {
			f.Add("expiry", "Expiry date "+msg)
		} else {
			d.Expiry = t.Format(time.DateOnly)
		}
	}
	return d, f.Err()
}

// Expired reports whether a device with this expiry is past it on day today
// (clock.Today of the store's clock).
func Expired(expiry string, today time.Time) bool {
	return expiry != "" && expiry < today.Format(time.DateOnly)
}

// Explant outcomes for a device.
type ExplantInput struct {
	Date   string `json:"date"`
	Reason string `json:"reason"`
}

// Validate checks an explant: a real date not in the future, not before the
// procedure, and a reason.
func (in ExplantInput) Validate(implantedOn string, today time.Time) (string, string, error) {
	var f apperr.Fields
	date := ""
	if d, ok := pastDate(&f, "explant_date", in.Date, "Enter the date the device was removed", "Date of removal",
		"Date of removal must be today or in the past", today); ok {
		if date = d.Format(time.DateOnly); date < implantedOn {
			f.Add("explant_date", "Date of removal must be on or after the date it was implanted")
		}
	}
	reason := strings.TrimSpace(in.Reason)
	f.Check(reason == "", "explant_reason", "Enter why the device was removed")
	f.Check(len(reason) > 1000, "explant_reason", "Reason must be 1000 characters or fewer")
	return date, reason, f.Err()
}
