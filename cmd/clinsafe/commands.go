package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/config"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// cliActor names the operator in audit entries written from the command line.
func cliCtx(ctx context.Context, e *env) context.Context {
	name := "command line"
	if u, ok := e.lookup("USER"); ok && u != "" {
		name = "command line (" + u + ")"
	}
	return audit.WithActor(ctx, audit.Actor{Name: name, Operator: true})
}

// openStore loads the database setting, opens it and checks the schema. On
// SQLite pending migrations are applied; on PostgreSQL they must be applied
// with 'clinsafe migrate' (or serve -migrate) unless migrate is true.
func openStore(ctx context.Context, e *env, f *config.Flags, migrate bool) (*store.Store, *config.Config, error) {
	cfg, err := config.Load(f, e.lookup)
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, nil, err
	}
	status, err := st.Status(ctx)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	if len(status.Pending) > 0 {
		if st.Engine() == "postgres" && !migrate {
			st.Close()
			return nil, nil, fmt.Errorf("the database has %d pending migration(s) (schema %d, binary %d); run 'clinsafe migrate' first, or 'clinsafe serve -migrate'",
				len(status.Pending), status.Current, status.Latest)
		}
		if _, err := st.Migrate(ctx); err != nil {
			st.Close()
			return nil, nil, err
		}
	}
	return st, cfg, nil
}

// openOrg opens the store as openStore does and finds the organisation with
// ODS code ods. The caller closes the store.
func openOrg(ctx context.Context, e *env, f *config.Flags, ods string) (*store.Store, store.Org, error) {
	if ods == "" {
		return nil, store.Org{}, errors.New("-org is required (an ODS code, see 'clinsafe org list')")
	}
	st, _, err := openStore(ctx, e, f, false)
	if err != nil {
		return nil, store.Org{}, err
	}
	o, err := st.OrgByODS(ctx, ods)
	if err != nil {
		st.Close()
		return nil, store.Org{}, err
	}
	return st, o, nil
}

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "[flags]", "Run the clinsafe web server. On SQLite pending migrations are applied at start; on PostgreSQL the server refuses to start while migrations are pending unless -migrate is given.")
	f := config.Register(fs)
	migrate := fs.Bool("migrate", false, "apply pending migrations on PostgreSQL before serving")
	withDemo := fs.Bool("demo", false, "load demo data first when the database is empty, printing the demo password")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, cfg, err := openStore(ctx, e, f, *migrate)
	if err != nil {
		return err
	}
	defer st.Close()
	log := newLogger(e, cfg)
	if cfg.SessionKeyGenerated {
		log.Warn("no CLINSAFE_SESSION_KEY set: using a random key, so everyone is signed out when the server restarts")
	}
	if *withDemo {
		if err := loadDemo(ctx, e, st, ""); err != nil {
			return err
		}
	}
	srv, err := web.New(web.Options{Store: st, Config: cfg, Logger: log, Version: version})
	if err != nil {
		return err
	}
	log.Info("clinsafe listening", "url", cfg.BaseURL, "listen", cfg.Listen, "engine", st.Engine(), "version", version)
	return srv.Run(ctx)
}

func newLogger(e *env, cfg *config.Config) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, opts))
}

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", "[flags]", "Apply pending database migrations. Migrations are forward-only.")
	f := config.Register(fs, "db")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg, err := config.Load(f, e.lookup)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	done, err := st.Migrate(ctx)
	for _, m := range done {
		fmt.Fprintf(e.stdout, "applied %04d %s\n", m.Version, m.Name)
	}
	if err != nil {
		return err
	}
	status, err := st.Status(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "schema is at version %d (%s)\n", status.Current, st.Engine())
	return nil
}

