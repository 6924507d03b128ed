package events

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

var now = time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)

func pageIDs(ps []Page) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// TestStandardFlowIsWellFormed checks the flow as data: unique ids, every
// code list known, every condition and group naming a question before it.
func TestStandardFlowIsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, q := range Standard.Questions {
		key := q.Group + "/" + q.ID
		if seen[key] {
			t.Errorf("question %s appears twice", key)
		}
		seen[key] = true
		if (q.Kind == KindChoice || q.Kind == KindMulti) && len(q.Choices(LFPSE)) == 0 {
			t.Errorf("question %s: list %q is empty or unknown", q.ID, q.List)
		}
		if q.If != nil && !seen["/"+q.If.Question] {
			t.Errorf("question %s depends on %s, which is not asked before it", q.ID, q.If.Question)
		}
		if q.Group != "" && !seen["/"+q.Group] {
			t.Errorf("question %s is in group %s, which is not defined before it", q.ID, q.Group)
		}
		if q.LFPSE == "" {
			t.Errorf("question %s names no LFPSE element", q.ID)
		}
	}
	for name, l := range LFPSE.Lists {
		codes := map[string]bool{}
		for _, e := range l.Entries {
			if codes[e.Code] || e.Label == "" {
				t.Errorf("list %s: code %q repeated or without words", name, e.Code)
			}
			codes[e.Code] = true
		}
	}
}

func TestPagesBranch(t *testing.T) {
	r := Record{}
	if got := pageIDs(Standard.Pages(r, Staff)); !slices.Equal(got, []string{"type"}) {
		t.Fatalf("pages without a type = %v, want only the type page", got)
	}
	r = Record{Type: Incident, Answers: Answers{AnsAgents: {"4"}}}
	staff := pageIDs(Standard.Pages(r, Staff))
	for _, want := range []string{"type", AnsDescription, AnsWhenKind, AnsLocation, AnsAgents, GroupMedicines, AnsPatientsSaid, AnsConcern, AnsReporterRole} {
		if !slices.Contains(staff, want) {
			t.Errorf("incident pages %v lack %s", staff, want)
		}
	}
	for _, not := range []string{AnsSystem, GroupDevices, AnsDate, GroupPatients, "risk.theme", AnsReporterType} {
		if slices.Contains(staff, not) {
			t.Errorf("incident pages %v ask %s, which does not apply", staff, not)
		}
	}
	r.Answers[AnsAgents] = []string{AgentIT}
	r.Answers[AnsWhenKind] = []string{"exact"}
	got := Standard.Pages(r, Staff)
	if ids := pageIDs(got); !slices.Contains(ids, AnsSystem) || !slices.Contains(ids, AnsITFactors) {
		t.Errorf("IT systems among the agents: pages %v, want the IT questions", ids)
	}
	p, _, ok := Standard.FindPage(r, Staff, AnsDate)
	if !ok || len(p.Questions) != 2 || p.Questions[1].ID != AnsTime {
		t.Errorf("exact date page = %+v, want date and time together", p)
	}
	pub := pageIDs(Standard.Pages(r, Public))
	if slices.Contains(pub, AnsSystem) || !slices.Contains(pub, AnsReporterType) || slices.Contains(pub, AnsServiceArea) {
		t.Errorf("public pages %v: want no register or service area, and who they are", pub)
	}
}

