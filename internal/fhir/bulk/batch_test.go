package bulk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/bulk"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// derivedOf is what the followers of events derived for org's events, by
// reference: the FHIR versions (ids and ODS codes left out), each event's
// contribution to the counts, and the counts themselves.
func derivedOf(t *testing.T, st *store.DB, org store.Org) (versions, contributions, counts []string) {
	t.Helper()
	rows, err := st.SQL().Query(`SELECT e.ref, v.version, v.snapshot, v.last_updated FROM fhir_versions v JOIN events e ON e.id = v.event_id
		WHERE v.org_id = $1 ORDER BY e.ref, v.version`, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ref, snap string
		var v int
		var at time.Time
		if err := rows.Scan(&ref, &v, &snap, &at); err != nil {
			t.Fatal(err)
		}
		var in fhir.EventInput
		if err := json.Unmarshal([]byte(snap), &in); err != nil {
			t.Fatal(err)
		}
		in.ID, in.OrgODS = "", ""
		b, _ := json.Marshal(in)
		versions = append(versions, fmt.Sprintf("%s v%d %s %s", ref, v, at.UTC().Format(time.RFC3339Nano), b))
	}
	rows.Close()
	rows, err = st.SQL().Query(`SELECT e.ref, c.day, c.keys FROM evidence_event_counts c JOIN events e ON e.id = c.event_id WHERE c.org_id = $1 ORDER BY e.ref`, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ref, day, keys string
		if err := rows.Scan(&ref, &day, &keys); err != nil {
			t.Fatal(err)
		}
		contributions = append(contributions, ref+" "+day+" "+keys)
	}
	rows.Close()
	all, err := evidencedb.New(st).AllCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all {
		if c.Org == string(org.ID) {
			counts = append(counts, fmt.Sprintf("%s=%s %s: %d, %d min", c.Dim, c.Value, c.Day, c.N, c.Minutes))
		}
	}
	return versions, contributions, counts
}

