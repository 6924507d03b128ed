package training

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed content/*.md
var contentFS embed.FS

// Builtin is one of the courses clinsafe ships, written by the project in
// its own words: Key names it across organisations ("essentials").
type Builtin struct {
	Key    string
	Source string
	Course Course
}

// Builtins are the courses clinsafe ships, parsed; the demo loads them and
// an educator installs them for a new organisation. A course that does not
// parse is a build fault, found by the tests.
func Builtins() ([]Builtin, error) {
	names, err := fs.Glob(contentFS, "content/*.md")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []Builtin
	for _, n := range names {
		b, err := contentFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		c, err := Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("training: built-in course %s: %w", n, err)
		}
		out = append(out, Builtin{Key: strings.TrimSuffix(strings.TrimPrefix(n, "content/"), ".md"), Source: string(b), Course: c})
	}
	return out, nil
}
