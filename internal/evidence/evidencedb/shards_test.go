package evidencedb_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

// ownShard is the shard a connection's writes go to when no other
// transaction writes: its backend's process id modulo 16 on PostgreSQL
// (see count_shard), 0 on SQLite (one writer).
func ownShard(t *testing.T, st *store.DB, q store.Querier) int {
	t.Helper()
	if st.Engine() != "postgres" {
		return 0
	}
	var pid int
	if err := q.QueryRowContext(context.Background(), `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return pid % 16
}

// checkStatusCounts compares the counts per status the triggers keep
// (summed over shards) with a fresh count of the events, for every
// organisation, and the review queue's counts of org with a fresh count
// of its submitted events.
func checkStatusCounts(t *testing.T, st *store.DB, ev *eventsdb.DB, org store.OrgID) {
	t.Helper()
	var off int
	if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM (SELECT org_id, status, COUNT(*) AS n FROM events GROUP BY org_id, status) e
		FULL JOIN (SELECT org_id, status, SUM(n) AS n FROM event_status_counts GROUP BY org_id, status) c ON c.org_id = e.org_id AND c.status = e.status
		WHERE COALESCE(e.n, 0) <> COALESCE(c.n, 0)`).Scan(&off); err != nil || off != 0 {
		t.Errorf("counts per status disagree with the events in %d places (%v)", off, err)
	}
	want := map[events.Status]int{}
	rows, err := st.SQL().Query(`SELECT status, COUNT(*) FROM events WHERE org_id = $1 AND status <> 'draft' GROUP BY status`, org)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		want[events.Status(s)] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	page, err := ev.Queue(storetest.Operator, org, eventsdb.QueueFilter{Status: "all", Limit: 25})
	if err != nil {
		t.Fatal(err)
	}
	got := map[events.Status]int{}
	for s, n := range page.Counts {
		if n != 0 {
			got[s] = n
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("queue counts differ from a fresh count (-count +queue):\n%s", d)
	}
}

// noZeroRows fails the test if a count row that fell to exactly nothing
// was kept: only a shard whose count is zero is deleted, and every one is.
func noZeroRows(t *testing.T, st *store.DB) {
	t.Helper()
	var n int
	if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM evidence_counts WHERE n = 0 AND minutes = 0`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d evidence count rows of nothing kept (%v), want 0", n, err)
	}
}

// Writers on different connections change the same counts at once
// (reports, status changes, regradings, drafts saved and discarded): the
// counts per status, summed over the shards, equal a fresh count of the
// events and the evidence counts equal a rebuild. On PostgreSQL the first
// report of each writer runs while every writer holds a transaction of
// its own, so each is on its own connection, and each connection's shard
// holds a count.
func TestCountsOfConcurrentWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		const writers, each = 6, 3
		pg := st.Engine() == "postgres"
		var ready sync.WaitGroup
		ready.Add(writers)
		var wg sync.WaitGroup
		created := make([][]eventsdb.Event, writers)
		shards, evShards := make([]int, writers), make([]int, writers)
		errs := make(chan error, writers*10)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				arrive := sync.OnceFunc(ready.Done)
				defer arrive()
				rng := rand.New(rand.NewPCG(uint64(i), 7))
				agentSets := [][]string{{events.AgentMedication}, {events.AgentIT}, {events.AgentDevice}, {events.AgentIT, events.AgentMedication}}
				for j := range each {
					rec := record([]string{"Ward 7", "Ward 9"}[rng.IntN(2)], "acute", []string{"1", "2", "3", "4"}[rng.IntN(4)], w.sys.ID, agentSets[rng.IntN(len(agentSets))]...)
					ctx := storetest.As(w.nurse)
					if err := w.ev.Prepare(ctx, w.a.ID, &rec, events.Staff); err != nil {
						errs <- fmt.Errorf("Prepare: %w (%v)", err, apperr.FieldsOf(err))
						return
					}
					err := st.Tx(ctx, func(tx *store.Tx) error {
						if pg && j == 0 {
							// Every writer holds a transaction (a connection) of
							// its own before any reports.
							// The shards its writes will take (count_shard,
							// kept for the transaction), taken while every
							// other writer holds its own.
							var status, evidence int
							err := tx.QueryRowContext(ctx, `SELECT count_shard(0), count_shard(1)`).Scan(&status, &evidence)
							shards[i], evShards[i] = status, evidence
							arrive()
							ready.Wait()
							if err != nil {
								return err
							}
						}
						e, err := w.ev.ReportTx(ctx, tx, w.a.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: w.nurse.ID})
						created[i] = append(created[i], e)
						return err
					})
					if err != nil {
						errs <- fmt.Errorf("report: %w", err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if pg {
			// Writers whose transactions were open together took
			// shards of their own, and each one's first report went to
			// the shard it took.
			for _, ss := range [][]int{shards, evShards} {
				if d := slices.Compact(slices.Sorted(slices.Values(ss))); len(d) != len(ss) {
					t.Errorf("writers open together shared shards: %v", ss)
				}
			}
			for k, q := range []string{
				`SELECT DISTINCT shard FROM event_status_counts WHERE org_id = $1 AND n > 0`,
				`SELECT DISTINCT shard FROM evidence_counts WHERE org_id = $1 AND dim = 'all' AND n > 0`,
			} {
				shards := [][]int{shards, evShards}[k]
				var got []int
				rows, err := st.SQL().Query(q, w.a.ID)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var s int
					if err := rows.Scan(&s); err != nil {
						t.Fatal(err)
					}
					got = append(got, s)
				}
				rows.Close()
				for _, s := range shards {
					if !slices.Contains(got, s) {
						t.Errorf("%s: shards %v lack %d, the shard of a writer's connection (writers' shards %v)", q, got, s, shards)
					}
				}
			}
		}
		checkStatusCounts(t, st, w.ev, w.a.ID)
		rebuiltEqualsLive(t, storetest.Operator, w.evd)

		// Each writer closes or regrades the events another wrote, and
		// saves a draft, discards it and saves another, all at once.
		errs = make(chan error, writers*10)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				hctx := storetest.As(w.handler)
				for j, e := range created[(i+1)%writers] {
					var err error
					if j%2 == 0 {
						_, err = w.ev.SetStatus(hctx, w.a.ID, e.ID, eventsdb.StatusInput{Version: e.Version, Status: events.Closed, LearningSummary: "Shared at the huddle"})
					} else {
						_, err = w.ev.Update(hctx, w.a.ID, e.ID, eventsdb.Update{Version: e.Version, Grades: []eventsdb.Grading{{Patient: 0, Physical: "5", Psychological: "4"}}})
					}
					if err != nil {
						errs <- fmt.Errorf("change %s: %w (%v)", e.Ref, err, apperr.FieldsOf(err))
					}
				}
				nctx := storetest.As(w.nurse)
				d, err := w.ev.SaveDraft(nctx, w.a.ID, "", 0, record("Ward 7", "acute", "1", ""), events.AnsType)
				if err != nil {
					errs <- fmt.Errorf("SaveDraft: %w (%v)", err, apperr.FieldsOf(err))
					return
				}
				if err := w.ev.DiscardDraft(nctx, w.a.ID, d.ID, d.Version); err != nil {
					errs <- fmt.Errorf("DiscardDraft: %w", err)
				}
				if _, err := w.ev.SaveDraft(nctx, w.a.ID, "", 0, record("Ward 9", "acute", "1", ""), events.AnsType); err != nil {
					errs <- fmt.Errorf("SaveDraft: %w (%v)", err, apperr.FieldsOf(err))
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		checkStatusCounts(t, st, w.ev, w.a.ID)
		noZeroRows(t, st)
		rows := rebuiltEqualsLive(t, storetest.Operator, w.evd)
		if got := count(rows, w.a.ID, evidence.DimAll, ""); got != writers*each {
			t.Errorf("events counted = %d, want %d", got, writers*each)
		}
		if got, want := count(rows, w.a.ID, evidence.DimStatus, string(events.Closed)), int64(writers*((each+1)/2)); got != want {
			t.Errorf("closed events counted = %d, want %d", got, want)
		}
	})
}

// A change written on one shard may take a count below zero there, when
// the count was added on another shard: the negative shard is kept (the
// sum over the shards is the count), a value whose shards sum to nothing
// is not offered as a filter, and the counts still equal a rebuild.
func TestNegativeShardIsKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := newWorld(t, st)
		ctx := storetest.Operator
		e, err := w.ev.Report(storetest.As(w.nurse), w.a.ID, record("Ward 7", "acute", "4", "", events.AgentMedication),
			eventsdb.Submission{Audience: events.Staff, ReporterID: w.nurse.ID})
		if err != nil {
			t.Fatalf("Report: %v (%v)", err, apperr.FieldsOf(err))
		}
		// As if the report had been written on another connection: shard
		// 99 is no connection's.
		for _, q := range []string{`UPDATE evidence_counts SET shard = 99 WHERE org_id = $1`, `UPDATE event_status_counts SET shard = 99 WHERE org_id = $1`} {
			if _, err := st.SQL().Exec(q, w.a.ID); err != nil {
				t.Fatal(err)
			}
		}
		if vals, err := w.evd.Values(ctx, []store.OrgID{w.a.ID}, evidence.DimStatus); err != nil || !slices.Equal(vals, []string{string(events.Submitted)}) {
			t.Fatalf("status values before = %q, %v; want [submitted]", vals, err)
		}
		if _, err := w.ev.SetStatus(storetest.As(w.handler), w.a.ID, e.ID, eventsdb.StatusInput{Version: e.Version, Status: events.Closed, LearningSummary: "Shared"}); err != nil {
			t.Fatalf("SetStatus: %v (%v)", err, apperr.FieldsOf(err))
		}
		for _, q := range []string{
			`SELECT COUNT(*) FROM evidence_counts WHERE org_id = $1 AND dim = 'status' AND value = 'submitted' AND shard <> 99 AND n = -1`,
			`SELECT COUNT(*) FROM event_status_counts WHERE org_id = $1 AND status = 'submitted' AND shard <> 99 AND n = -1`,
		} {
			var n int
			if err := st.SQL().QueryRow(q, w.a.ID).Scan(&n); err != nil || n != 1 {
				t.Errorf("%s: %d rows (%v), want the one negative shard", q, n, err)
			}
		}
		vals, err := w.evd.Values(ctx, []store.OrgID{w.a.ID}, evidence.DimStatus)
		if err != nil || !slices.Equal(vals, []string{string(events.Closed)}) {
			t.Errorf("status values = %q, %v; want [closed] (submitted sums to nothing over its shards)", vals, err)
		}
		checkStatusCounts(t, st, w.ev, w.a.ID)
		noZeroRows(t, st)
		rows := rebuiltEqualsLive(t, ctx, w.evd)
		if got := count(rows, w.a.ID, evidence.DimStatus, string(events.Submitted)); got != 0 {
			t.Errorf("submitted events counted = %d, want 0", got)
		}
		// The rebuild writes shard 0 only.
		var n int
		if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM evidence_counts WHERE shard <> 0`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d rebuilt counts off shard 0 (%v), want 0", n, err)
		}
	})
}

