package demo

import (
	"context"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"iter"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/clinsafe/clinsafe/gs1"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/nhsnumber"
)

// DemoProcedures is the number of implant procedures in the demo register.
const DemoProcedures = 3000

// DemoRecall is the reference of the demo's open recall.
const DemoRecall = "FSN-DEMO-2026-014"

// demoProduct is a product of the demo catalogue. Every manufacturer and
// brand is invented; the GTINs use the 50999 prefix, which no real company
// holds in this data set, and carry valid check digits.
type demoProduct struct {
	item                             int
	manufacturer, brand, model, desc string
	deviceType                       int
	lotPrefix                        string
	serialised                       bool
}

var demoProducts = []demoProduct{
	{1, "Northwind Orthopaedics (fictional)", "Meridia", "Hip stem size 3", "Cementless femoral stem", 89, "HS", true},
	{2, "Northwind Orthopaedics (fictional)", "Meridia", "Hip stem size 4", "Cementless femoral stem", 89, "HS", true},
	{3, "Northwind Orthopaedics (fictional)", "Meridia", "Acetabular cup 52 mm", "Porous-coated shell", 89, "AC", true},
	{4, "Northwind Orthopaedics (fictional)", "Meridia", "Liner 52 mm", "Highly cross-linked polyethylene liner", 89, "LN", false},
	{5, "Northwind Orthopaedics (fictional)", "Arcus", "Knee femoral component size C", "Cemented femoral component", 89, "KF", true},
	{6, "Northwind Orthopaedics (fictional)", "Arcus", "Tibial tray size 3", "Cemented tibial tray", 89, "KT", true},
	{7, "Northwind Orthopaedics (fictional)", "Arcus", "Tibial insert 10 mm", "Polyethylene bearing", 89, "KI", false},
	{8, "Brightmoor Medical (fictional)", "Osteobond", "Bone cement 40 g", "Radiopaque bone cement with gentamicin", 95, "BC", false},
	{9, "Halcyon Cardio (fictional)", "Vantage", "Pacemaker DR", "Dual-chamber pacemaker", 94, "PM", true},
	{10, "Halcyon Cardio (fictional)", "Vantage", "Pacing lead 52 cm", "Active-fixation pacing lead", 94, "PL", true},
	{11, "Halcyon Cardio (fictional)", "Sentry", "ICD VR", "Single-chamber implantable defibrillator", 94, "ID", true},
	{12, "Halcyon Cardio (fictional)", "Flowline", "Coronary stent 3.0 x 18 mm", "Drug-eluting coronary stent", 93, "CS", false},
	{13, "Halcyon Cardio (fictional)", "Flowline", "Coronary stent 3.5 x 23 mm", "Drug-eluting coronary stent", 93, "CS", false},
	{14, "Kestrel Surgical (fictional)", "Softform", "Breast implant 350 cc", "Round textured silicone implant", 36, "BI", true},
	{15, "Kestrel Surgical (fictional)", "Weave", "Hernia mesh 15 x 15 cm", "Lightweight polypropylene mesh", 40, "HM", false},
	{16, "Kestrel Surgical (fictional)", "Weave", "Sling tape", "Mid-urethral sling", 92, "ST", false},
	{17, "Larkspur Neuro (fictional)", "Pulsar", "Neurostimulator", "Rechargeable spinal cord stimulator", 91, "NS", true},
	{18, "Larkspur Neuro (fictional)", "Shunt", "Programmable valve", "CSF shunt valve", 91, "SV", true},
	{19, "Brightmoor Medical (fictional)", "Gastra", "Gastric band", "Adjustable gastric band", 90, "GB", true},
	{20, "Brightmoor Medical (fictional)", "Cochlea", "Cochlear implant", "Cochlear implant receiver-stimulator", 96, "CI", true},
}

// demoGTIN returns the GTIN-14 of demo item n.
func demoGTIN(n int) string {
	data := fmt.Sprintf("0509999%06d", n)
	c, _ := gs1.CheckDigit(data)
	return data + string(c)
}

