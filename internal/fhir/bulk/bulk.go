package bulk

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Refused is a line of an import that was not stored, and why.
type Refused struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
	// Expression is the FHIR element at fault, when known.
	Expression string `json:"expression,omitempty"`
}

// Result is what an import did.
type Result struct {
	// Imported is how many records were stored: all the file's, or none
	// when any was refused.
	Imported int `json:"imported"`
	// Records is how many were read.
	Records int       `json:"records"`
	Refused []Refused `json:"refused,omitempty"`
	// MoreRefused counts refusals beyond the MaxRefused listed.
	MoreRefused int `json:"more_refused,omitempty"`
}

// MaxRefused is how many refused lines a Result lists.
const MaxRefused = 100

// Progress is told, now and then, how many records have been read and
// how many bytes of the file.
type Progress func(records int, bytes int64)

// ErrRefused is returned (wrapped as Invalid) when a file had refused
// lines: nothing of it was stored.
var ErrRefused = errors.New("bulk: refused lines")

// ImportAdverseEvents reads AdverseEvents from NDJSON r into orgID, in one
// transaction: every line is read and checked, and the file is stored only
// when none was refused (all or nothing). Each stored event is audited as
// event.import. The error is Invalid when a line was refused (the Result
// lists them with line numbers and reasons).
//
// The lines are decoded, mapped and checked on a small pool of goroutines
// (one per processor) while this one writes the events checked before, in
// batches, in the order of the file; a bounded number of lines is in
// hand at any time, so memory does not grow with the file.
func ImportAdverseEvents(ctx context.Context, db *store.DB, orgID store.OrgID, cfg fhir.Config, r io.Reader, progress Progress) (Result, error) {
	var res Result
	im, err := eventsdb.New(db).NewImporter(ctx, orgID)
	if err != nil {
		return res, err
	}
	defer im.Close()
	refuse := func(rf Refused) {
		if len(res.Refused) < MaxRefused {
			res.Refused = append(res.Refused, rf)
		} else {
			res.MoreRefused++
		}
	}
	err = db.Tx(ctx, func(tx *store.Tx) error {
		chunks, stop := checkLines(ctx, cfg, im, NewReader(r, MaxLine))
		defer stop()
		stored := 0
		var read int64
		for c := range chunks {
			select {
			case <-c.done:
			case <-ctx.Done():
				return ctx.Err()
			}
			for i := range c.items {
				if err := ctx.Err(); err != nil {
					return err
				}
				it := &c.items[i]
				res.Records++
				if it.lineErr != nil {
					refuse(Refused{Line: it.lineErr.N, Reason: it.lineErr.Reason})
					continue
				}
				if progress != nil && res.Records%1000 == 0 {
					progress(res.Records, it.bytes)
				}
				if it.rf != nil {
					refuse(*it.rf)
					continue
				}
				if len(res.Refused) > 0 {
					continue // nothing more is written: the file will not be stored
				}
				if err := im.Add(ctx, tx, it.h); err != nil {
					return err
				}
				stored++
			}
			read = c.bytes
			if c.err != nil {
				return apperr.Wrap(apperr.Invalid, c.err, "The file could not be read to its end")
			}
		}
		if progress != nil {
			progress(res.Records, read)
		}
		if len(res.Refused) > 0 {
			return apperr.Wrap(apperr.Invalid, ErrRefused, fmt.Sprintf("%d of %d lines were refused, so nothing was imported", len(res.Refused)+res.MoreRefused, res.Records))
		}
		if err := im.Flush(ctx, tx); err != nil {
			return err
		}
		res.Imported = stored
		return nil
	})
	if err != nil {
		res.Imported = 0
		return res, err
	}
	return res, nil
}

// A lineChunk is a run of lines of the file, read in order and checked by
// one of checkLines' workers (done is closed then).
type lineChunk struct {
	items []checkedLine
	bytes int64 // of the file read, to the end of the chunk
	err   error // the file could not be read past the chunk
	done  chan struct{}
}

// checkedLine is one line read and checked: a line that could not be
// read, or its event or the reason it was refused.
type checkedLine struct {
	line    Line
	lineErr *LineError
	bytes   int64
	h       eventsdb.Historical
	rf      *Refused
}

