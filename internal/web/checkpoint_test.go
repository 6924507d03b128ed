package web_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/app"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/config"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// serve signs a checkpoint of the audit trail when it starts (and then
// periodically), making the key when there is none.
func TestServeWritesAuditCheckpoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
		if _, err := st.CreateOrg(ctx, store.Org{ODSCode: "RA1", Name: "Org", Kind: "trust"}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		cfg, err := config.Load(nil, func(k string) (string, bool) {
			v, ok := map[string]string{
				"CLINSAFE_LISTEN":                 "127.0.0.1:0",
				"CLINSAFE_AUDIT_KEY_FILE":         filepath.Join(dir, "audit.key"),
				"CLINSAFE_AUDIT_CHECKPOINT_DIR":   filepath.Join(dir, "checkpoints"),
				"CLINSAFE_AUDIT_CHECKPOINT_EVERY": "1h",
			}[k]
			return v, ok
		})
		if err != nil {
			t.Fatal(err)
		}
		srv, err := app.NewServer(web.Options{Store: st, Config: cfg, Version: "test", Logger: webtest.QuietLog})
		if err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- srv.Run(rctx) }()
		var c audit.Checkpoint
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if c, _, err = audit.ReadCheckpoint(cfg.Audit.CheckpointDir); err == nil {
				break
			}
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
		if err != nil {
			t.Fatalf("no checkpoint written by serve: %v", err)
		}
		pub, err := audit.LoadPublicKey(cfg.Audit.KeyFile + ".pub")
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Verify(pub); err != nil || c.Seq != 1 {
			t.Fatalf("checkpoint %+v: %v; want entry 1 signed with the new key", c, err)
		}
	})
}
