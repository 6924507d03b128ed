package main

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/clinsafe/clinsafe/gs1"
)

var now = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

const (
	gtin = "09521234543213"
	// typicalJSON is the output for a typical GS1 DataMatrix scan.
	typicalJSON = `{"gtin":"09521234543213","lot":"ABC123","serial":"SN001","expiry":"2026-12-31",` +
		`"ais":{"01":"09521234543213","10":"ABC123","17":"261231","21":"SN001"},` +
		`"element_string":"01095212345432131726123110ABC123\u001d21SN001",` +
		`"hri":"(01)09521234543213(17)261231(10)ABC123(21)SN001",` +
		`"digital_link":"https://id.gs1.org/01/09521234543213/10/ABC123/21/SN001?17=261231","symbology":"]d2"}` + "\n"
)

// run calls Run and returns its outputs.
func runScanT(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = runScan(args, strings.NewReader(stdin), &out, &errb, now)
	return out.String(), errb.String(), err
}

func TestScanOne(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"GS as the byte", []string{"]d201" + gtin + "17261231" + "10ABC123\x1d21SN001"}, typicalJSON},
		{"GS as <GS>", []string{"]d201" + gtin + "17261231" + "10ABC123<GS>21SN001"}, typicalJSON},
		{"GS as <gs>", []string{"]d201" + gtin + "17261231" + "10ABC123<gs>21SN001"}, typicalJSON},
		{"GS as {GS}", []string{"]d201" + gtin + "17261231" + "10ABC123{GS}21SN001"}, typicalJSON},
		{"GS as [GS]", []string{"]d201" + gtin + "17261231" + "10ABC123[GS]21SN001"}, typicalJSON},
		{`GS as \x1d`, []string{"]d201" + gtin + "17261231" + `10ABC123\x1d21SN001`}, typicalJSON},
		{`GS as \X1D`, []string{"]d201" + gtin + "17261231" + `10ABC123\X1D21SN001`}, typicalJSON},
		{`GS as \u001d`, []string{"]d201" + gtin + "17261231" + `10ABC123\u001d21SN001`}, typicalJSON},
		{"surrounding white space", []string{"  ]d201" + gtin + "17261231" + "10ABC123<GS>21SN001 \r\n"}, typicalJSON},
		{
			"bracketed, day 00 and production date",
			[]string{"(01)09521234543213(11)250115(17)261100(10)L1"},
			`{"gtin":"09521234543213","lot":"L1","expiry":"2026-11-30","production_date":"2025-01-15",` +
				`"ais":{"01":"09521234543213","10":"L1","11":"250115","17":"261100"},` +
				`"element_string":"0109521234543213112501151726110010L1",` +
				`"hri":"(01)09521234543213(11)250115(17)261100(10)L1",` +
				`"digital_link":"https://id.gs1.org/01/09521234543213/10/L1?11=250115&17=261100"}` + "\n",
		},
		{
			"Digital Link with another domain",
			[]string{"-domain", "id.example.com", "https://id.gs1.org/01/09521234543213/10/A%2FB?17=261231"},
			`{"gtin":"09521234543213","lot":"A/B","expiry":"2026-12-31",` +
				`"ais":{"01":"09521234543213","10":"A/B","17":"261231"},` +
				`"element_string":"010952123454321310A/B\u001d17261231",` +
				`"hri":"(01)09521234543213(10)A/B(17)261231",` +
				`"digital_link":"https://id.example.com/01/09521234543213/10/A%2FB?17=261231"}` + "\n",
		},
		{
			"lenient recovery by default",
			[]string{"01" + gtin + "10ABCDEFGHIJKLMNOPQRST17261231"},
			`{"gtin":"09521234543213","lot":"ABCDEFGHIJKLMNOPQRST","expiry":"2026-12-31",` +
				`"ais":{"01":"09521234543213","10":"ABCDEFGHIJKLMNOPQRST","17":"261231"},` +
				`"element_string":"010952123454321310ABCDEFGHIJKLMNOPQRST\u001d17261231",` +
				`"hri":"(01)09521234543213(10)ABCDEFGHIJKLMNOPQRST(17)261231",` +
				`"digital_link":"https://id.gs1.org/01/09521234543213/10/ABCDEFGHIJKLMNOPQRST?17=261231",` +
				`"recovered":true,"notes":["AI (10): GS missing after the value; split at position 39, before (17)"]}` + "\n",
		},
		{
			"expiry from 7003 when there is no 17",
			[]string{"]C1" + "01" + gtin + "7003" + "2612311430"},
			`{"gtin":"09521234543213","expiry":"2026-12-31","ais":{"01":"09521234543213","7003":"2612311430"},` +
				`"element_string":"010952123454321370032612311430",` +
				`"hri":"(01)09521234543213(7003)2612311430",` +
				`"digital_link":"https://id.gs1.org/01/09521234543213?7003=2612311430","symbology":"]C1"}` + "\n",
		},
		{
			"HIBC primary and secondary",
			[]string{"+A123BJC5D6E71/$$3261231LOT123H"},
			`{"lot":"LOT123","expiry":"2026-12-31","hibc":{"labeler":"A123","product":"BJC5D6E7","unit_of_measure":1,` +
				`"lot":"LOT123","expiry":"2026-12-31","expiry_format":"YYMMDD","check":"H"}}` + "\n",
		},
		{
			"HIBC expiry with an hour of 00",
			[]string{withCheck(t, "+$$426123100LOTG")},
			`{"lot":"LOT","expiry":"2026-12-31","hibc":{"lot":"LOT","expiry":"2026-12-31T00:00",` +
				`"expiry_format":"YYMMDDHH","link":"G","check":"` + lastChar(withCheck(t, "+$$426123100LOTG")) + `"}}` + "\n",
		},
		{
			"HIBC secondary with hour, quantity and link",
			[]string{withCheck(t, "+$$8054261231143LOTG")},
			`{"lot":"3LOT","expiry":"2026-12-31","hibc":{"quantity":5,"lot":"3LOT","expiry":"2026-12-31T14:00",` +
				`"expiry_format":"YYMMDDHH","link":"G","check":"` + lastChar(withCheck(t, "+$$8054261231143LOTG")) + `"}}` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, stderr, err := runScanT(t, "", tt.args...)
			if err != nil {
				t.Fatalf("runScan(%q): got error %v, want none", tt.args, err)
			}
			if got != tt.want {
				t.Errorf("runScan(%q):\n got %s\nwant %s", tt.args, got, tt.want)
			}
			if stderr != "" {
				t.Errorf("runScan(%q): stderr %q, want empty", tt.args, stderr)
			}
		})
	}
}

