package exchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
)

// The JSON envelope's format name and the version this package writes and
// reads.
const (
	JSONFormat  = "clinsafe-hazard-log"
	JSONVersion = 1
)

const maxJSONBytes = 64 << 20

// Document is the JSON exchange envelope described by
// hazard-log.schema.json:
//
//	{"format": "clinsafe-hazard-log", "version": 1,
//	 "exported_at": "2026-03-10T12:00:00Z",
//	 "log": {"system": {...}, "version": "1.2", "hazards": [...]}}
type Document struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	ExportedAt time.Time `json:"exported_at,omitzero"`
	Log        risk.Log  `json:"log"`
}

// ExportJSON writes l in the versioned JSON exchange format, indented, with
// the hazards in number order. Everything in the log is kept, including ids
// and timestamps.
func ExportJSON(w io.Writer, l risk.Log) error {
	return ExportJSONAt(w, l, time.Now())
}

// ExportJSONAt is ExportJSON with an explicit export time.
func ExportJSONAt(w io.Writer, l risk.Log, now time.Time) error {
	l.Hazards = l.Sorted()
	if l.Hazards == nil {
		l.Hazards = []risk.Hazard{}
	}
	doc := Document{Format: JSONFormat, Version: JSONVersion, ExportedAt: now.UTC(), Log: l}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("export json: %w", err)
	}
	return nil
}

// ImportJSON reads a log in the JSON exchange format. Unknown fields,
// another format or version, category values other than the codes, trailing
// data and invalid hazards are all rejected: the result is a RowErrors where
// Row is the hazard's position (from 1; 0 for the file as a whole) and
// Column the JSON field. Every hazard needs a number of at least 1, unique
// in the log; ratings are judged by m.
func ImportJSON(r io.Reader, m risk.Matrix) (*risk.Log, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxJSONBytes+1))
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid, err, "The file could not be read")
	}
	if len(b) > maxJSONBytes {
		return nil, apperr.New(apperr.TooLarge, "The JSON file is larger than %d MB", maxJSONBytes>>20)
	}
	var c collector
	// Check the envelope first so a file of another kind gets a clear answer.
	var head struct {
		Format  *string `json:"format"`
		Version *int    `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		c.add(0, "", "", "the file is not valid JSON: %s", jsonMsg(err))
		return nil, c.err()
	}
	if head.Format == nil || *head.Format != JSONFormat {
		c.add(0, "format", "", "the file must have \"format\": %q", JSONFormat)
		return nil, c.err()
	}
	if head.Version == nil || *head.Version != JSONVersion {
		c.add(0, "version", "", "only version %d of the format can be read", JSONVersion)
		return nil, c.err()
	}
	if key, ok := badKey(b); !ok {
		c.add(0, key, "", "unknown field %q: field names are lower case, as in the schema", key)
		return nil, c.err()
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var doc Document
	if err := dec.Decode(&doc); err != nil {
		c.add(0, "", "", "the file does not match the hazard log schema: %s", jsonMsg(err))
		return nil, c.err()
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		c.add(0, "", "", "the file has data after the hazard log")
		return nil, c.err()
	}
	l := doc.Log
	checkLog(&l, m, &c)
	if err := c.err(); err != nil {
		return nil, err
	}
	return &l, nil
}

// checkLog normalises line endings and validates the log and each hazard.
func checkLog(l *risk.Log, m risk.Matrix, c *collector) {
	for _, p := range []*string{&l.Version, &l.ApprovedBy, &l.System.Name, &l.System.Version, &l.System.Organisation,
		&l.System.Supplier, &l.System.IntendedUse, &l.System.ClinicalScope, &l.System.Configuration} {
		*p = normText(*p)
	}
	if l.System.Standard != "" && !l.System.Standard.Valid() {
		c.add(0, "log.system.standard", "", "standard %q is not one of DCB0129 or DCB0160", l.System.Standard)
	}
	if len(l.Hazards) > maxHazards {
		c.add(0, "log.hazards", "", "too many hazards: at most %d can be imported at once", maxHazards)
		return
	}
	if len(l.Hazards) == 0 {
		l.Hazards = nil
	}
	seen := map[int]int{}
	for i := range l.Hazards {
		h := &l.Hazards[i]
		normHazard(h)
		row := i + 1
		if h.Number < 1 {
			c.add(row, "number", "", "every hazard needs a number of 1 or more")
		} else if prev, dup := seen[h.Number]; dup {
			c.add(row, "number", "", "hazard number %d is also used by hazard %d in the list", h.Number, prev)
		} else {
			seen[h.Number] = row
		}
		if err := h.Validate(m, zeroTime); err != nil {
			fields := fieldsOf(err)
			keys := make([]string, 0, len(fields))
			for k := range fields {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				c.add(row, k, "", "%s", fields[k])
			}
		}
	}
}

func jsonMsg(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %s should be %s, not %s", te.Field, te.Type, te.Value)
	}
	msg := err.Error()
	if e := new(apperr.Error); errors.As(err, &e) {
		msg = e.Message
	}
	return strings.TrimPrefix(msg, "json: ")
}

// badKey walks the document and returns the first object key that is not
// written in lower case ASCII snake case. encoding/json matches field names
// case-insensitively, so without this "Hazards" would be taken for
// "hazards" and a misspelt file would not be rejected.
func badKey(b []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	// inObject[i] says whether container i is an object; expectKey whether
	// the next token in the innermost object is a key.
	var inObject []bool
	expectKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", true // syntax errors are reported by the decoder proper
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				inObject = append(inObject, true)
				expectKey = true
				continue
			case '[':
				inObject = append(inObject, false)
				expectKey = false
				continue
			default:
				inObject = inObject[:len(inObject)-1]
			}
		case string:
			if expectKey {
				for _, r := range t {
					if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
						return t, false
					}
				}
				expectKey = false
				continue
			}
		}
		// A value finished: in an object the next token is a key.
		expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
	}
}
