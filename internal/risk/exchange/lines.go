package exchange

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/risk"
)

// Multi-valued cells hold one item per line. Within a line:
//
//   - "\\" is a backslash, "\n" a line break, "\;" a semicolon and "\—" an
//     em dash that is part of the text; any other backslash is kept as it is;
//   - " — " (space, em dash, space) separates an item's text from its
//     attributes, written "key: value; key: value" (a bare key is a flag).
//
// Control lines (column Additional controls):
//
//	text — implementation: evidence; verification: evidence
//
// with the type on the same line of Control type ("Design") and the owner and
// side on the same line of Control owner (side) ("Pharmacy team (deployer)",
// or just "(deployer)").
//
// Action lines (column Actions):
//
//	text — due: 2026-12-31; done: 2026-11-02
//
// ("done" alone marks an action done with no date), with the owner on the same
// line of Action owner.

const attrSep = " — "

var (
	lineEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

// unescape undoes the escapes above; unknown escapes are kept literally so
// that hand-typed paths such as C:\temp survive.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if rs[i] == '\\' && i+1 < len(rs) {
			switch rs[i+1] {
			case '\\':
				b.WriteRune('\\')
				i++
				continue
			case 'n':
				b.WriteRune('\n')
				i++
				continue
			case ';', '—':
				b.WriteRune(rs[i+1])
				i++
				continue
			}
		}
		b.WriteRune(rs[i])
	}
	return b.String()
}

// splitUnescaped splits s at each occurrence of sep not preceded by an
// escaping backslash. The pieces keep their escapes.
func splitUnescaped(s, sep string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); {
		if s[i] == '\\' {
			i += 2
			continue
		}
		if strings.HasPrefix(s[i:], sep) {
			out = append(out, s[start:i])
			i += len(sep)
			start = i
			continue
		}
		i++
	}
	return append(out, s[start:])
}

// cellLines splits a cell into its non-blank lines, trimmed.
func cellLines(cell string) []string {
	var out []string
	for _, l := range strings.Split(cell, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

type attr struct{ key, val string }

// splitAttrs separates an item's text from its attributes. The attributes
// part is taken after the last unescaped " — " when its first key is one of
// known; otherwise the whole line is text. It returns the unescaped text and
// the attributes, or an error for an unknown or repeated key.
func splitAttrs(line string, known ...string) (string, []attr, error) {
	parts := splitUnescaped(line, attrSep)
	if len(parts) < 2 {
		return strings.TrimSpace(unescape(line)), nil, nil
	}
	rest := parts[len(parts)-1]
	segs := splitUnescaped(rest, ";")
	isKnown := func(k string) bool {
		for _, x := range known {
			if k == x {
				return true
			}
		}
		return false
	}
	firstKey, _, _ := strings.Cut(segs[0], ":")
	if !isKnown(strings.ToLower(strings.TrimSpace(firstKey))) {
		return strings.TrimSpace(unescape(line)), nil, nil
	}
	text := strings.Join(parts[:len(parts)-1], attrSep)
	var attrs []attr
	seen := map[string]bool{}
	for _, s := range segs {
		if strings.TrimSpace(s) == "" {
			continue
		}
		k, v, _ := strings.Cut(s, ":")
		k = strings.ToLower(strings.TrimSpace(k))
		if !isKnown(k) {
			return "", nil, fmt.Errorf("%q is not a known attribute; use %s (write \\— for a dash that is part of the text)", k, strings.Join(known, ", "))
		}
		if seen[k] {
			return "", nil, fmt.Errorf("attribute %q is given twice", k)
		}
		seen[k] = true
		attrs = append(attrs, attr{k, strings.TrimSpace(unescape(v))})
	}
	return strings.TrimSpace(unescape(text)), attrs, nil
}

// parseTime reads a date or time in a cell of the earlier layout; see
// parseWhen.
func parseTime(s string) (time.Time, error) { return parseWhen(s) }

// Control lines.

var ownerSideRE = regexp.MustCompile(`(?i)^(.*?)\s*\(\s*(manufacturer|deployer)\s*\)$`)

func parseOwnerSide(line string) (string, risk.Side, error) {
	if m := ownerSideRE.FindStringSubmatch(line); m != nil {
		side, _ := risk.ParseSide(m[2])
		return unescape(m[1]), side, nil
	}
	if side, err := risk.ParseSide(line); err == nil {
		return "", side, nil
	}
	return "", "", fmt.Errorf("%q should be an owner followed by (manufacturer) or (deployer)", line)
}

// Action lines.

func parseActionLine(line string) (risk.Action, error) {
	text, attrs, err := splitAttrs(line, "due", "done")
	if err != nil {
		return risk.Action{}, err
	}
	a := risk.Action{Summary: text}
	for _, at := range attrs {
		switch at.key {
		case "due":
			if a.Due, err = parseTime(at.val); err != nil {
				return a, fmt.Errorf("due date: %w", err)
			}
		case "done":
			a.Done = true
			if at.val != "" && !strings.EqualFold(at.val, "yes") {
				if a.DoneAt, err = parseTime(at.val); err != nil {
					return a, fmt.Errorf("done date: %w", err)
				}
			}
		}
	}
	return a, nil
}

// Provenance cell: source: X; document: Y; version: Z; ref: R; imported: date.

func parseProvenance(cell string) (risk.Provenance, error) {
	var p risk.Provenance
	if strings.TrimSpace(cell) == "" {
		return p, nil
	}
	_, attrs, err := splitAttrs(attrSep+cell, "source", "document", "version", "ref", "imported")
	if err != nil {
		return p, err
	}
	if attrs == nil {
		return p, fmt.Errorf("write provenance as source: …; document: …; version: …; ref: …; imported: 2026-01-31")
	}
	for _, a := range attrs {
		switch a.key {
		case "source":
			p.Source = a.val
		case "document":
			p.Document = a.val
		case "version":
			p.Version = a.val
		case "ref":
			p.Ref = a.val
		case "imported":
			if p.ImportedAt, err = parseTime(a.val); err != nil {
				return p, fmt.Errorf("imported: %w", err)
			}
		}
	}
	return p, nil
}
