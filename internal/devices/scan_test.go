package devices

import (
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

// Text spellings of GS are data unless the scanner setting says otherwise.
func TestParseScanTextGS(t *testing.T) {
	in := "0109521234543213172612311" + "0ABC<GS>X"
	d, err := ParseScan(in, now)
	if err != nil || d.Lot != "ABC<GS>X" {
		t.Errorf("ParseScan(%q) default = %+v, %v; want lot ABC<GS>X", in, d, err)
	}
	for _, in := range []string{"0109521234543213172612311" + "0ABC123<GS>21SN001", "0109521234543213172612311" + "0ABC123{GS}21SN001", `0109521234543213172612311` + `0ABC123\x1d21SN001`} {
		d, err = ParseScanWith(in, now, ScanOptions{TextGS: true})
		if err != nil || d.Lot != "ABC123" || d.Serial != "SN001" {
			t.Errorf("ParseScanWith(%q, TextGS) = %+v, %v; want lot ABC123 serial SN001", in, d, err)
		}
	}
}

// Scan errors are in plain words, said once.
func TestParseScanMessages(t *testing.T) {
	for in, want := range map[string]string{
		"0109521234543214":            "fails its check digit",
		"01095212345432131726133110A": "not a real date",
	} {
		_, err := ParseScan(in, now)
		msg := apperr.FieldsOf(err)["barcode"]
		if !strings.Contains(msg, want) || strings.Contains(msg, "position") || strings.Contains(msg, "AI (") {
			t.Errorf("ParseScan(%q) message %q, want plain words containing %q", in, msg, want)
		}
	}
}

// An ambiguous reading offers its candidates; the chosen one is read
// strictly, and only one of the scan's own readings is accepted.
func TestParseReading(t *testing.T) {
	raw := "010952123454321310ABC12317261231"
	_, err := ParseScan(raw, now)
	rs := ScanReadings(err)
	if !apperr.Is(err, apperr.Invalid) || len(rs) < 2 {
		t.Fatalf("ParseScan(%q) = %v with %d readings, want an Invalid error with at least 2", raw, err, len(rs))
	}
	var pick Reading
	for _, r := range rs {
		if r.Lot == "ABC123" {
			pick = r
		}
	}
	if pick.Expiry != "2026-12-31" {
		t.Fatalf("readings %+v: none with lot ABC123 and expiry 2026-12-31", rs)
	}
	d, err := ParseReading(raw, pick.ElementString, now, ScanOptions{})
	if err != nil || d.Lot != "ABC123" || d.Expiry != "2026-12-31" || d.GTIN != "09521234543213" || d.Raw != raw {
		t.Errorf("ParseReading = %+v, %v", d, err)
	}
	if _, err := ParseReading(raw, "0109521234543213\x1d10OTHER", now, ScanOptions{}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("ParseReading with a reading not of the scan = %v, want Invalid", err)
	}
}
