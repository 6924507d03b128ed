package riskweb

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/web"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/exchange"
	"github.com/clinsafe/clinsafe/internal/text"
)

// exchangeFormat reads a format name or infers it from a file name.
func exchangeFormat(format, filename string) (string, error) {
	f := strings.ToLower(strings.TrimSpace(format))
	if f == "" {
		f = strings.TrimPrefix(strings.ToLower(path.Ext(filename)), ".")
	}
	switch f {
	case "xlsx", "csv", "json":
		return f, nil
	}
	return "", &apperr.Error{Kind: apperr.Invalid, Message: "Choose a format: xlsx, csv or json",
		Fields: map[string]string{"format": "Choose a spreadsheet (.xlsx), CSV (.csv) or JSON (.json) file"}}
}

var exchangeTypes = map[string]string{
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"csv":  "text/csv; charset=utf-8",
	"json": "application/json",
}

// exportLog writes l in format.
func exportLog(w io.Writer, format string, l risk.Log, m risk.Matrix, now time.Time) error {
	switch format {
	case "xlsx":
		return exchange.ExportXLSXMatrix(w, l, m, now)
	case "csv":
		return exchange.ExportCSVMatrix(w, l, m)
	default:
		return exchange.ExportJSONAt(w, l, now)
	}
}

// importLog reads a hazard log in format; RowErrors on bad rows.
func importLog(r io.Reader, format string, m risk.Matrix) (*risk.Log, error) {
	switch format {
	case "xlsx":
		return exchange.ImportXLSX(r, m)
	case "csv":
		return exchange.ImportCSV(r, m)
	default:
		return exchange.ImportJSON(r, m)
	}
}