// A count upserted without its shard goes to the writing connection's
// shard (on PostgreSQL the column's default, count_shard, which with no
// other writer gives the backend's process id modulo 16, evaluated before
// the conflict is looked for): a second upsert on the
// same connection adds to the same row, another connection to its own.
func TestUpsertGoesToOwnShard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		ctx := context.Background()
		org := storetest.Org(t, st, "SHD")
		want := map[int]int64{}
		for range 2 {
			conn, err := st.SQL().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			shard := ownShard(t, st, conn)
			for range 2 {
				if _, err := conn.ExecContext(ctx, `INSERT INTO evidence_counts (org_id, dim, value, day, n, minutes) VALUES ($1, 'all', '', '2026-11-01', 1, 5)
					ON CONFLICT (org_id, dim, value, day, shard) DO UPDATE SET n = evidence_counts.n + excluded.n, minutes = evidence_counts.minutes + excluded.minutes`, org.ID); err != nil {
					t.Fatal(err)
				}
				want[shard]++
			}
		}
		got := map[int]int64{}
		rows, err := st.SQL().Query(`SELECT shard, n, minutes FROM evidence_counts WHERE org_id = $1`, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s int
			var n, m int64
			if err := rows.Scan(&s, &n, &m); err != nil {
				t.Fatal(err)
			}
			if m != 5*n {
				t.Errorf("shard %d: %d minutes for %d events, want %d", s, m, n, 5*n)
			}
			got[s] = n
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("counts per shard (-want +got):\n%s", d)
		}
	})
}

