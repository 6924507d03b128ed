// Package bulk is FHIR Bulk Data for clinsafe: export of an
// organisation's AdverseEvents and Devices as NDJSON files (the Bulk Data
// Access IG's asynchronous $export, and `clinsafe export`), and import of
// AdverseEvents from NDJSON (an authenticated POST, and `clinsafe
// import`), streaming both ways so that memory stays flat however many
// records a file holds.
package bulk

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// MaxLine is the longest NDJSON line read (one resource).
const MaxLine = 1 << 20

// Line is one line of an NDJSON file: its number from 1 and its bytes
// (valid until the next call of Next).
type Line struct {
	N    int
	Data []byte
}

// LineError is a line that is not one JSON object on one line.
type LineError struct {
	N      int
	Reason string
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.N, e.Reason) }

// Reader reads NDJSON one line at a time, without holding the file.
// Blank lines (and a final line without a newline) are allowed; a line
// longer than its limit, not UTF-8, or not starting with '{' is a
// *LineError, after which reading goes on at the next line.
type Reader struct {
	br   *bufio.Reader
	n    int
	max  int
	buf  []byte
	read int64
}

// NewReader reads r with lines up to max bytes (MaxLine when <= 0).
func NewReader(r io.Reader, max int) *Reader {
	if max <= 0 {
		max = MaxLine
	}
	return &Reader{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Bytes is how many bytes have been read.
func (r *Reader) Bytes() int64 { return r.read }

// Next returns the next non-blank line, io.EOF at the end, a *LineError
// for a bad line, or the reader's error.
func (r *Reader) Next() (Line, error) {
	for {
		r.buf = r.buf[:0]
		tooLong := false
		for {
			frag, err := r.br.ReadSlice('\n')
			r.read += int64(len(frag))
			if !tooLong {
				if len(r.buf)+len(frag) > r.max+1 {
					tooLong = true
					r.buf = r.buf[:0]
				} else {
					r.buf = append(r.buf, frag...)
				}
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return Line{}, err
			}
			if errors.Is(err, io.EOF) && len(frag) == 0 && len(r.buf) == 0 && !tooLong {
				return Line{}, io.EOF
			}
			break
		}
		r.n++
		if tooLong {
			return Line{}, &LineError{N: r.n, Reason: fmt.Sprintf("the line is longer than %d bytes", r.max)}
		}
		line := bytes.TrimSpace(r.buf)
		if len(line) == 0 {
			continue
		}
		switch {
		case !utf8.Valid(line):
			return Line{}, &LineError{N: r.n, Reason: "the line is not UTF-8 text"}
		case line[0] != '{':
			return Line{}, &LineError{N: r.n, Reason: "each line must be one JSON object (a FHIR resource)"}
		}
		return Line{N: r.n, Data: line}, nil
	}
}
