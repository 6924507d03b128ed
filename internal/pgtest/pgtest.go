// Package pgtest runs a throwaway PostgreSQL server for tests.
//
// Start creates a fresh cluster with initdb in a new temporary directory and
// runs postgres on 127.0.0.1 (free TCP port) and on a unix socket in that
// directory, tuned for speed rather than durability (fsync, synchronous_commit
// and full_page_writes off). Stop kills it and removes the directory.
//
// Binaries are looked up in $CLINSAFE_PG_BIN, then on $PATH, then in the
// highest-versioned /usr/lib/postgresql/*/bin. initdb and postgres refuse to
// run as root, so when the test process runs as root the server runs as the
// "postgres" system user, and the cluster directory is chowned to it.
//
// Test binaries normally use Shared (one cluster per process, started on first
// use) and call StopShared from TestMain after m.Run. A test binary that dies
// without stopping its cluster does not leave postgres running: the server is
// started with a parent-death signal (Linux), and as a backstop every Start
// first removes clusters left under the temp dir by processes that are gone.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// EnvRequired names the variable that makes PostgreSQL tests mandatory.
const EnvRequired = "CLINSAFE_TEST_POSTGRES"

// EnvBinDir names the variable that points at a directory holding initdb
// and postgres.
const EnvBinDir = "CLINSAFE_PG_BIN"

// ErrNotInstalled is wrapped by the error Start returns when the PostgreSQL
// server binaries cannot be found; tests use it to decide between skipping
// and failing (see Required).
var ErrNotInstalled = errors.New("PostgreSQL server binaries (initdb, postgres) not found")

const (
	dirPrefix     = "clinsafe-pgtest-"
	ownerFile     = "owner.pid"
	superuser     = "postgres"
	startWait     = 60 * time.Second
	stopWait      = 10 * time.Second
	cloneRetry    = 10 * time.Second
	sqlStateInUse = "55006" // object_in_use: "source database ... is being accessed by other users"
)

// Required reports whether PostgreSQL tests must run: it is true when
// $CLINSAFE_TEST_POSTGRES is "1" or "true". Tests should fail, not skip,
// when Start returns ErrNotInstalled and Required is true.
func Required() bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv(EnvRequired)))
	return v == "1" || v == "true"
}

// Cluster is a running throwaway PostgreSQL server. Its methods are safe for
// concurrent use.
type Cluster struct {
	root string // temp dir: owner.pid, data/, server.log, unix socket
	data string
	port int

	cmd  *exec.Cmd
	done chan struct{} // closed when the postmaster has exited
	werr error         // cmd.Wait result, valid after done is closed

	admin *sql.DB // connections to the "postgres" database

	mu        sync.Mutex
	templates map[string]*sync.Mutex // one lock per template being cloned
	stopped   bool
}

// Start initialises a new cluster in a fresh temp directory and starts it
// listening on 127.0.0.1 on a free TCP port (and a unix socket in the temp
// dir), with fsync=off, synchronous_commit=off, full_page_writes=off and
// max_connections=200 for speed. The superuser is "postgres" with trust
// authentication. On failure it returns an error saying what failed (missing
// binaries, wrapping ErrNotInstalled; initdb or server output) and leaves
// nothing behind. Call Stop when done.
func Start(ctx context.Context) (*Cluster, error) {
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	cred, home, err := runAs()
	if err != nil {
		return nil, err
	}
	cleanStale()

	root, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("pgtest: creating cluster dir: %w", err)
	}
	c := &Cluster{root: root, data: filepath.Join(root, "data"), templates: map[string]*sync.Mutex{}}
	ok := false
	defer func() {
		if !ok {
			c.kill()
			os.RemoveAll(root)
		}
	}()
	if err := os.WriteFile(filepath.Join(root, ownerFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if cred != nil {
		if err := os.Chown(root, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("pgtest: chown %s to postgres user: %w", root, err)
		}
	}

	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"-D", c.data, "-U", superuser, "--auth=trust", "-E", "UTF8", "--locale=C",
		"--no-sync", "--no-instructions")
	prepare(initdb, root, cred, home)
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgtest: %s failed: %v\n%s", initdb, err, strings.TrimSpace(string(out)))
	}

	// Grabbing a free port and handing it to postgres is racy; retry on a
	// bind failure.
	for attempt := 1; ; attempt++ {
		err = c.startServer(ctx, bin, cred, home)
		if err == nil {
			break
		}
		if attempt >= 3 || ctx.Err() != nil || !strings.Contains(err.Error(), "could not bind") {
			return nil, err
		}
	}
	ok = true
	return c, nil
}

