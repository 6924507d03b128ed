package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/config"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/exchange"
	"github.com/clinsafe/clinsafe/internal/store"
)

func cmdHazards(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "hazards", args, map[string]func(context.Context, *env, []string) error{
		"import": hazardsImport, "export": hazardsExport,
	}, []string{"import", "export"})
}

// hazardFormat picks the format from the flag, else the file extension.
func hazardFormat(flagVal, file string) (string, error) {
	f := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(flagVal), "."))
	if f == "" && file != "" && file != "-" {
		f = strings.TrimPrefix(strings.ToLower(filepath.Ext(file)), ".")
	}
	switch f {
	case "xlsx", "csv", "json":
		return f, nil
	case "":
		return "", errors.New("give -format xlsx, csv or json (it cannot be inferred from the file name)")
	}
	return "", fmt.Errorf("format %q is not one of xlsx, csv or json", f)
}

// hazardTarget opens the store and finds the organisation and system.
func hazardTarget(ctx context.Context, e *env, f *config.Flags, ods, system string) (*store.DB, store.Org, riskdb.System, error) {
	if ods == "" || system == "" {
		return nil, store.Org{}, riskdb.System{}, errors.New("give -org ODS and -system ID or name")
	}
	st, o, err := openOrg(ctx, e, f, ods)
	if err != nil {
		return nil, store.Org{}, riskdb.System{}, err
	}
	sys, err := riskdb.New(st).SystemByName(ctx, o.ID, system)
	if err != nil {
		st.Close()
		return nil, store.Org{}, riskdb.System{}, err
	}
	return st, o, sys, nil
}

func hazardsImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "hazards import", "-org ODS -system SYSTEM -file FILE [flags]",
		"Import a hazard log from an XLSX, CSV or JSON file into an existing system. Every hazard is added with the\n"+
			"system's next numbers; if any row cannot be read, each problem is printed on its own line and nothing is imported.\n"+
			"A spreadsheet in a layout of its own is read with the column mapping the organisation last used for its\n"+
			"header (on the web import or with -remember), or with -map 'Header=field,...'.")
	f := config.Register(fs, "db")
	ods := fs.String("org", "", "ODS code of the organisation (required)")
	system := fs.String("system", "", "the system's id or exact name (required)")
	file := fs.String("file", "", "file to read, or - for standard input (required)")
	format := fs.String("format", "", "xlsx, csv or json (default: from the file extension)")
	supplier := fs.Bool("supplier", false, "the file is a supplier's issued hazard log: record each hazard's provenance")
	mapSpec := fs.String("map", "", "for a spreadsheet in a layout of its own: which column holds which field, as\n'Header A=field,Header B=field' (the fields are listed when a file is not mapped)")
	remember := fs.Bool("remember", false, "with -map: remember the mapping for the next file with these columns")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return errors.New("give -file FILE (or -file - for standard input)")
	}
	if *remember && *mapSpec == "" {
		return errors.New("-remember needs -map: give the mapping to remember")
	}
	fm, err := hazardFormat(*format, *file)
	if err != nil {
		return err
	}
	if fm == "json" && *mapSpec != "" {
		return errors.New("-map is for spreadsheets (xlsx, csv); a JSON file has no columns to map")
	}
	var data []byte
	if *file == "-" {
		data, err = io.ReadAll(e.stdin)
	} else {
		data, err = os.ReadFile(*file)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", *file, err)
	}
	st, o, sys, err := hazardTarget(ctx, e, f, *ods, *system)
	if err != nil {
		return err
	}
	defer st.Close()
	rk := riskdb.New(st)
	m, err := rk.Matrix(ctx, o.ID)
	if err != nil {
		return err
	}
	var (
		l      *risk.Log
		header []string
		mp     exchange.Mapping
		how    string
	)
	if fm == "json" {
		l, err = exchange.ImportJSON(bytes.NewReader(data), m)
	} else {
		l, header, mp, how, err = readHazardTable(ctx, e, rk, o.ID, data, fm, *file, *mapSpec, m)
	}
	var res exchange.RowErrors
	if errors.As(err, &res) {
		for _, re := range res {
			fmt.Fprintln(e.stderr, re.Error())
		}
		return fmt.Errorf("%d problems found in %s; nothing was imported", len(res), *file)
	}
	if err != nil {
		return err
	}
	var n int
	if *remember {
		n, err = rk.ImportHazardsMapped(cliCtx(ctx, e), o.ID, sys.ID, l, *supplier, header, mp)
		how = " with the mapping given, now remembered for files with these columns"
	} else {
		n, err = rk.ImportHazards(cliCtx(ctx, e), o.ID, sys.ID, l, *supplier)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported %d hazards into %s%s\n", n, sys.Name, how)
	return nil
}

