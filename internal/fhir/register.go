package fhir

import (
	"strconv"
	"time"

	"github.com/clinsafe/clinsafe/gs1"
)

// Implant is one device of the implant register, as the mapping needs
// it (devicesdb builds it from an ImplantRecord).
type Implant struct {
	ID, ProcedureID, PatientID string
	// GTIN, or Labeler (HIBC) and Catalogue, identify the product.
	GTIN, Labeler, Catalogue, UnitOfMeasure string
	Lot, Serial, Expiry                     string
	// Raw is the barcode as scanned ("" when typed); EntryType barcode or
	// manual.
	Raw, EntryType string
	// Manufacturer, Brand and Model come from the catalogue (or, for a
	// device without a GTIN, as typed); DeviceType is the LFPSE device
	// type code (0 when not known).
	Manufacturer, Brand, Model string
	DeviceType                 int
	DeviceTypeLabel            string
	ExplantedOn, ExplantReason string
	CreatedAt                  time.Time
}

// RegisterPatient is a patient of the implant register: only what a
// Patient resource carries (NHS number, name, date of birth).
type RegisterPatient struct {
	ID, NHSNumber, Name, BirthDate string
	CreatedAt                      time.Time
}

// RegisterProcedure is an implant procedure of the register.
type RegisterProcedure struct {
	ID, PatientID, PerformedOn, Site, Laterality, LateralityLabel, Clinician, Description string
	ImplantIDs                                                                            []string
	CreatedAt                                                                             time.Time
}

// DeviceTypeSystem is the code system of the LFPSE device types.
func (c Config) DeviceTypeSystem() string {
	return slash(c.CodeSystemBase) + "device-type-" + c.TaxonomyVersion
}

func registerMeta(created time.Time) *Meta {
	if created.IsZero() {
		return nil
	}
	// Register rows are not versioned here: version 1, as created.
	return &Meta{VersionID: "1", LastUpdated: instant(created)}
}

// DeviceFromImplant maps an implant of the register to a Device: the
// barcode as scanned in udiCarrier.carrierHRF with the device identifier
// parsed from it, and its production identifiers (lot, serial, expiry
// and, when the barcode gives it, the date of manufacture).
func DeviceFromImplant(cfg Config, im Implant) Device {
	d := Device{ResourceType: "Device", ID: im.ID, Meta: registerMeta(im.CreatedAt),
		Identifier: []Identifier{{System: cfg.ImplantSystem(), Value: im.ID}},
		Status:     "active", Manufacturer: im.Manufacturer, LotNumber: im.Lot, SerialNumber: im.Serial,
		ExpirationDate: im.Expiry, ModelNumber: im.Model, PartNumber: im.Catalogue}
	switch {
	case im.Raw != "":
		u := CarrierOf(im.Raw)
		if u.DeviceIdentifier == "" && im.GTIN != "" {
			u.DeviceIdentifier, u.Issuer = im.GTIN, IssuerGS1
		}
		d.UDICarrier = []UDICarrier{u}
		if r, err := gs1.Parse(im.Raw, gs1.Options{Lenient: true, TextGS: true}); err == nil && r != nil {
			d.ManufactureDate = r.ProductionDateISO()
		}
	case im.GTIN != "":
		d.UDICarrier = []UDICarrier{{DeviceIdentifier: im.GTIN, Issuer: IssuerGS1, EntryType: "manual"}}
	case im.Labeler != "" && im.Catalogue != "":
		d.UDICarrier = []UDICarrier{{DeviceIdentifier: im.Labeler + im.Catalogue + im.UnitOfMeasure, Issuer: IssuerHIBC, EntryType: "manual"}}
	}
	if im.Brand != "" {
		d.DeviceName = append(d.DeviceName, DeviceName{Name: im.Brand, Type: "user-friendly-name"})
	}
	if im.Model != "" {
		d.DeviceName = append(d.DeviceName, DeviceName{Name: im.Model, Type: "model-name"})
	}
	if im.DeviceType != 0 {
		d.Type = &CodeableConcept{Coding: []Coding{{System: cfg.DeviceTypeSystem(), Code: strconv.Itoa(im.DeviceType), Display: im.DeviceTypeLabel}}}
	}
	if im.PatientID != "" {
		d.Patient = &Reference{Reference: "Patient/" + im.PatientID}
	}
	if im.ExplantedOn != "" {
		d.Status = "inactive"
		note := "Explanted on " + im.ExplantedOn
		if im.ExplantReason != "" {
			note += ": " + im.ExplantReason
		}
		d.Note = []Annotation{{Text: note}}
	}
	return d
}

// PatientFromRegister maps a patient of the implant register.
func PatientFromRegister(cfg Config, p RegisterPatient) Patient {
	out := Patient{ResourceType: "Patient", ID: p.ID, Meta: registerMeta(p.CreatedAt),
		Identifier: []Identifier{{System: cfg.PatientSystem(), Value: p.ID}}, BirthDate: p.BirthDate}
	if p.NHSNumber != "" {
		out.Identifier = append([]Identifier{{System: NHSNumberSystem, Value: p.NHSNumber}}, out.Identifier...)
	}
	if p.Name != "" {
		out.Name = []HumanName{{Text: p.Name}}
	}
	return out
}

// ProcedureFromRegister maps an implant procedure.
func ProcedureFromRegister(cfg Config, p RegisterProcedure) Procedure {
	out := Procedure{ResourceType: "Procedure", ID: p.ID, Meta: registerMeta(p.CreatedAt), Status: "completed",
		Subject: Reference{Reference: "Patient/" + p.PatientID}, PerformedDateTime: p.PerformedOn}
	if p.Description != "" {
		out.Code = &CodeableConcept{Text: p.Description}
	}
	if p.Clinician != "" {
		out.Performer = []ProcPerformer{{Actor: Reference{Display: p.Clinician}}}
	}
	if p.Site != "" {
		out.Location = &Reference{Display: p.Site}
	}
	if p.LateralityLabel != "" && p.Laterality != "na" {
		out.BodySite = []CodeableConcept{{Text: p.LateralityLabel}}
	}
	for _, id := range p.ImplantIDs {
		out.FocalDevice = append(out.FocalDevice, FocalDevice{Action: &CodeableConcept{Text: "Implanted"}, Manipulated: Reference{Reference: "Device/" + id}})
	}
	return out
}
