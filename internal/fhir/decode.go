package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
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
//
// The body is checked to be one JSON value (encoding/json's scanner),
// then walked as raw JSON, straight into into: no tree of maps is built
// first. An object's members are taken in the order of their names, and
// of two members of one name the last counts, so that a body with
// several faults is refused for the same one each time.
func (l Limits) Decode(data []byte, into any) error {
	rv := reflect.ValueOf(into)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("fhir: decode into %T: not a pointer", into)
	}
	if !utf8.Valid(data) {
		return issue(CodeStructure, "", "The body is not valid UTF-8")
	}
	if len(data) > math.MaxInt32 { // the tape's positions are int32
		return issue(CodeTooCostly, "", "The body is too large to read")
	}
	if !json.Valid(data) {
		return notOneValue(data)
	}
	t := tapes.Get().(*tape)
	defer func() {
		t.b = nil
		if cap(t.nodes) <= maxPooledNodes { // not the tape of a huge bundle
			tapes.Put(t)
		}
	}()
	v := t.scan(data)
	if v.kind() != '{' {
		return issue(CodeStructure, "", "The body must be a JSON object with a resourceType")
	}
	d := &decoder{l: l}
	root := rv.Elem()
	name := ""
	if r, ok := into.(Resource); ok {
		name = r.ResourceKind()
		rt, ok := v.member("resourceType")
		if !ok {
			return issue(CodeRequired, "resourceType", "resourceType is missing: it must be "+name)
		}
		if s, _ := rt.str(); s != name {
			return issue(CodeInvalid, "resourceType", fmt.Sprintf("resourceType must be %s, not %s", name, rt.describe()))
		}
	}
	if root.Kind() == reflect.Interface {
		return d.value(v, root, &elem{index: -1})
	}
	return d.value(v, root, &elem{name: name, index: -1})
}

