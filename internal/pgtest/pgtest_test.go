package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	if os.Getenv("PGTEST_CRASH_CHILD") == "1" {
		crashChild()
		return
	}
	code := m.Run()
	if err := StopShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// start starts a cluster, skipping (or failing, if Required) when PostgreSQL
// is not installed.
func start(t *testing.T) *Cluster {
	t.Helper()
	begin := time.Now()
	c, err := Start(t.Context())
	if errors.Is(err, ErrNotInstalled) {
		if Required() {
			t.Fatalf("%v (required by $%s)", err, EnvRequired)
		}
		t.Skipf("PostgreSQL tests SKIPPED: %v (set $%s=1 to make this a failure)", err, EnvRequired)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Start took %v", time.Since(begin))
	t.Cleanup(func() { c.Stop() })
	return c
}

func open(t *testing.T, c *Cluster, db string) *sql.DB {
	t.Helper()
	sqlDB, err := sql.Open("pgx", c.DSN(db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlDB.Close() })
	return sqlDB
}

func TestCluster(t *testing.T) {
	ctx := t.Context()
	c := start(t)

	if err := c.CreateDatabase(ctx, "app", ""); err != nil {
		t.Fatal(err)
	}
	var one int
	if err := open(t, c, "app").QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}

	// Fill a template, close its connections, then clone it concurrently.
	tmpl := open(t, c, "tmpl")
	if err := c.CreateDatabase(ctx, "tmpl", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := tmpl.ExecContext(ctx, `CREATE TABLE patients (id bigint PRIMARY KEY, name text); INSERT INTO patients VALUES (1, 'x')`); err != nil {
		t.Fatal(err)
	}
	tmpl.Close()

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			begin := time.Now()
			errs[i] = c.CreateDatabase(ctx, fmt.Sprintf("clone%d", i), "tmpl")
			t.Logf("clone%d took %v", i, time.Since(begin))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := open(t, c, fmt.Sprintf("clone%d", i)).QueryRowContext(ctx, "SELECT count(*) FROM patients").Scan(&n); err != nil || n != 1 {
			t.Fatalf("clone%d: count = %d, %v", i, n, err)
		}
	}

	// Sequential clone timing, and a clone that has to wait for a closing
	// connection (exercises the retry).
	begin := time.Now()
	if err := c.CreateDatabase(ctx, "clone2", "tmpl"); err != nil {
		t.Fatal(err)
	}
	t.Logf("sequential clone took %v", time.Since(begin))

	if err := c.CreateDatabase(ctx, "clone_bad", "no_such_db"); err == nil {
		t.Fatal("clone of a missing template succeeded")
	}

	root := c.root
	if _, err := os.Stat(root); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Fatalf("cluster dir %s still there after Stop: %v", root, err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

var sharedRuns int

func TestShared(t *testing.T) {
	a, err := Shared(t.Context())
	if errors.Is(err, ErrNotInstalled) && !Required() {
		t.Skipf("PostgreSQL tests SKIPPED: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := Shared(t.Context())
	if err != nil || a != b {
		t.Fatalf("second Shared = %p, %v; want %p", b, err, a)
	}
	sharedRuns++ // -count=N reuses the process, and so the cluster
	if err := a.CreateDatabase(t.Context(), fmt.Sprintf("shared_test%d", sharedRuns), ""); err != nil {
		t.Fatal(err)
	}
}

// crashChild starts a cluster, reports its directory and postmaster pid on
// stdout, and then waits to be killed.
func crashChild() {
	c, err := Start(context.Background())
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Println(c.root, c.cmd.Process.Pid)
	select {}
}

// TestCrashedOwner kills a process that owns a running cluster with SIGKILL
// and checks that the server dies with it and that the next Start removes
// the directory.
func TestCrashedOwner(t *testing.T) {
	if _, err := findBinDir(); err != nil {
		if Required() {
			t.Fatal(err)
		}
		t.Skipf("PostgreSQL tests SKIPPED: %v", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PGTEST_CRASH_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, _ := out.Read(buf)
	fields := strings.Fields(string(buf[:n]))
	if len(fields) != 2 || fields[0] == "ERR" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child: %q", buf[:n])
	}
	root := fields[0]
	pgPID, _ := strconv.Atoi(fields[1])
	if !alive(pgPID) {
		t.Fatalf("postmaster %d not running", pgPID)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	deadline := time.Now().Add(10 * time.Second)
	for alive(pgPID) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(pgPID) {
		syscall.Kill(pgPID, syscall.SIGKILL)
		t.Errorf("postmaster %d survived its owner", pgPID)
	}
	if _, err := os.Stat(filepath.Join(root, ownerFile)); os.IsNotExist(err) {
		// Another test process (go test runs packages in parallel) started
		// a cluster in between and reaped the stale directory already:
		// that is the behaviour under test, done by someone else.
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(root); os.IsNotExist(err) {
				return
			}
		}
		t.Fatalf("stale cluster dir %s lost its owner file but was not removed", root)
	} else if err != nil {
		t.Fatalf("expected a stale cluster dir: %v", err)
	}
	start(t)
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Fatalf("stale cluster dir %s not removed by Start: %v", root, err)
	}
}
