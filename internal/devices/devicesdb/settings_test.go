package devicesdb_test

import (
	"testing"

	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// The scanner setting (text spellings of GS are the separator) is kept
// per organisation: off until set, audited when it changes, and one
// organisation's setting is not another's. A direct edit is found.
func TestDevicesSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		a, b := storetest.Org(t, st, "SA1"), storetest.Org(t, st, "SB1")
		db := devicesdb.New(st)
		if s, err := db.Settings(ctx, a.ID); err != nil || s.TextGS || s.UpdatedAt != nil {
			t.Fatalf("Settings before any change = %+v, %v; want text_gs off", s, err)
		}
		if err := db.SetTextGS(ctx, a.ID, true); err != nil {
			t.Fatal(err)
		}
		if s, err := db.Settings(ctx, a.ID); err != nil || !s.TextGS || s.UpdatedAt == nil {
			t.Fatalf("Settings after setting text_gs = %+v, %v", s, err)
		}
		if s, err := db.Settings(ctx, b.ID); err != nil || s.TextGS {
			t.Fatalf("organisation B's setting = %+v, %v; want its own (off)", s, err)
		}
		if err := db.SetTextGS(ctx, a.ID, false); err != nil {
			t.Fatal(err)
		}
		if s, _ := db.Settings(ctx, a.ID); s.TextGS {
			t.Fatal("text_gs still on after turning it off")
		}
		var n int
		var summary string
		if err := st.SQL().QueryRow(`SELECT COUNT(*), MAX(summary) FROM audit_log WHERE org_id = $1 AND action = 'devices_settings.update' AND entity = 'devices_settings'`, a.ID).Scan(&n, &summary); err != nil || n != 2 {
			t.Fatalf("audit entries = %d (%v), want 2", n, err)
		}
		if got := storetest.Findings(t, st); len(got) != 0 {
			t.Fatalf("after audited changes: %q", got)
		}
		if _, err := st.SQL().Exec(`UPDATE devices_settings SET text_gs = TRUE WHERE org_id = $1`, a.ID); err != nil {
			t.Fatal(err)
		}
		storetest.WantFinding(t, st, "settings edited", "devices_settings "+string(a.ID), "changed outside the audit trail")
	})
}
