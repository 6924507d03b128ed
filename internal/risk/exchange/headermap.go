package exchange

import (
	"fmt"
	"sort"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

// ParseHeaderMapping reads a column mapping written by header name, as the
// command line takes it: "Header A=field,Header B=field", where each header
// is a column name of header (compared ignoring case and spacing) and each
// field a Field (see Fields). A header that itself holds a comma may be
// written as it is: text up to the next "=" belongs to the header before.
// The mapping must fit the header as ImportMapped needs (Mapping.Valid).
// Invalid, with one message naming every problem, otherwise.
func ParseHeaderMapping(header []string, spec string) (Mapping, error) {
	var pairs []string
	for _, part := range strings.Split(spec, ",") {
		switch {
		case strings.Contains(part, "="):
			pairs = append(pairs, part)
		case len(pairs) > 0:
			pairs[len(pairs)-1] += "," + part
		case strings.TrimSpace(part) != "":
			return nil, apperr.New(apperr.Invalid, "write the mapping as Header=field pairs, comma separated, for example 'Title=name,Severity=initial_severity'; %q has no field", strings.TrimSpace(part))
		}
	}
	if len(pairs) == 0 {
		return nil, apperr.New(apperr.Invalid, "write the mapping as Header=field pairs, comma separated, for example 'Title=name,Severity=initial_severity'")
	}
	known := map[Field]bool{}
	for _, fi := range fieldList {
		known[fi.Field] = true
	}
	mp := Mapping{}
	given := map[int]string{}
	var bad []string
	for _, p := range pairs {
		// Fields hold no "=", so the last one ends the header.
		i := strings.LastIndex(p, "=")
		h, f := strings.TrimSpace(p[:i]), Field(strings.TrimSpace(p[i+1:]))
		col, n := -1, 0
		for j, c := range header {
			if normHeader(c) == normHeader(h) {
				if col < 0 {
					col = j
				}
				n++
			}
		}
		switch {
		case n > 1:
			bad = append(bad, fmt.Sprintf("the file has %d columns headed %q, so a mapping by name cannot say which", n, h))
		case !known[f]:
			bad = append(bad, fmt.Sprintf("%q is not a field clinsafe reads", string(f)))
		case col < 0:
			bad = append(bad, fmt.Sprintf("the file has no column headed %q", h))
		case given[col] != "":
			bad = append(bad, fmt.Sprintf("column %q is given twice (%s and %s); give each column once", h, given[col], f))
		case hasField(mp, f):
			bad = append(bad, fmt.Sprintf("field %s is given twice; give each field once", f))
		default:
			mp[f], given[col] = col, string(f)
		}
	}
	if len(bad) == 0 {
		for f, msg := range mp.Valid(len(header)) {
			bad = append(bad, string(f)+": "+msg)
		}
		sort.Strings(bad)
	}
	if len(bad) > 0 {
		return nil, apperr.New(apperr.Invalid, "the mapping does not fit the file: %s", strings.Join(bad, "; "))
	}
	return mp, nil
}

func hasField(mp Mapping, f Field) bool {
	_, ok := mp[f]
	return ok
}

// HeaderMappingSpec writes mp over header as ParseHeaderMapping reads it,
// in field order.
func HeaderMappingSpec(header []string, mp Mapping) string {
	var parts []string
	for _, fi := range fieldList {
		if i, ok := mp[fi.Field]; ok && i >= 0 && i < len(header) {
			parts = append(parts, header[i]+"="+string(fi.Field))
		}
	}
	return strings.Join(parts, ",")
}