func (s *Module) sendLog(w http.ResponseWriter, r *http.Request, l risk.Log, label string) error {
	format, err := exchangeFormat(r.URL.Query().Get("format"), "")
	if err != nil {
		return err
	}
	m, err := s.risk.Matrix(r.Context(), web.PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := exportLog(&buf, format, l, m, s.k.Store().Now()); err != nil {
		return err
	}
	return sendFile(w, exchangeTypes[format], fileName(label, format), buf.Bytes())
}

func (s *Module) riskExport(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	sys, l, err := s.risk.CurrentLog(r.Context(), p.Org, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.sendLog(w, r, l, sys.Name+" hazard log")
}

func (s *Module) riskExportIssue(w http.ResponseWriter, r *http.Request) error {
	li, err := s.risk.LogIssue(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.sendLog(w, r, li.Log, li.Log.System.Name+" hazard log version "+li.Version)
}

// ImportPage uploads a hazard log into a system, and lists the rows that
// could not be read when an import fails. For a spreadsheet in a layout of
// its own it is the column-mapping step: the file travels with the form
// (Upload), each clinsafe field has a choice of column, and a preview shows
// the first hazards as they would be read.
type ImportPage struct {
	web.Base
	System    riskdb.System
	RowErrors exchange.RowErrors
	Supplier  bool
	Mapping   *ImportMapping
}

// ImportMapping is the column-mapping step of ImportPage.
type ImportMapping struct {
	FileName string
	// Upload is the file, base64, sent back with the form.
	Upload    string
	Sheet     string
	HeaderRow int
	Columns   int
	Fields    []MappingField
	Preview   exchange.Preview
	// Remembered: the mapping is the one used last time for this header.
	Remembered bool
	// Ready: the file imports as mapped.
	Ready bool
}

// MappingField is one clinsafe field and the column chosen for it.
type MappingField struct {
	ID, Label, Hint string
	Required        bool
	Options         []web.Option
	Value           string
}

// maxMappedUpload bounds a file sent through the mapping step, which
// travels back and forth with the form.
const maxMappedUpload = 8 << 20

// previewHazards is how many hazards the mapping step shows.
const previewHazards = 10

func (s *Module) riskImportPage(w http.ResponseWriter, r *http.Request) error {
	sys, err := s.risk.System(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/import", ImportPage{Base: s.k.Base(w, r, "Import a hazard log into "+sys.Name), System: sys})
}

// importInto reads and imports a file in a clinsafe layout: all hazards or
// none.
func (s *Module) importInto(r *http.Request, sys riskdb.System, body io.Reader, format string, supplier bool) (int, error) {
	m, err := s.risk.Matrix(r.Context(), web.PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return 0, err
	}
	l, err := importLog(body, format, m)
	if err != nil {
		return 0, err
	}
	return s.saveImport(r, sys, l, supplier, nil, nil)
}

// saveImport writes the hazards of l in one transaction, remembering the
// mapping when there is one; rule breaks become row errors.
func (s *Module) saveImport(r *http.Request, sys riskdb.System, l *risk.Log, supplier bool, header []string, mp exchange.Mapping) (int, error) {
	p := web.PrincipalFrom(r.Context())
	if len(l.Hazards) == 0 {
		return 0, exchange.RowErrors{{Message: "The file has no hazards"}}
	}
	var n int
	var err error
	if mp != nil {
		n, err = s.risk.ImportHazardsMapped(r.Context(), p.Org.ID, sys.ID, l, supplier, header, mp)
	} else {
		n, err = s.risk.ImportHazards(r.Context(), p.Org.ID, sys.ID, l, supplier)
	}
	if fs := apperr.FieldsOf(err); len(fs) > 0 {
		var res exchange.RowErrors
		for k, v := range fs {
			// Keys are "hazards.N.field"; the message names the hazard.
			parts := strings.SplitN(k, ".", 3)
			res = append(res, exchange.RowError{Column: parts[len(parts)-1], Message: v})
		}
		sort.Slice(res, func(i, j int) bool { return res[i].Message < res[j].Message })
		return 0, res
	}
	return n, err
}

func (s *Module) riskImport(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	sys, err := s.risk.System(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := ImportPage{Base: s.k.Base(w, r, "Import a hazard log into "+sys.Name), System: sys}
	fail := func(err error) error {
		var res exchange.RowErrors
		if errors.As(err, &res) {
			d.RowErrors = res
			d.SetErrors(&apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"file": "The file could not be imported: " + text.Count(len(res), "problem was", "problems were") + " found. Nothing was imported."}})
		} else {
			d.SetErrors(err, "file")
		}
		return s.k.Render(w, http.StatusUnprocessableEntity, "risk/import", d)
	}
	if err := web.ParseForm(r); err != nil {
		if apperr.Is(err, apperr.TooLarge) {
			return err
		}
		return fail(&apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"file": "Select a hazard log file to import"}})
	}
	d.Supplier = r.FormValue("supplier") == "yes"
	if step := r.FormValue("step"); step != "" {
		return s.riskImportMapped(w, r, &d, step, fail)
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return fail(&apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"file": "Select a hazard log file to import"}})
	}
	defer f.Close()
	format, err := exchangeFormat("", hdr.Filename)
	if err != nil {
		return fail(&apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"file": "The file must be a spreadsheet (.xlsx), CSV (.csv) or JSON (.json) file"}})
	}
	var n int
	if format == "json" {
		n, err = s.importInto(r, sys, f, format, d.Supplier)
	} else {
		data, rerr := io.ReadAll(f)
		if rerr != nil {
			return fail(&apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"file": "The file could not be read; select it again"}})
		}
		t, terr := exchange.ReadTable(bytes.NewReader(data), format)
		switch {
		case terr != nil:
			err = terr
		case t.Clinsafe():
			n, err = s.importInto(r, sys, bytes.NewReader(data), format, d.Supplier)
		default:
			// Someone else's layout: the column-mapping step.
			if len(data) > maxMappedUpload {
				return fail(&apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"file": fmt.Sprintf("The file is in a layout of its own and larger than %d MB, too large to map its columns here. Save it as CSV, or copy it into the clinsafe layout (export a hazard log to see it).", maxMappedUpload>>20)}})
			}
			mp, remembered, merr := s.startMapping(r, t)
			if merr != nil {
				return merr
			}
			return s.renderMapping(w, r, &d, t, data, hdr.Filename, mp, remembered, false)
		}
	}
	if apperr.Is(err, apperr.Invalid) {
		return fail(err)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/risk/systems/"+sys.ID, "Imported "+text.Count(n, "hazard", "hazards")+" into "+sys.Name+".")
}