func loadDemo(ctx context.Context, e *env, st *store.Store, password string) error {
	res, err := demo.Load(ctx, st, demo.Options{Password: password})
	if err != nil {
		return err
	}
	if !res.Loaded {
		fmt.Fprintf(e.stdout, "The database already has %d organisation(s); no demo data loaded.\n", len(res.Orgs))
		return nil
	}
	fmt.Fprintf(e.stdout, "\nDemo data loaded.\n\n  Sign in as:  %s\n  Password:    %s\n\nThe same password works for every demo user:\n", res.AdminEmail, res.Password)
	for _, u := range res.Users {
		fmt.Fprintf(e.stdout, "  %s\n", u)
	}
	fmt.Fprintln(e.stdout, "\nThis password is shown only once.")
	return nil
}

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "[flags]", "Load demonstration data (organisations, users in every role, module data) into an empty database. A database that already has organisations is left alone.")
	f := config.Register(fs, "db")
	pw := fs.String("password", "", "password for every demo user (default: random, printed once)")
	implants := fs.Int("implants", 0, "generate N implant records, for benchmarks: added to the demo trust's register (the demo data is loaded first if the database is empty)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *pw != "" {
		if msg := auth.CheckPasswordStrength(*pw); msg != "" {
			return errors.New("-password: " + msg)
		}
	}
	if *implants < 0 {
		return errors.New("-implants: must be 0 or more")
	}
	st, _, err := openStore(ctx, e, f, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := loadDemo(ctx, e, st, *pw); err != nil {
		return err
	}
	if *implants > 0 {
		return demoImplants(ctx, e, st, *implants)
	}
	return nil
}

// demoImplants adds n generated implant records to the demo trust, or to
// the only organisation of a database without it.
func demoImplants(ctx context.Context, e *env, st *store.Store, n int) error {
	orgs, err := st.ListOrgs(ctx)
	if err != nil {
		return err
	}
	var org *store.Org
	for i := range orgs {
		if orgs[i].ODSCode == demo.TrustODS || (len(orgs) == 1 && org == nil) {
			org = &orgs[i]
		}
	}
	if org == nil {
		return fmt.Errorf("-implants: no organisation %s to add implants to", demo.TrustODS)
	}
	start := time.Now()
	res, err := demo.AddImplants(audit.WithActor(ctx, audit.Actor{Name: "demo loader"}), st, org.ID, n)
	if err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Fprintf(e.stdout, "Added %d implant records (%d procedures, %d new patients) to %s in %s (%.0f records/s).\n",
		res.Devices, res.Procedures, res.Patients, org.ODSCode, d.Round(time.Millisecond), float64(res.Devices)/d.Seconds())
	return nil
}

func cmdBackup(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "backup", "FILE", "Write a consistent online copy of the database to FILE, which must not exist. SQLite uses VACUUM INTO; PostgreSQL uses pg_dump's custom format when pg_dump is on PATH.")
	f := config.Register(fs, "db")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	st, cfg, err := openStore(ctx, e, f, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, cfg.DB, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backup written to %s\n", pos[0])
	return nil
}

// exitError carries a specific exit status.
type exitError struct {
	msg  string
	code int
}

func (e exitError) Error() string { return e.msg }
func (e exitError) ExitCode() int { return e.code }

func cmdAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprintln(e.stderr, "Usage: clinsafe audit verify [-db DSN]\n\nCheck every entry of the audit trail against its hash and the entry before it. Prints the first broken link and exits 1 if any.")
			return flag.ErrHelp
		}
		fmt.Fprintln(e.stderr, "Usage: clinsafe audit verify [-db DSN]")
		return errUsage
	}
	fs := newFlags(e, "audit verify", "[flags]", "Check every entry of the audit trail against its hash and the entry before it. Prints the first broken link and exits 1 if any.")
	f := config.Register(fs, "db")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	st, _, err := openStore(ctx, e, f, false)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := st.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if res.Break != nil {
		return exitError{msg: fmt.Sprintf("audit trail broken at entry %d: %s (%d entries checked)", res.Break.Seq, res.Break.Reason, res.Checked), code: 1}
	}
	fmt.Fprintf(e.stdout, "audit trail intact: %d entries verified\n", res.Checked)
	return nil
}

// table prints rows aligned in columns.
func table(e *env, header string, rows [][]string) {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}
