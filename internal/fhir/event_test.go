package fhir

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	created   = time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC)
	submitted = time.Date(2026, 11, 30, 9, 20, 0, 0, time.UTC)
)

// samples are one event of each record type, an anonymous report and
// one with a device, as eventsdb would give them.
func samples() map[string]EventInput {
	base := func(id, ref string, rec events.Record) EventInput {
		rec.TaxonomyVersion = events.TaxonomyVersion
		if rec.Answers[events.AnsDataSharing] == nil {
			rec.Answers[events.AnsDataSharing] = []string{events.DataShare}
		}
		return EventInput{ID: id, Ref: ref, OrgODS: "RX1", Record: rec, Status: events.Submitted, Audience: events.Staff,
			ReporterID: "0b7d2c44-5f0e-4d7e-9a53-1f3a9c1d2e01", ReporterName: "Sam Carter", Version: 1,
			CreatedAt: created, UpdatedAt: submitted, SubmittedAt: &submitted}
	}
	incident := base("4f1c8a8e-1111-4b7a-9c55-2a6c7e0d1001", "PSE-2026-000001", events.Record{Type: events.Incident, Answers: events.Answers{
		"description": {"The infusion pump alarm did not sound when the line occluded."},
		"when.kind":   {"exact"}, "when.date": {"2026-11-29"}, "when.time": {"14:30"},
		"where.location": {"Ward 7"}, "where.service_area": {"acute"}, "where.specialty": {"medicine"},
		"agents": {"4", "9"}, "it.system": {"sys-1"}, "it.factors": {"4", "5"}, "it.problem": {"The screen froze"},
		"patients.affected": {"y"}, "concern": {"4"}, "immediate_actions": {"Pump replaced"}, "process_stage": {"6"},
		"detection": {"3"}, "reporter.role": {"nurse"}, "local.ward-manager": {"Told"},
	}, Groups: map[string][]events.Answers{
		"patients":  {{"physical_harm": {"4"}, "psychological_harm": {"3"}, "age_bracket": {"66-75"}, "association": {"5"}}},
		"medicines": {{"name": {"Morphine sulfate"}, "problem": {"Given late"}}},
	}})
	outcome := base("4f1c8a8e-2222-4b7a-9c55-2a6c7e0d1002", "PSE-2026-000002", events.Record{Type: events.Outcome, Answers: events.Answers{
		"description": {"Returned to theatre after bleeding."}, "when.kind": {"approximate"}, "when.date": {"2026-11-20"},
		"where.location": {"Theatre 3"}, "where.service_area": {"theatres"}, "agents": {"10"}, "patients.affected": {"y"},
		"outcome.type": {"3"}, "process_stage": {"7"},
	}, Groups: map[string][]events.Answers{
		"patients": {{"physical_harm": {"3"}, "psychological_harm": {"2"}, "association": {"4"}}, {"physical_harm": {"5"}, "psychological_harm": {"4"}, "association": {"3"}}},
	}})
	outcome.Gradings = []Grading{{Patient: 0, Physical: "2", Psychological: "2"}}
	outcome.Status = events.InReview
	outcome.Version = 3
	risk := base("4f1c8a8e-3333-4b7a-9c55-2a6c7e0d1003", "PSE-2026-000003", events.Record{Type: events.Risk, Answers: events.Answers{
		"description": {"Only one nurse on nights covers two bays."}, "where.location": {"Ward 9"}, "where.service_area": {"acute"},
		"agents": {"10"}, "concern": {"5"}, "risk.theme": {"1"}, "risk.imminent": {"n"}, "risk.timeframe": {"2"},
	}})
	good := base("4f1c8a8e-4444-4b7a-9c55-2a6c7e0d1004", "PSE-2026-000004", events.Record{Type: events.GoodCare, Answers: events.Answers{
		"description": {"The team spotted sepsis early."}, "when.kind": {"shift"}, "when.date": {"2026-11-28"}, "when.shift": {"night"},
		"where.location": {"Emergency department"}, "where.service_area": {"emergency"}, "good.again": {"Use the sepsis screen"},
		"good.detected": {"At handover"},
	}})
	anon := base("4f1c8a8e-5555-4b7a-9c55-2a6c7e0d1005", "PSE-2026-000005", events.Record{Type: events.Incident, Answers: events.Answers{
		"description": {"I was given the wrong leaflet."}, "when.kind": {"today"}, "where.location": {"Pharmacy counter"},
		"agents": {"10"}, "patients.affected": {"n"}, "concern": {"3"}, "reporter.type": {"patient"}, "reporter.data_sharing": {"n"},
	}})
	anon.Audience, anon.Anonymous, anon.ReporterID, anon.ReporterName = events.Public, true, "", ""
	device := base("4f1c8a8e-6666-4b7a-9c55-2a6c7e0d1006", "PSE-2026-000006", events.Record{Type: events.Incident, Answers: events.Answers{
		"description": {"The hip stem fractured at six weeks."}, "when.kind": {"exact"}, "when.date": {"2026-07-01"}, "when.time": {"08:05"},
		"where.location": {"Orthopaedic clinic"}, "where.service_area": {"outpatient"}, "agents": {"3"}, "patients.affected": {"y"},
		"concern": {"5"},
	}, Groups: map[string][]events.Answers{
		"patients": {{"physical_harm": {"3"}, "psychological_harm": {"3"}, "association": {"6"}}},
		"devices": {{"barcode": {"(01)09521234543213(17)281231(10)LOT42(21)SN0001"}, "type": {"89"}, "factors": {"4"},
			"manufacturer": {"Acme Orthopaedics"}, "model": {"Stem 12"}, "serial": {"SN0001"}, "lot": {"LOT42"}}},
	}})
	device.Confidential = true
	return map[string]EventInput{"incident": incident, "outcome": outcome, "risk": risk, "goodcare": good, "anonymous": anon, "device": device}
}

