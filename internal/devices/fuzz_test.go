package devices

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParseCatalogueCSV(f *testing.F) {
	f.Add("gtin,manufacturer,brand,model,description,device_type\n09521234543213,Acme,S,H1,Hip,89\n")
	f.Add("gtin,manufacturer,model,device_type\n1,2,3\n\"a\"b,")
	f.Add("\ufeffGTIN,MODEL\n")
	f.Add("gtin,manufacturer,model,device_type" + strings.Repeat(",x", 40) + "\n")
	f.Add("gtin,manufacturer,model,device_type\n" + strings.Repeat("1,,,\n", 60))
	f.Add("gtin,manufacturer,model,device_type\n09521234543213,Caf\xe9,H\x001,89\n")
	f.Fuzz(func(t *testing.T, in string) {
		ps, err := ParseCatalogueCSV(strings.NewReader(in))
		var rows RowErrors
		if errors.As(err, &rows) && len(rows) > maxReported+1 {
			t.Fatalf("listed %d problems, want at most %d and a count", len(rows), maxReported+1)
		}
		if err == nil {
			for _, p := range ps {
				for _, v := range []string{p.Manufacturer, p.Brand, p.Model, p.Description} {
					if badCell(v) != "" {
						t.Fatalf("accepted text that cannot be stored: %q", v)
					}
				}
				q := p
				if ValidateProduct(&q) != nil || q != p {
					t.Fatalf("accepted an invalid product %+v", p)
				}
			}
		}
	})
}

func FuzzParseAffects(f *testing.F) {
	f.Add("09521234543213 lots A1, A2\n09521234543213 lots from A100 to A199")
	f.Add("09521234543213 expiry from 2026-01-01 to 2026-06-30\n09521234543213 serials S1")
	f.Add("9521234543213 all\n#x\n\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		rules, err := ParseAffects(in)
		if err != nil {
			return
		}
		// What is accepted survives a round trip unchanged.
		again, err := ParseAffects(FormatAffects(rules))
		if err != nil || FormatAffects(again) != FormatAffects(rules) {
			t.Fatalf("round trip of %q: %v\n%s\n%s", in, err, FormatAffects(rules), FormatAffects(again))
		}
	})
}

func FuzzParseScan(f *testing.F) {
	f.Add("]d20109521234543213172612311" + "0ABC<GS>21S")
	f.Add("(01)09521234543213(10)A")
	f.Add("+A99912341/$$52001510X3")
	f.Add("+A123BJC5D6E71/$+123456780")
	f.Add("+A123BJC5D6E71/$$+3261231SER1Y")
	f.Fuzz(func(t *testing.T, in string) {
		d, err := ParseScan(in, now)
		if err != nil {
			return
		}
		// A device is identified by a GTIN, or by an HIBC labeler code and
		// catalogue number, never by neither.
		gs1OK := len(d.GTIN) == 14 && d.Labeler == "" && d.Catalogue == ""
		_, lmsg := CheckLabeler(d.Labeler)
		_, cmsg := CheckHIBCCatalogue(d.Catalogue)
		hibcOK := d.GTIN == "" && lmsg == "" && cmsg == "" && len(d.UnitOfMeasure) == 1
		if !(gs1OK || hibcOK) || d.EntryType != EntryBarcode || d.Raw == "" {
			t.Fatalf("ParseScan(%q) = %+v", in, d)
		}
	})
}
