package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/config"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/bulk"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse/lfpseweb"
	"github.com/clinsafe/clinsafe/internal/store"
)

// startLFPSE runs the configured number of LFPSE outbox workers beside the
// server; the returned function stops them and waits.
func startLFPSE(ctx context.Context, st *store.DB, cfg *config.Config, log *slog.Logger) func() {
	ctx, stop := context.WithCancel(ctx)
	done := make(chan struct{}, cfg.LFPSE.Workers)
	for range cfg.LFPSE.Workers {
		b := lfpseweb.ServeOutbox(st, cfg.BaseURL, cfg.LFPSE.URL, cfg.LFPSE.Key, cfg.LFPSE.Timeout, lfpseweb.FHIRConfig(cfg), lfpse.Options{Logger: log})
		go func() { defer func() { done <- struct{}{} }(); b.Run(ctx) }()
	}
	return func() {
		stop()
		for range cfg.LFPSE.Workers {
			<-done
		}
	}
}

func cmdImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import", "-org ODS FILE.ndjson", "Import FHIR AdverseEvents from an NDJSON file (one resource a line) into an organisation's safety events. "+
		"The file is stored all or nothing: every line is checked, and when any is refused nothing is stored and each refused line is listed with its number and the reason. "+
		"Progress (records, rate, time left) is shown on stderr.")
	f := config.Register(fs, "db")
	ods := fs.String("org", "", "ODS code of the organisation (required)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	file, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer file.Close()
	var size int64
	if fi, err := file.Stat(); err == nil {
		size = fi.Size()
	}
	st, org, err := openOrg(ctx, e, f, *ods)
	if err != nil {
		return err
	}
	defer st.Close()
	bar := newProgress(e.stderr, size)
	res, err := bulk.ImportAdverseEvents(cliCtx(ctx, e), st, org.ID, fhir.DefaultConfig(), file, bar.update)
	bar.done(res.Records)
	if apperr.Is(err, apperr.Invalid) && len(res.Refused) > 0 {
		for _, r := range res.Refused {
			where := ""
			if r.Expression != "" {
				where = " (" + r.Expression + ")"
			}
			fmt.Fprintf(e.stdout, "line %d: %s%s\n", r.Line, r.Reason, where)
		}
		if res.MoreRefused > 0 {
			fmt.Fprintf(e.stdout, "and %d more refused lines\n", res.MoreRefused)
		}
		return exitError{msg: apperr.MessageOf(err), code: 1}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported %d safety events into %s\n", res.Imported, org.ODSCode)
	return nil
}

func cmdExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", "-org ODS [-type AdverseEvent] [-since DATE]", "Write an organisation's safety events as FHIR AdverseEvents in NDJSON (one resource a line) to standard output, streaming.")
	f := config.Register(fs, "db")
	ods := fs.String("org", "", "ODS code of the organisation (required)")
	typ := fs.String("type", "AdverseEvent", "resource type to export (AdverseEvent)")
	since := fs.String("since", "", "only records changed on or after this date (2026-11-01) or time (RFC 3339)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *typ != "AdverseEvent" {
		return fmt.Errorf("-type %q: only AdverseEvent can be exported from the command line", *typ)
	}
	var from time.Time
	if *since != "" {
		var err error
		if from, err = time.Parse(time.RFC3339, *since); err != nil {
			if from, err = time.Parse("2006-01-02", *since); err != nil {
				return errors.New("-since must be a date like 2026-11-01 or an RFC 3339 time")
			}
		}
	}
	st, org, err := openOrg(ctx, e, f, *ods)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := bulk.ExportAdverseEvents(ctx, st, org.ID, fhir.DefaultConfig(), from, e.stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "exported %d AdverseEvents\n", n)
	return nil
}

// progress shows an import's progress on w: a bar that redraws itself on
// a terminal, plain lines every few seconds otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	size  int64
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, size int64) *progress {
	p := &progress{w: w, size: size, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) update(records int, read int64) {
	now := time.Now()
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	if now.Sub(p.last) < every {
		return
	}
	p.last = now
	el := now.Sub(p.start).Seconds()
	rate := float64(records) / max(el, 0.001)
	left := "unknown"
	if p.size > 0 && read > 0 {
		rest := el * float64(p.size-read) / float64(read)
		left = (time.Duration(rest) * time.Second).Round(time.Second).String()
	}
	pct := 0.0
	if p.size > 0 {
		pct = 100 * float64(read) / float64(p.size)
	}
	if p.tty {
		const width = 30
		fill := int(pct / 100 * width)
		bar := make([]byte, width)
		for i := range bar {
			bar[i] = ' '
			if i < fill {
				bar[i] = '='
			}
		}
		fmt.Fprintf(p.w, "\r[%s] %3.0f%% %d records, %.0f/s, %s left ", bar, pct, records, rate, left)
		return
	}
	fmt.Fprintf(p.w, "%d records read (%.0f%%), %.0f records/s, about %s left\n", records, pct, rate, left)
}

func (p *progress) done(records int) {
	el := time.Since(p.start)
	if p.tty {
		fmt.Fprintln(p.w)
	}
	fmt.Fprintf(p.w, "%d records read in %s (%.0f records/s)\n", records, el.Round(time.Millisecond), float64(records)/max(el.Seconds(), 0.001))
}
