package devicesdb_test

import (
	"context"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"iter"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/nhsnumber"
)

// Benchmarks of the implant register. They run only with -bench:
//
//	CLINSAFE_BENCH_IMPLANTS=1000000 go test ./internal/devices/devicesdb/ -run XXX -bench 'RecallMatch|ImplantImport' -benchtime 200x
//
// CLINSAFE_BENCH_IMPLANTS sets the register size for recall matching
// (default 10,000,000); CLINSAFE_BENCH_IMPORT the rows of the import
// comparison (default 200,000 devices).

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

const (
	benchGTINs       = 200
	benchLotsPerGTIN = 5000
	benchMaxPatients = 900000 // valid NHS numbers in the test range
)

// benchNHS returns n valid NHS numbers from the never-issued test range.
func benchNHS(n int) []string {
	out := make([]string, 0, n)
	for k := 0; len(out) < n && k < 1000000; k++ {
		nine := fmt.Sprintf("999%06d", k)
		if c, ok, err := nhsnumber.CheckDigit(nine); err == nil && ok {
			out = append(out, nine+string(c))
		}
	}
	return out
}

// benchDevice is device i of the benchmark register: GTINs cycle, each
// (GTIN, lot) holds n/1,000,000 devices, serials are unique, expiry dates
// spread over three years.
func benchDevice(i int) devices.Device {
	g := testGTIN(i % benchGTINs)
	lot := fmt.Sprintf("L%05d", (i/benchGTINs)%benchLotsPerGTIN)
	serial := "S" + strconv.Itoa(i)
	exp := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%1095).Format(time.DateOnly)
	return devices.Device{GTIN: g, Lot: lot, Serial: serial, Expiry: exp, Raw: "01" + g + "17" + exp[2:4] + exp[5:7] + exp[8:10] + "10" + lot + "\x1d21" + serial, EntryType: devices.EntryBarcode}
}

// benchRecords yields n devices, two per procedure, patients reused once
// the test range is spent.
func benchRecords(n int, nhs []string) iter.Seq[devicesdb.BulkRecord] {
	return func(yield func(devicesdb.BulkRecord) bool) {
		for i := 0; i < n; i += 2 {
			p := (i / 2) % len(nhs)
			rec := devicesdb.BulkRecord{
				Patient:   devices.PatientInput{NHSNumber: nhs[p], Name: "Bench Patient " + strconv.Itoa(p), BirthDate: "1955-06-15", Address: "1 Test Street", Postcode: "LS1 4AP"},
				Procedure: devices.ProcedureInput{PerformedOn: "2026-06-01", Site: "Theatre 1", Laterality: "left", Clinician: "Bench Surgeon", Description: "Hip replacement"},
				Devices:   []devices.Device{benchDevice(i)},
			}
			if i+1 < n {
				rec.Devices = append(rec.Devices, benchDevice(i+1))
			}
			if !yield(rec) {
				return
			}
		}
	}
}

