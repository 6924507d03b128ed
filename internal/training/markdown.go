package training

import (
	"bytes"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

var (
	md     = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))
	policy = bluemonday.UGCPolicy()
)

// RenderMarkdown turns a module's Markdown into HTML that is safe to show:
// goldmark renders it, and the UGC policy of bluemonday removes scripts,
// frames, event handlers and javascript: links, whatever the author wrote.
func RenderMarkdown(src string) string {
	var b bytes.Buffer
	if err := md.Convert([]byte(src), &b); err != nil {
		return policy.Sanitize(src)
	}
	return policy.Sanitize(b.String())
}
