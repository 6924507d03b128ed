package gs1

import (
	"testing"
	"time"
)

// baselineScan is the least work any parser of the typical scan must do:
// walk every byte once and compute the GTIN's check digit. The benchmark
// reports the parser's cost as a multiple of it.
func baselineScan(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == gs {
			n++
		}
	}
	// "]d2" "01" then 13 data digits and the check digit.
	sum, w := 0, 3
	for i := 5 + 12; i >= 5; i-- {
		sum += int(s[i]-'0') * w
		w = 4 - w
	}
	if byte((10-sum%10)%10)+'0' == s[5+13] {
		n++
	}
	return n
}

var benchSink int

// BenchmarkParseDataMatrix parses a typical GS1 DataMatrix scan
// (]d2, GTIN, expiry, lot, GS, serial). It reports scans per second and
// the ratio of its time to the bare baseline measured in the same run
// (x-baseline); the target is at least a million scans per second per core.
func BenchmarkParseDataMatrix(b *testing.B) {
	opts := Options{Now: now}
	if r, err := Parse(typical, opts); err != nil || r.Serial != "SN001" {
		b.Fatalf("Parse(%q): %v, %v", typical, r, err)
	}
	start := time.Now()
	for i := 0; i < b.N; i++ {
		benchSink += baselineScan(typical)
	}
	base := time.Since(start)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Parse(typical, opts)
		if err != nil {
			b.Fatal(err)
		}
		benchSink += len(r.Elements)
	}
	b.StopTimer()
	elapsed := b.Elapsed()
	if elapsed > 0 {
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "scans/s")
	}
	if base > 0 {
		b.ReportMetric(float64(elapsed)/float64(base), "x-baseline")
		b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "baseline-ns/op")
	}
}

// BenchmarkParseDataMatrixClock is the same scan with no clock in Options,
// so each parse reads time.Now for the century window.
func BenchmarkParseDataMatrixClock(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(typical, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseDigitalLink(b *testing.B) {
	const in = "https://id.gs1.org/01/09521234543213/10/ABC123/21/SN001?17=261231"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(in, Options{Now: now}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseHIBC(b *testing.B) {
	const in = "+A123BJC5D6E71/$$3261231LOT123H"
	if _, err := Parse(in, Options{Now: now}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(in, Options{Now: now}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCanonicalForms(b *testing.B) {
	r, err := Parse(typical, Options{Now: now})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		benchSink += len(r.ElementString()) + len(r.HRI()) + len(r.DigitalLink(""))
	}
}