// benchRecall affects about 1,200 devices: a lot range on one GTIN, a list
// of lots on another and a list of serials on a third.
func benchRecall(n int) devices.RecallInput {
	perLot := max(1, n/(benchGTINs*benchLotsPerGTIN))
	nlots := min(benchLotsPerGTIN-200, max(1, 1000/perLot))
	var lots, serials []string
	for k := 0; k < 20; k++ {
		lots = append(lots, fmt.Sprintf("L%05d", 3000+k*7))
	}
	for k := 0; k < 50; k++ {
		serials = append(serials, "S"+strconv.Itoa((k*7919*benchGTINs+9)%n))
	}
	return devices.RecallInput{Reference: "BENCH-1", Kind: "fsn", Issuer: "Bench", IssuedOn: "2026-11-01", Manufacturer: "Bench", ActionRequired: "Review",
		Rules: []devices.Rule{
			{GTIN: testGTIN(7), Kind: devices.RuleLotRange, From: "L00100", To: fmt.Sprintf("L%05d", 100+nlots-1)},
			{GTIN: testGTIN(8), Kind: devices.RuleLots, Lots: lots},
			{GTIN: testGTIN(9), Kind: devices.RuleSerials, Serials: serials},
		}}
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// BenchmarkRecallMatch matches a recall against a register of
// CLINSAFE_BENCH_IMPLANTS devices (built once per engine with
// ImportImplants) and compares its latency with a hand-written indexed
// SELECT of the same rows, in the same run.
func BenchmarkRecallMatch(b *testing.B) {
	n := envInt("CLINSAFE_BENCH_IMPLANTS", 10_000_000)
	nhs := benchNHS(min(n/2+1, benchMaxPatients))
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			st, _ := storetest.Open(b, engine)
			ctx := ctx
			org := storetest.Org(b, st, "BENCH")
			start := time.Now()
			res, err := devicesdb.New(st).ImportImplants(ctx, org.ID, benchRecords(n, nhs))
			if err != nil {
				b.Fatal(err)
			}
			build := time.Since(start)
			if engine == "postgres" {
				if _, err := st.SQL().Exec(`ANALYZE`); err != nil {
					b.Fatal(err)
				}
			} else if _, err := st.SQL().Exec(`ANALYZE`); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: built %d devices, %d procedures, %d patients in %s (%.0f devices/s)", engine, res.Devices, res.Procedures, res.Patients, build.Round(time.Second), float64(res.Devices)/build.Seconds())
			rc, err := devicesdb.New(st).CreateRecall(ctx, org.ID, benchRecall(n))
			if err != nil {
				b.Fatal(err)
			}
			// The hand-written query: the same rows, straight from the indexes.
			lr := rc.Rules[0]
			args := []any{org.ID, lr.GTIN, lr.From, lr.To, rc.Rules[1].GTIN, rc.Rules[2].GTIN}
			ph := func(vs []string) string {
				out := make([]string, len(vs))
				for i, v := range vs {
					args = append(args, v)
					out[i] = fmt.Sprintf("$%d", len(args))
				}
				return strings.Join(out, ", ")
			}
			cols := `i.id, i.procedure_id, i.patient_id, i.gtin, i.lot, i.serial, i.expiry`
			hand := `SELECT ` + cols + ` FROM implants i WHERE i.org_id = $1 AND i.gtin = $2 AND i.lot BETWEEN $3 AND $4 AND i.explanted_on IS NULL
				UNION ALL SELECT ` + cols + ` FROM implants i WHERE i.org_id = $1 AND i.gtin = $5 AND i.lot IN (` + ph(rc.Rules[1].Lots) + `) AND i.explanted_on IS NULL
				UNION ALL SELECT ` + cols + ` FROM implants i WHERE i.org_id = $1 AND i.gtin = $6 AND i.serial IN (` + ph(rc.Rules[2].Serials) + `) AND i.explanted_on IS NULL`
			handRun := func() (int, error) {
				rows, err := st.SQL().QueryContext(ctx, hand, args...)
				if err != nil {
					return 0, err
				}
				pats := map[string]bool{}
				var ids []string
				for rows.Next() {
					var id, proc, pat, g, l, s, e string
					if err := rows.Scan(&id, &proc, &pat, &g, &l, &s, &e); err != nil {
						rows.Close()
						return 0, err
					}
					if !pats[pat] {
						if len(pats) == 1000 {
							break
						}
						pats[pat] = true
						ids = append(ids, pat)
					}
				}
				rows.Close()
				// Their details, by primary key, as the store does.
				for start := 0; start < len(ids); start += 500 {
					part := ids[start:min(len(ids), start+500)]
					pargs := []any{org.ID}
					var q []string
					for _, id := range part {
						pargs = append(pargs, id)
						q = append(q, fmt.Sprintf("$%d", len(pargs)))
					}
					r2, err := st.SQL().QueryContext(ctx, `SELECT id, nhs_number, name, birth_date, address, postcode, phone, email FROM implant_patients WHERE org_id = $1 AND id IN (`+strings.Join(q, ", ")+`)`, pargs...)
					if err != nil {
						return 0, err
					}
					for r2.Next() {
						var a, b2, c, d, e, f, g, h string
						if err := r2.Scan(&a, &b2, &c, &d, &e, &f, &g, &h); err != nil {
							r2.Close()
							return 0, err
						}
					}
					r2.Close()
				}
				return len(pats), nil
			}
			m, err := devicesdb.New(st).MatchRecall(ctx, org.ID, rc, 1000)
			if err != nil {
				b.Fatal(err)
			}
			want, err := handRun()
			if err != nil {
				b.Fatal(err)
			}
			if len(m.Patients) != want || want == 0 {
				b.Fatalf("MatchRecall found %d patients, the hand-written query %d", len(m.Patients), want)
			}
			devs := 0
			for _, p := range m.Patients {
				devs += len(p.Devices)
			}
			b.Logf("%s: recall affects %d patients (%d devices listed, truncated=%v)", engine, len(m.Patients), devs, m.Truncated)
			var ours, theirs []time.Duration
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				if _, err := devicesdb.New(st).MatchRecall(ctx, org.ID, rc, 1000); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := handRun(); err != nil {
					b.Fatal(err)
				}
				ours, theirs = append(ours, t1.Sub(t0)), append(theirs, time.Since(t1))
			}
			b.StopTimer()
			p50, p99 := percentile(ours, 0.50), percentile(ours, 0.99)
			h50, h99 := percentile(theirs, 0.50), percentile(theirs, 0.99)
			b.ReportMetric(float64(n), "implants")
			b.ReportMetric(float64(len(m.Patients)), "patients")
			b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(h50.Microseconds())/1000, "hand-p50-ms")
			b.ReportMetric(float64(h99.Microseconds())/1000, "hand-p99-ms")
			b.ReportMetric(float64(p99)/float64(h99), "p99/hand-p99")
			b.ReportMetric(float64(p99.Microseconds())/1000/50, "p99/limit-50ms")
			b.Logf("%s: MatchRecall p50 %s p99 %s; hand-written SELECT p50 %s p99 %s; over %d runs", engine, p50, p99, h50, h99, len(ours))
		})
	}
}