// readHazardTable reads a spreadsheet: a clinsafe layout as it is, else
// with the mapping given by spec, else with the organisation's remembered
// mapping for its header. A layout that is none of these fails after
// printing the headers found, the fields expected and how to give -map.
// It returns the log, the header and mapping used (nil for a clinsafe
// layout) and a few words on how the file was read.
func readHazardTable(ctx context.Context, e *env, rk *riskdb.DB, orgID store.OrgID, data []byte, format, file, spec string, m risk.Matrix) (*risk.Log, []string, exchange.Mapping, string, error) {
	t, err := exchange.ReadTable(bytes.NewReader(data), format)
	if err != nil {
		return nil, nil, nil, "", err
	}
	header := t.Header()
	var mp exchange.Mapping
	how := ""
	switch {
	case spec != "":
		if mp, err = exchange.ParseHeaderMapping(header, spec); err != nil {
			return nil, nil, nil, "", fmt.Errorf("-map: %s", apperr.MessageOf(err))
		}
		how = " with the mapping given"
	case t.Clinsafe():
		l, err := t.Import(m)
		return l, header, nil, "", err
	default:
		rem, ok, err := rk.RememberedMapping(ctx, orgID, header)
		if err != nil {
			return nil, nil, nil, "", err
		}
		if !ok {
			unmappedHelp(e.stderr, header, file)
			return nil, nil, nil, "", errors.New("the file is not in a clinsafe layout and no mapping is remembered for its columns; give -map; nothing was imported")
		}
		mp = rem.Mapping
		how = " with the mapping remembered for these columns"
		if rem.UpdatedBy != "" {
			how += " (saved by " + rem.UpdatedBy + ")"
		}
	}
	l, err := t.ImportMapped(mp, m)
	if fs := apperr.FieldsOf(err); len(fs) > 0 && !errors.As(err, new(exchange.RowErrors)) {
		var msgs []string
		for _, v := range fs {
			msgs = append(msgs, v)
		}
		sort.Strings(msgs)
		return nil, nil, nil, "", fmt.Errorf("the mapping does not fit the file: %s", strings.Join(msgs, "; "))
	}
	return l, header, mp, how, err
}

// unmappedHelp says what a file in a layout of its own has, what clinsafe
// reads and how to say which is which.
func unmappedHelp(w io.Writer, header []string, file string) {
	fmt.Fprintf(w, "%s is not in a clinsafe layout, and no column mapping is remembered for its columns.\n", file)
	fmt.Fprintf(w, "Headers found: %s\n", strings.Join(header, ", "))
	fmt.Fprintln(w, "Fields expected (* must be mapped):")
	for _, fi := range exchange.Fields() {
		req := ""
		if fi.Required {
			req = " *"
		}
		fmt.Fprintf(w, "  %-24s %s%s\n", fi.Field, fi.Label, req)
	}
	fmt.Fprintln(w, "Say which column holds which field with -map 'Header=field,...' (add -remember to keep it for the next file")
	fmt.Fprintln(w, "with these columns). From the column names clinsafe would guess:")
	fmt.Fprintf(w, "  -map '%s'\n", exchange.HeaderMappingSpec(header, exchange.Guess(header)))
}

func hazardsExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "hazards export", "-org ODS -system SYSTEM [-file FILE] [flags]",
		"Export a system's hazard log (as it stands, or an issued version) as XLSX, CSV or JSON.")
	f := config.Register(fs, "db")
	ods := fs.String("org", "", "ODS code of the organisation (required)")
	system := fs.String("system", "", "the system's id or exact name (required)")
	file := fs.String("file", "-", "file to write, or - for standard output")
	format := fs.String("format", "", "xlsx, csv or json (default: from the file extension)")
	issued := fs.String("issued", "", "export this issued version (e.g. 2) instead of the current log")
	if err := parse(fs, args); err != nil {
		return err
	}
	fm, err := hazardFormat(*format, *file)
	if err != nil {
		return err
	}
	st, o, sys, err := hazardTarget(ctx, e, f, *ods, *system)
	if err != nil {
		return err
	}
	defer st.Close()
	var l risk.Log
	if *issued != "" {
		lis, err := riskdb.New(st).LogIssues(ctx, o.ID, sys.ID)
		if err != nil {
			return err
		}
		for _, li := range lis {
			if li.Version == *issued {
				l = li.Log
			}
		}
		if l.Version == "" {
			return fmt.Errorf("%s has no issued version %q", sys.Name, *issued)
		}
	} else if _, l, err = riskdb.New(st).CurrentLog(ctx, o, sys.ID); err != nil {
		return err
	}
	m, err := riskdb.New(st).Matrix(ctx, o.ID)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	switch fm {
	case "xlsx":
		err = exchange.ExportXLSXMatrix(&buf, l, m, st.Now())
	case "csv":
		err = exchange.ExportCSVMatrix(&buf, l, m)
	default:
		err = exchange.ExportJSONAt(&buf, l, st.Now())
	}
	if err != nil {
		return err
	}
	if *file == "-" {
		_, err = e.stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(*file, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", *file, err)
	}
	fmt.Fprintf(e.stderr, "wrote %d hazards to %s\n", len(l.Hazards), *file)
	return nil
}
