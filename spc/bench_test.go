package spc

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// benchSeries is 10,000 daily values: noise around 50 with a few shifts,
// trends and outliers, so every rule has work to do.
func benchSeries(n int) ([]time.Time, []float64) {
	rng := rand.New(rand.NewPCG(12, 34))
	x := make([]time.Time, n)
	y := make([]float64, n)
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range y {
		x[i] = t0.AddDate(0, 0, i)
		y[i] = 50 + 5*rng.NormFloat64()
		switch {
		case i%500 < 10:
			y[i] += 12 // a shift
		case i%700 < 8:
			y[i] = 40 + float64(i%700)*2 // a trend
		case i%97 == 0:
			y[i] += 40 // an outlier
		}
	}
	return x, y
}

// bareMeanMR is the least any XmR chart must do: the mean and the moving
// ranges of the series.
func bareMeanMR(y []float64) float64 {
	s, mr := 0.0, 0.0
	for i, v := range y {
		s += v
		if i > 0 {
			mr += math.Abs(v - y[i-1])
		}
	}
	return s/float64(len(y)) + mr/float64(len(y)-1)
}

var benchSink float64

// BenchmarkXmR10000 runs XmR with every rule (and screening) on 10,000
// points, and reports points per second and the ratio of its time to a
// bare loop computing only the mean and moving ranges of the same data in
// the same run.
func BenchmarkXmR10000(b *testing.B) {
	x, y := benchSeries(10000)
	var xmrTime, bareTime time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		r, err := XmR(x, y, Options{})
		xmrTime += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		benchSink += bareMeanMR(y)
		bareTime += time.Since(t1)
		benchSink += r.Points[len(r.Points)-1].UPL
	}
	b.ReportMetric(float64(len(y)*b.N)/xmrTime.Seconds(), "points/s")
	b.ReportMetric(float64(xmrTime)/float64(bareTime), "x_bare_loop")
}

// The benchmark's series exercises every rule.
func TestXmRBenchSeriesHasEveryRule(t *testing.T) {
	x, y := benchSeries(10000)
	r, err := XmR(x, y, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var all Rule
	for _, p := range r.Points {
		all |= p.Rules
	}
	if all != RuleOutsideLimits|RuleTrend|RuleTwoInThree|RuleShift {
		t.Errorf("rules seen: %s", all.Name())
	}
}