// demoKits are the combinations implanted together, by product item.
var demoKits = []struct {
	items      []int
	desc, site string
}{
	{[]int{1, 3, 4, 8}, "Total hip replacement", "Orthopaedic theatre 1"},
	{[]int{2, 3, 4}, "Total hip replacement (cementless)", "Orthopaedic theatre 2"},
	{[]int{5, 6, 7, 8}, "Total knee replacement", "Orthopaedic theatre 1"},
	{[]int{9, 10, 10}, "Dual-chamber pacemaker implant", "Cardiac catheter lab"},
	{[]int{11, 10}, "Implantable defibrillator", "Cardiac catheter lab"},
	{[]int{12}, "Coronary angioplasty and stent", "Cardiac catheter lab"},
	{[]int{12, 13}, "Coronary angioplasty, two stents", "Cardiac catheter lab"},
	{[]int{14, 14}, "Breast reconstruction", "Plastics theatre"},
	{[]int{15}, "Inguinal hernia repair", "Day surgery theatre"},
	{[]int{16}, "Mid-urethral sling", "Gynaecology theatre"},
	{[]int{17}, "Spinal cord stimulator implant", "Neurosurgery theatre"},
	{[]int{18}, "Ventriculoperitoneal shunt", "Neurosurgery theatre"},
	{[]int{19}, "Gastric band", "General surgery theatre"},
	{[]int{20}, "Cochlear implant", "ENT theatre"},
}

var (
	demoFirst = []string{"Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Grace", "Freya", "Florence", "Noah", "Oliver", "George", "Arthur", "Leo", "Muhammad", "Harry", "Oscar", "Archie", "Henry",
		"Margaret", "Patricia", "Susan", "Jean", "Brian", "Keith", "Derek", "Graham", "Aisha", "Priya", "Tomasz", "Siobhan", "Rhys", "Eilidh", "Kwame", "Mei"}
	demoLast = []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
		"Wood", "Jackson", "Clarke", "Khan", "Hughes", "Edwards", "Ahmed", "Murphy", "Kowalski", "O'Brien", "Okoro", "Chen"}
	demoSurgeons = []string{"Ms R Achebe", "Mr D Fenwick", "Dr S Mistry", "Miss L Harding", "Mr J Oduya", "Dr E Lindqvist", "Ms K Bhatt"}
	demoStreets  = []string{"Mill Lane", "Church Street", "Station Road", "Victoria Road", "Park Avenue", "The Green", "Queens Road", "Orchard Close"}
)

// demoNHSNumbers returns n valid NHS numbers from the never-issued test
// range 999 000 0000 to 999 999 9999 (at most about 900,000).
func demoNHSNumbers(n int) []string {
	out := make([]string, 0, n)
	for k := 0; len(out) < n && k < 1000000; k++ {
		nine := fmt.Sprintf("999%06d", k)
		if c, ok, err := nhsnumber.CheckDigit(nine); err == nil && ok {
			out = append(out, nine+string(c))
		}
	}
	return out
}