// The followers' batch hooks give what their one-change-at-a-time path
// gives: a file imported into A with them, and into B by a DB opened with
// the same followers without their batch hooks, has the same FHIR
// versions, counts and no LFPSE submissions; the counts are those a
// rebuild makes, and every event's audit entry records its true content.
func TestBatchFollowersMatchOneChangeAtATime(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st, dsn := storetest.Open(t, engine)
			var plain []store.Entity
			hooks := 0
			for _, e := range storetest.Content() {
				if e.OnChanges != nil {
					hooks++
				}
				e.OnChanges = nil
				plain = append(plain, e)
			}
			if hooks < 3 {
				t.Fatalf("%d followers have a batch hook, want at least 3 (FHIR versions, LFPSE, evidence counts)", hooks)
			}
			one, err := store.Open(context.Background(), dsn, plain...)
			if err != nil {
				t.Fatal(err)
			}
			defer one.Close()
			clock := func() time.Time { return storetest.FixedTime }
			st.SetClock(clock)
			one.SetClock(clock)
			src, a, b := storetest.Org(t, st, "BQS"), storetest.Org(t, st, "BQA"), storetest.Org(t, st, "BQB")
			const n = 700 // more than one batch
			if got, err := demo.AddEvents(storetest.Operator, st, src.ID, n, nil, 11); err != nil || got != n {
				t.Fatalf("demo events: %d, %v", got, err)
			}
			var out bytes.Buffer
			if _, err := bulk.ExportAdverseEvents(context.Background(), st, src.ID, fhir.DefaultConfig(), time.Time{}, &out); err != nil {
				t.Fatal(err)
			}
			for _, x := range []struct {
				db  *store.DB
				org store.Org
			}{{st, a}, {one, b}} {
				res, err := bulk.ImportAdverseEvents(storetest.Operator, x.db, x.org.ID, fhir.DefaultConfig(), strings.NewReader(out.String()), nil)
				if err != nil || res.Imported != n {
					t.Fatalf("import into %s: %+v, %v", x.org.ODSCode, res, err)
				}
			}
			va, ca, na := derivedOf(t, st, a)
			vb, cb, nb := derivedOf(t, st, b)
			if len(va) != n || len(ca) == 0 || len(na) == 0 {
				t.Fatalf("batch hooks derived %d versions, %d contributions, %d counts; want %d versions and some counts", len(va), len(ca), len(na), n)
			}
			for _, c := range []struct {
				what       string
				batch, one []string
			}{{"FHIR versions", va, vb}, {"contributions to the counts", ca, cb}, {"counts", na, nb}} {
				if !reflect.DeepEqual(c.batch, c.one) {
					for i := range min(len(c.batch), len(c.one)) {
						if c.batch[i] != c.one[i] {
							t.Errorf("%s: first difference at %d:\n batch: %s\n   one: %s", c.what, i, c.batch[i], c.one[i])
							break
						}
					}
					t.Errorf("%s: %d with batch hooks, %d one change at a time", c.what, len(c.batch), len(c.one))
				}
			}
			var queued int
			if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM lfpse_submissions`).Scan(&queued); err != nil || queued != 0 {
				t.Errorf("LFPSE submissions after imports: %d (%v), want none", queued, err)
			}
			ev := evidencedb.New(st)
			before, _ := ev.AllCounts(context.Background())
			if _, err := ev.Rebuild(storetest.Operator); err != nil {
				t.Fatal(err)
			}
			if after, _ := ev.AllCounts(context.Background()); !reflect.DeepEqual(before, after) {
				t.Errorf("counts kept by the followers (%d rows) differ from a rebuild (%d rows)", len(before), len(after))
			}
			if f := storetest.Findings(t, st); len(f) > 0 {
				t.Errorf("deep check after the imports: %q", f)
			}
		})
	}
}

// A bad line in the middle of a large file, after whole batches were
// written in the import's transaction, leaves nothing: no events, no
// audit entries, no references taken. Progress is told in line order,
// ending with every line and byte of the file.
func TestBadLineInALargeFileStoresNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		src, a := storetest.Org(t, st, "BLS"), storetest.Org(t, st, "BLA")
		if _, err := demo.AddEvents(storetest.Operator, st, src.ID, 300, nil, 5); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if _, err := bulk.ExportAdverseEvents(context.Background(), st, src.ID, fhir.DefaultConfig(), time.Time{}, &out); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		var file strings.Builder
		const total, bad = 1500, 1201
		for i := 1; i <= total; i++ {
			if i == bad {
				file.WriteString(`{"resourceType":"AdverseEvent","unknownElement":1}` + "\n")
				continue
			}
			file.WriteString(lines[i%len(lines)] + "\n")
		}
		before := storetest.AuditCount(t, st)
		var seen []int
		var lastBytes int64
		res, err := bulk.ImportAdverseEvents(storetest.Operator, st, a.ID, fhir.DefaultConfig(), strings.NewReader(file.String()), func(records int, b int64) {
			seen = append(seen, records)
			lastBytes = b
		})
		if err == nil || res.Imported != 0 || res.Records != total || len(res.Refused) != 1 || res.Refused[0].Line != bad {
			t.Fatalf("import with line %d bad: %+v, %v; want that line refused and nothing imported", bad, res, err)
		}
		if want := []int{1000, total}; !reflect.DeepEqual(seen, want) || lastBytes != int64(file.Len()) {
			t.Errorf("progress told %v, last %d bytes; want %v and %d", seen, lastBytes, want, file.Len())
		}
		var events, refs int
		st.SQL().QueryRow(`SELECT COUNT(*) FROM events WHERE org_id = $1`, a.ID).Scan(&events)
		st.SQL().QueryRow(`SELECT COUNT(*) FROM ref_counters WHERE org_id = $1`, a.ID).Scan(&refs)
		if events != 0 || refs != 0 || storetest.AuditCount(t, st) != before {
			t.Fatalf("after a refused file: %d events, %d reference counters, audit %d -> %d; want nothing", events, refs, before, storetest.AuditCount(t, st))
		}
		good := strings.Replace(file.String(), `{"resourceType":"AdverseEvent","unknownElement":1}`+"\n", "", 1)
		res, err = bulk.ImportAdverseEvents(storetest.Operator, st, a.ID, fhir.DefaultConfig(), strings.NewReader(good), nil)
		if err != nil || res.Imported != total-1 {
			t.Fatalf("import without the bad line: %+v, %v", res, err)
		}
		var distinct, first int
		st.SQL().QueryRow(`SELECT COUNT(DISTINCT ref) FROM events WHERE org_id = $1`, a.ID).Scan(&distinct)
		st.SQL().QueryRow(`SELECT COUNT(*) FROM events WHERE org_id = $1 AND ref LIKE '%-000001'`, a.ID).Scan(&first)
		if distinct != total-1 || first == 0 {
			t.Errorf("references: %d distinct of %d, %d numbered 1; want all distinct, starting again at 1", distinct, total-1, first)
		}
		if f := storetest.Findings(t, st); len(f) > 0 {
			t.Errorf("deep check: %q", f)
		}
	})
}

// The import writer gives its followers each event as it made it, not as
// read back (eventsdb.Written), so what they derive must be what a read
// after the commit gives: with times in another zone and to the
// nanosecond, which neither engine keeps as they are, every event's FHIR
// version is the event as read now, its history and row keep the same
// times, the counts are those a rebuild makes, and the deep check finds
// every content hash right.
func TestFollowersTakeImportedEventsAsStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		org := storetest.Org(t, st, "FIS")
		zone := time.FixedZone("IST", 5*3600+1800)
		hs := demo.GenerateEvents(120, 3, storetest.FixedTime, "", nil)
		statuses := map[events.Status]bool{}
		for i := range hs {
			h := &hs[i]
			h.SubmittedAt = h.SubmittedAt.Add(time.Duration(i*7919+123) * time.Nanosecond).In(zone)
			if !h.ChangedAt.IsZero() {
				h.ChangedAt = h.ChangedAt.Add(987654321 * time.Nanosecond).In(zone)
			}
			statuses[h.Status] = true
		}
		if len(statuses) < 3 {
			t.Fatalf("generated statuses %v, want at least three", statuses)
		}
		if n, err := eventsdb.New(st).ImportHistorical(storetest.Operator, org.ID, hs); err != nil || n != len(hs) {
			t.Fatalf("import: %d, %v", n, err)
		}
		rows, err := st.SQL().Query(`SELECT v.event_id, v.snapshot, v.last_updated, e.updated_at FROM fhir_versions v JOIN events e ON e.id = v.event_id
			WHERE v.org_id = $1 ORDER BY v.event_id`, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		type version struct {
			id, snapshot     string
			last, rowUpdated time.Time
		}
		var vs []version
		for rows.Next() {
			var v version
			if err := rows.Scan(&v.id, &v.snapshot, &v.last, &v.rowUpdated); err != nil {
				t.Fatal(err)
			}
			vs = append(vs, v)
		}
		rows.Close()
		if len(vs) != len(hs) {
			t.Fatalf("%d FHIR versions for %d imported events", len(vs), len(hs))
		}
		fd := fhirdb.New(st)
		for _, v := range vs {
			in, err := fd.Event(context.Background(), org.ID, v.id)
			if err != nil {
				t.Fatal(err)
			}
			read, _ := json.Marshal(in)
			if string(read) != v.snapshot {
				t.Fatalf("event %s: FHIR version kept by the followers\n %s\nthe event as read\n %s", v.id, v.snapshot, read)
			}
			if !v.last.Equal(v.rowUpdated) || !v.last.Equal(in.UpdatedAt) {
				t.Fatalf("event %s: version last updated %v, row %v, read %v", v.id, v.last, v.rowUpdated, in.UpdatedAt)
			}
		}
		ev := evidencedb.New(st)
		before, _ := ev.AllCounts(context.Background())
		if _, err := ev.Rebuild(storetest.Operator); err != nil {
			t.Fatal(err)
		}
		if after, _ := ev.AllCounts(context.Background()); len(before) == 0 || !reflect.DeepEqual(before, after) {
			t.Errorf("counts kept by the followers (%d rows) differ from a rebuild (%d rows)", len(before), len(after))
		}
		if f := storetest.Findings(t, st); len(f) > 0 {
			t.Errorf("deep check after the import: %q", f)
		}
	})
}
