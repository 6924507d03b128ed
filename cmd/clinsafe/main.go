// Command clinsafe is the clinsafe server and its administration tools.
//
// Run "clinsafe help" for the list of commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, env *env, args []string) error
}

// env is what a command may use from the process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	lookup         func(string) (string, bool)
}

// errUsage marks a usage error (exit status 2); the flag package has
// already printed the details.
var errUsage = errors.New("usage")

func commands() []command {
	return []command{
		{"serve", "[flags]", "run the web server", cmdServe},
		{"migrate", "[flags]", "apply pending database migrations", cmdMigrate},
		{"user", "add|passwd|list|disable [flags]", "manage users", cmdUser},
		{"org", "add|list [flags]", "manage organisations", cmdOrg},
		{"token", "add|revoke [flags]", "manage API tokens", cmdToken},
		{"demo", "[flags]", "load demonstration data into an empty database", cmdDemo},
		{"backup", "FILE", "write a consistent online copy of the database to FILE", cmdBackup},
		{"audit", "verify|checkpoint|keygen [flags]", "check the audit trail; sign checkpoints of it", cmdAudit},
		{"scan", "BARCODE | -", "parse a GS1 or HIBC barcode and print it as JSON", cmdScan},
		{"hazards", "import|export [flags]", "import or export a hazard log as XLSX, CSV or JSON", cmdHazards},
		{"evidence", "rebuild [flags]", "recount the safety events the evidence dashboards read", cmdEvidence},
		{"events", "reindex [flags]", "write the search documents that imported safety events lack", cmdEvents},
		{"network", "add|member|analyst|list [flags]", "manage networks of organisations and their analysts", cmdNetwork},
		{"spc", "< series.ndjson", "compute SPC charts of NDJSON series (Making Data Count rules)", cmdSpc},
		{"import", "-org ODS FILE.ndjson", "import FHIR AdverseEvents from NDJSON, all or nothing", cmdImport},
		{"export", "-org ODS [-type T] [-since DATE]", "write FHIR AdverseEvents as NDJSON to standard output", cmdExport},
		{"version", "", "print the version", cmdVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, lookup: os.LookupEnv}
	code := run(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes args and returns the exit status.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			return run(ctx, e, []string{args[1], "-h"})
		}
		usage(e.stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			}
			fmt.Fprintf(e.stderr, "clinsafe %s: %s\n", c.name, oneLine(err))
			var ec interface{ ExitCode() int }
			if errors.As(err, &ec) {
				return ec.ExitCode()
			}
			return 1
		}
	}
	fmt.Fprintf(e.stderr, "clinsafe: unknown command %q; run 'clinsafe help'\n", args[0])
	return 2
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "clinsafe %s: digital clinical safety for health and care\n\nUsage: clinsafe COMMAND [arguments]\n\nCommands:\n", version)
	cs := commands()
	for _, c := range cs {
		fmt.Fprintf(w, "  %-8s %-34s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'clinsafe COMMAND -h' for a command's flags. Settings also come from CLINSAFE_* environment variables; see the README.\n")
}

// newFlags returns a FlagSet that reports errors to stderr and usage with
// the command's summary.
func newFlags(e *env, name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: clinsafe %s %s\n\n%s\n\nFlags:\n", name, args, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags and maps flag errors to errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// parseInterspersed parses flags that may come before or after positional
// arguments, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func cmdVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "", "Print the version of clinsafe.")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "clinsafe %s\n", version)
	return nil
}
