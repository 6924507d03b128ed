package bulk_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/bulk"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirtest"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func incident(desc string) events.Record {
	return events.Record{Type: events.Incident, Answers: events.Answers{
		events.AnsDescription: {desc}, events.AnsWhenKind: {"exact"},
		events.AnsDate: {"2026-11-23"}, events.AnsTime: {"08:40"}, events.AnsLocation: {"Ward 7"}, events.AnsServiceArea: {"acute"},
		events.AnsAgents: {events.AgentMedication}, events.AnsPatientsSaid: {"y"}, events.AnsConcern: {"4"}, events.AnsReporterRole: {"nurse"}, events.AnsDataSharing: {events.DataShare},
	}, Groups: map[string][]events.Answers{
		events.GroupPatients:  {{events.PatPhysical: {"4"}, events.PatPsych: {"4"}, events.PatAssociation: {"5"}}},
		events.GroupMedicines: {{"name": {"Warfarin"}}},
	}}
}

func count(t *testing.T, st *store.DB, org store.Org) int {
	var n int
	if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM events WHERE org_id = $1`, org.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestExportThenImportAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		a, b := storetest.Org(t, st, "BKA"), storetest.Org(t, st, "BKB")
		nurse := storetest.User(t, st, a, "nurse@bk.test", auth.Reporter)
		ev := eventsdb.New(st)
		for _, d := range []string{"First", "Second", "Third"} {
			if _, err := ev.Report(storetest.As(nurse), a.ID, incident(d+" dose given twice"), eventsdb.Submission{Audience: events.Staff, ReporterID: nurse.ID}); err != nil {
				t.Fatal(err)
			}
		}
		cfg := fhir.DefaultConfig()
		var out bytes.Buffer
		n, err := bulk.ExportAdverseEvents(context.Background(), st, a.ID, cfg, time.Time{}, &out)
		if err != nil || n != 3 || strings.Count(out.String(), "\n") != 3 {
			t.Fatalf("export: %d (%v), %d lines; want 3", n, err, strings.Count(out.String(), "\n"))
		}
		if n, _ := bulk.ExportAdverseEvents(context.Background(), st, a.ID, cfg, storetest.FixedTime.Add(time.Hour), &bytes.Buffer{}); n != 0 {
			t.Errorf("export since a later time wrote %d, want 0", n)
		}
		if n, _ := bulk.ExportAdverseEvents(context.Background(), st, b.ID, cfg, time.Time{}, &bytes.Buffer{}); n != 0 {
			t.Errorf("another organisation's export wrote %d, want 0", n)
		}

		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		for _, l := range lines {
			fhirtest.Validate(t, []byte(l))
		}
		bad := lines[0] + "\n" + `{"resourceType":"AdverseEvent","unknownElement":1}` + "\n" + lines[1] + "\n" + lines[2] + "\n"
		before := storetest.AuditCount(t, st)
		res, err := bulk.ImportAdverseEvents(storetest.As(nurse), st, b.ID, cfg, strings.NewReader(bad), nil)
		if !apperr.Is(err, apperr.Invalid) || res.Imported != 0 || len(res.Refused) != 1 || res.Refused[0].Line != 2 || res.Records != 4 {
			t.Fatalf("import with a bad second line: %+v (%v), want line 2 refused and nothing imported", res, err)
		}
		if !strings.Contains(res.Refused[0].Expression+res.Refused[0].Reason, "unknownElement") {
			t.Errorf("refusal %+v, want it to name the unknown element", res.Refused[0])
		}
		if n := count(t, st, b); n != 0 || storetest.AuditCount(t, st) != before {
			t.Fatalf("after a refused file: %d events stored, audit %d -> %d; want nothing", n, before, storetest.AuditCount(t, st))
		}
		res, err = bulk.ImportAdverseEvents(storetest.As(nurse), st, b.ID, cfg, strings.NewReader(out.String()), nil)
		if err != nil || res.Imported != 3 {
			t.Fatalf("import of the export: %+v (%v), want 3", res, err)
		}
		if n := count(t, st, b); n != 3 {
			t.Errorf("events in B after import %d, want 3", n)
		}
		if f := storetest.Findings(t, st); len(f) > 0 {
			t.Errorf("deep audit check: %q", f)
		}
	})
}

func TestExportDevicesStreamsTheRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		if _, err := demo.Load(storetest.Operator, st, demo.Options{Password: "correct horse battery staple 42"}); err != nil {
			t.Fatal(err)
		}
		org, err := st.OrgByODS(context.Background(), demo.TrustODS)
		if err != nil {
			t.Fatal(err)
		}
		var want int
		if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM implants WHERE org_id = $1`, org.ID).Scan(&want); err != nil || want == 0 {
			t.Fatalf("demo implants: %d (%v)", want, err)
		}
		var out bytes.Buffer
		n, err := bulk.ExportDevices(context.Background(), st, org.ID, fhir.DefaultConfig(), time.Time{}, &out)
		if err != nil || n != want || strings.Count(out.String(), "\n") != want {
			t.Fatalf("export devices: %d (%v), want %d lines", n, err, want)
		}
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if !strings.HasPrefix(l, `{"resourceType":"Device"`) {
				t.Fatalf("line %.80s is not a Device", l)
			}
			fhirtest.Validate(t, []byte(l))
		}
	})
}
