package fhir

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/fhir/fhirtest"
)

func TestGoldenRegister(t *testing.T) {
	cfg := DefaultConfig()
	at := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	cases := map[string]Resource{
		"device-register": DeviceFromImplant(cfg, Implant{ID: "a1b2c3d4-0000-4000-8000-000000000001", ProcedureID: "p1", PatientID: "a1b2c3d4-0000-4000-8000-0000000000aa",
			GTIN: "09521234543213", Lot: "LOT42", Serial: "SN0001", Expiry: "2028-12-31", Raw: "(01)09521234543213(11)260115(17)281231(10)LOT42(21)SN0001",
			EntryType: "barcode", Manufacturer: "Acme Orthopaedics", Brand: "Acme Hip", Model: "Stem 12", DeviceType: 89,
			DeviceTypeLabel: "Orthopaedic implants (such as hip and knee)", CreatedAt: at}),
		"device-explanted": DeviceFromImplant(cfg, Implant{ID: "a1b2c3d4-0000-4000-8000-000000000002", PatientID: "a1b2c3d4-0000-4000-8000-0000000000aa",
			Labeler: "A123", Catalogue: "PCN9", UnitOfMeasure: "0", Lot: "L7", EntryType: "manual", Manufacturer: "Beta Devices",
			ExplantedOn: "2026-09-01", ExplantReason: "Infection", CreatedAt: at}),
		"patient-register": PatientFromRegister(cfg, RegisterPatient{ID: "a1b2c3d4-0000-4000-8000-0000000000aa", NHSNumber: "9434765919", Name: "Alex Example", BirthDate: "1950-04-02", CreatedAt: at}),
		"procedure-register": ProcedureFromRegister(cfg, RegisterProcedure{ID: "a1b2c3d4-0000-4000-8000-0000000000bb", PatientID: "a1b2c3d4-0000-4000-8000-0000000000aa",
			PerformedOn: "2026-05-30", Site: "Theatre 2", Laterality: "left", LateralityLabel: "Left", Clinician: "Ms Jones", Description: "Left total hip replacement",
			ImplantIDs: []string{"a1b2c3d4-0000-4000-8000-000000000001"}, CreatedAt: at}),
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", name+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs; run go test -update and review the diff\n%s", golden, got)
			}
			fhirtest.Validate(t, got)
			// What the server emits, it reads back strictly.
			if _, err := DecodeResource(got); err != nil {
				t.Errorf("decode own %s: %v", name, err)
			}
		})
	}
}
