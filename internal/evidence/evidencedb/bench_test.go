package evidencedb_test

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/spc"
)

var (
	benchEvents = flag.Int("evidence.events", 20_000, "safety events the evidence benchmarks chart (5,000,000 for the issue's figure)")
	benchEngine = flag.String("evidence.engine", "", "run BenchmarkEvidence on this engine only (sqlite or postgres; both when empty)")
)

// seedRaw writes n submitted events of org (at noon) straight into the events table
// over the two years before end (no audit: a benchmark's bulk data), then
// rebuilds the counts from them.
func seedRaw(tb testing.TB, st *store.DB, org store.OrgID, n int, end time.Time) {
	tb.Helper()
	ctx := storetest.Operator
	agents := []string{"|4|", "|9|", "|3|", "|9|4|", "|10|"}
	harms := []string{"1", "2", "3", "4", "5"}
	locs := []string{"Ward 7", "Ward 9", "Theatres", "Outpatients"}
	span := 730 * 24 * time.Hour
	const per = 20_000
	for start := 0; start < n; start += per {
		err := st.Tx(ctx, func(tx *store.Tx) error {
			bt := store.NewBatcher(tx, "events", "id, org_id, ref, record_type, status, audience, taxonomy_version, record, location, service_area, agents, harm, reported_harm, created_at, updated_at, submitted_at", 16, 400)
			defer bt.Close()
			for i := start; i < min(n, start+per); i++ {
				at := end.Add(-span + time.Duration(int64(span)/int64(n)*int64(i)))
				// At noon UTC, the same day in London: the counts keep London
				// days, the bare GROUP BY UTC weeks.
				at = time.Date(at.Year(), at.Month(), at.Day(), 12, 0, 0, 0, time.UTC)
				status := "closed"
				if i%5 == 0 {
					status = "submitted"
				}
				if err := bt.Add(ctx, store.NewID(), string(org), fmt.Sprintf("PSE-B-%07d", i), "1", status, "staff", "1", "{}", locs[i%len(locs)], "acute",
					agents[i%len(agents)], harms[i%len(harms)], harms[(i/3)%len(harms)], at, at, at); err != nil {
					return err
				}
			}
			return bt.Flush(ctx)
		})
		if err != nil {
			tb.Fatalf("seed events: %v", err)
		}
	}
	if _, err := evidencedb.New(st).Rebuild(ctx); err != nil {
		tb.Fatalf("rebuild: %v", err)
	}
}

// groupByWeek is the bare GROUP BY week over the raw rows that the counts
// spare every chart.
func groupByWeek(ctx context.Context, st *store.DB, org store.OrgID, from time.Time) (map[string]int64, error) {
	w := st.WeekStart("submitted_at")
	rows, err := st.SQL().QueryContext(ctx, `SELECT `+w+`, COUNT(*) FROM events WHERE org_id = $1 AND status <> 'draft' AND submitted_at >= $2 GROUP BY `+w, org, from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var wk any
		var n int64
		if err := rows.Scan(&wk, &n); err != nil {
			return nil, err
		}
		switch v := wk.(type) {
		case time.Time:
			out[v.Format(time.DateOnly)] = n
		case string:
			out[v[:10]] = n
		case []byte:
			out[string(v[:10])] = n
		}
	}
	return out, rows.Err()
}

// The weekly series read from the counts equals a GROUP BY week over the
// raw events, on both engines.
func TestWeeklySeriesEqualsGroupByWeek(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		org := storetest.Org(t, st, "BEN")
		end := storetest.FixedTime
		seedRaw(t, st, org.ID, 3000, end)
		m, _ := evidence.MeasureByCode("events")
		from := evidence.Week.Start(end.AddDate(0, 0, -200))
		pts, err := evidencedb.New(st).Series(storetest.Operator, []store.OrgID{org.ID}, evidencedb.Query{Measure: m, Period: evidence.Week, From: from, To: end})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := groupByWeek(storetest.Operator, st, org.ID, from)
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, p := range pts {
			if got, want := int64(p.Value), raw[p.Start.Format(time.DateOnly)]; got != want {
				t.Errorf("week %s: series %d, GROUP BY week %d", p.Start.Format(time.DateOnly), got, want)
			}
			total += int64(p.Value)
		}
		if total == 0 || len(pts) < 28 {
			t.Errorf("series of %d weeks with %d events: want about 29 weeks of events", len(pts), total)
		}
	})
}