func TestGoldenAdverseEvents(t *testing.T) {
	cfg := DefaultConfig()
	for name, in := range samples() {
		t.Run(name, func(t *testing.T) {
			ae, err := AdverseEventFromEvent(cfg, in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(ae, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "adverseevent-"+name+".json")
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
				t.Errorf("%s differs from the mapping; run go test -update and review the diff\n%s", golden, got)
			}
			fhirtest.Validate(t, got)
		})
	}
}

// TestRoundTrip: event -> AdverseEvent -> JSON -> strict decode -> event
// gives the same record and the same facts beside it.
func TestRoundTrip(t *testing.T) {
	cfg := DefaultConfig()
	for name, in := range samples() {
		t.Run(name, func(t *testing.T) {
			ae, err := AdverseEventFromEvent(cfg, in)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(ae)
			if err != nil {
				t.Fatal(err)
			}
			var back AdverseEvent
			if err := Decode(b, &back); err != nil {
				t.Fatalf("decode own output: %v", err)
			}
			rec, meta, err := EventFromAdverseEvent(cfg, back)
			if err != nil {
				t.Fatalf("read own output: %v", err)
			}
			want := in.Record
			if !reflect.DeepEqual(rec, want) {
				t.Errorf("record changed on the way round:\n got %#v\nwant %#v", rec, want)
			}
			if meta.Ref != in.Ref || meta.Status != in.Status || meta.Anonymous != in.Anonymous || meta.Confidential != in.Confidential || meta.Audience != in.Audience {
				t.Errorf("meta = %+v, want ref %s status %s anonymous %v confidential %v", meta, in.Ref, in.Status, in.Anonymous, in.Confidential)
			}
			if !reflect.DeepEqual(meta.Gradings, in.Gradings) {
				t.Errorf("gradings = %+v, want %+v", meta.Gradings, in.Gradings)
			}
		})
	}
}