// notOneValue is the issue of a body that json.Valid refuses: not JSON,
// or more than one value.
func notOneValue(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // a number too large for a float64 is still JSON
	var v any
	if err := dec.Decode(&v); err != nil {
		return issue(CodeStructure, "", "The body is not valid JSON: "+jsonProblem(err))
	}
	return issue(CodeStructure, "", "The body has more after the resource: send one JSON object")
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

// describe names string s in a message: quoted when short.
func describe(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return "a string"
	}
	return strconv.Quote(s)
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

// root reports whether e's path is empty (String would be "").
func (e *elem) root() bool {
	for ; e != nil; e = e.parent {
		if e.index >= 0 || e.name != "" {
			return false
		}
	}
	return true
}

// at is the path of e's element name.
func (e *elem) at(name string) string { return join(e.String(), name) }

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (d *decoder) value(v raw, rv reflect.Value, path *elem) error {
	if v.kind() == 'n' {
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
		if v.kind() != '{' {
			return issue(CodeStructure, path.String(), "Expected a resource (a JSON object), got "+v.describe())
		}
		rt, ok := "", false
		if x, found := v.member("resourceType"); found {
			rt, ok = x.str()
		}
		if !ok {
			return issue(CodeRequired, path.at("resourceType"), "resourceType is missing or not a string")
		}
		mk, ok := kinds[rt]
		if !ok {
			return issue(CodeNotSupported, path.at("resourceType"), fmt.Sprintf("resourceType %s is not supported here", describe(rt)))
		}
		r := mk()
		p := path
		if p.root() {
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
		if v.kind() != '[' {
			return issue(CodeStructure, path.String(), "Expected an array, got "+v.describe())
		}
		arr := v.children()
		if len(arr) == 0 {
			return issue(CodeStructure, path.String(), "An array must not be empty: leave the element out")
		}
		if len(arr) > d.l.MaxEntries {
			return issue(CodeTooCostly, path.String(), fmt.Sprintf("At most %d items are accepted here, not %d", d.l.MaxEntries, len(arr)))
		}
		s := reflect.MakeSlice(t, len(arr), len(arr))
		for i, x := range arr {
			item := elem{parent: path, index: i}
			if err := d.value(raw{v.t, x}, s.Index(i), &item); err != nil {
				return err
			}
		}
		rv.Set(s)
		return nil
	case t.Kind() == reflect.String:
		s, ok := v.str()
		if !ok {
			return issue(CodeStructure, path.String(), "Expected a string, got "+v.describe())
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
		if k := v.kind(); k != '-' && (k < '0' || k > '9') {
			return issue(CodeStructure, path.String(), "Expected an integer, got "+v.describe())
		}
		i, err := strconv.ParseInt(string(v.bytes()), 10, 32)
		if err != nil {
			return issue(CodeValue, path.String(), "Expected a whole number between -2147483648 and 2147483647")
		}
		rv.SetInt(i)
		return nil
	case t.Kind() == reflect.Bool:
		if k := v.kind(); k != 't' && k != 'f' {
			return issue(CodeStructure, path.String(), "Expected true or false, got "+v.describe())
		}
		rv.SetBool(v.kind() == 't')
		return nil
	}
	return fmt.Errorf("fhir: decode %s: unsupported type %s", path.String(), t)
}

func (d *decoder) object(v raw, rv reflect.Value, path *elem) error {
	if v.kind() != '{' {
		return issue(CodeStructure, path.String(), "Expected an object, got "+v.describe())
	}
	fs := fieldsOf(rv.Type())
	ms := v.members()
	for _, m := range ms {
		k := m.name
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
			if s, _ := m.value.str(); s != want {
				return issue(CodeInvalid, path.at(k), fmt.Sprintf("resourceType must be %s, not %s", want, m.value.describe()))
			}
			rv.Field(f.index).SetString(want)
			continue
		}
		child := elem{parent: path, name: k, index: -1}
		if err := d.value(m.value, rv.Field(f.index), &child); err != nil {
			return err
		}
		if f.format != "" {
			if err := checkFormat(f, rv.Field(f.index), &child); err != nil {
				return err
			}
		}
	}
	for _, f := range fs {
		if !f.required {
			continue
		}
		if _, ok := rawLookup(ms, f.name); !ok {
			return issue(CodeRequired, path.at(f.name), f.name+" is required")
		}
	}
	return nil
}

// A tape is a body that json.Valid has passed, scanned once: a node for
// each of its values, and for each object or array the nodes of its
// members (name, value, name, value...) or items, in order.
type tape struct {
	b     []byte
	nodes []node
	kids  []int32
	stack []int32
}

// node is one value of a tape: its bytes b[start:end], and its children
// kids[kid:kid+nkid].
type node struct {
	start, end int32
	kid, nkid  int32
}

// tapes are kept for the next Decode, but for one of more than
// maxPooledNodes values, which is left to be collected.
var tapes = sync.Pool{New: func() any { return new(tape) }}

const maxPooledNodes = 1 << 14

// scan makes the tape of b (valid JSON) and returns its root value.
func (t *tape) scan(b []byte) raw {
	t.b, t.nodes, t.kids, t.stack = b, t.nodes[:0], t.kids[:0], t.stack[:0]
	i, _ := t.value(skipSpace(b, 0))
	return raw{t, i}
}

// value adds the value that starts at b[i] (and its children) and returns
// its node and the position after it.
func (t *tape) value(i int) (int32, int) {
	b := t.b
	n := int32(len(t.nodes))
	t.nodes = append(t.nodes, node{start: int32(i)})
	switch b[i] {
	case '"':
		i = skipString(b, i)
	case '{', '[':
		end := byte('}')
		if b[i] == '[' {
			end = ']'
		}
		base := len(t.stack)
		i = skipSpace(b, i+1)
		for b[i] != end {
			var k int32
			if end == '}' {
				k = int32(len(t.nodes))
				t.nodes = append(t.nodes, node{start: int32(i)})
				i = skipString(b, i)
				t.nodes[k].end = int32(i)
				t.stack = append(t.stack, k)
				i = skipSpace(b, skipSpace(b, i)+1) // past the colon
			}
			k, i = t.value(i)
			t.stack = append(t.stack, k)
			if i = skipSpace(b, i); b[i] == ',' {
				i = skipSpace(b, i+1)
			}
		}
		i++
		t.nodes[n].kid = int32(len(t.kids))
		t.nodes[n].nkid = int32(len(t.stack) - base)
		t.kids = append(t.kids, t.stack[base:]...)
		t.stack = t.stack[:base]
	default:
		for i < len(b) && !isDelim(b[i]) {
			i++
		}
	}
	t.nodes[n].end = int32(i)
	return n, i
}

func isDelim(c byte) bool {
	switch c {
	case ',', '}', ']', ':', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the end of the string that starts at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// raw is one value of a tape.
type raw struct {
	t *tape
	i int32
}

// bytes are the value's JSON.
func (v raw) bytes() []byte {
	n := v.t.nodes[v.i]
	return v.t.b[n.start:n.end]
}

// kind is the value's first byte: '{', '[', '"', 't', 'f', 'n', or the
// first of a number.
func (v raw) kind() byte { return v.t.b[v.t.nodes[v.i].start] }

// describe names the value in a message.
func (v raw) describe() string {
	switch v.kind() {
	case 'n':
		return "null"
	case '"':
		s, _ := v.str()
		return describe(s)
	case 't', 'f':
		return "a boolean"
	case '[':
		return "an array"
	case '{':
		return "an object"
	}
	return "a number"
}

// str is the value as a string, when it is one.
func (v raw) str() (string, bool) {
	if v.kind() != '"' {
		return "", false
	}
	b := v.bytes()
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b[1 : len(b)-1]), true
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", false // cannot happen: the body is valid JSON
	}
	return s, true
}

// children are the nodes of the value's members or items.
func (v raw) children() []int32 {
	n := v.t.nodes[v.i]
	return v.t.kids[n.kid : n.kid+n.nkid]
}

// rawMember is one member of an object.
type rawMember struct {
	name  string
	value raw
}

// members are the members of object v in the order of their names; of
// two of one name, only the last is kept.
func (v raw) members() []rawMember {
	kids := v.children()
	ms := make([]rawMember, 0, len(kids)/2)
	for k := 0; k+1 < len(kids); k += 2 {
		name, _ := raw{v.t, kids[k]}.str()
		ms = append(ms, rawMember{name, raw{v.t, kids[k+1]}})
	}
	slices.SortStableFunc(ms, func(a, b rawMember) int { return strings.Compare(a.name, b.name) })
	out := ms[:0]
	for k, m := range ms {
		if k+1 < len(ms) && ms[k+1].name == m.name {
			continue
		}
		out = append(out, m)
	}
	return out
}

// member is the value of object v's member called name (the last, if
// there are two), found without sorting the members.
func (v raw) member(name string) (raw, bool) {
	kids := v.children()
	for k := len(kids) - 2; k >= 0; k -= 2 {
		key := raw{v.t, kids[k]}
		b := key.bytes()
		if bytes.IndexByte(b, '\\') < 0 {
			if string(b[1:len(b)-1]) == name {
				return raw{v.t, kids[k+1]}, true
			}
		} else if s, _ := key.str(); s == name {
			return raw{v.t, kids[k+1]}, true
		}
	}
	return raw{}, false
}

// rawLookup finds the member called name among ms (sorted, as members
// returns them).
func rawLookup(ms []rawMember, name string) (raw, bool) {
	i, ok := slices.BinarySearchFunc(ms, name, func(m rawMember, n string) int { return strings.Compare(m.name, n) })
	if !ok {
		return raw{}, false
	}
	return ms[i].value, true
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