func withCheck(t *testing.T, data string) string {
	t.Helper()
	c, err := gs1.HIBCCheck(data)
	if err != nil {
		t.Fatal(err)
	}
	return data + string(c)
}

func lastChar(s string) string { return s[len(s)-1:] }

// TestHIBCTrailingSpace: the mod-43 check character may be a space, which
// trimming must not lose.
func TestHIBCTrailingSpace(t *testing.T) {
	var in string
	for _, pcn := range []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O",
		"P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "1", "2", "3", "4", "5", "6", "7", "8", "9", "0",
		"AA", "AB", "AC", "AD", "AE", "AF", "AG"} {
		if s := withCheck(t, "+A123"+pcn+"0"); strings.HasSuffix(s, " ") {
			in = s
			break
		}
	}
	if in == "" {
		t.Fatal("found no primary with a space as check character")
	}
	got, _, err := runScanT(t, "", in)
	if err != nil || !strings.Contains(got, `"check":" "`) {
		t.Errorf("runScan(%q): got %s, %v; want the HIBC label with check character space", in, got, err)
	}
}

func TestScanOneErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"check digit", []string{"01" + "09521234543214"}, "scan: position 16: AI (01): check digit is 4, want 3"},
		{"month 13", []string{"]d201" + gtin + "17261341"}, "scan: position 24: AI (17): date 261341: month 13 is not 1-12"},
		{"strict mode", []string{"-lenient=false", "01" + gtin + "10ABCDEFGHIJKLMNOPQRST17261231"},
			"scan: position 19: AI (10): value has 28 characters, at most 20 allowed"},
		{"unknown AI", []string{"01" + gtin + "38"}, "scan: position 17: AI (38): unknown AI: no GS1 Application Identifier begins 38"},
		{"HIBC check", []string{"+A123BJC5D6E71H"}, "scan: position 15: HIBC check character is H, want G"},
		{"blank", []string{"  "}, "scan: no barcode data"},
		{"no barcode", nil, "scan: want one BARCODE, or - to read barcodes from standard input"},
		{"two barcodes", []string{"a", "b"}, "scan: want one BARCODE, or - to read barcodes from standard input"},
		{"bad flag", []string{"-nope", "x"}, "scan: flag provided but not defined: -nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runScanT(t, "", tt.args...)
			if err == nil || err.Error() != tt.want {
				t.Errorf("runScan(%q):\n got error %v\nwant error %q", tt.args, err, tt.want)
			}
			if out != "" {
				t.Errorf("runScan(%q): stdout %q, want nothing", tt.args, out)
			}
		})
	}
}

