// The "clinsafe scan" command: parse GS1 and HIBC barcodes to JSON, one
// object per barcode on one line.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/gs1"
)

// MaxLine is the longest input line, in bytes, that "clinsafe scan -"
// parses; a longer line is reported as invalid and skipped.
const MaxLine = 64 << 10

const scanUsage = `scanUsage: clinsafe scan [flags] BARCODE
       clinsafe scan [flags] -

Parse barcode data and print it as JSON on one line. With "-", read one
barcode per line from standard input and print one JSON object per line; an
invalid line prints {"error":"...","line":N} and the run goes on, ending
with exit status 1. Blank lines are skipped.

Accepted: GS1 element strings with or without a symbology identifier (]C1,
]d2, ]Q3, ]e0, ]J1), bracketed GS1 data such as (01)09521234543213(17)261231,
GS1 Digital Link URIs, and HIBC labels starting with "+". The GS separator
may be typed as the byte itself (ASCII 29) or as <GS>, {GS}, [GS], \x1d or
\u001d, in any case.

Output keys, each left out when empty: gtin, lot, serial, expiry and
production_date (YYYY-MM-DD; a day of 00 means the last day of the month),
ais (each AI and its raw value), element_string, hri, digital_link,
symbology, recovered (true only when lenient parsing repaired the data),
notes (what was repaired), and hibc for HIBC labels.

Flags:
`

// Run runs "clinsafe scan" with args (the arguments after "scan"), reading
// barcodes from stdin when the only argument is "-", printing JSON to stdout
// and scanUsage to stderr. now fixes the century of two-digit years.
//
// It returns nil on success and after -h. It returns an error, whose message
// is the one line to print before exiting with status 1, when the arguments
// are wrong, a barcode given as an argument is invalid, any line read from
// stdin is invalid, or reading or writing fails.
//
// Lenient parsing is on by default (-lenient=false turns it off): a
// scanner that drops a GS separator is common at the bedside, and a repair
// is only made where the data allows one reading, and is reported as
// "recovered" in the output.
func runScan(args []string, stdin io.Reader, stdout, stderr io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lenient := fs.Bool("lenient", true, "repair a missing GS separator where only one reading is possible, and report it as recovered")
	domain := fs.String("domain", gs1.DefaultDomain, "domain of the Digital Link URIs printed")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), scanUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("scan: %w", err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("scan: want one BARCODE, or - to read barcodes from standard input")
	}
	c := scanner{opts: gs1.Options{Lenient: *lenient, Now: now}, domain: *domain}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if fs.Arg(0) == "-" {
		return c.lines(stdin, enc)
	}
	out, err := c.parse(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("scan: write: %w", err)
	}
	return nil
}

// scanner holds the settings of one run.
type scanner struct {
	opts   gs1.Options
	domain string
}

// lines parses each line of r and prints one JSON object per line.
func (c scanner) lines(r io.Reader, enc *json.Encoder) error {
	br := bufio.NewReaderSize(r, MaxLine)
	lineNo, bad := 0, 0
	for {
		line, tooLong, err := readLine(br)
		if line == "" && !tooLong && err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return fmt.Errorf("scan: read standard input: %w", err)
		}
		lineNo++
		var out any
		switch {
		case tooLong:
			bad++
			out = errorLine{Error: fmt.Sprintf("line is longer than %d bytes", MaxLine), Line: lineNo}
		case strings.TrimSpace(line) == "":
			continue
		default:
			res, perr := c.parse(line)
			if perr != nil {
				bad++
				out = errorLine{Error: perr.Error(), Line: lineNo}
			} else {
				out = res
			}
		}
		if werr := enc.Encode(out); werr != nil {
			return fmt.Errorf("scan: write: %w", werr)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("scan: read standard input: %w", err)
		}
	}
	if bad > 0 {
		return fmt.Errorf("scan: %d of the lines read were invalid", bad)
	}
	return nil
}

// readLine returns the next line without its line ending. A line longer
// than the reader's buffer is read to its end and dropped, with tooLong
// set. err is io.EOF after the last line.
func readLine(br *bufio.Reader) (line string, tooLong bool, err error) {
	b, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = br.ReadSlice('\n')
		}
		return "", true, err
	}
	return strings.TrimRight(string(b), "\r\n"), false, err
}

