package knowledge

import (
	"bytes"
	"html/template"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// The Markdown of documents is CommonMark with GitHub's tables and
// strikethrough. goldmark does not pass raw HTML through (it writes
// "<!-- raw HTML omitted -->"), and whatever it writes is then cleaned by
// bluemonday's policy for user-generated content, which keeps no script,
// iframe, style, event handler attribute or javascript: link.
var (
	md     = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))
	policy = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.RequireNoFollowOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(false)
		return p
	}()
	// omitted is goldmark's marker for raw HTML it left out.
	omitted = regexp.MustCompile(`<!-- raw HTML omitted -->`)
)

// Render turns a document's Markdown into HTML safe to put in a page.
func Render(markdown string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(markdown), &buf); err != nil {
		// goldmark writes to a buffer, which does not fail; show the
		// text as text rather than nothing if it ever does.
		return template.HTML("<pre>" + template.HTMLEscapeString(markdown) + "</pre>")
	}
	out := omitted.ReplaceAll(buf.Bytes(), nil)
	return template.HTML(policy.SanitizeBytes(out)) //nolint:gosec // sanitised just above
}
