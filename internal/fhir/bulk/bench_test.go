package bulk_test

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/bulk"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

var benchN = flag.Int("bulk.n", 500, "AdverseEvents in the import and export benchmarks (the export also runs 4x as many)")

// seed makes n generated events in the demo trust and returns it.
func seed(b *testing.B, st *store.DB, n int) store.Org {
	b.Helper()
	if _, err := demo.Load(storetest.Operator, st, demo.Options{Password: "correct horse battery staple 42"}); err != nil {
		b.Fatal(err)
	}
	org, err := st.OrgByODS(context.Background(), demo.TrustODS)
	if err != nil {
		b.Fatal(err)
	}
	var have int
	if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM events WHERE org_id = $1`, org.ID).Scan(&have); err != nil {
		b.Fatal(err)
	}
	if n > have {
		if _, err := demo.AddEvents(storetest.Operator, st, org.ID, n-have, nil, 7); err != nil {
			b.Fatal(err)
		}
	}
	return org
}

// file writes an NDJSON file of n AdverseEvents, cycling through the
// organisation's exported events.
func file(b *testing.B, st *store.DB, org store.Org, n int) string {
	var out bytes.Buffer
	if _, err := bulk.ExportAdverseEvents(context.Background(), st, org.ID, fhir.DefaultConfig(), time.Time{}, &out); err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	path := filepath.Join(b.TempDir(), "events.ndjson")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		w.WriteString(lines[i%len(lines)])
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return path
}

// bare inserts the file's lines as rows of a bare table, 500 to an INSERT
// and 10,000 to a transaction: the limit the import is measured against.
func bare(b *testing.B, st *store.DB, org store.Org, path string) (int, time.Duration) {
	if _, err := st.SQL().Exec(`CREATE TABLE IF NOT EXISTS bench_bare (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, body TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	rd := bulk.NewReader(f, 0)
	n := 0
	var rows []any
	flush := func(tx *store.Tx) error {
		if len(rows) == 0 {
			return nil
		}
		var sb strings.Builder
		sb.WriteString(`INSERT INTO bench_bare (id, org_id, body) VALUES `)
		for i := 0; i < len(rows)/3; i++ {
			if i > 0 {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "($%d, $%d, $%d)", 3*i+1, 3*i+2, 3*i+3)
		}
		_, err := tx.ExecContext(context.Background(), sb.String(), rows...)
		rows = rows[:0]
		return err
	}
	for done := false; !done; {
		err := st.Tx(context.Background(), func(tx *store.Tx) error {
			for k := 0; k < 10_000; k++ {
				l, err := rd.Next()
				if err == io.EOF {
					done = true
					break
				}
				if err != nil {
					return err
				}
				rows = append(rows, store.NewID(), string(org.ID), string(l.Data))
				n++
				if len(rows) == 3*500 {
					if err := flush(tx); err != nil {
						return err
					}
				}
			}
			return flush(tx)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return n, time.Since(start)
}

// BenchmarkImport imports -bulk.n AdverseEvents from NDJSON and compares
// the rate with a bare batched INSERT of the same lines in the same run.
// Run with -benchtime=1x.
func BenchmarkImport(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			st, _ := storetest.Open(b, engine)
			org := seed(b, st, 50)
			path := file(b, st, org, *benchN)
			for range b.N {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				res, err := bulk.ImportAdverseEvents(storetest.Operator, st, org.ID, fhir.DefaultConfig(), f, nil)
				d := time.Since(start)
				f.Close()
				if err != nil || res.Imported != *benchN {
					b.Fatalf("import: %+v, %v (first refused: %v)", res.Imported, err, res.Refused)
				}
				bn, bd := bare(b, st, org, path)
				rate, bareRate := float64(res.Imported)/d.Seconds(), float64(bn)/bd.Seconds()
				b.ReportMetric(rate, "records/s")
				b.ReportMetric(bareRate, "bare-records/s")
				b.ReportMetric(rate/bareRate, "ratio")
			}
		})
	}
}

// BenchmarkExport exports N and 4N AdverseEvents, reporting records/s and
// the peak heap in use while exporting, which must not grow with N.
func BenchmarkExport(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			st, _ := storetest.Open(b, engine)
			for _, n := range []int{*benchN, 4 * *benchN} {
				org := seed(b, st, n)
				b.Run(fmt.Sprint(n), func(b *testing.B) {
					for range b.N {
						runtime.GC()
						var peak atomic.Uint64
						stop := make(chan struct{})
						var wg sync.WaitGroup
						wg.Add(1)
						go func() {
							defer wg.Done()
							var ms runtime.MemStats
							for {
								runtime.ReadMemStats(&ms)
								if ms.HeapInuse > peak.Load() {
									peak.Store(ms.HeapInuse)
								}
								select {
								case <-stop:
									return
								case <-time.After(5 * time.Millisecond):
								}
							}
						}()
						start := time.Now()
						got, err := bulk.ExportAdverseEvents(context.Background(), st, org.ID, fhir.DefaultConfig(), time.Time{}, io.Discard)
						d := time.Since(start)
						close(stop)
						wg.Wait()
						if err != nil || got < n {
							b.Fatalf("export: %d (%v), want at least %d", got, err, n)
						}
						b.ReportMetric(float64(got)/d.Seconds(), "records/s")
						b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
					}
				})
			}
		})
	}
}