// BenchmarkImplantImport compares ImportImplants (validation, patient
// matching, audit) with a bare batched INSERT of the same rows into an
// empty store, on each engine. The target is a ratio of at least 0.5.
func BenchmarkImplantImport(b *testing.B) {
	n := envInt("CLINSAFE_BENCH_IMPORT", 200_000)
	nhs := benchNHS(min(n/2+1, benchMaxPatients))
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			var oursRate, bareRate float64
			for b.Loop() {
				b.StopTimer()
				st1, _ := storetest.Open(b, engine)
				org1 := storetest.Org(b, st1, "IMP")
				b.StartTimer()
				t0 := time.Now()
				res, err := devicesdb.New(st1).ImportImplants(ctx, org1.ID, benchRecords(n, nhs))
				if err != nil {
					b.Fatal(err)
				}
				d := time.Since(t0)
				rows := res.Devices + res.Procedures + res.Patients
				oursRate = float64(rows) / d.Seconds()
				b.StopTimer()
				st2, _ := storetest.Open(b, engine)
				org2 := storetest.Org(b, st2, "BARE")
				b.StartTimer()
				t1 := time.Now()
				bare := bareInsert(b, st2, org2.ID, n, nhs)
				bareRate = float64(bare) / time.Since(t1).Seconds()
				if bare != rows {
					b.Fatalf("bare insert wrote %d rows, import %d", bare, rows)
				}
			}
			b.ReportMetric(oursRate, "import-rows/s")
			b.ReportMetric(bareRate, "bare-rows/s")
			b.ReportMetric(oursRate/bareRate, "import/bare")
			b.Logf("%s: ImportImplants %.0f rows/s, bare batched INSERT %.0f rows/s, ratio %.2f (%d devices)", engine, oursRate, bareRate, oursRate/bareRate, n)
		})
	}
}

// bareInsert writes the same rows as benchRecords with multi-row INSERTs of
// 500 rows in one transaction: no validation, no lookups, no audit.
func bareInsert(b *testing.B, st *store.DB, orgID store.OrgID, n int, nhs []string) int {
	c := context.Background()
	tx, err := st.SQL().BeginTx(c, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	type table struct {
		name, cols string
		ncol       int
		args       []any
	}
	now := storetest.FixedTime
	pats := &table{name: "implant_patients", cols: "id, org_id, nhs_number, name, birth_date, address, postcode, phone, email, created_at", ncol: 10}
	procs := &table{name: "implant_procedures", cols: "id, org_id, patient_id, performed_on, site, laterality, clinician, description, created_at", ncol: 9}
	devs := &table{name: "implants", cols: "id, org_id, procedure_id, patient_id, gtin, lot, serial, expiry, raw, entry_type, in_catalogue, explanted_on, explant_reason, created_at", ncol: 14}
	stmts := map[string]string{}
	anon := st.Engine() == "sqlite" // see sqliteDialect.bulkPlaceholder
	flush := func(t *table) {
		for start := 0; start < len(t.args); start += t.ncol * 500 {
			part := t.args[start:min(len(t.args), start+t.ncol*500)]
			rows := len(part) / t.ncol
			key := t.name + strconv.Itoa(rows)
			q, ok := stmts[key]
			if !ok {
				var sb strings.Builder
				sb.WriteString("INSERT INTO " + t.name + " (" + t.cols + ") VALUES ")
				for r := 0; r < rows; r++ {
					if r > 0 {
						sb.WriteString(", ")
					}
					sb.WriteByte('(')
					for k := 0; k < t.ncol; k++ {
						if k > 0 {
							sb.WriteString(", ")
						}
						if anon {
							sb.WriteByte('?')
						} else {
							fmt.Fprintf(&sb, "$%d", r*t.ncol+k+1)
						}
					}
					sb.WriteByte(')')
				}
				q = sb.String()
				stmts[key] = q
			}
			if _, err := tx.Exec(q, part...); err != nil {
				b.Fatal(err)
			}
		}
		t.args = t.args[:0]
	}
	patientID := map[int]string{}
	count := 0
	for i := 0; i < n; i += 2 {
		p := (i / 2) % len(nhs)
		pid, ok := patientID[p]
		if !ok {
			pid = store.NewID()
			patientID[p] = pid
			pats.args = append(pats.args, pid, orgID, nhs[p], "Bench Patient "+strconv.Itoa(p), "1955-06-15", "1 Test Street", "LS1 4AP", "", "", now)
			count++
		}
		procID := store.NewID()
		procs.args = append(procs.args, procID, orgID, pid, "2026-06-01", "Theatre 1", "left", "Bench Surgeon", "Hip replacement", now)
		count++
		for k := i; k < min(n, i+2); k++ {
			d := benchDevice(k)
			devs.args = append(devs.args, store.NewID(), orgID, procID, pid, d.GTIN, d.Lot, d.Serial, d.Expiry, d.Raw, d.EntryType, false, nil, "", now)
			count++
		}
		if (i/2+1)%500 == 0 {
			flush(pats)
			flush(procs)
			flush(devs)
		}
	}
	flush(pats)
	flush(procs)
	flush(devs)
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return count
}
