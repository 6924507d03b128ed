package store_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Where the engines differ is said once, in the dialect type: no other
// file of the package compares the engine's name (migrate.go only picks
// the engine's own migration files by it).
func TestEngineChecksOnlyInDialect(t *testing.T) {
	check := regexp.MustCompile(`name\(\) *[!=]=|[!=]= *[a-z.]*name\(\)`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "dialect.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for i, line := range strings.Split(string(b), "\n") {
			if check.MatchString(line) && !(f == "migrate.go" && strings.Contains(line, "engine != s.dialect.name()")) {
				t.Errorf("%s:%d branches on the engine: %s; add a dialect method instead", f, i+1, strings.TrimSpace(line))
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked %d files, want the whole package", checked)
	}
}