func TestScanHelp(t *testing.T) {
	out, stderr, err := runScanT(t, "", "-h")
	if err != nil || out != "" {
		t.Errorf("runScan(-h): got %q, %v; want no output and no error", out, err)
	}
	for _, want := range []string{"scanUsage: clinsafe scan", "-lenient", "-domain", "<GS>", "recovered"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("runScan(-h): scanUsage lacks %q:\n%s", want, stderr)
		}
	}
	if _, stderr, _ := runScanT(t, ""); !strings.Contains(stderr, "scanUsage:") {
		t.Errorf("runScan(): stderr %q, want the scanUsage", stderr)
	}
}

func TestScanLines(t *testing.T) {
	stdin := "]d201" + gtin + "17261231" + "10ABC123<GS>21SN001\r\n" +
		"\n" +
		"   \n" +
		"0109521234543214\n" +
		"(01)09521234543213\n" +
		strings.Repeat("9", MaxLine+10) + "\n" +
		"+A123BJC5D6E71G\n" +
		"https://id.gs1.org/01/09521234543213" // no final newline
	want := typicalJSON +
		`{"error":"position 16: AI (01): check digit is 4, want 3","line":4}` + "\n" +
		`{"gtin":"09521234543213","ais":{"01":"09521234543213"},"element_string":"0109521234543213",` +
		`"hri":"(01)09521234543213","digital_link":"https://id.gs1.org/01/09521234543213"}` + "\n" +
		`{"error":"line is longer than 65536 bytes","line":6}` + "\n" +
		`{"hibc":{"labeler":"A123","product":"BJC5D6E7","unit_of_measure":1,"check":"G"}}` + "\n" +
		`{"gtin":"09521234543213","ais":{"01":"09521234543213"},"element_string":"0109521234543213",` +
		`"hri":"(01)09521234543213","digital_link":"https://id.gs1.org/01/09521234543213"}` + "\n"
	got, _, err := runScanT(t, stdin, "-")
	if err == nil || err.Error() != "scan: 2 of the lines read were invalid" {
		t.Errorf("runScan(-): got error %v, want scan: 2 of the lines read were invalid", err)
	}
	if got != want {
		t.Errorf("runScan(-):\n got %s\nwant %s", got, want)
	}
}

func TestScanLinesAllValid(t *testing.T) {
	got, _, err := runScanT(t, "(01)09521234543213\n\n(01)09521234543213(10)X\n", "-")
	if err != nil {
		t.Errorf("runScan(-): got error %v, want none", err)
	}
	if n := strings.Count(got, "\n"); n != 2 {
		t.Errorf("runScan(-): got %d lines, want 2:\n%s", n, got)
	}
	if got, _, err := runScanT(t, "", "-"); err != nil || got != "" {
		t.Errorf("runScan(-) on empty input: got %q, %v; want nothing", got, err)
	}
}

func TestScanLinesReadError(t *testing.T) {
	in := io.MultiReader(strings.NewReader("(01)09521234543213\n"), iotest.ErrReader(errors.New("device gone")))
	var out bytes.Buffer
	err := runScan([]string{"-"}, in, &out, io.Discard, now)
	if err == nil || err.Error() != "scan: read standard input: device gone" {
		t.Errorf("runScan(-): got error %v, want scan: read standard input: device gone", err)
	}
	if strings.Count(out.String(), "\n") != 1 {
		t.Errorf("runScan(-): got %q, want the first line's JSON", out.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	err := runScan([]string{"(01)09521234543213"}, nil, failWriter{}, io.Discard, now)
	if err == nil || err.Error() != "scan: write: disk full" {
		t.Errorf("Run: got error %v, want scan: write: disk full", err)
	}
	err = runScan([]string{"-"}, strings.NewReader("(01)09521234543213\n"), failWriter{}, io.Discard, now)
	if err == nil || err.Error() != "scan: write: disk full" {
		t.Errorf("runScan(-): got error %v, want scan: write: disk full", err)
	}
}