// errorLine is printed for an invalid line of standard input.
type errorLine struct {
	Error string `json:"error"`
	Line  int    `json:"line"`
}

// Output is the JSON printed for one barcode. Empty fields are left out.
type Output struct {
	GTIN           string            `json:"gtin,omitempty"`
	Lot            string            `json:"lot,omitempty"`
	Serial         string            `json:"serial,omitempty"`
	Expiry         string            `json:"expiry,omitempty"`
	ProductionDate string            `json:"production_date,omitempty"`
	AIs            map[string]string `json:"ais,omitempty"`
	ElementString  string            `json:"element_string,omitempty"`
	HRI            string            `json:"hri,omitempty"`
	DigitalLink    string            `json:"digital_link,omitempty"`
	HIBC           *HIBCOutput       `json:"hibc,omitempty"`
	Symbology      string            `json:"symbology,omitempty"`
	Recovered      bool              `json:"recovered,omitempty"`
	Notes          []string          `json:"notes,omitempty"`
}

// HIBCOutput is the JSON for the parts of an HIBC label.
type HIBCOutput struct {
	Labeler         string `json:"labeler,omitempty"`
	Product         string `json:"product,omitempty"`
	UnitOfMeasure   *int   `json:"unit_of_measure,omitempty"`
	Quantity        int    `json:"quantity,omitempty"`
	Lot             string `json:"lot,omitempty"`
	Serial          string `json:"serial,omitempty"`
	Expiry          string `json:"expiry,omitempty"`
	ExpiryFormat    string `json:"expiry_format,omitempty"`
	ManufactureDate string `json:"manufacture_date,omitempty"`
	Link            string `json:"link,omitempty"`
	Check           string `json:"check"`
}

// parse parses one barcode as typed or read: the textual stand-ins for GS
// become ASCII 29, and white space around the data is dropped (but a
// trailing space is kept when the data only parses with it, as an HIBC
// check character may be a space).
func (c scanner) parse(raw string) (*Output, error) {
	data := gs1.NormalizeGS(raw)
	trimmed := strings.TrimSpace(data)
	if trimmed == "" {
		return nil, errors.New("no barcode data")
	}
	r, err := gs1.Parse(trimmed, c.opts)
	if err != nil {
		left := strings.TrimLeft(data, " \t")
		if left == trimmed {
			return nil, err
		}
		r2, err2 := gs1.Parse(left, c.opts)
		if err2 != nil {
			return nil, err
		}
		r = r2
	}
	return c.output(r), nil
}

func (c scanner) output(r *gs1.Result) *Output {
	out := &Output{
		GTIN:           r.GTIN,
		Lot:            r.Lot,
		Serial:         r.Serial,
		Expiry:         r.ExpiryISO(),
		ProductionDate: r.ProductionDateISO(),
		ElementString:  r.ElementString(),
		HRI:            r.HRI(),
		DigitalLink:    r.DigitalLink(c.domain),
		Symbology:      r.Symbology,
		Recovered:      r.Recovered,
		Notes:          r.Notes,
	}
	if out.Expiry == "" && !r.ExpiryTime.IsZero() {
		out.Expiry = r.ExpiryTime.Format(time.DateOnly)
	}
	if len(r.Elements) > 0 {
		out.AIs = make(map[string]string, len(r.Elements))
		for _, e := range r.Elements {
			out.AIs[e.AI] = e.Value
		}
	}
	if h := r.HIBC; h != nil {
		ho := &HIBCOutput{
			Labeler:      h.Labeler,
			Product:      h.Product,
			Quantity:     h.Quantity,
			Lot:          h.Lot,
			Serial:       h.Serial,
			ExpiryFormat: h.ExpiryFormat,
			Check:        string(h.Check),
		}
		if h.HasPrimary {
			um := h.UnitOfMeasure
			ho.UnitOfMeasure = &um
		}
		if !h.Expiry.IsZero() {
			ho.Expiry = h.Expiry.Format(time.DateOnly)
			if h.HasExpiryHour() {
				ho.Expiry = h.Expiry.Format("2006-01-02T15:04")
			}
		}
		if !h.ManufactureDate.IsZero() {
			ho.ManufactureDate = h.ManufactureDate.Format(time.DateOnly)
		}
		if h.Link != 0 {
			ho.Link = string(h.Link)
		}
		out.HIBC = ho
	}
	return out
}
