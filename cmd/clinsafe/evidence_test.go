package main

import (
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// The operator manages networks and rebuilds the counts from the command
// line; a rebuild after the demo gives the counts kept live.
func TestEvidenceAndNetworkCommands(t *testing.T) {
	st, dsn := storetest.Open(t, "sqlite")
	if code, _, errOut := cli(t, "", "demo", "-password", "demo password 123", "-db", dsn); code != 0 {
		t.Fatalf("demo: exit %d: %s", code, errOut)
	}
	live, err := evidencedb.New(st).AllCounts(t.Context())
	if err != nil || len(live) == 0 {
		t.Fatalf("counts after the demo: %d, %v", len(live), err)
	}
	code, out, errOut := cli(t, "", "evidence", "rebuild", "-db", dsn)
	if code != 0 || !strings.HasPrefix(out, "counted ") {
		t.Fatalf("evidence rebuild: exit %d, %q %q", code, out, errOut)
	}
	if code, out, errOut := cli(t, "", "events", "reindex", "-db", dsn); code != 0 || out != "wrote the search documents of 0 events that had none\n" {
		t.Errorf("events reindex after the demo: exit %d, %q %q", code, out, errOut)
	}
	rebuilt, err := evidencedb.New(st).AllCounts(t.Context())
	if err != nil || len(rebuilt) != len(live) {
		t.Errorf("rebuilt counts: %d rows, want %d (%v)", len(rebuilt), len(live), err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"network", "add", "-name", "North Region", "-kind", "region"}, 0, "added network North Region"},
		{[]string{"network", "add", "-name", "North Region"}, 1, "already exists"},
		{[]string{"network", "add", "-name", "X", "-kind", "galaxy"}, 1, "kind"},
		{[]string{"network", "member", "-network", "north region", "-org", "DEMO1"}, 0, "DEMO1 added to North Region"},
		{[]string{"network", "member", "-network", "Nowhere", "-org", "DEMO1"}, 1, "no network"},
		{[]string{"network", "analyst", "-network", "North Region", "-email", "analyst@demo.clinsafe.test"}, 0, "is now an analyst of North Region"},
		{[]string{"network", "analyst", "-network", "North Region", "-email", "nobody@example.com"}, 1, ""},
		{[]string{"network", "list"}, 0, "analyst@demo.clinsafe.test"},
		{[]string{"network", "member", "-network", "North Region", "-org", "DEMO1", "-remove"}, 0, "removed from"},
	} {
		code, out, errOut := cli(t, "", append(c.args, "-db", dsn)...)
		if code != c.code || !strings.Contains(out+errOut, c.want) {
			t.Errorf("%v: exit %d, %q %q; want exit %d and %q", c.args, code, out, errOut, c.code, c.want)
		}
	}
}
