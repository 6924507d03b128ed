package main

import (
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// The demo's printed list of users says each one's roles and organisation,
// so that a person trying clinsafe knows whom to sign in as.
func TestDemoPrintsEachUsersRoles(t *testing.T) {
	_, dsn := storetest.Open(t, "sqlite")
	code, out, errOut := cli(t, "", "demo", "-password", "demo password 123", "-db", dsn)
	if code != 0 {
		t.Fatalf("demo: exit %d: %s", code, errOut)
	}
	for _, p := range demo.People {
		line := ""
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, p.Email) {
				line = l
			}
		}
		if line == "" || !strings.Contains(line, p.Roles[0].Label()) || !strings.Contains(line, "(") {
			t.Errorf("demo output line for %s = %q, want its roles and organisation", p.Email, line)
		}
	}
}