// chunkLines and chunkBytes bound a lineChunk; aheadChunks is how many
// chunks may be read ahead of the writer: more lines than one batch of
// the import writer (500), so that the workers go on checking while a
// batch is written.
const (
	chunkLines  = 64
	chunkBytes  = 1 << 20
	aheadChunks = 24
)

// checkLines reads rd on a goroutine of its own, in chunks, and checks
// the chunks' lines on a pool of GOMAXPROCS workers. It returns the chunks
// in the order of the file (each to be waited for on done), at most
// aheadChunks (or two per worker) ahead of the reader of the channel, and
// stop, which ends the
// goroutines and waits for them (call it once the chunks are no longer
// read).
func checkLines(ctx context.Context, cfg fhir.Config, im *eventsdb.Importer, rd *Reader) (<-chan *lineChunk, func()) {
	workers := runtime.GOMAXPROCS(0)
	ctx, cancel := context.WithCancel(ctx)
	ordered := make(chan *lineChunk, max(aheadChunks, 2*workers))
	jobs := make(chan *lineChunk, workers)
	var wg sync.WaitGroup
	wg.Add(1 + workers)
	go func() {
		defer wg.Done()
		defer close(ordered)
		defer close(jobs)
		for eof := false; !eof; {
			c := &lineChunk{done: make(chan struct{})}
			size := 0
			for len(c.items) < chunkLines && size < chunkBytes {
				l, err := rd.Next()
				if errors.Is(err, io.EOF) {
					eof = true
					break
				}
				var le *LineError
				if errors.As(err, &le) {
					c.items = append(c.items, checkedLine{lineErr: le, bytes: rd.Bytes()})
					continue
				}
				if err != nil {
					c.err, eof = err, true
					break
				}
				l.Data = bytes.Clone(l.Data)
				size += len(l.Data)
				c.items = append(c.items, checkedLine{line: l, bytes: rd.Bytes()})
			}
			c.bytes = rd.Bytes()
			select {
			case ordered <- c:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		go func() {
			defer wg.Done()
			for c := range jobs {
				for i := range c.items {
					it := &c.items[i]
					if it.lineErr != nil || ctx.Err() != nil {
						continue
					}
					h, rf := historical(cfg, it.line)
					if rf == nil {
						var err error
						if h, err = im.Check(h); err != nil {
							rf = &Refused{Line: it.line.N, Reason: apperr.MessageOf(err)}
						}
					}
					it.h, it.rf, it.line.Data = h, rf, nil
				}
				close(c.done)
			}
		}()
	}
	return ordered, func() {
		cancel()
		wg.Wait()
	}
}

// historical reads one line as an AdverseEvent and maps it.
func historical(cfg fhir.Config, l Line) (eventsdb.Historical, *Refused) {
	var ae fhir.AdverseEvent
	if err := fhir.Decode(l.Data, &ae); err != nil {
		return eventsdb.Historical{}, refusal(l.N, err)
	}
	rec, meta, err := fhir.EventFromAdverseEvent(cfg, ae)
	if err != nil {
		return eventsdb.Historical{}, refusal(l.N, err)
	}
	when := ae.RecordedDate
	if when == "" {
		when = ae.Date
	}
	at, err := parseWhen(when)
	if err != nil {
		return eventsdb.Historical{}, &Refused{Line: l.N, Reason: "recordedDate (or date) must give when the event was reported", Expression: "AdverseEvent.recordedDate"}
	}
	return eventsdb.Historical{Record: rec, Audience: meta.Audience, SubmittedAt: at, Status: meta.Status}, nil
}

func parseWhen(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("bad date")
}

func refusal(n int, err error) *Refused {
	if is := fhir.IssuesOf(err); len(is) > 0 {
		return &Refused{Line: n, Reason: is[0].Message, Expression: is[0].Expression}
	}
	return &Refused{Line: n, Reason: apperr.MessageOf(err)}
}

// Types are the resource types Export writes.
var Types = []string{"AdverseEvent", "Device"}

// ExportAdverseEvents writes orgID's reported events changed at or after
// since (all when zero) to w as NDJSON, streaming rows from the database
// one at a time, and returns how many it wrote.
func ExportAdverseEvents(ctx context.Context, db *store.DB, orgID store.OrgID, cfg fhir.Config, since time.Time, w io.Writer) (int, error) {
	org, err := db.Org(ctx, orgID)
	if err != nil {
		return 0, err
	}
	var rows *sql.Rows
	if since.IsZero() {
		rows, err = db.SQL().QueryContext(ctx, `SELECT `+eventsdb.EventCols+` FROM events WHERE org_id = $1 AND status <> 'draft' ORDER BY id`, orgID)
	} else {
		rows, err = db.SQL().QueryContext(ctx, `SELECT `+eventsdb.EventCols+` FROM events WHERE org_id = $1 AND status <> 'draft' AND updated_at >= $2 ORDER BY id`, orgID, since.UTC())
	}
	if err != nil {
		return 0, db.Wrap(err, "export events")
	}
	defer rows.Close()
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	n := 0
	for rows.Next() {
		e, err := eventsdb.ScanEvent(rows)
		if err != nil {
			return n, db.Wrap(err, "export events")
		}
		ae, err := fhir.AdverseEventFromEvent(cfg, fhir.EventInput{ID: e.ID, Ref: e.Ref, OrgODS: org.ODSCode, Record: e.Record, Status: e.Status,
			Audience: e.Audience, Anonymous: e.ReporterID == "", Confidential: e.Confidential, ReporterID: e.ReporterID,
			Version: e.Version, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt, SubmittedAt: e.SubmittedAt})
		if err != nil {
			return n, fmt.Errorf("bulk: export event %s: %w", e.ID, err)
		}
		if err := enc.Encode(ae); err != nil {
			return n, fmt.Errorf("bulk: write: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, db.Wrap(err, "export events")
	}
	return n, bw.Flush()
}

// ExportDevices writes orgID's implant register as Device resources to w
// as NDJSON, streaming, and returns how many it wrote. since selects
// devices recorded at or after it (all when zero).
func ExportDevices(ctx context.Context, db *store.DB, orgID store.OrgID, cfg fhir.Config, since time.Time, w io.Writer) (int, error) {
	q := `SELECT i.id, i.procedure_id, i.patient_id, i.gtin, i.labeler, i.catalogue, i.unit_of_measure, i.lot, i.serial, i.expiry, i.raw, i.entry_type,
			COALESCE(p.manufacturer, i.manufacturer), COALESCE(p.brand, ''), COALESCE(p.model, ''), COALESCE(p.device_type, 0),
			COALESCE(i.explanted_on, ''), i.explant_reason, i.created_at
		FROM implants i LEFT JOIN device_products p ON p.org_id = i.org_id AND p.gtin = i.gtin AND i.gtin <> ''
		WHERE i.org_id = $1 AND i.created_at >= $2 ORDER BY i.id`
	if since.IsZero() {
		since = time.Unix(0, 0)
	}
	rows, err := db.SQL().QueryContext(ctx, q, orgID, since.UTC())
	if err != nil {
		return 0, db.Wrap(err, "export devices")
	}
	defer rows.Close()
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	n := 0
	for rows.Next() {
		var im fhir.Implant
		if err := rows.Scan(&im.ID, &im.ProcedureID, &im.PatientID, &im.GTIN, &im.Labeler, &im.Catalogue, &im.UnitOfMeasure, &im.Lot, &im.Serial, &im.Expiry,
			&im.Raw, &im.EntryType, &im.Manufacturer, &im.Brand, &im.Model, &im.DeviceType, &im.ExplantedOn, &im.ExplantReason, &im.CreatedAt); err != nil {
			return n, db.Wrap(err, "export devices")
		}
		if err := enc.Encode(fhir.DeviceFromImplant(cfg, im)); err != nil {
			return n, fmt.Errorf("bulk: write: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, db.Wrap(err, "export devices")
	}
	return n, bw.Flush()
}

// Content lists the Bulk Data export jobs for store.Open: who asked for
// which export, audited; how far a job has got changes without an entry.
func Content() []store.Entity {
	return []store.Entity{{Name: "bulk_job", Parts: []store.Part{{Table: "bulk_jobs", Key: []string{"id"},
		Exclude: []string{"status", "progress", "output", "error", "finished_at"}}}}}
}