// BenchmarkEvidence seeds -evidence.events events once per engine
// (5,000,000 for the figure: seeding takes minutes), then runs
// two measurements on them:
//   - weekly: the SPC chart of weekly counts of every event (two years of
//     weeks) read from the counts, against a bare GROUP BY week over the
//     raw rows in the same run (aim: under 50 ms and 20 times faster);
//   - dashboard12: a dashboard of 12 charts read and computed (aim: under
//     500 ms).
func BenchmarkEvidence(b *testing.B) {
	for _, engine := range storetest.Engines {
		if *benchEngine != "" && engine != *benchEngine {
			continue
		}
		// Opened on the top benchmark, so the store outlives the
		// sub-benchmarks' repeated runs.
		st, _ := storetest.Open(b, engine)
		org := storetest.Org(b, st, "BEN")
		start := time.Now()
		seedRaw(b, st, org.ID, *benchEvents, storetest.FixedTime)
		b.Logf("%s: %d events seeded and counted in %s", engine, *benchEvents, time.Since(start).Round(time.Second))
		b.Run(engine+"/weekly", func(b *testing.B) { benchWeekly(b, st, org) })
		b.Run(engine+"/dashboard12", func(b *testing.B) { benchDashboard(b, st, org) })
	}
}

func benchWeekly(b *testing.B, st *store.DB, org store.Org) {
	end := storetest.FixedTime
	m, _ := evidence.MeasureByCode("events")
	from := evidence.Week.Start(end.AddDate(0, 0, -728))
	ev := evidencedb.New(st)
	chart := func() time.Duration {
		t0 := time.Now()
		pts, err := ev.Series(storetest.Operator, []store.OrgID{org.ID}, evidencedb.Query{Measure: m, Period: evidence.Week, From: from, To: end})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := evidence.Chart(m, pts, spc.Options{Direction: spc.Neutral}); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	// The first read after seeding (a cold cache) is reported apart.
	first := chart()
	var ours, bare []time.Duration
	b.ResetTimer()
	for b.Loop() {
		ours = append(ours, chart())
		t1 := time.Now()
		if _, err := groupByWeek(storetest.Operator, st, org.ID, from); err != nil {
			b.Fatal(err)
		}
		bare = append(bare, time.Since(t1))
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	med := func(ds []time.Duration) time.Duration { slices.Sort(ds); return ds[len(ds)/2] }
	o, g := med(ours), med(bare)
	b.ReportMetric(ms(first), "ms/first-chart")
	b.ReportMetric(ms(o), "ms/chart")
	b.ReportMetric(ms(slices.Max(ours)), "ms/slowest-chart")
	b.ReportMetric(ms(g), "ms/groupby")
	b.ReportMetric(float64(g)/float64(o), "x_faster")
}

func benchDashboard(b *testing.B, st *store.DB, org store.Org) {
	end := storetest.FixedTime
	ev := evidencedb.New(st)
	for i := 24; i >= 0; i-- {
		if err := ev.SetBedDays(storetest.Operator, org.ID, evidencedb.BedDays{Month: end.AddDate(0, -i, 0).Format("2006-01"), BedDays: 14000}); err != nil {
			b.Fatal(err)
		}
	}
	charts := []struct{ measure, dim, value string }{
		{"events", "", ""}, {"events", "type", "1"}, {"events", "harm", "4"}, {"events", "agent", "9"}, {"events", "location", "Ward 7"},
		{"events", "service_area", "acute"}, {"events", "status", "closed"}, {"it_incidents", "", ""}, {"device_incidents", "", ""},
		{"feedback_time", "", ""}, {"reporting_rate", "", ""}, {"hazards", "", ""},
	}
	from := evidence.Week.Start(end.AddDate(0, 0, -26*7))
	b.ResetTimer()
	for b.Loop() {
		for _, c := range charts {
			m, _ := evidence.MeasureByCode(c.measure)
			p := evidence.Week
			if m.MonthlyOnly {
				p = evidence.Month
			}
			pts, err := ev.Series(storetest.Operator, []store.OrgID{org.ID}, evidencedb.Query{Measure: m, Period: p, Dim: c.dim, Value: c.value, From: from, To: end})
			if err != nil {
				b.Fatal(err)
			}
			if len(pts) >= 2 {
				if _, err := evidence.Chart(m, pts, spc.Options{Direction: m.Direction}); err != nil {
					b.Fatalf("%s: %v", c.measure, err)
				}
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/dashboard")
}
