package events

import (
	"slices"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

// Every reporter, of every record type, staff or public (the anonymous
// form is the public one), meets the data sharing question, on the
// reporter part of the flow; a submission without the answer is refused
// naming the field.
func TestDataSharingAskedOfEveryReporter(t *testing.T) {
	q, ok := Standard.Question(AnsDataSharing)
	if !ok {
		t.Fatalf("the standard flow has no question %s", AnsDataSharing)
	}
	if q.Kind != KindChoice || !q.Required || q.LFPSE != "DataSharingOptOut" || q.Hint == "" {
		t.Errorf("question %s = %+v, want a required choice filling DataSharingOptOut, with a hint saying what opting out means", q.ID, q)
	}
	codes := []string{}
	for _, e := range q.Choices(LFPSE) {
		codes = append(codes, e.Code)
	}
	if !slices.Equal(codes, []string{DataShare, DataOptOut}) {
		t.Errorf("choices %v, want yes (%s) and opt out (%s)", codes, DataShare, DataOptOut)
	}
	c := Context{Now: now}
	for _, typ := range RecordTypes {
		for _, a := range []Audience{Staff, Public} {
			r := Record{Type: typ, Answers: Answers{AnsAgents: {"10"}, AnsPatientsSaid: {"n"}, AnsWhenKind: {"today"}}}
			ids := pageIDs(Standard.Pages(r, a))
			i := slices.Index(ids, AnsDataSharing)
			if i < 0 {
				t.Errorf("%s, %s: pages %v do not ask %s", typ.Label(), a, ids, AnsDataSharing)
				continue
			}
			// On the reporter part: the last page, after who they are
			// (public) or their role (staff).
			before := AnsReporterRole
			if a == Public {
				before = AnsReporterType
			}
			if i != len(ids)-1 || ids[i-1] != before {
				t.Errorf("%s, %s: pages %v, want %s last, after %s", typ.Label(), a, ids, AnsDataSharing, before)
			}
			fs := apperr.FieldsOf(Standard.Check(r, a, c))
			if !strings.Contains(fs[AnsDataSharing], "Select an answer") {
				t.Errorf("%s, %s: no answer gives %q (all %v), want a per-field message", typ.Label(), a, fs[AnsDataSharing], fs)
			}
			r.Answers[AnsDataSharing] = []string{"maybe"}
			fs = apperr.FieldsOf(Standard.Check(r, a, c, AnsDataSharing))
			if !strings.Contains(fs[AnsDataSharing], "from the list") {
				t.Errorf("%s, %s: answer outside the list gives %q, want refused", typ.Label(), a, fs[AnsDataSharing])
			}
			// Both answers at once (a forged form) is no answer to a
			// question of consent.
			r.Answers[AnsDataSharing] = []string{DataShare, DataOptOut}
			fs = apperr.FieldsOf(Standard.Check(r, a, c, AnsDataSharing))
			if !strings.Contains(fs[AnsDataSharing], "Select one answer") {
				t.Errorf("%s, %s: both answers give %q, want refused", typ.Label(), a, fs[AnsDataSharing])
			}
		}
	}
	// Local questions are still added before the reporter's questions.
	local := Standard.WithLocal([]LocalQuestion{{ID: "x", Type: Incident, Kind: KindText, Prompt: "Local?"}})
	ids := pageIDs(local.Pages(Record{Type: Incident, Answers: Answers{}}, Staff))
	if l, d := slices.Index(ids, "local.x"), slices.Index(ids, AnsDataSharing); l < 0 || d < l {
		t.Errorf("pages with a local question %v: want the local question before %s", ids, AnsDataSharing)
	}
}

// The record says whether the reporter opted out; a record without the
// answer (reported before the question) has not.
func TestRecordDataSharingOptOut(t *testing.T) {
	for _, tc := range []struct {
		ans  []string
		want bool
	}{{nil, false}, {[]string{DataShare}, false}, {[]string{DataOptOut}, true}} {
		r := Record{Type: Incident, Answers: Answers{}}
		if tc.ans != nil {
			r.Answers[AnsDataSharing] = tc.ans
		}
		if got := r.DataSharingOptOut(); got != tc.want {
			t.Errorf("answer %v: DataSharingOptOut() = %v, want %v", tc.ans, got, tc.want)
		}
		if got := r.DataSharingAnswered(); got != (tc.ans != nil) {
			t.Errorf("answer %v: DataSharingAnswered() = %v", tc.ans, got)
		}
	}
}

// An event reported before clinsafe asked (an import) needs no data
// sharing answer; one it gives is still checked, and the standard flow
// is left as it was.
func TestHistoricalFlowDoesNotRequireDataSharing(t *testing.T) {
	r := Record{Type: Risk, Answers: Answers{AnsDescription: {"Bay doors left open"}, AnsLocation: {"Ward 2"}, AnsServiceArea: {"acute"},
		AnsAgents: {"10"}, AnsConcern: {"3"}, "risk.theme": {"1"}, "risk.imminent": {"n"}}}
	c := Context{Now: now}
	if err := Standard.Historical().Check(r, Staff, c); err != nil {
		t.Errorf("historical record without the answer: %v (%v), want nil", err, apperr.FieldsOf(err))
	}
	if err := Standard.Check(r, Staff, c); apperr.FieldsOf(err)[AnsDataSharing] == "" {
		t.Errorf("the standard flow no longer requires the answer: %v", err)
	}
	r.Answers[AnsDataSharing] = []string{"x"}
	if err := Standard.Historical().Check(r, Staff, c); apperr.FieldsOf(err)[AnsDataSharing] == "" {
		t.Errorf("historical record with an answer outside the list: %v, want refused", err)
	}
}
