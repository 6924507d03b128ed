package store_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// "No rows" is recognised in one place, noRows in store.go, so that every
// lookup maps it the same way: no other file of the package names
// sql.ErrNoRows, and store.go names it once.
func TestNoRowsInOnePlace(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		want := 0
		if f == "store.go" {
			want = 1
		}
		if n := strings.Count(string(b), "ErrNoRows"); n != want {
			t.Errorf("%s names ErrNoRows %d times, want %d: compare with noRows (or use DB.One) instead", f, n, want)
		}
	}
	if checked < 10 {
		t.Fatalf("checked %d files, want the whole package", checked)
	}
}
