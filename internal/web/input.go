package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

// Text arrives through form fields, JSON strings, query parameters and path
// values. PostgreSQL cannot store a NUL character or bytes that are not
// UTF-8 (SQLite takes them), so such text is refused here, once, the same
// way on both engines: form and JSON fields are Invalid (422) naming the
// field, query parameters BadRequest (400), and path values NotFound (404)
// before any SQL runs.

// textProblem says what is wrong with s as text, or "" when nothing is.
func textProblem(s string) string {
	if !utf8.ValidString(s) {
		return "contains bytes that are not valid UTF-8 text"
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "contains a NUL character, which cannot be saved"
	}
	return ""
}

// checkFormText checks every name and value of a parsed form body: a bad
// value is Invalid with a message for its field, a bad name BadRequest.
func checkFormText(vals url.Values) error {
	var fields map[string]string
	for _, k := range sortedKeys(vals) {
		if textProblem(k) != "" {
			return apperr.New(apperr.BadRequest, "The form has a field name that is not valid text")
		}
		for _, v := range vals[k] {
			if p := textProblem(v); p != "" {
				if fields == nil {
					fields = map[string]string{}
				}
				fields[k] = "This " + p
				break
			}
		}
	}
	if fields == nil {
		return nil
	}
	first := sortedKeys(fields)[0]
	return &apperr.Error{Kind: apperr.Invalid, Fields: fields,
		Message: fmt.Sprintf("The field %q %s. Remove it and try again.", first, strings.TrimPrefix(fields[first], "This "))}
}

// checkQueryText checks the query string: a bad parameter is BadRequest.
// Malformed escapes are left to url.ParseQuery, which drops them.
func checkQueryText(raw string) error {
	if raw == "" {
		return nil
	}
	vals, _ := url.ParseQuery(raw)
	for _, k := range sortedKeys(vals) {
		if textProblem(k) != "" {
			return apperr.New(apperr.BadRequest, "The address has a parameter name that is not valid text")
		}
		for _, v := range vals[k] {
			if p := textProblem(v); p != "" {
				return apperr.New(apperr.BadRequest, "The address parameter %q %s", k, p)
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

var (
	pathWildcard = regexp.MustCompile(`\{([a-z_]+)\}`)
	storeID      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	noSuchRecord = apperr.New(apperr.NotFound, "There is no such record: check the web address")
)

// maxPathText bounds a path value that is not an id (a GTIN, a serial
// number): longer is no record.
const maxPathText = 200

// pathParams lists the wildcards of a route pattern.
func pathParams(pattern string) []string {
	var out []string
	for _, m := range pathWildcard.FindAllStringSubmatch(pattern, -1) {
		out = append(out, m[1])
	}
	return out
}

// checkPathValues refuses, as NotFound, a path value that cannot name a
// record. A wildcard named id or patient holds a store id (a UUID in its
// canonical lower-case form); any other (gtin, serial) holds text of at
// most maxPathText bytes without control characters, which its handler
// checks further.
func checkPathValues(r *http.Request, params []string) error {
	for _, p := range params {
		v := r.PathValue(p)
		switch p {
		case "id", "patient":
			if !storeID.MatchString(v) {
				return noSuchRecord
			}
		default:
			if len(v) > maxPathText || textProblem(v) != "" || strings.ContainsFunc(v, isControl) {
				return noSuchRecord
			}
		}
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// maxJSONDepth bounds the nesting of objects and arrays in a JSON body; no
// request of the API nests more than a few levels.
const maxJSONDepth = 32

// checkJSONText scans a JSON body before it is decoded: nesting deeper
// than maxJSONDepth is BadRequest, and a string holding a NUL (\u0000) or
// bytes that are not UTF-8 is Invalid, naming the field by its path of
// object keys ("patient.name"), as decoding errors do. encoding/json would
// otherwise replace the bad bytes silently and pass the NUL on. A body that
// is not well-formed JSON is left for the decoder to report.
func checkJSONText(b []byte) error {
	type frame struct {
		object, wantKey bool
		key             string
	}
	var stack []frame
	field := func() string {
		var ks []string
		for _, f := range stack {
			if f.object && f.key != "" {
				ks = append(ks, f.key)
			}
		}
		return strings.Join(ks, ".")
	}
	for i := 0; i < len(b); {
		switch c := b[i]; c {
		case '{', '[':
			if len(stack) == maxJSONDepth {
				return apperr.New(apperr.BadRequest, "The JSON body is nested more than %d levels deep", maxJSONDepth)
			}
			stack = append(stack, frame{object: c == '{', wantKey: c == '{'})
			i++
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			i++
		case ',':
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].wantKey = true
			}
			i++
		case ':':
			if n := len(stack); n > 0 {
				stack[n-1].wantKey = false
			}
			i++
		case '"':
			end, problem := scanJSONString(b, i)
			if end < 0 {
				return nil // unterminated: the decoder says so
			}
			n := len(stack)
			isKey := n > 0 && stack[n-1].object && stack[n-1].wantKey
			if problem != "" {
				if isKey {
					return apperr.New(apperr.BadRequest, "The JSON body has a field name that is not valid text")
				}
				f := field()
				if f == "" {
					f = "body"
				}
				return &apperr.Error{Kind: apperr.Invalid, Message: "A field " + problem, Fields: map[string]string{f: "This " + problem}}
			}
			if isKey {
				var k string
				if json.Unmarshal(b[i:end], &k) != nil {
					return nil
				}
				stack[n-1].key = k
			}
			i = end
		default:
			i++
		}
	}
	return nil
}

// scanJSONString reads the string literal starting at b[i] (a quote) and
// returns the index just after it (-1 when it does not end) and what is
// wrong with its text, if anything.
func scanJSONString(b []byte, i int) (int, string) {
	problem := ""
	for i++; i < len(b); {
		c := b[i]
		switch {
		case c == '"':
			return i + 1, problem
		case c == '\\':
			if i+1 < len(b) && b[i+1] == 'u' && i+6 <= len(b) && string(b[i+2:i+6]) == "0000" {
				if problem == "" {
					problem = "contains a NUL character, which cannot be saved"
				}
				i += 6
				continue
			}
			i += 2
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				problem = "contains bytes that are not valid UTF-8 text"
			}
			i += size
		}
	}
	return -1, problem
}
