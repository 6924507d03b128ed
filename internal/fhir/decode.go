package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Limits bound what the decoder accepts.
type Limits struct {
	// MaxString is the most characters of one string.
	MaxString int
	// MaxEntries is the most items of one array (a bundle's entries).
	MaxEntries int
	// MaxDepth is the deepest nesting of objects and arrays.
	MaxDepth int
}

// DefaultLimits are the limits of Decode: a description of 10,000
// characters (the longest answer of the reporting flow), bundles of
// 1,000 entries.
var DefaultLimits = Limits{MaxString: 10000, MaxEntries: 1000, MaxDepth: 32}

// Decode decodes the JSON resource data into into (a pointer to a
// resource of this package, or a *Resource for whatever resourceType
// data says), strictly: malformed JSON, a missing or wrong resourceType,
// elements this server does not know, values of the wrong JSON type,
// empty strings and arrays, nulls, codes outside a required value set,
// malformed dates and ids, strings and arrays over the limits are each
// an *Issue naming the element at fault.
func Decode(data []byte, into any) error { return DefaultLimits.Decode(data, into) }

// DecodeResource decodes a resource of any type this package knows.
func DecodeResource(data []byte) (Resource, error) {
	var r Resource
	err := Decode(data, &r)
	return r, err
}

// Decode is Decode with limits l.
func (l Limits) Decode(data []byte, into any) error {
	rv := reflect.ValueOf(into)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("fhir: decode into %T: not a pointer", into)
	}
	if !utf8.Valid(data) {
		return issue(CodeStructure, "", "The body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return issue(CodeStructure, "", "The body is not valid JSON: "+jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return issue(CodeStructure, "", "The body has more after the resource: send one JSON object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return issue(CodeStructure, "", "The body must be a JSON object with a resourceType")
	}
	d := &decoder{l: l}
	root := rv.Elem()
	name := ""
	if r, ok := into.(Resource); ok {
		name = r.ResourceKind()
		if _, ok := obj["resourceType"]; !ok {
			return issue(CodeRequired, "resourceType", "resourceType is missing: it must be "+name)
		}
		if rt, _ := obj["resourceType"].(string); rt != name {
			return issue(CodeInvalid, "resourceType", fmt.Sprintf("resourceType must be %s, not %s", name, describe(obj["resourceType"])))
		}
	}
	if root.Kind() == reflect.Interface {
		return d.value(v, root, &elem{index: -1})
	}
	return d.value(v, root, &elem{name: name, index: -1})
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "it ends too soon"
	}
	return err.Error()
}

type decoder struct {
	l     Limits
	depth int
}

var resourceType = reflect.TypeFor[Resource]()

// field is what the decoder knows of one struct field.
type field struct {
	index    int
	name     string
	required bool
	format   string   // id, date, dateTime, instant, time, code
	codes    []string // a required value set
}

var fieldsCache sync.Map // reflect.Type -> []field

func fieldsOf(t reflect.Type) []field {
	if f, ok := fieldsCache.Load(t); ok {
		return f.([]field)
	}
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("json")
		if !ok || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		f := field{index: i, name: name, required: !strings.Contains(opts, "omitempty") && name != "resourceType"}
		if ft := sf.Tag.Get("fhir"); ft != "" {
			if c, ok := strings.CutPrefix(ft, "code="); ok {
				f.format, f.codes = "code", strings.Split(c, "|")
			} else {
				f.format = ft
			}
		}
		out = append(out, f)
	}
	fieldsCache.Store(t, out)
	return out
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if utf8.RuneCountInString(x) > 40 {
			return "a string"
		}
		return strconv.Quote(x)
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "a value"
}

// elem is the element being decoded, within its parent: its path (such
// as AdverseEvent.suspectEntity[0].instance) is made only when an issue
// names it.
type elem struct {
	parent *elem
	name   string
	index  int // of an item of an array; -1 for a named element
}

func (e *elem) String() string {
	if e == nil {
		return ""
	}
	p := e.parent.String()
	if e.index >= 0 {
		return fmt.Sprintf("%s[%d]", p, e.index)
	}
	return join(p, e.name)
}

