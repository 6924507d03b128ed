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
	"strings"

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
		"Import a hazard log from an XLSX, CSV or JSON file into an existing system. Every hazard is added with the\nsystem's next numbers; if any row cannot be read, each problem is printed on its own line and nothing is imported.")
	f := config.Register(fs, "db")
	ods := fs.String("org", "", "ODS code of the organisation (required)")
	system := fs.String("system", "", "the system's id or exact name (required)")
	file := fs.String("file", "", "file to read, or - for standard input (required)")
	format := fs.String("format", "", "xlsx, csv or json (default: from the file extension)")
	supplier := fs.Bool("supplier", false, "the file is a supplier's issued hazard log: record each hazard's provenance")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return errors.New("give -file FILE (or -file - for standard input)")
	}
	fm, err := hazardFormat(*format, *file)
	if err != nil {
		return err
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
	m, err := riskdb.New(st).Matrix(ctx, o.ID)
	if err != nil {
		return err
	}
	var l *risk.Log
	switch fm {
	case "xlsx":
		l, err = exchange.ImportXLSX(bytes.NewReader(data), m)
	case "csv":
		l, err = exchange.ImportCSV(bytes.NewReader(data), m)
	default:
		l, err = exchange.ImportJSON(bytes.NewReader(data), m)
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
	n, err := riskdb.New(st).ImportHazards(cliCtx(ctx, e), o.ID, sys.ID, l, *supplier)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported %d hazards into %s\n", n, sys.Name)
	return nil
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