func TestCheck(t *testing.T) {
	c := Context{Now: now, Systems: []Entry{{Code: "sys-1", Label: "ePMA"}}}
	good := Record{Type: Incident, Answers: Answers{
		AnsDescription: {"The wrong patient's results were shown"}, AnsWhenKind: {"exact"}, AnsDate: {"2026-11-30"}, AnsTime: {"09:15"},
		AnsLocation: {"Ward 7"}, AnsServiceArea: {"acute"}, AnsAgents: {AgentIT}, AnsSystem: {"sys-1"}, AnsITFactors: {"4"},
		AnsPatientsSaid: {"y"}, AnsConcern: {"4"}, AnsDataSharing: {DataShare},
	}, Groups: map[string][]Answers{GroupPatients: {{PatPhysical: {"4"}, PatPsych: {"3"}, PatAssociation: {"5"}}}}}
	if err := Standard.Check(good, Staff, c); err != nil {
		t.Fatalf("Check(good) = %v (%v), want nil", err, apperr.FieldsOf(err))
	}
	cases := []struct {
		name  string
		edit  func(r *Record)
		field string
		want  string
	}{
		{"no type", func(r *Record) { r.Type = "" }, "type", "Select what kind"},
		{"bad type", func(r *Record) { r.Type = "9" }, "type", "Select what kind"},
		{"missing description", func(r *Record) { delete(r.Answers, AnsDescription) }, AnsDescription, "Enter an answer"},
		{"future date", func(r *Record) { r.Answers[AnsDate] = []string{"2026-12-02"} }, AnsDate, "today or in the past"},
		{"not a date", func(r *Record) { r.Answers[AnsDate] = []string{"2026-02-30"} }, AnsDate, "real date"},
		{"later today", func(r *Record) { r.Answers[AnsDate] = []string{"2026-12-01"}; r.Answers[AnsTime] = []string{"23:00"} }, AnsTime, "now or in the past"},
		{"bad time", func(r *Record) { r.Answers[AnsTime] = []string{"25:00"} }, AnsTime, "24-hour"},
		{"code outside the taxonomy", func(r *Record) { r.Answers[AnsConcern] = []string{"2"} }, AnsConcern, "from the list"},
		{"unknown system", func(r *Record) { r.Answers[AnsSystem] = []string{"sys-2"} }, AnsSystem, "from the register"},
		{"oversize text", func(r *Record) { r.Answers[AnsLocation] = []string{strings.Repeat("x", 201)} }, AnsLocation, "200 characters"},
		{"NUL", func(r *Record) { r.Answers[AnsDescription] = []string{"a\x00b"} }, AnsDescription, "cannot be stored"},
		{"patient without harm", func(r *Record) { delete(r.Groups[GroupPatients][0], PatPhysical) }, "patients.0.physical_harm", "Select an answer"},
		{"patients said but none", func(r *Record) { r.Groups = nil }, GroupPatients, "at least one"},
		{"two choices", func(r *Record) { r.Answers[AnsConcern] = []string{"4", "5"} }, AnsConcern, "Select one"},
	}
	for _, tc := range cases {
		r := Record{Type: good.Type, Answers: Answers{}, Groups: map[string][]Answers{}}
		for k, v := range good.Answers {
			r.Answers[k] = slices.Clone(v)
		}
		for k, items := range good.Groups {
			for _, it := range items {
				c := Answers{}
				for ik, iv := range it {
					c[ik] = iv
				}
				r.Groups[k] = append(r.Groups[k], c)
			}
		}
		tc.edit(&r)
		got := apperr.FieldsOf(Standard.Check(r, Staff, c))
		if !strings.Contains(got[tc.field], tc.want) {
			t.Errorf("%s: field %s message %q (all %v), want %q", tc.name, tc.field, got[tc.field], got, tc.want)
		}
	}
	// One page at a time: a draft of the first page is fine.
	partial := Record{Type: Incident, Answers: Answers{AnsDescription: {"x"}}}
	if err := Standard.Check(partial, Staff, c, AnsDescription); err != nil {
		t.Errorf("Check of the description page alone = %v, want nil", err)
	}
	if err := Standard.Check(partial, Staff, c); err == nil {
		t.Error("Check of an incomplete record as a submission = nil, want missing answers")
	}
}

// On the night the clocks go back, 01:00 to 01:59 happens twice. A time
// entered in that hour is in the future only if its first reading is: a
// night nurse reporting at 01:52 BST an event at 01:50 is not told that
// 01:50 is yet to come (its second reading, in GMT, is an hour later).
func TestCheckTimeInTheHourThatHappensTwice(t *testing.T) {
	good := Record{Type: Incident, Answers: Answers{
		AnsDescription: {"Infusion pump stopped without alarm"}, AnsWhenKind: {"exact"}, AnsDate: {"2026-10-25"}, AnsTime: {"01:50"},
		AnsLocation: {"Ward 7"}, AnsServiceArea: {"acute"}, AnsAgents: {AgentIT}, AnsSystem: {"sys-1"}, AnsITFactors: {"4"},
		AnsPatientsSaid: {"y"}, AnsConcern: {"4"}, AnsDataSharing: {DataShare},
	}, Groups: map[string][]Answers{GroupPatients: {{PatPhysical: {"4"}, PatPsych: {"3"}, PatAssociation: {"5"}}}}}
	firstPass := time.Date(2026, 10, 25, 0, 52, 0, 0, time.UTC) // 01:52 BST
	c := Context{Now: firstPass, Systems: []Entry{{Code: "sys-1", Label: "ePMA"}}}
	if err := Standard.Check(good, Staff, c); err != nil {
		t.Errorf("01:50 entered at 01:52 BST on the night the clocks go back: %v (%v), want accepted", err, apperr.FieldsOf(err))
	}
	later := good
	later.Answers = Answers{}
	for k, v := range good.Answers {
		later.Answers[k] = v
	}
	later.Answers[AnsTime] = []string{"01:59"} // 00:59 UTC at the earliest, 7 minutes ahead
	if got := apperr.FieldsOf(Standard.Check(later, Staff, c)); !strings.Contains(got[AnsTime], "now or in the past") {
		t.Errorf("01:59 entered at 01:52 BST: fields %v, want the time refused as still to come", got)
	}
}

