package store

import (
	"context"
	"fmt"
	"os"
)

// Backup writes a consistent online copy of the database to path. On SQLite
// it uses VACUUM INTO; on PostgreSQL it runs pg_dump (custom format) when it
// is on PATH. dsn is the PostgreSQL URL (ignored on SQLite).
func (s *DB) Backup(ctx context.Context, dsn, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("store: backup: %s already exists; choose a new file name", path)
	}
	return s.dialect.backup(ctx, s, dsn, path)
}
