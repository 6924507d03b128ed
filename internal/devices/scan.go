package devices

import (
	"time"

	"github.com/clinsafe/clinsafe/gs1"
	"github.com/clinsafe/clinsafe/internal/apperr"
)

// ScanOptions are the settings of the scanner a scan comes from.
type ScanOptions struct {
	// TextGS reads the text spellings of the GS separator ("<GS>", "{GS}",
	// "\x1d" typed as four characters ...) as the separator, for a scanner
	// known to send them. Off by default: "<GS>" is also valid data in a
	// lot or serial number.
	TextGS bool
}

// Reading is one way of reading an ambiguous scan, for the practitioner
// to compare with the label: its element string (posted back to choose
// it, see ParseReading) and what it gives.
type Reading struct {
	ElementString string
	GTIN          string
	Lot           string
	Serial        string
	Expiry        string // YYYY-MM-DD or ""
}

// ScanReadings returns the readings of a scan that ParseScan refused as
// ambiguous (a missing separator makes more than one reading plausible),
// or nil for any other error.
func ScanReadings(err error) []Reading {
	var out []Reading
	for _, c := range gs1.Candidates(err) {
		out = append(out, Reading{ElementString: c.ElementString(), GTIN: c.GTIN, Lot: c.Lot, Serial: c.Serial, Expiry: c.ExpiryISO()})
	}
	return out
}

// ParseReading reads the reading a practitioner chose for the ambiguous
// scan raw: es, the chosen Reading's ElementString, parsed strictly. It
// must be one of raw's readings. Invalid with field "barcode" otherwise.
func ParseReading(raw, es string, now time.Time, o ScanOptions) (Device, error) {
	_, err := ParseScanWith(raw, now, o)
	ok := false
	for _, c := range ScanReadings(err) {
		ok = ok || c.ElementString == es
	}
	if !ok {
		return badScan("The reading chosen is not one of this barcode's readings. Scan the device again.")
	}
	r, err := gs1.ParseElementString(es, gs1.Options{Now: now})
	if err != nil {
		return Device{}, &apperr.Error{Kind: apperr.Invalid, Message: "The barcode could not be read", Fields: map[string]string{"barcode": gs1.Message(err)}, Err: err}
	}
	if r.GTIN == "" {
		return badScan("The reading chosen has no GTIN (AI 01); scan the GS1 barcode on the label, or enter the details by hand")
	}
	return Device{GTIN: r.GTIN, Lot: r.Lot, Serial: r.Serial, Expiry: r.ExpiryISO(), Raw: raw, EntryType: EntryBarcode,
		Notes: append(r.Notes, "the scanner left out a separator; the reading was chosen by the person scanning")}, nil
}

// HIBCPrimary reports whether raw is an HIBC primary label on its own (the
// labeler code, catalogue number and unit of measure, with no lot, serial
// number or expiry) and returns the device it names. Many HIBC implants
// carry their data on two labels: the scan page keeps the primary until
// the secondary is scanned (ParseHIBCPair), or adds it without one.
func HIBCPrimary(raw string, now time.Time) (Device, bool) {
	data, r, err := parseScan(raw, now, ScanOptions{})
	if err != nil || r.HIBC == nil || !r.HIBC.HasPrimary || r.HIBC.HasSecondary {
		return Device{}, false
	}
	d := hibcDevice(r.HIBC, data)
	d.Notes = append(d.Notes, "only the HIBC label with the product code was scanned: no lot, serial number or expiry was read")
	return d, true
}

// HIBCSecondary reports whether raw is an HIBC secondary label on its own
// (lot, serial number or expiry, and the link character of its primary).
func HIBCSecondary(raw string, now time.Time) bool {
	_, r, err := parseScan(raw, now, ScanOptions{})
	return err == nil && r.HIBC != nil && !r.HIBC.HasPrimary && r.HIBC.HasSecondary && r.HIBC.Link != 0
}
