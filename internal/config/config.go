// Package config reads clinsafe's settings from CLINSAFE_* environment
// variables and command-line flags, once, into a Config. It is the only
// package that reads the environment.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting of a clinsafe process.
type Config struct {
	Listen      string        // address to listen on, host:port
	DB          string        // sqlite:PATH or postgres://...
	BaseURL     string        // public base URL, e.g. https://clinsafe.example.nhs.uk
	SessionKey  []byte        // secret for session token hashing; random when empty
	LogFormat   string        // "text" or "json"
	LogLevel    string        // debug, info, warn, error
	IdleTimeout time.Duration // session idle timeout
	MaxSession  time.Duration // session absolute timeout
	Migrate     bool          // serve: apply pending migrations on PostgreSQL
	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// is believed when finding a client's address; empty: none.
	TrustedProxies []netip.Prefix
	SMTP           SMTP
	Audit          Audit
	LFPSE          LFPSE
	// DataDir holds files clinsafe writes outside the database (Bulk Data
	// export files); beside a SQLite database by default.
	DataDir string
	// SessionKeyGenerated is true when no key was configured and a random one
	// was made for this process (sessions then end on restart).
	SessionKeyGenerated bool
}

// Audit holds the settings of signed audit checkpoints. KeyFile and
// CheckpointDir default to files beside a SQLite database; on PostgreSQL
// they are empty unless set, and checkpoints are then off.
type Audit struct {
	KeyFile         string        // Ed25519 private key (PEM) that signs checkpoints
	CheckpointDir   string        // where checkpoints are written, outside the database
	CheckpointEvery time.Duration // how often serve writes one
}

// LFPSE holds the settings of submission to the national Learn from
// Patient Safety Events service. An empty URL means submission is off:
// events queued for LFPSE wait.
type LFPSE struct {
	URL     string        // FHIR base of the submission API
	Key     string        // API subscription key (Ocp-Apim-Subscription-Key)
	Workers int           // outbox workers in this process
	Timeout time.Duration // of one request
	// ProfileBase, CodeSystemBase and TaxonomyVersion say which national
	// profiles the AdverseEvents follow; empty: the fhir package's
	// defaults (the published samples, taxonomy 5).
	ProfileBase, CodeSystemBase, TaxonomyVersion string
}

// SMTP holds mail settings for notifications.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
}

