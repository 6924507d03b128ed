package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Backup writes a consistent online copy of the database to path. On SQLite
// it uses VACUUM INTO; on PostgreSQL it runs pg_dump (custom format) when it
// is on PATH. dsn is the PostgreSQL URL (ignored on SQLite).
func (s *Store) Backup(ctx context.Context, dsn, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("store: backup: %s already exists; choose a new file name", path)
	}
	if s.dialect.name() == "sqlite" {
		if strings.ContainsRune(path, 0) {
			return errors.New("store: backup: bad file name")
		}
		if _, err := s.db.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
			return s.wrap(err, "backup to %s", path)
		}
		return nil
	}
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		return errors.New("store: backup: pg_dump is not on PATH; install the PostgreSQL client tools (Debian: apt-get install postgresql-client) or run pg_dump -Fc against the database yourself")
	}
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--file="+path, "--dbname="+dsn)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("store: backup: pg_dump failed: %s", strings.TrimSpace(string(out)))
	}
	return nil
}