// DataSharingOptOut comes from the reporter's answer: true for an opt-out,
// false for an agreement, and, for a record reported before the question,
// the LFPSE default false in a submission but nothing in clinsafe's own
// FHIR (so that reading it back keeps it unanswered).
func TestDataSharingOptOutFromTheRecord(t *testing.T) {
	reporterFlag := func(ae AdverseEvent, cfg Config) (bool, bool) {
		for _, c := range ae.Contained {
			p, ok := c.(*Practitioner)
			if !ok {
				continue
			}
			for _, e := range p.Extension {
				if e.URL != cfg.Ext(ExtReporter) {
					continue
				}
				for _, s := range e.Extension {
					if s.URL == "DataSharingOptOut" && s.ValueBoolean != nil {
						return *s.ValueBoolean, true
					}
				}
			}
		}
		return false, false
	}
	in := samples()["risk"]
	for _, tc := range []struct {
		answer     string
		submission bool
		want       bool
		present    bool
	}{
		{events.DataOptOut, true, true, true}, {events.DataOptOut, false, true, true},
		{events.DataShare, true, false, true}, {events.DataShare, false, false, true},
		{"", true, false, true}, {"", false, false, false},
	} {
		cfg := DefaultConfig()
		cfg.Submission = tc.submission
		rec := in.Record
		rec.Answers = events.Answers{}
		for k, v := range in.Record.Answers {
			rec.Answers[k] = v
		}
		delete(rec.Answers, events.AnsDataSharing)
		if tc.answer != "" {
			rec.Answers[events.AnsDataSharing] = []string{tc.answer}
		}
		ei := in
		ei.Record = rec
		ae, err := AdverseEventFromEvent(cfg, ei)
		if err != nil {
			t.Fatal(err)
		}
		got, present := reporterFlag(ae, cfg)
		if got != tc.want || present != tc.present {
			t.Errorf("answer %q, submission %v: DataSharingOptOut %v (present %v), want %v (present %v)", tc.answer, tc.submission, got, present, tc.want, tc.present)
		}
		if tc.submission {
			continue
		}
		b, err := json.Marshal(ae)
		if err != nil {
			t.Fatal(err)
		}
		var back AdverseEvent
		if err := Decode(b, &back); err != nil {
			t.Fatal(err)
		}
		r, meta, err := EventFromAdverseEvent(cfg, back)
		if err != nil {
			t.Fatal(err)
		}
		if r.Answers.Get(events.AnsDataSharing) != tc.answer || meta.DataSharingOptOut != tc.want {
			t.Errorf("answer %q read back as %q (meta %v)", tc.answer, r.Answers.Get(events.AnsDataSharing), meta.DataSharingOptOut)
		}
		if x := meta.Expression(events.AnsDataSharing); !strings.HasPrefix(x, "AdverseEvent.contained[") {
			t.Errorf("answer %q: a refusal of the data sharing answer points at %s, want the reporter", tc.answer, x)
		}
	}
}

// A time in the hour that happens twice when the clocks go back is sent
// as its first reading (BST), the one the reporting flow checked against
// the time of the report: its second (GMT) would put the event after a
// report made at 01:52 BST.
func TestOccurrenceInTheHourThatHappensTwice(t *testing.T) {
	in := samples()["incident"]
	rec := in.Record
	rec.Answers = events.Answers{}
	for k, v := range in.Record.Answers {
		rec.Answers[k] = v
	}
	rec.Answers["when.date"], rec.Answers["when.time"] = []string{"2026-10-25"}, []string{"01:50"}
	in.Record = rec
	ae, err := AdverseEventFromEvent(DefaultConfig(), in)
	if err != nil {
		t.Fatal(err)
	}
	if ae.Date != "2026-10-25T01:50:00+01:00" {
		t.Errorf("AdverseEvent.date = %q, want 2026-10-25T01:50:00+01:00 (the first 01:50)", ae.Date)
	}
	if got := occurrence(samples()["device"].Record, submitted); got != "2026-07-01T08:05:00+01:00" {
		t.Errorf("a summer time: %q, want 2026-07-01T08:05:00+01:00", got)
	}
}
