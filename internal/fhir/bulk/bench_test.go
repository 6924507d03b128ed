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
	"slices"
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

// floorTimes are the times floor took to write each table's rows.
type floorTimes struct {
	n                      int // events written
	events, history, audit time.Duration
}

// floorTables are the tables floor copies: the rows an imported event
// cannot be without (the event, its status history, its audit entry).
var floorTables = []string{"events", "event_status_history", "audit_log"}

// floor measures what the import's essential rows cost on their own: the
// events of org as the import stored them, their status history and
// their audit entries are written again, by the same batched INSERTs as
// bare (500 rows to a statement, 10,000 events to a transaction), into
// copies of their tables with the same columns, keys and indexes (on
// PostgreSQL without the foreign keys, which LIKE does not copy). Nothing
// else is written: no search document, FHIR version, evidence count or
// content hash, and the rows are read before each write is timed. Its
// rate is a ceiling on any import that keeps every event's row, history
// and audit entry, whatever the writes around them do.
func floor(b *testing.B, st *store.DB, org store.Org) floorTimes {
	b.Helper()
	ctx := context.Background()
	for _, t := range floorTables {
		copyTable(b, st, t, "floor_"+t)
	}
	var ft floorTimes
	after := ""
	for done := false; !done; {
		err := st.Tx(ctx, func(tx *store.Tx) error {
			for k := 0; k < 10_000 && !done; k += 500 {
				evs := readRows(b, tx, `SELECT * FROM events WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT 500`, org.ID, after)
				if len(evs.rows) == 0 {
					done = true
					break
				}
				page := `SELECT id FROM events WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT 500`
				hist := readRows(b, tx, `SELECT * FROM event_status_history WHERE event_id IN (`+page+`)`, org.ID, after)
				aud := readRows(b, tx, `SELECT * FROM audit_log WHERE entity = 'event' AND entity_id IN (`+page+`)`, org.ID, after)
				after = evs.rows[len(evs.rows)-1][evs.col("id")].(string)
				ft.events += writeRows(b, tx, "floor_events", evs)
				ft.history += writeRows(b, tx, "floor_event_status_history", hist)
				ft.audit += writeRows(b, tx, "floor_audit_log", aud)
				ft.n += len(evs.rows)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, t := range floorTables {
		if _, err := st.SQL().Exec(`DROP TABLE floor_` + t); err != nil {
			b.Fatal(err)
		}
	}
	return ft
}

// copyTable makes table dst with src's columns, keys and indexes (on
// PostgreSQL with LIKE; on SQLite from src's own statements).
func copyTable(b *testing.B, st *store.DB, src, dst string) {
	b.Helper()
	if st.Engine() == "postgres" {
		if _, err := st.SQL().Exec(`CREATE TABLE ` + dst + ` (LIKE ` + src + ` INCLUDING ALL)`); err != nil {
			b.Fatal(err)
		}
		return
	}
	rows, err := st.SQL().Query(`SELECT type, name, sql FROM sqlite_master WHERE tbl_name = $1 AND sql IS NOT NULL AND type IN ('table', 'index') ORDER BY type = 'index'`, src)
	if err != nil {
		b.Fatal(err)
	}
	var stmts []string
	for rows.Next() {
		var typ, name, q string
		if err := rows.Scan(&typ, &name, &q); err != nil {
			b.Fatal(err)
		}
		if typ == "table" {
			q = strings.Replace(q, "TABLE "+src, "TABLE "+dst, 1)
		} else {
			q = strings.Replace(q, "INDEX "+name, "INDEX floor_"+name, 1)
			q = strings.Replace(q, " ON "+src, " ON "+dst, 1)
		}
		stmts = append(stmts, q)
	}
	rows.Close()
	if len(stmts) == 0 {
		b.Fatalf("no schema for table %s", src)
	}
	for _, q := range stmts {
		if _, err := st.SQL().Exec(q); err != nil {
			b.Fatalf("copy %s: %v\n%s", src, err, q)
		}
	}
}

// someRows are rows read whole, with their columns' names.
type someRows struct {
	cols []string
	rows [][]any
}

func (r someRows) col(name string) int { return slices.Index(r.cols, name) }

func readRows(b *testing.B, tx *store.Tx, q string, args ...any) someRows {
	b.Helper()
	rows, err := tx.QueryContext(context.Background(), q, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out someRows
	if out.cols, err = rows.Columns(); err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		vals := make([]any, len(out.cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		out.rows = append(out.rows, vals)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}

// writeRows inserts rs into table, 500 rows to a statement, and returns
// how long that took.
func writeRows(b *testing.B, tx *store.Tx, table string, rs someRows) time.Duration {
	b.Helper()
	start := time.Now()
	w := store.NewBatcher(tx, table, strings.Join(rs.cols, ", "), len(rs.cols), 500)
	defer w.Close()
	for _, r := range rs.rows {
		if err := w.Add(context.Background(), r...); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(context.Background()); err != nil {
		b.Fatalf("write %d rows to %s: %v", len(rs.rows), table, err)
	}
	return time.Since(start)
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
				fl := floor(b, st, org)
				b.ReportMetric(float64(fl.n)/fl.events.Seconds()/bareRate, "events-only-ratio")
				b.ReportMetric(float64(fl.n)/(fl.events+fl.history+fl.audit).Seconds()/bareRate, "floor-ratio")
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
