package fhir

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

func goldenAE(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/adverseevent-" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeRefuses(t *testing.T) {
	ok := string(goldenAE(t, "incident"))
	cases := []struct {
		name, body, code, expr string
	}{
		{"malformed", `{"resourceType": "AdverseEvent",`, CodeStructure, ""},
		{"not an object", `[1,2]`, CodeStructure, ""},
		{"trailing data", `{"resourceType":"AdverseEvent","actuality":"actual","subject":{"display":"x"}} {}`, CodeStructure, ""},
		{"missing resourceType", `{"actuality":"actual"}`, CodeRequired, "resourceType"},
		{"wrong resourceType", `{"resourceType":"Patient"}`, CodeInvalid, "resourceType"},
		{"unknown element", strings.Replace(ok, `"actuality"`, `"colour": "red", "actuality"`, 1), CodeStructure, "AdverseEvent.colour"},
		{"primitive extension", strings.Replace(ok, `"actuality"`, `"_date": {"id":"x"}, "actuality"`, 1), CodeStructure, "AdverseEvent._date"},
		{"wrong type", strings.Replace(ok, `"valueInteger": 1`, `"valueInteger": "1"`, 1), CodeStructure, "AdverseEvent.contained[1].extension[0].extension[0].valueInteger"},
		{"fraction", strings.Replace(ok, `"valueInteger": 1`, `"valueInteger": 1.5`, 1), CodeValue, "AdverseEvent.contained[1].extension[0].extension[0].valueInteger"},
		{"null", strings.Replace(ok, `"actuality": "actual"`, `"actuality": null`, 1), CodeStructure, "AdverseEvent.actuality"},
		{"code outside required set", strings.Replace(ok, `"actuality": "actual"`, `"actuality": "maybe"`, 1), CodeCodeInvalid, "AdverseEvent.actuality"},
		{"missing required", strings.Replace(ok, `"actuality": "actual",`, ``, 1), CodeRequired, "AdverseEvent.actuality"},
		{"bad date", strings.Replace(ok, `"date": "2026-11-29T14:30:00+00:00"`, `"date": "29/11/2026"`, 1), CodeValue, "AdverseEvent.date"},
		{"impossible date", strings.Replace(ok, `"date": "2026-11-29T14:30:00+00:00"`, `"date": "2026-02-30"`, 1), CodeValue, "AdverseEvent.date"},
		{"empty string", strings.Replace(ok, `"name": "Ward 7"`, `"name": ""`, 1), CodeValue, "AdverseEvent.contained[0].name"},
		{"empty array", strings.Replace(ok, `"suspectEntity": [`, `"suspectEntity": [], "x": [`, 1), CodeStructure, "AdverseEvent.suspectEntity"},
		{"control character", strings.Replace(ok, `"name": "Ward 7"`, `"name": "Ward\u0000 7"`, 1), CodeValue, "AdverseEvent.contained[0].name"},
		{"huge string", strings.Replace(ok, `"name": "Ward 7"`, `"name": "`+strings.Repeat("x", 10001)+`"`, 1), CodeTooLong, "AdverseEvent.contained[0].name"},
		{"bad id", strings.Replace(ok, `"id": "location"`, `"id": "a location"`, 1), CodeValue, "AdverseEvent.contained[0].id"},
		{"contained without resourceType", strings.Replace(ok, `"contained": [`, `"contained": [{"id":"o"},`, 1), CodeRequired, "AdverseEvent.contained[0].resourceType"},
		{"contained not an object", strings.Replace(ok, `"contained": [`, `"contained": ["Location",`, 1), CodeStructure, "AdverseEvent.contained[0]"},
		{"last of two members counts", strings.Replace(ok, `"actuality": "actual"`, `"actuality": "actual", "actuality": "maybe"`, 1), CodeCodeInvalid, "AdverseEvent.actuality"},
		{"first fault by element name", strings.Replace(ok, `"actuality": "actual"`, `"zebra": 1, "actuality": null`, 1), CodeStructure, "AdverseEvent.actuality"},
		{"number beyond float64 after the resource", `{"resourceType":"AdverseEvent"} 1E700`, CodeStructure, ""},
		{"unknown contained", strings.Replace(ok, `"contained": [`, `"contained": [{"resourceType":"Observation","id":"o"},`, 1), CodeNotSupported, "AdverseEvent.contained[0].resourceType"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ae AdverseEvent
			err := Decode([]byte(c.body), &ae)
			is := IssuesOf(err)
			if len(is) != 1 {
				t.Fatalf("err = %v, want one issue", err)
			}
			if is[0].Code != c.code || is[0].Expression != c.expr {
				t.Errorf("issue = %s %q (%s), want %s %q", is[0].Code, is[0].Expression, is[0].Message, c.code, c.expr)
			}
		})
	}
}

func TestDecodeBundleLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"resourceType":"Bundle","type":"transaction","entry":[`)
	for i := range 20000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"request":{"method":"GET","url":"AdverseEvent"}}`)
	}
	b.WriteString(`]}`)
	var bd Bundle
	is := IssuesOf(Decode([]byte(b.String()), &bd))
	if len(is) != 1 || is[0].Code != CodeTooCostly || is[0].Expression != "Bundle.entry" {
		t.Fatalf("issues = %v, want too-costly at Bundle.entry", is)
	}
}

// TestReadRefuses: the mapping back names the element at fault.
func TestReadRefuses(t *testing.T) {
	ok := string(goldenAE(t, "device"))
	cases := []struct{ name, body, code, expr string }{
		{"code outside LFPSE list", strings.Replace(ok, `"valueCode": "89"`, `"valueCode": "999"`, 1), CodeCodeInvalid, "AdverseEvent.contained[2].extension[0].extension[0].valueCode"},
		{"unknown extension", strings.Replace(ok, `device-information-5`, `device-info-9`, 1), CodeStructure, "AdverseEvent.contained[2].extension[0].url"},
		{"unknown nested", strings.Replace(ok, `"url": "DeviceType"`, `"url": "DeviceKind"`, 1), CodeStructure, "AdverseEvent.contained[2].extension[0].extension[0].url"},
		{"wrong value kind", strings.Replace(ok, `"valueCode": "89"`, `"valueString": "89"`, 1), CodeStructure, "AdverseEvent.contained[2].extension[0].extension[0]"},
		{"dangling reference", strings.Replace(ok, `"reference": "#device1"`, `"reference": "#device9"`, 1), CodeValue, "AdverseEvent.suspectEntity[0].instance.reference"},
		{"other server's reference", strings.Replace(ok, `"reference": "#location"`, `"reference": "Location/123"`, 1), CodeValue, "AdverseEvent.location.reference"},
		{"wrong event type", strings.ReplaceAll(ok, `"code": "1",`, `"code": "7",`), CodeCodeInvalid, "AdverseEvent.event.coding[0].code"},
		{"wrong profile", strings.Replace(ok, `patient-safety-adverse-event-5`, `other-profile`, 1), CodeNotSupported, "AdverseEvent.meta.profile[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ae AdverseEvent
			if err := Decode([]byte(c.body), &ae); err != nil {
				t.Fatalf("decode: %v", err)
			}
			_, _, err := EventFromAdverseEvent(DefaultConfig(), ae)
			is := IssuesOf(err)
			if len(is) == 0 {
				t.Fatal("no issue")
			}
			found := false
			for _, i := range is {
				found = found || i.Code == c.code && i.Expression == c.expr
			}
			if !found {
				t.Errorf("issues = %v, want %s at %s", err, c.code, c.expr)
			}
		})
	}
}

// FuzzDecode: the decoder and the mapping back never panic, and what
// decodes re-encodes to something that decodes again.
func FuzzDecode(f *testing.F) {
	for _, n := range []string{"incident", "outcome", "risk", "goodcare", "anonymous", "device"} {
		f.Add(goldenAE(f, n))
	}
	f.Add([]byte(`{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"AdverseEvent"}}]}`))
	f.Add([]byte(`{"resourceType":"AdverseEvent","extension":[{"url":"x","extension":[{"url":"y"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeResource(data)
		if err != nil {
			if len(IssuesOf(err)) == 0 {
				t.Fatalf("error without an issue: %v", err)
			}
			return
		}
		if ae, ok := r.(*AdverseEvent); ok {
			_, _, _ = EventFromAdverseEvent(DefaultConfig(), *ae)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeResource(b); err != nil {
			t.Fatalf("re-decode: %v\n%s", err, b)
		}
	})
}

// BenchmarkDecode decodes an AdverseEvent with every check, against
// encoding/json's plain Unmarshal of the same body into a map (no types,
// no checks) in the same run: ratio is how many times as long the checked
// decode takes.
func BenchmarkDecode(b *testing.B) {
	body := goldenAE(b, "device")
	var bare time.Duration
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			var v map[string]any
			if err := json.Unmarshal(body, &v); err != nil {
				b.Fatal(err)
			}
		}
		bare = time.Since(start) / time.Duration(b.N)
	})
	b.Run("checked", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			var ae AdverseEvent
			if err := Decode(body, &ae); err != nil {
				b.Fatal(err)
			}
		}
		if bare > 0 {
			b.ReportMetric(float64(time.Since(start)/time.Duration(b.N))/float64(bare), "ratio")
		}
	})
}
