package spc

import (
	"encoding/binary"
	"math"
	"testing"
	"time"
)

// FuzzXmR feeds arbitrary values, dates and options to every chart: it
// must return a result or an *Error, never panic, and a result has no NaN
// and no infinity (which JSON cannot carry).
func FuzzXmR(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, uint8(0), int8(0), uint8(0))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(1), int8(12), uint8(3))
	f.Add([]byte{255, 255, 255, 255, 255, 255, 255, 127, 0, 0, 0, 0, 0, 0, 240, 127}, uint8(2), int8(-1), uint8(9))
	f.Fuzz(func(t *testing.T, data []byte, dir uint8, fix int8, rebase uint8) {
		var y []float64
		for len(data) >= 8 {
			v := math.Float64frombits(binary.LittleEndian.Uint64(data))
			y = append(y, v)
			data = data[8:]
		}
		for _, b := range data {
			y = append(y, float64(b))
		}
		x := make([]time.Time, len(y))
		for i := range x {
			x[i] = time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC)
		}
		opt := Options{
			Direction:       []Direction{"", Increase, Decrease, Neutral, "sideways"}[int(dir)%5],
			FixAfterNPoints: int(fix),
			Screening:       Screening(dir % 4),
			ShiftLength:     int(rebase % 30),
		}
		if rebase > 0 {
			opt.Rebase = []time.Time{time.Date(2026, 1, 1+int(rebase%32), 0, 0, 0, 0, time.UTC)}
		}
		if dir&8 != 0 {
			v := float64(rebase)
			opt.Target = &v
		}
		check := func(r *Result, err error) {
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error %T %v", err, err)
				}
				return
			}
			for i, p := range r.Points {
				for _, v := range []float64{p.Mean, p.LPL, p.UPL, p.NearLPL, p.NearUPL} {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("not finite at %d: %+v", i, p)
					}
				}
				if p.Type == "" {
					t.Fatalf("no type at %d", i)
				}
			}
			if r.Variation == "" {
				t.Fatal("no variation icon")
			}
		}
		check(XmR(x, y, opt))
		check(GChart(x, y, opt))
		check(TChart(x, y, opt))
		den := make([]float64, len(y))
		for i := range den {
			den[i] = math.Abs(y[i]) + float64(i)
		}
		check(PChart(x, y, den, opt))
		check(LaneyPChart(x, y, den, opt))
		check(UChart(x, y, den, opt))
		check(LaneyUChart(x, y, den, opt))
	})
}

// FuzzParseSeries: any line is parsed to an input or an *Error, and Run on
// a parsed input gives a result or an *Error.
func FuzzParseSeries(f *testing.F) {
	f.Fuzz(func(t *testing.T, line []byte) {
		in, err := ParseSeries(line)
		if in == nil {
			t.Fatal("nil input")
		}
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		r, err := Run(in)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		_ = NewOutput(in.ID, r)
	})
}