// startMapping offers the mapping remembered for the file's header, or a
// guess from its column names.
func (s *Module) startMapping(r *http.Request, t *exchange.Table) (exchange.Mapping, bool, error) {
	rem, ok, err := s.risk.RememberedMapping(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, t.Header())
	if err != nil {
		return nil, false, err
	}
	if ok {
		return rem.Mapping, true, nil
	}
	return exchange.Guess(t.Header()), false, nil
}

// riskImportMapped handles the mapping form: "preview" shows the file as
// the chosen columns read it; "import" imports it, all or nothing, and
// remembers the mapping.
func (s *Module) riskImportMapped(w http.ResponseWriter, r *http.Request, d *ImportPage, step string, fail func(error) error) error {
	name := r.FormValue("filename")
	format, err := exchangeFormat("", name)
	data, derr := base64.StdEncoding.DecodeString(r.FormValue("upload"))
	if err != nil || format == "json" || derr != nil || len(data) == 0 || len(data) > maxMappedUpload {
		return fail(&apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"file": "The uploaded file did not come back with the form; select it again"}})
	}
	t, err := exchange.ReadTable(bytes.NewReader(data), format)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			return fail(err)
		}
		return err
	}
	mp := exchange.Mapping{}
	bad := map[string]string{}
	for _, fi := range exchange.Fields() {
		v := strings.TrimSpace(r.FormValue("map-" + string(fi.Field)))
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil {
			bad["map-"+string(fi.Field)] = "Choose a column of the file"
			continue
		}
		mp[fi.Field] = i
	}
	if len(bad) > 0 {
		d.SetErrors(&apperr.Error{Kind: apperr.Invalid, Fields: bad})
		return s.renderMapping(w, r, d, t, data, name, mp, false, true)
	}
	if step != "import" {
		return s.renderMapping(w, r, d, t, data, name, mp, false, false)
	}
	m, err := s.risk.Matrix(r.Context(), web.PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	l, err := t.ImportMapped(mp, m)
	if err != nil {
		if !apperr.Is(err, apperr.Invalid) {
			return err
		}
		return s.renderMapping(w, r, d, t, data, name, mp, false, true)
	}
	n, err := s.saveImport(r, d.System, l, d.Supplier, t.Header(), mp)
	var res exchange.RowErrors
	switch {
	case err == nil:
		return s.k.Redirect(w, r, "/risk/systems/"+d.System.ID, "Imported "+text.Count(n, "hazard", "hazards")+" into "+d.System.Name+". The column mapping is remembered for the next file with these columns.")
	case errors.As(err, &res):
		d.RowErrors = res // found by the store, beyond the file's own rules
	case apperr.Is(err, apperr.Invalid):
		d.SetErrors(err)
	default:
		return err
	}
	return s.renderMapping(w, r, d, t, data, name, mp, false, true)
}

