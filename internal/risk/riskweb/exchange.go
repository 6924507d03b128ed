package riskweb

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"path"
	"sort"
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
// could not be read when an import fails.
type ImportPage struct {
	web.Base
	System    riskdb.System
	RowErrors exchange.RowErrors
	Supplier  bool
}

func (s *Module) riskImportPage(w http.ResponseWriter, r *http.Request) error {
	sys, err := s.risk.System(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/import", ImportPage{Base: s.k.Base(w, r, "Import a hazard log into "+sys.Name), System: sys})
}

// importInto reads and imports a file: all hazards or none.
func (s *Module) importInto(r *http.Request, sys riskdb.System, body io.Reader, format string, supplier bool) (int, error) {
	p := web.PrincipalFrom(r.Context())
	m, err := s.risk.Matrix(r.Context(), p.Org.ID)
	if err != nil {
		return 0, err
	}
	l, err := importLog(body, format, m)
	if err != nil {
		return 0, err
	}
	if len(l.Hazards) == 0 {
		return 0, exchange.RowErrors{{Message: "The file has no hazards"}}
	}
	n, err := s.risk.ImportHazards(r.Context(), p.Org.ID, sys.ID, l, supplier)
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
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return fail(&apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"file": "Select a hazard log file to import"}})
	}
	defer f.Close()
	format, err := exchangeFormat("", hdr.Filename)
	if err != nil {
		return fail(&apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{"file": "The file must be a spreadsheet (.xlsx), CSV (.csv) or JSON (.json) file"}})
	}
	n, err := s.importInto(r, sys, f, format, d.Supplier)
	if apperr.Is(err, apperr.Invalid) {
		return fail(err)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/risk/systems/"+sys.ID, "Imported "+text.Count(n, "hazard", "hazards")+" into "+sys.Name+".")
}