// Secure reports whether cookies should carry the Secure attribute.
func (c *Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// Env looks up an environment variable; os.LookupEnv in production.
type Env func(string) (string, bool)

// Var describes one setting for the help text and README.
type Var struct {
	Env, Flag, Default, Help string
}

// Vars lists every setting, in the order shown in help and the README.
var Vars = []Var{
	{"CLINSAFE_LISTEN", "listen", "localhost:8080", "address to listen on (host:port)"},
	{"CLINSAFE_DB", "db", "sqlite:./clinsafe.db", "database: sqlite:PATH or postgres://user:pass@host/db"},
	{"CLINSAFE_BASE_URL", "base-url", "", "public base URL; https makes cookies Secure (default: http:// and the listen address)"},
	{"CLINSAFE_SESSION_KEY", "session-key", "(random per start)", "secret of at least 32 characters used to protect session tokens; CLINSAFE_SESSION_KEY_FILE reads it from a file"},
	{"CLINSAFE_LOG_FORMAT", "log-format", "text", "log format: text or json"},
	{"CLINSAFE_LOG_LEVEL", "log-level", "info", "log level: debug, info, warn or error"},
	{"CLINSAFE_SESSION_IDLE", "session-idle", "30m", "sign out after this long without activity"},
	{"CLINSAFE_SESSION_MAX", "session-max", "12h", "sign out this long after signing in, whatever the activity"},
	{"CLINSAFE_TRUSTED_PROXIES", "trusted-proxies", "", "reverse proxies (addresses or CIDR ranges, separated by commas) whose X-Forwarded-For header gives the client address for sign-in throttling"},
	{"CLINSAFE_SMTP_HOST", "smtp-host", "", "SMTP server for notifications (empty: no mail)"},
	{"CLINSAFE_SMTP_PORT", "smtp-port", "587", "SMTP port"},
	{"CLINSAFE_SMTP_USERNAME", "smtp-username", "", "SMTP user name"},
	{"CLINSAFE_SMTP_PASSWORD", "smtp-password", "", "SMTP password; CLINSAFE_SMTP_PASSWORD_FILE reads it from a file"},
	{"CLINSAFE_SMTP_FROM", "smtp-from", "", "From address of notification mail"},
	{"CLINSAFE_AUDIT_KEY_FILE", "audit-key-file", "(clinsafe-audit.key beside a SQLite database)", "Ed25519 key file that signs audit checkpoints; keep it outside the database and its backups (made with mode 0600 when missing)"},
	{"CLINSAFE_AUDIT_CHECKPOINT_DIR", "audit-checkpoint-dir", "(NAME-checkpoints beside a SQLite database NAME.db)", "directory of signed audit checkpoints, kept outside the database"},
	{"CLINSAFE_AUDIT_CHECKPOINT_EVERY", "audit-checkpoint-every", "1h", "how often serve signs a checkpoint of the audit trail when it has grown"},
	{"CLINSAFE_LFPSE_URL", "lfpse-url", "", "FHIR base URL of the national LFPSE submission API, e.g. https://host/adverse-event/fhir (empty: events queued for LFPSE wait)"},
	{"CLINSAFE_LFPSE_KEY", "lfpse-key", "", "LFPSE API subscription key (Ocp-Apim-Subscription-Key); CLINSAFE_LFPSE_KEY_FILE reads it from a file"},
	{"CLINSAFE_LFPSE_WORKERS", "lfpse-workers", "1", "LFPSE outbox workers in each serve process (1 to 16)"},
	{"CLINSAFE_LFPSE_TIMEOUT", "lfpse-timeout", "30s", "how long one LFPSE request may take"},
	{"CLINSAFE_LFPSE_PROFILE_BASE", "lfpse-profile-base", "(the published samples' base)", "base URL of the LFPSE StructureDefinitions (profile and extensions), ending in /"},
	{"CLINSAFE_LFPSE_CODESYSTEM_BASE", "lfpse-codesystem-base", "(the published samples' base)", "base URL of the LFPSE CodeSystems, ending in /"},
	{"CLINSAFE_LFPSE_TAXONOMY", "lfpse-taxonomy", "(5)", "LFPSE taxonomy version of the profiles"},
	{"CLINSAFE_DATA_DIR", "data-dir", "(beside a SQLite database)", "directory for files clinsafe writes outside the database, such as Bulk Data exports"},
}

// Register defines configuration flags on fs: those named in only, or all
// when only is empty. Flags take precedence over the environment. Call Load
// after fs.Parse.
func Register(fs *flag.FlagSet, only ...string) *Flags {
	f := &Flags{fs: fs, vals: map[string]*string{}}
	for _, v := range Vars {
		if len(only) > 0 && !slices.Contains(only, v.Flag) {
			continue
		}
		def := ""
		f.vals[v.Flag] = fs.String(v.Flag, def, fmt.Sprintf("%s (env %s, default %s)", v.Help, v.Env, orNone(v.Default)))
	}
	return f
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Flags holds the values of registered flags.
type Flags struct {
	fs   *flag.FlagSet
	vals map[string]*string
}

// Load builds and validates a Config from flags (may be nil) and env. The
// error is one line naming the setting at fault.
func Load(f *Flags, env Env) (*Config, error) {
	if env == nil {
		env = os.LookupEnv
	}
	get := func(v Var) (string, error) {
		if f != nil {
			set := false
			f.fs.Visit(func(fl *flag.Flag) {
				if fl.Name == v.Flag {
					set = true
				}
			})
			if set && f.vals[v.Flag] != nil {
				return *f.vals[v.Flag], nil
			}
		}
		if s, ok := env(v.Env); ok {
			return s, nil
		}
		if s, ok := env(v.Env + "_FILE"); ok && s != "" {
			b, err := os.ReadFile(s)
			if err != nil {
				return "", fmt.Errorf("config: %s_FILE: %w", v.Env, err)
			}
			return strings.TrimSpace(string(b)), nil
		}
		if strings.HasPrefix(v.Default, "(") {
			return "", nil
		}
		return v.Default, nil
	}
	vals := map[string]string{}
	for _, v := range Vars {
		s, err := get(v)
		if err != nil {
			return nil, err
		}
		vals[v.Env] = strings.TrimSpace(s)
	}
	c := &Config{
		Listen:    vals["CLINSAFE_LISTEN"],
		DB:        vals["CLINSAFE_DB"],
		BaseURL:   strings.TrimRight(vals["CLINSAFE_BASE_URL"], "/"),
		LogFormat: vals["CLINSAFE_LOG_FORMAT"],
		LogLevel:  vals["CLINSAFE_LOG_LEVEL"],
		SMTP: SMTP{
			Host:     vals["CLINSAFE_SMTP_HOST"],
			Username: vals["CLINSAFE_SMTP_USERNAME"],
			Password: vals["CLINSAFE_SMTP_PASSWORD"],
			From:     vals["CLINSAFE_SMTP_FROM"],
		},
	}
	c.Audit.KeyFile, c.Audit.CheckpointDir = vals["CLINSAFE_AUDIT_KEY_FILE"], vals["CLINSAFE_AUDIT_CHECKPOINT_DIR"]
	if dbPath, ok := strings.CutPrefix(c.DB, "sqlite:"); ok {
		dir := filepath.Dir(dbPath)
		if c.Audit.KeyFile == "" {
			c.Audit.KeyFile = filepath.Join(dir, "clinsafe-audit.key")
		}
		if c.Audit.CheckpointDir == "" {
			c.Audit.CheckpointDir = checkpointDir(dbPath)
		}
	}
	c.DataDir = vals["CLINSAFE_DATA_DIR"]
	if dbPath, ok := strings.CutPrefix(c.DB, "sqlite:"); ok && c.DataDir == "" {
		c.DataDir = filepath.Join(filepath.Dir(dbPath), "clinsafe-data")
	}
	if c.DataDir == "" {
		c.DataDir = filepath.Join(os.TempDir(), "clinsafe-data")
	}
	c.LFPSE.URL, c.LFPSE.Key = strings.TrimRight(vals["CLINSAFE_LFPSE_URL"], "/"), vals["CLINSAFE_LFPSE_KEY"]
	c.LFPSE.ProfileBase, c.LFPSE.CodeSystemBase, c.LFPSE.TaxonomyVersion = vals["CLINSAFE_LFPSE_PROFILE_BASE"], vals["CLINSAFE_LFPSE_CODESYSTEM_BASE"], vals["CLINSAFE_LFPSE_TAXONOMY"]
	for name, v := range map[string]string{"CLINSAFE_LFPSE_PROFILE_BASE": c.LFPSE.ProfileBase, "CLINSAFE_LFPSE_CODESYSTEM_BASE": c.LFPSE.CodeSystemBase} {
		if u, err := url.Parse(v); v != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
			return nil, fmt.Errorf("config: %s %q must be an https URL", name, v)
		}
	}
	if c.LFPSE.URL != "" {
		u, err := url.Parse(c.LFPSE.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("config: CLINSAFE_LFPSE_URL %q must be an https URL", c.LFPSE.URL)
		}
		if c.LFPSE.Key == "" {
			return nil, errors.New("config: CLINSAFE_LFPSE_KEY (or CLINSAFE_LFPSE_KEY_FILE) is required when CLINSAFE_LFPSE_URL is set")
		}
	}
	if n, err := strconv.Atoi(vals["CLINSAFE_LFPSE_WORKERS"]); err != nil || n < 1 || n > 16 {
		return nil, fmt.Errorf("config: CLINSAFE_LFPSE_WORKERS %q must be a number from 1 to 16", vals["CLINSAFE_LFPSE_WORKERS"])
	} else {
		c.LFPSE.Workers = n
	}
	if d, err := positiveDuration("CLINSAFE_LFPSE_TIMEOUT", vals["CLINSAFE_LFPSE_TIMEOUT"]); err != nil {
		return nil, err
	} else {
		c.LFPSE.Timeout = d
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return nil, fmt.Errorf("config: CLINSAFE_LISTEN %q is not host:port", c.Listen)
	}
	if err := CheckDB(c.DB); err != nil {
		return nil, err
	}
	if c.BaseURL == "" {
		c.BaseURL = defaultBaseURL(c.Listen)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("config: CLINSAFE_BASE_URL %q must be an http or https URL", c.BaseURL)
	}
	if k := vals["CLINSAFE_SESSION_KEY"]; k != "" {
		if len(k) < 32 {
			return nil, errors.New("config: CLINSAFE_SESSION_KEY must be at least 32 characters")
		}
		c.SessionKey = []byte(k)
	} else {
		c.SessionKeyGenerated = true
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return nil, fmt.Errorf("config: CLINSAFE_LOG_FORMAT %q must be text or json", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return nil, fmt.Errorf("config: CLINSAFE_LOG_LEVEL %q must be debug, info, warn or error", c.LogLevel)
	}
	if c.IdleTimeout, err = positiveDuration("CLINSAFE_SESSION_IDLE", vals["CLINSAFE_SESSION_IDLE"]); err != nil {
		return nil, err
	}
	if c.MaxSession, err = positiveDuration("CLINSAFE_SESSION_MAX", vals["CLINSAFE_SESSION_MAX"]); err != nil {
		return nil, err
	}
	if c.IdleTimeout > c.MaxSession {
		return nil, errors.New("config: CLINSAFE_SESSION_IDLE must not be longer than CLINSAFE_SESSION_MAX")
	}
	if c.Audit.CheckpointEvery, err = positiveDuration("CLINSAFE_AUDIT_CHECKPOINT_EVERY", vals["CLINSAFE_AUDIT_CHECKPOINT_EVERY"]); err != nil {
		return nil, err
	}
	if c.TrustedProxies, err = parseProxies(vals["CLINSAFE_TRUSTED_PROXIES"]); err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(vals["CLINSAFE_SMTP_PORT"])
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("config: CLINSAFE_SMTP_PORT %q must be a port number", vals["CLINSAFE_SMTP_PORT"])
	}
	c.SMTP.Port = port
	if c.SMTP.Host != "" {
		if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
			return nil, fmt.Errorf("config: CLINSAFE_SMTP_FROM %q must be an email address when CLINSAFE_SMTP_HOST is set", c.SMTP.From)
		}
	}
	return c, nil
}