func TestPruneDropsAnswersOfClosedBranches(t *testing.T) {
	r := Record{Type: Incident, Answers: Answers{AnsAgents: {AgentMedication}, AnsSystem: {"sys-1"}, AnsITFactors: {"4"},
		"nonsense": {"x"}, AnsLocation: {"  "}, AnsDescription: {" a ", "a"}},
		Groups: map[string][]Answers{GroupDevices: {{DevFactors: {"3"}}}, GroupMedicines: {{"name": {"Gentamicin"}, "bogus": {"y"}}}}}
	Standard.Prune(&r, Staff)
	for _, id := range []string{AnsSystem, AnsITFactors, "nonsense", AnsLocation} {
		if _, ok := r.Answers[id]; ok {
			t.Errorf("after Prune, answer %s = %v, want dropped", id, r.Answers[id])
		}
	}
	if got := r.Answers[AnsDescription]; !slices.Equal(got, []string{"a"}) {
		t.Errorf("description = %q, want trimmed and deduplicated", got)
	}
	if _, ok := r.Groups[GroupDevices]; ok {
		t.Error("devices kept though devices are not among the agents")
	}
	if got := r.Groups[GroupMedicines]; len(got) != 1 || got[0].Get("name") != "Gentamicin" || got[0]["bogus"] != nil {
		t.Errorf("medicines = %v, want the one medicine without unknown answers", got)
	}
}

func TestLocalQuestions(t *testing.T) {
	l := LocalQuestion{ID: "q1", Type: Incident, Kind: KindChoice, Prompt: "Which site?", Options: []string{"North", " ", "South"}, Required: true}
	if err := l.Check(); err != nil {
		t.Fatalf("Check = %v", err)
	}
	f := Standard.WithLocal([]LocalQuestion{l})
	r := Record{Type: Incident, Answers: Answers{}}
	p, _, ok := f.FindPage(r, Staff, "local.q1")
	if !ok || p.Questions[0].Choices(LFPSE)[1].Label != "South" {
		t.Fatalf("local page = %+v, %v; want the question with its two options", p, ok)
	}
	if _, _, ok := f.FindPage(Record{Type: Risk}, Staff, "local.q1"); ok {
		t.Error("a local question of incidents is asked of risks")
	}
	if got := apperr.FieldsOf(f.Check(r, Staff, Context{Now: now}, "local.q1")); got["local.q1"] == "" {
		t.Errorf("unanswered required local question: %v, want a message", got)
	}
	r.Answers["local.q1"] = []string{"2"}
	if rows := f.Summary(r, Staff, Context{}); !slices.ContainsFunc(rows, func(s SummaryRow) bool { return s.Field == "local.q1" && s.Answer[0] == "South" }) {
		t.Errorf("summary lacks the local answer in words: %+v", rows)
	}
	bad := LocalQuestion{Type: "7", Kind: KindGroup, Options: []string{"one"}}
	if got := apperr.FieldsOf(bad.Check()); got["record_type"] == "" || got["kind"] == "" || got["prompt"] == "" {
		t.Errorf("bad local question messages %v, want type, kind and prompt", got)
	}
}

func TestDerived(t *testing.T) {
	r := Record{Type: Incident, Answers: Answers{AnsAgents: {AgentIT, AgentDevice}, AnsSystem: {"sys-1"}, AnsWhenKind: {"approximate"}, AnsDate: {"2026-11-20"}},
		Groups: map[string][]Answers{GroupPatients: {{PatPhysical: {"4"}}, {PatPhysical: {"2"}}, {}}}}
	if r.SystemID() != "sys-1" || r.ReportedHarm() != "2" {
		t.Errorf("SystemID %q harm %q, want sys-1 and 2 (severe, the worst)", r.SystemID(), r.ReportedHarm())
	}
	if d, est := r.OccurredOn(now); d != "2026-11-20" || !est {
		t.Errorf("OccurredOn = %s %v, want 2026-11-20 estimated", d, est)
	}
	r.Answers[AnsSystem] = []string{NoSystem}
	if r.SystemID() != "" {
		t.Errorf("SystemID of a system not in the register = %q, want empty", r.SystemID())
	}
}
