package gs1_test

import (
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
	fmt.Println(err)
	// Output:
	// position 18: AI (01): check digit is 4, want 3
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
