package evidence

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/spc"
)

func weeks(ys ...float64) []Point {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // a Monday
	out := make([]Point, len(ys))
	for i, y := range ys {
		out[i] = Point{Start: start.AddDate(0, 0, 7*i), Value: y, Num: y}
	}
	return out
}

func TestJudge(t *testing.T) {
	m, _ := MeasureByCode("it_incidents")
	flat := []float64{10, 12, 9, 11, 10, 13, 9, 11, 10, 12, 11, 10, 9, 12, 10, 11}
	at := func(i int) time.Time { return time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*i) }
	for _, c := range []struct {
		what    string
		ys      []float64
		change  int
		others  []Change
		dir     spc.Direction
		want    []string
		notWant []string
	}{
		{"a drop after 16 flat weeks, decrease is better", append(append([]float64{}, flat...), 4, 3, 4, 3, 5, 4, 3, 4, 3, 4, 3, 4, 3, 4), 16, nil, spc.Decrease,
			[]string{"special cause improvement followed", "values lower than before", "from 10.6 to 3.6"}, []string{"Only", "began before"}},
		{"the same drop, increase is better", append(append([]float64{}, flat...), 4, 3, 4, 3, 5, 4, 3, 4, 3, 4, 3, 4, 3, 4), 16, nil, spc.Increase,
			[]string{"special cause of concern followed"}, nil},
		{"no change", append(append([]float64{}, flat...), flat[:14]...), 16, nil, spc.Neutral,
			[]string{"no special cause followed", "within common cause variation"}, []string{"Only"}},
		{"too few points since", append(append([]float64{}, flat...), 4, 3, 4), 16, nil, spc.Decrease,
			[]string{"Only 3 weeks since the change", "at least 13 points", "7 in a row"}, nil},
		{"too few points before", append([]float64{10, 11, 9, 10, 12}, 4, 3, 4, 3, 5, 4, 3, 4, 3, 4, 3, 4, 3, 4), 5, nil, spc.Decrease,
			[]string{"Only 5 weeks before the change", "at least 12 points to fix a baseline"}, nil},
		{"a shift that began before", append(append([]float64{}, flat[:12]...), 5, 4, 5, 4, 4, 3, 4, 3, 5, 4, 3, 4, 3, 4, 3, 4, 3, 4), 16, nil, spc.Decrease,
			[]string{"The shift began before the change"}, nil},
		{"another change in the window", append(append([]float64{}, flat...), flat[:14]...), 16, []Change{{Title: "Printer swap", On: at(20)}}, spc.Neutral,
			[]string{`Another change, "Printer swap"`}, nil},
	} {
		pts := weeks(c.ys...)
		ch := Change{Title: "ePMA go-live", On: at(c.change).AddDate(0, 0, 2)}
		st, err := Judge(m, pts, Week, ch, append(c.others, ch), spc.Options{Direction: c.dir})
		if err != nil {
			t.Errorf("%s: %v", c.what, err)
			continue
		}
		words := st.Words()
		for _, w := range c.want {
			if !strings.Contains(words, w) {
				t.Errorf("%s: statement %q lacks %q", c.what, words, w)
			}
		}
		for _, w := range c.notWant {
			if strings.Contains(words, w) {
				t.Errorf("%s: statement %q has %q", c.what, words, w)
			}
		}
		if st.Before != c.change || st.After != len(c.ys)-c.change {
			t.Errorf("%s: %d before and %d after, want %d and %d", c.what, st.Before, st.After, c.change, len(c.ys)-c.change)
		}
	}
}

func TestReading(t *testing.T) {
	ys := []float64{10, 12, 9, 11, 10, 13, 9, 11, 10, 12, 11, 10, 9, 12, 14, 15, 14, 15, 14, 15, 14}
	r, err := spc.XmR(func() []time.Time {
		var x []time.Time
		for _, p := range weeks(ys...) {
			x = append(x, p.Start)
		}
		return x
	}(), ys, spc.Options{Direction: spc.Decrease})
	if err != nil {
		t.Fatal(err)
	}
	got := Reading(r, Week)
	if !strings.Contains(got, "The last 8 weeks are above the centre line: special cause of concern") {
		t.Errorf("Reading = %q, want the run above the centre line read as concern", got)
	}
	if got := CannotDraw(spc.ErrTooFewPoints, 1); !strings.Contains(got, "at least 2 points; there is 1") {
		t.Errorf("CannotDraw = %q", got)
	}
}

// A series long enough to draw whose part between marked changes is too
// short is not said to be too short itself. Before, the message read
// "This chart needs at least 2 points; there are 27".
func TestCannotDrawTooShortPart(t *testing.T) {
	x, y := make([]time.Time, 27), make([]float64, 27)
	for i := range x {
		x[i], y[i] = time.Date(2026, 5, 25, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*i), float64(6+i%2)
	}
	_, err := spc.XmR(x, y, spc.Options{Rebase: []time.Time{x[26]}})
	if !errors.Is(err, spc.ErrTooFewPoints) {
		t.Fatalf("XmR rebased at the last point: %v, want too few points", err)
	}
	got := CannotDraw(err, len(x))
	if strings.Contains(got, "there are 27") || !strings.Contains(got, "A marked change leaves a part of this chart with fewer than 2 points") {
		t.Errorf("CannotDraw of a one-point part of 27 points = %q, want it to say a part is too short", got)
	}
}

func TestContribution(t *testing.T) {
	sub := time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC) // 1 July in London
	fb := sub.Add(50 * time.Hour)
	day, keys := Contribution(EventFacts{Status: events.Closed, Type: events.Incident, Harm: "3", Agents: "|9|3|9|", SystemID: "s", SubmittedAt: &sub, FirstFeedbackAt: &fb})
	if day != "2026-07-01" {
		t.Errorf("day %s, want the London day 2026-07-01", day)
	}
	want := map[Key]bool{{Dim: DimAll}: true, {Dim: DimIT, Value: "yes"}: true, {Dim: DimDevice, Value: "yes"}: true, {Dim: DimAgent, Value: "9"}: true,
		{Dim: DimSystem, Value: "s"}: true, {Dim: DimFeedback, Value: "3d"}: true, {Dim: DimFeedbackMins, Minutes: 3000}: true}
	agents := 0
	for _, k := range keys {
		delete(want, k)
		if k.Dim == DimAgent {
			agents++
		}
	}
	if len(want) != 0 || agents != 2 {
		t.Errorf("keys %v lack %v (or count an agent twice: %d)", keys, want, agents)
	}
	if day, keys := Contribution(EventFacts{Status: events.Draft, SubmittedAt: &sub}); day != "" || keys != nil {
		t.Errorf("a draft contributes %s %v", day, keys)
	}
}