// renderMapping shows the mapping step: 200 when the file imports as
// mapped, otherwise 422 with every problem.
func (s *Module) renderMapping(w http.ResponseWriter, r *http.Request, d *ImportPage, t *exchange.Table, data []byte, name string, mp exchange.Mapping, remembered, failed bool) error {
	m, err := s.risk.Matrix(r.Context(), web.PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	header := t.Header()
	im := &ImportMapping{FileName: name, Upload: base64.StdEncoding.EncodeToString(data), Sheet: t.Sheet, HeaderRow: t.HeaderRow(),
		Columns: len(header), Remembered: remembered}
	var cols []web.Option
	for i, h := range header {
		label := "Column " + columnLetter(i)
		if h != "" {
			label += ": " + h
		}
		cols = append(cols, web.Option{Value: strconv.Itoa(i), Label: label})
	}
	for _, fi := range exchange.Fields() {
		mf := MappingField{ID: "map-" + string(fi.Field), Label: fi.Label, Hint: fi.Hint, Required: fi.Required, Options: cols}
		if fi.Required {
			mf.Label += " (required)"
		}
		if i, ok := mp[fi.Field]; ok {
			mf.Value = strconv.Itoa(i)
		}
		im.Fields = append(im.Fields, mf)
	}
	preview, perr := t.Preview(mp, m, previewHazards)
	if perr != nil {
		if !d.HasErrors() {
			d.SetErrors(perr)
		}
	} else {
		im.Preview = preview
		// Problems the store found on saving come after the file's own.
		d.RowErrors = append(preview.Errors, d.RowErrors...)
		im.Ready = len(d.RowErrors) == 0 && preview.Hazards > 0 && !d.HasErrors()
		if len(d.RowErrors) > 0 && !d.HasErrors() {
			d.SetErrors(&apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"row-errors": "With these columns, " +
				text.Count(len(d.RowErrors), "problem was", "problems were") + " found in the file. Choose other columns or correct the file, then preview again. Nothing has been imported."}})
		}
	}
	d.Mapping = im
	d.Title = "Match the columns of your hazard log"
	status := http.StatusOK
	if !im.Ready || failed {
		status = http.StatusUnprocessableEntity
	}
	return s.k.Render(w, status, "risk/import", d)
}

// columnLetter names a 0-based column as a spreadsheet does: A, B, ... AA.
func columnLetter(i int) string {
	name := ""
	for n := i + 1; n > 0; n = (n - 1) / 26 {
		name = string(rune('A'+(n-1)%26)) + name
	}
	return name
}

// apiMappingError is the 422 answer to an API import of a spreadsheet in a
// layout of its own: what went wrong, the file's columns by letter and the
// mapping clinsafe would guess (or the one given), to send back as
// ?mapping=.
type apiMappingError struct {
	Error struct {
		Kind    string             `json:"kind"`
		Message string             `json:"message"`
		Rows    exchange.RowErrors `json:"rows,omitempty"`
		Columns map[string]string  `json:"columns,omitempty"`
		Mapping string             `json:"mapping,omitempty"`
	} `json:"error"`
}

// mappingParam writes mp as the ?mapping= parameter: field=LETTER, comma
// separated, in field order.
func mappingParam(mp exchange.Mapping) string {
	var parts []string
	for _, fi := range exchange.Fields() {
		if i, ok := mp[fi.Field]; ok {
			parts = append(parts, string(fi.Field)+"="+columnLetter(i))
		}
	}
	return strings.Join(parts, ",")
}

// parseMappingParam reads ?mapping=name=B,initial_severity=E,...
func parseMappingParam(v string) (exchange.Mapping, error) {
	known := map[string]bool{}
	for _, fi := range exchange.Fields() {
		known[string(fi.Field)] = true
	}
	mp := exchange.Mapping{}
	for _, part := range strings.Split(v, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		f, col, ok := strings.Cut(part, "=")
		f, col = strings.TrimSpace(f), strings.ToUpper(strings.TrimSpace(col))
		i := columnIndex(col)
		if !ok || !known[f] || i < 0 {
			return nil, &apperr.Error{Kind: apperr.Invalid, Message: "Write the mapping as field=COLUMN, comma separated, for example name=B,initial_severity=E",
				Fields: map[string]string{"mapping": fmt.Sprintf("%q is not a field=COLUMN pair of a known field and a column letter", part)}}
		}
		mp[exchange.Field(f)] = i
	}
	return mp, nil
}

// columnIndex reads a column letter (A, B, ... BL) as a 0-based index, or
// -1.
func columnIndex(s string) int {
	if s == "" || len(s) > 3 {
		return -1
	}
	n := 0
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return -1
		}
		n = n*26 + int(r-'A'+1)
	}
	return n - 1
}

