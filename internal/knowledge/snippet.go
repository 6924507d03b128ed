package knowledge

import (
	"strings"
	"unicode"
)

// Part is a piece of a search snippet: Hit when it matched the query.
// Templates escape every part's text and mark the hits, so a snippet never
// carries markup from the document.
type Part struct {
	Text string
	Hit  bool
}

// snippetWords is about how many words a snippet shows.
const snippetWords = 30

// Snippet is the passage of text around the first words of q it holds,
// with every word that starts with one of q's words (so "prescrib" finds
// "prescribing" as the stemmed index does) marked as a hit. Markdown
// punctuation is dropped; without a match it is the text's start.
func Snippet(text, q string) []Part {
	terms := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	words := strings.FieldsFunc(plain(text), unicode.IsSpace)
	matches := func(w string) bool {
		lw := strings.ToLower(strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
		for _, t := range terms {
			if len(lw) > 0 && (strings.HasPrefix(lw, t) || (len(t) > 4 && strings.HasPrefix(t, lw) && len(lw) >= len(t)-2)) {
				return true
			}
		}
		return false
	}
	first := -1
	for i, w := range words {
		if matches(w) {
			first = i
			break
		}
	}
	start := max(0, first-8)
	end := min(len(words), start+snippetWords)
	var out []Part
	add := func(s string, hit bool) {
		if n := len(out); n > 0 && out[n-1].Hit == hit {
			out[n-1].Text += s
			return
		}
		out = append(out, Part{Text: s, Hit: hit})
	}
	if start > 0 {
		add("… ", false)
	}
	for i := start; i < end; i++ {
		if i > start {
			add(" ", false)
		}
		add(words[i], matches(words[i]))
	}
	if end < len(words) {
		add(" …", false)
	}
	return out
}

// plain drops the Markdown punctuation that would show in a snippet.
func plain(s string) string {
	return strings.NewReplacer("#", " ", "*", "", "_", " ", "`", "", "|", " ", ">", " ", "[", "", "]", "", "---", " ").Replace(s)
}