// Migration 0030 keeps the counts written before it (on shard 0), and the
// triggers and the follower count on after it.
func TestCountShardsMigration(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			st, dsn := storetest.OpenBefore(t, engine, 30)
			org := storetest.Org(t, st, "MIG")
			for _, q := range []string{
				`INSERT INTO event_status_counts (org_id, status, n) VALUES ($1, 'submitted', 3), ($1, 'closed', 2)`,
				`INSERT INTO evidence_counts (org_id, dim, value, day, n, minutes) VALUES ($1, 'all', '', '2026-11-24', 3, 0), ($1, 'feedback_minutes', '', '2026-11-24', 2, 90)`,
			} {
				if _, err := st.SQL().Exec(q, org.ID); err != nil {
					t.Fatal(err)
				}
			}
			st.Close()
			st, err := store.Open(ctx, dsn, storetest.Content()...)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			st.SetClock(func() time.Time { return storetest.FixedTime })
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			type row struct {
				Key   string
				Shard int
				N     int64
			}
			read := func(q string) []row {
				t.Helper()
				rows, err := st.SQL().Query(q, org.ID)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				var out []row
				for rows.Next() {
					var r row
					if err := rows.Scan(&r.Key, &r.Shard, &r.N); err != nil {
						t.Fatal(err)
					}
					out = append(out, r)
				}
				return out
			}
			if d := cmp.Diff([]row{{"closed", 0, 2}, {"submitted", 0, 3}}, read(`SELECT status, shard, n FROM event_status_counts WHERE org_id = $1 ORDER BY status`)); d != "" {
				t.Errorf("status counts after the migration (-want +got):\n%s", d)
			}
			if d := cmp.Diff([]row{{"all", 0, 3}, {"feedback_minutes", 0, 92}}, read(`SELECT dim, shard, n + minutes FROM evidence_counts WHERE org_id = $1 ORDER BY dim`)); d != "" {
				t.Errorf("evidence counts after the migration (-want +got):\n%s", d)
			}
			nurse := storetest.User(t, st, org, "nurse@mig.test", auth.Reporter)
			if _, err := eventsdb.New(st).Report(storetest.As(nurse), org.ID, record("Ward 7", "acute", "4", "", events.AgentMedication),
				eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID}); err != nil {
				t.Fatalf("Report: %v (%v)", err, apperr.FieldsOf(err))
			}
			var n int
			if err := st.SQL().QueryRow(`SELECT SUM(n) FROM event_status_counts WHERE org_id = $1 AND status = 'submitted'`, org.ID).Scan(&n); err != nil || n != 4 {
				t.Errorf("submitted after a report = %d (%v), want 4", n, err)
			}
			all, err := evidencedb.New(st).AllCounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := count(all, org.ID, evidence.DimAll, ""); got != 4 {
				t.Errorf("events counted after a report = %d, want 4", got)
			}
		})
	}
}
