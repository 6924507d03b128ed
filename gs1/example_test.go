package gs1_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/clinsafe/clinsafe/gs1"
)

func ExampleParse() {
	// A GS1 DataMatrix as a scanner sends it: symbology identifier ]d2,
	// GTIN, expiry, lot, GS (ASCII 29), serial number.
	scan := "]d2" + "0109521234543213" + "17261231" + "10ABC123" + "\x1d" + "21SN001"
	r, err := gs1.Parse(scan, gs1.Options{Now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.GTIN, r.Lot, r.Serial, r.ExpiryISO())
	fmt.Println(r.HRI())
	fmt.Println(r.DigitalLink("id.example.com"))
	// Output:
	// 09521234543213 ABC123 SN001 2026-12-31
	// (01)09521234543213(17)261231(10)ABC123(21)SN001
	// https://id.example.com/01/09521234543213/10/ABC123/21/SN001?17=261231
}

func ExampleParse_error() {
	_, err := gs1.Parse("(01)09521234543214(17)261231", gs1.Options{})
	// For the person at the scanner:
	fmt.Println(gs1.Message(err))
	// For the log:
	fmt.Println(err)
	// Output:
	// The product code (GTIN) fails its check digit: the barcode may be damaged or mistyped. Scan again or type it from the label.
	// position 18: AI (01): check digit is 4, want 3
}

func ExampleParse_ambiguous() {
	// GTIN, then "10ABC12317261231" with no GS anywhere: a lot
	// "ABC12317261231", or a lot "ABC123" whose GS the scanner dropped
	// before the expiry date 17261231. Only the label can say which.
	scan := "0109521234543213" + "10ABC12317261231"
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	_, err := gs1.Parse(scan, gs1.Options{Now: now, Lenient: true})
	var pe *gs1.ParseError
	if errors.As(err, &pe) && pe.Kind == gs1.KindAmbiguous {
		fmt.Println(pe.Message())
		for _, c := range pe.Candidates {
			// Show each reading; submit the chosen one's ElementString(),
			// which parses strictly to that reading alone.
			fmt.Printf("lot %s, expiry %q: %s\n", c.Lot, c.ExpiryISO(), c.HRI())
		}
	}
	// Output:
	// The scanner left out a separator, so this barcode can be read in more than one way. Choose the reading that matches the label.
	// lot ABC12317261231, expiry "": (01)09521234543213(10)ABC12317261231
	// lot ABC123, expiry "2026-12-31": (01)09521234543213(10)ABC123(17)261231
}

func ExampleParse_lenient() {
	// The scanner dropped the GS after a 20-character lot.
	scan := "0109521234543213" + "10ABCDEFGHIJKLMNOPQRST" + "17261231"
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if _, err := gs1.Parse(scan, gs1.Options{Now: now}); err != nil {
		fmt.Println("strict:", err)
	}
	r, _ := gs1.Parse(scan, gs1.Options{Now: now, Lenient: true})
	fmt.Println(r.Lot, r.ExpiryISO(), r.Recovered)
	fmt.Println(r.Notes[0])
	// Output:
	// strict: position 19: AI (10): value has 28 characters, at most 20 allowed
	// ABCDEFGHIJKLMNOPQRST 2026-12-31 true
	// AI (10): GS missing after the value; split at position 39, before (17)
}

func ExampleParseHIBC() {
	h, err := gs1.ParseHIBC("+A123BJC5D6E71/$$3261231LOT123H", gs1.Options{Now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(h.Labeler, h.Product, h.UnitOfMeasure, h.Lot, h.Expiry.Format(time.DateOnly))
	// Output:
	// A123 BJC5D6E7 1 LOT123 2026-12-31
}
