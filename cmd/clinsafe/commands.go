package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/clinsafe/clinsafe/internal/app"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/config"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/mail"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
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
func openStore(ctx context.Context, e *env, f *config.Flags, migrate bool) (*store.DB, *config.Config, error) {
	cfg, err := config.Load(f, e.lookup)
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(ctx, cfg.DB, app.Content()...)
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
func openOrg(ctx context.Context, e *env, f *config.Flags, ods string) (*store.DB, store.Org, error) {
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
	srv, err := app.NewServer(web.Options{Store: st, Config: cfg, Logger: log, Version: version})
	if err != nil {
		return err
	}
	// The email outbox's worker runs beside the server and stops before the
	// store closes.
	outbox := mail.New(st, mail.NewSMTPSender(cfg.SMTP), mail.Options{Logger: log})
	mctx, stopMail := context.WithCancel(ctx)
	mailDone := make(chan struct{})
	go func() { defer close(mailDone); outbox.Run(mctx) }()
	defer func() { stopMail(); <-mailDone }()
	// So do training renewals and reminders (which enqueue mail), hourly.
	tctx, stopTraining := context.WithCancel(ctx)
	trainingDone := make(chan struct{})
	go func() { defer close(trainingDone); trainingdb.New(st).Run(tctx, time.Hour, cfg.BaseURL, log) }()
	defer func() { stopTraining(); <-trainingDone }()
	defer startLFPSE(ctx, st, cfg, log)()
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
	st, err := store.Open(ctx, cfg.DB, app.Content()...)
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

func loadDemo(ctx context.Context, e *env, st *store.DB, password string) error {
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
		fmt.Fprintf(e.stdout, "  %-36s %s\n", u.Email, u.RoleWords())
	}
	fmt.Fprintln(e.stdout, "\nThis password is shown only once.")
	return nil
}

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "[flags]", "Load demonstration data (organisations, users in every role, module data) into an empty database. A database that already has organisations is left alone.")
	f := config.Register(fs, "db")
	pw := fs.String("password", "", "password for every demo user (default: random, printed once)")
	implants := fs.Int("implants", 0, "generate N implant records, for benchmarks: added to the demo trust's register (the demo data is loaded first if the database is empty)")
	nEvents := fs.Int("events", 0, "generate N more safety events over the last year, for larger demonstrations and benchmarks: added to the demo trust (the demo data is loaded first if the database is empty)")
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
	if *nEvents < 0 {
		return errors.New("-events: must be 0 or more")
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
		if err := demoImplants(ctx, e, st, *implants); err != nil {
			return err
		}
	}
	if *nEvents > 0 {
		return demoEvents(ctx, e, st, *nEvents)
	}
	return nil
}

// demoOrg is the demo trust, or the only organisation of a database
// without it; flag names the option that needs it.
func demoOrg(ctx context.Context, st *store.DB, flag string) (store.Org, error) {
	orgs, err := st.ListOrgs(ctx)
	if err != nil {
		return store.Org{}, err
	}
	var org *store.Org
	for i := range orgs {
		if orgs[i].ODSCode == demo.TrustODS || (len(orgs) == 1 && org == nil) {
			org = &orgs[i]
		}
	}
	if org == nil {
		return store.Org{}, fmt.Errorf("%s: no organisation %s to add to", flag, demo.TrustODS)
	}
	return *org, nil
}

// demoEvents adds n generated safety events to the demo trust.
func demoEvents(ctx context.Context, e *env, st *store.DB, n int) error {
	org, err := demoOrg(ctx, st, "-events")
	if err != nil {
		return err
	}
	start := time.Now()
	added, err := demo.AddEvents(ctx, st, org.ID, n, nil, uint64(start.UnixNano()))
	if err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Fprintf(e.stdout, "Added %d safety events to %s in %s (%.0f events/s).\n", added, org.ODSCode, d.Round(time.Millisecond), float64(added)/d.Seconds())
	return nil
}