func (c *Cluster) startServer(ctx context.Context, bin string, cred *syscall.Credential, home string) error {
	port, err := freePort()
	if err != nil {
		return fmt.Errorf("pgtest: finding a free port: %w", err)
	}
	c.port = port
	logPath := filepath.Join(c.root, "server.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logf.Close()

	cmd := exec.Command(filepath.Join(bin, "postgres"),
		"-D", c.data,
		"-h", "127.0.0.1",
		"-p", strconv.Itoa(port),
		"-k", c.root,
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=200",
		"-c", "logging_collector=off",
	)
	prepare(cmd, c.root, cred, home)
	cmd.Stdout, cmd.Stderr = logf, logf
	// postgres has no "exit when parent dies" option, so ask the kernel:
	// SIGQUIT (immediate shutdown) when the process that started it dies.
	// Pdeathsig fires when the forking *thread* exits, so fork from a
	// goroutine locked to its thread that stays alive until postgres exits.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	started := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with this goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.werr = cmd.Wait()
		close(done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgtest: starting %s: %w", cmd.Path, err)
	}
	c.cmd, c.done = cmd, done

	deadline := time.Now().Add(startWait)
	for {
		if c.ready(ctx) {
			break
		}
		var why string
		select {
		case <-done:
			why = fmt.Sprintf("exited (%v)", c.werr)
		case <-ctx.Done():
			why = ctx.Err().Error()
		case <-time.After(20 * time.Millisecond):
			if time.Now().Before(deadline) {
				continue
			}
			why = "not ready after " + startWait.String()
		}
		c.kill()
		log, _ := os.ReadFile(logPath)
		return fmt.Errorf("pgtest: postgres %s:\n%s", why, strings.TrimSpace(string(log)))
	}
	db, err := sql.Open("pgx", c.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	c.admin = db
	return nil
}

// ready reports whether the server accepts connections.
func (c *Cluster) ready(ctx context.Context) bool {
	// postmaster.pid's 8th line becomes "ready" once connections are accepted.
	b, err := os.ReadFile(filepath.Join(c.data, "postmaster.pid"))
	if err != nil {
		return false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 8 || strings.TrimSpace(lines[7]) != "ready" {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		return false
	}
	conn.Close(ctx)
	return true
}

// DSN returns a postgres:// URL for database db as the superuser over TCP on
// 127.0.0.1 (trust auth, sslmode=disable), usable with pgx and its
// database/sql driver ("pgx").
func (c *Cluster) DSN(db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(superuser),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// CreateDatabase creates database name, copied from template, or from the
// server default (template1) when template is empty.
//
// PostgreSQL refuses to copy a database that has open connections, so callers
// must close every connection to the template (for example db.Close on the
// *sql.DB they used to fill it) before cloning it. Clones of the same template
// are serialised, and since closed connections go away asynchronously on the
// server, the "being accessed by other users" error is retried for a few
// seconds before giving up.
func (c *Cluster) CreateDatabase(ctx context.Context, name, template string) error {
	q := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		q += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	lock := c.templateLock(template)
	lock.Lock()
	defer lock.Unlock()

	deadline := time.Now().Add(cloneRetry)
	wait := 10 * time.Millisecond
	for {
		_, err := c.admin.ExecContext(ctx, q)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != sqlStateInUse || time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("pgtest: %s: %w", q, err)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgtest: %s: %w (last error: %v)", q, ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

func (c *Cluster) templateLock(template string) *sync.Mutex {
	if template == "" {
		template = "template1"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.templates[template]
	if m == nil {
		m = new(sync.Mutex)
		c.templates[template] = m
	}
	return m
}

// Stop stops the server with an immediate shutdown (SIGQUIT, as pg_ctl stop
// -m immediate does), waits for it to exit and removes the cluster directory.
// It is safe to call more than once.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return nil
	}
	c.stopped = true
	c.mu.Unlock()

	if c.admin != nil {
		c.admin.Close()
	}
	c.kill()
	if err := os.RemoveAll(c.root); err != nil {
		return fmt.Errorf("pgtest: removing %s: %w", c.root, err)
	}
	return nil
}

// kill shuts the postmaster down immediately and waits for it to exit.
func (c *Cluster) kill() {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	select {
	case <-c.done:
		return
	default:
	}
	c.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-c.done:
	case <-time.After(stopWait):
		c.cmd.Process.Kill()
		<-c.done
	}
}

var shared struct {
	sync.Mutex
	c       *Cluster
	err     error
	started bool
}

// Shared returns the test process's shared cluster, starting it on first
// call. A failed start is remembered and returned by later calls. Test
// binaries that use it should call StopShared from TestMain after m.Run.
// Give each test its own database (CreateDatabase) on the shared cluster.
func Shared(ctx context.Context) (*Cluster, error) {
	shared.Lock()
	defer shared.Unlock()
	if !shared.started {
		shared.started = true
		shared.c, shared.err = Start(ctx)
	}
	return shared.c, shared.err
}

// StopShared stops the shared cluster, if Shared started one.
func StopShared() error {
	shared.Lock()
	defer shared.Unlock()
	if shared.c == nil {
		return nil
	}
	return shared.c.Stop()
}

// findBinDir returns a directory holding initdb and postgres.
func findBinDir() (string, error) {
	has := func(dir string) bool {
		for _, name := range []string{"initdb", "postgres"} {
			if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv(EnvBinDir); dir != "" {
		if has(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("pgtest: $%s=%s: %w there", EnvBinDir, dir, ErrNotInstalled)
	}
	// On PATH, initdb may be a symlink (/usr/local/bin/initdb) to a version
	// directory that also holds postgres, which is rarely on PATH itself.
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && has(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
		if has(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionLess(dirs[j], dirs[i]) })
	for _, dir := range dirs {
		if has(dir) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("pgtest: %w (set $%s, put initdb on $PATH or install postgresql under /usr/lib/postgresql)", ErrNotInstalled, EnvBinDir)
}

// versionLess compares /usr/lib/postgresql/<version>/bin paths numerically.
func versionLess(a, b string) bool {
	va := strings.Split(filepath.Base(filepath.Dir(a)), ".")
	vb := strings.Split(filepath.Base(filepath.Dir(b)), ".")
	for i := 0; i < len(va) && i < len(vb); i++ {
		x, _ := strconv.Atoi(va[i])
		y, _ := strconv.Atoi(vb[i])
		if x != y {
			return x < y
		}
	}
	return len(va) < len(vb)
}

// runAs returns the credential and home directory to run the server with:
// the "postgres" user when we are root, nil (ourselves) otherwise.
func runAs() (*syscall.Credential, string, error) {
	if os.Geteuid() != 0 {
		return nil, "", nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, "", fmt.Errorf("pgtest: running as root, and PostgreSQL refuses to: need a \"postgres\" system user to run it as: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, "", fmt.Errorf("pgtest: postgres user has non-numeric uid/gid %q/%q", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, u.HomeDir, nil
}

// prepare sets the working directory, environment and user of a server
// command. PG* variables are dropped so the caller's settings cannot leak in.
func prepare(cmd *exec.Cmd, dir string, cred *syscall.Credential, home string) {
	cmd.Dir = dir
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || (cred != nil && (strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "USER=") || strings.HasPrefix(kv, "LOGNAME="))) {
			continue
		}
		env = append(env, kv)
	}
	if cred != nil {
		env = append(env, "HOME="+home, "USER=postgres", "LOGNAME=postgres")
	}
	cmd.Env = env
	// Own process group: a ^C aimed at `go test` reaches the test binary,
	// which stops the server itself, rather than racing it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// cleanStale removes cluster directories under the temp dir whose owning
// process is gone, first stopping any postgres still running in them. It is
// best effort: errors are ignored.
func cleanStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			// Created by a Start that has not written owner.pid yet, or a
			// leftover from one that died in between: only reap old ones.
			if fi, err := os.Stat(dir); err != nil || time.Since(fi.ModTime()) < time.Minute {
				continue
			}
		} else if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err != nil || alive(pid) {
			continue
		}
		data := filepath.Join(dir, "data")
		if pid := postmasterPID(data); pid > 0 {
			syscall.Kill(pid, syscall.SIGQUIT)
			for i := 0; i < 100 && alive(pid); i++ {
				time.Sleep(20 * time.Millisecond)
			}
			if alive(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		os.RemoveAll(dir)
	}
}

// postmasterPID returns the pid of a postmaster still running on data, or 0.
// It checks that the pid file names this data directory and that the process
// is a postgres, so a recycled pid is left alone.
func postmasterPID(data string) int {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return 0
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 2 || lines[1] != data {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || pid <= 0 || !alive(pid) {
		return 0
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err == nil && !strings.Contains(string(cmdline), "postgres") {
		return 0
	}
	return pid
}

// alive reports whether process pid exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