// ImplantRecords yields deterministic demo procedures holding n devices in
// all, for the demo and for benchmarks ("clinsafe demo -implants N").
// Patients come from the NHS number test range; with more procedures than
// numbers, patients have several procedures. offset shifts the generator so
// that a second batch differs from the first.
func ImplantRecords(n, offset int) iter.Seq[devicesdb.BulkRecord] {
	patients := demoNHSNumbers(min(max(n*4/5, 1), 900000))
	return func(yield func(devicesdb.BulkRecord) bool) {
		r := rand.New(rand.NewPCG(20261124, uint64(offset)))
		start := time.Date(2022, 1, 3, 0, 0, 0, 0, time.UTC)
		ndev := 0
		for i := 0; ndev < n; i++ {
			kit := demoKits[r.IntN(len(demoKits))]
			pi := (i*7919 + offset) % len(patients)
			on := start.AddDate(0, 0, r.IntN(1780))
			first, last := demoFirst[pi%len(demoFirst)], demoLast[(pi/len(demoFirst))%len(demoLast)]
			born := time.Date(1935+pi%60, time.Month(1+pi%12), 1+pi%28, 0, 0, 0, 0, time.UTC)
			rec := devicesdb.BulkRecord{
				Patient: devices.PatientInput{NHSNumber: patients[pi], Name: first + " " + last, BirthDate: born.Format(time.DateOnly),
					Address: fmt.Sprintf("%d %s, Northfield", 1+pi%120, demoStreets[pi%len(demoStreets)]), Postcode: fmt.Sprintf("NF%d %dAB", 1+pi%9, pi%10),
					Phone: fmt.Sprintf("01632 %06d", pi%1000000)},
				Procedure: devices.ProcedureInput{PerformedOn: on.Format(time.DateOnly), Site: kit.site, Laterality: []string{"left", "right", "midline", "na"}[r.IntN(4)],
					Clinician: demoSurgeons[r.IntN(len(demoSurgeons))], Description: kit.desc},
			}
			for _, item := range kit.items {
				if ndev == n {
					break
				}
				p := demoProducts[item-1]
				g := demoGTIN(p.item)
				// Lots are made about monthly: prefix, year and month, batch.
				made := on.AddDate(0, -1-r.IntN(6), 0)
				lot := fmt.Sprintf("%s%02d%02d%d", p.lotPrefix, made.Year()%100, int(made.Month()), 1+r.IntN(3))
				exp := made.AddDate(5, 0, 0)
				d := devices.Device{GTIN: g, Lot: lot, Expiry: exp.Format(time.DateOnly), EntryType: devices.EntryBarcode}
				if p.serialised {
					d.Serial = strconv.Itoa(100000 + offset*7 + ndev)
				}
				if r.IntN(25) == 0 {
					d.EntryType, d.Raw = devices.EntryManual, ""
				} else {
					d.Raw = "]d201" + g + "17" + exp.Format("060102") + "10" + lot
					if d.Serial != "" {
						d.Raw += "\x1d21" + d.Serial
					}
				}
				rec.Devices = append(rec.Devices, d)
				ndev++
			}
			if !yield(rec) {
				return
			}
		}
	}
}

func loadDevices(ctx context.Context, st *store.DB, trust, _ store.Org, _ map[string]store.User, _ string) error {
	var ps []devices.Product
	for _, p := range demoProducts {
		ps = append(ps, devices.Product{GTIN: demoGTIN(p.item), Manufacturer: p.manufacturer, Brand: p.brand, Model: p.model, Description: p.desc, DeviceType: p.deviceType})
	}
	if _, err := devicesdb.New(st).ImportCatalogue(ctx, trust.ID, ps); err != nil {
		return fmt.Errorf("demo: catalogue: %w", err)
	}
	// About 2.5 devices per procedure: count the devices of 3,000 procedures.
	n := 0
	procs := 0
	for rec := range ImplantRecords(1<<30, 0) {
		n += len(rec.Devices)
		if procs++; procs == DemoProcedures {
			break
		}
	}
	if _, err := devicesdb.New(st).ImportImplants(ctx, trust.ID, ImplantRecords(n, 0)); err != nil {
		return fmt.Errorf("demo: implants: %w", err)
	}
	// An open recall of some Meridia hip stems made in spring 2024.
	rc, err := devicesdb.New(st).CreateRecall(ctx, trust.ID, devices.RecallInput{Reference: DemoRecall, Kind: "fsn", Issuer: "Northwind Orthopaedics (fictional)",
		IssuedOn: "2026-10-14", Manufacturer: "Northwind Orthopaedics (fictional)", Deadline: "2026-12-31",
		ActionRequired: "Some size 3 Meridia hip stems from these lots may loosen early. Review each patient in clinic, with X-ray, and record the outcome. Quarantine any unused stock.",
		Affects:        demoGTIN(1) + " lots from HS24031 to HS24063\n" + demoGTIN(1) + " serials 100007"})
	if err != nil {
		return fmt.Errorf("demo: recall: %w", err)
	}
	if _, err := devicesdb.New(st).StartRecallActions(ctx, trust.ID, rc.ID); err != nil {
		return fmt.Errorf("demo: recall actions: %w", err)
	}
	return nil
}

// AddImplants adds n generated devices (in procedures of about 2.5) to
// the organisation, for benchmarks ("clinsafe demo -implants N").
func AddImplants(ctx context.Context, st *store.DB, orgID store.OrgID, n int) (devicesdb.BulkResult, error) {
	s, err := devicesdb.New(st).DeviceStats(ctx, orgID)
	if err != nil {
		return devicesdb.BulkResult{}, err
	}
	return devicesdb.New(st).ImportImplants(ctx, orgID, ImplantRecords(n, s.Implants+1))
}
