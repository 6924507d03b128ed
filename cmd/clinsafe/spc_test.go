package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

const spcGood = `{"id":"falls","x":["2021-03-22","2021-03-23","2021-03-24","2021-03-25","2021-03-26","2021-03-27","2021-03-28","2021-03-29","2021-03-30","2021-03-31","2021-04-01","2021-04-02","2021-04-03","2021-04-04","2021-04-05","2021-04-06","2021-04-07","2021-04-08"],` +
	`"y":[1,2,1,2,10,1,2,1,2,1,2,1,2,1,2,1,2,1],"options":{"improvement_direction":"increase","fix_after_n_points":null,"rebase":[],"screen_outliers":true,"target":5}}`

func TestSpcCommand(t *testing.T) {
	in := strings.Join([]string{
		spcGood,
		``, // blank lines are skipped
		`{"id":"one","x":["2026-01-05"],"y":[4]}`,
		`{"id":"nan","x":["2026-01-05","2026-01-12"],"y":[4,"NaN"]}`,
		`not json at all`,
		`{"id":"late","x":["2026-01-05","2026-01-12","2026-01-19"],"y":[4,4,4],"options":{"improvement_direction":"neutral","target":3}}`,
		`{"id":2,"x":["2026-01-05","2026-01-12","2026-01-19"],"y":[4,4,4]}`, // last line without a newline
	}, "\n")
	code, out, errOut := cli(t, in, "spc")
	if code != 1 || !strings.Contains(errOut, "4 of 6 series could not be charted") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	var first struct {
		ID        string    `json:"id"`
		Mean      []float64 `json:"mean"`
		LPL       []float64 `json:"lpl"`
		UPL       []float64 `json:"upl"`
		PointType []string  `json:"point_type"`
		Variation string    `json:"variation_icon"`
		Assurance *string   `json:"assurance_icon"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	// The reference vignette's screened limits: 1.94, -0.72, 4.60; the target 5
	// is above the UPL and the direction is increase: fail.
	if first.ID != "falls" || len(first.Mean) != 18 || first.UPL[0] < 4.59 || first.UPL[0] > 4.61 || first.LPL[17] > -0.71 ||
		first.PointType[4] != "special_cause_improvement" || first.Variation != "common_cause" || first.Assurance == nil || *first.Assurance != "fail" {
		t.Errorf("first line %s", lines[0])
	}
	wantErr := []struct{ id, line, field string }{
		{`"one"`, "3", "y"}, {`"nan"`, "4", "line"}, {`null`, "5", "line"}, {`"late"`, "6", "target"},
	}
	for i, w := range wantErr {
		var e map[string]json.RawMessage
		if err := json.Unmarshal([]byte(lines[1+i]), &e); err != nil {
			t.Fatal(err)
		}
		if string(e["id"]) != w.id || string(e["line"]) != w.line || string(e["field"]) != `"`+w.field+`"` || len(e["error"]) < 5 {
			t.Errorf("line %d: %s, want id %s line %s field %s", 2+i, lines[1+i], w.id, w.line, w.field)
		}
	}
	if !strings.HasPrefix(lines[5], `{"id":2,"mean":[4,4,4],"lpl":[4,4,4],"upl":[4,4,4],"point_type":["common_cause","common_cause","common_cause"],"variation_icon":"common_cause","assurance_icon":null}`) {
		t.Errorf("last line %s", lines[5])
	}

	if code, out, _ := cli(t, spcGood+"\n", "spc"); code != 0 || strings.Count(out, "\n") != 1 {
		t.Errorf("all good: exit %d, %q", code, out)
	}
	if code, out, _ := cli(t, "", "spc"); code != 0 || out != "" {
		t.Errorf("no input: exit %d, %q", code, out)
	}
	if code, _, _ := cli(t, "", "spc", "extra"); code != 2 {
		t.Errorf("extra argument: exit %d", code)
	}
	if code, _, errOut := cli(t, "", "spc", "-h"); code != 0 || !strings.Contains(errOut, "Usage: clinsafe spc") {
		t.Errorf("help: exit %d %q", code, errOut)
	}
}

// The command answers each line before the next is read: it never reads
// all of standard input first.
func TestSpcStreams(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	e := &env{stdin: inR, stdout: outW, stderr: io.Discard, lookup: func(string) (string, bool) { return "", false }}
	done := make(chan int)
	go func() {
		done <- run(context.Background(), e, []string{"spc"})
		outW.Close()
	}()
	got := make(chan string)
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			got <- sc.Text()
		}
		close(got)
	}()
	for i := range 3 {
		if _, err := io.WriteString(inW, spcGood+"\n"); err != nil {
			t.Fatal(err)
		}
		select {
		case l := <-got:
			if !strings.HasPrefix(l, `{"id":"falls","mean":`) {
				t.Fatalf("line %d: %s", i, l)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no answer to line %d while standard input is still open", i+1)
		}
	}
	inW.Close()
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
}

func TestSpcLongLine(t *testing.T) {
	long := `{"id":"big","y":[` + strings.Repeat("1,", maxSeriesLine/2) + `1]}`
	code, out, _ := cli(t, long+"\n"+spcGood+"\n", "spc")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != 2 || !strings.Contains(lines[0], `"line":1`) || !strings.Contains(lines[0], "longer than") ||
		!strings.HasPrefix(lines[1], `{"id":"falls"`) {
		t.Errorf("exit %d, %.300s", code, out)
	}
}
