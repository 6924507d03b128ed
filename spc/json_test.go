package spc

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestSPCParseSeriesAndOutput(t *testing.T) {
	line := `{"id":"falls","x":["2021-03-22","2021-03-23","2021-03-24","2021-03-25","2021-03-26","2021-03-27","2021-03-28","2021-03-29","2021-03-30","2021-03-31","2021-04-01","2021-04-02","2021-04-03","2021-04-04","2021-04-05","2021-04-06","2021-04-07","2021-04-08"],` +
		`"y":[1,2,1,2,10,1,2,1,2,1,2,1,2,1,2,1,2,1],"options":{"improvement_direction":"increase","fix_after_n_points":null,"rebase":[],"screen_outliers":false,"target":null}}`
	in, err := ParseSeries([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if string(in.ID) != `"falls"` || len(in.X) != 18 || in.Options.Screening != NoScreening || in.Options.Target != nil {
		t.Fatalf("%+v", in)
	}
	r, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(NewOutput(in.ID, r))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "mean", "lpl", "upl", "point_type", "variation_icon", "assurance_icon"} {
		if _, ok := out[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	if len(out) != 7 || out["assurance_icon"] != nil || out["variation_icon"] != "common_cause" {
		t.Errorf("%s", b)
	}
	if pt := out["point_type"].([]any); pt[4] != "special_cause_improvement" || pt[0] != "common_cause" {
		t.Errorf("%v", pt)
	}
	if upl := out["upl"].([]any)[0].(float64); !near(upl, 6.95) {
		t.Errorf("upl %v (Excel behaviour asked for)", upl)
	}

	// Target with a direction gives an assurance icon.
	in, err = ParseSeries([]byte(`{"id":7,"x":["2026-01-05","2026-01-12","2026-01-19"],"y":[1,2,3],"options":{"improvement_direction":"decrease","target":100}}`))
	if err != nil {
		t.Fatal(err)
	}
	r, err = Run(in)
	if err != nil {
		t.Fatal(err)
	}
	o := NewOutput(in.ID, r)
	if string(o.ID) != "7" || o.AssuranceIcon == nil || *o.AssuranceIcon != AssurancePass {
		t.Errorf("%+v", o)
	}
}

func TestSPCParseSeriesBad(t *testing.T) {
	cases := []struct {
		line  string
		err   error
		field string
		id    string
	}{
		{`not json`, ErrSyntax, "line", ""},
		{`{"id":"a","x":["2026-01-05"],"y":[1],"optoins":{}}`, ErrSyntax, "line", `"a"`},
		{`{"id":"a","x":["5 Jan"],"y":[1]}`, ErrSyntax, "x", `"a"`},
		{`{"id":"a","x":["2026-01-05","2026-01-06"],"y":[1,null]}`, ErrMissingValue, "y", `"a"`},
		{`{"id":"a","x":[],"y":[],"options":{"fix_after_n_points":12.5}}`, ErrSyntax, "line", `"a"`},
		{`{"id":"a","x":[],"y":[],"options":{"fix_after_n_points":0}}`, ErrBaseline, "fix_after_n_points", `"a"`},
		{`{"id":"a","x":[],"y":[],"options":{"rebase":["soon"]}}`, ErrSyntax, "rebase", `"a"`},
		{`{"id":"a","x":[],"y":[1e999]}`, ErrSyntax, "line", `"a"`},
		{`{"id":"a"} {"id":"b"}`, ErrSyntax, "line", `"a"`},
	}
	for _, c := range cases {
		in, err := ParseSeries([]byte(c.line))
		var e *Error
		if !errors.Is(err, c.err) || !errors.As(err, &e) || e.Field != c.field {
			t.Errorf("%s: %v, want %v in %s", c.line, err, c.err, c.field)
			continue
		}
		if string(in.ID) != c.id {
			t.Errorf("%s: id %s, want %s", c.line, in.ID, c.id)
		}
		eo := NewErrorOutput(in.ID, 3, err)
		b, _ := json.Marshal(eo)
		if !strings.Contains(string(b), `"line":3`) || !strings.Contains(string(b), `"error":"spc: `) {
			t.Errorf("error line %s", b)
		}
	}
	// Errors of the chart itself, after parsing.
	for _, c := range []struct {
		line string
		err  error
	}{
		{`{"id":"a","x":[],"y":[]}`, ErrTooFewPoints},
		{`{"id":"a","x":["2026-01-05","2026-01-05"],"y":[1,2]}`, ErrXOrder},
		{`{"id":"a","x":["2026-01-05","2026-01-06"],"y":[1,2],"options":{"improvement_direction":"neutral","target":3}}`, ErrTargetWithoutDirection},
		{`{"id":"a","chart":"pie","x":["2026-01-05","2026-01-06"],"y":[1,2]}`, ErrSyntax},
		{`{"id":"a","chart":"p","x":["2026-01-05","2026-01-06"],"y":[1,2]}`, ErrLength},
	} {
		in, err := ParseSeries([]byte(c.line))
		if err != nil {
			t.Errorf("%s: %v", c.line, err)
			continue
		}
		if _, err := Run(in); !errors.Is(err, c.err) {
			t.Errorf("%s: %v, want %v", c.line, err, c.err)
		}
	}
}