// checkpointDir is the default checkpoint directory of the SQLite
// database at dbPath: NAME-checkpoints beside NAME.db (clinsafe-checkpoints
// for the default ./clinsafe.db), F.checkpoints beside a file F of any
// other name. Each database has its own, as the checkpoints of one say
// nothing of another: two databases in one directory sharing one would
// have the second's trail taken for a rewritten first's, and never
// checkpointed.
func checkpointDir(dbPath string) string {
	dir, base := filepath.Split(dbPath)
	if name, ok := strings.CutSuffix(base, ".db"); ok && name != "" {
		return filepath.Join(dir, name+"-checkpoints")
	}
	return filepath.Join(dir, base+".checkpoints")
}

// CheckDB validates a CLINSAFE_DB value.
func CheckDB(dsn string) error {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		if strings.TrimPrefix(dsn, "sqlite:") == "" {
			return errors.New("config: CLINSAFE_DB sqlite: needs a file path, e.g. sqlite:./clinsafe.db")
		}
		return nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		if _, err := url.Parse(dsn); err != nil {
			return errors.New("config: CLINSAFE_DB is not a valid postgres:// URL")
		}
		return nil
	}
	return errors.New("config: CLINSAFE_DB must start with sqlite: or postgres://")
}

// parseProxies reads a list of addresses and CIDR ranges separated by
// commas or spaces. A single address is a range of one.
func parseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		var p netip.Prefix
		var err error
		if strings.Contains(f, "/") {
			p, err = netip.ParsePrefix(f)
			if err == nil && p != p.Masked() {
				return nil, fmt.Errorf("config: CLINSAFE_TRUSTED_PROXIES %q has bits set past the prefix length; did you mean %s?", f, p.Masked())
			}
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(f); err == nil {
				p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
			}
		}
		if err != nil {
			return nil, fmt.Errorf("config: CLINSAFE_TRUSTED_PROXIES %q is not an IP address or CIDR range", f)
		}
		out = append(out, p)
	}
	return out, nil
}

func positiveDuration(name, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("config: %s %q must be a positive duration such as 30m", name, s)
	}
	return d, nil
}

// defaultBaseURL is where a person on this machine reaches clinsafe when no
// public base URL is set: the listen address, with a wildcard host read as
// localhost.
func defaultBaseURL(listen string) string {
	host, port, _ := net.SplitHostPort(listen)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
