package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/clinsafe/clinsafe/spc"
)

// maxSeriesLine is the longest series line read (64 MiB: several million
// points); a longer line gets an error line and is skipped.
const maxSeriesLine = 64 << 20

// errSomeFailed is returned when at least one series failed: exit status 1.
type errSomeFailed struct{ failed, total int }

func (e errSomeFailed) Error() string {
	return fmt.Sprintf("%d of %d series could not be charted (see their error lines)", e.failed, e.total)
}

func cmdSpc(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "spc", "< series.ndjson",
		"Compute Making Data Count SPC charts in batch. Reads one JSON series a line on standard input:\n"+
			`  {"id": ..., "x": ["2026-01-05", ...], "y": [3, ...], "options": {"improvement_direction": "increase|decrease|neutral",`+"\n"+
			`   "fix_after_n_points": N|null, "rebase": ["2026-03-02"], "screen_outliers": true|false, "target": number|null}}`+"\n"+
			"and writes one line a series, in the same order, as soon as it is read:\n"+
			`  {"id", "mean": [...], "lpl": [...], "upl": [...], "point_type": [...], "variation_icon", "assurance_icon"}`+"\n"+
			`A series that cannot be charted gets {"id", "line", "field", "error"} and the others still run.`+"\n"+
			"Exit status 0 when every series was charted, 1 when any failed. See docs/spc.md.")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	return runSpc(ctx, e.stdin, e.stdout)
}

// runSpc streams series from r to w, one line at a time.
func runSpc(ctx context.Context, r io.Reader, w io.Writer) error {
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	lineNo, total, failed := 0, 0, 0
	for {
		if err := ctx.Err(); err != nil {
			bw.Flush()
			return err
		}
		line, tooLong, err := readSeriesLine(br)
		if len(line) == 0 && !tooLong && err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			bw.Flush()
			return fmt.Errorf("read standard input: %w", err)
		}
		lineNo++
		if len(bytes.TrimSpace(line)) == 0 && !tooLong {
			if err != nil {
				break
			}
			continue
		}
		total++
		var out any
		if tooLong {
			out = spc.NewErrorOutput(nil, lineNo, fmt.Errorf("spc: line: longer than %d bytes", maxSeriesLine))
		} else if in, perr := spc.ParseSeries(line); perr != nil {
			out = spc.NewErrorOutput(in.ID, lineNo, perr)
		} else if res, rerr := spc.Run(in); rerr != nil {
			out = spc.NewErrorOutput(in.ID, lineNo, rerr)
		} else {
			out = spc.NewOutput(in.ID, res)
		}
		if _, ok := out.(spc.ErrorOutput); ok {
			failed++
		}
		if werr := enc.Encode(out); werr != nil {
			return fmt.Errorf("write result of line %d: %w", lineNo, werr)
		}
		if werr := bw.Flush(); werr != nil {
			return fmt.Errorf("write result of line %d: %w", lineNo, werr)
		}
		if err != nil {
			break
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if failed > 0 {
		return errSomeFailed{failed, total}
	}
	return nil
}

// readSeriesLine reads one line (without its newline). A line longer than
// maxSeriesLine is read to its end and dropped: tooLong is true. err is
// io.EOF at the end of the input (possibly with a last unterminated line).
func readSeriesLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > maxSeriesLine+1 {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimSuffix(line, []byte("\n")), tooLong, err
	}
}