// at is the path of e's element name.
func (e *elem) at(name string) string { return join(e.String(), name) }

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (d *decoder) value(v any, rv reflect.Value, path *elem) error {
	if v == nil {
		return issue(CodeStructure, path.String(), "null is not allowed: leave the element out")
	}
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > d.l.MaxDepth {
		return issue(CodeTooCostly, path.String(), fmt.Sprintf("The resource is nested more than %d deep", d.l.MaxDepth))
	}
	t := rv.Type()
	switch {
	case t == resourceType:
		obj, ok := v.(map[string]any)
		if !ok {
			return issue(CodeStructure, path.String(), "Expected a resource (a JSON object), got "+describe(v))
		}
		rt, ok := obj["resourceType"].(string)
		if !ok {
			return issue(CodeRequired, path.at("resourceType"), "resourceType is missing or not a string")
		}
		mk, ok := kinds[rt]
		if !ok {
			return issue(CodeNotSupported, path.at("resourceType"), fmt.Sprintf("resourceType %s is not supported here", describe(rt)))
		}
		r := mk()
		p := path
		if p.String() == "" {
			p = &elem{name: rt, index: -1}
		}
		if err := d.value(v, reflect.ValueOf(r).Elem(), p); err != nil {
			return err
		}
		rv.Set(reflect.ValueOf(r))
		return nil
	case t.Kind() == reflect.Pointer:
		n := reflect.New(t.Elem())
		if err := d.value(v, n.Elem(), path); err != nil {
			return err
		}
		rv.Set(n)
		return nil
	case t.Kind() == reflect.Struct:
		return d.object(v, rv, path)
	case t.Kind() == reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return issue(CodeStructure, path.String(), "Expected an array, got "+describe(v))
		}
		if len(arr) == 0 {
			return issue(CodeStructure, path.String(), "An array must not be empty: leave the element out")
		}
		if len(arr) > d.l.MaxEntries {
			return issue(CodeTooCostly, path.String(), fmt.Sprintf("At most %d items are accepted here, not %d", d.l.MaxEntries, len(arr)))
		}
		s := reflect.MakeSlice(t, len(arr), len(arr))
		for i, x := range arr {
			item := elem{parent: path, index: i}
			if err := d.value(x, s.Index(i), &item); err != nil {
				return err
			}
		}
		rv.Set(s)
		return nil
	case t.Kind() == reflect.String:
		s, ok := v.(string)
		if !ok {
			return issue(CodeStructure, path.String(), "Expected a string, got "+describe(v))
		}
		if strings.TrimSpace(s) == "" {
			return issue(CodeValue, path.String(), "A string must not be empty or only spaces: leave the element out")
		}
		if n := utf8.RuneCountInString(s); n > d.l.MaxString {
			return issue(CodeTooLong, path.String(), fmt.Sprintf("At most %d characters are accepted, not %d", d.l.MaxString, n))
		}
		for _, r := range s {
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
				return issue(CodeValue, path.String(), "The string holds a control character, which FHIR does not allow")
			}
		}
		rv.SetString(s)
		return nil
	case t.Kind() == reflect.Int:
		n, ok := v.(json.Number)
		if !ok {
			return issue(CodeStructure, path.String(), "Expected an integer, got "+describe(v))
		}
		i, err := strconv.ParseInt(string(n), 10, 32)
		if err != nil {
			return issue(CodeValue, path.String(), "Expected a whole number between -2147483648 and 2147483647")
		}
		rv.SetInt(i)
		return nil
	case t.Kind() == reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return issue(CodeStructure, path.String(), "Expected true or false, got "+describe(v))
		}
		rv.SetBool(b)
		return nil
	}
	return fmt.Errorf("fhir: decode %s: unsupported type %s", path.String(), t)
}

func (d *decoder) object(v any, rv reflect.Value, path *elem) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return issue(CodeStructure, path.String(), "Expected an object, got "+describe(v))
	}
	fs := fieldsOf(rv.Type())
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		i := slices.IndexFunc(fs, func(f field) bool { return f.name == k })
		if i < 0 {
			msg := "Unknown element " + strconv.Quote(k) + ": this server does not take it"
			if strings.HasPrefix(k, "_") {
				msg = "Extensions of primitive values (" + strconv.Quote(k) + ") are not taken by this server"
			}
			return issue(CodeStructure, path.at(k), msg)
		}
		f := fs[i]
		if f.name == "resourceType" {
			want := reflect.New(rv.Type()).Interface().(Resource).ResourceKind()
			if s, _ := obj[k].(string); s != want {
				return issue(CodeInvalid, path.at(k), fmt.Sprintf("resourceType must be %s, not %s", want, describe(obj[k])))
			}
			rv.Field(f.index).SetString(want)
			continue
		}
		child := elem{parent: path, name: k, index: -1}
		if err := d.value(obj[k], rv.Field(f.index), &child); err != nil {
			return err
		}
		if f.format != "" {
			if err := checkFormat(f, rv.Field(f.index), &child); err != nil {
				return err
			}
		}
	}
	for _, f := range fs {
		if _, ok := obj[f.name]; f.required && !ok {
			return issue(CodeRequired, path.at(f.name), f.name+" is required")
		}
	}
	return nil
}

// FHIR R4 primitive formats.
var (
	reDate  = `([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?`
	reTime  = `([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?`
	reZone  = `(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))`
	formats = map[string]*regexp.Regexp{
		"id":       regexp.MustCompile(`^[A-Za-z0-9\-\.]{1,64}$`),
		"date":     regexp.MustCompile(`^` + reDate + `$`),
		"dateTime": regexp.MustCompile(`^` + reDate + `(T` + reTime + reZone + `)?$`),
		"instant":  regexp.MustCompile(`^` + reDate + `T` + reTime + reZone + `$`),
		"time":     regexp.MustCompile(`^` + reTime + `$`),
		"code":     regexp.MustCompile(`^[^\s]+( [^\s]+)*$`),
	}
	formatWords = map[string]string{
		"id": "an id of up to 64 letters, digits, '-' and '.'", "date": "a date such as 2026-12-01",
		"dateTime": "a date, or a date and time with its zone, such as 2026-12-01T14:30:00Z",
		"instant":  "a date and time with its zone, such as 2026-12-01T14:30:00Z", "time": "a time such as 14:30:00",
		"code": "a code without leading, trailing or double spaces",
	}
)

func checkFormat(f field, rv reflect.Value, path *elem) error {
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	s := rv.String()
	if len(f.codes) > 0 {
		if !slices.Contains(f.codes, s) {
			return issue(CodeCodeInvalid, path.String(), fmt.Sprintf("%s is not in the required value set: use one of %s", describe(s), strings.Join(f.codes, ", ")))
		}
		return nil
	}
	re := formats[f.format]
	if re == nil || !re.MatchString(s) {
		return issue(CodeValue, path.String(), fmt.Sprintf("%s is not %s", describe(s), formatWords[f.format]))
	}
	if (f.format == "date" || f.format == "dateTime" || f.format == "instant") && len(s) >= 10 {
		if _, err := time.Parse(time.DateOnly, s[:10]); err != nil {
			return issue(CodeValue, path.String(), fmt.Sprintf("%s is not a real date", describe(s[:10])))
		}
	}
	return nil
}