// demoImplants adds n generated implant records to the demo trust, or to
// the only organisation of a database without it.
func demoImplants(ctx context.Context, e *env, st *store.DB, n int) error {
	org, err := demoOrg(ctx, st, "-implants")
	if err != nil {
		return err
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
	fs := newFlags(e, "backup", "FILE", "Write a consistent online copy of the database to FILE, which must not exist. SQLite uses VACUUM INTO; PostgreSQL uses pg_dump's custom format when pg_dump is on PATH.\n\n"+
		"When audit checkpoints are configured (CLINSAFE_AUDIT_KEY_FILE and CLINSAFE_AUDIT_CHECKPOINT_DIR; beside a SQLite database by default), a fresh checkpoint of the audit trail is signed first and every checkpoint is then copied into the directory FILE.checkpoints, so the copy can be checked with 'clinsafe audit verify -checkpoint FILE.checkpoints'. The signing key itself is not copied: keep it, or at least its .pub file, apart from the backups.")
	f := config.Register(fs, "db", "audit-key-file", "audit-checkpoint-dir")
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
	cpDir := pos[0] + ".checkpoints"
	checkpoints := cfg.Audit.KeyFile != "" && cfg.Audit.CheckpointDir != ""
	if checkpoints {
		if _, err := os.Stat(cpDir); err == nil {
			return fmt.Errorf("%s already exists; choose a new file name", cpDir)
		}
		if _, err := os.Stat(pos[0]); err == nil {
			return fmt.Errorf("store: backup: %s already exists; choose a new file name", pos[0])
		}
		// Sign before copying: the copy then holds at least the signed entry.
		if _, err := writeCheckpoint(ctx, e, st, cfg); err != nil {
			return err
		}
	}
	if err := st.Backup(ctx, cfg.DB, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backup written to %s\n", pos[0])
	if !checkpoints {
		fmt.Fprintln(e.stdout, "no audit checkpoints copied: CLINSAFE_AUDIT_KEY_FILE and CLINSAFE_AUDIT_CHECKPOINT_DIR are not set")
		return nil
	}
	n, err := store.CopyCheckpoints(cfg.Audit.CheckpointDir, cpDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d audit checkpoint(s) copied to %s\n", n, cpDir)
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
	return subcommand(ctx, e, "audit", args, map[string]func(context.Context, *env, []string) error{
		"verify": auditVerify, "checkpoint": auditCheckpoint, "keygen": auditKeygen,
	}, []string{"verify", "checkpoint", "keygen"})
}

const verifyHelp = `Check the audit trail. Prints one line per problem found and exits 1 if there is any.

Always: every entry is checked against its hash and the entry before it.

-checkpoint FILE (or a directory: its newest checkpoint) also checks a signed checkpoint
written by 'clinsafe audit checkpoint', serve or backup: its signature (with the public key
of CLINSAFE_AUDIT_KEY_FILE, which may name the .pub file), and that the trail still has the
signed entry with the signed hash. That catches entries deleted from the end (truncation) and
a chain rewritten with recomputed hashes, up to the checkpoint's entry. A checkpoint cannot
show changes after its entry that keep the chain valid, such as forged entries appended since:
check against the newest checkpoint, and keep checkpoints where the database's owners cannot
change them.

-deep also compares every live row of every audited table with the content hash of its last
audited change, naming rows changed, added or deleted outside the audit trail (rows written in
bulk are checked as a set per organisation). A direct edit is visible until the next audited
change of the same entity, which records the content as it then is.`

func auditVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit verify", "[-checkpoint FILE|DIR] [-deep] [flags]", verifyHelp)
	f := config.Register(fs, "db", "audit-key-file")
	cpPath := fs.String("checkpoint", "", "signed checkpoint file, or a directory of them (the newest is used)")
	deep := fs.Bool("deep", false, "also compare every live row with the content hash of its last audited change")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, cfg, err := openStore(ctx, e, f, false)
	if err != nil {
		return err
	}
	defer st.Close()
	var problems, ok []string
	res, err := st.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if res.Break != nil {
		problems = append(problems, fmt.Sprintf("audit trail broken at entry %d: %s (%d entries checked)", res.Break.Seq, res.Break.Reason, res.Checked))
	} else {
		ok = append(ok, fmt.Sprintf("audit trail intact: %d entries verified", res.Checked))
	}
	if *cpPath != "" {
		if cfg.Audit.KeyFile == "" {
			return errors.New("-checkpoint needs the public key: set CLINSAFE_AUDIT_KEY_FILE (or -audit-key-file) to the key file or its .pub file")
		}
		pub, err := audit.LoadPublicKey(cfg.Audit.KeyFile)
		if err != nil {
			return err
		}
		c, path, err := audit.ReadCheckpoint(*cpPath)
		if err != nil {
			return err
		}
		if err := c.Verify(pub); err != nil {
			problems = append(problems, fmt.Sprintf("checkpoint %s: %s", path, err))
		} else if b, err := st.CheckCheckpoint(ctx, c); err != nil {
			return err
		} else if b != nil {
			problems = append(problems, fmt.Sprintf("audit trail does not match checkpoint %s: %s", path, b.Reason))
		} else {
			ok = append(ok, fmt.Sprintf("checkpoint %s: entry %d matches the hash signed at %s", path, c.Seq, c.At.Format(time.RFC3339)))
		}
	}
	if *deep {
		fs, n, err := st.VerifyContent(ctx)
		if err != nil {
			return err
		}
		for _, fd := range fs {
			problems = append(problems, fd.String())
		}
		if len(fs) == 0 {
			ok = append(ok, fmt.Sprintf("content intact: %d entities match their last audited change", n))
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(e.stdout, p)
		}
		return exitError{msg: fmt.Sprintf("%d problem(s) found; the first: %s", len(problems), problems[0]), code: 1}
	}
	for _, l := range ok {
		fmt.Fprintln(e.stdout, l)
	}
	return nil
}

// writeCheckpoint signs the chain head into the configured directory,
// making the key first if there is none.
func writeCheckpoint(ctx context.Context, e *env, st *store.DB, cfg *config.Config) (string, error) {
	if cfg.Audit.KeyFile == "" || cfg.Audit.CheckpointDir == "" {
		return "", errors.New("audit checkpoints are not configured: set CLINSAFE_AUDIT_KEY_FILE and CLINSAFE_AUDIT_CHECKPOINT_DIR")
	}
	key, created, err := audit.LoadKey(cfg.Audit.KeyFile, true)
	if err != nil {
		return "", err
	}
	if created {
		fmt.Fprintf(e.stdout, "new signing key written to %s (mode 0600), public key %s.pub; keep a copy of the .pub file apart from the database\n", cfg.Audit.KeyFile, cfg.Audit.KeyFile)
	}
	c, path, err := st.WriteCheckpoint(ctx, key, cfg.Audit.CheckpointDir, false)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(e.stdout, "checkpoint of entry %d written to %s\n", c.Seq, path)
	return path, nil
}

func auditCheckpoint(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit checkpoint", "[flags]", "Sign the audit trail's head (its last entry's number and hash) with the key in CLINSAFE_AUDIT_KEY_FILE, made if missing, "+
		"and write the checkpoint to CLINSAFE_AUDIT_CHECKPOINT_DIR. The chain is checked first (from the newest checkpoint there); a broken or truncated trail is not signed. "+
		"serve writes one every CLINSAFE_AUDIT_CHECKPOINT_EVERY when the trail has grown, and backup writes one. Keep the directory where the database's owners cannot rewrite it.")
	f := config.Register(fs, "db", "audit-key-file", "audit-checkpoint-dir")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, cfg, err := openStore(ctx, e, f, false)
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = writeCheckpoint(ctx, e, st, cfg)
	return err
}

func auditKeygen(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit keygen", "[-audit-key-file FILE]", "Make the Ed25519 key that signs audit checkpoints: FILE (mode 0600) and its public key FILE.pub. "+
		"Refuses to replace an existing key. Keep the key outside the database and its backups; the .pub file is enough to check checkpoints.")
	f := config.Register(fs, "db", "audit-key-file")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(f, e.lookup)
	if err != nil {
		return err
	}
	if cfg.Audit.KeyFile == "" {
		return errors.New("set CLINSAFE_AUDIT_KEY_FILE or -audit-key-file to where the key should go")
	}
	key, err := audit.GenerateKey(cfg.Audit.KeyFile)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "key %s written to %s (mode 0600), public key %s.pub\n", audit.KeyID(key.Public().(ed25519.PublicKey)), cfg.Audit.KeyFile, cfg.Audit.KeyFile)
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