// apiImportBody imports an API request body: a clinsafe layout as it is,
// or with ?mapping= (field=COLUMN pairs, or "remembered" for the mapping
// the organisation last used for this header) a spreadsheet in a layout of
// its own, remembering the mapping.
func (s *Module) apiImportBody(w http.ResponseWriter, r *http.Request, sys riskdb.System, format string, supplier bool) error {
	param := strings.TrimSpace(r.URL.Query().Get("mapping"))
	if format == "json" {
		if param != "" {
			return &apperr.Error{Kind: apperr.Invalid, Message: "Only spreadsheets (xlsx, csv) have columns to map", Fields: map[string]string{"mapping": "Leave out the mapping for a JSON file"}}
		}
		return importAnswer(w)(s.importInto(r, sys, r.Body, format, supplier))
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.New(apperr.TooLarge, "The file is larger than %d MB", mbe.Limit>>20)
		}
		return apperr.Wrap(apperr.Invalid, err, "The file could not be read")
	}
	t, err := exchange.ReadTable(bytes.NewReader(data), format)
	if err != nil {
		return importAnswer(w)(0, err)
	}
	if param == "" {
		if t.Clinsafe() {
			return importAnswer(w)(s.importInto(r, sys, bytes.NewReader(data), format, supplier))
		}
		var out apiMappingError
		out.Error.Kind = "invalid"
		out.Error.Message = "The file is not in a clinsafe layout; nothing was imported. Say which column holds what with ?mapping=field=COLUMN,... (the guess is given), or ?mapping=remembered"
		out.Error.Columns = map[string]string{}
		for i, h := range t.Header() {
			out.Error.Columns[columnLetter(i)] = h
		}
		out.Error.Mapping = mappingParam(exchange.Guess(t.Header()))
		m, err := s.risk.Matrix(r.Context(), web.PrincipalFrom(r.Context()).Org.ID)
		if err != nil {
			return err
		}
		// What does not fit the clinsafe layouts, column by column.
		_, ierr := t.Import(m)
		errors.As(ierr, &out.Error.Rows)
		return web.WriteJSON(w, http.StatusUnprocessableEntity, out)
	}
	var mp exchange.Mapping
	if param == "remembered" {
		rem, ok, err := s.risk.RememberedMapping(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, t.Header())
		if err != nil {
			return err
		}
		if !ok {
			return &apperr.Error{Kind: apperr.Invalid, Message: "No mapping is remembered for a file with these columns", Fields: map[string]string{"mapping": "Give the mapping as field=COLUMN pairs"}}
		}
		mp = rem.Mapping
	} else if mp, err = parseMappingParam(param); err != nil {
		return err
	}
	m, err := s.risk.Matrix(r.Context(), web.PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	l, err := t.ImportMapped(mp, m)
	if err != nil {
		if fs := apperr.FieldsOf(err); len(fs) > 0 && !errors.As(err, new(exchange.RowErrors)) {
			var out apiMappingError
			out.Error.Kind, out.Error.Message, out.Error.Mapping = "invalid", apperr.MessageOf(err), mappingParam(mp)
			for k, v := range fs {
				out.Error.Rows = append(out.Error.Rows, exchange.RowError{Column: strings.TrimPrefix(k, "map-"), Message: v})
			}
			sort.Slice(out.Error.Rows, func(i, j int) bool { return out.Error.Rows[i].Column < out.Error.Rows[j].Column })
			return web.WriteJSON(w, http.StatusUnprocessableEntity, out)
		}
		return importAnswer(w)(0, err)
	}
	return importAnswer(w)(s.saveImport(r, sys, l, supplier, t.Header(), mp))
}

// importAnswer answers an API import: 201 with the count, or 422 with
// every row that could not be read.
func importAnswer(w http.ResponseWriter) func(n int, err error) error {
	return func(n int, err error) error { return answerImport(w, n, err) }
}

func answerImport(w http.ResponseWriter, n int, err error) error {
	var res exchange.RowErrors
	if errors.As(err, &res) {
		var out apiImportError
		out.Error.Kind, out.Error.Message, out.Error.Rows = "invalid", "The file could not be imported; nothing was imported", res
		return web.WriteJSON(w, http.StatusUnprocessableEntity, out)
	}
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, apiImportResult{Imported: n})
}
